"""OpenStreetMap surveillance cameras: Overpass JSON, ``.osm`` XML and ``.osm.pbf`` (pyosmium).

Every element tagged ``man_made=surveillance`` is one source row (``row`` = its 1-based ordinal in
the file); other elements (the plain nodes of ways, benches …) are not camera rows and are not
counted. A node is a camera unless ``surveillance:type`` says it is not one (``guard``, a person):
those are refused with the reason ``not a camera: surveillance:type=guard``. Ways and relations
tagged as surveillance are placed at their Overpass ``center`` when the file has one (and warned),
else refused (OSM files carry no position for them without resolving their nodes).

Tags mapped: ``camera:type`` (fixed → 3 固定枪机, dome → 1 球机, panning → 4 遥控枪机), ALPR
(``surveillance:type=ALPR``) → 5 卡口枪机, ``camera:direction``/``direction`` (degrees or compass
points N, NE, NNE …) → ``heading_deg``, ``name``, ``operator`` → ``management_unit``; ``camera:mount``,
``surveillance``, ``surveillance:zone`` and every other tag stay in ``extra``. The stable key is
``osm:node/<id>`` (``device_id``; ``id_valid`` False: OSM has no GB/T 28181 IDs). No expected-area
check is made: OSM data is worldwide.

``.osm`` XML files that declare a DTD or entities are refused before parsing, like catalogs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Unpack

import numpy as np
import pandas as pd

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

_CAMERA_TYPE: Final = {"fixed": "3", "dome": "1", "panning": "4", "ptz": "4"}
_NOT_CAMERAS: Final = frozenset({"guard", "person", "human", "security_guard"})
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

#: OSM tag → canonical field (besides the built-in header table).
OSM_COLUMNS: Final = {
    "camera:direction": "direction",
    "operator": "management_unit",
    "surveillance:type": "extra",
    "camera:type": "extra",
    "osm:id": "key",
    "camera_type_code": "camera_type",
}


def _elements_json(data: bytes, *, file: str) -> Iterator[dict[str, Any]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"not valid Overpass JSON: {exc}", file=file) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
        raise InputError("not Overpass JSON: no 'elements' list", file=file)
    for element in doc["elements"]:
        if isinstance(element, dict):
            yield element


def _elements_osmium(path: Path, *, file: str) -> Iterator[dict[str, Any]]:
    import osmium

    try:
        processor = osmium.FileProcessor(str(path)).with_filter(osmium.filter.KeyFilter("man_made"))
        for obj in processor:
            kind = {"n": "node", "w": "way", "r": "relation"}.get(obj.type_str(), obj.type_str())
            element: dict[str, Any] = {
                "type": kind,
                "id": int(obj.id),
                "tags": {t.k: t.v for t in obj.tags},
            }
            location = getattr(obj, "location", None)
            if kind == "node" and location is not None and location.valid():
                element["lon"] = location.lon
                element["lat"] = location.lat
            yield element
    except RuntimeError as exc:
        raise InputError(f"cannot read OSM data: {exc}", file=file) from None


def _position(element: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """(lon, lat, from_center) of an element as text."""
    if "lon" in element and "lat" in element:
        return _num(element["lon"]), _num(element["lat"]), False
    center = element.get("center")
    if isinstance(center, dict) and "lon" in center and "lat" in center:
        return _num(center["lon"]), _num(center["lat"]), True
    return None, None, False


def _num(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)


def cameras_from_osm(
    path: str | Path,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOptionsFields],
) -> tuple[Any, pd.DataFrame]:
    """Cameras from OpenStreetMap data (``man_made=surveillance``).

    Parameters are those of :func:`sharpeyes.ingest.read_cameras` (OSM is WGS-84; ``crs`` is
    there for extracts that were shifted). Returns (cameras, rejects).
    """
    read = read_options(options, overrides)
    p = Path(path)
    file = p.name
    if not p.exists():
        raise InputError("no such file", file=str(p))
    data_head = p.open("rb").read(4096)
    if not data_head.strip():
        raise InputError("the file is empty", file=file)
    user = loaded_mapping(read)
    cmap = user.under(OSM_COLUMNS)
    resolved = options_for(read, cmap, default_bbox=None)
    stripped = data_head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        elements: Iterator[dict[str, Any]] = _elements_json(p.read_bytes(), file=file)
    else:
        if stripped.startswith(b"<"):
            data = p.read_bytes()
            m = _HOSTILE.search(data)
            if m:
                raise RefusedInput(
                    "the OSM XML declares a DTD or entities; entity expansion and external "
                    "entities are refused",
                    file=file,
                    row=data[: m.start()].count(b"\n") + 1,
                )
        elements = _elements_osmium(p, file=file)

    records: list[dict[str, str | None]] = []
    numbers: list[int] = []
    notes: list[str] = []
    refused: list[dict[str, object]] = []
    ordinal = 0
    for element in elements:
        tags = element.get("tags")
        if not isinstance(tags, dict) or str(tags.get("man_made", "")).strip() != "surveillance":
            continue
        ordinal += 1
        kind = str(element.get("type", "node"))
        ident = element.get("id")
        key = f"osm:{kind}/{ident}"
        stype = str(tags.get("surveillance:type", "")).strip().lower()
        if stype in _NOT_CAMERAS:
            refused.append(
                {
                    "file": file,
                    "row": ordinal,
                    "column": "surveillance:type",
                    "value": key,
                    "reason": f"not a camera: surveillance:type={stype}",
                }
            )
            continue
        lon, lat, from_center = _position(element)
        if kind != "node" and not from_center:
            refused.append(
                {
                    "file": file,
                    "row": ordinal,
                    "column": "type",
                    "value": key,
                    "reason": f"a surveillance {kind} without a position (no center): map the "
                    "camera as a node",
                }
            )
            continue
        record: dict[str, str | None] = {"osm:id": key, "lon": lon, "lat": lat}
        for k, v in tags.items():
            record.setdefault(str(k), None if v is None else str(v))
        camera_type = _CAMERA_TYPE.get(str(tags.get("camera:type", "")).strip().lower())
        if camera_type is None and stype == "alpr":
            camera_type = "5"
        record["camera_type_code"] = camera_type
        records.append(record)
        numbers.append(ordinal)
        notes.append(f"{kind} placed at its center" if from_center else "")
    parts = []
    if records:
        frame = pd.DataFrame.from_records(records).astype("string")
        where = SourceInfo(
            file=file,
            rows=np.asarray(numbers, dtype=np.int64),
            sheet=None,
            notes=np.asarray(notes, dtype=object),
        )
        parts.append(normalize_cameras(frame, where, resolved))
    if refused:
        from sharpeyes.model.columns import empty_cameras

        parts.append((empty_cameras(), rejects_rows(refused)))
    if ordinal == 0:
        raise InputError("no man_made=surveillance elements in the file", file=file)
    return concat_results(parts, sort_rows=True)
