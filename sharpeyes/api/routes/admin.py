"""``/api/me``; users, tokens and the audit log (admin): add, list, remove, set passwords, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from sharpeyes._errors import InputError
from sharpeyes.api.deps import Admin, StateDep, Viewer
from sharpeyes.api.schemas import (
    Ended,
    Me,
    PasswordSet,
    Rows,
    TokenCreate,
    TokenInfo,
    TokenOut,
    UserCreate,
    UserOut,
)
from sharpeyes.jobs import auth

router = APIRouter(prefix="/api", tags=["users"])

UserName = Annotated[str, PathParam(min_length=1, max_length=100)]


@router.get("/me", response_model=Me, summary="The caller")
def me(user: Viewer) -> Me:
    """Name and role of whoever sent the request."""
    return Me(name=user.name, role=user.role)  # type: ignore[arg-type]


@router.get("/users", response_model=list[UserOut], summary="Users (admin)")
def list_users(state: StateDep, user: Admin) -> list[UserOut]:
    """Every user and role; password hashes are never returned."""
    return [UserOut(name=u["name"], role=u["role"]) for u in auth.users(state.store)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a user (admin)",
)
async def add_user(body: UserCreate, state: StateDep, user: Admin) -> UserOut:
    """Create a user with a role and, for the login form, a password (stored as a salted scrypt hash)."""
    try:
        created = await run_in_threadpool(
            auth.add_user, state.store, body.name, body.role, password=body.password, by=user.name
        )
    except InputError as exc:
        raise HTTPException(409 if "exists" in str(exc) else 400, str(exc)) from None
    state.forget_principals()
    return UserOut(name=created.name, role=created.role)


@router.delete("/users/{name}", response_model=Ended, summary="Remove a user (admin)")
async def remove_user(name: UserName, state: StateDep, user: Admin) -> Ended:
    """Remove a user with its tokens and sessions: both stop working at once."""
    try:
        ended = await run_in_threadpool(auth.remove_user, state.store, name, by=user.name)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None
    state.forget_principals()
    return Ended(name=name, **ended)


@router.put("/users/{name}/password", response_model=Ended, summary="Set a password (admin)")
async def set_password(name: UserName, body: PasswordSet, state: StateDep, user: Admin) -> Ended:
    """Give a user a new password for the login form; its sessions end (tokens stay)."""
    try:
        ended = await run_in_threadpool(
            auth.set_password, state.store, name, body.password, by=user.name
        )
    except InputError as exc:
        raise HTTPException(404 if "no such user" in str(exc) else 400, str(exc)) from None
    state.forget_principals()
    return Ended(name=name, sessions=ended)


@router.post(
    "/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token (admin)",
)
async def create_token(body: TokenCreate, state: StateDep, user: Admin) -> TokenOut:
    """A new bearer token for an existing user: shown once, stored as its SHA-256."""
    try:
        token = await run_in_threadpool(auth.create_token, state.store, body.name, by=user.name)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None
    return TokenOut(name=body.name, token=token, token_id=auth.token_id(token))


@router.get("/tokens", response_model=list[TokenInfo], summary="API tokens (admin)")
def list_tokens(
    state: StateDep,
    user: Admin,
    name: Annotated[str | None, Query(max_length=100, description="only this user's")] = None,
) -> list[TokenInfo]:
    """Every token's id, user and creation time (never the token)."""
    return [TokenInfo(**t) for t in auth.list_tokens(state.store, name)]


@router.delete("/tokens/{token_id}", response_model=Ended, summary="Revoke an API token (admin)")
async def revoke_token(
    token_id: Annotated[str, PathParam(min_length=8, max_length=64)], state: StateDep, user: Admin
) -> Ended:
    """Revoke the token with this id (as ``GET /api/tokens`` lists it): it stops working at once."""
    try:
        revoked = await run_in_threadpool(
            auth.revoke_tokens, state.store, token_id=token_id, by=user.name
        )
    except InputError as exc:
        raise HTTPException(404 if "no such" in str(exc) else 400, str(exc)) from None
    state.forget_principals()
    return Ended(tokens=revoked)


def _audit(state: StateDep, limit: int) -> Rows:
    items = auth.audit_log(state.store, limit=limit)
    return Rows(total=len(items), items=items)


@router.get("/admin/audit", response_model=Rows, summary="Audit log, newest first (admin)")
def admin_audit(
    state: StateDep, user: Admin, limit: Annotated[int, Query(ge=1, le=10_000)] = 200
) -> Rows:
    """Who did what when: every write through the API, the CLI and the jobs, logins and failed
    logins, removals and revocations."""
    return _audit(state, limit)


@router.get("/audit", response_model=Rows, summary="Audit log (admin; old address)")
def audit_log(
    state: StateDep, user: Admin, limit: Annotated[int, Query(ge=1, le=10_000)] = 200
) -> Rows:
    """The same as ``GET /api/admin/audit``."""
    return _audit(state, limit)
