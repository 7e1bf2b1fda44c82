"""The map page in Debian's headless Chromium: logged in through the form, layers drawn, nothing
requested outside 127.0.0.1."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from tests.api.cdp import chromium, chromium_path
from tests.api.conftest import Server
from tests.conftest import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def blend(hex_colour: str, opacity: float) -> np.ndarray:
    """A fill colour drawn at ``opacity`` over white, as the screenshot shows it."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return 255 - opacity * (255 - rgb)


def share_near(pixels: np.ndarray, colour: np.ndarray, tolerance: float = 14) -> float:
    return float((np.abs(pixels - colour).max(axis=-1) <= tolerance).mean())


def off_host(urls: list[str], port: int) -> list[str]:
    out = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname != "127.0.0.1" or parts.port != port:
            out.append(url)
    return out


def test_map_in_headless_chromium(server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    port = urlsplit(server.url).port
    assert port is not None
    with chromium() as page:
        # people log in through the form (here with the viewer's password)
        page.navigate(f"{server.url}/map")
        assert page.evaluate("location.pathname") == "/login"
        page.evaluate(
            "document.querySelector('input[name=name]').value = 'viewer1';"
            "document.querySelector('input[name=password]').value = 'viewer-password';"
            "document.querySelector('form').submit(); true"
        )
        page.wait_for("location.pathname === '/map' && document.readyState === 'complete'")
        page.wait_for("window.sharpeyesMapStatus && window.sharpeyesMapStatus.loaded >= 8")
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        # gaps and network layers are off by default: switch them on as a user would
        page.evaluate(
            "['gapVillages', 'gapPlaces', 'links', 'spof', 'plan'].forEach(function (k) {"
            " window.sharpeyesMap.addLayer(window.sharpeyesLayers[k]); }); true"
        )
        page.wait_for(
            "window.sharpeyesMapStatus.loaded >= 13 && window.sharpeyesMapStatus.pending === 0"
        )
        page.pump(0.5)
        status = page.evaluate("window.sharpeyesMapStatus")
        assert status["failed"] == 0, status
        counts = page.evaluate(
            "(function(){var L_=window.sharpeyesLayers, n={};"
            "n.choropleth=L_.choropleths['township:networking_rate'].getLayers().length;"
            "n.boundaries=L_.boundaries.getLayers().length;"
            "n.cameras=L_.cameras.tiles.markerCount();"
            "n.offline=L_.verdicts.offline.tiles.markerCount();"
            "n.gaps=L_.gapVillages.getLayers().length + L_.gapPlaces.getLayers().length;"
            "n.links=L_.links.getLayers().length; n.spof=L_.spof.getLayers().length;"
            "n.plan=L_.plan.getLayers().length;"
            "return n;})()"
        )
        assert all(v > 0 for v in counts.values()), counts
        pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=float)
        assert pixels.std() > 10, "the screenshot is blank"
        # township networking rates 0.48 (< 50 %: red) and 0.80 (70–85 %: yellow), filled at 0.65
        red, yellow = blend("#d73027", 0.65), blend("#fee08b", 0.65)
        assert share_near(pixels, red) > 0.01, "the red choropleth fill is not drawn"
        assert share_near(pixels, yellow) > 0.01, "the yellow choropleth fill is not drawn"
        assert page.evaluate("document.querySelector('.se-legend').innerText").count("联网率") == 1
        # cameras and units come from vector tiles; one camera layer, classes switched off and on
        assert any("/tiles/cameras/" in u for u in page.requests)
        assert any("/tiles/units/township/" in u for u in page.requests)
        assert not any("/api/map/cameras" in u for u in page.requests)
        # the view is fitted before the layers load: every camera tile is of the zoom shown
        zoom = page.evaluate("window.sharpeyesMap.getZoom()")
        tile_zooms = {
            int(u.split("/tiles/cameras/")[1].split("/")[0])
            for u in page.requests
            if "/tiles/cameras/" in u
        }
        assert tile_zooms == {zoom}, (tile_zooms, zoom)
        # offline and degraded are drawn from the camera layer's own tiles: no requests of their own
        assert not [u for u in page.requests if "verdict=offline" in u or "verdict=degraded" in u]
        offline = page.evaluate("window.sharpeyesLayers.verdicts.offline.tiles.shownCameras()")
        assert 0 < offline < page.evaluate("window.sharpeyesLayers.cameras.tiles.shownCameras()")
        assert page.evaluate("window.sharpeyesLayers.cameras.tiles.markerCount()") > 0
        shown = "window.sharpeyesLayers.cameras.tiles.shownCameras()"
        everything = page.evaluate(shown)
        rings = page.evaluate("document.querySelectorAll('.se-ring svg text').length")
        page.evaluate("window.sharpeyesMap.removeLayer(window.sharpeyesLayers.classes['3']); true")
        fewer = page.evaluate(shown)
        page.evaluate("window.sharpeyesMap.addLayer(window.sharpeyesLayers.classes['3']); true")
        assert 0 < fewer < everything == page.evaluate(shown), (fewer, everything)
        assert rings > 0, "the clusters show their counts"

        # zoomed in: cameras as points and fields of view
        page.evaluate("window.sharpeyesMap.setView([42.225, 123.725], 17); true")
        page.wait_for("window.sharpeyesLayers.fov.getLayers().length > 0")
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        page.pump(0.3)
        assert page.evaluate("window.sharpeyesMapStatus.failed") == 0

        assert not page.exceptions, page.exceptions
        assert not off_host(page.requests, port), off_host(page.requests, port)
        assert not [f for f in page.failed if "favicon" not in f[0]], page.failed
        assert any(u.endswith("/static/vendor/leaflet/leaflet.js") for u in page.requests)


def test_api_docs_in_headless_chromium(server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    port = urlsplit(server.url).port
    assert port is not None
    with chromium() as page:
        page.navigate(f"{server.url}/login")
        page.evaluate(
            f"document.querySelector('input[name=token]').value = '{server.tokens['viewer']}';"
            "document.querySelector('input[name=next]').value = '/docs';"
            "document.querySelector('form').submit(); true"
        )
        page.wait_for("location.pathname === '/docs' && document.readyState === 'complete'")
        page.wait_for("document.querySelectorAll('.opblock').length > 10")
        assert not off_host(page.requests, port), off_host(page.requests, port)


#: Draws each CJK character of an element's text alone on a canvas in the element's own font and
#: returns how many distinct, non-blank glyph bitmaps there are and how many equal the missing-glyph
#: box (the bitmap of U+0378, an unassigned code point): text with no font draws every character as
#: the same box.
GLYPHS_JS = """(function (selector) {
  var el = document.querySelector(selector);
  var style = getComputedStyle(el);
  var canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  var ctx = canvas.getContext('2d', {willReadFrequently: true});
  function bitmap(ch) {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = '36px ' + style.fontFamily; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
    ctx.fillText(ch, 4, 4);
    var data = ctx.getImageData(0, 0, 48, 48).data, bits = '';
    for (var i = 3; i < data.length; i += 4) { bits += data[i] > 127 ? '1' : '0'; }
    return bits;
  }
  var tofu = bitmap('\\u0378');
  var chars = Array.from(new Set(Array.from(el.innerText).filter(function (c) {
    return /[\\u4e00-\\u9fff]/.test(c); })));
  var maps = chars.map(bitmap);
  return {family: style.fontFamily, chars: chars.length,
          distinct: new Set(maps).size,
          tofu: maps.filter(function (m) { return m === tofu; }).length,
          blank: maps.filter(function (m) { return m.indexOf('1') < 0; }).length};
})(%s)"""


def assert_chinese_renders(page: object, selector: str) -> None:
    import json

    glyphs = page.evaluate(GLYPHS_JS % json.dumps(selector))  # type: ignore[attr-defined]
    for font in ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
        assert font in glyphs["family"], (selector, glyphs["family"])
    assert glyphs["chars"] >= 3, (selector, glyphs)
    assert glyphs["tofu"] == 0 and glyphs["blank"] == 0, (
        f"{selector}: Chinese text renders as missing glyphs (install fonts-noto-cjk): {glyphs}"
    )
    assert glyphs["distinct"] == glyphs["chars"], (selector, glyphs)


def test_chinese_renders_and_no_page_logs_a_404(server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    with chromium() as page:
        page.navigate(f"{server.url}/login")
        page.pump(0.5)
        assert_chinese_renders(page, "form")
        page.evaluate(
            "document.querySelector('input[name=name]').value = 'viewer1';"
            "document.querySelector('input[name=password]').value = 'viewer-password';"
            "document.querySelector('form').submit(); true"
        )
        page.wait_for("location.pathname === '/map' && document.readyState === 'complete'")
        page.wait_for("document.querySelector('.se-legend') !== null")
        page.wait_for("window.sharpeyesMapStatus && window.sharpeyesMapStatus.pending === 0")
        assert_chinese_renders(page, ".se-legend")
        for path in ("/docs", "/redoc"):
            page.navigate(f"{server.url}{path}")
        page.pump(1.0)
        assert page.evaluate("document.cookie").count("sharpeyes_csrf=") == 1
        assert not page.http_errors, page.http_errors
        assert not page.failed, page.failed
