"""Persistence of login sessions, failed logins and token listings (functions over the store's engine).

The session cookie carries a signed random id; the store keeps only its SHA-256 (``session_hash``) with
the user and an expiry, so a session ends when its row goes: at logout, when the user is removed
(``ON DELETE CASCADE`` and an explicit delete) or when the password changes. Failed logins are kept for
the rate limit of the login form. Times are epoch seconds (UTC). Works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sharpeyes.store import schema as s

#: Failed logins older than this are deleted when new ones are recorded (seconds).
KEEP_FAILURES_S = 24 * 3600


def add_session(
    engine: Engine, session_hash: str, name: str, *, now_s: float, expires_s: float, address: str
) -> None:
    """Keep a new session of user ``name``; expired sessions are purged on the way."""
    with engine.begin() as conn:
        conn.execute(s.sessions.delete().where(s.sessions.c.expires_s < now_s))
        conn.execute(
            s.sessions.insert().values(
                session_hash=session_hash,
                name=name,
                created_s=now_s,
                expires_s=expires_s,
                address=address[:200],
            )
        )


def session_user(engine: Engine, session_hash: str, *, now_s: float) -> dict[str, Any] | None:
    """``name`` and ``role`` of the user whose unexpired session this is, else ``None``."""
    t, u = s.sessions, s.users
    stmt = (
        sa.select(u.c.name, u.c.role)
        .select_from(t.join(u, t.c.name == u.c.name))
        .where(t.c.session_hash == session_hash, t.c.expires_s >= now_s)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def end_session(engine: Engine, session_hash: str) -> bool:
    """End one session; ``False`` if it was not known."""
    with engine.begin() as conn:
        deleted = conn.execute(s.sessions.delete().where(s.sessions.c.session_hash == session_hash))
    return bool(deleted.rowcount)


def end_sessions(engine: Engine, name: str) -> int:
    """End every session of user ``name``; how many there were."""
    with engine.begin() as conn:
        deleted = conn.execute(s.sessions.delete().where(s.sessions.c.name == name))
    return int(deleted.rowcount or 0)


def count_sessions(engine: Engine, name: str, *, now_s: float) -> int:
    """Unexpired sessions of user ``name``."""
    t = s.sessions
    stmt = sa.select(sa.func.count()).where(t.c.name == name, t.c.expires_s >= now_s)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def record_failure(engine: Engine, *, name: str | None, address: str | None, now_s: float) -> None:
    """Remember one failed login (and forget those older than :data:`KEEP_FAILURES_S`)."""
    f = s.login_failures
    with engine.begin() as conn:
        conn.execute(f.delete().where(f.c.at_s < now_s - KEEP_FAILURES_S))
        conn.execute(
            f.insert().values(
                at_s=now_s,
                name=None if name is None else name[:200],
                address=None if address is None else address[:200],
            )
        )


def failure_times(
    engine: Engine, *, since_s: float, name: str | None = None, address: str | None = None
) -> list[float]:
    """Times (epoch s, oldest first) of failed logins since ``since_s`` by ``name`` or ``address``."""
    f = s.login_failures
    stmt = sa.select(f.c.at_s).where(f.c.at_s >= since_s).order_by(f.c.at_s)
    if name is not None:
        stmt = stmt.where(f.c.name == name[:200])
    if address is not None:
        stmt = stmt.where(f.c.address == address[:200])
    with engine.connect() as conn:
        return [float(v) for v in conn.execute(stmt).scalars()]


def clear_failures(engine: Engine, *, name: str) -> None:
    """Forget whose the failed logins of ``name`` were (after it logged in); they still count for
    their addresses."""
    f = s.login_failures
    with engine.begin() as conn:
        conn.execute(f.update().where(f.c.name == name[:200]).values(name=None))


def tokens(engine: Engine, *, name: str | None = None) -> pd.DataFrame:
    """API tokens: ``token_hash``, ``name``, ``created_at`` (oldest first), of one user or all."""
    t = s.tokens
    stmt = sa.select(t.c.token_hash, t.c.name, t.c.created_at).order_by(t.c.created_at)
    if name is not None:
        stmt = stmt.where(t.c.name == name)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame.from_records(rows, columns=["token_hash", "name", "created_at"])


def revoke_tokens(engine: Engine, token_hashes: list[str]) -> int:
    """Delete the tokens with these hashes; how many were deleted."""
    if not token_hashes:
        return 0
    t = s.tokens
    with engine.begin() as conn:
        deleted = conn.execute(t.delete().where(t.c.token_hash.in_(token_hashes)))
    return int(deleted.rowcount or 0)
