"""A tile held in memory is answered on the event loop (no worker thread) when the caller is
remembered: that path must still refuse callers without valid credentials, at once after a logout
or a revocation through the API, and still answer 304 for unit and gap tiles."""

from __future__ import annotations

import httpx

from sharpeyes.api.security import SESSION_COOKIE
from tests.api.conftest import Server
from tests.api.test_sessions import login
from tests.api.test_tiles import city_centre, tile_of


def _paths(server: Server) -> list[str]:
    lon, lat = city_centre(server.store)
    x, y = tile_of(lon, lat, 12)
    return [
        f"/tiles/cameras/12/{x}/{y}.mvt",
        f"/tiles/units/township/12/{x}/{y}.mvt",
        f"/tiles/gaps/villages/12/{x}/{y}.mvt",
    ]


def test_a_cached_tile_is_refused_without_credentials(fresh_server: Server) -> None:
    paths = _paths(fresh_server)
    with login(fresh_server, "viewer1", "viewer-password") as browser:
        first = {p: browser.get(p) for p in paths}
        again = {p: browser.get(p) for p in paths}  # now from the in-memory cache
        copied = browser.cookies[SESSION_COOKIE]
        assert all(r.status_code == 200 for r in (*first.values(), *again.values()))
        assert all(again[p].content == first[p].content for p in paths)
        with httpx.Client(base_url=fresh_server.url, timeout=30) as stranger:
            for path in paths:
                etag = first[path].headers["etag"]
                for headers in (
                    {},
                    {"If-None-Match": etag},  # no 304 either: it would confirm the tile
                    {"Authorization": "Bearer not-a-token"},
                    {"Authorization": "Basic dmlld2VyMTp2aWV3ZXItcGFzc3dvcmQ="},
                ):
                    refused = stranger.get(path, headers=headers)
                    assert refused.status_code == 401, (path, headers)
                    assert refused.headers["www-authenticate"] == "Bearer"
                    assert refused.content != first[path].content
                forged = stranger.get(path, headers={"Cookie": f"{SESSION_COOKIE}={copied[:-2]}xx"})
                assert forged.status_code == 401
        browser.post("/logout", headers={"Origin": fresh_server.url})
    for path in paths:  # the copied cookie of the ended session: refused at once, not after 10 s
        response = httpx.get(f"{fresh_server.url}{path}", cookies={SESSION_COOKIE: copied})
        assert response.status_code == 401


def test_a_cached_tile_is_refused_at_once_after_its_token_is_revoked(fresh_server: Server) -> None:
    paths = _paths(fresh_server)
    with fresh_server.client("admin") as admin:
        created = admin.post("/api/tokens", json={"name": "viewer1"}).json()
        bearer = {"Authorization": f"Bearer {created['token']}"}
        with httpx.Client(base_url=fresh_server.url, headers=bearer, timeout=30) as viewer:
            assert all(viewer.get(p).status_code == 200 for p in paths)
            assert all(viewer.get(p).status_code == 200 for p in paths)  # remembered, cached
            assert admin.delete(f"/api/tokens/{created['token_id']}").status_code == 200
            assert [viewer.get(p).status_code for p in paths] == [401] * len(paths)


def test_unit_and_gap_tiles_answer_304_and_the_same_tile_again(server: Server) -> None:
    with server.client("viewer") as client:
        for path in _paths(server)[1:]:
            first = client.get(path)
            assert first.status_code == 200, path
            etag = first.headers["etag"]
            revalidated = client.get(path, headers={"If-None-Match": f'"other", {etag}'})
            assert revalidated.status_code == 304 and not revalidated.content
            assert revalidated.headers["etag"] == etag
            again = client.get(path)
            assert again.content == first.content and again.headers["etag"] == etag
