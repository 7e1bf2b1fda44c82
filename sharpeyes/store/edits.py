"""Edits of one camera by a person (the map's edit form, ``PATCH /api/cameras/{device_id}``).

An edit is written like an import's update, in one transaction: the fields change, every changed field
gets a change-log row (``action`` "edit", ``changed_by`` the user, ``changed_at`` now, no import), and
the field's provenance names ``edit:<user>`` with what the earlier owner said, so that importing the
same old registry again does not take the correction back (the merge's "said before" rule,
:mod:`sharpeyes.ingest.merge`), while a registry that says something *new* still wins, as a conflict.
Values come validated (:mod:`sharpeyes.jobs.edits`); nothing here checks them.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import sqlalchemy as sa

from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, now

#: Fields an edit may change.
EDITABLE: Final = (
    "name",
    "point_class",
    "camera_type",
    "heading_deg",
    "fov_deg",
    "range_m",
    "networked",
    "status",
    "lon",
    "lat",
    "address",
)


def _first_source(text: str | None) -> str | None:
    return next((p for p in (text or "").split("; ") if p), None)


class CameraEdits:
    """Writes a person's edit of one camera and reads a camera's whole history."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def edit_camera(
        self, device_id: str, values: dict[str, Any], *, who: str
    ) -> list[dict[str, Any]] | None:
        """Set ``values`` (field → plain value) on the camera; returns the changes made (``field``,
        ``before``, ``after``, ``changed_at``, ``changed_by``), ``[]`` when nothing differed, ``None``
        when there is no such camera."""
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        cam = s.cameras
        at = now()
        editor = f"edit:{who}"
        with self.db.write() as conn:
            row = conn.execute(
                sa.select(*(cam.c[f] for f in EDITABLE), cam.c.provenance, cam.c.source).where(
                    cam.c.device_id == device_id
                )
            ).first()
            if row is None:
                return None
            stored = dict(row._mapping)
            provenance: dict[str, Any] = loads(stored["provenance"]) or {}
            first = _first_source(stored["source"])
            changes = []
            for field, after in values.items():
                before = stored[field]
                if before == after:
                    continue
                owner = provenance.get(field, first)
                said = provenance.setdefault("_seen", {}).setdefault(field, {})
                if before is not None and owner is not None:
                    said.setdefault(str(owner), before)
                said[editor] = after
                provenance[field] = editor
                changes.append(
                    {
                        "field": field,
                        "before": before,
                        "after": after,
                        "changed_at": at,
                        "changed_by": who,
                    }
                )
            if not changes:
                return []
            conn.execute(
                cam.update()
                .where(cam.c.device_id == device_id)
                .values(
                    **{c["field"]: c["after"] for c in changes},
                    provenance=dumps(provenance),
                    updated_at=at,
                )
            )
            conn.execute(
                s.changes.insert(),
                [
                    {
                        "import_id": None,
                        "device_id": device_id,
                        "action": "edit",
                        "field": c["field"],
                        "before": None if c["before"] is None else dumps(c["before"]),
                        "after": None if c["after"] is None else dumps(c["after"]),
                        "changed_at": at,
                        "changed_by": who,
                    }
                    for c in changes
                ],
            )
        return changes

    def last_change_id(self) -> int:
        """The newest change-log row's id (0 when empty): changes with every edit and import."""
        with self.db.read() as conn:
            value = conn.execute(sa.select(sa.func.max(s.changes.c.change_id))).scalar()
        return int(value or 0)

    def history(self, device_id: str) -> pd.DataFrame:
        """Every change of one camera, oldest first: ``changed_at``, ``action`` (create/update/edit),
        ``field``, ``before``, ``after``, ``changed_by`` (the user of an edit), ``import_id`` and
        ``source`` (the import's source, for imports)."""
        ch, imp, cam = s.changes, s.imports, s.cameras
        logged = (
            sa.select(
                ch.c.changed_at,
                ch.c.action,
                ch.c.field,
                ch.c.before,
                ch.c.after,
                ch.c.changed_by,
                ch.c.import_id,
                imp.c.source,
                ch.c.change_id,
            )
            .select_from(ch.outerjoin(imp, imp.c.import_id == ch.c.import_id))
            .where(ch.c.device_id == device_id)
        )
        created = (
            sa.select(
                imp.c.started_at,
                sa.literal("create"),
                sa.null(),
                sa.null(),
                sa.null(),
                sa.null(),
                imp.c.import_id,
                imp.c.source,
                sa.literal(0),
            )
            .select_from(cam.join(imp, imp.c.import_id == cam.c.created_import_id))
            .where(cam.c.device_id == device_id)
        )
        names = [
            "changed_at",
            "action",
            "field",
            "before",
            "after",
            "changed_by",
            "import_id",
            "source",
            "change_id",
        ]
        with self.db.read() as conn:
            rows = [*conn.execute(created).all(), *conn.execute(logged).all()]
        frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
        for c in ("before", "after"):
            frame[c] = [None if v is None else loads(v) for v in frame[c]]
        frame["import_id"] = frame["import_id"].astype("Int64")
        frame = frame.sort_values(["change_id"], kind="stable").drop(columns="change_id")
        return frame.reset_index(drop=True)


def edit_camera(
    store: Any, device_id: str, values: dict[str, Any], *, who: str
) -> list[dict[str, Any]] | None:
    """:meth:`CameraEdits.edit_camera` on ``store`` (a :class:`~sharpeyes.store.Store`)."""
    return CameraEdits(store.db).edit_camera(device_id, values, who=who)


def camera_history(store: Any, device_id: str) -> pd.DataFrame:
    """:meth:`CameraEdits.history` on ``store``."""
    return CameraEdits(store.db).history(device_id)


def last_change_id(store: Any) -> int:
    """:meth:`CameraEdits.last_change_id` on ``store``."""
    return CameraEdits(store.db).last_change_id()
