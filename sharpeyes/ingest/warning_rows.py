"""The warnings of an import, one record per warning: row, device ID, field, value and reason.

The readers keep a row's doubts in its ``warnings`` column ("; "-joined messages, see
:mod:`sharpeyes.ingest.normalize`) and its source row number in ``row``. :func:`warning_records`
splits them into records, :func:`merge_duplicates` reports each duplicate device ID once (every
row that carries it, and which one won), and :func:`by_reason` counts them by reason with the
first rows of each, for people.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pandas as pd

#: Message parts that continue the message before them (the readers' messages hold "; " too).
_CONTINUATIONS: Final = ("coordinates dropped", "kept on ", "not used", "dropped")
#: A message start → the canonical field it is about.
_FIELDS: Final = (
    ("duplicate device ID", "device_id"),
    ("device ID type code", "device_id"),
    ("device ID admin code", "admin_code"),
    ("device ID", "device_id"),
    ("admin_code", "admin_code"),
    ("only one of longitude/latitude", "lon, lat"),
    ("coordinates", "lon, lat"),
    ("longitude and latitude", "lon, lat"),
    ("point (", "lon, lat"),
    ("no coordinates", "lon, lat"),
    ("class I/II point without coordinates", "lon, lat"),
    ("heading_deg", "heading_deg"),
    ("fov_deg", "fov_deg"),
    ("range_m", "range_m"),
    ("point class", "point_class"),
    ("camera type", "camera_type"),
    ("install date", "install_date"),
    ("status", "status"),
    ("resolution", "resolution"),
    ("networked", "networked"),
    ("HD", "is_hd"),
    ("direction", "heading_deg"),
)
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_ALSO_ROW = re.compile(r"\s*\(also rows? [^)]*\)")
_NUMBERS = re.compile(r"\(-?\d[\d.]*, -?\d[\d.]*\)|\b\d{12,}\b")
DUPLICATE: Final = "duplicate device ID in this file"


def split_messages(text: str | None) -> list[str]:
    """The messages of one ``warnings`` cell."""
    if not text:
        return []
    parts: list[str] = []
    for part in str(text).split("; "):
        if parts and part.startswith(_CONTINUATIONS):
            parts[-1] = f"{parts[-1]}; {part}"
        elif part.strip():
            parts.append(part.strip())
    return parts


def _field(message: str) -> str | None:
    for start, field in _FIELDS:
        if message.startswith(start):
            return field
    return None


def _value(message: str, device_id: object) -> str | None:
    quoted = _QUOTED.search(message)
    if quoted:
        return quoted.group(1)
    if message.startswith(("duplicate device ID", "device ID")) and device_id is not None:
        return str(device_id)
    return None


def reason_of(message: str) -> str:
    """The message without its values, so that warnings of one kind group together."""
    text = _ALSO_ROW.sub("", message)
    text = _QUOTED.sub("…", text)
    return _NUMBERS.sub("…", text).strip()


def warning_records(cameras: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per warning of every camera row: ``row`` (in the source; None if unknown),
    ``device_id``, ``field``, ``value`` and ``reason`` (the reader's message)."""
    if "warnings" not in cameras or len(cameras) == 0:
        return []
    warned = cameras["warnings"].notna().to_numpy(dtype=bool)
    if not warned.any():
        return []
    part = cameras.loc[warned]
    rows = part["row"].tolist() if "row" in part else [None] * len(part)
    out: list[dict[str, Any]] = []
    for row, device_id, text in zip(
        rows, part["device_id"].tolist(), part["warnings"].tolist(), strict=True
    ):
        for message in split_messages(text):
            out.append(
                {
                    "row": None if row is None or pd.isna(row) else int(row),
                    "device_id": None if device_id is None or pd.isna(device_id) else device_id,
                    "field": _field(message),
                    "value": _value(message, device_id),
                    "reason": message,
                }
            )
    return merge_duplicates(out)


def merge_duplicates(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Report each duplicate device ID once: every row that carries it, and which one won (the
    store merges such rows into one camera: the last row's values win, earlier rows fill its empty
    fields)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    others: list[dict[str, Any]] = []
    for record in records:
        if record["reason"].startswith(DUPLICATE) and record["device_id"] is not None:
            groups.setdefault(str(record["device_id"]), []).append(record)
        else:
            others.append(record)
    for device_id, group in groups.items():
        rows = sorted({r["row"] for r in group if r["row"] is not None})
        won = rows[-1] if rows else None
        shown = ", ".join(str(r) for r in rows)
        others.append(
            {
                "row": won,
                "rows": rows,
                "device_id": device_id,
                "field": "device_id",
                "value": device_id,
                "reason": f"{DUPLICATE} (rows {shown}): merged into one camera; row {won}'s "
                "values win, earlier rows fill its empty fields",
                "kept_row": won,
            }
        )
    others.sort(key=lambda r: (r["row"] is None, r["row"] or 0))
    return others


def by_reason(records: list[dict[str, Any]], *, first: int = 5) -> list[dict[str, Any]]:
    """Warnings counted by reason, most frequent first, each with its first ``first`` records."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(reason_of(record["reason"]), []).append(record)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        {
            "reason": reason,
            "count": len(group),
            "first": [
                {k: r.get(k) for k in ("row", "rows", "device_id", "field", "value") if k in r}
                for r in group[:first]
            ],
        }
        for reason, group in ranked
    ]
