"""The door: a pure-ASGI middleware that checks a request that carries a body before the app reads it.

For every method but GET/HEAD/OPTIONS, in this order and before one byte of the body is read:

1. the route's role (the ``require(role)`` dependency of the matched route): 401 without valid
   credentials, 403 below the role;
2. cross-site request forgery, for callers authenticated by the session cookie: ``Origin`` (else
   ``Referer``) must be the server's own origin, and the ``X-CSRF-Token`` header must carry the
   session's CSRF token (the same value as the ``sharpeyes_csrf`` cookie): 403 otherwise. Bearer-token
   calls carry no ambient credentials and are not checked. ``/login`` and ``/logout`` check the origin
   when the browser sends one;
3. the body size: 413 when ``Content-Length`` is over the route's limit, and while streaming, as soon as
   more bytes than the limit arrived (chunked bodies have no ``Content-Length``). Uploads to
   ``/api/imports`` may have ``Settings.max_upload_mb`` (plus the multipart framing); every other body
   :data:`SMALL_BODY_BYTES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sharpeyes.api.security import CSRF_HEADER, SESSION_COOKIE

#: Methods that never change state (their bodies, if any, are still capped).
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
#: Limit of every body but an upload's (JSON and form bodies are a few hundred bytes).
SMALL_BODY_BYTES: Final = 64 * 1024
#: Routes whose bodies are uploads, limited by ``Settings.max_upload_mb``.
UPLOAD_PATHS: Final = frozenset({"/api/imports"})
#: Room for the multipart framing around the files of an upload.
MULTIPART_SLACK_BYTES: Final = 64 * 1024
#: Public routes that change state: the origin is checked when the browser sends one.
PUBLIC_FORMS: Final = frozenset({"/login", "/logout"})


class BodyTooLarge(HTTPException):
    """The body grew past the route's limit while it was read (answered 413)."""


def _required_role(route: BaseRoute) -> str | None:
    """The role of the ``require(role)`` dependency of ``route`` (``None``: public)."""
    if not isinstance(route, APIRoute):
        return None
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        role = getattr(dependant.call, "required_role", None)
        if role is not None:
            return str(role)
        pending.extend(dependant.dependencies)
    return None


def flat_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The app's routes with included routers opened up (FastAPI ≥ 0.16x keeps them nested).

    Routers are included without a prefix of their own here, so each route's ``path`` is complete.
    """
    out: list[BaseRoute] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            if getattr(context, "prefix", ""):
                raise RuntimeError(
                    "the door cannot match routes of a router included with a prefix"
                )
            out.extend(flat_routes(original.routes))
        else:
            out.append(route)
    return out


def _match(routes: Sequence[BaseRoute], scope: Scope) -> BaseRoute | None:
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
    return None


def own_origins(scope: Scope, configured: Sequence[str]) -> set[str]:
    """Origins this request may come from: the scheme and ``Host`` it was sent to, and those
    configured (``Settings.public_origins``, for a server behind a proxy)."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    origins = {o.rstrip("/").lower() for o in configured}
    host = headers.get("host")
    if host:
        origins.add(f"{scope.get('scheme', 'http')}://{host}".lower())
    return origins


def request_origin(headers: dict[str, str]) -> str | None:
    """``Origin``, else the origin of ``Referer``, else ``None``."""
    origin = headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/").lower()
    if origin == "null":
        return "null"
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}".lower()
        return "null"
    return None


class Door:
    """See the module docstring. ``state`` is the app's :class:`~sharpeyes.api.deps.AppState`."""

    def __init__(self, app: ASGIApp, *, state: Any, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.state = state
        self._app_routes = routes
        self._flat: list[BaseRoute] | None = None
        self.upload_bytes = state.settings.max_upload_mb * 1024 * 1024 + MULTIPART_SLACK_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._flat is None:  # routes are all added by the time the first request comes
            self._flat = flat_routes(self._app_routes)
        route = _match(self._flat, scope)
        path = getattr(route, "path", None)
        limit = self.upload_bytes if path in UPLOAD_PATHS else SMALL_BODY_BYTES
        if scope["method"] not in SAFE_METHODS:
            refusal = await self._refusal(scope, route, limit)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self._capped(scope, receive, send, limit)

    async def _refusal(
        self, scope: Scope, route: BaseRoute | None, limit: int
    ) -> JSONResponse | None:
        """The answer to a request refused at the door, or ``None`` to let it in."""
        from sharpeyes.api.deps import authenticate, role_refusal

        request = Request(scope)
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = getattr(route, "path", None)
        role = _required_role(route) if route is not None else None
        if role is not None:
            principal, how = await run_in_threadpool(authenticate, request, self.state)
            refused = role_refusal(principal, role)
            if refused is not None:
                return JSONResponse(
                    {"detail": refused.detail}, refused.status_code, headers=refused.headers
                )
            if how == "session":
                problem = self._csrf_problem(scope, request, headers)
                if problem:
                    return JSONResponse({"detail": problem}, 403)
        elif path in PUBLIC_FORMS:
            origin = request_origin(headers)
            if origin is not None and origin not in self._origins(scope):
                return JSONResponse({"detail": f"cross-site request refused: origin {origin}"}, 403)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return JSONResponse({"detail": "Content-Length is not a number"}, 400)
            if int(length) > limit:
                return JSONResponse({"detail": _too_large(limit)}, 413)
        return None

    def _origins(self, scope: Scope) -> set[str]:
        return own_origins(scope, self.state.settings.public_origins)

    def _csrf_problem(self, scope: Scope, request: Request, headers: dict[str, str]) -> str | None:
        """Why a cookie-authenticated request that changes state is refused, else ``None``."""
        from sharpeyes.api.deps import session_csrf

        origin = request_origin(headers)
        if origin is None:
            return "cross-site check: the request has neither Origin nor Referer"
        if origin not in self._origins(scope):
            return f"cross-site request refused: origin {origin}"
        expected = session_csrf(self.state, request.cookies.get(SESSION_COOKIE))
        from sharpeyes.api.security import same_token

        if not same_token(headers.get(CSRF_HEADER), expected):
            return "CSRF token missing or wrong: send the sharpeyes_csrf cookie's value as X-CSRF-Token"
        return None

    async def _capped(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with a ``receive`` that refuses more than ``limit`` body bytes."""
        seen = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(413, _too_large(limit))
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await JSONResponse({"detail": exc.detail}, 413)(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"request body larger than {limit / 1024 / 1024:.2f} MB: refused"
