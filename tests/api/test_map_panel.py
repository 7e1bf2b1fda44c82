"""The map's one side panel in headless Chromium at 1280×720: every layer switch takes a real mouse
click (none lands on another element), the legend shows exactly the layers shown and names the
indicator and level drawn, and the panel collapses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.cdp import Page, chromium, chromium_path
from tests.api.conftest import Server
from tests.conftest import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Switch ``i`` of the panel scrolled into view, its centre, and the element a click there reaches.
SWITCH_JS = """(function (i) {
  var input = document.querySelectorAll('#se-panel input')[i];
  return (function () {
    input.scrollIntoView({block: 'nearest'});
    var label = input.closest('label');
    var r = label.getBoundingClientRect();
    var x = r.left + Math.min(r.width / 2, 60), y = r.top + r.height / 2;
    var hit = document.elementFromPoint(x, y);
    return {i: i, type: input.type, name: input.name, value: input.value, checked: input.checked,
            x: x, y: y, text: label.innerText.trim(), inside: !!hit && label.contains(hit),
            hit: hit ? hit.tagName + '.' + hit.className : null};
  })();
})(%d)"""
COUNT_JS = "document.querySelectorAll('#se-panel input').length"


def click(page: Page, x: float, y: float) -> None:
    """A real left click at viewport ``(x, y)`` (press and release, as a mouse does)."""
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        page.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
        )


def log_in(page: Page, server: Server, role: str = "viewer") -> None:
    page.navigate(f"{server.url}/login")
    page.evaluate(
        f"document.querySelector('input[name=name]').value = '{role}1';"
        f"document.querySelector('input[name=password]').value = '{role}-password';"
        "document.querySelector('form').submit(); true"
    )
    page.wait_for("location.pathname === '/map' && document.readyState === 'complete'")
    page.wait_for("window.sharpeyesPanel && window.sharpeyesMapStatus.loaded >= 4")
    page.wait_for("window.sharpeyesMapStatus.pending === 0")


def switch_state(page: Page, i: int) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        f"(function () {{ var input = document.querySelectorAll('#se-panel input')[{i}];"
        " return {checked: input.checked, title: document.querySelector('.se-panel-title').innerText,"
        " legend: document.querySelector('.se-legend').innerText}; })()"
    )
    return state


def test_every_switch_takes_a_real_click_at_1280x720(server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    with chromium(1280, 720) as page:
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False},
        )
        log_in(page, server)
        assert page.evaluate("document.querySelector('.leaflet-control-layers')") is None
        assert page.evaluate("document.querySelector('.se-panel-title').innerText") == (
            "联网率 · 乡镇街道"
        )
        legend = page.evaluate("document.querySelector('.se-legend').innerText")
        assert "联网率 · 乡镇街道" in legend
        assert "链路负载" not in legend and "规划点位" not in legend  # not shown: not in the legend

        count = page.evaluate(COUNT_JS)
        assert count >= 20, count
        for i in range(count):
            before = page.evaluate(SWITCH_JS % i)
            assert before["inside"], f"a click on {before['text']!r} lands on {before['hit']}"
            click(page, before["x"], before["y"])
            page.pump(0.1)
            after = switch_state(page, before["i"])
            if before["type"] == "checkbox":
                assert after["checked"] != before["checked"], before
                label = before["text"].rstrip("⤓").strip()
                layer_on = page.evaluate(
                    "(function (k) { var g = k.split('.').reduce(function (o, p) { return o[p]; },"
                    f" window.sharpeyesLayers); return window.sharpeyesMap.hasLayer(g); }})('{before['value']}')"
                )
                assert layer_on == after["checked"], before
                if after["checked"] and label in ("规划点位", "单点故障", "未覆盖村"):
                    assert label in after["legend"], (label, after["legend"])
            else:
                assert after["checked"], (before, after)
        # the last radios clicked: indicator "none" and the last level
        level = page.evaluate(
            "(function () { var i = document.querySelector('#se-panel input[name=se-level]:checked');"
            " return {value: i.value, text: i.closest('label').innerText.replace('⤓', '').trim()}; })()"
        )
        assert switch_state(page, 0)["title"] == f"行政区划 · {level['text']}"
        drawn = page.evaluate(
            "Object.keys(window.sharpeyesLayers.choropleths).filter(function (k) {"
            " return window.sharpeyesMap.hasLayer(window.sharpeyesLayers.choropleths[k]); })"
        )
        assert drawn == []
        # choose 高清率 again: the title, the legend and the one choropleth drawn follow
        switches = [page.evaluate(SWITCH_JS % i) for i in range(count)]
        hd = next(s for s in switches if s["value"] == "hd_ratio")
        hd = page.evaluate(SWITCH_JS % hd["i"])
        click(page, hd["x"], hd["y"])
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        state = switch_state(page, hd["i"])
        assert state["title"] == f"高清率 · {level['text']}"
        assert state["legend"].count(f"高清率 · {level['text']}") == 1
        assert page.evaluate(
            "window.sharpeyesMap.hasLayer(window.sharpeyesLayers.choropleths"
            f"['{level['value']}:hd_ratio'])"
        )

        # the panel collapses and opens again
        toggle = page.evaluate(
            "(function () { var r = document.querySelector('.se-panel-toggle').getBoundingClientRect();"
            " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
        )
        click(page, toggle["x"], toggle["y"])
        assert page.evaluate(
            "getComputedStyle(document.querySelector('.se-panel-body')).display"
        ) == ("none")
        click(page, toggle["x"], toggle["y"])
        assert page.evaluate(
            "getComputedStyle(document.querySelector('.se-panel-body')).display"
        ) != ("none")
        assert not page.exceptions, page.exceptions


def test_nothing_overlaps_the_panel(server: Server) -> None:
    """At 1280×720 and 1920×1080 the panel, the zoom buttons, the scale and the attribution are
    apart, and the panel ends above the bottom of the map."""
    if chromium_path() is None:
        unavailable("headless Chromium")
    for width, height in ((1280, 720), (1920, 1080)):
        with chromium(width, height) as page:
            page.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            log_in(page, server)
            boxes = page.evaluate(
                "(function () { var out = {}; ['#se-panel', '.leaflet-control-zoom',"
                " '.leaflet-control-scale', '.leaflet-control-attribution'].forEach(function (s) {"
                " var e = document.querySelector(s); if (!e) { return; }"
                " var r = e.getBoundingClientRect(); out[s] = [r.left, r.top, r.right, r.bottom]; });"
                " return out; })()"
            )
            panel = boxes.pop("#se-panel")
            assert panel[3] <= height and panel[1] >= 0, (width, panel)
            for name, other in boxes.items():
                apart = (
                    panel[2] <= other[0]
                    or other[2] <= panel[0]
                    or panel[3] <= other[1]
                    or other[3] <= panel[1]
                )
                assert apart, (width, name, panel, other)
