"""``/map/print``: one unit's A4 page with its KPI table, its sub-units and the legend."""

from __future__ import annotations

import pytest

from tests.api.cdp import chromium, chromium_path
from tests.api.conftest import Server
from tests.api.test_browser import off_host
from tests.api.test_map_panel import log_in
from tests.conftest import unavailable


def test_print_page_of_a_township(server: Server) -> None:
    with server.client("viewer") as client:
        r = client.get("/map/print", params={"unit": "211202001", "layer": "hd_ratio"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        html = r.text
        assert "第1街道 · 高清率" in html and "size: A4" in html
        for village in ("第1街道1村", "第1街道2村", "第1街道3村"):
            assert village in html
        assert "第2街道1村" not in html  # another township's village
        # the township's all-class row and its class I row (city.results: index 1 → 85.0 % HD)
        assert "85.0%" in html and "一类" in html
        assert client.get("/map/print", params={"unit": "999"}).status_code == 404
        assert (
            client.get("/map/print", params={"unit": "211202", "layer": "colour"}).status_code
            == 422
        )
    with server.client() as anonymous:
        assert anonymous.get("/map/print?unit=211202", follow_redirects=False).status_code == 303


@pytest.mark.browser
@pytest.mark.slow
def test_print_page_draws_in_chromium(server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    with chromium(1280, 720) as page:
        log_in(page, server)
        page.navigate(f"{server.url}/map/print?unit=211202&layer=networking_rate")
        page.wait_for("window.sharpeyesPrintReady === true")
        page.pump(0.3)
        assert (
            page.evaluate("document.querySelectorAll('#print-map path, #print-map canvas').length")
            > 0
        )
        labels = page.evaluate("document.querySelector('#print-map').innerText")
        assert "第1街道" in labels and "第2街道" in labels
        assert not off_host(page.requests, int(server.url.rsplit(":", 1)[1]))
        assert not page.exceptions, page.exceptions
