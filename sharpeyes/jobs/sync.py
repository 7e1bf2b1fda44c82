"""``sharpeyes sync wvp URL``: the wvp-GB28181-pro platform's channels into the inventory.

One sync reads every device and channel (database or REST), turns the channels into canonical cameras
(:func:`sharpeyes.ingest.wvp.cameras_from_channels`), and keeps, in ONE transaction
(:func:`sharpeyes.store.platform.record_sync`): the merge of the channels changed since the last sync
(``updateTime`` newer than the last sync's newest; all of them the first time), ``remove`` changes for
the channels the platform no longer lists, and every channel's online status at this sync. Reading
comes first and completely: an unreachable platform, a wrong password, a timed-out or non-JSON page
fails before anything is written.

The password is taken from the URL, else ``$SHARPEYES_WVP_PASSWORD``, else ``password_file``; it is
never logged nor returned (URLs are masked).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url

from sharpeyes._errors import ConfigError, InputError
from sharpeyes.ingest.wvp import (
    WvpClient,
    cameras_from_channels,
    read_platform_db,
    read_platform_rest,
    split_url,
)
from sharpeyes.ingest.wvp.channels import platform_status
from sharpeyes.model.urls import mask_url
from sharpeyes.store.platform import last_sync, record_sync, status_changes, sync_status

log = logging.getLogger(__name__)

#: Where the wvp password comes from when the URL has none.
PASSWORD_ENV = "SHARPEYES_WVP_PASSWORD"
_LISTED = 100


def read_password(url_password: str | None, password_file: str | Path | None) -> str | None:
    """The platform password: the URL's, else ``$SHARPEYES_WVP_PASSWORD``, else the file's first line."""
    if url_password:
        return url_password
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if password_file is not None:
        path = Path(password_file)
        try:
            return path.read_text(encoding="utf-8").splitlines()[0].strip() or None
        except (OSError, IndexError):
            raise InputError("cannot read the password file", file=str(path)) from None
    return None


def is_rest(url: str) -> bool:
    """Is ``url`` the platform's REST API (http/https) rather than its database?"""
    return url.strip().lower().startswith(("http://", "https://"))


def client_for(
    url: str,
    *,
    password_file: str | Path | None = None,
    timeout_s: float = 15.0,
    retries: int = 2,
    page_size: int = 500,
) -> WvpClient:
    """A :class:`WvpClient` for ``http(s)://user[:password]@host:port`` (not yet logged in)."""
    base, user, password = split_url(url)
    password = read_password(password, password_file)
    if not user or password is None:
        raise ConfigError(
            f"wvp {base}: give the account as http://USER@host:port and its password in "
            f"${PASSWORD_ENV} or --password-file (or in the URL)"
        )
    return WvpClient(
        base,
        user=user,
        password=password,
        timeout_s=timeout_s,
        retries=retries,
        page_size=page_size,
    )


def _read(
    url: str, *, password_file: str | Path | None, timeout_s: float, retries: int, page_size: int
) -> tuple[str, list[dict[str, Any]], list[Any]]:
    if is_rest(url):
        with client_for(
            url,
            password_file=password_file,
            timeout_s=timeout_s,
            retries=retries,
            page_size=page_size,
        ) as client:
            devices, pages = read_platform_rest(client)
            return client.name, devices, pages
    try:
        parsed = make_url(url)
    except Exception:
        raise InputError("not a database or http(s) URL", value=mask_url(url)) from None
    password = read_password(parsed.password if parsed.password else None, password_file)
    full = parsed.set(password=password) if password else parsed
    name = "wvp " + parsed.set(password=None).render_as_string(hide_password=False)
    devices, pages = read_platform_db(full.render_as_string(hide_password=False))
    return name, devices, pages


def _online_devices(devices: list[dict[str, Any]]) -> int:
    keys = ("onLine", "on_line", "online", "onlineStatus", "status")
    count = 0
    for d in devices:
        value = next((d[k] for k in keys if k in d and d[k] is not None), None)
        count += platform_status(value) == "online"
    return count


def sync_wvp(
    store: Any,
    url: str,
    *,
    crs: str = "wgs84",
    source: str | None = None,
    password_file: str | Path | None = None,
    timeout_s: float = 15.0,
    retries: int = 2,
    page_size: int = 500,
    full: bool = False,
) -> dict[str, Any]:
    """Sync the platform at ``url`` into ``store``; returns the sync's document.

    Parameters
    ----------
    url
        ``mysql+pymysql://user@host/wvp``, ``postgresql+psycopg://…`` (its database) or
        ``http(s)://user@host:18080`` (its REST API).
    crs
        The platform's coordinate system of ``longitude``/``latitude`` (wgs84, cgcs2000, gcj02,
        bd09); stored as WGS-84.
    source
        Source name of the cameras (default ``wvp <url without password>``).
    timeout_s, retries, page_size
        REST: seconds per request, retries of a failed request, channels per page.
    full
        Merge every channel, not only those with a newer ``updateTime``.

    Returns
    -------
    dict
        ``platform``, ``source``, ``sync_id``, ``import_id``, ``devices``, ``devices_online``,
        ``channels``, ``online``, ``offline``, ``online_rate``, ``added``/``changed``/``removed``
        (counts) with ``added_ids``/``changed_ids``/``removed_ids`` (first 100),
        ``status_changed`` (``[{device_id, before, after}]``), ``merged`` (channels sent through the
        merge), ``refused`` and ``rejects`` (first 100), ``seconds``.
    """
    started = time.perf_counter()
    platform, devices, pages = _read(
        url, password_file=password_file, timeout_s=timeout_s, retries=retries, page_size=page_size
    )
    src = source or platform
    previous = last_sync(store, platform)
    before = sync_status(store, int(previous["sync_id"])) if previous else None
    known = set(before["device_id"]) if before is not None else set()
    since = None if full or previous is None else previous["max_update_time"]
    to_merge, rejects, status = cameras_from_channels(
        pages, platform=platform, crs=crs, source=src, changed_since=since, known=known
    )
    if before is None:
        before = status.iloc[0:0]
    read_s = time.perf_counter() - started
    added, removed, newest = _membership(before, status, known)
    summary = {
        "devices": len(devices),
        "channels": len(status),
        "online": int((status["status"] == "online").sum()),
    }
    sync_id, result = record_sync(
        store,
        to_merge,
        rejects,
        status,
        platform=platform,
        source=src,
        max_update_time=newest if newest else (previous or {}).get("max_update_time"),
        summary=summary,
        removed=removed,
    )
    changes = store.changes(import_id=result.import_id)
    changed = sorted(set(changes.loc[changes["action"] == "update", "device_id"]))
    flips = status_changes(before, status) if previous else pd.DataFrame(columns=["device_id"])
    log.info(
        "%s: %d channels, %d merged, %d removed", platform, len(status), len(to_merge), len(removed)
    )
    doc = _sync_document(status, rejects, added=added, changed=changed, removed=removed)
    return {
        "platform": platform,
        "source": src,
        "crs": crs,
        "sync_id": sync_id,
        "import_id": result.import_id,
        "devices": len(devices),
        "devices_online": _online_devices(devices),
        **doc,
        "status_changed": flips.to_dict("records"),
        "merged": len(to_merge),
        "read_seconds": round(read_s, 3),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _membership(
    before: pd.DataFrame, status: pd.DataFrame, known: set[str]
) -> tuple[list[str], list[str], str | None]:
    """(channels added since the last sync, channels removed, the newest ``updateTime`` seen)."""
    current = list(dict.fromkeys(status["device_id"]))
    listed = set(current)
    removed = [d for d in before["device_id"].drop_duplicates() if d not in listed]
    added = [d for d in current if d not in known]
    times = status["update_time"].dropna()
    return added, removed, (str(times.max()) if len(times) else None)


def _sync_document(
    status: pd.DataFrame,
    rejects: pd.DataFrame,
    *,
    added: list[str],
    changed: list[str],
    removed: list[str],
) -> dict[str, Any]:
    """The sync's counts: channels online/offline, added/changed/removed (with the first IDs) and
    the refused channels (the first rows, for the report)."""
    online = int((status["status"] == "online").sum())
    offline = int((status["status"] == "offline").sum())
    head = rejects.head(_LISTED)
    return {
        "channels": len(status),
        "online": online,
        "offline": offline,
        "online_rate": round(online / (online + offline), 4) if online + offline else None,
        "added": len(added),
        "changed": len(changed),
        "removed": len(removed),
        "added_ids": added[:_LISTED],
        "changed_ids": changed[:_LISTED],
        "removed_ids": removed[:_LISTED],
        "refused": len(rejects[["sheet", "row"]].drop_duplicates()),
        "rejects": head.astype(object).where(head.notna(), None).to_dict("records"),
    }


def summary_text(doc: dict[str, Any]) -> str:
    """The sync for people: channels, online rate, added/changed/removed, status changes."""
    lines = [
        f"{doc['platform']}: {doc['devices']:,} devices ({doc['devices_online']:,} online), "
        f"{doc['channels']:,} channels, {doc['online']:,} online / {doc['offline']:,} offline "
        f"(online rate {doc['online_rate']})",
        f"added {doc['added']:,}, changed {doc['changed']:,}, removed {doc['removed']:,}; "
        f"status changed {len(doc['status_changed']):,}; refused {doc['refused']:,} "
        f"(sync {doc['sync_id']}, import {doc['import_id']}, {doc['seconds']} s)",
    ]
    for r in doc["rejects"][:10]:
        lines.append(
            f"  refused: {r['file']}, {r['sheet']}, row {r['row']}: {r['reason']} ({r['value']})"
        )
    return "\n".join(lines)
