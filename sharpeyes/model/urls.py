"""Stream URLs and their credentials: split on the way in, masked on the way out.

Credentials are never part of ``stream_url`` in the store, a response, a log line or an export; they are
kept apart (``stream_user``, ``stream_password``) and joined back only when a probe opens the stream.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^@/?#\s]*)@")


def split_credentials(url: str | None) -> tuple[str | None, str | None, str | None]:
    """``rtsp://user:pass@host/x`` → (``rtsp://host/x``, ``user``, ``pass``); URLs without credentials pass."""
    if url is None:
        return None, None, None
    text = str(url).strip()
    if not text:
        return None, None, None
    match = _USERINFO.match(text)
    if not match:
        return text, None, None
    userinfo = match.group("userinfo")
    user, _, password = userinfo.partition(":")
    bare = match.group("scheme") + text[match.end() :]
    return bare, unquote(user) or None, unquote(password) if password else None


def join_credentials(url: str, user: str | None, password: str | None) -> str:
    """Put credentials back into ``url`` for opening the stream (never log the result)."""
    if not user:
        return url
    parts = urlsplit(url)
    userinfo = quote(user, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment))


def mask_url(url: str | None) -> str | None:
    """Replace any credentials in ``url`` by ``***`` (for logs, errors, responses and exports)."""
    if url is None:
        return None
    return _USERINFO.sub(lambda m: m.group("scheme") + "***@", str(url))


def scrub(text: str) -> str:
    """Mask every URL credential found anywhere in ``text`` (exception messages, ffmpeg output)."""
    return _USERINFO.sub(lambda m: m.group("scheme") + "***@", text)
