"""GB/T 28181 catalog responses (``CmdType`` Catalog): the XML body alone or whole SIP MESSAGE texts.

A file may hold many messages one after another (a platform answers a catalog query in several
MESSAGEs of a few items each, all with the same ``SN`` and a ``SumNum`` that gives the total), with or
without their SIP start lines and headers. Each XML document is found by its MANSCDP root element
(``Response``, ``Notify``, ``Query``), decoded as its own XML declaration says (GB2312/GBK are read
as GB18030, their superset; without a declaration UTF-8, then GB18030) and parsed by defusedxml
with DTDs, entities and external references forbidden. A document that declares a DTD or an entity
is refused outright (:class:`sharpeyes.RefusedInput`) before any parsing, so an entity-expansion
("billion laughs") or external-entity catalog costs neither memory nor network.

Every ``Item`` is one source row (``row`` in rejects = the item's 1-based ordinal in the file,
``sheet`` = ``message N (SN …)``). Items whose ID type code is not a camera's (NVR 118, platform 200,
business group 215, virtual organisation 216 …) are not cameras: they are listed in the rejects
with reason ``not a camera: type 118 NVR (…)``, never dropped unseen. All ``Item`` and ``Info`` fields
of GB/T 28181-2016 and -2022 are read; those without a canonical column stay in ``extra``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final, Unpack

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from sharpeyes._errors import InputError, RefusedInput
from sharpeyes.ingest.normalize import (
    SourceInfo,
    concat_results,
    normalize_cameras,
    rejects_rows,
)
from sharpeyes.ingest.options import (
    ReadOptions,
    ReadOptionsFields,
    loaded_mapping,
    options_for,
    read_options,
)
from sharpeyes.model.codes import CAMERA_DEVICE_TYPES, DEVICE_TYPES

_ROOT = re.compile(rb"<(Response|Notify|Query)\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
_OPEN = re.compile(rb"<(Response|Notify|Query)\b", re.IGNORECASE)
_DECL = re.compile(rb"<\?xml[^>]*\?>", re.IGNORECASE)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.IGNORECASE)
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_ITEM_OPEN = re.compile(rb"<Item\b", re.IGNORECASE)

#: Catalog fields whose tag is not in the built-in header table.
CATALOG_COLUMNS: Final = {
    "Password": "stream_password",
    "BusinessGroupID": "extra",
    "Block": "extra",
}

_GB_ALIASES: Final = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}


def _tag(element: Any) -> str:
    tag = str(element.tag)
    return tag.rsplit("}", 1)[-1]


def _text(element: Any) -> str | None:
    text = element.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def _refuse_hostile(data: bytes, file: str) -> None:
    m = _HOSTILE.search(data)
    if m:
        line = data[: m.start()].count(b"\n") + 1
        raise RefusedInput(
            f"the catalog declares a DTD or entities ({m.group(0).decode('ascii', 'replace')}…); "
            "entity expansion and external entities are refused",
            file=file,
            row=line,
        )


def _decode_message(body: bytes, declaration: bytes | None, *, file: str, number: int) -> str:
    encoding = "utf-8"
    declared = False
    if declaration:
        m = _ENCODING.search(declaration)
        if m:
            encoding = m.group(1).decode("ascii").lower()
            declared = True
    encoding = _GB_ALIASES.get(encoding, encoding)
    try:
        return body.decode(encoding)
    except LookupError:
        raise InputError(
            f"message {number}: unknown XML encoding {encoding!r}", file=file
        ) from None
    except UnicodeDecodeError:
        if not declared or encoding.startswith("utf"):
            try:
                return body.decode("gb18030")
            except UnicodeDecodeError:
                pass
        raise InputError(
            f"message {number}: the body cannot be decoded as {encoding}", file=file
        ) from None


def _flatten(item: Any) -> dict[str, str | None]:
    """An ``Item``'s fields: its children and its ``Info`` children, by tag (first one wins)."""
    fields: dict[str, str | None] = {}
    for child in item:
        tag = _tag(child)
        if tag.lower() == "info" and len(child):
            for sub in child:
                sub_tag = _tag(sub)
                if len(sub):  # a list such as StreamNumberList: keep its text joined
                    value = "/".join(t for t in (_text(s) for s in sub) if t)
                    fields.setdefault(sub_tag, value or None)
                else:
                    fields.setdefault(sub_tag, _text(sub))
            continue
        if len(child):
            value = "/".join(t for t in (_text(s) for s in child) if t)
            fields.setdefault(tag, value or None)
        else:
            fields.setdefault(tag, _text(child))
    return fields


def parse_catalog(
    data: bytes, *, file: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[dict[str, object]]]:
    """Items of every Catalog message in ``data``.

    Returns (raw items by tag, 1-based item ordinals, message label per item, file-level notes
    for rejects: truncated messages, SumNum shortfalls). Raises :class:`sharpeyes.RefusedInput` for
    DTDs/entities and :class:`sharpeyes.InputError` for text that holds no catalog or bad XML.
    """
    if not data.strip():
        raise InputError("the file is empty", file=file)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16 text", file=file) from None
        data = _DECL.sub(b'<?xml version="1.0" encoding="UTF-8"?>', data)
    _refuse_hostile(data, file)
    records: list[dict[str, str | None]] = []
    labels: list[str] = []
    notes: list[dict[str, object]] = []
    totals: dict[tuple[str, str], list[int]] = {}
    number = 0
    position = 0
    last_end = 0
    saw_message = False
    for match in _ROOT.finditer(data):
        number += 1
        saw_message = True
        start = match.start()
        between = data[last_end:start]
        declarations = list(_DECL.finditer(between))
        declaration = declarations[-1].group(0) if declarations else None
        last_end = match.end()
        text = _decode_message(match.group(0), declaration, file=file, number=number)
        try:
            root = SafeET.fromstring(
                text, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
        except DefusedXmlException as exc:
            raise RefusedInput(f"message {number}: {exc}", file=file) from None
        except SafeET.ParseError as exc:
            line = data[:start].count(b"\n") + (exc.position[0] if exc.position else 1)
            raise InputError(
                f"message {number}: malformed XML: {exc}", file=file, row=line
            ) from None
        fields = {_tag(c).lower(): c for c in root}
        cmd = _text(fields["cmdtype"]) if "cmdtype" in fields else None
        if (cmd or "").lower() != "catalog":
            continue
        sn = _text(fields["sn"]) if "sn" in fields else None
        platform = _text(fields["deviceid"]) if "deviceid" in fields else None
        sum_num = _text(fields["sumnum"]) if "sumnum" in fields else None
        label = f"message {number} (SN {sn})" if sn else f"message {number}"
        device_list = fields.get("devicelist")
        items = (
            [c for c in device_list if _tag(c).lower() == "item"] if device_list is not None else []
        )
        for item in items:
            position += 1
            records.append(_flatten(item))
            labels.append(label)
        key = (platform or "", sn or "")
        entry = totals.setdefault(key, [0, 0])
        entry[0] += len(items)
        if sum_num and sum_num.isascii() and sum_num.isdigit():
            entry[1] = max(entry[1], int(sum_num))
    # a message that opens but never closes: its items cannot be read, say so item by item
    tail = data[last_end:]
    opened = _OPEN.search(tail)
    if opened:
        fragment = tail[opened.start() :]
        count = len(_ITEM_OPEN.findall(fragment))
        label = f"message {number + 1} (truncated)"
        for _ in range(max(count, 1) if count else 0):
            position += 1
            notes.append(
                {
                    "file": file,
                    "sheet": label,
                    "row": position,
                    "reason": "message truncated (no closing tag): item not read",
                }
            )
        if count == 0:
            notes.append(
                {
                    "file": file,
                    "sheet": label,
                    "row": None,
                    "reason": "message truncated (no closing tag)",
                }
            )
        saw_message = True
    if not saw_message:
        raise InputError(
            "no GB/T 28181 MANSCDP message (Response/Notify with CmdType Catalog) found", file=file
        )
    for (platform, sn), (got, expected) in totals.items():
        if expected and got != expected:
            notes.append(
                {
                    "file": file,
                    "sheet": f"SN {sn}" if sn else None,
                    "row": None,
                    "column": "SumNum",
                    "value": str(expected),
                    "reason": f"catalog of {platform or 'the platform'} incomplete: SumNum says "
                    f"{expected} items, the file holds {got}",
                }
            )
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame = frame.astype("string") if len(frame.columns) else frame
    return (
        frame,
        np.arange(1, len(records) + 1, dtype=np.int64),
        np.asarray(labels, dtype=object),
        notes,
    )


def cameras_from_catalog(
    path: str | Path,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOptionsFields],
) -> tuple[Any, pd.DataFrame]:
    """Cameras from a GB/T 28181 catalog file (XML bodies or SIP MESSAGE texts, one or many).

    Parameters are those of :func:`sharpeyes.ingest.read_cameras`; ``crs`` is the system of
    ``Longitude``/``Latitude`` (WGS-84 by the standard; some platforms store GCJ-02). Returns
    (cameras, rejects): non-camera items (recorders, platforms, groups, virtual organisations) are
    in the rejects with the reason ``not a camera: type N …``; ``parent_id`` keeps ``ParentID``.
    Cameras are ``networked`` unless a mapped column says otherwise: the platform lists them.
    """
    read = read_options(options, overrides)
    p = Path(path)
    file = p.name
    if not p.exists():
        raise InputError("no such file", file=str(p))
    user = loaded_mapping(read)
    cmap = user.under(CATALOG_COLUMNS)
    resolved = options_for(read, cmap)
    frame, rows, labels, notes = parse_catalog(p.read_bytes(), file=file)
    refused: list[dict[str, object]] = list(notes)
    if len(frame):
        ids = _id_column(frame)
        keep = np.ones(len(frame), dtype=bool)
        if ids is not None:
            values = frame[ids].astype("string").str.strip()
            valid = values.str.fullmatch(r"[0-9]{20}").fillna(False).to_numpy(dtype=bool)
            types = pd.to_numeric(values.str[10:13], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
            not_camera = valid & ~np.isin(types, [float(t) for t in CAMERA_DEVICE_TYPES])
            for i in np.flatnonzero(not_camera):
                code = int(types[i])
                entry = DEVICE_TYPES.get(code)
                what = f"{entry.zh} ({entry.en})" if entry else "(unknown device type)"
                refused.append(
                    {
                        "file": file,
                        "sheet": labels[i],
                        "row": int(rows[i]),
                        "column": ids,
                        "value": str(values.iloc[i]),
                        "reason": f"not a camera: type {code} {what}",
                    }
                )
            keep = ~not_camera
        civil = _column(frame, "civilcode")
        if civil is not None:
            short = ~frame[civil].astype("string").str.strip().str.fullmatch(r"[0-9]{6,}").fillna(
                False
            )
            frame["CivilCode(raw)"] = frame[civil].where(short)
            frame[civil] = frame[civil].mask(short)
        where = SourceInfo(file=file, rows=rows[keep], sheet=labels[keep])
        cameras, rejects = normalize_cameras(frame[keep].reset_index(drop=True), where, resolved)
        # A camera listed in the platform's catalog is networked to the platform by definition.
        cameras["networked"] = cameras["networked"].fillna(True)
    else:
        from sharpeyes.model.columns import empty_cameras, empty_rejects

        cameras, rejects = empty_cameras(), empty_rejects()
    if not len(frame) and not notes:
        raise InputError("the catalog lists no items", file=file)
    return concat_results(
        [(cameras, rejects), (cameras.iloc[0:0], rejects_rows(refused))], sort_rows=True
    )


def _column(frame: pd.DataFrame, lower: str) -> str | None:
    return next((c for c in frame.columns if str(c).lower() == lower), None)


def _id_column(frame: pd.DataFrame) -> str | None:
    return _column(frame, "deviceid")
