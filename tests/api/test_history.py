"""``GET /api/units/{code}/history``: a unit's KPIs in every stored report period, on a real server
over the test city reported in two months; 404 for an unknown unit, 401 without credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sharpeyes.api import create_app
from sharpeyes.jobs import coverage
from sharpeyes.settings import Settings
from tests.api import city
from tests.api.conftest import Server, city_store, serve


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store, tokens = city_store(tmp_path_factory.mktemp("history") / "city.db")
    gone = {"unit_code": "211299", "unit_name": "旧县", "level": "county", "point_class": "all"}
    store.save_result("report", {"rows": [{**gone, "networking_rate": 0.1}]}, period="2026-09")
    coverage.compute_report(store, area="none", period="2026-10")
    cams = store.cameras()
    cams = cams[cams["networked"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)]
    frame = cams.drop(columns="geometry").head(50).assign(networked=True)
    store.import_cameras(frame, None, source="nov", file="nov")
    coverage.compute_report(store, area="none", period="2026-11")
    for url in serve(create_app(Settings(), store)):
        yield Server(url, store, tokens)


def test_history_of_a_county(months: Server) -> None:
    viewer = months.client("viewer")
    body = viewer.get(f"/api/units/{city.COUNTY}/history").json()
    assert body["code"] == city.COUNTY and body["level"] == "county"
    assert body["periods"] == ["2026-10", "2026-11"]
    totals = [s for s in body["series"] if s["point_class"] == "all"]
    assert [s["period"] for s in totals] == ["2026-10", "2026-11"]
    for point in totals:
        stored = months.store.result(point["result_id"])
        assert stored is not None and stored["period"] == point["period"]
        row = next(
            r for r in stored["rows"] if r["unit_code"] == city.COUNTY and r["point_class"] == "all"
        )
        assert point["networking_rate"] == pytest.approx(row["networking_rate"])
    assert totals[1]["networked"] == totals[0]["networked"] + 50
    only = viewer.get(f"/api/units/{city.COUNTY}/history", params={"point_class": "1"}).json()
    assert {s["point_class"] for s in only["series"]} == {1} and len(only["series"]) == 2


def test_history_of_a_unit_gone_from_the_store(months: Server) -> None:
    body = months.client("viewer").get("/api/units/211299/history").json()
    assert body["periods"] == ["2026-09"] and body["name"] == "旧县"
    assert body["series"][0]["networking_rate"] == pytest.approx(0.1)


def test_history_refusals(months: Server) -> None:
    viewer = months.client("viewer")
    assert viewer.get("/api/units/999/history").status_code == 404
    bad = viewer.get(f"/api/units/{city.COUNTY}/history", params={"point_class": "9"})
    assert bad.status_code == 400
    assert months.client().get(f"/api/units/{city.COUNTY}/history").status_code == 401


def test_a_unit_with_no_stored_period_has_an_empty_history(tmp_path: Path) -> None:
    store, tokens = city_store(tmp_path / "city.db")  # its report was saved without a period
    for url in serve(create_app(Settings(), store)):
        server = Server(url, store, tokens)
        body = server.client("viewer").get(f"/api/units/{city.COUNTY}/history").json()
        assert body["periods"] == [] and body["series"] == [] and body["level"] == "county"
