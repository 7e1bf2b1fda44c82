"""KPIs on the tiny hand-made city (tests/coverage/conftest.py), worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes.coverage.kpis import KPI_KEYS, kpis_by_unit
from sharpeyes.coverage.synthetic import synthetic_city

from .conftest import METRIC, X0, Y0


def _row(df: pd.DataFrame, code: str, cls: object = "all") -> pd.Series:
    sel = df[(df["unit_code"] == code) & (df["point_class"] == cls)]
    assert len(sel) == 1, (code, cls)
    return sel.iloc[0]


def _places_roads() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # a school 50 m from c1 (inside its 100 m disc), a hospital in 二村 seen only by c2 (not
    # networked), a bank in 四村 seen by nobody
    pts = gpd.GeoSeries(
        [
            shapely.Point(X0 + 550, Y0 + 1000),
            shapely.Point(X0 + 1530, Y0 + 1000),
            shapely.Point(X0 + 3500, Y0 + 500),
        ],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    places = gpd.GeoDataFrame(
        {
            "place_id": ["p1", "p2", "p3"],
            "name": ["校", "院", "行"],
            "category": ["school", "hospital", "bank"],
        },
        geometry=pts,
        crs="EPSG:4326",
    )
    # an east–west road through c1 (covered 200 m of 4,000 m inside units) and one through nobody
    lines = gpd.GeoSeries(
        [
            shapely.LineString([(X0, Y0 + 1000), (X0 + 4000, Y0 + 1000)]),
            shapely.LineString([(X0, Y0 + 1900), (X0 + 4000, Y0 + 1900)]),
        ],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    roads = gpd.GeoDataFrame(
        {"road_id": ["r1", "r2"], "name": ["甲", "乙"], "road_class": ["trunk", "tertiary"]},
        geometry=lines,
        crs="EPSG:4326",
    )
    return places, roads


def test_counts_rates_and_rollups(units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame) -> None:
    places, roads = _places_roads()
    df = kpis_by_unit(cameras, units, places=places, roads=roads)
    assert list(df.columns[: len(KPI_KEYS)]) == list(KPI_KEYS)
    assert df.attrs["metric_crs"] == "EPSG:32651"
    assert len(df) == 7 * 4
    county = _row(df, "219901")
    # c1, c2, c3 by position; c4 by its village code; c5 is outside every unit
    assert county["cameras"] == 4
    assert county["networked"] == 2
    assert county["networking_rate"] == pytest.approx(0.5)
    assert county["hd"] == 2 and county["hd_unknown"] == 1
    assert county["hd_ratio"] == pytest.approx(2 / 3)
    # no health run yet: blank, not zero
    assert np.isnan(county["online_rate"]) and np.isnan(county["intact_rate"])
    # villages with a networked camera: 一村 (c1) and 三村 (c3)
    assert county["villages"] == 4 and county["villages_covered"] == 2
    assert county["village_coverage"] == pytest.approx(0.5)
    # area: c1 disc r=100, c2 quarter disc r=50, c3 disc r=60 (sectors have exact areas)
    covered = np.pi * 100**2 + np.pi * 50**2 / 4 + np.pi * 60**2
    assert county["area_km2"] == pytest.approx(8.0, rel=1e-3)
    assert county["area_coverage"] == pytest.approx(covered / 8e6, rel=1e-3)
    assert county["density_km2"] == pytest.approx(4 / 8.0, rel=1e-3)
    # places: only the school is seen by a networked camera
    assert county["places"] == 3 and county["places_covered"] == 1
    assert county["place_coverage_school"] == 1.0 and county["place_coverage_hospital"] == 0.0
    # roads: r1 is seen over c1's 200 m and c3's 120 m
    assert county["road_km"] == pytest.approx(8.0, rel=1e-3)
    assert county["road_covered_km"] == pytest.approx(0.32, rel=1e-2)
    assert county["road_coverage_trunk"] == pytest.approx(0.32 / 4.0, rel=1e-2)
    assert county["road_coverage_tertiary"] == 0.0

    # roll-up: additive figures of the county are the sums of its townships'
    towns = df[(df["level"] == "township") & (df["point_class"] == "all")]
    for key in (
        "cameras",
        "networked",
        "hd",
        "hd_unknown",
        "villages",
        "villages_covered",
        "places",
        "road_km",
        "area_km2",
    ):
        assert county[key] == pytest.approx(towns[key].sum()), key
    covered_km2 = (towns["area_coverage"] * towns["area_km2"]).sum()
    assert county["area_coverage"] * county["area_km2"] == pytest.approx(covered_km2)

    # per class: class 2 (c2) is not networked
    c2 = _row(df, "219901", 2)
    assert c2["cameras"] == 1 and c2["networking_rate"] == 0.0 and c2["village_coverage"] == 0.0
    assert c2["area_coverage"] == pytest.approx(np.pi * 50**2 / 4 / 8e6, rel=1e-3)

    # a village without cameras: 0 where a denominator exists, null where none
    v4 = _row(df, "219901002002")
    assert v4["cameras"] == 1  # c4, counted by code
    v2 = _row(df, "219901001002", 1)
    assert v2["cameras"] == 0
    assert np.isnan(v2["networking_rate"]) and np.isnan(v2["hd_ratio"])
    assert v2["density_km2"] == 0.0 and v2["village_coverage"] == 0.0 and v2["area_coverage"] == 0.0
    assert v2["density_per_1000"] == 0.0
    assert _row(df, "219901001001")["density_per_1000"] == pytest.approx(1.0)


def test_health_targets_and_flags(units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame) -> None:
    health = pd.DataFrame(
        {
            "device_id": ["21990100001320000001", "21990200001320000003", "21990100001320000002"],
            "verdict": ["ok", "degraded", "offline"],
            "faults": [[], ["blur"], []],
        }
    )
    df = kpis_by_unit(cameras, units, health=health, area="none")
    county = _row(df, "219901")
    # of the 2 networked cameras, both online, one intact (c3 has a blurred picture)
    assert county["online_rate"] == 1.0 and county["intact_rate"] == 0.5
    assert county["target_networking_met"] == False  # noqa: E712
    assert county["target_intact_met"] == False  # noqa: E712
    assert county["targets_met"] == False  # noqa: E712
    v1 = _row(df, "219901001001", 1)
    assert v1["networking_rate"] == 1.0 and v1["hd_ratio"] == 1.0 and v1["intact_rate"] == 1.0
    assert v1["target_networking_met"] == True  # noqa: E712
    assert v1["target_intact_met"] == True  # noqa: E712
    assert pd.isna(v1["target_coverage_met"])  # no key places: unknown
    assert v1["targets_met"] == True  # noqa: E712
    assert pd.isna(_row(df, "219901", 3)["target_intact_met"])  # no intact target for class III
    assert np.isnan(county["area_coverage"])


def test_units_without_geometry_and_cameras_without_units(
    units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame
) -> None:
    bare = units.copy()
    bare["geometry"] = None
    df = kpis_by_unit(cameras, bare)
    county = _row(df, "219901")
    # nothing can be placed by position: only c4 (by its village code) and every ID's county
    assert county["cameras"] >= 1
    assert np.isnan(county["area_coverage"]) and np.isnan(county["density_km2"])


def test_fast_and_no_area_on_processes_equal_one_process() -> None:
    # on a pool each county's raster areas are a task of their own and its counts another (in
    # either process); every figure must be the one-process figure, to the last digit
    city = synthetic_city(4000, counties=3, township_rows=2, n_places=300, seed=3)
    for area in ("fast", "none"):
        one = kpis_by_unit(
            city.cameras, city.units, places=city.places, roads=city.roads, area=area
        )
        pooled = kpis_by_unit(
            city.cameras, city.units, places=city.places, roads=city.roads, area=area, workers=2
        )
        pd.testing.assert_frame_equal(one, pooled, check_exact=True)
        assert (one["road_covered_km"].fillna(0) > 0).any() and (one["places_covered"] > 0).any()
    assert pooled["area_coverage"].isna().all()  # area "none": no area figure at all


def test_fast_path_and_processes_agree_with_exact() -> None:
    city = synthetic_city(4000, counties=3, township_rows=2, n_places=300, seed=2)
    exact = kpis_by_unit(city.cameras, city.units, places=city.places, roads=city.roads)
    pooled = kpis_by_unit(city.cameras, city.units, places=city.places, roads=city.roads, workers=2)
    # to the last digit: a county's exact areas are one task, the same call as in one process
    pd.testing.assert_frame_equal(exact, pooled, check_exact=True)
    fast = kpis_by_unit(
        city.cameras, city.units, places=city.places, roads=city.roads, area="fast", cell_m=10.0
    )
    villages = exact["level"] == "village"
    diff = (fast.loc[villages, "area_coverage"] - exact.loc[villages, "area_coverage"]).abs()
    assert diff.max() * 100 < 0.5
    counts = [c for c in exact.columns if c not in ("area_coverage",)]
    pd.testing.assert_frame_equal(exact[counts], fast[counts])
    # the county figures are the sums of the townships' for every class (cameras without a
    # position and without a township code count in their county only, so leave them out here)
    placed = city.cameras[city.cameras["lon"].notna()]
    assert len(placed) < len(city.cameras)
    rolled = kpis_by_unit(placed, city.units, area="none")
    for cls in ("all", 1, 2, 3):
        c = rolled[(rolled["level"] == "county") & (rolled["point_class"] == cls)].set_index(
            "unit_code"
        )
        t = rolled[(rolled["level"] == "township") & (rolled["point_class"] == cls)]
        sums = t.groupby("parent_code")[["cameras", "networked", "hd", "villages_covered"]].sum()
        pd.testing.assert_frame_equal(
            c.loc[sums.index, ["cameras", "networked", "hd", "villages_covered"]].astype(float),
            sums.astype(float),
            check_names=False,
            check_index_type=False,
        )


def test_no_cameras_at_all(units: gpd.GeoDataFrame) -> None:
    from sharpeyes.model.columns import empty_cameras

    df = kpis_by_unit(empty_cameras(), units)
    assert (df["cameras"] == 0).all()
    assert df["networking_rate"].isna().all() and df["hd_ratio"].isna().all()
    assert (df["area_coverage"] == 0).all() and (df["village_coverage"] == 0).all()
    assert (df["density_km2"] == 0).all()
