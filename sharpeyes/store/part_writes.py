"""New cameras of an import given in parts (:meth:`sharpeyes.store.Store.import_camera_parts`),
written into an empty SQLite camera table while the reader validates the next part.

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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Connection

from sharpeyes.store import bulk
from sharpeyes.store.engine import hold_staging, staging_room

#: The scratch folder is in ``/dev/shm`` when it has room for this much (bytes) three times over.
_SCRATCH_BYTES = 1 << 28


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

    def submit(self, table: pa.Table) -> None:
        """Queue one part's new cameras (a failure of an earlier part is raised here)."""
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
        self.pending.append(self.pool.submit(self._write, table, alias))

    def _write(self, table: pa.Table, alias: str | None) -> None:
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
        bulk._stage(path, table)
        self.raw.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
        self.raw.execute(
            f"INSERT INTO cameras ({names}, {self.tail}) SELECT {names}, {self.values} "
            f"FROM {alias}.stage WHERE true ORDER BY rowid {upsert}"
        )

    def finish(self) -> None:
        """Wait for every part; raises the first part's failure."""
        for done in self.pending:
            done.result()

    def close(self) -> None:
        """Cancel the parts not begun and wait for the one being written."""
        for later in self.pending:
            later.cancel()
        self.pool.shutdown(wait=True)


def joined(batches: list[bulk.Batch]) -> bulk.Batch:
    """The keyed rows of several parts as one import's (IDs named more than once told over all)."""
    if len(batches) == 1:
        return batches[0]
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    dup = frame["device_id"].duplicated(keep=False).to_numpy(dtype=bool)
    keyless = pd.concat([b.keyless for b in batches], ignore_index=True)
    return bulk.Batch(frame, np.concatenate([b.hashes for b in batches]), dup, keyless)


def repeated_ids(batches: list[bulk.Batch], whole: bulk.Batch) -> list[str]:
    """The device IDs named once in a part but again in another: the first part wrote them."""
    named_once = np.concatenate([~b.dup for b in batches])
    positions = np.flatnonzero(whole.dup & named_once)
    return sorted(set(whole.ids_at(positions).tolist()))
