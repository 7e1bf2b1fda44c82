"""wvp-GB28181-pro channels (database rows or REST records) → canonical cameras + platform status.

wvp has written its channels three ways over its versions; the field names are compared after
folding case and underscores (``civil_code`` = ``civilCode`` = ``CIVILCODE``):

- up to 2.6.8: table ``device_channel``, camelCase columns (``channelId``, ``deviceId``, ``civilCode``,
  ``parentId``, ``PTZType``, ``status`` 1/0, ``updateTime``), the same keys in REST records;
- 2.6.9–2.7.1: table ``wvp_device_channel``, snake_case (``channel_id``, ``device_id``, ``ptz_type``,
  ``status`` true/false, ``update_time``);
- 2.7.2 on: ``wvp_device_channel.device_id`` is the *channel's* GB/T 28181 ID and ``data_device_id``
  the parent device's row; REST records carry ``deviceId`` (the channel) and ``parentDeviceId``,
  ``manufacturer``, ``ptzType``, ``status`` ``ON``/``OFF``.

Canonical columns: ``channelId`` → ``device_id``, ``name``, ``civilCode`` → ``admin_code``,
``address``, ``parentId`` → ``parent_id``, ``PTZType`` → ``camera_type``, ``longitude``/``latitude``
in the platform's coordinate system (``crs``: wgs84, cgcs2000, gcj02, bd09; stored as WGS-84). The
parent device's ID is kept in ``extra`` as ``wvp_device_id`` (the play API needs it), ``manufacture``,
``model`` and every other field of the platform also stay in ``extra``; ``status`` goes to the
platform status history, not into the camera record. Fields a platform version lacks are simply
absent. A channel whose ID is not 20 digits is refused (rejects name the platform, the page and the
row); catalog nodes (business groups 215, virtual organisations 216, civil-code nodes) and devices
that are not cameras are refused as "not a camera", as the catalog reader does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.ingest.mapping import ColumnMapping
from sharpeyes.ingest.normalize import (
    SourceInfo,
    concat_results,
    normalize_cameras,
    rejects_rows,
    resolve_options,
)
from sharpeyes.model.codes import CAMERA_DEVICE_TYPES, DEVICE_TYPES, HD_MIN_LINES

#: Folded platform field → the header normalisation reads it under (``extra`` keeps the rest).
CHANNEL_FIELDS: Final = {
    "channelid": "device_id",
    "name": "name",
    "civilcode": "admin_code",
    "address": "address",
    "parentid": "parent_id",
    "ptztype": "ptz_type",
    "longitude": "lon",
    "latitude": "lat",
    "owner": "owner_unit",
}
#: Fields never copied anywhere: credentials of the channel and wvp's own bookkeeping.
DROPPED_FIELDS: Final = frozenset(
    {"password", "gbpassword", "id", "dbkey", "updatetime", "createtime", "streamid", "status"}
)

_ONLINE: Final = frozenset({"1", "true", "on", "online", "在线", "t"})
_OFFLINE: Final = frozenset({"0", "false", "off", "offline", "离线", "f"})


def fold(name: object) -> str:
    """The comparable form of a wvp field name: lower case, no underscores."""
    return str(name).replace("_", "").lower()


@dataclass(frozen=True)
class ChannelPage:
    """One page of raw channel records as the platform gave them, and where they came from."""

    records: list[dict[str, Any]]
    label: str  # "page 3" (REST: "device 3402…/page 2"), for rejects and errors
    device_id: str | None = None  # the parent device when the page is one device's channels


def platform_status(value: object) -> str | None:
    """``online``/``offline`` from wvp's status in any version (1/0, true/false, ON/OFF)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip().lower()
    if text in _ONLINE:
        return "online"
    if text in _OFFLINE:
        return "offline"
    return None


def _channel_table(pages: Sequence[ChannelPage]) -> pd.DataFrame:
    """One frame of every record, keys folded; ``_page``/``_row`` say where each came from."""
    rows: list[dict[str, Any]] = []
    for page in pages:
        for i, record in enumerate(page.records, start=1):
            folded = {fold(k): v for k, v in record.items()}
            if "channelid" not in folded:  # 2.7.2+: deviceId is the channel, the device apart
                folded["channelid"] = folded.pop("deviceid", None)
                parent = folded.pop("parentdeviceid", None) or page.device_id
                folded["deviceid"] = parent
            elif folded.get("deviceid") is None:
                folded["deviceid"] = page.device_id
            for key in ("gbname", "gbcivilcode", "gbaddress", "gbparentid", "gbptztype"):
                if folded.get(key) is not None:  # 2.7.2+: the gb_* override wins
                    folded[key[2:]] = folded[key]
            if "manufacturer" in folded and "manufacture" not in folded:
                folded["manufacture"] = folded.pop("manufacturer")
            folded["_page"] = page.label
            folded["_row"] = i
            rows.append(folded)
    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()


def _raw_frame(table: pd.DataFrame, originals: Mapping[str, str]) -> pd.DataFrame:
    """Columns renamed to the headers normalisation reads; other fields under their wvp names."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.startswith("_") or column in DROPPED_FIELDS or column.startswith("gb"):
            continue
        values = table[column]
        target = CHANNEL_FIELDS.get(column)
        if column == "deviceid":
            target = "wvp_device_id"
        name = target or originals.get(column, column)
        out[name] = values.map(_text, na_action="ignore").astype("string")
    return pd.DataFrame(out)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bytes):
        value = int.from_bytes(value, "big") if len(value) <= 8 else value.hex()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    text = str(value).strip()
    return text or None


def cameras_from_channels(
    pages: Sequence[ChannelPage],
    *,
    platform: str,
    crs: str = "wgs84",
    source: str | None = None,
    changed_since: str | None = None,
    known: Collection[str] = (),
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Canonical cameras, rejects and the platform status of every channel.

    Parameters
    ----------
    pages
        The channel records page by page (database pages or REST pages).
    platform
        The platform's name in messages and rejects (its URL with the password masked).
    crs
        Coordinate system of ``longitude``/``latitude`` on this platform (wgs84, cgcs2000, gcj02,
        bd09); the cameras come out in WGS-84 (EPSG:4326).
    source
        Source name of the cameras (default ``platform``).
    changed_since, known
        Incremental: only channels whose ``updateTime`` is later than ``changed_since`` (text as
        the platform writes it, ``2026-11-02 09:00:00``) or whose ID is not in ``known`` become
        cameras (are normalised and merged); the status is still that of every channel.

    Returns
    -------
    (cameras, rejects, status)
        ``status`` has one row per camera channel: ``device_id``, ``wvp_device_id``, ``status``
        (``online``/``offline``/None) and ``update_time`` (the platform's text, or None).
    """
    table = _channel_table(pages)
    options = resolve_options(
        crs=crs,
        mapping=ColumnMapping(),
        source=source or platform,
        hd_min_lines=HD_MIN_LINES,
        one_means_networked=True,
    )
    if table.empty:
        from sharpeyes.model.columns import empty_cameras, empty_rejects

        return empty_cameras(), empty_rejects(), _status_frame(table)
    originals = {fold(k): str(k) for page in pages for r in page.records[:1] for k in r}
    ids = table["channelid"].map(_text, na_action="ignore").astype("string")
    valid = ids.str.fullmatch(r"[0-9]{20}").fillna(False).to_numpy(dtype=bool)
    types = pd.to_numeric(ids.str[10:13], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    camera = valid & np.isin(types, [float(t) for t in CAMERA_DEVICE_TYPES])
    refused = [
        _reject(table, int(i), ids.iloc[i], platform, float(types[i]), bool(valid[i]))
        for i in np.flatnonzero(~camera)
    ]
    kept = table[camera].reset_index(drop=True)
    kept_ids = ids[camera].reset_index(drop=True)
    merge = np.ones(len(kept), dtype=bool)
    if changed_since is not None:
        stamps = (
            kept["updatetime"].map(_text) if "updatetime" in kept else pd.Series([None] * len(kept))
        )
        newer = np.array([s is not None and s > changed_since for s in stamps], dtype=bool)
        merge = newer | ~kept_ids.isin(set(known)).to_numpy(dtype=bool)
    chosen = kept[merge].reset_index(drop=True)
    raw = _raw_frame(chosen, originals).assign(device_id=kept_ids[merge].reset_index(drop=True))
    where = SourceInfo(
        file=platform,
        rows=chosen["_row"].to_numpy(dtype=np.int64),
        sheet=chosen["_page"].to_numpy(dtype=object),
    )
    cameras, rejects = normalize_cameras(raw, where, options)
    cameras["networked"] = cameras["networked"].fillna(True)
    cameras, rejects = concat_results(
        [(cameras, rejects), (cameras.iloc[0:0], rejects_rows(refused))]
    )
    return cameras, rejects, _status_frame(kept.assign(channelid=kept_ids))


def _reject(
    table: pd.DataFrame, i: int, value: Any, platform: str, type_code: float, valid: bool
) -> dict[str, object]:
    if not valid:
        reason = "channelId is not a 20-digit GB/T 28181 ID"
    else:
        entry = DEVICE_TYPES.get(int(type_code))
        what = f"{entry.zh} ({entry.en})" if entry else "(unknown device type)"
        reason = f"not a camera: type {int(type_code)} {what}"
    return {
        "file": platform,
        "sheet": str(table["_page"].iat[i]),
        "row": int(table["_row"].to_numpy()[i]),
        "column": "channelId",
        "value": None if value is None or value is pd.NA else str(value),
        "reason": reason,
    }


def _status_frame(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["device_id", "wvp_device_id", "status", "update_time"]
    if table.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    n = len(table)

    def column(name: str) -> pd.Series:
        if name in table:
            return table[name].map(_text, na_action="ignore").astype(object)
        return pd.Series([None] * n, dtype=object)

    status = table["status"] if "status" in table else pd.Series([None] * n)
    return pd.DataFrame(
        {
            "device_id": column("channelid").to_numpy(dtype=object),
            "wvp_device_id": column("deviceid").to_numpy(dtype=object),
            "status": [platform_status(v) for v in status],
            "update_time": column("updatetime").to_numpy(dtype=object),
        }
    )


def extras_of(cameras: pd.DataFrame) -> list[dict[str, Any]]:
    """The ``extra`` JSON of each camera as a dict (empty where none)."""
    return [json.loads(v) if isinstance(v, str) and v else {} for v in cameras["extra"]]
