"""The app factory: ``create_app(settings, store)`` wires the routers, the static assets and the rules
that hold for every request and response (authentication and body limits before a body is read, CSRF,
security headers, no stack traces, closed CORS)."""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharpeyes import __version__
from sharpeyes._errors import InputError, SharpeyesError
from sharpeyes.api.cache import ReadCache
from sharpeyes.api.deps import AppState, LoginRequiredError
from sharpeyes.api.door import Door
from sharpeyes.api.jsonresp import OrjsonResponse
from sharpeyes.api.routes import (
    admin,
    cameras,
    grids,
    health,
    imports,
    map,
    results,
    system,
    tiles,
    units,
)
from sharpeyes.api.security import signing_key
from sharpeyes.model.urls import scrub
from sharpeyes.settings import Settings

if TYPE_CHECKING:  # the store is handed in by the CLI; the API only holds it
    from sharpeyes.store import Store

STATIC_DIR = Path(__file__).with_name("static")

log = logging.getLogger("sharpeyes.api")


class SecurityHeaders:
    """Adds a Content-Security-Policy that only allows this server (and the tile server), and the usual
    hardening headers, to every response."""

    def __init__(self, app: ASGIApp, *, tile_origin: str | None) -> None:
        self.app = app
        img = "'self' data: blob:" + (f" {tile_origin}" if tile_origin else "")
        csp = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
        )
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _tile_origin(url: str | None) -> str | None:
    """``scheme://host`` of a tile URL template for the CSP (``{s}.host`` → ``*.host``)."""
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.netloc.split("@")[-1].replace("{s}", "*")
    if not parts.scheme or not host or "{" in host:
        return None
    return f"{parts.scheme}://{host}"


def _no_telemetry() -> dict[str, Any]:
    """FastAPI's OpenTelemetry switched off, whatever the environment says (FastAPI ≥ 0.16x): spans
    and logs would carry request data (camera positions, exception messages) off the server."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    off = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    return {"telemetry": off | {"auto_configure": False}}


def create_app(settings: Settings, store: Store, *, cache_ttl_s: float = 30.0) -> FastAPI:
    """The FastAPI app serving the API under ``/api/``, the map at ``/map`` and the docs at ``/docs``.

    Parameters
    ----------
    settings
        ``secret_key`` signs session cookies (required unless ``environment == "development"``),
        ``tile_url`` the basemap, ``max_upload_mb`` the upload limit, ``cors_origins`` the origins
        allowed cross-origin requests (none by default).
    store
        The open store every route reads and writes.
    cache_ttl_s
        Seconds after which cached results and the camera index are re-read in the background.

    Raises
    ------
    ConfigError
        Outside development without a (long enough) ``secret_key``.
    """
    key = signing_key(settings)
    from sharpeyes.api.indexfile import cache_root
    from sharpeyes.api.tilecache import TileCache

    # (the OpenAPI schema is built by tests from an app with no store)
    root = cache_root(settings, store) if getattr(store, "engine", None) is not None else None
    state = AppState(
        settings=settings,
        store=store,
        session_key=key,
        cache=ReadCache(cache_ttl_s),
        cache_root=root,
        tiles=TileCache(root),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=_warm, args=(state,), daemon=True, name="sharpeyes-warm").start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        **_no_telemetry(),
        title="sharpeyes API",
        version=__version__,
        description=(
            "Inventory, coverage, network and health of a city's public-security video network "
            "(雪亮工程). Authenticate with `Authorization: Bearer TOKEN` or the session cookie of "
            "`/login`. Coordinates are WGS-84 (EPSG:4326) degrees; rates are fractions 0–1."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sharpeyes = state
    for module in (system, admin, cameras, imports, units, results, health, map, grids, tiles):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, exc: LoginRequiredError) -> RedirectResponse:
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": scrub(str(exc))}, status_code=400)

    @app.exception_handler(SharpeyesError)
    async def _sharpeyes(request: Request, exc: SharpeyesError) -> JSONResponse:
        return JSONResponse({"detail": scrub(str(exc))}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %s", request.method, request.url.path, scrub(repr(exc)))
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    # the door checks role, CSRF and body size before a byte of a body is read (see door.py)
    app.add_middleware(Door, state=state, routes=app.router.routes)
    app.add_middleware(SecurityHeaders, tile_origin=_tile_origin(settings.tile_url))
    return app


def _warm(state: AppState) -> None:
    """Load the camera index and the unit layers before the first map asks for them."""
    from sharpeyes.api.deps import camera_index
    from sharpeyes.api.routes.map import units_geojson
    from sharpeyes.api.routes.tiles import results_version, unit_layer

    start = time.perf_counter()
    try:
        index = camera_index(state)
        for level in ("county", "township"):
            unit_layer(state, level, results_version(state))
            units_geojson(state, level)
    except Exception as exc:  # warming is an optimisation: the first request retries and reports
        log.warning("warming the API caches failed: %s", scrub(repr(exc)))
        return
    log.info(
        "API caches warm: %d cameras indexed in %.1f s", len(index), time.perf_counter() - start
    )


def default_workers() -> int:
    """How many server processes ``sharpeyes serve`` runs by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(
    settings: Settings,
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    **kwargs: Any,
) -> None:
    """Serve :func:`create_app` with uvicorn (blocks).

    With ``workers`` > 1 the camera index is opened here, the listening socket bound, and then
    ``workers`` processes are forked, each opening the store anew (SQLite in WAL mode: the workers
    read side by side; PostGIS through each worker's own connection pool) and serving the same
    socket; they share the memory-mapped index and start at once (the code is already imported).
    SIGTERM or SIGINT to this process stops them all.
    """
    import uvicorn

    app = create_app(settings, store)
    if workers <= 1:
        uvicorn.run(app, host=host, port=port, log_level="info", **kwargs)
        return
    from sharpeyes.api.deps import camera_index

    camera_index(app.state.sharpeyes)
    url = store.engine.url.render_as_string(hide_password=False)
    store.close()  # no connection may cross the fork
    _prefork(settings, url, host=host, port=port, workers=workers, **kwargs)


def _prefork(
    settings: Settings, url: str, *, host: str, port: int, workers: int, **kwargs: Any
) -> None:
    """Bind ``host:port``, fork ``workers`` uvicorn servers on it, wait for them (see :func:`run`)."""
    import signal
    import socket

    import uvicorn

    from sharpeyes.jobs.reads import open_store

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker
            code = 0
            try:
                config = uvicorn.Config(
                    create_app(settings, open_store(url)), log_level="info", **kwargs
                )
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:
                log.exception("server worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    log.info("serving on %s:%d with %d worker processes %s", host, port, workers, children)

    def stop(signum: int, frame: Any) -> None:
        for child in children:
            with suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        if pid in children:
            children.remove(pid)
    sock.close()
