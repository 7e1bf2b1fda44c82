"""Every camera the readers can store opens at ``GET /api/cameras/{id}``, whatever its ID looks like."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from sharpeyes.api import create_app
from sharpeyes.jobs import ingest
from sharpeyes.jobs.auth import ensure_admin_token
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api.conftest import serve

#: IDs as registries write them: GB/T 28181, free text with spaces, Chinese, URL metacharacters.
CSV_IDS = [
    "21010200001320000001",
    "North gate 3",
    "北门 摄像机 #2",
    "A/B-12",
    "cam?x=1&y=2",
    "100% zoom+pan",
    "dots.in.id",
]


@pytest.fixture(scope="module")
def ids_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[str]]]:
    root = tmp_path_factory.mktemp("ids")
    store = Store.open(f"sqlite:///{root / 'ids.db'}")
    rows = ["device_id,name,lon,lat,point_class"]
    rows += [f'"{d}",cam {i},123.7{i},42.2{i},3' for i, d in enumerate(CSV_IDS)]
    (root / "registry.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    elements = [
        {
            "type": "node",
            "id": 1001,
            "lat": 42.21,
            "lon": 123.71,
            "tags": {"man_made": "surveillance", "surveillance:type": "camera"},
        },
        {
            "type": "way",
            "id": 7,
            "center": {"lat": 42.22, "lon": 123.72},
            "tags": {"man_made": "surveillance", "surveillance:type": "camera"},
        },
    ]
    (root / "osm.json").write_text(json.dumps({"elements": elements}), encoding="utf-8")
    ingest.import_files(store, [root / "registry.csv", root / "osm.json"], progress=False)
    stored = [str(d) for d in store.cameras()["device_id"]]
    token = ensure_admin_token(store)
    for url in serve(create_app(Settings(), store)):
        yield url, token, stored


def test_readers_produced_every_id_form(ids_server: tuple[str, str, list[str]]) -> None:
    _, _, stored = ids_server
    assert "osm:node/1001" in stored and "osm:way/7" in stored
    assert set(CSV_IDS) <= set(stored), stored


@pytest.mark.parametrize("slash", ["plain", "encoded"])
def test_every_stored_camera_opens(ids_server: tuple[str, str, list[str]], slash: str) -> None:
    url, token, stored = ids_server
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for device_id in stored:
            path = quote(device_id, safe="/" if slash == "plain" else "")
            response = client.get(f"/api/cameras/{path}")
            assert response.status_code == 200, (device_id, path, response.text)
            assert response.json()["camera"]["device_id"] == device_id
            # an unknown snapshot of such an ID is a clean 404, not another camera
            snap = client.get(f"/api/cameras/{path}/snapshot.jpg")
            assert snap.status_code == 404 and device_id in snap.json()["detail"]
        missing = client.get("/api/cameras/osm:node/999999")
        assert missing.status_code == 404
