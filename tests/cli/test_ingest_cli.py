"""``sharpeyes import`` and ``sharpeyes cameras export`` end to end, through a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_HEADERS_ZH
from sharpeyes.store import Store

HEADER = "设备编码,设备名称,监控点位类型,经度,纬度,联网属性,分辨率,视频流地址,行政区划代码\n"


def _registry(path: Path, rows: int = 100, *, bad_every: int = 10, start: int = 0) -> Path:
    """A GBK registry with Chinese headers; every ``bad_every``-th longitude is not an angle (75 minutes)."""
    lines = [HEADER]
    for i in range(start, start + rows):
        lon = "东经123度75分" if bad_every and i % bad_every == 0 else f"{123.8 + i * 1e-4:.6f}"
        county = "211202" if i % 2 else "211221"
        lines.append(
            f"{county}00001320{i:06d},路口{i},{'一类' if i % 3 == 0 else '二类'},{lon},"
            f"{42.28 + i * 1e-4:.6f},{'是' if i % 2 else '否'},1080P,"
            f"rtsp://admin:pw{i}@10.0.0.{i % 250}/live,{county}\n"
        )
    path.write_bytes("".join(lines).encode("gbk"))
    return path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sharpeyes", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def _json(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout  # exactly one JSON document on stdout
    document: dict[str, Any] = json.loads(lines[0])
    return document


def test_import_gbk_registry_with_bad_rows_then_reimport(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "登记表.csv")
    db = tmp_path / "s.db"
    result = _json(_run("import", str(registry), "--db", str(db), "--json", cwd=tmp_path))
    assert (result["accepted"], result["refused"]) == (90, 10)
    assert all(isinstance(result[k], int) for k in ("accepted", "warned", "refused"))
    assert result["inserted"] == 90
    assert result["by_class"]["1"]["accepted"] + result["by_class"]["2"]["accepted"] == 90
    rejects_path = Path(result["rejects"])
    assert rejects_path.exists() and rejects_path.parent == tmp_path
    raw = rejects_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    rejects = pd.read_csv(rejects_path, encoding="utf-8-sig", dtype=str)
    assert len(rejects) == 10
    assert set(rejects["值 value"]) == {"东经123度75分"}
    assert rejects["原因 reason"].str.len().gt(0).all()
    report = json.loads(Path(result["files"][0]["report"]).read_text(encoding="utf-8"))
    assert report["accepted"] == 90 and report["import_id"] == 1

    store = Store.open(f"sqlite:///{db}")
    assert store.count_cameras() == 90
    changes = len(store.changes())
    assert "pw3" not in store.cameras()["stream_url"].str.cat()
    store.close()

    again = _json(_run("import", str(registry), "--db", str(db), "--json", cwd=tmp_path))
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 90)
    store = Store.open(f"sqlite:///{db}")
    assert store.count_cameras() == 90 and len(store.changes()) == changes
    store.close()

    text = _run("import", str(registry), "--db", str(db), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "90 accepted" in text.stdout and "10 refused" in text.stdout
    assert "一类" in text.stdout


def test_dry_run_and_failures_change_nothing(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "a.csv", rows=20)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    db = tmp_path / "s.db"
    dry = _json(_run("import", str(registry), "--dry-run", "--db", str(db), "--json", cwd=tmp_path))
    assert dry["accepted"] == 18 and dry["dry_run"] is True
    store = Store.open(f"sqlite:///{db}")
    assert store.count_cameras() == 0 and store.imports().empty
    store.close()

    failed = _run("import", str(empty), "--db", str(db), "--json", cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stdout == ""
    reason = failed.stderr.strip().splitlines()
    assert len(reason) == 1 and reason[0].startswith("sharpeyes: error:") and "empty" in reason[0]

    # several files: each its own import; the bad one changes nothing, the good one lands
    both = _run("import", str(registry), str(empty), "--db", str(db), "--json", cwd=tmp_path)
    assert both.returncode == 1
    document = json.loads(both.stdout)
    assert document["accepted"] == 18 and len(document["failed"]) == 1
    assert Path(document["rejects"]).name == "import-rejects.csv"
    assert "1 of 2 files not imported" in both.stderr
    store = Store.open(f"sqlite:///{db}")
    assert store.count_cameras() == 18 and len(store.imports()) == 1
    store.close()


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    db = tmp_path / "filled.db"
    registry = _registry(tmp_path / "reg.csv", rows=30, bad_every=0)
    out = _run("import", str(registry), "--db", str(db), "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return db


def test_export_formats_keep_canonical_columns_and_no_credentials(
    tmp_path: Path, filled_db: Path
) -> None:
    for fmt in ("csv", "xlsx", "geojson", "gpkg"):
        path = tmp_path / f"out.{fmt}"
        document = _json(
            _run(
                "cameras",
                "export",
                "-o",
                str(path),
                "--format",
                fmt,
                "--db",
                str(filled_db),
                "--json",
                cwd=tmp_path,
            )
        )
        assert document["rows"] == 30 and Path(document["path"]) == path
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(path, read_only=True).active
            assert sheet is not None
            header = [c.value for c in next(sheet.iter_rows(max_row=1))]
            assert header == [CAMERA_HEADERS_ZH[c] for c in CAMERA_COLUMNS]
            text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
        elif fmt == "csv":
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
            assert list(frame.columns) == list(CAMERA_COLUMNS)
            assert frame["device_id"].str.len().eq(20).all()
            text = path.read_text(encoding="utf-8-sig")
        else:
            frame = gpd.read_file(path)
            assert list(frame.columns) == [*CAMERA_COLUMNS, "geometry"]
            assert frame.crs.to_epsg() == 4326
            assert frame.geometry.x.iloc[1] == pytest.approx(123.8001)
            text = frame.drop(columns="geometry").to_string()
        assert "pw1" not in text and "admin:" not in text and "@" not in text


def test_export_filters_by_unit_and_class(tmp_path: Path, filled_db: Path) -> None:
    out = tmp_path / "x.csv"
    args = ["cameras", "export", "-o", str(out), "--db", str(filled_db), "--json"]
    document = _json(_run(*args, "--unit", "211221", "--class", "1", cwd=tmp_path))
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert document["rows"] == len(frame) == 5
    assert set(frame["admin_code"]) == {"211221"} and set(frame["point_class"]) == {"1"}
    bad = _run(*args, "--format", "pdf", cwd=tmp_path)
    assert bad.returncode == 1 and "format" in bad.stderr
