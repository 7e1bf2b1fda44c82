"""wvp-GB28181-pro's REST API: login, paged devices and channels, play/stop, snapshot.

Routes and answers as wvp documents them (its ``vmanager`` controllers):

- ``GET /api/user/login?username=&password=<md5 of the password>`` → ``LoginUser`` with
  ``accessToken``; every later request sends it in the ``access-token`` header;
- ``GET /api/device/query/devices?page=&count=`` and
  ``GET /api/device/query/devices/{deviceId}/channels?page=&count=`` → a PageInfo
  (``total``, ``list``, ``pageNum``, ``pages``);
- ``GET /api/play/start/{deviceId}/{channelId}`` → a StreamContent (``rtsp``, ``flv``, ``hls`` … the
  ZLMediaKit URLs), ``GET /api/play/stop/{deviceId}/{channelId}``;
- ``GET /api/device/query/snap/{deviceId}/{channelId}`` → a JPEG.

Since 2.6 a global advice wraps every answer in ``{"code": 0, "msg": "成功", "data": …}``; a
``code`` other than 0 (100 failed, 401 log in again, 404, 486 timeout, 500) is an error, told with
its ``msg``. Older versions answer the bare PageInfo; both are read.

Every request has a timeout (``timeout_s``) and is retried (``retries``, with a growing pause) on a
timeout, a refused connection or a 5xx; an expired token (401) logs in once more. The password is
sent only as wvp's MD5 and never appears in a message: URLs are shown with it masked.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from sharpeyes._errors import InputError, SharpeyesError
from sharpeyes.ingest.wvp.channels import ChannelPage
from sharpeyes.model.urls import mask_url

log = logging.getLogger(__name__)


class PlatformError(SharpeyesError):
    """The platform could not be reached or refused a request; names the platform and the request."""


def split_url(url: str) -> tuple[str, str | None, str | None]:
    """``http://user:pw@host:18080/`` → (``http://host:18080``, user, password)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            "a wvp REST URL is http(s)://[user[:password]@]host:port", value=mask_url(url)
        )
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return base, user, password


class WvpClient:
    """A logged-in session with one wvp platform (use as a context manager)."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str,
        password: str,
        timeout_s: float = 15.0,
        retries: int = 2,
        page_size: int = 500,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user = user
        self._password_md5 = hashlib.md5(password.encode("utf-8")).hexdigest()
        self.retries = retries
        self.page_size = page_size
        self._token: str | None = None
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout_s, transport=transport, follow_redirects=False
        )

    @property
    def name(self) -> str:
        """The platform in messages: ``wvp http://host:18080`` (never the password)."""
        return f"wvp {self.base_url}"

    def __enter__(self) -> WvpClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- requests ----------------------------------------------------------------------------------
    def login(self) -> None:
        """Log in (``/api/user/login``) and keep the access token."""
        body = self._send(
            "/api/user/login", {"username": self.user, "password": self._password_md5}, auth=False
        )
        data = self._unwrap(body, "/api/user/login")
        token = data.get("accessToken") if isinstance(data, dict) else None
        if not token:
            raise PlatformError(f"{self.name}: login as {self.user!r} gave no access token")
        self._token = str(token)

    def _send(self, path: str, params: dict[str, Any] | None = None, *, auth: bool = True) -> Any:
        """GET ``path`` with retries; the decoded JSON body (or bytes for a non-JSON ``raw``)."""
        response = self._get(path, params, auth=auth)
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "?")
            raise PlatformError(
                f"{self.name}: {self._shown(path, params)}: the answer is not JSON ({kind}: "
                f"{response.text[:80]!r})"
            ) from None

    def _get(self, path: str, params: dict[str, Any] | None, *, auth: bool) -> httpx.Response:
        if auth and self._token is None:
            self.login()
        relogged = False
        attempt = 0
        while True:
            headers = {"access-token": self._token} if auth and self._token else {}
            try:
                response = self._http.get(path, params=params, headers=headers)
            except httpx.TimeoutException:
                problem = f"no answer within {self._http.timeout.read:g} s"
            except httpx.TransportError as exc:
                problem = f"cannot connect ({type(exc).__name__}: {mask_url(str(exc))})"
            else:
                if response.status_code == 401 or _code(response) == 401:
                    if auth and not relogged:
                        relogged = True
                        self.login()
                        continue
                    raise PlatformError(
                        f"{self.name}: {self._shown(path, params)}: not logged in (401)"
                    )
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise PlatformError(
                            f"{self.name}: {self._shown(path, params)}: HTTP {response.status_code}"
                        )
                    return response
                problem = f"HTTP {response.status_code}"
            if attempt >= self.retries:
                raise PlatformError(
                    f"{self.name}: {self._shown(path, params)}: {problem} "
                    f"(after {attempt + 1} attempts)"
                )
            attempt += 1
            log.info("%s: %s: %s; retry %d", self.name, path, problem, attempt)
            time.sleep(min(0.5 * 2**attempt, 5.0))

    def _shown(self, path: str, params: dict[str, Any] | None) -> str:
        shown = {k: v for k, v in (params or {}).items() if k != "password"}
        query = "&".join(f"{k}={quote(str(v))}" for k, v in shown.items())
        return f"GET {path}" + (f"?{query}" if query else "")

    def _unwrap(self, body: Any, what: str) -> Any:
        """``data`` of a ``{"code", "msg", "data"}`` answer (error unless code 0/200); a bare body as is."""
        if isinstance(body, dict) and "code" in body and ("data" in body or "msg" in body):
            code = body.get("code")
            if code not in (0, 200):
                raise PlatformError(f"{self.name}: {what}: error {code}: {body.get('msg')}")
            return body.get("data")
        if body == "fail":
            raise PlatformError(f"{self.name}: {what}: refused (fail)")
        return body

    def _page(self, path: str, page: int, label: str) -> tuple[list[dict[str, Any]], int]:
        params = {"page": page, "count": self.page_size}
        data = self._unwrap(self._send(path, params), f"{self._shown(path, params)} ({label})")
        if not isinstance(data, dict) or not isinstance(data.get("list"), list):
            raise PlatformError(
                f"{self.name}: {self._shown(path, params)} ({label}): not a page (no 'list')"
            )
        return [r for r in data["list"] if isinstance(r, dict)], int(data.get("total") or 0)

    def _all_pages(self, path: str, what: str) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        page = 1
        seen = 0
        while True:
            records, total = self._page(path, page, f"{what} page {page}")
            yield page, records
            seen += len(records)
            if not records or seen >= total:
                return
            page += 1

    def devices(self) -> list[dict[str, Any]]:
        """Every device (``/api/device/query/devices``), page by page."""
        out: list[dict[str, Any]] = []
        for _, records in self._all_pages("/api/device/query/devices", "devices"):
            out.extend(records)
        return out

    def channel_pages(self, device_id: str) -> Iterator[ChannelPage]:
        """The channels of one device, page by page."""
        path = f"/api/device/query/devices/{quote(device_id, safe='')}/channels"
        for page, records in self._all_pages(path, f"device {device_id} channels"):
            yield ChannelPage(records, f"device {device_id} page {page}", device_id=device_id)

    def play(self, device_id: str, channel_id: str) -> dict[str, Any]:
        """Ask the platform to start the live stream; the StreamContent (``rtsp`` …)."""
        path = f"/api/play/start/{quote(device_id, safe='')}/{quote(channel_id, safe='')}"
        data = self._unwrap(self._send(path), f"GET {path}")
        if not isinstance(data, dict):
            raise PlatformError(f"{self.name}: GET {path}: no stream in the answer")
        return data

    def stop(self, device_id: str, channel_id: str) -> None:
        """Stop the live stream (``/api/play/stop``)."""
        path = f"/api/play/stop/{quote(device_id, safe='')}/{quote(channel_id, safe='')}"
        self._unwrap(self._send(path), f"GET {path}")

    def snapshot(self, device_id: str, channel_id: str) -> bytes:
        """The platform's snapshot of the channel (JPEG bytes)."""
        path = f"/api/device/query/snap/{quote(device_id, safe='')}/{quote(channel_id, safe='')}"
        response = self._get(path, None, auth=True)
        if not response.content.startswith(b"\xff\xd8"):
            raise PlatformError(f"{self.name}: GET {path}: the answer is not a JPEG")
        return response.content


def _code(response: httpx.Response) -> int | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def read_platform_rest(client: WvpClient) -> tuple[list[dict[str, Any]], list[ChannelPage]]:
    """Devices and every device's channel pages, through ``client``."""
    devices = client.devices()
    pages: list[ChannelPage] = []
    for device in devices:
        device_id = device.get("deviceId") or device.get("device_id")
        if device_id:
            pages.extend(client.channel_pages(str(device_id)))
    return devices, pages
