"""Camera records for the API's pages as plain JSON-ready dicts, straight from the driver's rows.

A page of 100 cameras built through the canonical GeoDataFrame (``Store.cameras``) costs tens of
milliseconds in pandas and geopandas; the API only needs each record's values as JSON. The values
here are the same as that path gives (a test compares them): integers, floats (NaN → ``None``),
booleans and text by the column's kind, ``stream_url`` masked, credentials never selected, and
every text holding ``@`` or ``=`` scrubbed of ``scheme://user:pass@``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from sharpeyes.ingest.merge import KINDS, RECORD_FIELDS
from sharpeyes.model.urls import mask_url, scrub
from sharpeyes.store import Store

#: IDs per ``IN (…)`` query.
_CHUNK: Final = 5_000


def _text(value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    return scrub(text) if "@" in text or "=" in text else text


def _float(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return int(number) if math.isfinite(number) else None


def _bool(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number != 0


_CONVERT: Final[dict[str, Callable[[Any], Any]]] = {
    "text": _text,
    "float": _float,
    "int": _int,
    "bool": _bool,
}
_CONVERTERS: Final = tuple(_CONVERT[KINDS.get(c, "text")] for c in RECORD_FIELDS)
_SELECT: Final = f"SELECT {', '.join(RECORD_FIELDS)} FROM cameras WHERE device_id IN ("


def _rows(store: Store, select: str, device_ids: list[str]) -> list[tuple[Any, ...]]:
    """Rows of ``select … WHERE device_id IN (`` for ``device_ids``, in chunks: plain SQL, no
    statement compiled per request (the columns are constants)."""
    mark = "?" if store.db.dialect == "sqlite" else "%s"
    rows: list[tuple[Any, ...]] = []
    with store.db.read() as conn:
        cursor = conn.connection.cursor()
        try:
            for start in range(0, len(device_ids), _CHUNK):
                chunk = device_ids[start : start + _CHUNK]
                cursor.execute(select + ", ".join([mark] * len(chunk)) + ")", chunk)
                rows.extend(cursor.fetchall())
        finally:
            cursor.close()
    return rows


def camera_names(store: Store, device_ids: list[str]) -> dict[str, str]:
    """The name of each of ``device_ids`` that has one (for the points of a map tile)."""
    if not device_ids:
        return {}
    rows = _rows(store, "SELECT device_id, name FROM cameras WHERE device_id IN (", device_ids)
    return {str(d): str(n) for d, n in rows if n is not None}


def camera_records(store: Store, device_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The record of each of ``device_ids`` that exists, by ID: the fields of
    :data:`sharpeyes.ingest.merge.RECORD_FIELDS` (never a credential), ``stream_url`` masked."""
    if not device_ids:
        return {}
    rows = _rows(store, _SELECT, device_ids)
    url = RECORD_FIELDS.index("stream_url")
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = list(row)
        values[url] = mask_url(values[url])
        record = {
            name: convert(value)
            for name, convert, value in zip(RECORD_FIELDS, _CONVERTERS, values, strict=True)
        }
        out[record["device_id"]] = record
    return out
