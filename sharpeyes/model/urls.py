"""Stream URLs and their credentials: split on the way in, masked on the way out.

Credentials are never part of ``stream_url`` in the store, a response, a log line or an export; they are
kept apart (``stream_user``, ``stream_password``) and joined back only when a probe opens the stream.

The forms understood (all of them split, masked and joined back the same way):

- ``rtsp://user:pass@host/x``: the user-info runs to the **last** ``@`` before the path, so a raw
  ``@`` in a password (``admin:Sec@ret123@host``) stays in the password; percent-encoding is decoded;
- ``user:pass@host:554/x`` with no scheme (the host must look like a host name or an IP address);
- secrets in the query string: ``?user=admin&password=…`` and ``passwd``, ``pwd``, ``pass``, ``key``,
  ``token`` and the like (case-insensitive). The value leaves the URL, the key stays with an empty
  value (``?user=admin&password=``): that empty key is where :func:`join_credentials` puts it back.

When a URL holds more than one secret (user-info password and query secrets, or several query
secrets), ``stream_password`` holds them all in URL order, joined by :data:`SECRET_SEPARATOR`, so that
:func:`join_credentials` puts each back where it was.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import quote, unquote

import pandas as pd

#: Query keys whose values are secrets (ASCII, compared lower-case; a percent-encoded key is not one).
SECRET_QUERY_KEYS: Final = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passcode",
        "passphrase",
        "key",
        "apikey",
        "api_key",
        "token",
        "access_token",
        "auth",
        "secret",
        "loginpas",
    }
)
#: Query keys holding the user name; left in the URL, filled by :func:`join_credentials` when empty.
USER_QUERY_KEYS: Final = frozenset({"user", "username", "usr", "uname", "loginuse"})

#: Between the secrets of one URL in ``stream_password`` when it holds more than one.
SECRET_SEPARATOR: Final = "\x1f"

_KEYS = "|".join(sorted(SECRET_QUERY_KEYS, key=len, reverse=True))
_CTL = r"\x00-\x20\x7f"
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*://"
#: The user-info of a URL with a scheme: up to the last "@" before the path or query.
_SCHEMED = re.compile(rf"(?P<scheme>{_SCHEME})(?P<userinfo>[^/?{_CTL}]*)@")
#: What follows the "@" of a URL without scheme: a host name, IPv4 or [IPv6], a port, then the end,
#: a path, a query or a fragment.
_HOST_AHEAD = r"(?=(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*)(?::[0-9]*)?(?:[/?#]|$))"
_SCHEMELESS = re.compile(rf"(?P<userinfo>[^/?\\:@{_CTL}]+:[^/?\\{_CTL}]*)@{_HOST_AHEAD}")
#: Where a URL without scheme may start in free text.
_START = r"(?:^|(?<=[\s\"'(<\[,;=]))"
_SCHEMELESS_ANY = re.compile(
    rf"{_START}[^/?\\:@\s\"'<>]+:[^/?\\\s]*@(?=\[[0-9A-Fa-f:]|[A-Za-z0-9])"
)
_QUERY_SECRET = re.compile(rf"(?P<key>[?&](?:{_KEYS})=)[^&#\s\"'<>]+", re.IGNORECASE)
_SCHEMED_START = re.compile(_SCHEME)

#: A regular expression (Python and RE2 alike) true of every text that may hold a URL credential:
#: an "@" or a secret query key. Texts it does not match hold none.
CREDENTIAL_HINT: Final = rf"@|[?&](?:{_KEYS})="


#: Words that make a column header a credential column (its values are never written out).
CREDENTIAL_HEADER_WORDS: Final = (
    "password",
    "passwd",
    "pwd",
    "token",
    "secret",
    "username",
    "stream_user",
    "login",
    "密码",
    "口令",
    "用户名",
    "账号",
    "帐号",
)


def is_credential_header(header: object) -> bool:
    """Whether a column named ``header`` holds credentials (``密码``, ``stream_password``, ``PWD`` …)."""
    text = str(header).strip().lower()
    return any(word in text for word in CREDENTIAL_HEADER_WORDS)


def split_credentials(url: str | None) -> tuple[str | None, str | None, str | None]:
    """Take the credentials out of a stream URL: (bare URL, user, password).

    ``rtsp://admin:Sec@ret@10.1.2.3/x`` → (``rtsp://10.1.2.3/x``, ``admin``, ``Sec@ret``);
    ``http://h/snap?user=admin&pwd=s3`` → (``http://h/snap?user=admin&pwd=``, ``None``, ``s3``);
    ``admin:pw@10.1.2.3:554/x`` → (``10.1.2.3:554/x``, ``admin``, ``pw``). URLs without credentials
    pass unchanged (stripped); empty text is ``None``. See the module docstring for every form.
    """
    if url is None:
        return None, None, None
    text = str(url).strip()
    if not text:
        return None, None, None
    head, userinfo, rest = _take_userinfo(text)
    user = password = None
    if userinfo is not None:
        raw_user, _, raw_password = userinfo.partition(":")
        user = unquote(raw_user) or None
        password = unquote(raw_password) or None
    rest, query_secrets = _take_query_secrets(rest)
    secrets = ([password] if password else []) + query_secrets
    return head + rest, user, SECRET_SEPARATOR.join(secrets) if secrets else None


def _take_userinfo(text: str) -> tuple[str, str | None, str]:
    """(scheme, user-info or ``None``, the rest after the "@")."""
    match = _SCHEMED.match(text)
    if match:
        return match.group("scheme"), match.group("userinfo"), text[match.end() :]
    match = _SCHEMELESS.match(text)
    if match:
        return "", match.group("userinfo"), text[match.end() :]
    return "", None, text


def _query_bounds(text: str) -> tuple[int, int] | None:
    """Start and end of the query of ``text`` (without "?" and "#"), or ``None``."""
    start = text.find("?")
    if start < 0:
        return None
    end = text.find("#", start)
    return start + 1, end if end >= 0 else len(text)


def _take_query_secrets(text: str) -> tuple[str, list[str]]:
    """``text`` with the values of secret query keys emptied, and those values (decoded)."""
    bounds = _query_bounds(text)
    if bounds is None:
        return text, []
    start, end = bounds
    params = text[start:end].split("&")
    secrets: list[str] = []
    for i, param in enumerate(params):
        key, eq, value = param.partition("=")
        if eq and value and key.isascii() and key.lower() in SECRET_QUERY_KEYS:
            secrets.append(unquote(value))
            params[i] = key + "="
    if not secrets:
        return text, []
    return text[:start] + "&".join(params) + text[end:], secrets


def join_credentials(url: str, user: str | None, password: str | None) -> str:
    """Put credentials back into ``url`` for opening the stream (never log the result).

    Secrets go back where :func:`split_credentials` found them: into the empty secret keys of the
    query (``pwd=``), the user into empty user keys (``user=``), the rest into the user-info
    (percent-encoded). ``split_credentials(join_credentials(*split_credentials(u)))`` is
    ``split_credentials(u)``.
    """
    if not user and not password:
        return url
    values = password.split(SECRET_SEPARATOR) if password else []
    secret_slots, user_slots = _empty_slots(url)
    if not secret_slots:
        info_password, slot_values = password, []
    elif len(values) == len(secret_slots) + 1:
        info_password, slot_values = values[0], values[1:]
    elif len(values) == len(secret_slots):
        info_password, slot_values = None, values
    else:
        info_password, slot_values = None, [password or ""] * len(secret_slots)
    fills = dict(zip(secret_slots, slot_values, strict=True))
    if user:
        fills.update(dict.fromkeys(user_slots, user))
    out = _fill_query(url, fills) if fills else url
    info_user = user if user and not user_slots else None
    if not info_user and not info_password:
        return out
    userinfo = quote(info_user or "", safe="")
    if info_password:
        userinfo += ":" + quote(info_password, safe="")
    scheme = _SCHEMED_START.match(out)
    if scheme:
        return out[: scheme.end()] + userinfo + "@" + out[scheme.end() :]
    if re.match(_HOST_AHEAD, out):
        return userinfo + "@" + out
    return out


def _empty_slots(url: str) -> tuple[list[int], list[int]]:
    """Indices of the query parameters that are empty secret keys, and empty user keys."""
    bounds = _query_bounds(url)
    if bounds is None:
        return [], []
    secret_slots: list[int] = []
    user_slots: list[int] = []
    for i, param in enumerate(url[bounds[0] : bounds[1]].split("&")):
        key, eq, value = param.partition("=")
        name = key.lower() if key.isascii() else ""
        if eq and not value and name in SECRET_QUERY_KEYS:
            secret_slots.append(i)
        elif eq and not value and name in USER_QUERY_KEYS:
            user_slots.append(i)
    return secret_slots, user_slots


def _fill_query(url: str, fills: dict[int, str]) -> str:
    bounds = _query_bounds(url)
    assert bounds is not None
    start, end = bounds
    params = url[start:end].split("&")
    for i, value in fills.items():
        params[i] += quote(value, safe="")
    return url[:start] + "&".join(params) + url[end:]


def mask_url(url: str | None) -> str | None:
    """Replace any credentials in ``url`` by ``***`` (for logs, errors, responses and exports)."""
    if url is None:
        return None
    text = str(url)
    lead = len(text) - len(text.lstrip())
    schemeless = _SCHEMELESS.match(text, lead)
    if schemeless:
        text = text[:lead] + "***@" + text[schemeless.end() :]
    return scrub(text)


def scrub(text: str) -> str:
    """Mask every URL credential found anywhere in ``text`` (exception messages, ffmpeg output):
    user-info with or without a scheme, and the values of secret query keys."""
    text = _SCHEMED.sub(lambda m: m.group("scheme") + "***@", text)
    text = _SCHEMELESS_ANY.sub("***@", text)
    return _QUERY_SECRET.sub(lambda m: m.group("key") + "***", text)


def split_credentials_series(urls: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised :func:`split_credentials` over a column of URLs: (bare URLs, users, passwords).

    Same result as :func:`split_credentials` row by row (see :func:`split_credentials_arrow`).
    Missing values stay missing.
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


#: The common form that RE2 splits over the whole column: a scheme, plain user-info, no "%", no
#: secret query key (rows outside it that may hold credentials go through split_credentials).
_PLAIN = rf"^(?P<scheme>{_SCHEME})(?P<userinfo>[^/?%{_CTL}]*)@(?P<rest>[^%]*)$"


def split_credentials_arrow(urls: Any) -> tuple[Any, Any, Any]:
    """:func:`split_credentials` on a pyarrow ``large_string`` ChunkedArray (trimmed, empty as null).

    Rows that cannot hold credentials (:data:`CREDENTIAL_HINT` does not match) pass as they are;
    rows of the plain ``scheme://user:pass@rest`` form are split by RE2 over the whole column; the
    few others go through :func:`split_credentials` one by one, so the results agree by design.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text_type = pa.large_string()
    null = pa.scalar(None, text_type)
    hint = pc.fill_null(pc.match_substring_regex(urls, CREDENTIAL_HINT, ignore_case=True), False)
    if not pc.any(hint).as_py():
        nulls = pa.chunked_array([pa.nulls(len(urls), text_type)])
        return urls, nulls, nulls
    parts = pc.extract_regex(pc.fill_null(urls, ""), _PLAIN)
    secret_key = pc.match_substring_regex(urls, rf"[?&](?:{_KEYS})=", ignore_case=True)
    plain = pc.and_(pc.is_valid(parts), pc.invert(pc.fill_null(secret_key, False)))
    plain = pc.fill_null(plain, False)
    empty = pa.scalar("", text_type)
    scheme = pc.struct_field(parts, "scheme")
    userinfo = pc.struct_field(parts, "userinfo")
    pair = pc.split_pattern(
        pc.binary_join_element_wise(userinfo, pa.scalar(":", text_type), empty), ":", max_splits=1
    )
    user = pc.list_element(pair, 0)
    password = pc.utf8_slice_codeunits(pc.list_element(pair, 1), 0, -1)
    joined = pc.binary_join_element_wise(scheme, pc.struct_field(parts, "rest"), empty)
    bare = pc.if_else(plain, joined, urls).cast(text_type)
    user = pc.if_else(pc.and_(plain, pc.not_equal(user, "")), user, null).cast(text_type)
    password = pc.if_else(pc.and_(plain, pc.not_equal(password, "")), password, null)
    password = password.cast(text_type)
    others = pc.and_(hint, pc.invert(plain))
    if pc.any(others).as_py():
        bare, user, password = _split_rows(urls, others, bare, user, password)
    return bare, user, password


def _split_rows(urls: Any, rows: Any, bare: Any, user: Any, password: Any) -> tuple[Any, Any, Any]:
    """Overwrite ``rows`` of (bare, user, password) by :func:`split_credentials` of those URLs."""
    import pyarrow as pa

    text_type = pa.large_string()
    columns = [bare.to_pylist(), user.to_pylist(), password.to_pylist()]
    texts = urls.to_pylist()
    for i, take in enumerate(rows.to_pylist()):
        if take:
            for column, value in zip(columns, split_credentials(texts[i]), strict=True):
                column[i] = value
    return tuple(pa.chunked_array([pa.array(c, text_type)]) for c in columns)
