"""Dependencies shared by every router: the app's state, the caller, the role checks, cached reads."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
from fastapi import Depends, HTTPException, Query, Request, status
from starlette.concurrency import run_in_threadpool

from sharpeyes.api.basemap import TileArchive
from sharpeyes.api.cache import ReadCache
from sharpeyes.api.index import CameraIndex
from sharpeyes.api.security import SESSION_COOKIE, csrf_token, read_session
from sharpeyes.api.tilecache import TileCache
from sharpeyes.jobs import reads
from sharpeyes.jobs.auth import Principal, principal_for_token, role_rank
from sharpeyes.jobs.sessions import principal_for_session
from sharpeyes.settings import Settings

if TYPE_CHECKING:  # the store is handed in by the CLI; the API only holds it
    from sharpeyes.store import Store

#: How long a token or session lookup is remembered (seconds).
AUTH_CACHE_S = 10.0
#: How long the store's version stamps are trusted before they are read again (seconds): a CLI
#: import or a nightly report in another process shows on the map within this time.
VERSION_CHECK_S = 2.0

log = logging.getLogger("sharpeyes.api")


@dataclass
class AppState:
    """What the routers share: settings, the store, the read cache, the session signing key."""

    settings: Settings
    store: Store
    session_key: bytes
    cache: ReadCache
    #: the local basemap tile archive (``SHARPEYES_BASEMAP``), opened once; ``None`` without one
    basemap: TileArchive | None = None
    cache_root: Path | None = None
    tiles: TileCache = field(default_factory=lambda: TileCache(None))
    #: shape layers of the unit and gap tiles, by name → (version, layer)
    shape_layers: dict[str, tuple[str, Any]] = field(default_factory=dict)
    _auth: dict[str, tuple[Principal | None, float]] = field(default_factory=dict)
    _auth_lock: threading.Lock = field(default_factory=threading.Lock)
    _versions: tuple[dict[str, str], float] | None = None
    _index: CameraIndex | None = None
    _index_lock: threading.Lock = field(default_factory=threading.Lock)
    _index_building: bool = False

    def cached_principal(
        self, key: str, lookup: Callable[[], Principal | None]
    ) -> Principal | None:
        """``lookup()`` remembered for :data:`AUTH_CACHE_S` seconds under ``key``."""
        now = time.monotonic()
        hit = self._auth.get(key)
        if hit is not None and now - hit[1] < AUTH_CACHE_S:
            return hit[0]
        principal = lookup()
        with self._auth_lock:
            if len(self._auth) > 10_000:
                self._auth.clear()
            self._auth[key] = (principal, now)
        return principal

    def remembered_principal(self, key: str) -> tuple[Principal | None] | None:
        """The lookup remembered under ``key`` (in a 1-tuple) while fresh, else ``None``: no I/O."""
        hit = self._auth.get(key)
        if hit is not None and time.monotonic() - hit[1] < AUTH_CACHE_S:
            return (hit[0],)
        return None

    def fresh_versions(self) -> dict[str, str] | None:
        """The version stamps while they are trusted (:data:`VERSION_CHECK_S`), else ``None``: no I/O."""
        held = self._versions
        if held is not None and time.monotonic() - held[1] < VERSION_CHECK_S:
            return held[0]
        return None

    def forget_principals(self) -> None:
        """Drop remembered lookups (after users or tokens changed)."""
        with self._auth_lock:
            self._auth.clear()

    def written(self) -> None:
        """Forget cached reads after a write through the API."""
        self.cache.invalidate()
        self.tiles.clear()
        self._versions = None
        self._index = None  # the next call waits for the new index: the writer sees its write

    def versions(self) -> dict[str, str]:
        """The store's version stamps (``Store.versions()``), read at most every
        :data:`VERSION_CHECK_S` seconds; a change of units or results empties the read cache."""
        now = time.monotonic()
        held = self._versions
        if held is not None and now - held[1] < VERSION_CHECK_S:
            return held[0]
        versions = reads.versions(self.store)
        if held is not None and any(
            held[0].get(topic) != versions.get(topic) for topic in ("units", "results")
        ):
            # a units import or a new report by another process (the CLI, the nightly job):
            # unit lists and result documents are read again at once, not after the cache's TTL
            self.cache.invalidate()
        self._versions = (versions, now)
        return versions


async def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the running app (a coroutine: FastAPI runs it on the event loop,
    not in a worker thread)."""
    state: AppState = request.app.state.sharpeyes
    return state


StateDep = Annotated[AppState, Depends(get_state)]


class LoginRequiredError(Exception):
    """A page was asked for without a session: answered by a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _auth_key(
    request: Request, state: AppState
) -> tuple[str, str, Callable[[], Principal | None]] | None:
    """How the caller is looked up: (cache key, "bearer"/"session", lookup); ``None`` without
    usable credentials."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        return "t:" + token, "bearer", lambda: principal_for_token(state.store, token)
    session_id = read_session(state.session_key, request.cookies.get(SESSION_COOKIE))
    if session_id is None:
        return None
    return "s:" + session_id, "session", lambda: principal_for_session(state.store, session_id)


def authenticate(request: Request, state: AppState) -> tuple[Principal | None, str | None]:
    """The caller from ``Authorization: Bearer`` or the session cookie, and how ("bearer"/"session").

    A session is looked up in the store (cached :data:`AUTH_CACHE_S` seconds), so logout, removing the
    user and a password change end it.
    """
    found = _auth_key(request, state)
    if found is None:
        return None, None
    key, how, lookup = found
    principal = state.cached_principal(key, lookup)
    return principal, how if principal else None


def authenticate_remembered(
    request: Request, state: AppState
) -> tuple[Principal | None, str | None] | None:
    """:func:`authenticate` when it needs no store lookup (no credentials, or a lookup remembered
    within :data:`AUTH_CACHE_S`), else ``None``: safe to call on the event loop."""
    found = _auth_key(request, state)
    if found is None:
        return None, None
    key, how, _ = found
    hit = state.remembered_principal(key)
    if hit is None:
        return None
    return hit[0], how if hit[0] else None


async def caller(request: Request, state: AppState) -> tuple[Principal | None, str | None]:
    """:func:`authenticate` on the event loop when remembered, else in a worker thread (the store
    is read): a remembered caller costs no thread hand-off."""
    remembered = authenticate_remembered(request, state)
    if remembered is not None:
        return remembered
    return await run_in_threadpool(authenticate, request, state)


def session_csrf(state: AppState, cookie: str | None) -> str | None:
    """The CSRF token of the session in ``cookie`` (``None`` without a valid cookie)."""
    session_id = read_session(state.session_key, cookie)
    return None if session_id is None else csrf_token(state.session_key, session_id)


def role_refusal(principal: Principal | None, role: str) -> HTTPException | None:
    """The 401/403 for a caller who may not act as ``role``, or ``None`` when it may."""
    if principal is None:
        return HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "authentication required: send `Authorization: Bearer TOKEN` or log in at /login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if role_rank(principal.role) < role_rank(role):
        return HTTPException(
            status.HTTP_403_FORBIDDEN, f"role {principal.role!r} may not do this: needs {role!r}"
        )
    return None


def _check(principal: Principal | None, role: str) -> Principal:
    refusal = role_refusal(principal, role)
    if refusal is not None:
        raise refusal
    assert principal is not None
    return principal


def require(role: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller, who must have ``role`` or above (401 without credentials, 403 below)."""
    role_rank(role)

    async def dependency(request: Request, state: StateDep) -> Principal:
        principal, how = await caller(request, state)
        request.state.auth_via = how
        return _check(principal, role)

    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


def require_page(role: str) -> Callable[..., Awaitable[Principal]]:
    """Like :func:`require` for HTML pages: without credentials, a redirect to the login form."""
    role_rank(role)

    async def dependency(request: Request, state: StateDep) -> Principal:
        principal, how = await caller(request, state)
        request.state.auth_via = how
        if principal is None and "authorization" not in request.headers:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequiredError(path)
        return _check(principal, role)

    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


Viewer = Annotated[Principal, Depends(require("viewer"))]

#: The camera layer's filters, as the map, its downloads and its tiles take them.
PointClassQuery = Annotated[str | None, Query(description="comma-separated classes")]
VerdictQuery = Annotated[
    str | None,
    Query(description="comma-separated verdicts of the last finished run, or not_probed"),
]
Editor = Annotated[Principal, Depends(require("editor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
PageViewer = Annotated[Principal, Depends(require_page("viewer"))]


# -- cached reads ---------------------------------------------------------------------------------


def camera_index(state: AppState) -> CameraIndex:
    """The :class:`CameraIndex` of the store, memory-mapped from its files beside the store.

    When the store's cameras or health runs changed, the index of the new version is opened (built
    first if no process did yet) in a background thread while the current one keeps serving; only
    the very first call waits. ``index.version`` is the (camera rows, health) stamp it was made from.
    """
    from sharpeyes.api.indexfile import open_index

    versions = state.versions()
    wanted = (versions["camera_rows"], versions["health"])
    current = state._index
    if current is not None and getattr(current, "version", None) == wanted:
        return current

    def load() -> CameraIndex:
        root = state.cache_root
        assert root is not None, "create_app sets the cache root"
        index = open_index(state.store, root, versions)
        index.version = wanted  # type: ignore[attr-defined]
        state._index = index
        return index

    if current is None:
        with state._index_lock:
            if state._index is not None and getattr(state._index, "version", None) == wanted:
                return state._index
            return load()
    if not state._index_building:
        state._index_building = True

        def refresh() -> None:
            try:
                with state._index_lock:
                    load()
            except Exception as exc:  # the old index keeps serving; the next call retries
                log.warning("rebuilding the camera index failed: %r", exc)
            finally:
                state._index_building = False

        threading.Thread(target=refresh, daemon=True, name="sharpeyes-index").start()
    return current


def held_camera_index(state: AppState) -> CameraIndex | None:
    """The open camera index when it is known current without I/O (version stamps fresh and
    matching), else ``None`` (then :func:`camera_index`, in a worker thread)."""
    versions = state.fresh_versions()
    current = state._index
    if versions is None or current is None:
        return None
    wanted = (versions["camera_rows"], versions["health"])
    return current if getattr(current, "version", None) == wanted else None


def latest(state: AppState, kind: str) -> dict[str, Any] | None:
    """The latest saved result document of ``kind`` ("report", "gaps", "network", "plan", "health")."""
    return cached(state, f"result:{kind}", lambda: reads.latest_result(state.store, kind))  # type: ignore[no-any-return]


def units_frame(state: AppState) -> pd.DataFrame:
    """Every administrative unit (GeoDataFrame, EPSG:4326)."""
    return cached(state, "units", lambda: reads.units(state.store))  # type: ignore[no-any-return]


def police_units_frame(state: AppState) -> pd.DataFrame:
    """Every police unit (GeoDataFrame, EPSG:4326): bureau, sub_bureau, station."""
    return cached(state, "police_units", lambda: reads.police_units(state.store))  # type: ignore[no-any-return]


def cached(state: AppState, key: str, loader: Callable[[], Any]) -> Any:
    """Any derived value, cached like the rest: reloaded after the cache's TTL, and at once (within
    :data:`VERSION_CHECK_S`) when the store's units or results changed."""
    state.versions()
    return state.cache.get(key, loader)
