"""The writes of a camera import other than the new cameras named once (:mod:`sharpeyes.store.bulk`):
rewritten stored cameras, merged duplicates, the change log, warnings and rejects.

Functions of the import's connection, called by :class:`sharpeyes.store.imports.CameraImports` inside
its transaction (one place for every write of cameras).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from sharpeyes.ingest.merge import (
    DIFF_FIELDS,
    RECORD_FIELDS,
    MergeResult,
    Rows,
    is_missing,
    plain_values,
)
from sharpeyes.model.jsonable import dumps
from sharpeyes.store import bulk
from sharpeyes.store._rows import reject_tuples, row_tuples
from sharpeyes.store.engine import Database


def _dumped(value: Any) -> str | None:
    return None if value is None else dumps(value)


@dataclass
class Split:
    """Rows of an import by what happens to them (see :meth:`CameraImports._split`)."""

    fresh: np.ndarray  # positions of new cameras named once
    skip: np.ndarray  # stored, same row hash: left as they are
    slow: np.ndarray  # the full merge
    stored: np.ndarray

    @staticmethod
    def hash_of(batch: bulk.Batch, slow: np.ndarray) -> dict[str, int]:
        """Row hash by device ID of the slow rows named once (merged duplicates get none)."""
        once = slow[~batch.dup[slow]]
        return dict(zip(batch.ids_at(once).tolist(), batch.hashes[once].tolist(), strict=True))


def warning_rows(batch: bulk.Batch, slow: np.ndarray, merge: MergeResult) -> list[tuple[str, str]]:
    """(device_id, this import's warnings) per camera with any, in the order of the merge: cameras
    named once in file order, then the merged duplicates. Only the rows with a warning become
    Python values."""
    once = slow[~batch.dup[slow]]
    merged_warnings = merge.rows["warnings"]
    n = len(batch.frame)
    column = batch.frame["warnings"]
    has = column.notna().to_numpy(dtype=bool, copy=True)
    merged_at = np.full(n, -1, dtype=np.int64)
    merged_at[once] = np.arange(len(once))
    has[once] = ~is_missing(merged_warnings[: len(once)])
    named_once = np.flatnonzero(~batch.dup)
    chosen = named_once[has[named_once]]
    texts = plain_values(column.iloc[chosen], "text")
    from_merge = merged_at[chosen]
    texts[from_merge >= 0] = merged_warnings[from_merge[from_merge >= 0]]
    rows = list(zip(batch.ids_at(chosen).tolist(), texts.tolist(), strict=True))
    tail_ids = merge.rows["device_id"][len(once) :]
    tail = merged_warnings[len(once) :]
    rows.extend((tail_ids[j], tail[j]) for j in np.flatnonzero(~is_missing(tail)))
    return rows


def write_known(
    db: Database,
    conn: Connection,
    merge: MergeResult,
    import_id: int,
    at: str,
    hashes: dict[str, int],
) -> None:
    """Rewrite the stored cameras the merge changed (with the row hash of the row that did it),
    and their credentials."""
    writes = merge.writes
    creds = merge.credentials
    if len(creds["device_id"]):
        db.executemany(
            conn,
            "INSERT INTO camera_credentials (device_id, stream_user, stream_password) VALUES (?, ?, ?) "
            "ON CONFLICT (device_id) DO UPDATE SET stream_user = excluded.stream_user, "
            "stream_password = excluded.stream_password",
            list(
                zip(
                    creds["device_id"].tolist(),
                    creds["stream_user"].tolist(),
                    creds["stream_password"].tolist(),
                    strict=True,
                )
            ),
        )
    if len(writes["device_id"]):
        fields = (*DIFF_FIELDS, "extra", "source", "warnings")
        columns = [writes[f] for f in fields]
        provenance = [None if p is None else dumps(p) for p in writes["provenance"]]
        # a warnings-only rewrite keeps updated_import_id (COALESCE with NULL)
        stamps = [import_id if c else None for c in writes["changed"]]
        ids = writes["device_id"].tolist()
        row_hash = [hashes.get(i) for i in ids]
        n = len(ids)
        tail = zip(provenance, row_hash, stamps, [at] * n, ids, strict=True)
        head = zip(*(c.tolist() for c in columns), strict=True)
        assignments = ", ".join(f"{f} = ?" for f in (*fields, "provenance", "row_hash"))
        db.executemany(
            conn,
            f"UPDATE cameras SET {assignments}, updated_import_id = COALESCE(?, updated_import_id), "
            "updated_at = ? WHERE device_id = ?",
            [(*h, *t) for h, t in zip(head, tail, strict=True)],
        )


def write_log(
    db: Database,
    conn: Connection,
    merge: MergeResult,
    rejects: pd.DataFrame,
    import_id: int,
    at: str,
    *,
    warnings: list[tuple[str, str]],
) -> None:
    """The change log, the import's warnings per camera, and its rejects."""
    changes = merge.changes
    if len(changes):
        db.executemany(
            conn,
            "INSERT INTO changes (import_id, device_id, action, field, before, after, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (import_id, d, "update", f, _dumped(b), _dumped(a), at)
                for d, f, b, a in zip(
                    changes["device_id"],
                    changes["field"],
                    changes["before"],
                    changes["after"],
                    strict=True,
                )
            ],
        )
    if warnings:
        db.executemany(
            conn,
            "INSERT INTO import_warnings (import_id, device_id, message) VALUES (?, ?, ?)",
            [(import_id, d, w) for d, w in warnings],
        )
    if len(rejects):
        db.executemany(
            conn,
            'INSERT INTO import_rejects (import_id, file, sheet, "row", "column", value, reason) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(import_id, *r) for r in reject_tuples(rejects)],
        )


def insert_merged(
    db: Database, conn: Connection, merged: Rows, new: np.ndarray, import_id: int, at: str
) -> None:
    """Insert the new cameras the merge made of several rows of one file (as plain tuples; their
    row hash stays NULL: such cameras always take the full merge)."""
    rows = np.flatnonzero(new)
    names = list(RECORD_FIELDS)
    arrays = [merged[c][rows] for c in names]
    constants = [str(int(import_id)), str(int(import_id)), "'" + at.replace("'", "") + "'"]
    marks = ", ".join(["?"] * len(names) + constants)
    stamps = "created_import_id, updated_import_id, updated_at"
    db.executemany(
        conn,
        f"INSERT INTO cameras ({', '.join(names)}, {stamps}) VALUES ({marks})",
        list(row_tuples(arrays)),
    )
