"""Rows refused one by one, and IDs repeated across the sheets of one workbook."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from sharpeyes.ingest import read_cameras
from sharpeyes.ingest.table import MAX_FIELD_CHARS


def _sheet(ids: list[str], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"设备编码": ids, "设备名称": names, "经度": [123.8] * len(ids), "纬度": [42.3] * len(ids)}
    )


def test_a_device_id_on_two_sheets_is_warned_on_both(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as writer:
        _sheet(["34020000001320000001", "34020000001320000002"], ["a", "b"]).to_excel(
            writer, sheet_name="一区", index=False
        )
        _sheet(["34020000001320000003", "34020000001320000001"], ["c", "a2"]).to_excel(
            writer, sheet_name="二区", index=False
        )
    cameras, _ = read_cameras(path)
    warned = cameras.set_index("name")["warnings"]
    assert warned["a"] == "duplicate device ID in this file (also sheet '二区' row 3)"
    assert warned["a2"] == "duplicate device ID in this file (also sheet '一区' row 2)"
    assert warned[["b", "c"]].isna().all()


def test_a_huge_field_refuses_its_row_only(tmp_path: Path) -> None:
    huge = "x" * (50 * 2**20)
    for first in (True, False):
        rows = ["34020000001320000001,a,123.8,42.3,ok", f"34020000001320000002,b,123.8,42.3,{huge}"]
        if first:
            rows.reverse()
        path = tmp_path / "big.csv"
        path.write_text(
            "\n".join(["设备编码,设备名称,经度,纬度,安装地址", *rows, ""]), encoding="utf-8"
        )
        cameras, rejects = read_cameras(path)
        assert cameras["device_id"].tolist() == ["34020000001320000001"]
        assert len(rejects) == 1
        reject = rejects.iloc[0]
        assert reject["row"] == (2 if first else 3) and reject["column"] == "安装地址"
        assert f"{len(huge):,} characters" in reject["reason"]
        assert f"{MAX_FIELD_CHARS:,}" in reject["reason"] and len(reject["value"]) < 100


def test_a_non_point_camera_says_which_geometry_it_has(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"设备编码": ["34020000001320000001"], "设备名称": ["a"]},
        geometry=[shapely.box(123.8, 42.3, 123.81, 42.31)],
        crs=4326,
    )
    frame.to_file(tmp_path / "c.geojson")
    cameras, _ = read_cameras(tmp_path / "c.geojson")
    assert "geometry is a Polygon, expected a Point" in cameras["warnings"].iloc[0]
