"""Endpoints against a real server over the test city."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pandas as pd
import pytest

from sharpeyes.model.columns import CAMERA_COLUMNS
from tests.api import city
from tests.api.conftest import Server


@pytest.fixture(scope="module")
def viewer(server: Server) -> httpx.Client:
    return server.client("viewer")


def all_cameras(server: Server) -> pd.DataFrame:
    return pd.DataFrame(server.store.cameras().drop(columns="geometry"))


def test_camera_pages_cover_the_inventory_once(server: Server, viewer: httpx.Client) -> None:
    ids: list[str] = []
    for offset in range(0, 700, 200):
        page = viewer.get("/api/cameras", params={"limit": 200, "offset": offset}).json()
        assert page["total"] == 600 and page["limit"] == 200 and page["offset"] == offset
        ids += [c["device_id"] for c in page["items"]]
    assert len(ids) == 600 == len(set(ids))
    assert ids == sorted(ids)
    first = viewer.get("/api/cameras", params={"limit": 1}).json()["items"][0]
    assert set(CAMERA_COLUMNS) <= set(first)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"point_class": "1"}, lambda f: f["point_class"] == 1),
        ({"point_class": "1,3"}, lambda f: f["point_class"].isin([1, 3])),
        ({"status": "repair"}, lambda f: f["status"] == "repair"),
        ({"unit": "211202001"}, lambda f: f["township_code"] == "211202001"),
        ({"unit": "211202002003"}, lambda f: f["village_code"] == "211202002003"),
        ({"unit": "211202"}, lambda f: f["admin_code"] == "211202"),
        (
            {"bbox": "123.7,42.2,123.8,42.3"},
            lambda f: f["lon"].between(123.7, 123.8) & f["lat"].between(42.2, 42.3),
        ),
        (
            {"point_class": "2", "bbox": "123.8,42.3,123.9,42.4"},
            lambda f: (
                (f["point_class"] == 2)
                & f["lon"].between(123.8, 123.9)
                & f["lat"].between(42.3, 42.4)
            ),
        ),
    ],
)
def test_camera_filters_match_the_store(
    server: Server, viewer: httpx.Client, params: dict, expected
) -> None:  # type: ignore[no-untyped-def,type-arg]
    frame = all_cameras(server)
    want = set(frame.loc[expected(frame).fillna(False).astype(bool), "device_id"].astype(str))
    body = viewer.get("/api/cameras", params=params | {"limit": 5000}).json()
    assert body["total"] == len(want) > 0
    assert {c["device_id"] for c in body["items"]} == want


def test_verdict_filter_uses_the_last_health_run(viewer: httpx.Client) -> None:
    body = viewer.get("/api/cameras", params={"verdict": "offline,degraded", "limit": 100}).json()
    assert body["total"] == 20
    assert {c["verdict"] for c in body["items"]} == {"offline", "degraded"}


def test_geojson_cameras(viewer: httpx.Client) -> None:
    response = viewer.get(
        "/api/cameras", params={"format": "geojson", "bbox": "123.7,42.2,123.8,42.3", "limit": 5000}
    )
    assert response.headers["content-type"].startswith("application/geo+json")
    fc = response.json()
    assert fc["type"] == "FeatureCollection" and fc["total"] == len(fc["features"]) > 0
    for feature in fc["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 123.7 <= lon <= 123.8 and 42.2 <= lat <= 42.3


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "10,10,5,5"},
        {"bbox": "0,0,200,10"},
        {"point_class": "7"},
        {"status": "broken"},
        {"verdict": "fine"},
        {"unit": "12ab"},
        {"limit": "0"},
        {"limit": "100000"},
    ],
)
def test_bad_filters_are_400_or_422_with_a_reason(
    viewer: httpx.Client, params: dict[str, str]
) -> None:
    response = viewer.get("/api/cameras", params=params)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_one_camera_with_change_log_health_and_snapshot(viewer: httpx.Client) -> None:
    degraded = viewer.get("/api/cameras", params={"verdict": "degraded", "limit": 1}).json()[
        "items"
    ][0]
    detail = viewer.get(f"/api/cameras/{degraded['device_id']}").json()
    assert detail["camera"]["device_id"] == degraded["device_id"]
    assert detail["camera"]["verdict"] == "degraded"
    assert [h["verdict"] for h in detail["health"]] == ["degraded"]
    assert detail["health"][0]["faults"] == ["blur"]
    assert isinstance(detail["changes"], list)
    snapshot = viewer.get(detail["snapshot_url"])
    assert snapshot.status_code == 200 and snapshot.headers["content-type"] == "image/jpeg"
    assert snapshot.content == city.TINY_JPEG
    offline = viewer.get("/api/cameras", params={"verdict": "offline", "limit": 1}).json()["items"][
        0
    ]
    assert viewer.get(f"/api/cameras/{offline['device_id']}").json()["snapshot_url"] is None
    assert viewer.get(f"/api/cameras/{offline['device_id']}/snapshot.jpg").status_code == 404
    assert viewer.get("/api/cameras/00000000000000000000").status_code == 404


def test_unit_tree_with_kpis(viewer: httpx.Client) -> None:
    body = viewer.get("/api/units", params={"tree": "true"}).json()
    assert body["report_available"] is True
    [county] = body["units"]
    assert county["code"] == city.COUNTY and len(county["children"]) == 2
    assert all(len(t["children"]) == 3 for t in county["children"])
    total = next(k for k in county["kpis"] if k["point_class"] is None)
    assert total["networking_rate"] == pytest.approx(0.40)
    villages = viewer.get("/api/units", params={"level": "village"}).json()["units"]
    assert len(villages) == 6 and all(v["level"] == "village" for v in villages)
    one = viewer.get("/api/units/211202001").json()
    assert one["name"] == "第1街道" and len(one["children"]) == 3
    assert viewer.get("/api/units/999").status_code == 404
    assert viewer.get("/api/units", params={"level": "planet"}).status_code == 400


def test_unit_rows_count_villages_and_communities_apart(fresh_server: Server) -> None:
    from sharpeyes.jobs.coverage import compute_report

    compute_report(fresh_server.store, area="none")
    with fresh_server.client("viewer") as viewer:
        county = viewer.get(f"/api/units/{city.COUNTY}").json()
    total = next(k for k in county["kpis"] if k["point_class"] == "all")
    # the test city's six village-level units are named …村: administrative villages
    assert total["villages"] == 6 and total["communities"] == 0
    assert total["community_coverage"] is None
    assert total["villages_covered"] == round(total["village_coverage"] * 6)


def test_results_documents_and_layers(viewer: httpx.Client) -> None:
    gaps = viewer.get("/api/gaps").json()
    assert gaps["available"] and gaps["layers"] == {
        "villages": 2,
        "places": 2,
        "roads": 0,
        "cells": 0,
    }
    villages = viewer.get("/api/gaps/villages").json()
    assert [f["properties"]["code"] for f in villages["features"]] == [
        "211202001001",
        "211202001002",
    ]
    assert viewer.get("/api/gaps/nothing").status_code == 404
    network = viewer.get("/api/network").json()
    assert network["reachable"] == 100 and network["layers"]["spof"] == 1
    links = viewer.get("/api/network/layers/links").json()
    assert links["features"][0]["properties"]["utilisation"] == 0.95
    plan = viewer.get("/api/plan").json()
    assert plan["curve"][1]["covered"] == 15
    assert len(viewer.get("/api/plan/sites").json()["features"]) == 2
    report = viewer.get("/api/report").json()
    assert len(report["rows"]) == 18
    runs = viewer.get("/api/health/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["results"] == 60
    assert viewer.get("/api/health/summary").json()["by_verdict"]["offline"] == 10
    results = viewer.get("/api/health/results", params={"verdict": "offline", "limit": 5}).json()
    assert results["total"] == 10 and len(results["items"]) == 5
    assert all("snapshot_jpeg" not in r for r in results["items"])


def test_map_data_aggregates_on_the_server(server: Server, viewer: httpx.Client) -> None:
    frame = all_cameras(server)
    box = "123.6,42.1,124.0,42.5"
    located = frame["lon"].notna()
    points = viewer.get("/api/map/cameras", params={"bbox": box, "zoom": 14}).json()
    assert points["kind"] == "points" and points["total"] == int(located.sum()) == len(
        points["features"]
    )
    # a low zoom with a low point limit would still return points; force clusters with many cameras:
    clusters = viewer.get(
        "/api/map/cameras", params={"bbox": box, "zoom": 9, "point_class": "3"}
    ).json()
    n3 = int((located & (frame["point_class"] == 3)).sum())
    assert clusters["total"] == n3


def test_grid_clusters_count_every_camera() -> None:
    from sharpeyes.api.index import BBox, CameraIndex

    cams = pd.DataFrame(city.cameras(20_000, seed=3).drop(columns="geometry"))
    index = CameraIndex(cams)
    box = BBox(123.6, 42.1, 124.0, 42.5)
    fc = index.grid(index.select(), box, zoom=11)
    assert fc["kind"] == "clusters"
    counts = [f["properties"]["count"] for f in fc["features"]]
    assert sum(counts) == fc["total"] == int(cams["lon"].notna().sum())
    assert len(counts) < 500
    by_class = pd.Series(
        [
            sum(f["properties"]["by_class"].get(str(c), 0) for f in fc["features"])
            for c in (1, 2, 3)
        ],
        index=[1, 2, 3],
    )
    assert (
        by_class.to_dict()
        == cams.loc[cams["lon"].notna(), "point_class"].value_counts().sort_index().to_dict()
    )
    for feature in fc["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 123.6 <= lon <= 124.0 and 42.1 <= lat <= 42.5
    small = index.grid(index.select(point_classes=[1]), BBox(123.70, 42.20, 123.72, 42.22), zoom=15)
    assert small["kind"] == "points"
    inside = cams[
        (cams["point_class"] == 1)
        & cams["lon"].between(123.70, 123.72)
        & cams["lat"].between(42.20, 42.22)
    ]
    assert sorted(f["properties"]["device_id"] for f in small["features"]) == sorted(
        inside["device_id"].astype(str)
    )
    assert np.all(np.diff(index.lon[:0]) >= 0)


def test_map_units_and_fov(viewer: httpx.Client) -> None:
    townships = viewer.get("/api/map/units", params={"level": "township"}).json()
    assert len(townships["features"]) == 2
    props = townships["features"][0]["properties"]
    assert set(props) >= {
        "code",
        "name",
        "networking_rate",
        "hd_ratio",
        "intact_rate",
        "village_coverage",
        "online_rate",  # the nightly probe's, in the tooltip
        "platform_online_rate",  # the video platform's, beside it
    }
    fov = viewer.get("/api/map/fov", params={"bbox": "123.70,42.20,123.75,42.25"})
    assert fov.status_code == 200
    sectors = fov.json()["features"]
    assert sectors and all(f["geometry"]["type"] == "Polygon" for f in sectors)
    assert viewer.get("/api/map/fov", params={"bbox": "123,42,124,43"}).status_code == 400


def test_map_page_references_only_local_assets(viewer: httpx.Client) -> None:
    html = viewer.get("/map").text
    assert "L.map(" in html and "SharpeyesMap.init" in html
    urls = [u for u in __import__("re").findall(r'(?:src|href)="([^"]+)"', html)]
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "cdn" not in html.lower() and "https://" not in html
    for url in urls:
        assert viewer.get(url).status_code == 200, url
    for page in ("/docs", "/redoc"):
        docs = viewer.get(page).text
        assert "https://" not in docs and "/static/vendor/" in docs
    schema = viewer.get("/openapi.json").json()
    assert "/api/cameras" in schema["paths"]


def test_users_tokens_and_audit(fresh_server: Server) -> None:
    with fresh_server.client("admin") as admin:
        created = admin.post(
            "/api/users", json={"name": "alice", "role": "editor", "password": "alice-password"}
        )
        assert created.status_code == 201 and created.json() == {"name": "alice", "role": "editor"}
        assert admin.post("/api/users", json={"name": "alice", "role": "viewer"}).status_code == 409
        assert admin.post("/api/users", json={"name": "bob", "role": "root"}).status_code == 422
        token = admin.post("/api/tokens", json={"name": "alice"}).json()["token"]
        assert admin.post("/api/tokens", json={"name": "nobody"}).status_code == 404
        users = {u["name"]: u["role"] for u in admin.get("/api/users").json()}
        assert users["alice"] == "editor"
        audit = admin.get("/api/audit").json()["items"]
        actions = [(a["who"], a["action"]) for a in audit]
        assert ("admin1", "users.add") in actions and ("admin1", "tokens.create") in actions
    me = httpx.get(
        f"{fresh_server.url}/api/me", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert me == {"name": "alice", "role": "editor"}
    user = fresh_server.store.user("alice")
    assert user is not None and user["password_hash"].startswith("scrypt$")
    assert "alice-password" not in user["password_hash"]


def csv_registry(n: int = 5, *, start: int = 900) -> bytes:
    rows = ["设备编码,设备名称,监控点位类型,经度,纬度,视频流地址"]
    for i in range(start, start + n):
        rows.append(
            f"21120200001320{i:06d},新点位{i},一类,123.75{i % 10},42.25{i % 10},rtsp://admin:{city.SECRET}@10.9.0.{i % 250}/s"
        )
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_upload_checks(fresh_server: Server) -> None:
    with fresh_server.client("editor") as editor:
        assert editor.post("/api/imports", files={"file": ("x.exe", b"MZ...")}).status_code == 415
        assert (
            editor.post("/api/imports", files={"file": ("x.xlsx", b"not a zip")}).status_code == 415
        )
        assert (
            editor.post("/api/imports", files={"file": ("x.csv", b"a,b\x00\x01")}).status_code
            == 415
        )
        assert editor.post("/api/imports", files={"file": ("x.csv", b"")}).status_code == 400
        big = io.BytesIO(b"a,b\n" + b"1,2\n" * 300_000)
        assert editor.post("/api/imports", files={"file": ("big.csv", big)}).status_code == 413
    with fresh_server.client("viewer") as viewer:
        assert (
            viewer.post("/api/imports", files={"file": ("x.csv", csv_registry())}).status_code
            == 403
        )
    assert fresh_server.store.count_cameras() == 600


def test_upload_a_registry_dry_run_then_for_real(fresh_server: Server) -> None:
    with fresh_server.client("editor") as editor:
        dry = editor.post(
            "/api/imports", params={"dry_run": "true"}, files={"file": ("new.csv", csv_registry())}
        )
        assert dry.status_code == 200, dry.text
        assert dry.json()["dry_run"] is True and dry.json()["report"]["accepted"] == 5
        assert fresh_server.store.count_cameras() == 600
        real = editor.post("/api/imports", files={"file": ("new.csv", csv_registry())})
        assert real.status_code == 200, real.text
        assert real.json()["report"]["accepted"] == 5
        assert city.SECRET not in real.text
        assert "sharpeyes-upload-" not in real.text
        assert fresh_server.store.count_cameras() == 605
        # the API shows the new cameras at once (its cache is invalidated by its own writes)
        assert editor.get("/api/cameras", params={"limit": 1}).json()["total"] == 605
        listed = editor.get(
            "/api/cameras", params={"bbox": "123.74,42.24,123.76,42.26", "limit": 5000}
        ).json()
        new = [c for c in listed["items"] if c["name"].startswith("新点位")]
        assert new and all(city.SECRET not in (c["stream_url"] or "") for c in new)
        imports = editor.get("/api/imports").json()
        assert imports["total"] == 2
    audit = fresh_server.store.audit_log()
    assert {"imports.dry_run", "imports.create"} <= set(audit["action"])
    assert set(audit.loc[audit["action"] == "imports.create", "who"]) == {"editor1"}
    assert city.SECRET not in audit.to_string()


def test_tile_basemap_is_configurable(server: Server) -> None:
    from sharpeyes.api import create_app
    from sharpeyes.settings import Settings
    from tests.api.conftest import serve

    settings = Settings(
        tile_url="http://{s}.tiles.bureau.local/{z}/{x}/{y}.png", tile_attribution="PGIS"
    )
    for url in serve(create_app(settings, server.store)):
        response = httpx.get(
            f"{url}/map", headers={"Authorization": f"Bearer {server.tokens['viewer']}"}
        )
        assert "http://{s}.tiles.bureau.local/{z}/{x}/{y}.png" in response.text
        assert (
            "img-src 'self' data: blob: http://*.tiles.bureau.local"
            in response.headers["content-security-policy"]
        )
    plain = httpx.get(
        f"{server.url}/map", headers={"Authorization": f"Bearer {server.tokens['viewer']}"}
    )
    assert "tileLayer" not in plain.text


def test_excel_report_download(viewer: httpx.Client) -> None:
    import openpyxl

    response = viewer.get("/api/report.xlsx")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames
    text = " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )
    assert city.COUNTY in text
    assert city.SECRET not in text


def test_units_without_filters_are_paged(server: Server) -> None:
    with server.client("viewer") as viewer:
        first = viewer.get("/api/units").json()
        everything = viewer.get("/api/units", params={"limit": 5000}).json()
        page = viewer.get("/api/units", params={"limit": 3, "offset": 2}).json()
        assert viewer.get("/api/units", params={"limit": 0}).status_code == 422
    n_units = len(server.store.units())
    assert first["total"] == everything["total"] == page["total"] == n_units
    assert first["limit"] == 100 and len(first["units"]) == min(100, n_units)
    codes = [u["code"] for u in everything["units"]]
    assert len(codes) == n_units
    assert [u["code"] for u in page["units"]] == codes[2:5]
