"""An import of one file given as consecutive parts of rows (:func:`import_camera_parts`): into an
empty SQLite camera table, each part's new cameras are written while the reader validates the next.

One worker thread takes each part's new cameras, in file order: ADBC stages them in a scratch file
(Arrow arrays bound in C, as :mod:`sharpeyes.store.bulk` does), then the import's own connection
ATTACHes it and copies it into ``cameras`` with ``INSERT … SELECT … ON CONFLICT (device_id) DO
NOTHING`` inside the import's transaction. Both drivers leave Python's lock while SQLite works, so
the reader (the main thread) and SQLite use the two cores at once. A device ID that a later part
names again is left to the import's merge of duplicates (:func:`repeated_ids`): its first row is
taken out again before the merge writes the camera made of all its rows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Connection

from sharpeyes.ingest.hashes import duplicated
from sharpeyes.ingest.parts import REPEATED_IDS, RepeatedIds
from sharpeyes.store import bulk
from sharpeyes.store.engine import first_load_journal, hold_staging, now, staging_room
from sharpeyes.store.imports import CameraImports, Head, ImportResult, stamps

if TYPE_CHECKING:
    from sharpeyes.store.repository import Store

#: (cameras, rejects) of consecutive rows of one file.
Parts = Iterable[tuple[pd.DataFrame, pd.DataFrame | None]]

#: Parts that may wait at each stage of the import in parts (keyed rows, writes).
AHEAD = 2
#: The scratch folder is in ``/dev/shm`` when it has room for this much (bytes) three times over.
_SCRATCH_BYTES = 1 << 28


def import_camera_parts(
    store: Store,
    parts: Parts,
    *,
    source: str | None,
    file: str | None,
    dry_run: bool = False,
    file_sha256: str | None = None,
) -> ImportResult:
    """:meth:`sharpeyes.store.Store.import_cameras` of one file given as consecutive (cameras,
    rejects) parts of rows (:func:`sharpeyes.ingest.parts.camera_parts`): ONE transaction, the
    same outcome as the concatenated frame. Each part is asked for inside the transaction; into an
    empty SQLite inventory its new cameras are written while the next part is read."""
    imports = store._imports
    source = source or (Path(file).name if file else None)
    return imports._in_transaction(
        lambda conn: _import_parts(imports, conn, parts, source, file, file_sha256),
        file=file,
        dry_run=dry_run,
        around=first_load_journal if imports.db.dialect == "sqlite" else None,
    )


def _import_parts(
    imports: CameraImports,
    conn: Connection,
    parts: Parts,
    source: str | None,
    file: str | None,
    file_sha256: str | None,
) -> ImportResult:
    """The import of consecutive parts on ``conn``: into an empty SQLite camera table the new
    cameras named once in their part are written part by part (:class:`PartWriter`) while the
    next part is made, the secondary indexes dropped first and built after; else the parts are
    joined and imported as one frame."""
    if imports.db.dialect != "sqlite" or not imports.queries.is_empty(conn):
        listed = list(parts)
        refused = [r for _, r in listed if r is not None and len(r)]
        frames = [c for c, _ in listed]
        cameras = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        rejects = pd.concat(refused, ignore_index=True) if refused else None
        return imports._import(conn, cameras, rejects, source, file, file_sha256)
    started = now()
    import_id = imports._import_row(conn, source, file, file_sha256, started, 0)
    dropped = imports._drop_camera_indexes(conn)
    constants = stamps(import_id, started)
    batch, written, all_rejects, rows = _write_parts(conn, parts, source, constants)
    repeated = repeated_ids(batch, written)
    if repeated:  # named again in a later part: the merge of duplicates writes them
        imports.db.executemany(
            conn, "DELETE FROM cameras WHERE device_id = ?", [(i,) for i in repeated]
        )
    # held back as given more than once in the file, yet named once here (the other rows refused)
    single = np.flatnonzero(~batch.dup & ~written)
    if len(single):
        bulk.insert_new(imports.db, conn, bulk.arrow_rows(batch, single), constants)
    head = Head(import_id, started, rows, source, file)
    rejects = pd.concat(all_rejects, ignore_index=True) if all_rejects else None
    result = imports._finish(conn, batch, rejects, head, empty=True, loaded=dropped)
    if repeated or len(single):
        resequence(conn, batch)
    return result


def _write_parts(
    conn: Connection, parts: Parts, source: str | None, constants: dict[str, Any]
) -> tuple[bulk.Batch, np.ndarray, list[pd.DataFrame], int]:
    """Each part's keyed rows made (the keyer's thread) and its new cameras named once in the
    part (and not among the IDs the reader found more than once in the file: :func:`held`)
    written (the writer's thread) while this thread has the reader validate the next parts (at
    most :data:`AHEAD` parts waiting at each stage, so memory stays that of a few parts): (the
    parts' keyed rows joined, which of them were written, the parts' rejects, input rows). The
    parts are joined while the writer writes the last part."""
    writer = PartWriter(conn, constants)
    keyer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sharpeyes-keys")
    keyed: list[Future[tuple[bulk.Batch, np.ndarray]]] = []
    all_rejects: list[pd.DataFrame] = []
    rows = 0

    def key_and_write(cameras: pd.DataFrame) -> tuple[bulk.Batch, np.ndarray]:
        batch = bulk.keyed_batch(cameras, source=source)
        written = ~batch.dup & ~held(batch, cameras.attrs.get(REPEATED_IDS))
        once = np.flatnonzero(written)
        if len(once):
            writer.wait(AHEAD)
            left = np.flatnonzero(~written)
            if len(left) * 8 <= len(written):  # few left out: stage every row, skip them in SQL
                writer.submit(bulk.arrow_rows(batch, np.arange(len(written))), skip=left)
            else:
                writer.submit(bulk.arrow_rows(batch, once))
        return batch, written

    try:
        # three stages at once, each part in file order: the reader validates part k + 2 (this
        # thread), the keyer makes part k + 1's keyed rows and hashes, the writer writes part k
        for cameras, refused in parts:
            rows += len(cameras)
            if refused is not None and len(refused):
                all_rejects.append(refused)
            if len(keyed) >= AHEAD:
                keyed[-AHEAD].result()  # raises a failure of an earlier part
            keyed.append(keyer.submit(key_and_write, cameras))
        done = [k.result() for k in keyed]
        batch = joined([b for b, _ in done])  # beside the writer's last part
        written = np.concatenate([w for _, w in done]) if done else np.zeros(0, dtype=bool)
        writer.finish()
    finally:
        for later in keyed:
            later.cancel()
        keyer.shutdown(wait=True)
        writer.close()
    return batch, written, all_rejects, rows


def held(batch: bulk.Batch, repeated: RepeatedIds | None) -> np.ndarray:
    """The rows of a part whose device ID the reader found more than once in the whole file
    (:data:`sharpeyes.ingest.parts.REPEATED_IDS`): left to the merge of duplicates, so that no
    first row is written and taken out again (which would leave its ``camera_id`` unused)."""
    n = len(batch.frame)
    if repeated is None or not len(repeated.ids) or not n:
        return np.zeros(n, dtype=bool)
    found = pc.is_in(batch.arrow_ids(), value_set=repeated.ids.cast(bulk.TEXT))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


class PartWriter:
    """Writes each part's new cameras (an Arrow table of :func:`sharpeyes.store.bulk.arrow_rows`)
    on a worker thread, in the order given, with the same ``constants`` on every row. Call
    :meth:`finish` (waits, raises the first failure), and always :meth:`close`."""

    def __init__(self, conn: Connection, constants: dict[str, Any]) -> None:
        self.conn = conn
        self.raw: Any = conn.connection.driver_connection
        self.tail = ", ".join(constants)
        self.values = ", ".join(bulk._literal(v) for v in constants.values())
        self.folder: Path | None = None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sharpeyes-parts")
        self.pending: list[Future[None]] = []

    def submit(self, table: pa.Table, skip: np.ndarray | None = None) -> None:
        """Queue one part's new cameras, less the rows at ``skip`` (0-based; few: the table is
        staged whole, without a filter of every column, and they are left out in SQL). A
        failure of an earlier part is raised here."""
        for done in self.pending:
            if done.done():
                done.result()
        alias = None
        if table.num_rows >= bulk.STAGE_ROWS and staging_room(self.conn) > 0:
            if self.folder is None:
                root = bulk._scratch_root(_SCRATCH_BYTES)
                self.folder = Path(tempfile.mkdtemp(prefix="sharpeyes-parts-", dir=root))
            alias = f"sharpeyes_part_{len(self.pending)}"
            # detached (and the folder removed) when the transaction is over
            hold_staging(self.conn, alias, self.folder)
        elif skip is not None and len(skip):
            keep = np.ones(table.num_rows, dtype=bool)
            keep[skip] = False
            table, skip = table.filter(pa.array(keep)), None
        self.pending.append(self.pool.submit(self._write, table, alias, skip))

    def _write(self, table: pa.Table, alias: str | None, skip: np.ndarray | None) -> None:
        names = ", ".join(table.column_names)
        upsert = "ON CONFLICT (device_id) DO NOTHING"
        if alias is None or self.folder is None:  # few rows: bound one by one
            marks = ", ".join(["?"] * table.num_columns)
            columns = [table.column(c).to_pylist() for c in table.column_names]
            self.raw.executemany(
                f"INSERT INTO cameras ({names}, {self.tail}) VALUES ({marks}, {self.values}) "
                + upsert,
                zip(*columns, strict=True),
            )
            return
        path = self.folder / f"{alias}.db"
        same = constant_texts(table)  # one value in every row: a literal, not staged per row
        staged = table.drop_columns(list(same)) if same else table
        bulk._stage(path, staged)
        names = ", ".join([*staged.column_names, *same, self.tail])
        values = ", ".join([*staged.column_names, *same.values(), self.values])
        # the staged table's rowids are 1…n in the table's order
        where = (
            "true"
            if skip is None or not len(skip)
            else (f"rowid NOT IN ({', '.join(str(int(k) + 1) for k in skip)})")
        )
        self.raw.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
        self.raw.execute(
            f"INSERT INTO cameras ({names}) SELECT {values} "
            f"FROM {alias}.stage WHERE {where} ORDER BY rowid {upsert}"
        )

    def wait(self, pending: int) -> None:
        """Wait until at most ``pending`` parts are queued or being written (raises a failure)."""
        if len(self.pending) >= pending:
            self.pending[-pending].result()

    def finish(self) -> None:
        """Wait for every part; raises the first part's failure."""
        for done in self.pending:
            done.result()

    def close(self) -> None:
        """Cancel the parts not begun and wait for the one being written."""
        for later in self.pending:
            later.cancel()
        self.pool.shutdown(wait=True)


def constant_texts(table: pa.Table) -> dict[str, str]:
    """The text columns of ``table`` (``device_id`` aside) that hold one value in every row, as
    SQL literals by column name (a registry's source, its management unit, …)."""
    same: dict[str, str] = {}
    if table.num_rows == 0:
        return same
    for name in table.column_names:
        column = table.column(name)
        if name == "device_id" or not pa.types.is_large_string(column.type):
            continue
        if column.null_count:
            continue
        first = column[0].as_py()
        if "\x00" in first or not pc.all(pc.equal(column, first)).as_py():
            continue
        same[name] = bulk._literal(first)
    return same


def joined(batches: list[bulk.Batch]) -> bulk.Batch:
    """The keyed rows of several parts as one import's (IDs named more than once told over all)."""
    if len(batches) == 1:
        return batches[0]
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    given = [b.id_hashes for b in batches if b.id_hashes is not None]
    id_hashes = np.concatenate(given) if len(given) == len(batches) else None
    ids = bulk._arrow(frame["device_id"])
    dup = duplicated(ids, id_hashes)  # told by the IDs' hashes, then exactly
    keyless = pd.concat([b.keyless for b in batches], ignore_index=True)
    hashes = np.concatenate([b.hashes for b in batches])
    return bulk.Batch(frame, hashes, dup, keyless, id_hashes)


def repeated_ids(whole: bulk.Batch, written: np.ndarray) -> list[str]:
    """The device IDs a part wrote (named once in it) that another part named again."""
    positions = np.flatnonzero(whole.dup & written)
    return sorted(set(whole.ids_at(positions).tolist()))


def resequence(conn: Connection, whole: bulk.Batch) -> None:
    """Number the cameras of a first load as the import of the whole frame does: the cameras
    named once in file order from 1, then the merged duplicates in the order they were written.

    Needed only when a part wrote the first row of an ID that a later part named again (taken
    out: its number unused) or a row was held back (:func:`held`) that turned out to be named once
    (written after the parts). Each number is first made negative (no clash with one still in
    use); ``row_hash`` is flipped and flipped back on the way (``~``), so that the trigger that
    clears a row hash an UPDATE leaves as it is does not take it.
    """
    raw: Any = conn.connection.driver_connection
    current = raw.execute("SELECT camera_id, device_id FROM cameras ORDER BY camera_id").fetchall()
    fresh = whole.ids_at(np.flatnonzero(~whole.dup)).tolist()
    named = set(fresh)
    order = [*fresh, *(d for _, d in current if d not in named)]
    number = {d: c for c, d in current}
    moves = [(k, number[d]) for k, d in enumerate(order, start=1) if number[d] != k]
    raw.executemany(
        "UPDATE cameras SET camera_id = -camera_id, row_hash = ~row_hash WHERE camera_id = ?",
        [(old,) for _, old in moves],
    )
    raw.executemany(
        "UPDATE cameras SET camera_id = ?, row_hash = ~row_hash WHERE camera_id = ?",
        [(new, -old) for new, old in moves],
    )
