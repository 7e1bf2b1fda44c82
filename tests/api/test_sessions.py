"""Sessions kept server-side, CSRF, revocation and the login rate limit, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from sharpeyes.api import create_app
from sharpeyes.api.security import CSRF_COOKIE, SESSION_COOKIE
from sharpeyes.jobs import auth, sessions
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api.conftest import Server, serve

CSV = b"device_id,name,lon,lat,point_class\n21010000001320000001,gate,123.7,42.2,1\n"


@contextmanager
def login(server: Server, name: str, password: str) -> Iterator[httpx.Client]:
    """A client holding a session of ``name`` (from the login form)."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
        response = client.post(
            "/login", data={"name": name, "password": password, "next": "/api/me"}
        )
        assert response.status_code == 303, response.text
        yield client


def upload(client: httpx.Client, **headers: str) -> httpx.Response:
    return client.post(
        "/api/imports",
        params={"dry_run": "true"},
        files={"file": ("gate.csv", CSV, "text/csv")},
        headers=headers,
    )


def test_csrf_forged_origin_is_refused_under_cookie_auth(fresh_server: Server) -> None:
    with login(fresh_server, "editor1", "editor-password") as browser:
        token = browser.cookies[CSRF_COOKIE]
        # what a page on another site can make the browser send: the cookie, a forged origin
        forged = upload(browser, Origin="http://evil.example")
        assert forged.status_code == 403 and "cross-site" in forged.json()["detail"]
        forged = upload(browser, Origin="http://evil.example", **{"X-CSRF-Token": token})
        assert forged.status_code == 403
        # neither Origin nor Referer: refused too
        assert upload(browser).status_code == 403
        # our own origin without the token, or with a wrong one: refused
        own = fresh_server.url
        assert upload(browser, Origin=own).status_code == 403
        assert upload(browser, Origin=own, **{"X-CSRF-Token": "0" * 64}).status_code == 403
        # a Referer from our own pages counts as the origin
        ok = upload(browser, Referer=f"{own}/map", **{"X-CSRF-Token": token})
        assert ok.status_code == 200, ok.text
        ok = upload(browser, Origin=own, **{"X-CSRF-Token": token})
        assert ok.status_code == 200, ok.text
        # GETs are not state-changing: no token needed
        assert browser.get("/api/me").status_code == 200


def test_bearer_calls_are_unaffected_by_csrf(fresh_server: Server) -> None:
    with fresh_server.client("editor") as client:
        response = upload(client, Origin="http://evil.example")
        assert response.status_code == 200, response.text


def test_login_from_another_site_is_refused(fresh_server: Server) -> None:
    with httpx.Client(base_url=fresh_server.url, follow_redirects=False) as client:
        response = client.post(
            "/login",
            data={"name": "editor1", "password": "editor-password"},
            headers={"Origin": "http://evil.example"},
        )
        assert response.status_code == 403
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_logout_ends_the_session_even_for_a_copied_cookie(fresh_server: Server) -> None:
    with login(fresh_server, "viewer1", "viewer-password") as browser:
        copied = browser.cookies[SESSION_COOKIE]
        assert browser.get("/api/me").status_code == 200
        browser.post("/logout", headers={"Origin": fresh_server.url})
    response = httpx.get(f"{fresh_server.url}/api/me", cookies={SESSION_COOKIE: copied})
    assert response.status_code == 401


def test_removing_a_user_ends_its_sessions_and_tokens(fresh_server: Server) -> None:
    with (
        login(fresh_server, "editor1", "editor-password") as browser,
        fresh_server.client("admin") as admin,
    ):
        assert browser.get("/api/me").status_code == 200
        editor_token = fresh_server.tokens["editor"]
        removed = admin.delete("/api/users/editor1")
        assert removed.status_code == 200, removed.text
        assert removed.json() == {"name": "editor1", "tokens": 1, "sessions": 1}
        assert browser.get("/api/me").status_code == 401
        bearer = httpx.get(
            f"{fresh_server.url}/api/me", headers={"Authorization": f"Bearer {editor_token}"}
        )
        assert bearer.status_code == 401
        assert admin.delete("/api/users/editor1").status_code == 404
        actions = [e["action"] for e in admin.get("/api/admin/audit").json()["items"]]
        assert "users.remove" in actions and "login" in actions


def test_a_new_password_ends_sessions_and_the_old_one_stops(fresh_server: Server) -> None:
    with (
        login(fresh_server, "viewer1", "viewer-password") as browser,
        fresh_server.client("admin") as admin,
    ):
        changed = admin.put("/api/users/viewer1/password", json={"password": "new-viewer-pw"})
        assert changed.status_code == 200 and changed.json()["sessions"] == 1
        assert browser.get("/api/me").status_code == 401
        assert (
            admin.put("/api/users/viewer1/password", json={"password": "short"}).status_code == 422
        )
        assert (
            admin.put("/api/users/ghost/password", json={"password": "long-enough"}).status_code
            == 404
        )
    with httpx.Client(base_url=fresh_server.url, follow_redirects=False) as client:
        old = client.post("/login", data={"name": "viewer1", "password": "viewer-password"})
        assert old.status_code == 401
    with login(fresh_server, "viewer1", "new-viewer-pw") as again:
        assert again.get("/api/me").status_code == 200


def test_tokens_are_listed_and_revoked(fresh_server: Server) -> None:
    with fresh_server.client("admin") as admin:
        created = admin.post("/api/tokens", json={"name": "viewer1"}).json()
        listed = admin.get("/api/tokens", params={"name": "viewer1"}).json()
        assert {t["token_id"] for t in listed} >= {created["token_id"]}
        assert all(created["token"] not in str(t) for t in listed)
        me = httpx.get(
            f"{fresh_server.url}/api/me", headers={"Authorization": f"Bearer {created['token']}"}
        )
        assert me.status_code == 200
        revoked = admin.delete(f"/api/tokens/{created['token_id']}")
        assert revoked.status_code == 200 and revoked.json()["tokens"] == 1
        me = httpx.get(
            f"{fresh_server.url}/api/me", headers={"Authorization": f"Bearer {created['token']}"}
        )
        assert me.status_code == 401
        assert admin.delete(f"/api/tokens/{created['token_id']}").status_code == 404
        assert admin.delete("/api/tokens/not-hex!!").status_code == 400


def test_a_password_guessing_loop_is_stopped(fresh_server: Server) -> None:
    answers = []
    with httpx.Client(base_url=fresh_server.url, follow_redirects=False) as client:
        for guess in range(30):
            response = client.post(
                "/login", data={"name": "admin1", "password": f"guess-{guess:04d}"}
            )
            answers.append(response.status_code)
            if response.status_code == 429:
                retry_after = int(response.headers["retry-after"])
                assert 1 <= retry_after <= 60
        # the right password is refused too while the limit holds: guessing cannot find it
        right = client.post("/login", data={"name": "admin1", "password": "admin-password"})
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}, answers
    assert right.status_code == 429
    with fresh_server.client("admin") as admin:
        audit = admin.get("/api/admin/audit", params={"limit": 100}).json()["items"]
    actions = [e["action"] for e in audit]
    assert actions.count("login.failed") == 5 and actions.count("login.throttled") >= 25


def test_guessing_across_names_is_limited_per_address(fresh_server: Server) -> None:
    with httpx.Client(base_url=fresh_server.url, follow_redirects=False) as client:
        codes = [
            client.post("/login", data={"name": f"user{i}", "password": "x" * 8}).status_code
            for i in range(8)
        ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3


@pytest.fixture
def pg_server(pg_url: str) -> Iterator[Server]:
    store = Store.open(pg_url)
    tokens = {}
    for role in ("viewer", "admin"):
        auth.add_user(store, f"{role}1", role, password=f"{role}-password")
        tokens[role] = auth.create_token(store, f"{role}1")
    for url in serve(create_app(Settings(), store)):
        yield Server(url, store, tokens)
    store.close()


def test_sessions_and_rate_limit_on_postgis(pg_server: Server) -> None:
    with login(pg_server, "viewer1", "viewer-password") as browser:
        assert browser.get("/api/me").json()["name"] == "viewer1"
        assert sessions.open_sessions(pg_server.store, "viewer1") == 1
        browser.post("/logout", headers={"Origin": pg_server.url})
        assert sessions.open_sessions(pg_server.store, "viewer1") == 0
    with httpx.Client(base_url=pg_server.url, follow_redirects=False) as client:
        codes = [
            client.post("/login", data={"name": "viewer1", "password": "wrong-pw"}).status_code
            for _ in range(7)
        ]
    assert codes == [401] * 5 + [429] * 2
