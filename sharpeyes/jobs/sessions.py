"""Login sessions kept server-side, and the login rate limit: the service layer behind ``/login``,
``/logout`` and the session cookie.

A session is a random 256-bit id; the cookie carries it signed (:mod:`sharpeyes.api.security`), the
store keeps its SHA-256 with the user and an expiry, so ending a session is deleting its row. Failed
logins are counted per user name and per client address over :data:`WINDOW_S`; from
:data:`MAX_FAILURES` on, further attempts are refused until the oldest failure leaves the window.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from typing import Final

from sharpeyes.jobs.auth import Principal
from sharpeyes.store import Store
from sharpeyes.store import sessions as db

#: How long a session lasts (seconds).
SESSION_SECONDS: Final = 12 * 3600
#: Failed logins allowed per user name and per address within :data:`WINDOW_S`.
MAX_FAILURES: Final = 5
WINDOW_S: Final = 60.0


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(store: Store, name: str, *, address: str, now_s: float | None = None) -> str:
    """A new session id for user ``name`` (put it in the signed cookie; only its hash is stored)."""
    now = time.time() if now_s is None else now_s
    session_id = secrets.token_urlsafe(32)
    db.add_session(
        store.engine,
        _hash(session_id),
        name,
        now_s=now,
        expires_s=now + SESSION_SECONDS,
        address=address,
    )
    return session_id


def principal_for_session(store: Store, session_id: str) -> Principal | None:
    """The user of an unexpired, not ended session, as the store has it now; else ``None``."""
    if not session_id:
        return None
    user = db.session_user(store.engine, _hash(session_id), now_s=time.time())
    return None if user is None else Principal(str(user["name"]), str(user["role"]))


def end_session(store: Store, session_id: str) -> bool:
    """End one session (logout); ``False`` if it had ended already."""
    return db.end_session(store.engine, _hash(session_id))


def end_sessions(store: Store, name: str) -> int:
    """End every session of ``name`` (user removed, password changed); how many were open."""
    return db.end_sessions(store.engine, name)


def open_sessions(store: Store, name: str) -> int:
    """How many unexpired sessions ``name`` has."""
    return db.count_sessions(store.engine, name, now_s=time.time())


@dataclass(frozen=True, slots=True)
class Throttle:
    """A refused login attempt: why, and after how many seconds to try again."""

    reason: str
    retry_after_s: int


def login_throttle(
    store: Store, *, name: str, address: str, now_s: float | None = None
) -> Throttle | None:
    """Whether a login attempt by ``name`` from ``address`` must wait (``None``: it may go on)."""
    now = time.time() if now_s is None else now_s
    since = now - WINDOW_S
    checks = (("user", {"name": name}), ("address", {"address": address}))
    waits: list[Throttle] = []
    for what, key in checks:
        if not next(iter(key.values())):
            continue
        times = db.failure_times(store.engine, since_s=since, **key)
        if len(times) >= MAX_FAILURES:
            # the attempt may go again when enough failures have left the window
            oldest = times[len(times) - MAX_FAILURES]
            waits.append(Throttle(what, max(1, math.ceil(oldest + WINDOW_S - now))))
    return max(waits, key=lambda t: t.retry_after_s) if waits else None


def login_failed(store: Store, *, name: str, address: str, now_s: float | None = None) -> None:
    """Count one failed login of ``name`` from ``address``."""
    db.record_failure(
        store.engine,
        name=name or None,
        address=address or None,
        now_s=time.time() if now_s is None else now_s,
    )


def login_succeeded(store: Store, *, name: str) -> None:
    """Forget the failed logins of ``name`` (those of its address still count)."""
    db.clear_failures(store.engine, name=name)
