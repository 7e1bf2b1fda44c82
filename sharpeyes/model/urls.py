"""Stream URLs and their credentials: split on the way in, masked on the way out.

Credentials are never part of ``stream_url`` in the store, a response, a log line or an export; they are
kept apart (``stream_user``, ``stream_password``) and joined back only when a probe opens the stream.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pandas as pd

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
    return urlunsplit(
        (parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment)
    )


def mask_url(url: str | None) -> str | None:
    """Replace any credentials in ``url`` by ``***`` (for logs, errors, responses and exports)."""
    if url is None:
        return None
    return _USERINFO.sub(lambda m: m.group("scheme") + "***@", str(url))


def scrub(text: str) -> str:
    """Mask every URL credential found anywhere in ``text`` (exception messages, ffmpeg output)."""
    return _USERINFO.sub(lambda m: m.group("scheme") + "***@", text)


def split_credentials_series(urls: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised :func:`split_credentials` over a column of URLs: (bare URLs, users, passwords).

    Same rule as :func:`split_credentials` (same pattern, run by pyarrow's RE2 over the whole column);
    only percent-encoded user names/passwords are unquoted one by one. Missing values stay missing.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text_type = pa.large_string()
    values = [None if v is None or v is pd.NA or v != v else str(v) for v in urls.astype(object)]
    arr = pc.utf8_trim_whitespace(pa.array(values, text_type))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, text_type), arr)
    bare, user, password = split_credentials_arrow(pa.chunked_array([arr]))
    out = []
    for column in (bare, user, password):
        out.append(pd.Series(pd.arrays.ArrowStringArray(column), index=urls.index))
    return out[0], out[1], out[2]


def split_credentials_arrow(urls: Any) -> tuple[Any, Any, Any]:
    """:func:`split_credentials` on a pyarrow ``large_string`` ChunkedArray (trimmed, empty as null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text_type = pa.large_string()
    null = pa.scalar(None, text_type)
    if not pc.any(pc.fill_null(pc.match_substring(urls, "@"), False)).as_py():
        return (
            urls,
            pa.chunked_array([pa.nulls(len(urls), text_type)]),
            pa.chunked_array([pa.nulls(len(urls), text_type)]),
        )
    # "scheme://userinfo@rest": split on the first "@", then the left part on "://"; the userinfo
    # must hold none of "/?#" nor white space (the rule of _USERINFO). Sentinels appended before
    # each split make every list two long, so no per-row branching is needed.
    empty = pa.scalar("", text_type)

    def lit(text: str) -> Any:
        return pa.scalar(text, text_type)

    filled = pc.fill_null(urls, empty)
    at = pc.split_pattern(pc.binary_join_element_wise(filled, lit("@"), empty), "@", max_splits=1)
    left = pc.list_element(at, 0)
    rest = pc.utf8_slice_codeunits(pc.list_element(at, 1), 0, -1)
    halves = pc.split_pattern(
        pc.binary_join_element_wise(left, lit("://"), empty), "://", max_splits=1
    )
    scheme = pc.list_element(halves, 0)
    userinfo = pc.utf8_slice_codeunits(pc.list_element(halves, 1), 0, -3)
    letters = scheme
    for mark in ("+", ".", "-"):
        letters = pc.replace_substring(letters, mark, "")
    has = pc.and_(
        pc.and_(pc.match_substring(filled, "@"), pc.match_substring(left, "://")),
        pc.and_(
            pc.and_(
                pc.ascii_is_alpha(pc.utf8_slice_codeunits(scheme, 0, 1)), pc.ascii_is_alnum(letters)
            ),
            pc.invert(pc.match_substring_regex(userinfo, r"[/?#\s]")),
        ),
    )
    bare = pc.if_else(
        has, pc.binary_join_element_wise(scheme, rest, pa.scalar("://", text_type)), urls
    )
    pair = pc.split_pattern(
        pc.binary_join_element_wise(userinfo, lit(":"), empty), ":", max_splits=1
    )
    user = pc.list_element(pair, 0)
    password = pc.utf8_slice_codeunits(pc.list_element(pair, 1), 0, -1)
    user = pc.if_else(pc.and_(has, pc.not_equal(user, "")), user, null).cast(text_type)
    password = pc.if_else(pc.and_(has, pc.not_equal(password, "")), password, null).cast(text_type)
    quoted = pc.or_(
        pc.fill_null(pc.match_substring(user, "%"), False),
        pc.fill_null(pc.match_substring(password, "%"), False),
    )
    if pc.any(quoted).as_py():
        users = user.to_pylist()
        passwords = password.to_pylist()
        for i, q in enumerate(quoted.to_pylist()):
            if q:
                users[i] = unquote(users[i]) if users[i] else users[i]
                passwords[i] = unquote(passwords[i]) if passwords[i] else passwords[i]
        user = pa.chunked_array([pa.array(users, text_type)])
        password = pa.chunked_array([pa.array(passwords, text_type)])
    return bare.cast(text_type), user, password
