"""Signed session cookies for the login form (HMAC-SHA256 over ``name|expiry``).

The cookie holds the user name and an expiry time, signed with ``Settings.secret_key``; the user's role
is read from the store on every request, so removing a user ends its sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Final

from sharpeyes._errors import ConfigError
from sharpeyes.settings import Settings

SESSION_COOKIE: Final = "sharpeyes_session"
SESSION_SECONDS: Final = 12 * 3600


def signing_key(settings: Settings) -> bytes:
    """The key that signs session cookies.

    Outside ``environment == "development"`` a ``secret_key`` of at least 32 characters is required
    (:class:`ConfigError` otherwise); in development a random key is drawn per process.
    """
    key = settings.secret_key
    if key:
        if settings.environment != "development" and len(key) < 32:
            raise ConfigError(
                "SHARPEYES_SECRET_KEY is too short: use at least 32 random characters"
            )
        return key.encode()
    if settings.environment != "development":
        raise ConfigError(
            f"SHARPEYES_SECRET_KEY is not set (environment {settings.environment!r}): "
            "set it to 32+ random characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return secrets.token_bytes(32)


def _sign(key: bytes, payload: bytes) -> str:
    return (
        base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )


def make_session(key: bytes, name: str, *, now: float | None = None) -> str:
    """Cookie value for user ``name``, valid :data:`SESSION_SECONDS`."""
    expiry = int((time.time() if now is None else now) + SESSION_SECONDS)
    payload = base64.urlsafe_b64encode(f"{name}|{expiry}".encode()).decode().rstrip("=")
    return f"{payload}.{_sign(key, payload.encode())}"


def read_session(key: bytes, cookie: str | None, *, now: float | None = None) -> str | None:
    """The user name in a valid, unexpired cookie, else ``None``."""
    if not cookie or "." not in cookie or len(cookie) > 4096:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(_sign(key, payload.encode()), signature):
        return None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        name, _, expiry = text.rpartition("|")
        if int(expiry) < (time.time() if now is None else now):
            return None
    except ValueError:
        return None
    return name or None
