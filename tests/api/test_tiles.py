"""Vector tiles of cameras, units and gaps, decoded as a map client decodes them, on a real server
over the test city (SQLite, and PostGIS for the camera and unit tiles)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest

from sharpeyes.api import create_app
from sharpeyes.jobs.auth import add_user, create_token
from sharpeyes.model.tilemath import tile_bounds
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api import city
from tests.api.conftest import Server, serve
from tests.api.test_api import csv_registry


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding (lon, lat) in WGS-84 degrees at zoom ``z``."""
    n = 2**z
    phi = math.radians(lat)
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)
    return x, y


def decode(data: bytes) -> dict[str, Any]:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})  # type: ignore[no-any-return]


def cameras_in(store: Store, z: int, x: int, y: int) -> pd.DataFrame:
    west, south, east, north = tile_bounds(z, x, y)
    cams = pd.DataFrame(store.cameras().drop(columns="geometry"))
    inside = (
        cams["lon"].between(west, east, inclusive="left")
        & (cams["lat"] > south)
        & (cams["lat"] <= north)
    )
    return cams[inside]


def city_centre(store: Store) -> tuple[float, float]:
    cams = store.cameras()
    return float(cams["lon"].median()), float(cams["lat"].median())


def check_camera_tiles(server: Server) -> None:
    """Clusters at zoom 9 count every camera of their tile by class; zoom 17 has each camera."""
    lon, lat = city_centre(server.store)
    with server.client("viewer") as client:
        x, y = tile_of(lon, lat, 9)
        response = client.get(f"/tiles/cameras/9/{x}/{y}.mvt")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
        features = decode(response.content)["cameras"]["features"]
        expected = cameras_in(server.store, 9, x, y)
        clusters = [f["properties"] for f in features if "count" in f["properties"]]
        points = [f["properties"] for f in features if "device_id" in f["properties"]]
        assert clusters, "zoom 9 over the whole city draws clusters"
        assert sum(c["count"] for c in clusters) + len(points) == len(expected) > 0
        for cls in (1, 2, 3):
            in_clusters = sum(c.get(f"c{cls}", 0) for c in clusters)
            in_points = sum(1 for p in points if p.get("point_class") == cls)
            assert in_clusters + in_points == int((expected["point_class"] == cls).sum())

        one = expected.iloc[len(expected) // 2]
        x, y = tile_of(float(one["lon"]), float(one["lat"]), 17)
        features = decode(client.get(f"/tiles/cameras/17/{x}/{y}.mvt").content)["cameras"][
            "features"
        ]
        by_id = {f["properties"]["device_id"]: f["properties"] for f in features}
        assert set(by_id) == set(cameras_in(server.store, 17, x, y)["device_id"])
        props = by_id[one["device_id"]]
        assert props["point_class"] == int(one["point_class"])
        assert props["name"] == one["name"]
        assert props["village_code"] == one["village_code"]
        assert not {"stream_url", "stream_user", "stream_password"} & set(props)


def check_unit_tiles(server: Server) -> None:
    """Township polygons carry the KPIs of the latest report, as /api/units gives them."""
    lon, lat = city_centre(server.store)
    with server.client("viewer") as client:
        x, y = tile_of(lon, lat, 10)
        response = client.get(f"/tiles/units/township/10/{x}/{y}.mvt")
        assert response.status_code == 200
        units = decode(response.content)["units"]["features"]
        listed = client.get("/api/units", params={"level": "township", "limit": 1000}).json()
    kpis = {
        u["code"]: next(
            (r for r in u["kpis"] if r.get("point_class") in (None, "", "all", "全部", 0)), {}
        )
        for u in listed["units"]
    }
    assert len(units) >= 2
    for feature in units:
        props = feature["properties"]
        assert props["level"] == "township"
        assert props["networking_rate"] == pytest.approx(kpis[props["code"]]["networking_rate"])
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_camera_tiles_cluster_by_class_and_show_cameras_up_close(server: Server) -> None:
    check_camera_tiles(server)


def test_unit_tiles_carry_the_kpis(server: Server) -> None:
    check_unit_tiles(server)


def test_gap_tiles_hold_the_uncovered_villages(server: Server) -> None:
    with server.client("viewer") as client:
        villages = client.get("/api/gaps/villages").json()["features"]
        assert villages
        first = villages[0]["properties"]
        lon, lat = city_centre(server.store)
        x, y = tile_of(lon, lat, 9)
        data = client.get(f"/tiles/gaps/villages/9/{x}/{y}.mvt").content
        assert client.get(f"/tiles/gaps/nothing/9/{x}/{y}.mvt").status_code == 404
    drawn = decode(data)["gaps"]["features"]
    assert len(drawn) == len(villages)
    assert first.get("code") in {f["properties"].get("code") for f in drawn}


def test_bad_tiles_are_400(server: Server) -> None:
    with server.client("viewer") as client:
        assert client.get("/tiles/cameras/3/8/0.mvt").status_code == 400
        assert client.get("/tiles/cameras/23/0/0.mvt").status_code == 400
        assert client.get("/tiles/cameras/3/1/1.mvt?point_class=7").status_code == 400
        assert client.get("/tiles/units/no-such/3/1/1.mvt").status_code == 400


def test_class_and_verdict_filters(server: Server) -> None:
    lon, lat = city_centre(server.store)
    x, y = tile_of(lon, lat, 9)
    with server.client("viewer") as client:
        only3 = decode(client.get(f"/tiles/cameras/9/{x}/{y}.mvt?point_class=3").content)
        offline = decode(client.get(f"/tiles/cameras/9/{x}/{y}.mvt?verdict=offline").content)
    for feature in only3["cameras"]["features"]:
        props = feature["properties"]
        assert props.get("point_class", 3) == 3
        assert props.get("count", 0) == props.get("c3", 0)
    n_offline = sum(f["properties"].get("count", 1) for f in offline["cameras"]["features"])
    health = server.store.health_results()
    down = set(health.loc[health["verdict"] == "offline", "device_id"])
    assert n_offline == int(cameras_in(server.store, 9, x, y)["device_id"].isin(down).sum()) > 0


def test_etag_and_304(server: Server) -> None:
    lon, lat = city_centre(server.store)
    x, y = tile_of(lon, lat, 12)
    with server.client("viewer") as client:
        first = client.get(f"/tiles/cameras/12/{x}/{y}.mvt")
        etag = first.headers["etag"]
        again = client.get(f"/tiles/cameras/12/{x}/{y}.mvt", headers={"If-None-Match": etag})
        other = client.get(f"/tiles/cameras/12/{x + 1}/{y}.mvt", headers={"If-None-Match": etag})
        cached = client.get(f"/tiles/cameras/12/{x}/{y}.mvt")
    assert first.status_code == 200 and again.status_code == 304 and not again.content
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert cached.content == first.content and cached.headers["etag"] == etag


def test_an_import_invalidates_the_tiles(fresh_server: Server) -> None:
    # csv_registry puts its cameras around (123.75, 42.25): all in one zoom-12 tile
    x, y = tile_of(123.755, 42.255, 12)
    with fresh_server.client("editor") as editor:
        before = editor.get(f"/tiles/cameras/12/{x}/{y}.mvt")
        counted = sum(
            f["properties"].get("count", 1) for f in decode(before.content)["cameras"]["features"]
        )
        assert editor.post("/api/imports", files={"file": ("new.csv", csv_registry(7))}).is_success
        after = editor.get(
            f"/tiles/cameras/12/{x}/{y}.mvt", headers={"If-None-Match": before.headers["etag"]}
        )
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    recounted = sum(
        f["properties"].get("count", 1) for f in decode(after.content)["cameras"]["features"]
    )
    assert recounted == counted + 7


def test_the_index_is_kept_beside_the_store_and_rebuilt_after_an_import(tmp_path: Path) -> None:
    from sharpeyes.api.deps import camera_index

    store = Store.open(f"sqlite:///{tmp_path / 'city.db'}")
    city.populate(store, 300)
    first = create_app(Settings(), store).state.sharpeyes
    index = camera_index(first)
    folders = sorted(p.name for p in (tmp_path / "city.db.cache").glob("cameras-*"))
    assert len(folders) == 1 and len(index) == 300
    # a second server (another worker, a restart) maps the same files: nothing is rebuilt
    mtime = (tmp_path / "city.db.cache" / folders[0] / "lon.npy").stat().st_mtime_ns
    second = camera_index(create_app(Settings(), store).state.sharpeyes)
    assert isinstance(second.lon, np.memmap)
    assert (tmp_path / "city.db.cache" / folders[0] / "lon.npy").stat().st_mtime_ns == mtime
    # an import changes the cameras version: a new index, the old one removed
    more = city.cameras(310).iloc[300:]
    store.import_cameras(more, city.empty_rejects(), source="test", file="more.csv")
    third = camera_index(create_app(Settings(), store).state.sharpeyes)
    assert len(third) == 310
    assert [p.name for p in (tmp_path / "city.db.cache").glob("cameras-*")] != folders


@pytest.fixture
def pg_server(pg_url: str, tmp_path: Path) -> Iterator[Server]:
    store = Store.open(pg_url)
    city.populate(store)
    tokens = {}
    for role in ("viewer", "editor", "admin"):
        add_user(store, f"{role}1", role)
        tokens[role] = create_token(store, f"{role}1")
    app = create_app(Settings(cache_dir=str(tmp_path / "cache")), store)
    try:
        for url in serve(app):
            yield Server(url, store, tokens)
    finally:
        store.close()


@pytest.mark.postgis
def test_tiles_on_postgis(pg_server: Server) -> None:
    check_camera_tiles(pg_server)
    check_unit_tiles(pg_server)


def test_bbox_selection_through_tiles_matches_a_full_scan() -> None:
    from sharpeyes.api.index import BBox, CameraIndex

    cams = pd.DataFrame(city.cameras(5_000, seed=5).drop(columns="geometry"))
    index = CameraIndex(cams)
    rng = np.random.default_rng(2)
    boxes = [BBox(-180, -90, 180, 90), BBox(123.75, 42.25, 123.75, 42.25)]
    for _ in range(40):
        west, south = rng.uniform(123.55, 123.95), rng.uniform(42.05, 42.45)
        size = rng.choice([0.001, 0.01, 0.1, 0.5])
        boxes.append(BBox(west, south, west + size, south + size))
    for box in boxes:
        lon, lat = cams["lon"], cams["lat"]
        inside = lon.between(box.west, box.east) & lat.between(box.south, box.north)
        assert int(index.select(bbox=box).sum()) == int(inside.sum()), box
