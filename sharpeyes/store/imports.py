"""Camera imports: one transaction per import that applies the merge of :mod:`sharpeyes.ingest.merge`.

:class:`CameraImports` reads the stored values of the cameras an import names, lets
:func:`sharpeyes.ingest.merge.merge_cameras` decide (nothing of the merge rules lives here), and
writes the outcome: new cameras (``COPY`` on PostgreSQL, ``executemany`` on SQLite; a big load into an
empty table rebuilds the secondary indexes afterwards), rewritten cameras, credentials, the change log,
the import's warnings and rejects, and the import's row in ``imports``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharpeyes._errors import StoreError
from sharpeyes.ingest.merge import (
    DIFF_FIELDS,
    RECORD_FIELDS,
    MergeResult,
    Rows,
    incoming_rows,
    is_missing,
    merge_cameras,
    take,
)
from sharpeyes.model.columns import REJECT_COLUMNS
from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.store import schema as s
from sharpeyes.store._rows import by_class, count_refused, reject_frame, reject_tuples, row_tuples
from sharpeyes.store._values import na
from sharpeyes.store.cameras import CameraQueries
from sharpeyes.store.engine import Database, insert_id, now

#: Above this many rows, a load into an empty camera table drops the secondary indexes first and
#: rebuilds them afterwards.
BULK_THRESHOLD = 20_000


@dataclass
class ImportResult:
    """What one import did.

    Row counts (``rows``, ``accepted``, ``warned``, ``refused``) count input rows: ``accepted`` rows
    landed (warned ones included), ``warned`` is the part of them kept with doubts, ``refused`` the rows
    in the rejects (one per refused input row, however many problems it had; ``not_cameras`` counts
    apart the catalog items that are recorders, platforms or groups, not cameras). Camera counts
    (``inserted``, ``updated``, ``unchanged``) count distinct ``device_id`` after rows of the same
    camera in one file were merged. ``conflicts`` counts cameras whose attributes another source had
    set differently.
    """

    import_id: int | None
    accepted: int
    warned: int
    refused: int
    inserted: int
    updated: int
    unchanged: int
    rows: int = 0
    conflicts: int = 0
    not_cameras: int = 0
    source: str | None = None
    file: str | None = None
    dry_run: bool = False
    by_class: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


def _dumped(value: Any) -> str | None:
    return None if value is None else dumps(value)


class CameraImports:
    """The write side of camera imports (see the module docstring)."""

    def __init__(self, db: Database, queries: CameraQueries) -> None:
        self.db = db
        self.queries = queries

    def import_cameras(
        self,
        cameras: pd.DataFrame,
        rejects: pd.DataFrame | None,
        *,
        source: str | None,
        file: str | None,
        dry_run: bool = False,
        file_sha256: str | None = None,
    ) -> ImportResult:
        """Merge a canonical camera frame into the inventory in ONE transaction (rolled back on
        ``dry_run``); see :meth:`sharpeyes.store.Store.import_cameras`."""
        source = source or (Path(file).name if file else None)
        try:
            with self.db.engine.connect() as conn:
                if self.db.dialect == "sqlite":
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                trans = conn.begin()
                try:
                    result = self._import(conn, cameras, rejects, source, file, file_sha256)
                    result.dry_run = dry_run
                    if dry_run:
                        trans.rollback()
                        result.import_id = None
                    else:
                        trans.commit()
                except BaseException:
                    if trans.is_active:
                        trans.rollback()
                    raise
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(
                f"import of {file or 'cameras'} failed and was rolled back: "
                f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from None
        return result

    def _import(
        self,
        conn: Connection,
        cameras: pd.DataFrame,
        rejects: pd.DataFrame | None,
        source: str | None,
        file: str | None,
        file_sha256: str | None,
    ) -> ImportResult:
        started = now()
        rows_in = len(cameras)
        rows, no_key, keyless = incoming_rows(cameras, source=source)
        if no_key.any():
            keyless["file"] = file
            rows = take(rows, ~no_key)
        all_rejects = reject_frame(rejects, keyless)
        refused, not_cameras = count_refused(all_rejects)
        accepted = len(rows["device_id"])
        row_warned = ~is_missing(rows["warnings"])
        row_ids, row_class = rows["device_id"], rows["point_class"]

        import_id = insert_id(
            conn,
            s.imports.insert().values(
                source=source, file=file, file_sha256=file_sha256, started_at=started, rows=rows_in
            ),
        )
        empty = self.queries.is_empty(conn)
        existing = None if empty else self.queries.stored_rows(conn, rows["device_id"])
        merge = merge_cameras(rows, existing)
        del rows  # the merged copy is all that is written from here on
        inserted = int(merge.new.sum())
        self._write_known(conn, merge, import_id, started)
        if inserted:
            self._insert_new(
                conn,
                merge.rows,
                merge.new,
                import_id,
                started,
                bulk=empty and inserted >= BULK_THRESHOLD,
            )
        self._write_log(conn, merge, all_rejects, import_id, started)
        if merge.conflicts:
            row_warned = row_warned | np.asarray(pd.Index(row_ids).isin(list(merge.conflicts)))
        warned = int(row_warned.sum())
        conn.execute(
            s.imports.update()
            .where(s.imports.c.import_id == import_id)
            .values(
                finished_at=now(),
                accepted=accepted,
                warned=warned,
                refused=refused,
                inserted=inserted,
                updated=merge.updated,
                unchanged=merge.unchanged,
                conflicts=len(merge.conflicts),
            )
        )
        messages = [f"{i}: {'; '.join(m)}" for i, m in list(merge.conflicts.items())[:50]]
        return ImportResult(
            import_id=int(import_id),
            accepted=accepted,
            warned=warned,
            refused=refused,
            inserted=inserted,
            updated=merge.updated,
            unchanged=merge.unchanged,
            rows=rows_in,
            not_cameras=not_cameras,
            conflicts=len(merge.conflicts),
            source=source,
            file=file,
            by_class=by_class(row_class, row_warned),
            warnings=messages,
        )

    def _write_known(self, conn: Connection, merge: MergeResult, import_id: int, at: str) -> None:
        """Rewrite the stored cameras the merge changed, and their credentials."""
        writes = merge.writes
        if len(writes["device_id"]):
            fields = (*DIFF_FIELDS, "extra", "source", "warnings")
            columns = [writes[f] for f in fields]
            provenance = [None if p is None else dumps(p) for p in writes["provenance"]]
            # a warnings-only rewrite keeps updated_import_id (COALESCE with NULL)
            stamps = [import_id if c else None for c in writes["changed"]]
            n = len(writes["device_id"])
            tail = zip(provenance, stamps, [at] * n, writes["device_id"].tolist(), strict=True)
            head = zip(*(c.tolist() for c in columns), strict=True)
            assignments = ", ".join(f"{f} = ?" for f in (*fields, "provenance"))
            self.db.executemany(
                conn,
                f"UPDATE cameras SET {assignments}, updated_import_id = COALESCE(?, updated_import_id), "
                "updated_at = ? WHERE device_id = ?",
                [(*h, *t) for h, t in zip(head, tail, strict=True)],
            )
        creds = merge.credentials
        if len(creds["device_id"]):
            self.db.executemany(
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

    def _write_log(
        self,
        conn: Connection,
        merge: MergeResult,
        rejects: pd.DataFrame,
        import_id: int,
        at: str,
    ) -> None:
        """The change log, the import's warnings per camera, and its rejects."""
        changes = merge.changes
        if len(changes):
            self.db.executemany(
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
        ids, warnings = merge.rows["device_id"], merge.rows["warnings"]
        warning_rows = [
            (import_id, ids[i], warnings[i]) for i in np.flatnonzero(~is_missing(warnings))
        ]
        if warning_rows:
            self.db.executemany(
                conn,
                "INSERT INTO import_warnings (import_id, device_id, message) VALUES (?, ?, ?)",
                warning_rows,
            )
        if len(rejects):
            self.db.executemany(
                conn,
                'INSERT INTO import_rejects (import_id, file, sheet, "row", "column", value, reason) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(import_id, *r) for r in reject_tuples(rejects)],
            )

    def _insert_new(
        self,
        conn: Connection,
        merged: Rows,
        new: np.ndarray,
        import_id: int,
        at: str,
        *,
        bulk: bool,
    ) -> None:
        """Insert the cameras not stored yet, and their credentials."""
        every = bool(new.all())
        rows = np.flatnonzero(new)
        names: list[str] = []
        arrays: list[np.ndarray] = []
        for c in RECORD_FIELDS:
            values = merged[c] if every else merged[c][rows]
            if c != "device_id" and values[0] is None and is_missing(values).all():
                continue  # an all-empty column costs binding time and stays NULL anyway
            names.append(c)
            arrays.append(values)
        # constants of this import are written as SQL literals: no binding per row
        constants = {
            "created_import_id": str(int(import_id)),
            "updated_import_id": str(int(import_id)),
            "updated_at": "'" + at.replace("'", "") + "'",
        }
        dropped = self._drop_camera_indexes(conn) if bulk else []
        if self.db.dialect == "postgresql":
            tail = (int(import_id), int(import_id), at)
            self.db.copy_rows(
                conn, "cameras", [*names, *constants], ((*r, *tail) for r in row_tuples(arrays))
            )
        else:
            marks = ", ".join(["?"] * len(names) + list(constants.values()))
            self.db.executemany(
                conn,
                f"INSERT INTO cameras ({', '.join([*names, *constants])}) VALUES ({marks})",
                row_tuples(arrays),
            )
        if dropped:
            self._create_camera_indexes(conn, dropped)
        users = merged["stream_user"] if every else merged["stream_user"][rows]
        passwords = merged["stream_password"] if every else merged["stream_password"][rows]
        ids = merged["device_id"] if every else merged["device_id"][rows]
        has = ~is_missing(users) | ~is_missing(passwords)
        if has.any():
            self.db.executemany(
                conn,
                "INSERT INTO camera_credentials (device_id, stream_user, stream_password) VALUES (?, ?, ?)",
                list(
                    zip(
                        ids[has].tolist(), users[has].tolist(), passwords[has].tolist(), strict=True
                    )
                ),
            )

    def _drop_camera_indexes(self, conn: Connection) -> list[str]:
        names = list(s.CAMERA_INDEXES)
        if self.db.dialect == "postgresql":
            names.append("ix_cameras_geom")
        for name in names:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        return names

    def _create_camera_indexes(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            if name == "ix_cameras_geom":
                conn.exec_driver_sql("CREATE INDEX ix_cameras_geom ON cameras USING GIST (geom)")
            else:
                cols = ", ".join(s.CAMERA_INDEXES[name])
                conn.exec_driver_sql(f"CREATE INDEX {name} ON cameras ({cols})")
        if self.db.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE cameras")


class ImportLog:
    """The history of imports: one row per import, its rejects and warnings, the change log."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def changes(
        self, *, device_id: str | None = None, import_id: int | None = None
    ) -> pd.DataFrame:
        """The change log, oldest first; see :meth:`sharpeyes.store.Store.changes`."""
        ch, cam, imp = s.changes, s.cameras, s.imports
        stmt = sa.select(
            ch.c.change_id,
            ch.c.import_id,
            ch.c.device_id,
            ch.c.action,
            ch.c.field,
            ch.c.before,
            ch.c.after,
            ch.c.changed_at,
        )
        created = sa.select(
            sa.null().label("change_id"),
            cam.c.created_import_id,
            cam.c.device_id,
            sa.literal("create").label("action"),
            sa.null().label("field"),
            sa.null().label("before"),
            sa.null().label("after"),
            imp.c.started_at,
        ).select_from(cam.join(imp, imp.c.import_id == cam.c.created_import_id))
        if device_id is not None:
            stmt = stmt.where(ch.c.device_id == device_id)
            created = created.where(cam.c.device_id == device_id)
        if import_id is not None:
            stmt = stmt.where(ch.c.import_id == import_id)
            created = created.where(cam.c.created_import_id == import_id)
        names = ["change_id", "import_id", "device_id", "action", "field", "before", "after"]
        with self.db.read() as conn:
            made = conn.execute(created.order_by(cam.c.camera_id)).all()
            updates = conn.execute(stmt.order_by(ch.c.change_id)).all()
        frame = pd.DataFrame.from_records(
            [*made, *updates], columns=[*names, "changed_at"], coerce_float=False
        )
        for c in ("before", "after"):
            frame[c] = [None if na(v) else loads(v) for v in frame[c]]
        frame["change_id"] = frame["change_id"].astype("Int64")
        frame["import_id"] = frame["import_id"].astype("Int64")
        frame["_create"] = frame["action"] != "create"
        frame = frame.sort_values(["import_id", "_create", "change_id"], kind="stable").drop(
            columns="_create"
        )
        return frame.reset_index(drop=True)

    def imports(self) -> pd.DataFrame:
        """One row per import, oldest first: source, file, times and counts."""
        with self.db.read() as conn:
            frame = pd.read_sql_query(sa.select(s.imports).order_by(s.imports.c.import_id), conn)
        for c in _IMPORT_COUNTS:
            frame[c] = frame[c].astype("Int64")
        return frame

    def rejects(self, import_id: int) -> pd.DataFrame:
        """The rows an import refused: file, sheet, row, column, value, reason."""
        r = s.import_rejects
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(r.c.file, r.c.sheet, r.c.row, r.c.column, r.c.value, r.c.reason)
                .where(r.c.import_id == import_id)
                .order_by(r.c.reject_id)
            ).all()
        frame = pd.DataFrame.from_records(rows, columns=list(REJECT_COLUMNS), coerce_float=False)
        frame["row"] = frame["row"].astype("Int64")
        for c in REJECT_COLUMNS:
            if c != "row":
                frame[c] = frame[c].astype("string")
        return frame

    def import_warnings(self, import_id: int) -> pd.DataFrame:
        """The warnings an import attached to cameras: device_id, message."""
        w = s.import_warnings
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(w.c.device_id, w.c.message)
                .where(w.c.import_id == import_id)
                .order_by(w.c.warning_id)
            ).all()
        return pd.DataFrame.from_records(rows, columns=["device_id", "message"])


_IMPORT_COUNTS = (
    "rows",
    "accepted",
    "warned",
    "refused",
    "inserted",
    "updated",
    "unchanged",
    "conflicts",
)
