"""A person's edit of one camera on both back ends: the fields change (the PostGIS point follows),
each change is logged with who and when, and the history lists imports and edits in order."""

from __future__ import annotations

from sharpeyes.model.columns import empty_rejects
from sharpeyes.store import Store
from sharpeyes.store.edits import camera_history, edit_camera, last_change_id
from tests.api import city


def test_edit_is_written_and_logged(store_url: str) -> None:
    store = Store.open(store_url)
    store.import_cameras(city.cameras(20), empty_rejects(), source="registry", file="a.csv")
    device_id = str(store.cameras(limit=1)["device_id"].iloc[0])
    before = store.camera(device_id)
    assert before is not None
    mark = last_change_id(store)
    changes = edit_camera(
        store, device_id, {"lon": 123.81, "lat": 42.31, "status": "repair"}, who="editor1"
    )
    assert changes is not None and {c["field"] for c in changes} <= {"lon", "lat", "status"}
    assert last_change_id(store) > mark
    after = store.camera(device_id)
    assert after is not None and (after["lon"], after["lat"], after["status"]) == (
        123.81,
        42.31,
        "repair",
    )
    # the bounding-box query (PostGIS: the geometry column) finds it at the new place
    found = store.cameras(bbox=(123.8099, 42.3099, 123.8101, 42.3101))
    assert device_id in set(found["device_id"])
    history = camera_history(store, device_id)
    assert history["action"].iloc[0] == "create" and history["source"].iloc[0] == "registry"
    edits = history[history["action"] == "edit"]
    assert set(edits["changed_by"]) == {"editor1"} and "lon" in set(edits["field"])
    assert edit_camera(store, device_id, {"lon": 123.81}, who="editor1") == []
    assert edit_camera(store, "no-such-camera", {"lon": 1.0}, who="editor1") is None
    store.close()
