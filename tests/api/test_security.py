"""Security rules of the API, proven against a real server: every route needs the right role."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sharpeyes._errors import ConfigError
from sharpeyes.api import create_app
from sharpeyes.api.security import SESSION_COOKIE, make_session, read_session
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api import city
from tests.api.conftest import Server, serve

#: Every route of the app and who may call it. A route missing here fails the suite.
#: public: anyone; page: HTML, a redirect to /login without credentials; else the lowest role.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "public",
    ("GET", "/favicon.ico"): "public",
    ("GET", "/"): "page",
    ("GET", "/map"): "page",
    ("GET", "/docs"): "page",
    ("GET", "/redoc"): "page",
    ("GET", "/openapi.json"): "page",
    ("GET", "/api/me"): "viewer",
    ("GET", "/api/users"): "admin",
    ("POST", "/api/users"): "admin",
    ("POST", "/api/tokens"): "admin",
    ("GET", "/api/audit"): "admin",
    ("GET", "/api/admin/audit"): "admin",
    ("DELETE", "/api/users/{name}"): "admin",
    ("PUT", "/api/users/{name}/password"): "admin",
    ("GET", "/api/tokens"): "admin",
    ("DELETE", "/api/tokens/{token_id}"): "admin",
    ("GET", "/api/cameras"): "viewer",
    ("GET", "/api/cameras/{device_id:path}"): "viewer",
    ("GET", "/api/cameras/{device_id:path}/snapshot.jpg"): "viewer",
    ("POST", "/api/imports"): "editor",
    ("GET", "/api/imports"): "viewer",
    ("GET", "/api/imports/{import_id}/rejects"): "viewer",
    ("GET", "/api/units"): "viewer",
    ("GET", "/api/units/{code}"): "viewer",
    ("GET", "/api/units/{code}/history"): "viewer",
    ("GET", "/api/report"): "viewer",
    ("GET", "/api/report.xlsx"): "viewer",
    ("GET", "/api/gaps"): "viewer",
    ("GET", "/api/gaps/{name}"): "viewer",
    ("GET", "/api/network"): "viewer",
    ("GET", "/api/network/layers/{name}"): "viewer",
    ("GET", "/api/plan"): "viewer",
    ("GET", "/api/plan/sites"): "viewer",
    ("GET", "/api/health/runs"): "viewer",
    ("GET", "/api/health/summary"): "viewer",
    ("GET", "/api/health/results"): "viewer",
    ("GET", "/api/health/worklist"): "viewer",
    ("GET", "/api/map/cameras"): "viewer",
    ("GET", "/api/map/units"): "viewer",
    ("GET", "/api/map/fov"): "viewer",
    ("GET", "/tiles/cameras/{z}/{x}/{y}.mvt"): "viewer",
    ("GET", "/tiles/units/{level}/{z}/{x}/{y}.mvt"): "viewer",
    ("GET", "/tiles/gaps/{name}/{z}/{x}/{y}.mvt"): "viewer",
    ("GET", "/api/map/grids"): "viewer",
    ("GET", "/api/grids"): "viewer",
    ("GET", "/api/grids/{code}"): "viewer",
}
RANK = {"viewer": 0, "editor": 1, "admin": 2}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, including those of included routers; the static mount aside."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:
                context = getattr(route, "include_context", None)
                walk(original.routes, prefix + (getattr(context, "prefix", "") or ""))
                continue
            path = getattr(route, "path", None)
            if path is None or path.startswith("/static"):
                continue
            methods = getattr(route, "methods", None)
            if methods is None:
                raise AssertionError(
                    f"route {path} has no methods: mounts other than /static are not allowed"
                )
            for method in methods - {"HEAD", "OPTIONS"}:
                found.add((method, prefix + path))

    walk(list(app.routes), "")
    return found


def concrete(path: str, server: Server) -> str:
    device_id = str(server.store.cameras(limit=1)["device_id"].iloc[0])
    return (
        path.replace("{device_id:path}", device_id)
        .replace("{token_id}", "0123456789ab")
        .replace("{import_id}", "1")
        .replace("{code}", city.COUNTY)
        .replace("{name}", "villages")
        .replace("{level}", "township")
        .replace("{z}/{x}/{y}", "0/0/0")
    )


def test_every_route_is_listed_with_its_role(server: Server) -> None:
    app = create_app(Settings(), server.store)
    assert app_routes(app) == set(ROUTES), (
        "a route was added or removed: list it in ROUTES with its role"
    )


def test_every_route_refuses_anonymous_callers(server: Server) -> None:
    with server.client(follow_redirects=False) as anonymous:
        for (method, path), role in ROUTES.items():
            if role == "public":
                continue
            response = anonymous.request(method, concrete(path, server))
            if role == "page":
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/login?next="), (method, path)
            else:
                assert response.status_code == 401, (method, path, response.status_code)
                assert response.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize("caller", ["viewer", "editor", "admin"])
def test_roles_are_enforced_on_every_route(server: Server, caller: str) -> None:
    with server.client(caller, follow_redirects=False) as client:
        for (method, path), role in ROUTES.items():
            if role in ("public", "page"):
                continue
            response = client.request(method, concrete(path, server))
            if RANK[caller] < RANK[role]:
                assert response.status_code == 403, (caller, method, path, response.status_code)
            else:
                assert response.status_code not in (401, 403), (caller, method, path, response.text)


def test_bad_and_unknown_tokens_are_refused(server: Server) -> None:
    for header in ("Bearer nope", "Basic dmlld2VyMTp4", "Bearer", server.tokens["admin"]):
        response = httpx.get(f"{server.url}/api/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_healthz_and_static_assets_are_public(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    response = httpx.get(f"{server.url}/static/vendor/leaflet/leaflet.js")
    assert response.status_code == 200
    assert "Leaflet" in response.text[:2000]


def test_login_form_sets_a_signed_httponly_cookie(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        assert "<form" in client.get("/login").text
        wrong = client.post("/login", data={"name": "viewer1", "password": "wrong-password"})
        assert wrong.status_code == 401
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
        ok = client.post(
            "/login", data={"name": "viewer1", "password": "viewer-password", "next": "/api/me"}
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/api/me"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")
        assert client.get("/api/me").json() == {"name": "viewer1", "role": "viewer"}
        # a viewer's session may not write
        assert client.post("/api/tokens", json={"name": "viewer1"}).status_code == 403
        client.post("/logout")
        assert client.get("/api/me").status_code == 401


def test_login_with_token_and_no_open_redirect(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        ok = client.post(
            "/login", data={"token": server.tokens["editor"], "next": "https://evil.example/x"}
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/map"
        assert client.get("/api/me").json()["role"] == "editor"
        ok = client.post(
            "/login", data={"token": server.tokens["editor"], "next": "//evil.example/x"}
        )
        assert ok.headers["location"] == "/map"


def test_session_cookies_cannot_be_forged() -> None:
    key, other = b"k" * 32, b"o" * 32
    cookie = make_session(key, "admin1")
    assert read_session(key, cookie) == "admin1"
    assert read_session(other, cookie) is None
    payload, _, signature = cookie.rpartition(".")
    assert read_session(key, payload[:-2] + "AA." + signature) is None
    assert read_session(key, make_session(key, "admin1", now=0.0)) is None  # expired


def test_forged_cookie_is_refused_by_the_server(server: Server) -> None:
    forged = make_session(b"x" * 32, "admin1")
    response = httpx.get(f"{server.url}/api/me", cookies={SESSION_COOKIE: forged})
    assert response.status_code == 401


def test_a_bearer_page_request_gets_a_session_for_its_scripts(server: Server) -> None:
    with server.client("viewer", follow_redirects=False) as client:
        response = client.get("/map")
        assert response.status_code == 200
        assert SESSION_COOKIE in response.headers["set-cookie"]


def test_secret_key_is_required_outside_development(server: Server) -> None:
    with pytest.raises(ConfigError, match="SHARPEYES_SECRET_KEY"):
        create_app(Settings(environment="production", secret_key=None), server.store)
    with pytest.raises(ConfigError, match="too short"):
        create_app(Settings(environment="production", secret_key="short"), server.store)
    create_app(Settings(environment="production", secret_key="x" * 40), server.store)


def test_cors_is_closed_by_default(server: Server) -> None:
    response = httpx.options(
        f"{server.url}/api/cameras",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers
    response = httpx.get(
        f"{server.url}/api/me",
        headers={
            "Origin": "http://evil.example",
            "Authorization": f"Bearer {server.tokens['viewer']}",
        },
    )
    assert "access-control-allow-origin" not in response.headers


def test_security_headers(server: Server) -> None:
    response = httpx.get(f"{server.url}/healthz")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_stream_credentials_never_leave_the_server(server: Server) -> None:
    seen = 0
    with server.client("admin") as client:
        for fmt in ("json", "geojson"):
            offset = 0
            while True:
                response = client.get(
                    "/api/cameras", params={"limit": 250, "offset": offset, "format": fmt}
                )
                assert response.status_code == 200
                assert city.SECRET not in response.text
                seen += response.text.count("rtsp://")
                offset += 250
                if offset >= 600:
                    break
        masked = [
            c
            for c in client.get("/api/cameras", params={"limit": 50}).json()["items"]
            if c["stream_url"]
        ]
        assert masked, "the test city has stream URLs"
        for camera in masked:
            detail = client.get(f"/api/cameras/{camera['device_id']}")
            assert city.SECRET not in detail.text
            assert "stream_password" not in detail.json()["camera"]
        # every camera tile, from the city-wide clusters down to single cameras with attributes
        import mapbox_vector_tile

        from tests.api.test_tiles import tile_of

        cams = server.store.cameras().dropna(subset=["lon", "lat"])
        drawn = 0
        for z in (9, 13, 17):
            tiles = {
                tile_of(lon, lat, z) for lon, lat in zip(cams["lon"], cams["lat"], strict=True)
            }
            for x, y in sorted(tiles)[:40]:
                data = client.get(f"/tiles/cameras/{z}/{x}/{y}.mvt").content
                assert city.SECRET.encode() not in data and b"rtsp://" not in data
                layer = mapbox_vector_tile.decode(data).get("cameras", {"features": []})
                for feature in layer["features"]:
                    assert not {"stream_url", "stream_user", "stream_password"} & set(
                        feature["properties"]
                    )
                    drawn += "device_id" in feature["properties"]
        assert drawn > 0
    assert seen > 0


def test_server_errors_have_no_stack_trace(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'broken.db'}")
    city.populate(store, n_cameras=20)
    from sharpeyes.jobs.auth import ensure_admin_token

    token = ensure_admin_token(store)
    with sqlite3.connect(tmp_path / "broken.db") as conn:
        conn.execute("DROP TABLE results")
    for url in serve(create_app(Settings(), store)):
        response = httpx.get(f"{url}/api/gaps", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 500
        assert response.json() == {"detail": "internal server error"}
        assert not re.search(r"Traceback|File \"|sqlite3|results", response.text)
