"""The session cookie (signed with itsdangerous) and the CSRF token derived from it.

The cookie holds a random session id (see :mod:`sharpeyes.jobs.sessions`) and the time it was signed,
signed with ``Settings.secret_key`` by itsdangerous (``URLSafeTimedSerializer``, HMAC-SHA256); the
session itself lives in the store, so logout, a password change and removing the user end it. The CSRF
token is an HMAC-SHA256 of the session id: a page's scripts read it from the ``sharpeyes_csrf`` cookie
and send it back in the ``X-CSRF-Token`` header (double submit, bound to the session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from sharpeyes._errors import ConfigError
from sharpeyes.jobs.sessions import SESSION_SECONDS
from sharpeyes.settings import Settings

SESSION_COOKIE: Final = "sharpeyes_session"
CSRF_COOKIE: Final = "sharpeyes_csrf"
CSRF_HEADER: Final = "x-csrf-token"
_SALT: Final = "sharpeyes.session"

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "csrf_token",
    "make_session",
    "read_session",
    "signing_key",
]


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


def _serializer(key: bytes, now: float | None) -> URLSafeTimedSerializer:
    sha256 = {"digest_method": hashlib.sha256}
    if now is None:
        return URLSafeTimedSerializer(key, salt=_SALT, signer_kwargs=sha256)
    at = int(now)

    class _At(TimestampSigner):
        def get_timestamp(self) -> int:
            return at

    return URLSafeTimedSerializer(key, salt=_SALT, signer=_At, signer_kwargs=sha256)


def make_session(key: bytes, session_id: str, *, now: float | None = None) -> str:
    """Cookie value carrying ``session_id``, valid :data:`SESSION_SECONDS` from ``now``."""
    return _serializer(key, now).dumps(session_id)


def read_session(key: bytes, cookie: str | None, *, now: float | None = None) -> str | None:
    """The session id in a validly signed, unexpired cookie, else ``None``."""
    if not cookie or len(cookie) > 4096:
        return None
    try:
        value = _serializer(key, now).loads(cookie, max_age=SESSION_SECONDS)
    except BadData:
        return None
    return value if isinstance(value, str) and value else None


def csrf_token(key: bytes, session_id: str) -> str:
    """The CSRF token of a session: HMAC-SHA256(key, session id), hex."""
    return hmac.new(key, b"csrf|" + session_id.encode(), hashlib.sha256).hexdigest()


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two tokens (``False`` when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
