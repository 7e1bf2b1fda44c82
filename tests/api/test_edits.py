"""Correcting a camera: ``PATCH /api/cameras/{device_id}`` validated as an import, logged with who
and when, shown in the history; in Chromium, a camera dragged on the map and saved."""

from __future__ import annotations

import pytest

from sharpeyes.model.columns import empty_rejects
from tests.api import city
from tests.api.cdp import chromium, chromium_path
from tests.api.conftest import Server
from tests.api.test_map_panel import click, log_in
from tests.conftest import unavailable


def settled_centre(page: object, selector: str) -> dict[str, float]:
    """The centre of ``selector`` once it stops moving (a popup grows and pans the map as its
    snapshot loads)."""
    js = (
        f"(function () {{ var e = document.querySelector({selector!r}); if (!e) {{ return null; }}"
        " var r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
    )
    last = None
    for _ in range(100):
        now = page.evaluate(js)  # type: ignore[attr-defined]
        if now is not None and now == last:
            return dict(now)
        last = now
        page.pump(0.2)  # type: ignore[attr-defined]
    raise AssertionError(f"{selector} never settled")


def first_camera(server: Server) -> dict[str, object]:
    with server.client("viewer") as client:
        items = client.get("/api/cameras", params={"limit": 50}).json()["items"]
    return next(c for c in items if c["lon"] is not None)


def test_an_editor_corrects_a_camera_and_the_history_shows_who(fresh_server: Server) -> None:
    camera = first_camera(fresh_server)
    device_id = camera["device_id"]
    with fresh_server.client("editor") as client:
        r = client.patch(
            f"/api/cameras/{device_id}",
            json={
                "status": "维修",
                "networked": "未联网",
                "heading_deg": 90,
                "range_m": "80米",
                "lon": 123.81,
                "lat": 42.31,
                "point_class": "一类",
            },
        )
        assert r.status_code == 200, r.text
        edited = r.json()["camera"]
        assert (edited["status"], edited["networked"], edited["heading_deg"]) == (
            "repair",
            False,
            90.0,
        )
        assert (edited["range_m"], edited["lon"], edited["lat"]) == (80.0, 123.81, 42.31)
        assert edited["point_class"] == 1
        # the map's camera layer shows it at the new place at once
        near = client.get(
            "/api/map/cameras", params={"bbox": "123.8099,42.3099,123.8101,42.3101", "zoom": 18}
        ).json()["features"]
        assert device_id in [f["properties"].get("device_id") for f in near]
        history = client.get(f"/api/cameras/{device_id}/history").json()["items"]
    edits = [h for h in history if h["action"] == "edit"]
    assert {h["field"] for h in edits} >= {"status", "networked", "lon", "lat", "heading_deg"}
    assert {h["changed_by"] for h in edits} == {"editor1"}
    lon = next(h for h in edits if h["field"] == "lon")
    assert (lon["before"], lon["after"]) == (camera["lon"], 123.81)
    assert history[0]["action"] == "create" and history[0]["source"] == "test"
    assert all(h["changed_at"].startswith("20") for h in history)
    audit = fresh_server.store.audit_log()
    assert "camera.edit" in set(audit["action"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"heading_deg": 400}, "heading_deg"),
        ({"range_m": -5}, "range_m"),
        ({"point_class": "七类"}, "point_class"),
        ({"status": "broken-ish"}, "status"),
        ({"networked": "maybe"}, "networked"),
        ({"lat": "north"}, "lat"),
        ({"lon": 500}, "lon"),
        ({"status": None}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_422_naming_the_field(
    server: Server, body: dict[str, object], field: str
) -> None:
    device_id = first_camera(server)["device_id"]
    with server.client("editor") as client:
        r = client.patch(f"/api/cameras/{device_id}", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    with server.client("viewer") as client:
        assert client.get(f"/api/cameras/{device_id}").json()["camera"]["status"] in (
            "in_use",
            "repair",
        )


def test_viewers_get_403_and_unknown_cameras_404(server: Server) -> None:
    device_id = first_camera(server)["device_id"]
    with server.client("viewer") as client:
        assert (
            client.patch(f"/api/cameras/{device_id}", json={"status": "repair"}).status_code == 403
        )
    with server.client() as anonymous:
        assert (
            anonymous.patch(f"/api/cameras/{device_id}", json={"status": "repair"}).status_code
            == 401
        )
    with server.client("editor") as client:
        assert (
            client.patch("/api/cameras/21120200001310999999", json={"status": "repair"}).status_code
            == 404
        )
        assert client.get("/api/cameras/21120200001310999999/history").status_code == 404


def test_importing_the_old_registry_again_keeps_the_correction(fresh_server: Server) -> None:
    """The registry that gave the wrong position, imported again unchanged, does not take the
    correction back (it said that before); the edit stays in the log."""
    store = fresh_server.store
    camera = first_camera(fresh_server)
    with fresh_server.client("editor") as client:
        assert (
            client.patch(
                f"/api/cameras/{camera['device_id']}", json={"lon": 123.805, "lat": 42.305}
            ).status_code
            == 200
        )
    store.import_cameras(city.cameras(600), empty_rejects(), source="test", file="city.csv")
    after = store.camera(str(camera["device_id"]))
    assert after is not None and (after["lon"], after["lat"]) == (123.805, 42.305)


@pytest.mark.browser
@pytest.mark.slow
def test_a_camera_dragged_on_the_map_moves_and_is_logged(fresh_server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    camera = first_camera(fresh_server)
    device_id = str(camera["device_id"])
    with chromium(1280, 720) as page:
        log_in(page, fresh_server, role="editor")
        where = f"[{camera['lat']}, {camera['lon']}]"
        page.evaluate(f"window.sharpeyesMap.setView({where}, 18, {{animate: false}}); true")
        page.wait_for("window.SharpeyesEdit.canEdit()")
        # the camera layer's click on the camera's own dot (Leaflet's event: a synthetic mouse click on
        # the canvas did not reach Leaflet's hit test in headless Chromium) opens the popup
        page.wait_for(
            "(function () { var m = window.sharpeyesMap; if (m.getZoom() !== 18) {"
            f" m.setView({where}, 18, {{animate: false}}); return false; }}"
            " var hit = null; window.sharpeyesLayers.cameras.eachLayer(function (d) {"
            f" if (d.getLatLng && d.getPopup() && d.getLatLng().distanceTo({where}) < 0.5) {{ hit = d; }} }});"
            " if (!hit) { return false; } hit.fire('click', {latlng: hit.getLatLng()}); hit.openPopup();"
            " return true; })()"
        )
        page.wait_for("document.querySelector('.se-edit-open') !== null")
        button = settled_centre(page, ".se-edit-open")
        click(page, button["x"], button["y"])
        page.wait_for(
            "document.querySelector('#se-edit') !== null && window.SharpeyesEdit.handle() !== null"
        )
        assert "一类" in page.evaluate(
            "document.querySelector('#se-edit select[name=point_class]').innerText"
        )
        # move the drag handle 60 px right and 40 px down (Leaflet's drag events, as a drag ends)
        page.evaluate(
            "(function () { var h = window.SharpeyesEdit.handle(), m = window.sharpeyesMap;"
            " var p = m.latLngToContainerPoint(h.getLatLng()).add([60, 40]);"
            " h.setLatLng(m.containerPointToLatLng(p)); h.fire('drag'); h.fire('dragend'); })(); true"
        )
        moved = page.evaluate("window.SharpeyesEdit.handle().getLatLng()")
        assert moved["lng"] > float(camera["lon"]) and moved["lat"] < float(camera["lat"])
        save = settled_centre(page, ".se-edit-save")
        click(page, save["x"], save["y"])
        page.wait_for("window.sharpeyesLastEdit !== undefined")
        page.wait_for("document.querySelectorAll('.se-history-item').length >= 2")
        history = page.evaluate("document.querySelector('.se-history').innerText")
        assert "editor1" in history and "lon" in history and "lat" in history
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        page.pump(0.3)
        # the camera layer draws the camera at the new place
        drawn = page.evaluate(
            "(function () { var out = []; window.sharpeyesLayers.cameras.eachLayer(function (m) {"
            " if (m.getLatLng) { var ll = m.getLatLng(); out.push([ll.lng, ll.lat]); } }); return out; })()"
        )
        assert not page.exceptions, page.exceptions
    stored = fresh_server.store.camera(device_id)
    assert stored is not None
    assert abs(stored["lon"] - moved["lng"]) < 1e-5 and abs(stored["lat"] - moved["lat"]) < 1e-5
    assert any(abs(x - stored["lon"]) < 1e-5 and abs(y - stored["lat"]) < 1e-5 for x, y in drawn)
    log = fresh_server.store.changes(device_id=device_id)
    assert {"lon", "lat"} <= set(log.loc[log["action"] == "edit", "field"])
