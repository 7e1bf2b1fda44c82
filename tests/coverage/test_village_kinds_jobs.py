"""The village/community split through the jobs, the store and the report files (#14 item 1), and a
parent cycle between a file and the stored units refused (#14 item 3)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from sharpeyes._errors import InputError
from sharpeyes.coverage.report import REPORT_HEADERS_ZH
from sharpeyes.jobs import coverage as jobs
from sharpeyes.store import Store

TIELING = Path(__file__).resolve().parents[2] / "sharpeyes" / "demo" / "tieling"


def _one_camera(store: Store) -> None:
    """One networked camera in a village of 开原市 (by its village code, no position)."""
    cams = pd.DataFrame(
        {
            "device_id": ["21128200001320000001"],
            "networked": [True],
            "point_class": [1],
            "village_code": ["211282001200"],
        }
    )
    store.import_cameras(cams, None, source="test", file="one.csv")


def test_tieling_villages_and_communities_in_store_and_report(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    raw = pd.read_csv(TIELING / "villages.csv", dtype=str)
    tail = raw["code"].str[9:].astype(int)
    jobs.import_units(store, TIELING / "city_and_counties.geojson", crs="gcj02")
    jobs.import_units(store, TIELING / "townships.csv")
    result = jobs.import_units(store, TIELING / "villages.csv")
    assert result["village_kinds"] == {
        "village": int(tail.between(200, 399).sum()),
        "community": int((tail < 200).sum()),
        "virtual": int((tail >= 400).sum()),
    }
    # the kind is kept in the store, and survives the import of another level
    jobs.import_units(store, TIELING / "townships.csv")
    stored = store.units(level="village").set_index("code")
    assert stored.loc["211282001200", "village_kind"] == "village"
    _one_camera(store)
    out = tmp_path / "r.csv"
    jobs.write_report(store, out, fmt="csv", area="none")
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    # the CSV's headers are the keys or their Chinese names (REPORT_HEADERS_ZH)
    zh = {v: k for k, v in REPORT_HEADERS_ZH.items()}
    rows = [{zh.get(k, k): v for k, v in r.items()} for r in rows]
    keys = ("villages", "villages_covered", "village_coverage")
    assert {*keys, "communities", "communities_covered", "community_coverage"} <= set(rows[0])
    city = next(
        r for r in rows if r["level"] in ("city", "市") and r["point_class"] in ("all", "全部")
    )
    assert float(city["villages"]) == tail.between(200, 399).sum()
    assert float(city["communities"]) == (tail < 200).sum()
    assert float(city["villages_covered"]) == 1
    jobs.write_report(store, tmp_path / "r.json", fmt="json", area="none")
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    county = next(
        r for r in doc["rows"] if r["unit_code"] == "211282" and r["point_class"] == "all"
    )
    assert county["villages_covered"] == 1 and county["communities_covered"] == 0
    assert county["village_coverage"] == pytest.approx(1 / county["villages"])
    assert county["community_coverage"] == 0
    jobs.write_report(store, tmp_path / "r.xlsx", fmt="xlsx", area="none")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    headers = {c.value for ws in wb.worksheets for c in next(ws.iter_rows(max_row=1))}
    assert {"社区数", "社区覆盖率"} <= headers


def test_a_cycle_between_a_file_and_the_stored_units_is_refused(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    pd.DataFrame(
        [
            {"code": "CO-1", "level": "county", "parent_code": None},
            {"code": "T-1", "level": "township", "parent_code": "V-1"},
        ]
    ).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame([{"code": "V-1", "level": "village", "parent_code": "T-1"}]).to_csv(
        tmp_path / "b.csv", index=False
    )
    first = jobs.import_units(store, tmp_path / "a.csv")
    assert first["imported"] == 2
    with pytest.raises(InputError, match="parents in a cycle") as info:
        jobs.import_units(store, tmp_path / "b.csv")
    assert "b.csv with the stored units" in str(info.value)
    stored: gpd.GeoDataFrame = store.units()
    assert sorted(stored["code"]) == ["CO-1", "T-1"]  # the store is unchanged
