"""Warnings a user can see (issue 10, item 5): ``sharpeyes import`` lists them by reason with counts
and first rows, the import report lists every one (row, field, value, reason), a duplicate device ID
is reported once naming its rows and the winner, ``cameras export --with-warnings`` shows them."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd

from tests.cli.conftest import sharpeyes

HEADER = "设备编码,设备名称,监控点位类型,经度,纬度,联网属性,方向\n"


def _registry(path: Path) -> Path:
    rows = [
        "21120200001320000001,一号,一类,123.84,42.29,是,东",
        "21120200001320000002,二号,五类,123.85,42.30,是,东",  # class not understood: row 3
        "21120200001320000003,三号,二类,42.31,123.86,否,东",  # swapped: row 4
        "21120200001320000001,一号新,一类,123.84,42.29,是,东",  # duplicate of row 2: row 5
        "21120200001320000005,五号,三类,123.87,42.32,否,斜",  # direction not understood: row 6
        "21120200001320000006,六号,九类,123.88,42.33,否,东",  # class not understood: row 7
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_tells_every_warning(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "登记表.csv")
    db = str(tmp_path / "s.db")
    out = sharpeyes("import", str(registry), "--db", db, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "warnings by reason:" in text
    lines = {line.strip() for line in text.splitlines()}
    assert any(
        line.startswith("2  point class … not understood") and "rows 3 (五类), 7 (九类)" in line
        for line in lines
    ), text
    assert any("longitude and latitude were swapped" in line and "rows 4" in line for line in lines)
    duplicate = [line for line in lines if "duplicate device ID" in line]
    assert len(duplicate) == 1, text  # once, not once per row
    assert "rows 2, 5" in duplicate[0] and "row 5's values win" in duplicate[0]

    report = json.loads(
        (tmp_path / "登记表.csv.import.json").read_text(encoding="utf-8"), strict=False
    )
    every = report["warnings"]
    assert all({"row", "field", "value", "reason"} <= set(w) for w in every)
    by_row = {(w["row"], w["field"]): w for w in every}
    assert by_row[(3, "point_class")]["value"] == "五类"
    assert by_row[(7, "point_class")]["value"] == "九类"
    assert by_row[(6, "heading_deg")]["value"] == "斜"
    assert (4, "lon, lat") in by_row
    dups = [w for w in every if w["reason"].startswith("duplicate device ID")]
    assert len(dups) == 1
    assert dups[0]["rows"] == [2, 5] and dups[0]["kept_row"] == 5
    assert dups[0]["value"] == "21120200001320000001"
    counted = {g["reason"]: g["count"] for g in report["warnings_by_reason"]}
    assert counted["point class … not understood"] == 2

    document = json.loads(
        sharpeyes("import", str(registry), "--db", db, "--json", cwd=tmp_path).stdout
    )
    assert document["files"][0]["warnings_by_reason"]  # --json has the grouped view too

    export = tmp_path / "c.xlsx"
    done = sharpeyes(
        "cameras", "export", "-o", str(export), "--with-warnings", "--db", db, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(export).active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[-1] == "警告"
    csv_out = tmp_path / "c.csv"
    sharpeyes("cameras", "export", "-o", str(csv_out), "--with-warnings", "--db", db, cwd=tmp_path)
    frame = pd.read_csv(csv_out, dtype=str, encoding="utf-8-sig").set_index("device_id")
    assert "not understood" in frame.loc["21120200001320000002", "warnings"]
    assert pd.isna(frame.loc["21120200001320000005", "warnings"]) is False
    plain = tmp_path / "plain.csv"
    sharpeyes("cameras", "export", "-o", str(plain), "--db", db, cwd=tmp_path)
    assert "warnings" not in pd.read_csv(plain, dtype=str, encoding="utf-8-sig").columns
