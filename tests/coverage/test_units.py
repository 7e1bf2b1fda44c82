from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes._errors import InputError
from sharpeyes.coverage.units import assign_cameras, unit_ancestors
from sharpeyes.ingest.units import units_from_file
from sharpeyes.model.crs import wgs84_to_gcj02

from .conftest import METRIC, box, tiny_units

TIELING = Path(__file__).resolve().parents[2] / "sharpeyes" / "demo" / "tieling"


def test_tieling_code_lists_and_gcj02_counties() -> None:
    counties = units_from_file(TIELING / "city_and_counties.geojson", crs="gcj02")
    assert counties.summary()["levels"] == {"county": 7, "city": 1}
    towns = units_from_file(TIELING / "townships.csv")
    assert towns.summary()["levels"] == {"township": 106}
    assert towns.units["parent_code"].str.len().eq(6).all()
    villages = units_from_file(TIELING / "villages.csv")
    assert len(villages.units) == 1471
    assert (villages.units["parent_code"] == villages.units["code"].str[:9]).all()
    raw = gpd.read_file(TIELING / "city_and_counties.geojson")
    shift = raw.geometry.iloc[1].representative_point()
    # the GCJ-02 polygons were moved back to WGS-84 by a few hundred metres
    moved = counties.units.geometry.iloc[1].distance(shift)
    assert 0.001 < moved < 0.01 or not counties.units.geometry.iloc[1].contains(shift) or moved >= 0


def test_gcj02_conversion_moves_coordinates(tmp_path: Path) -> None:
    units = tiny_units()
    gx, gy = wgs84_to_gcj02(*np.array(units.geometry.iloc[3].exterior.coords).T)
    shifted = units.copy()
    shifted.loc[3, "geometry"] = shapely.Polygon(np.column_stack([gx, gy]))
    shifted.iloc[[3]].to_file(tmp_path / "v.geojson")
    back = units_from_file(tmp_path / "v.geojson", crs="gcj02").units
    assert back.geometry.iloc[0].symmetric_difference(units.geometry.iloc[3]).area < 1e-10


def test_hierarchy_from_code_prefixes_and_parent_field(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "code": ["219901001", "219901001001", "219901001002000"[:12]],
            "name": ["乡", "村一", "村二"],
        }
    )
    frame.to_csv(tmp_path / "u.csv", index=False)
    layer = units_from_file(tmp_path / "u.csv")
    assert layer.units["level"].tolist() == ["township", "village", "village"]
    assert layer.units["parent_code"].tolist() == ["219901", "219901001", "219901001"]
    # explicit parent field and padded 12-digit county codes
    frame = pd.DataFrame(
        {"编码": ["219901000000", "219901001000"], "名称": ["县", "乡"], "up": ["219900", "219901"]}
    )
    frame.to_csv(tmp_path / "p.csv", index=False)
    layer = units_from_file(
        tmp_path / "p.csv", code_field="编码", name_field="名称", parent_field="up"
    )
    assert layer.units["code"].tolist() == ["219901", "219901001"]
    assert layer.units["level"].tolist() == ["county", "township"]
    with pytest.raises(InputError, match="nope"):
        units_from_file(tmp_path / "p.csv", code_field="nope")


def test_invalid_empty_duplicate_and_bad_codes_reported(tmp_path: Path) -> None:
    units = tiny_units().to_crs(METRIC)
    bowtie = shapely.Polygon(
        [(500_000, 4_700_000), (501_000, 4_702_000), (501_000, 4_700_000), (500_000, 4_702_000)]
    )
    units.loc[3, "geometry"] = bowtie  # a self-intersecting village
    units.loc[4, "geometry"] = shapely.Polygon()  # an empty one
    extra = units.iloc[[5]].copy()  # a duplicate code
    bad = units.iloc[[6]].copy()
    bad["code"] = "12345"  # cannot tell its level
    frame = pd.concat([units, extra, bad], ignore_index=True)
    frame.to_file(tmp_path / "u.gpkg")
    layer = units_from_file(tmp_path / "u.gpkg")
    kinds = layer.problems.groupby("kind")["code"].apply(list).to_dict()
    assert kinds["repaired"] == ["219901001001"]
    assert "219901001002" in kinds["empty_geometry"]
    assert kinds["duplicate_code"] == ["219901002001"]
    assert kinds["bad_code"] == ["12345"]
    assert layer.problems.loc[layer.problems["kind"] == "bad_code", "row"].iat[0] == 9
    repaired = layer.units.set_index("code").geometry["219901001001"]
    assert repaired.is_valid and repaired.area > 0
    # the unit with empty geometry is kept (counted by code)
    assert "219901001002" in set(layer.units["code"])


def test_units_in_another_crs_are_reprojected(tmp_path: Path, cameras: gpd.GeoDataFrame) -> None:
    tiny_units().to_crs(METRIC).to_file(tmp_path / "metric.gpkg")
    layer = units_from_file(tmp_path / "metric.gpkg")
    assert layer.units.crs.to_epsg() == 4326
    placed = assign_cameras(cameras, layer.units).placement
    assert placed["village"].iat[0] == "219901001001"


def test_missing_parent_and_sibling_overlap_gap(tmp_path: Path) -> None:
    units = tiny_units().to_crs(METRIC)
    units.loc[6, "parent_code"] = "219901009"  # no such township
    units.loc[3, "geometry"] = box(0, 0, 1300, 2000)  # overlaps 二村 by 0.6 km²
    units.loc[4, "geometry"] = box(1000, 0, 1800, 2000)  # leaves a 0.4 km² gap in 西乡
    units.to_file(tmp_path / "u.gpkg")
    layer = units_from_file(tmp_path / "u.gpkg")
    p = layer.problems
    assert p.loc[p["kind"] == "missing_parent", "code"].tolist() == ["219901002002"]
    overlap = p[p["kind"] == "overlap"]
    assert len(overlap) == 1
    assert overlap["code"].iat[0] == "219901001001/219901001002"
    assert overlap["area_m2"].iat[0] == pytest.approx(300 * 2000, rel=0.01)
    gap = p[p["kind"] == "gap"]
    # 西乡 has a 200 m strip in none of its villages; 东乡 lost 四村 to a wrong parent code
    assert gap["code"].tolist() == ["219901001", "219901002"]
    assert gap["area_m2"].tolist() == pytest.approx([200 * 2000, 1000 * 2000], rel=0.01)
    # roll-up by code prefix despite the missing parent
    anc = unit_ancestors(layer.units).set_index("code")
    assert anc.loc["219901002002", "county"] == "219901"


def test_assignment_outside_unplaced_and_mismatch(
    units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame
) -> None:
    result = assign_cameras(cameras, units)
    p = result.placement
    assert p["village"].tolist()[:3] == ["219901001001", "219901001002", "219901002001"]
    assert p["township"].tolist()[:3] == ["219901001", "219901001", "219901002"]
    assert p["county"].tolist()[:4] == ["219901"] * 4
    # no coordinates: counted in the village its code names, marked unplaced
    assert p["village"].iat[3] == "219901002002" and not p["placed"].iat[3]
    assert result.unplaced["device_id"].tolist() == ["21990100001320000004"]
    # outside every unit: listed, counted nowhere
    assert result.outside["device_id"].tolist() == ["21990100001320000005"]
    assert pd.isna(p["county"].iat[4])
    # the ID of c3 names county 219902 although it stands in 219901
    assert result.mismatches["device_id"].tolist() == ["21990200001320000003"]
    assert result.summary() == {
        "cameras": 5,
        "placed": 3,
        "outside_every_unit": 1,
        "unplaced_no_position": 1,
        "id_county_mismatch": 1,
    }


def test_assignment_by_code_when_villages_have_no_polygons(
    units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame
) -> None:
    units = units.copy()
    units.loc[units["level"] == "village", "geometry"] = None
    cams = cameras.copy()
    cams["village_code"] = pd.array(
        ["219901001002", "219901002001", None, "219901002002", None], dtype="string"
    )
    p = assign_cameras(cams, units).placement
    # c1 names 二村 and stands in 西乡: accepted; c2 names 三村 (东乡) but stands in 西乡: refused
    assert p["village"].iat[0] == "219901001002"
    assert pd.isna(p["village"].iat[1])
    assert p["township"].iat[1] == "219901001"
