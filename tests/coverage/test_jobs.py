"""The coverage jobs and commands on a real store (SQLite, and PostGIS when available): import units,
places and roads; report as xlsx (read back with python-calamine), csv and json; gaps."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from sharpeyes.cli import app
from sharpeyes.coverage.kpis import KPI_KEYS
from sharpeyes.coverage.synthetic import synthetic_city
from sharpeyes.jobs import coverage as jobs
from sharpeyes.store import Store

from .conftest import tiny_cameras, tiny_units


@pytest.fixture(scope="module")
def city_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("city")
    city = synthetic_city(1500, counties=2, township_rows=2, n_places=120, seed=7)
    units = city.units
    # counties in one file, townships and villages as a code list + polygons file
    units[units["level"] == "county"].to_file(folder / "counties.geojson")
    units[units["level"] != "county"].to_file(folder / "lower.gpkg")
    city.places.to_file(folder / "places.geojson")
    city.roads.to_file(folder / "roads.geojson")
    city.cameras.to_file(folder / "cameras.gpkg")
    return {
        "counties": folder / "counties.geojson",
        "lower": folder / "lower.gpkg",
        "places": folder / "places.geojson",
        "roads": folder / "roads.geojson",
        "cameras": folder / "cameras.gpkg",
    }


def _load(store: Store, files: dict[str, Path]) -> None:
    cams = gpd.read_file(files["cameras"])
    cams["device_id"] = cams["device_id"].astype(str)
    store.import_cameras(cams.drop(columns="geometry"), None, source="test", file="cameras.gpkg")


def test_jobs_end_to_end(store_url: str, city_files: dict[str, Path], tmp_path: Path) -> None:
    store = Store.open(store_url)
    _load(store, city_files)
    first = jobs.import_units(store, city_files["counties"])
    assert first["levels"] == {"county": 2}
    second = jobs.import_units(store, city_files["lower"])
    assert second["units_in_store"] == {"village": 72, "township": 8, "county": 2}
    assert second["problems"] == {}
    assert second["metric_crs"] == "EPSG:32651"
    assert jobs.import_places(store, city_files["places"])["imported"] == 120
    assert jobs.import_roads(store, city_files["roads"])["imported"] > 0

    summary = jobs.compute_report(store)
    assert summary["cameras"] == 1500
    doc = store.latest_result("report")
    assert doc is not None and doc["metric_crs"] == "EPSG:32651" and doc["health_run"] is None
    assert len(doc["rows"]) == (2 + 8 + 72) * 4
    row = doc["rows"][0]
    assert list(row)[: len(KPI_KEYS)] == list(KPI_KEYS)
    assert row["point_class"] == "all" and row["level"] == "county"
    assert row["online_rate"] is None and row["intact_rate"] is None
    assert 0 <= row["networking_rate"] <= 1 and 0 <= row["area_coverage"] <= 1
    assert {r["point_class"] for r in doc["rows"]} == {"all", 1, 2, 3}

    # a health run fills online/intact
    run = store.start_health_run("2026-11-21")
    cams = store.cameras()
    store.add_health_results(
        run,
        pd.DataFrame(
            {
                "device_id": cams["device_id"].head(300),
                "verdict": ["ok"] * 200 + ["offline"] * 100,
                "faults": [[] for _ in range(300)],
            }
        ),
    )
    store.finish_health_run(run, {})
    jobs.compute_report(store, area="fast")
    doc = store.latest_result("report")
    assert doc is not None and doc["health_run"] == run
    county = doc["rows"][0]
    assert county["online_rate"] is not None and 0 < county["online_rate"] < 1

    gaps = jobs.write_gaps(store, tmp_path / "gaps.geojson")
    saved = store.latest_result("gaps")
    assert saved is not None
    assert {"villages", "places", "roads", "cells"} <= set(saved)
    assert saved["cells"]["type"] == "FeatureCollection" and saved["cells"]["features"]
    assert saved["places"]["features"][0]["geometry"]["type"] == "Point"
    assert gaps["uncovered_places"] == len(saved["places"]["features"])
    assert Path(gaps["files"][0]).exists()


def test_report_xlsx_reads_back_with_chinese_headers(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    units = tiny_units()
    units.to_file(tmp_path / "units.gpkg")
    cams = tiny_cameras()
    store.import_cameras(cams.drop(columns="geometry"), None, source="t", file="t")
    jobs.import_units(store, tmp_path / "units.gpkg")
    out = tmp_path / "report.xlsx"
    result = jobs.write_report(store, out)
    assert result["rows_written"] == 28
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:3] == ["区县", "乡镇街道", "村社区"]
    assert {"未联网行政村", "未覆盖重点部位", "未覆盖道路", "落点问题", "说明"} <= set(
        book.sheet_names
    )
    rows = book.get_sheet_by_name("区县").to_python()
    header = rows[0]
    assert header[:4] == ["区划代码", "单位名称", "点位类型", "摄像机总数"]
    assert "联网率" in header and "高清率" in header and "联网率达标(100%)" in header
    first = dict(zip(header, rows[1], strict=False))
    assert first["区划代码"] == "219901" and first["点位类型"] == "全部"
    assert first["摄像机总数"] == 4
    assert first["联网率"] == pytest.approx(0.5)
    assert first["联网率达标(100%)"] == "未达标"
    # targets missed are red, met green; rates are formatted as percentages
    from openpyxl import load_workbook

    sheet = load_workbook(out)["区县"]
    col = header.index("联网率达标(100%)") + 1
    assert sheet.cell(row=2, column=col).fill.fgColor.rgb.endswith("FFC7CE")
    rate = sheet.cell(row=2, column=header.index("联网率") + 1)
    assert rate.number_format == "0.0%" and rate.fill.fgColor.rgb.endswith("FFC7CE")
    class1 = dict(zip(header, rows[2], strict=False))
    assert class1["点位类型"] == "一类"
    gaps = book.get_sheet_by_name("未联网行政村").to_python()
    assert gaps[0][:2] == ["区划代码", "名称"]
    assert sorted(r[0] for r in gaps[1:]) == ["219901001002", "219901002002"]
    problems = book.get_sheet_by_name("落点问题").to_python()
    assert len(problems) == 1 + 3  # outside, mismatch, unplaced
    notes = dict((r[0], r[1]) for r in book.get_sheet_by_name("说明").to_python())
    assert notes["面积/长度量算坐标系"] == "EPSG:32651"  # no English gloss in a Chinese sheet


def test_cli_commands(tmp_path: Path, city_files: dict[str, Path]) -> None:
    db = str(tmp_path / "cli.db")
    _load(Store.open(f"sqlite:///{db}"), city_files)
    runner = CliRunner()

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(app, [*args, "--db", db, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    out = run("units", "import", str(city_files["counties"]), str(city_files["lower"]))
    assert [f["imported"] for f in out["files"]] == [2, 80]  # type: ignore[index]
    assert run("places", "import", str(city_files["places"]))["imported"] == 120
    assert (
        run("roads", "import", str(city_files["roads"]), "--class-field", "road_class")["imported"]
        > 0
    )
    report = run("report", "-o", str(tmp_path / "r.json"), "--format", "json", "--level", "county")
    assert report["rows_written"] == 8
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["metric_crs"] == "EPSG:32651"
    assert {r["level"] for r in doc["rows"]} == {"county"}
    one = run(
        "report",
        "-o",
        str(tmp_path / "r.csv"),
        "--format",
        "csv",
        "--unit",
        "219901001",
        "--lang",
        "en",
    )  # the English CSV: the JSON keys as headers
    assert one["rows_written"] == (1 + 9) * 4
    csv = pd.read_csv(tmp_path / "r.csv", dtype={"unit_code": str})
    assert list(csv.columns[: len(KPI_KEYS)]) == list(KPI_KEYS)
    gaps = run("gaps", "-o", str(tmp_path / "g.gpkg"), "--format", "gpkg")
    layers = gpd.list_layers(tmp_path / "g.gpkg")["name"].tolist()
    assert sorted(layers) == ["cells", "places", "roads", "villages"]
    assert gaps["cells"] > 0
    run("gaps", "-o", str(tmp_path / "g.csv"), "--format", "csv")
    combined = pd.read_csv(tmp_path / "g.csv")
    assert {"layer", "wkt"} <= set(combined.columns)

    bad = runner.invoke(app, ["report", "-o", str(tmp_path / "x"), "--format", "pdf", "--db", db])
    assert bad.exit_code == 1 and "pdf" in bad.stderr
    missing = runner.invoke(app, ["units", "import", str(tmp_path / "nope.geojson"), "--db", db])
    assert missing.exit_code == 1 and "nope.geojson" in missing.stderr
    empty = runner.invoke(
        app, ["report", "-o", str(tmp_path / "y.xlsx"), "--db", str(tmp_path / "empty.db")]
    )
    assert empty.exit_code == 1 and "units import" in empty.stderr
