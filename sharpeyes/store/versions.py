"""Cheap version stamps of what the API caches, and the few camera columns its index needs.

The API keeps a compact camera index on disk and caches map tiles per store version; it must learn
that the store changed without reading it. Every stamp is a handful of ``max``/``count`` lookups on
primary keys or small tables (milliseconds at a million cameras, on SQLite and PostGIS alike):

- ``cameras``: imports (count, newest id and finish time), the change log's newest id (camera edits
  write there too) and the newest camera id;
- ``camera_rows``: the change log's newest id and the newest camera id (the camera index's content:
  an unchanged re-import leaves it);
- ``health``: the newest health run and its finish time (the verdicts shown on the map);
- ``units``: the unit table's size, largest code, total name length, total extent and population,
  and the police units' size, largest code and total name length (a units import of either
  hierarchy; a scan of a few thousand small rows);
- ``results``: the newest saved result (a report, gaps, plan …).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import sqlalchemy as sa

from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database

_STAMPS: Final = {
    "cameras": (
        "SELECT (SELECT count(*) FROM imports), (SELECT max(import_id) FROM imports),"
        " (SELECT max(finished_at) FROM imports), (SELECT max(change_id) FROM changes),"
        " (SELECT max(camera_id) FROM cameras)"
    ),
    # what the camera index is made of: every import or edit that changes a camera writes the
    # change log; new cameras raise the newest camera id (an unchanged re-import changes neither)
    "camera_rows": "SELECT (SELECT max(change_id) FROM changes), (SELECT max(camera_id) FROM cameras)",
    "health": "SELECT count(*), max(run_id), max(finished_at) FROM health_runs",
    "units": (
        "SELECT count(*), max(code), sum(length(coalesce(name, ''))),"
        " sum(coalesce(maxx - minx, 0) + coalesce(maxy - miny, 0)), sum(coalesce(population, 0)),"
        " (SELECT count(*) FROM police_units), (SELECT max(code) FROM police_units),"
        " (SELECT sum(length(coalesce(name, ''))) FROM police_units) FROM units"
    ),
    "results": "SELECT count(*), max(result_id) FROM results",
}

#: Columns of ``cameras`` the index may ask for (nothing else can be named: no credentials).
INDEX_COLUMNS: Final = (
    "device_id",
    "name",
    "lon",
    "lat",
    "point_class",
    "status",
    "networked",
    "admin_code",
    "township_code",
    "village_code",
)


def data_versions(db: Database) -> dict[str, str]:
    """One short text per topic (see the module docstring), changing whenever that topic changed."""
    out: dict[str, str] = {}
    with db.read() as conn:
        for topic, sql in _STAMPS.items():
            row = conn.exec_driver_sql(sql).one()
            out[topic] = "/".join("" if v is None else str(v) for v in row)
    return out


def camera_columns(
    db: Database, columns: Sequence[str], *, device_ids: Iterable[str] | None = None
) -> dict[str, np.ndarray]:
    """``columns`` of every camera (or of ``device_ids``) as object arrays, straight from the driver.

    Raises ``ValueError`` for a column outside :data:`INDEX_COLUMNS`.
    """
    unknown = [c for c in columns if c not in INDEX_COLUMNS]
    if unknown:
        raise ValueError(f"not an index column: {unknown}")
    stmt: Any = sa.select(*(s.cameras.c[c] for c in columns))
    rows: list[tuple[Any, ...]] = []
    with db.read() as conn:
        if device_ids is None:
            rows = db.raw_rows(conn, stmt)
        else:
            ids = list(device_ids)
            for start in range(0, len(ids), 5_000):
                chunk = stmt.where(s.cameras.c.device_id.in_(ids[start : start + 5_000]))
                rows.extend(db.raw_rows(conn, chunk))
    if not rows:
        return {c: np.empty(0, dtype=object) for c in columns}
    table = np.empty((len(rows), len(columns)), dtype=object)
    table[:] = rows
    return {c: table[:, i] for i, c in enumerate(columns)}
