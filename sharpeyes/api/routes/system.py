"""Liveness, login/logout, the OpenAPI schema and its docs pages (assets served from the package)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sharpeyes.api.deps import AppState, PageViewer, StateDep
from sharpeyes.api.schemas import Liveness
from sharpeyes.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    csrf_token,
    make_session,
    read_session,
)
from sharpeyes.jobs import auth, sessions
from sharpeyes.jobs.auth import principal_for_password, principal_for_token

router = APIRouter(tags=["system"])

STATIC = "/static/vendor"
FAVICON = "/static/favicon.svg"
FAVICON_FILE = Path(__file__).parents[1] / "static" / "favicon.svg"

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>sharpeyes 登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/sharpeyes.css"></head>
<body class="login"><form method="post" action="/login">
<h1>雪亮工程 · sharpeyes</h1>{error}
<input type="hidden" name="next" value="{next}">
<label>用户名 user <input name="name" autocomplete="username"></label>
<label>密码 password <input name="password" type="password" autocomplete="current-password"></label>
<p class="or">或 / or</p>
<label>API 令牌 token <input name="token" type="password" autocomplete="off"></label>
<button type="submit">登录 Log in</button></form></body></html>"""


def safe_next(value: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/map"
    return value


def login_page(
    next_path: str = "/map", error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The login form (Chinese and English labels)."""
    return HTMLResponse(
        LOGIN_PAGE.format(
            next=html.escape(safe_next(next_path)),
            error=f'<p class="error">{html.escape(error)}</p>' if error else "",
        ),
        status_code=status_code,
    )


@router.get("/healthz", response_model=Liveness, summary="Liveness check (no authentication)")
def healthz() -> Liveness:
    """``{"status": "ok"}`` while the server runs."""
    return Liveness()


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def get_login(next: str = "/map") -> HTMLResponse:
    return login_page(next)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def post_login(
    request: Request,
    state: StateDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/map",
) -> Any:
    """Password or token login: a server-side session in a signed cookie. After
    :data:`~sharpeyes.jobs.sessions.MAX_FAILURES` failures in a minute for the name or from the
    address, 429 with ``Retry-After`` (checked before the password is)."""
    via = "token" if token else "password"
    who = "" if token else name.strip()
    address = _address(request)
    store = state.store
    throttle = await run_in_threadpool(sessions.login_throttle, store, name=who, address=address)
    if throttle is not None:
        await run_in_threadpool(
            auth.audit,
            store,
            who or "(token)",
            "login.throttled",
            {"via": via, "address": address, "by": throttle.reason},
        )
        refused = login_page(
            next,
            f"尝试次数过多，请 {throttle.retry_after_s} 秒后再试 / too many failed logins: "
            f"try again in {throttle.retry_after_s} s",
            429,
        )
        refused.headers["Retry-After"] = str(throttle.retry_after_s)
        return refused
    if token:
        principal = await run_in_threadpool(principal_for_token, store, token.strip())
    else:
        principal = await run_in_threadpool(principal_for_password, store, who, password)
    if principal is None:
        await run_in_threadpool(sessions.login_failed, store, name=who, address=address)
        await run_in_threadpool(
            auth.audit, store, who or "(token)", "login.failed", {"via": via, "address": address}
        )
        return login_page(next, "用户名、密码或令牌错误 / wrong name, password or token", 401)
    await run_in_threadpool(sessions.login_succeeded, store, name=principal.name)
    await run_in_threadpool(
        auth.audit, store, principal.name, "login", {"via": via, "address": address}
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    await run_in_threadpool(set_session, response, request, state, principal.name)
    return response


def set_session(response: Any, request: Request, state: AppState, name: str) -> None:
    """Start a server-side session for ``name`` and put it on ``response``: the signed session id
    (HttpOnly, SameSite=Strict) and its CSRF token (readable by the page's scripts)."""
    session_id = sessions.start_session(state.store, name, address=_address(request))
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        make_session(state.session_key, session_id),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(state.session_key, session_id),
        max_age=SESSION_SECONDS,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, state: StateDep) -> RedirectResponse:
    """End the session (in the store: the cookie stops working even if it was copied)."""
    session_id = read_session(state.session_key, request.cookies.get(SESSION_COOKIE))
    if session_id is not None:
        await run_in_threadpool(sessions.end_session, state.store, session_id)
        state.forget_principals()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The icon browsers ask for on their own (pages name :data:`FAVICON` too)."""
    return FileResponse(FAVICON_FILE, media_type="image/svg+xml")


@router.get("/", include_in_schema=False)
def root(user: PageViewer) -> RedirectResponse:
    return RedirectResponse("/map", status_code=303)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, user: PageViewer) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
def swagger(user: PageViewer) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="sharpeyes API",
        swagger_js_url=f"{STATIC}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", include_in_schema=False)
def redoc(user: PageViewer) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="sharpeyes API",
        redoc_js_url=f"{STATIC}/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
