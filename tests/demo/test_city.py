"""The demo city's units: real codes and county polygons, synthetic nested cells that tile."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes.demo.city import (
    CITY_CODE,
    CITY_POPULATION,
    _counties_wgs84,
    build_units,
    data_path,
    is_community,
    is_street,
    short_name,
    township_codes,
    unit_centres,
    village_codes,
    write_units,
)
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.crs import wgs84_to_gcj02


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return build_units(seed=0)


def test_levels_codes_and_names_are_the_real_ones(units: gpd.GeoDataFrame) -> None:
    assert tuple(units.columns) == UNIT_COLUMNS
    assert units.crs == WGS84
    assert units["level"].value_counts().to_dict() == {
        "village": 1471,
        "township": 106,
        "county": 7,
        "city": 1,
    }
    townships = units[units["level"] == "township"]
    villages = units[units["level"] == "village"]
    real_t = township_codes().set_index("code")
    real_v = village_codes().set_index("code")
    assert set(townships["code"]) == set(real_t.index)
    assert set(villages["code"]) == set(real_v.index)
    t = townships.set_index("code")
    assert (t["name"] == real_t.loc[t.index, "name"]).all()
    assert (t["parent_code"] == real_t.loc[t.index, "county_code"]).all()
    v = villages.set_index("code")
    assert (v["name"] == real_v.loc[v.index, "name"]).all()
    assert (v["parent_code"] == real_v.loc[v.index, "township_code"]).all()
    counties = units[units["level"] == "county"]
    assert set(counties["code"]) == {
        "211202",
        "211204",
        "211221",
        "211223",
        "211224",
        "211281",
        "211282",
    }
    assert (counties["parent_code"] == CITY_CODE).all()
    assert dict(zip(counties["code"], counties["name"], strict=True))["211224"] == "昌图县"
    assert units.geometry.is_valid.all()
    assert not units.geometry.is_empty.any()
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}


def test_counties_are_the_amap_polygons_moved_from_gcj02_to_wgs84() -> None:
    raw = gpd.read_file(data_path("city_and_counties.geojson"))
    converted = _counties_wgs84()
    for (_, r), (_, c) in zip(raw.iterrows(), converted.iterrows(), strict=True):
        raw_xy = shapely.get_coordinates(r.geometry)
        wgs_xy = shapely.get_coordinates(c.geometry)
        if len(raw_xy) != len(wgs_xy):  # repaired: compare areas instead of vertices
            assert abs(c.geometry.area - r.geometry.area) / r.geometry.area < 1e-3
            continue
        back_lon, back_lat = wgs84_to_gcj02(wgs_xy[:, 0], wgs_xy[:, 1])
        assert np.abs(back_lon - raw_xy[:, 0]).max() < 1e-6
        assert np.abs(back_lat - raw_xy[:, 1]).max() < 1e-6
        shift = np.hypot(wgs_xy[:, 0] - raw_xy[:, 0], wgs_xy[:, 1] - raw_xy[:, 1])
        assert shift.min() > 1e-3  # a GCJ-02 offset of some hundred metres was removed
    assert converted.geometry.is_valid.all()


@pytest.mark.parametrize("level", ["township", "village"])
def test_children_tile_their_parent_without_gap_or_overlap(
    units: gpd.GeoDataFrame, level: str
) -> None:
    parents = units.set_index("code").geometry
    children = units[units["level"] == level]
    for parent_code, group in children.groupby("parent_code"):
        parent = parents.loc[parent_code]
        union = shapely.union_all(group.geometry.to_numpy())
        gap = parent.difference(union).area
        outside = union.difference(parent).area
        overlap = shapely.area(group.geometry.to_numpy()).sum() - union.area
        assert gap < 1e-7 * parent.area, (parent_code, gap)
        assert outside < 1e-7 * parent.area, (parent_code, outside)
        assert overlap < 1e-7 * parent.area, (parent_code, overlap)


def test_counties_tile_the_city(units: gpd.GeoDataFrame) -> None:
    city = units[units["level"] == "city"].geometry.iloc[0]
    union = shapely.union_all(units[units["level"] == "county"].geometry.to_numpy())
    assert union.symmetric_difference(city).area < 1e-6 * city.area


def test_streets_and_communities_are_small_and_urban(units: gpd.GeoDataFrame) -> None:
    metric = units.to_crs(32651)
    area_km2 = metric.area / 1e6
    townships = units["level"] == "township"
    streets = townships & is_street(units["name"].astype(str))
    assert area_km2[streets].median() * 3 < area_km2[townships & ~streets].median()
    villages = units["level"] == "village"
    community = villages & is_community(units["code"].where(villages, "000000000000"))
    assert area_km2[community].median() * 3 < area_km2[villages & ~community].median()
    # a township's area is some tens to hundreds of km², a village's a few km²
    assert 50 < area_km2[townships & ~streets].median() < 300
    assert 1 < area_km2[villages & ~community].median() < 30


def test_population_is_synthetic_sums_upwards(units: gpd.GeoDataFrame) -> None:
    pop = units.set_index("code")["population"]
    assert pop.notna().all()
    assert (pop > 0).all()
    for level in ("village", "township", "county"):
        children = units[units["level"] == level]
        sums = children.groupby("parent_code")["population"].sum()
        assert (sums == pop.loc[sums.index]).all(), level
    assert abs(int(pop.loc[CITY_CODE]) - CITY_POPULATION) < 2000


def test_same_seed_same_units_other_seed_other_cells(units: gpd.GeoDataFrame) -> None:
    again = build_units(seed=0)
    pd.testing.assert_frame_equal(
        pd.DataFrame(units.drop(columns="geometry")), pd.DataFrame(again.drop(columns="geometry"))
    )
    assert units.geometry.geom_equals_exact(again.geometry, tolerance=0).all()
    other = build_units(seed=1)
    villages = units["level"] == "village"
    same = units.geometry[villages].geom_equals_exact(other.geometry[villages], tolerance=1e-9)
    assert same.mean() < 0.5
    counties = units["level"].isin(["city", "county"])
    assert units.geometry[counties].geom_equals_exact(other.geometry[counties], tolerance=0).all()


def test_write_units_geojson_and_code_lists(units: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = write_units(units, tmp_path)
    back = gpd.read_file(path)
    assert len(back) == len(units)
    assert {"code", "name", "level", "parent_code", "population"} <= set(back.columns)
    assert back.crs is not None and back.crs.to_epsg() == 4326
    assert list(back["code"]) == list(units["code"])
    assert back.geometry.is_valid.all()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["features"][1]["properties"]["parent_code"] == CITY_CODE
    assert doc["features"][0]["properties"]["parent_code"] is None
    assert (path.parent / "villages.csv").read_bytes() == data_path("villages.csv").read_bytes()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    again = write_units(build_units(seed=0), tmp_path / "again")
    assert hashlib.sha256(again.read_bytes()).hexdigest() == digest


def test_centres_lie_in_their_unit(units: gpd.GeoDataFrame) -> None:
    centres = unit_centres(units)
    geoms = units.set_index("code").geometry
    inside = [
        geoms.loc[row.code].buffer(1e-9).contains(shapely.Point(row.lon, row.lat))
        for row in centres.itertuples()
        if row.level == "township"
    ]
    assert all(inside)
    assert set(centres.loc[centres["level"] == "county", "code"]) == {
        c for c in units["code"] if len(c) == 6
    }


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("忠岭村民委员会", "忠岭村"),
        ("马仲河村村民委员会", "马仲河村"),
        ("青年社区", "青年社区"),
        ("小康社区居委会", "小康社区"),
        ("新建家委会", "新建社区"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert short_name(name) == short


def test_community_and_street_flags() -> None:
    assert is_community("211202001001") is True
    assert is_community("211224109200") is False
    assert is_street("红旗街道") is True
    assert is_street("阿吉镇") is False
