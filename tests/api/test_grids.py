"""Grids through the API: KPIs per grid, the grid map layers, and the per-grid worklist whose grid
workers' phone numbers reach editors and admins but never viewers (JSON, CSV or xlsx)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from shapely.geometry import box

from sharpeyes.api.app import create_app
from sharpeyes.jobs import coverage as jobs
from sharpeyes.model.columns import WGS84
from sharpeyes.settings import Settings
from tests.api import city
from tests.api.conftest import Server, city_store, serve

PHONE_PREFIX = "1390000"


def _grid_file(path: Path) -> Path:
    """Each test-city village cut in a west and an east grid, a leader and two workers each."""
    villages = city.units()
    villages = villages[villages["level"] == "village"]
    rows = []
    for k, (code, geom) in enumerate(zip(villages["code"], villages.geometry, strict=True)):
        w, s, e, n = geom.bounds
        mid = (w + e) / 2
        for j, part in enumerate((box(w, s, mid, n), box(mid, s, e, n)), start=1):
            rows.append(
                {
                    "网格编码": f"WG-{code}-{j}",
                    "网格名称": f"{code}第{j}网格",
                    "所属村社区": code,
                    "网格长": f"网格长{k}{j}",
                    "网格长电话": f"{PHONE_PREFIX}{k}{j}01",
                    "网格员": f"甲{k}{j} {PHONE_PREFIX}{k}{j}02；乙{k}{j} {PHONE_PREFIX}{k}{j}03",
                    "geometry": part,
                }
            )
    gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84).to_file(path)
    return path


@pytest.fixture(scope="module")
def grid_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("grids")
    store, tokens = city_store(folder / "city.db")
    got = jobs.import_units(store, _grid_file(folder / "grids.geojson"), level="grid")
    assert got["imported"] == 12 and got["leaders"] == 12 and got["workers"] == 24
    jobs.compute_report(store, area="none")
    jobs.compute_gaps(store)
    for url in serve(create_app(Settings(max_upload_mb=1), store)):
        yield Server(url, store, tokens)


def _offline_rows(doc: dict[str, object]) -> list[dict[str, object]]:
    return [r for rows in doc["sheets"].values() for r in rows if r["verdict"] == "offline"]  # type: ignore[attr-defined]


def test_worklist_names_the_grid_and_phones_only_for_editors(grid_server: Server) -> None:
    with grid_server.client("viewer") as c:
        viewer = c.get("/api/health/worklist", params={"view": "grid"})
        viewer_csv = c.get("/api/health/worklist", params={"view": "grid", "format": "csv"})
        viewer_xlsx = c.get("/api/health/worklist", params={"view": "grid", "format": "xlsx"})
    with grid_server.client("editor") as c:
        editor = c.get("/api/health/worklist", params={"view": "grid"})
        editor_csv = c.get("/api/health/worklist", params={"view": "grid", "format": "csv"})
    for r in (viewer, viewer_csv, viewer_xlsx, editor, editor_csv):
        assert r.status_code == 200, r.text
    offline = [r for r in _offline_rows(viewer.json()) if r["grid_code"]]
    assert offline, "an offline camera with a position lies in a grid"
    row = offline[0]
    assert str(row["grid_code"]).startswith("WG-") and row["grid_name"]
    assert "网格长" in str(row["grid_workers"])  # the viewer sees whom to ask …
    assert PHONE_PREFIX not in viewer.text  # … but no phone number, in any export
    assert PHONE_PREFIX not in viewer_csv.content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(viewer_xlsx.content))
    assert "按网格" in book.sheetnames
    assert all(
        PHONE_PREFIX not in str(cell)
        for sheet in book.worksheets
        for line in sheet.iter_rows(values_only=True)
        for cell in line
    )
    ed = {r["device_id"]: r for r in _offline_rows(editor.json())}
    assert PHONE_PREFIX in str(ed[row["device_id"]]["grid_workers"])  # the editor can call
    assert PHONE_PREFIX in editor_csv.content.decode("utf-8-sig")
    grids = editor.json()["grids"]
    entry = next(g for g in grids if g["grid_code"] == row["grid_code"])
    assert any(c["device_id"] == row["device_id"] for c in entry["cameras"])


def test_grid_detail_people_and_kpis(grid_server: Server) -> None:
    code = "WG-211202001001-1"
    with grid_server.client("viewer") as c:
        as_viewer = c.get(f"/api/grids/{code}").json()
        listed = c.get("/api/grids", params={"village": "211202001001"}).json()
        assert c.get("/api/grids/nope").status_code == 404
    with grid_server.client("admin") as c:
        as_admin = c.get(f"/api/grids/{code}").json()
    assert listed["total"] == 2
    assert as_viewer["kpis"]["cameras"] >= 0 and "networking_rate" in as_viewer["kpis"]
    assert [p["role"] for p in as_viewer["people"]] == ["leader", "worker", "worker"]
    assert all("phone" not in p for p in as_viewer["people"])
    assert all(str(p["phone"]).startswith(PHONE_PREFIX) for p in as_admin["people"])


def test_grid_map_layers_and_gaps(grid_server: Server) -> None:
    bbox = f"{city.WEST},{city.SOUTH},{city.EAST},{city.NORTH}"
    with grid_server.client("viewer") as c:
        every = c.get("/api/map/grids", params={"bbox": bbox}).json()
        gaps = c.get("/api/map/grids", params={"bbox": bbox, "uncovered": "true"}).json()
        layer = c.get("/api/gaps/grids").json()
        page = c.get("/map")
        too_big = c.get("/api/map/grids", params={"bbox": "120,40,126,45"})
    assert len(every["features"]) == 12
    cams = sum(f["properties"]["cameras"] for f in every["features"])
    report = grid_server.store.latest_result("report")
    county = next(
        r
        for r in report["rows"]
        if r["unit_code"] == city.COUNTY and r["point_class"] == "all"  # type: ignore[index]
    )
    assert cams + county["cameras_without_grid"] == county["cameras"]
    uncovered = {
        f["properties"]["code"] for f in every["features"] if not f["properties"]["covered"]
    }
    assert {f["properties"]["code"] for f in gaps["features"]} == uncovered
    assert {f["properties"]["code"] for f in layer["features"]} == uncovered
    assert too_big.status_code == 400
    assert "sharpeyes-grids.js" in page.text and "SharpeyesGrids.init" in page.text
