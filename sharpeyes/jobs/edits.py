"""Job: one person's correction of one camera, validated as an import validates a registry row.

The values are run through the very stages an import runs (:mod:`sharpeyes.ingest.stages`:
coordinates, classes, angles, flags) on a one-row frame; where an import would refuse the row *or*
drop a value with a warning (a heading of 400°, a class nobody knows), an edit is refused with an
:class:`~sharpeyes.InputError` naming the field, because a person who typed the value wants it kept
or told why not. Then :func:`sharpeyes.store.edits.edit_camera` writes it, logged with who and when.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest import stages
from sharpeyes.ingest.parsing import Notes
from sharpeyes.store.edits import EDITABLE, camera_history, edit_camera

__all__ = ["EDITABLE", "camera_history", "edit", "validate_edit"]

#: Fields taken as text (trimmed; at most this many characters).
TEXT_MAX: Final = 200
_TEXT_FIELDS: Final = ("name", "address")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _problem(notes: Notes) -> str | None:
    """What the stages said about the one row (a refusal's reason, else the warnings)."""
    if notes.rejects:
        return notes.rejects[0][3]
    text = str(notes.warnings[0])
    return text or None


def _run(
    values: dict[str, Any], stage: Callable[[stages.RawColumns, Notes], Any]
) -> tuple[Any, str | None]:
    raw = stages.raw_columns({k: [_text(v)] for k, v in values.items()})
    notes = Notes(1)
    out = stage(raw, notes)
    return out, _problem(notes)


def _first(column: Any) -> Any:
    value = pd.Series(column).iloc[0]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _position(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    given = {"lon": body.get("lon", current.get("lon")), "lat": body.get("lat", current.get("lat"))}
    coords, problem = _run(
        given, lambda raw, notes: stages.coordinates(raw, notes, crs="wgs84", bbox=None)
    )
    field = "lon" if "lon" in body else "lat"
    if problem or not bool(coords.have[0]):
        raise InputError(problem or "longitude and latitude are both needed", field=field)
    return {"lon": float(coords.lon[0]), "lat": float(coords.lat[0])}


def _codes(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in ("point_class", "camera_type"):
        if field in body:
            (pclass, ctype), problem = _run({field: body[field]}, stages.classes)
            value = _first(pclass if field == "point_class" else ctype)
            if problem or value is None:
                raise InputError(
                    problem or f"{field} not understood", field=field, value=body[field]
                )
            out[field] = int(value)
    for field in ("networked", "status"):
        if field in body:
            (networked, status), problem = _run(
                {field: body[field]},
                lambda raw, notes: stages.flags(raw, notes, one_means_networked=True),
            )
            value = _first(networked if field == "networked" else status)
            if problem or value is None:
                raise InputError(
                    problem or f"{field} not understood", field=field, value=body[field]
                )
            out[field] = bool(value) if field == "networked" else str(value)
    return out


def _angles(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, field in enumerate(("heading_deg", "fov_deg", "range_m")):
        if field in body:
            result, problem = _run({field: body[field]}, stages.angles)
            value = _first(result[i])
            if problem or value is None:
                raise InputError(
                    problem or f"{field} is not a number", field=field, value=body[field]
                )
            out[field] = float(value)
    return out


def validate_edit(body: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The edit ``body`` (field → value as a person gave it) as stored values.

    ``current`` is the camera's stored record (a move needs the other coordinate). Coordinates are
    WGS-84 degrees. Raises :class:`~sharpeyes.InputError` with ``field`` set for the first bad value:
    a field that cannot be edited, an empty value (an edit never blanks a field, as imports never do),
    or a value the import stages refuse or drop.
    """
    for field, value in body.items():
        if field not in EDITABLE:
            raise InputError(
                f"{field} cannot be edited (editable: {', '.join(EDITABLE)})", field=field
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError("an edit cannot empty a field", field=field)
    out: dict[str, Any] = {}
    if "lon" in body or "lat" in body:
        out.update(_position(body, current))
    out.update(_codes(body))
    out.update(_angles(body))
    for field in _TEXT_FIELDS:
        if field in body:
            text = _text(body[field])
            if len(text) > TEXT_MAX:
                raise InputError(f"longer than {TEXT_MAX} characters", field=field)
            out[field] = text
    return out


def edit(store: Any, device_id: str, body: dict[str, Any], *, who: str) -> dict[str, Any] | None:
    """Validate and write one edit; ``None`` when there is no such camera.

    Returns ``{"camera": record, "changes": [...]}`` (the record after the edit, no credentials) and
    adds an audit-log line.
    """
    current = store.camera(device_id)
    if current is None:
        return None
    values = validate_edit(body, current)
    changes = edit_camera(store, device_id, values, who=who)
    if changes is None:
        return None
    if changes:
        store.audit(
            who, "camera.edit", {"device_id": device_id, "fields": [c["field"] for c in changes]}
        )
    record = store.camera(device_id)
    return {"camera": record, "changes": changes}
