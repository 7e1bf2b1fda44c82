"""Liveness, login/logout, the OpenAPI schema and its docs pages (assets served from the package)."""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sharpeyes.api.deps import PageViewer, StateDep
from sharpeyes.api.schemas import Liveness
from sharpeyes.api.security import SESSION_COOKIE, SESSION_SECONDS, make_session
from sharpeyes.jobs.auth import principal_for_password, principal_for_token

router = APIRouter(tags=["system"])

STATIC = "/static/vendor"

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>sharpeyes 登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
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


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def post_login(
    request: Request,
    state: StateDep,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/map",
) -> Any:
    if token:
        principal = await run_in_threadpool(principal_for_token, state.store, token.strip())
    else:
        principal = await run_in_threadpool(
            principal_for_password, state.store, name.strip(), password
        )
    if principal is None:
        await run_in_threadpool(
            state.store.audit,
            name or "(token)",
            "login.failed",
            {"via": "token" if token else "password"},
        )
        return login_page(next, "用户名、密码或令牌错误 / wrong name, password or token", 401)
    await run_in_threadpool(
        state.store.audit, principal.name, "login", {"via": "token" if token else "password"}
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session(response, request, state, principal.name)
    return response


def set_session(response: Any, request: Request, state: StateDep, name: str) -> None:
    """Put a signed, HttpOnly, SameSite=Strict session cookie for ``name`` on ``response``."""
    response.set_cookie(
        SESSION_COOKIE,
        make_session(state.session_key, name),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.post("/logout", include_in_schema=False)
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


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
        swagger_favicon_url=f"{STATIC}/swagger-ui/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", include_in_schema=False)
def redoc(user: PageViewer) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="sharpeyes API",
        redoc_js_url=f"{STATIC}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{STATIC}/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )
