"""Camera imports: one transaction per import that applies the merge of :mod:`sharpeyes.ingest.merge`.

:class:`CameraImports` reads the stored values of the cameras an import names, lets
:func:`sharpeyes.ingest.merge.merge_cameras` decide (nothing of the merge rules lives here), and
writes the outcome: new cameras (``COPY`` on PostgreSQL, ``executemany`` on SQLite; a big load into an
empty table rebuilds the secondary indexes afterwards), rewritten cameras, credentials, the change log,
the import's warnings and rejects, and the import's row in ``imports``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharpeyes._errors import StoreError
from sharpeyes.ingest.merge import (
    CREDENTIAL_FIELDS,
    MergeResult,
    is_missing,
    merge_cameras,
    plain_values,
)
from sharpeyes.model.columns import REJECT_COLUMNS
from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.store import bulk, import_writes
from sharpeyes.store import schema as s
from sharpeyes.store._rows import by_class, count_refused, reject_frame
from sharpeyes.store._values import na
from sharpeyes.store.cameras import CameraQueries
from sharpeyes.store.engine import Database, insert_id, now, parallel_sorts, release_staging
from sharpeyes.store.import_writes import Split, warning_rows

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
        return self._in_transaction(
            lambda conn: self._import(conn, cameras, rejects, source, file, file_sha256),
            file=file,
            dry_run=dry_run,
        )

    def _in_transaction(
        self,
        work: Callable[[Connection], ImportResult],
        *,
        file: str | None,
        dry_run: bool,
        around: Callable[[Connection], AbstractContextManager[object]] | None = None,
    ) -> ImportResult:
        """``work`` inside one write transaction, rolled back on failure or ``dry_run``
        (``around``: a context on the connection entered before the transaction begins and left
        after it ended, e.g. :func:`sharpeyes.store.engine.first_load_journal`)."""
        try:
            with self.db.engine.connect() as conn:
                if self.db.dialect == "sqlite":
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                with around(conn) if around is not None else contextlib.nullcontext():
                    result = self._transaction(conn, work, dry_run)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(
                f"import of {file or 'cameras'} failed and was rolled back: "
                f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from None
        return result

    @staticmethod
    def _transaction(
        conn: Connection, work: Callable[[Connection], ImportResult], dry_run: bool
    ) -> ImportResult:
        """``work`` in one transaction on ``conn``: committed, or rolled back on failure or
        ``dry_run``; the scratch databases it attached are removed either way."""
        trans = conn.begin()
        try:
            result = work(conn)
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
        finally:
            release_staging(conn)
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
        """The whole import on ``conn`` (inside the caller's transaction): the one write path of
        cameras, for files and platform syncs alike."""
        started = now()
        batch = bulk.keyed_batch(cameras, source=source)
        import_id = self._import_row(conn, source, file, file_sha256, started, len(cameras))
        empty = self.queries.is_empty(conn)
        head = Head(import_id, started, len(cameras), source, file)
        return self._finish(conn, batch, rejects, head, empty=empty)

    def _import_row(
        self,
        conn: Connection,
        source: str | None,
        file: str | None,
        file_sha256: str | None,
        started: str,
        rows: int,
    ) -> int:
        return insert_id(
            conn,
            s.imports.insert().values(
                source=source, file=file, file_sha256=file_sha256, started_at=started, rows=rows
            ),
        )

    def _finish(
        self,
        conn: Connection,
        batch: bulk.Batch,
        rejects: pd.DataFrame | None,
        head: Head,
        *,
        empty: bool,
        loaded: list[str] | None = None,
    ) -> ImportResult:
        """The import of ``batch`` after its row in ``imports`` (``loaded``: its new cameras
        named once are written already, and these secondary indexes are to be built)."""
        import_id, started, source, file = head.import_id, head.started, head.source, head.file
        if len(batch.keyless):
            batch.keyless["file"] = file
        all_rejects = reject_frame(rejects, batch.keyless)
        refused, not_cameras = count_refused(all_rejects)
        split = self._split(conn, batch, empty)
        fresh_rows = (
            bulk.arrow_rows(batch, split.fresh) if len(split.fresh) and loaded is None else None
        )
        # the new cameras named once are staged (worker thread) while the merge runs
        staging = bulk.start_staging(self.db, conn, fresh_rows) if fresh_rows else None
        try:
            slow = np.flatnonzero(split.slow)
            known = split.stored[slow].any()
            merge = merge_cameras(
                batch.rows(slow),
                self.queries.stored_rows(conn, batch.ids_at(slow)) if known else None,
            )
            import_writes.write_known(
                self.db, conn, merge, import_id, started, split.hash_of(batch, slow)
            )
            inserted = len(split.fresh) + int(merge.new.sum())
            self._insert_new(
                conn,
                batch,
                split.fresh,
                merge,
                import_id,
                started,
                bulk_load=empty and inserted >= BULK_THRESHOLD,
                new_rows=(fresh_rows, staging),
                loaded=loaded,
            )
        finally:
            if staging is not None:
                staging.close()
        self._rehash_unchanged(conn, batch, slow, merge)
        import_writes.write_log(
            self.db,
            conn,
            merge,
            all_rejects,
            import_id,
            started,
            warnings=warning_rows(batch, slow, merge),
        )
        result = _result(batch, merge, split, refused=refused, inserted=inserted)
        result.rows, result.not_cameras, result.source, result.file = (
            head.rows,
            not_cameras,
            source,
            file,
        )
        conn.execute(
            s.imports.update()
            .where(s.imports.c.import_id == import_id)
            .values(finished_at=now(), **{k: getattr(result, k) for k in _IMPORT_COUNTS})
        )
        result.import_id = int(import_id)
        return result

    def _split(self, conn: Connection, batch: bulk.Batch, empty: bool) -> Split:
        """Which rows are new cameras named once (``fresh``), stored cameras whose row hash is the
        same (``skip``: left as they are), and the rest (``slow``: the full merge)."""
        n = len(batch.frame)
        if empty:
            stored = np.zeros(n, dtype=bool)
            same = np.zeros(n, dtype=bool)
        else:
            stored, hashes = bulk.stored_hashes(self.db, conn, batch.arrow_ids())
            same = bulk.unchanged(batch.hashes, hashes)
        once = ~batch.dup
        return Split(
            fresh=np.flatnonzero(once & ~stored),
            skip=once & stored & same,
            slow=batch.dup | (stored & ~same),
            stored=stored,
        )

    def _insert_new(
        self,
        conn: Connection,
        batch: bulk.Batch,
        fresh: np.ndarray,
        merge: MergeResult,
        import_id: int,
        at: str,
        *,
        bulk_load: bool,
        new_rows: tuple[pa.Table | None, bulk.Staging | None] = (None, None),
        loaded: list[str] | None = None,
    ) -> None:
        """Insert the new cameras: those named once column by column (:mod:`sharpeyes.store.bulk`;
        ``new_rows``: their Arrow rows and staging when begun already; ``loaded``: written
        already, these indexes dropped), the merged duplicates as rows; the secondary indexes
        rebuilt after a big load into an empty table; then their credentials."""
        if loaded is not None:
            dropped = loaded
        elif not len(fresh) and not merge.new.any():
            return
        else:
            dropped = self._drop_camera_indexes(conn) if bulk_load else []
        constants = stamps(import_id, at)
        if len(fresh) and loaded is None:
            table, staging = new_rows
            table = bulk.arrow_rows(batch, fresh) if table is None else table
            bulk.insert_new(self.db, conn, table, constants, staging=staging)
        if merge.new.any():
            import_writes.insert_merged(self.db, conn, merge.rows, merge.new, import_id, at)
        if dropped:
            self._create_camera_indexes(conn, dropped)
        frame = batch.frame
        given = (frame["stream_user"].notna() | frame["stream_password"].notna()).to_numpy(bool)
        part = batch.part(fresh[given[fresh]])
        has = np.ones(len(part), dtype=bool)
        credentials = {
            k: plain_values(part[k], "text")[has] for k in ("device_id", *CREDENTIAL_FIELDS)
        }
        new = merge.new
        merged = {k: merge.rows[k][new] for k in ("device_id", *CREDENTIAL_FIELDS)}
        has_merged = ~is_missing(merged["stream_user"]) | ~is_missing(merged["stream_password"])
        rows = [
            *zip(
                *(credentials[k].tolist() for k in ("device_id", *CREDENTIAL_FIELDS)), strict=True
            ),
            *zip(
                *(merged[k][has_merged].tolist() for k in ("device_id", *CREDENTIAL_FIELDS)),
                strict=True,
            ),
        ]
        if rows:
            self.db.executemany(
                conn,
                "INSERT INTO camera_credentials (device_id, stream_user, stream_password) VALUES (?, ?, ?)",
                rows,
            )

    def _rehash_unchanged(
        self, conn: Connection, batch: bulk.Batch, slow: np.ndarray, merge: MergeResult
    ) -> None:
        """Stored cameras named once that the merge left as they are get this row's hash, so that
        the next import of the same row skips them."""
        once = slow[~batch.dup[slow]]
        if not len(once):
            return
        written = pd.Index(merge.writes["device_id"])
        ids = batch.ids_at(once)
        keep = ~pd.Index(ids).isin(written)
        if keep.any():
            self.db.executemany(
                conn,
                "UPDATE cameras SET row_hash = ? WHERE device_id = ?",
                list(zip(batch.hashes[once][keep].tolist(), ids[keep].tolist(), strict=True)),
            )

    def _drop_camera_indexes(self, conn: Connection) -> list[str]:
        names = list(s.CAMERA_INDEXES)
        if self.db.dialect == "postgresql":
            names.append("ix_cameras_geom")
        for name in names:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        return names

    def _create_camera_indexes(self, conn: Connection, names: list[str]) -> None:
        with parallel_sorts(conn) if self.db.dialect == "sqlite" else contextlib.nullcontext():
            for name in names:
                if name == "ix_cameras_geom":
                    conn.exec_driver_sql(
                        "CREATE INDEX ix_cameras_geom ON cameras USING GIST (geom)"
                    )
                else:
                    cols = ", ".join(s.CAMERA_INDEXES[name])
                    conn.exec_driver_sql(f"CREATE INDEX {name} ON cameras ({cols})")
        if self.db.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE cameras")


@dataclass(frozen=True)
class Head:
    """What an import knows before its cameras are written: its row in ``imports``, its time,
    the input rows, source and file."""

    import_id: int
    started: str
    rows: int
    source: str | None
    file: str | None


def stamps(import_id: int, at: str) -> dict[str, Any]:
    """The columns every new camera of an import gets."""
    return {
        "created_import_id": int(import_id),
        "updated_import_id": int(import_id),
        "updated_at": at,
    }


def _result(
    batch: bulk.Batch, merge: MergeResult, split: Split, *, refused: int, inserted: int
) -> ImportResult:
    """The counts of an import: rows accepted and warned (a conflict warns its rows), by class."""
    row_warned = batch.frame["warnings"].notna().to_numpy(dtype=bool)
    if merge.conflicts:
        conflicted = batch.frame["device_id"].isin(list(merge.conflicts))
        row_warned = row_warned | conflicted.to_numpy(dtype=bool)
    return ImportResult(
        import_id=None,
        accepted=len(batch.frame),
        warned=int(row_warned.sum()),
        refused=refused,
        inserted=inserted,
        updated=merge.updated,
        unchanged=merge.unchanged + int(split.skip.sum()),
        conflicts=len(merge.conflicts),
        by_class=by_class(plain_values(batch.frame["point_class"], "int"), row_warned),
        warnings=[f"{i}: {'; '.join(m)}" for i, m in list(merge.conflicts.items())[:50]],
    )


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
