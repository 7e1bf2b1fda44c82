"""``units import --kind police`` and ``report --hierarchy police`` through the real entry point,
on the tiny city with a police tree drawn across its townships (:mod:`tests.coverage.police_city`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from tests.cli.conftest import TinyCity, sharpeyes
from tests.coverage.police_city import BUREAU, EAST, SUB, WEST, police_units


def _police_files(folder: Path) -> tuple[Path, Path]:
    """A code list (bureau and sub-bureau, parents, no polygons) and the stations' polygons."""
    codes = folder / "police_codes.csv"
    codes.write_text(
        f"机构代码,机构名称,上级机构代码\n{BUREAU},测试市公安局,\n{SUB},测试分局,{BUREAU}\n",
        encoding="utf-8",
    )
    stations = folder / "stations.geojson"
    units = police_units()
    units[units["level"] == "station"].drop(columns="level").to_file(stations, driver="GeoJSON")
    return codes, stations


def _with_police_units(tiny_city: TinyCity, folder: Path) -> Path:
    """The tiny registry with a 所属辖区公安机关 column: camera 2 names the wrong station."""
    table = pd.read_csv(tiny_city.cameras, dtype=str)
    table["所属辖区公安机关"] = [WEST, EAST, SUB, EAST, WEST]
    path = folder / "cameras_police.csv"
    table.to_csv(path, index=False, encoding="utf-8")
    return path


def test_police_units_import_and_police_report(
    tiny_city: TinyCity, tiny_store: Path, tmp_path: Path
) -> None:
    db = f"sqlite:///{tiny_store}"
    codes, stations = _police_files(tmp_path)
    registry = _with_police_units(tiny_city, tmp_path)
    assert sharpeyes("import", str(registry), "--db", db, cwd=tmp_path).returncode == 0
    first = sharpeyes(
        "units", "import", str(codes), "--kind", "police", "--db", db, "--json", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["files"][0]["levels"] == {"bureau": 1, "sub_bureau": 1}
    # stations by name (…派出所) and by their parent, already in the store
    second = sharpeyes(
        "units", "import", str(stations), "--kind", "police", "--db", db, "--json", cwd=tmp_path
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["files"][0]["units_in_store"] == {
        "bureau": 1,
        "sub_bureau": 1,
        "station": 2,
    }
    with sqlite3.connect(tiny_store) as conn:  # the administrative tree is untouched
        levels = dict(conn.execute("SELECT level, count(*) FROM units GROUP BY level").fetchall())
    assert levels == {"county": 1, "township": 2, "village": 4}

    out = tmp_path / "police.xlsx"
    rep = sharpeyes(
        "report", "-o", str(out), "--hierarchy", "police", "--area", "none", "--db", db, "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    summary = json.loads(rep.stdout)
    assert summary["hierarchy"] == "police" and summary["police_unit_mismatch"] == 1
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames[:3] == ["市公安局", "分局", "派出所"]
    assert "辖区不符" in wb.sheetnames
    stations_sheet = [list(r) for r in wb["派出所"].iter_rows(values_only=True)]
    header = stations_sheet[0]
    assert header[:2] == ["机构代码", "机构名称"]
    cameras_col = header.index("摄像机总数")
    by_station = {r[0]: r[cameras_col] for r in stations_sheet[1:] if r[2] == "全部"}
    assert by_station == {WEST: 2, EAST: 2}
    mism = [list(r) for r in wb["辖区不符"].iter_rows(values_only=True)]
    assert mism[1][:3] == ["21990100001320000002", EAST, WEST]

    as_json = tmp_path / "police.json"
    station_only = sharpeyes(
        "report", "-o", str(as_json), "--hierarchy", "police", "--level", "station",
        "--area", "none", "--db", db, cwd=tmp_path,
    )  # fmt: skip
    assert station_only.returncode == 0, station_only.stderr
    rows = json.loads(as_json.read_text(encoding="utf-8"))["rows"]
    assert {r["level"] for r in rows} == {"station"}


def test_police_import_refuses_self_parents_and_cycles(tiny_store: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,name,parent_code,level\n"
        "A1,甲分局,A1,分局\n"
        "B1,乙派出所,B2,派出所\n"
        "B2,丙派出所,B1,派出所\n"
        "C1,市公安局,,市公安局\n"
        "C2,丁分局,C1,分局\n",
        encoding="utf-8",
    )
    r = sharpeyes(
        "units", "import", str(path), "--kind", "police", "--db", f"sqlite:///{tiny_store}",
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)["files"][0]
    assert result["levels"] == {"bureau": 1, "sub_bureau": 1}  # alphanumeric codes accepted
    kinds = {(p["code"], p["kind"]) for p in result["problem_rows"]}
    assert {("A1", "self_parent"), ("B1", "cycle"), ("B2", "cycle")} <= kinds


def test_police_report_without_police_units_says_what_to_do(
    tiny_store: Path, tmp_path: Path
) -> None:
    r = sharpeyes(
        "report", "-o", str(tmp_path / "r.xlsx"), "--hierarchy", "police",
        "--db", f"sqlite:///{tiny_store}", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode != 0
    assert "--kind police" in r.stderr and "Traceback" not in r.stderr
