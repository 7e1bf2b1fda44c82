"""The columnar write path of camera imports: the canonical frame's columns straight into the database.

:func:`keyed_batch` turns an import's frame into its keyed rows (canonical dtypes, one pandas/Arrow
column per field of :data:`HASHED_FIELDS`, every canonical column taken generically from
:data:`sharpeyes.ingest.merge.RECORD_FIELDS`), a 64-bit content hash per row (:func:`row_hashes`)
and the rows of IDs named more than once. The store then splits the rows three ways
(:meth:`sharpeyes.store.imports.CameraImports._import`): new cameras named once are written here,
column by column, without becoming Python values; stored cameras whose row hash is unchanged are left
alone (importing the same row again is a no-op by the merge rules); the rest go through the full merge.

New cameras are written

* on SQLite: by ADBC's SQLite driver (Arrow arrays bound in C) into a staging table in a private
  scratch file, which the import's own connection ATTACHes and copies into ``cameras`` with ONE
  ``INSERT … SELECT`` inside the import's transaction, so atomicity is the store's. The store's file is
  only ever written by the store's connection: two SQLite libraries in one process must not share a
  database file (closing one drops the POSIX locks of the other). The scratch file is detached and
  removed when the transaction is over (:func:`release`);
* on PostgreSQL: by ``COPY cameras (…) FROM STDIN (FORMAT csv)`` (psycopg 3's ``cursor.copy``) with
  the CSV written by pyarrow, a block of rows at a time.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharpeyes.ingest.merge import (
    CREDENTIAL_FIELDS,
    KINDS,
    NO_KEY_REASON,
    RECORD_FIELDS,
    Rows,
    is_missing,
    plain_values,
)
from sharpeyes.ingest.record import finish_record
from sharpeyes.model.columns import CAMERA_DTYPES, REJECT_COLUMNS
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, hold_staging

#: Fields of an import row, as hashed and merged (credentials included).
HASHED_FIELDS: Final[tuple[str, ...]] = (*RECORD_FIELDS, *CREDENTIAL_FIELDS)
#: At least this many new cameras go through the staging file on SQLite; fewer are bound row by row.
STAGE_ROWS: Final = 5_000
#: Rows per CSV block sent to ``COPY``.
COPY_BLOCK_ROWS: Final = 65_536
#: Changes whenever the hashed fields change (a new canonical column makes every stored hash stale).
_FIELDS_SALT: Final = np.uint64(
    int.from_bytes(hashlib.sha256(",".join(HASHED_FIELDS).encode()).digest()[:8], "little")
)
_ALIASES = itertools.count(1)


def _dtype(name: str) -> Any:
    dtype = CAMERA_DTYPES.get(name)
    if dtype is None:
        return "boolean" if KINDS.get(name) == "bool" else pd.StringDtype("pyarrow")
    return pd.StringDtype("pyarrow") if dtype == "string" else dtype


def _canonical(series: pd.Series, name: str) -> pd.Series:
    """A column in its canonical dtype (text as Arrow strings; non-finite floats as missing)."""
    kind = KINDS[name]
    if kind == "text":
        if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
            return series
        return series.astype(pd.StringDtype("pyarrow"))
    if kind == "float":
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(numbers)
        if not finite.all():
            numbers = np.where(finite, numbers, np.nan)
        return pd.Series(numbers, index=series.index)
    if kind == "int":
        return pd.to_numeric(series, errors="coerce").astype(_dtype(name))
    return series.astype("boolean")


@dataclass
class Batch:
    """An import's keyed rows: ``frame`` (:data:`HASHED_FIELDS`, canonical dtypes, index 0…m-1),
    ``hashes`` (int64 per row), ``dup`` (the ID is named more than once), and ``keyless``: the
    rejects of the rows without any key."""

    frame: pd.DataFrame
    hashes: np.ndarray
    dup: np.ndarray
    keyless: pd.DataFrame

    @property
    def ids(self) -> np.ndarray:
        """The device IDs (object array of str)."""
        return np.asarray(self.frame["device_id"].to_numpy(dtype=object), dtype=object)

    def rows(self, positions: np.ndarray) -> Rows:
        """The rows at ``positions`` as plain-value rows (the form the merge takes)."""
        part = self.frame.iloc[positions]
        return {name: plain_values(part[name], KINDS[name]) for name in HASHED_FIELDS}


def keyed_batch(cameras: pd.DataFrame, *, source: str | None) -> Batch:
    """The keyed rows of an import's frame (finished first: codes filled, credentials split, extra
    packed), keys stripped (blank is no key), a missing ``source`` filled with ``source``."""
    frame = finish_record(cameras)
    index = pd.RangeIndex(len(frame))
    data: dict[str, pd.Series] = {}
    for name in HASHED_FIELDS:
        if name in frame.columns:
            column = pd.Series(frame[name].array, index=index)
        else:
            column = pd.Series(pd.NA, index=index, dtype=_dtype(name))
        data[name] = _canonical(column, name)
    keys = data["device_id"].str.strip()
    data["device_id"] = keys.mask(keys == "")
    if source is not None:
        data["source"] = data["source"].fillna(source)
    table = pd.DataFrame(data, index=index, copy=False)
    no_key = table["device_id"].isna().to_numpy(dtype=bool)
    keyless = pd.DataFrame(
        {
            "file": None,
            "sheet": None,
            "row": [None] * int(no_key.sum()),
            "column": "device_id",
            "value": None,
            "reason": NO_KEY_REASON,
        },
        columns=list(REJECT_COLUMNS),
    )
    if "row" in frame.columns and no_key.any():
        keyless["row"] = frame["row"].to_numpy()[no_key]
    if no_key.any():
        table = table[~no_key].reset_index(drop=True)
    dup = table["device_id"].duplicated(keep=False).to_numpy(dtype=bool)
    return Batch(table, row_hashes(table), dup, keyless)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """64-bit content hash (as int64) of each row of :data:`HASHED_FIELDS` in canonical dtypes.

    pandas' vectorised hash of every column, combined per row, with the field names mixed in: two
    rows hash alike only if every field is alike, and a new canonical field changes every hash.
    """
    hashed = pd.util.hash_pandas_object(frame[list(HASHED_FIELDS)], index=False).to_numpy()
    return np.asarray(hashed ^ _FIELDS_SALT, dtype=np.uint64).view(np.int64)


def stored_hashes(db: Database, conn: Connection, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(stored, row hash) for each of ``ids``: whether the camera is stored, and its stored row
    hash (object array, None where none). Reads every stored key when the import names a good part
    of the store, else looks the IDs up by the unique index."""
    cam = s.cameras
    total = int(conn.execute(sa.select(sa.func.count()).select_from(cam)).scalar_one())
    wanted = [str(i) for i in ids]
    if len(wanted) * 4 >= total:
        records = db.raw_rows(conn, sa.select(cam.c.device_id, cam.c.row_hash))
    else:
        records = []
        for start in range(0, len(wanted), 5_000):
            chunk = wanted[start : start + 5_000]
            stmt = sa.select(cam.c.device_id, cam.c.row_hash).where(cam.c.device_id.in_(chunk))
            records.extend(db.raw_rows(conn, stmt))
    if not records:
        return np.zeros(len(ids), dtype=bool), np.zeros(len(ids), dtype=object)
    stored_ids, stored = zip(*records, strict=True)
    where = pd.Index(stored_ids).get_indexer(pd.Index(wanted))
    known = np.asarray(stored, dtype=object)
    found = where >= 0
    hashes = np.full(len(ids), None, dtype=object)
    hashes[found] = known[where[found]]
    return found, hashes


def unchanged(hashes: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """Where the stored row hash (object array, None for none) equals the row's own."""
    has = ~is_missing(stored)
    same = np.zeros(len(hashes), dtype=bool)
    same[has] = stored[has].astype(np.int64) == hashes[has]
    return same


# -- new cameras, column by column ------------------------------------------------------------------
def arrow_rows(batch: Batch, positions: np.ndarray) -> pa.Table:
    """The rows at ``positions`` as an Arrow table of the record fields that have a value, plus
    ``row_hash`` (all-empty columns are left out: they stay NULL)."""
    part = batch.frame.iloc[positions]
    arrays: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in RECORD_FIELDS:
        column = part[name]
        if name != "device_id" and not column.notna().any():
            continue
        if KINDS[name] == "float":
            arrays[name] = pa.array(column.to_numpy(dtype="float64"), from_pandas=True)
        elif KINDS[name] == "text":
            arrays[name] = pa.array(column.array).cast(pa.large_string())
        else:
            arrays[name] = pa.array(column.array)
    arrays["row_hash"] = pa.array(batch.hashes[positions])
    return pa.table(arrays)


def insert_new(db: Database, conn: Connection, table: pa.Table, constants: dict[str, Any]) -> None:
    """INSERT the rows of ``table`` (and the same ``constants`` on every row) into ``cameras``."""
    if db.dialect == "postgresql":
        _copy_csv(conn, table, constants)
    elif table.num_rows >= STAGE_ROWS:
        _insert_staged(conn, table, constants)
    else:
        names = [*table.column_names, *constants]
        marks = ", ".join(["?"] * len(names))
        tail = tuple(constants.values())
        columns = [table.column(c).to_pylist() for c in table.column_names]
        db.executemany(
            conn,
            f"INSERT INTO cameras ({', '.join(names)}) VALUES ({marks})",
            ((*r, *tail) for r in zip(*columns, strict=True)),
        )


def _literal(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _insert_staged(conn: Connection, table: pa.Table, constants: dict[str, Any]) -> None:
    """Stage ``table`` in a scratch file with ADBC, then ONE ``INSERT … SELECT`` on ``conn``."""
    import adbc_driver_sqlite.dbapi as adbc

    folder = Path(tempfile.mkdtemp(prefix="sharpeyes-stage-"))
    alias = f"sharpeyes_stage_{next(_ALIASES)}"
    hold_staging(conn, alias, folder)  # detached and removed when the transaction is over
    path = folder / "stage.db"
    with adbc.connect(str(path)) as stage:
        with stage.cursor() as cursor:
            cursor.adbc_ingest("stage", table, mode="create")
        stage.commit()
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
    names = ", ".join(table.column_names)
    values = ", ".join(_literal(v) for v in constants.values())
    conn.exec_driver_sql(
        f"INSERT INTO cameras ({names}, {', '.join(constants)}) "
        f"SELECT {names}, {values} FROM {alias}.stage ORDER BY rowid"
    )


def _copy_csv(conn: Connection, table: pa.Table, constants: dict[str, Any]) -> None:
    """``COPY cameras (…) FROM STDIN (FORMAT csv)``, the CSV written by pyarrow in blocks.

    Unquoted empty fields are NULL, quoted ones empty text (pyarrow quotes every text value).
    """
    n = table.num_rows
    for name, value in constants.items():
        table = table.append_column(name, pa.array(np.full(n, value)))
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            f"COPY cameras ({', '.join(table.column_names)}) FROM STDIN (FORMAT csv)"
        ) as copy:
            for block in table.to_batches(max_chunksize=COPY_BLOCK_ROWS):
                sink = pa.BufferOutputStream()
                pacsv.write_csv(block, sink, options)
                copy.write(memoryview(sink.getvalue()))
    finally:
        cursor.close()
