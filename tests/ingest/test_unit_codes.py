"""Unit codes, levels, parents and village kinds (#14 items 1–3): any code when the hierarchy is
explicit, the digit rules only derive, a unit is never its own parent, 村民委员会 apart from 居民委员会."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from sharpeyes._errors import InputError
from sharpeyes.coverage.kpis import kpis_by_unit
from sharpeyes.ingest.units import units_from_file
from sharpeyes.model.divisions import parent_from_code, village_kind_from_code

TIELING = Path(__file__).resolve().parents[2] / "sharpeyes" / "demo" / "tieling"


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _no_cameras() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"device_id": pd.array([], dtype="string"), "networked": pd.array([], dtype="boolean")},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"),
        crs="EPSG:4326",
    )


def test_tieling_villages_and_communities_by_statistical_code() -> None:
    raw = pd.read_csv(TIELING / "villages.csv", dtype=str)
    tail = raw["code"].str[9:].astype(int)
    layer = units_from_file(TIELING / "villages.csv")
    kinds = layer.units.set_index("code")["village_kind"]
    assert (kinds[raw.loc[tail.between(200, 399), "code"]] == "village").all()
    assert (kinds[raw.loc[tail.between(1, 199), "code"]] == "community").all()
    assert (kinds[raw.loc[tail >= 400, "code"]] == "virtual").all()
    # the KPI frame counts them apart, per township and summed up to the county
    counties = units_from_file(TIELING / "city_and_counties.geojson", crs="gcj02").units
    towns = units_from_file(TIELING / "townships.csv").units
    frames = [counties, towns, layer.units]
    units = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    kpis = kpis_by_unit(_no_cameras(), units, area="none")
    rows = kpis[kpis["point_class"] == "all"].set_index("unit_code")
    county = raw["code"].str[:6]
    for code in counties.loc[counties["level"] == "county", "code"]:
        in_county = county == code
        assert rows.loc[code, "villages"] == (in_county & tail.between(200, 399)).sum()
        assert rows.loc[code, "communities"] == (in_county & (tail < 200)).sum()
    city = rows[rows["level"] == "city"].iloc[0]
    assert city["villages"] == tail.between(200, 399).sum()
    assert city["communities"] == (tail < 200).sum()
    # no camera yet: coverage 0 where there are villages, blank where there are none
    some = rows[rows["level"] == "township"]
    assert (some.loc[some["villages"] > 0, "village_coverage"] == 0).all()
    assert some.loc[some["communities"] == 0, "community_coverage"].isna().all()


def test_kind_by_name_when_codes_are_not_statistical_and_by_kind_column(tmp_path: Path) -> None:
    rows = [
        {"code": "T1", "name": "东镇", "level": "township", "parent_code": None},
        {"code": "V1", "name": "李家村民委员会", "level": "village", "parent_code": "T1"},
        {"code": "V2", "name": "王家村委会", "level": "village", "parent_code": "T1"},
        {"code": "V3", "name": "张庄村", "level": "village", "parent_code": "T1"},
        {"code": "V4", "name": "东城居民委员会", "level": "village", "parent_code": "T1"},
        {"code": "V5", "name": "北园社区", "level": "village", "parent_code": "T1"},
        {"code": "V6", "name": "南街居委会", "level": "village", "parent_code": "T1"},
        {"code": "V7", "name": "第七片", "level": "village", "parent_code": "T1"},
    ]
    layer = units_from_file(_csv(tmp_path / "u.csv", rows))
    kinds = layer.units.set_index("code")["village_kind"]
    assert kinds[["V1", "V2", "V3"]].tolist() == ["village"] * 3
    assert kinds[["V4", "V5", "V6"]].tolist() == ["community"] * 3
    assert pd.isna(kinds["V7"]) and pd.isna(kinds["T1"])
    # a kind column wins over the name and the code; an unreadable kind is reported
    with_kind = [
        {**r, "类型": k}
        for r, k in zip(rows, [None, "社区", "村", None, None, "虚拟", "?", None], strict=True)
    ]
    layer = units_from_file(_csv(tmp_path / "k.csv", with_kind))
    kinds = layer.units.set_index("code")["village_kind"]
    assert kinds[["V1", "V2", "V5", "V6"]].tolist() == [
        "community",
        "village",
        "virtual",
        "community",
    ]
    bad = layer.problems[layer.problems["kind"] == "bad_kind"]
    assert bad["code"].tolist() == ["V6"] and bad["row"].tolist() == [8]
    # unknown kinds count as villages, virtual units as neither
    kpis = kpis_by_unit(_no_cameras(), layer.units, area="none")
    town = kpis[(kpis["unit_code"] == "T1") & (kpis["point_class"] == "all")].iloc[0]
    assert (town["villages"], town["communities"]) == (3, 3)  # V2 V3 V7 / V1 V4 V6


def test_alphanumeric_codes_with_explicit_parents_import_whole(tmp_path: Path) -> None:
    rows = [
        {"code": "GRID-CITY", "name": "市", "level": "city", "parent_code": None},
        {"code": "PS-01", "name": "一区", "level": None, "parent_code": "GRID-CITY"},
        {"code": "PS-01-a", "name": "一街道", "level": None, "parent_code": "PS-01"},
        {"code": "网格A1", "name": "甲村", "level": None, "parent_code": "PS-01-a"},
        {"code": "0042", "name": "乙社区", "level": "village", "parent_code": "PS-01-a"},
    ]
    layer = units_from_file(_csv(tmp_path / "g.csv", rows))
    units = layer.units.set_index("code")
    assert len(units) == len(rows)
    # levels below the city told by the parents' levels; the parents the file gives, kept
    assert units["level"].tolist() == ["city", "county", "township", "village", "village"]
    assert units.loc["网格A1", "parent_code"] == "PS-01-a"
    # "0042" is 4 digits (a city's length) but the file says village: kept, with a warning
    warned = layer.problems[layer.problems["kind"] == "bad_code"]
    assert warned["code"].tolist() == ["0042"] and "kept as a village" in warned["reason"].iat[0]
    assert units.loc["0042", "parent_code"] == "PS-01-a"
    # without a level for the top unit nothing tells the levels: refused, one row each
    rows[0]["level"] = None
    layer = units_from_file(_csv(tmp_path / "n.csv", rows))
    assert layer.units["code"].tolist() == ["0042"]
    p = layer.problems
    refused = p[(p["kind"] == "bad_code") & p["reason"].str.startswith("cannot tell the level")]
    assert refused["row"].tolist() == [2, 3, 4, 5]
    assert "cannot tell the level of code 'GRID-CITY'" in refused["reason"].iat[0]


def test_given_level_and_parent_win_over_the_digits_with_a_warning(tmp_path: Path) -> None:
    rows = [
        {"code": "219901", "level": "county", "parent_code": None},
        {"code": "219901001", "level": "township", "parent_code": "219901"},
        {"code": "219901002", "level": "township", "parent_code": "219901"},
        # the prefix says township 219901001, the file says 219901002
        {"code": "219901001201", "level": "village", "parent_code": "219901002"},
        # a 6-digit township code: the file's level is kept
        {"code": "219977", "level": "township", "parent_code": "219901"},
    ]
    layer = units_from_file(_csv(tmp_path / "c.csv", rows))
    units = layer.units.set_index("code")
    assert len(units) == 5
    assert units.loc["219901001201", "parent_code"] == "219901002"
    assert units.loc["219977", ["level", "parent_code"]].tolist() == ["township", "219901"]
    p = layer.problems.set_index("code")
    assert p.loc["219901001201", "kind"] == "parent_conflict"
    assert "219901002 is used" in p.loc["219901001201", "reason"]
    assert p.loc["219977", "kind"] == "bad_code" and p.loc["219977", "row"] == 6


def test_a_unit_is_never_its_own_parent(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "s.csv",
        [
            {"代码": "219901", "上级": None},
            {"代码": "219901001", "上级": "219901"},
            {"代码": "219901002", "上级": "219901002"},
        ],
    )
    with pytest.raises(InputError) as info:
        units_from_file(path, code_field="代码", parent_field="上级")
    err = info.value
    assert (err.file, err.row, err.field, err.value) == (str(path), 4, "上级", "219901002")
    assert "219901002 is its own parent" in str(err)
    # a cycle through three units, every cycle named
    cycle = _csv(
        tmp_path / "cy.csv",
        [
            {"code": "A", "level": "county", "parent_code": "C"},
            {"code": "B", "level": "township", "parent_code": "A"},
            {"code": "C", "level": "township", "parent_code": "B"},
            {"code": "D", "level": "village", "parent_code": "D"},
        ],
    )
    with pytest.raises(InputError, match="parents in a cycle A → C → B → A; D is its own parent"):
        units_from_file(cycle)


def test_a_county_code_ending_in_00_is_not_its_own_city_and_counts_its_cameras_once() -> None:
    assert parent_from_code("211200", "county") == "2112"
    assert parent_from_code("211202", "county", {"2112"}) == "2112"
    assert parent_from_code("211202", "county") == "211200"
    assert parent_from_code("AB1202", "county") is None
    assert village_kind_from_code("211202001201") == "village"
    from sharpeyes.ingest.unit_checks import normalise_units

    county = shapely.box(123.0, 42.0, 123.1, 42.1)
    frame = gpd.GeoDataFrame(
        {"code": ["211200"], "name": ["市辖区"], "level": ["county"], "parent_code": [None]},
        geometry=[county],
        crs="EPSG:4326",
    )
    units = normalise_units(frame).units
    assert units["parent_code"].tolist() == ["2112"]
    cameras = gpd.GeoDataFrame(
        {"device_id": ["a", "b", "c"], "networked": [True, True, False]},
        geometry=gpd.points_from_xy([123.01, 123.05, 123.09], [42.05] * 3),
        crs="EPSG:4326",
    )
    kpis = kpis_by_unit(cameras, units, area="none")
    rows = kpis[kpis["point_class"] == "all"]
    assert rows["unit_code"].tolist() == ["211200"]
    assert rows["cameras"].tolist() == [3] and rows["networked"].tolist() == [2]
