"""``/api/me``, ``/api/users``, ``/api/tokens``: who am I; users and tokens (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from starlette.concurrency import run_in_threadpool

from sharpeyes._errors import InputError
from sharpeyes.api.convert import records
from sharpeyes.api.deps import Admin, StateDep, Viewer
from sharpeyes.api.schemas import Me, Rows, TokenCreate, TokenOut, UserCreate, UserOut
from sharpeyes.jobs import auth

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/me", response_model=Me, summary="The caller")
def me(user: Viewer) -> Me:
    """Name and role of whoever sent the request."""
    return Me(name=user.name, role=user.role)  # type: ignore[arg-type]


@router.get("/users", response_model=list[UserOut], summary="Users (admin)")
def list_users(state: StateDep, user: Admin) -> list[UserOut]:
    """Every user and role; password hashes are never returned."""
    return [UserOut(name=str(r["name"]), role=str(r["role"])) for r in records(state.store.users())]


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
    return TokenOut(name=body.name, token=token)


@router.get("/audit", response_model=Rows, summary="Audit log, newest first (admin)")
def audit_log(
    state: StateDep,
    user: Admin,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> Rows:
    """Who did what when: every write through the API, the CLI and the jobs."""
    items = records(state.store.audit_log(limit=limit))
    return Rows(total=len(items), items=items)
