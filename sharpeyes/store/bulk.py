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

import functools
import hashlib
import itertools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharpeyes.ingest.hashes import GOLDEN as _GOLDEN
from sharpeyes.ingest.hashes import duplicated
from sharpeyes.ingest.hashes import mix as _mix
from sharpeyes.ingest.hashes import text_hashes as _text_hashes
from sharpeyes.ingest.merge import (
    CREDENTIAL_FIELDS,
    KINDS,
    NO_KEY_REASON,
    RECORD_FIELDS,
    Rows,
    plain_values,
)
from sharpeyes.ingest.record import finish_record
from sharpeyes.model.columns import CAMERA_DTYPES, REJECT_COLUMNS
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, hold_staging, staging_room

#: Fields of an import row, as hashed and merged (credentials included).
HASHED_FIELDS: Final[tuple[str, ...]] = (*RECORD_FIELDS, *CREDENTIAL_FIELDS)
#: At least this many new cameras go through the staging file on SQLite; fewer are bound row by row.
STAGE_ROWS: Final = 5_000
#: The staging is cut into at most this many parts (each ATTACHed: SQLite allows 10 at once) …
STAGE_PARTS: Final = 4
#: … of at least this many rows.
STAGE_PART_ROWS: Final = 100_000
#: Rows per CSV block sent to ``COPY``.
COPY_BLOCK_ROWS: Final = 65_536
#: Changes whenever the hashed fields change (a new canonical column makes every stored hash stale).
_FIELDS_SALT: Final = np.uint64(
    int.from_bytes(hashlib.sha256(",".join(HASHED_FIELDS).encode()).digest()[:8], "little")
)
_ALIASES = itertools.count(1)
TEXT: Final = pa.large_string()


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
    #: uint64 hash of each row's device ID (equal IDs hash alike), to tell repeats over parts.
    id_hashes: np.ndarray | None = None

    @functools.cached_property
    def ids(self) -> np.ndarray:
        """The device IDs (object array of str; made once)."""
        return np.asarray(self.frame["device_id"].to_numpy(dtype=object), dtype=object)

    def ids_at(self, positions: np.ndarray) -> np.ndarray:
        """The device IDs at ``positions`` (object array of str)."""
        if "ids" in self.__dict__ or len(positions) * 4 >= len(self.frame):
            return np.asarray(self.ids[positions], dtype=object)
        return np.asarray(
            self.frame["device_id"].iloc[positions].to_numpy(dtype=object), dtype=object
        )

    def arrow_ids(self) -> pa.ChunkedArray:
        """The device IDs as an Arrow column (no copy)."""
        return _arrow(self.frame["device_id"]).cast(TEXT)

    def part(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` (the frame itself, not a copy, when that is every row)."""
        if len(positions) == len(self.frame):
            return self.frame
        return self.frame.iloc[positions]

    def rows(self, positions: np.ndarray) -> Rows:
        """The rows at ``positions`` as plain-value rows (the form the merge takes)."""
        part = self.part(positions)
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
            dtype = _dtype(name)
            missing = np.nan if pd.api.types.is_float_dtype(dtype) else pd.NA
            column = pd.Series(missing, index=index, dtype=dtype)
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
    hashes, id_hashes = _row_and_id_hashes(table)
    dup = duplicated(_arrow(table["device_id"]), id_hashes)
    return Batch(table, hashes, dup, keyless, id_hashes)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """64-bit content hash (as int64) of each row of :data:`HASHED_FIELDS` in canonical dtypes.

    Each column is hashed vectorised (text: its UTF-8 bytes, 8 at a time; numbers and flags: their
    bits), then the columns are mixed per row in field order, the field names first: two rows hash alike only if every field is alike, and a new
    canonical field changes every hash.
    """
    return _row_and_id_hashes(frame)[0]


def _row_and_id_hashes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`row_hashes`, the uint64 hash of each row's ``device_id`` on its own)."""
    h = np.full(len(frame), _FIELDS_SALT, dtype=np.uint64)
    id_hashes = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for position, name in enumerate(HASHED_FIELDS):
            column = _column_hash(frame[name], KINDS[name])
            if name == "device_id":
                id_hashes = column
            h = _mix(h ^ (column + np.uint64(position) * _GOLDEN))
    return h.view(np.int64), id_hashes


_NULL: Final = np.uint64(0x6A09E667F3BCC909)


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    """A pandas column as Arrow, without a copy when pyarrow holds it already."""
    values = series.array
    arr = values.__arrow_array__() if hasattr(values, "__arrow_array__") else pa.array(values)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _few_distinct(arr: pa.ChunkedArray, sample: int = 4_096) -> bool:
    """Whether a text column repeats its values (judged on its first ``sample`` values): then
    hashing its distinct values and taking them per row is cheaper than hashing every row."""
    head = arr.slice(0, sample)
    return int(pc.count_distinct(head, mode="all").as_py()) * 2 < len(head)


def _column_hash(series: pd.Series, kind: str) -> np.ndarray:
    """uint64 per value of one canonical column; a missing value hashes to one constant."""
    missing = series.isna().to_numpy(dtype=bool)
    if kind == "text":
        if missing.all():
            return np.full(len(series), _NULL, dtype=np.uint64)
        arr = _arrow(series)
        if _few_distinct(arr):  # hash the distinct values only
            encoded = pc.dictionary_encode(arr).combine_chunks()
            table = _text_hashes(pa.chunked_array([encoded.dictionary]))
            codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.intp)
            values = table[codes]
        else:
            values = _text_hashes(arr)
    elif kind == "float":
        values = _mix(series.to_numpy(dtype="float64", na_value=np.nan).view(np.uint64))
    elif kind == "int":
        values = _mix(series.to_numpy(dtype="int64", na_value=0).view(np.uint64))
    else:
        values = _mix(series.to_numpy(dtype="uint64", na_value=2))
    return np.where(missing, _NULL, values).astype(np.uint64)


def stored_hashes(
    db: Database, conn: Connection, ids: pa.ChunkedArray | np.ndarray
) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """(stored, row hash) for each of ``ids``: whether the camera is stored, and its stored row
    hash (``Int64``, missing where none). Reads every stored key at once, as columns (see
    :func:`_every_stored_key`), when the import names a good part of the store, else looks the IDs
    up by the unique index; the IDs are then matched in Arrow (a hash table in C)."""
    cam = s.cameras
    keys = ids if isinstance(ids, pa.ChunkedArray) else pa.chunked_array([pa.array(ids, TEXT)])
    keys = keys.cast(TEXT)
    n = len(keys)
    total = int(conn.execute(sa.select(sa.func.count()).select_from(cam)).scalar_one())
    if total == 0:
        return np.zeros(n, dtype=bool), pd.arrays.IntegerArray(
            np.zeros(n, np.int64), np.ones(n, bool)
        )
    if n * 4 >= total:
        stored_ids, stored, has = _every_stored_key(db, conn)
    else:
        records: list[tuple[Any, ...]] = []
        wanted = keys.to_pylist()
        for start in range(0, n, 5_000):
            chunk = wanted[start : start + 5_000]
            stmt = sa.select(cam.c.device_id, cam.c.row_hash).where(cam.c.device_id.in_(chunk))
            records.extend(db.raw_rows(conn, stmt))
        stored_ids = pa.array([r[0] for r in records], TEXT)
        has = np.array([r[1] is not None for r in records], dtype=bool)
        stored = np.array([r[1] or 0 for r in records], dtype=np.int64)
    where = pc.index_in(keys, value_set=stored_ids)
    found = np.asarray(pc.is_valid(where).to_numpy(zero_copy_only=False), dtype=bool)
    at = np.asarray(pc.fill_null(where, 0).to_numpy(zero_copy_only=False), dtype=np.intp)
    if not len(stored):
        return found, pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))
    hashes = pd.arrays.IntegerArray(stored[at], ~(found & has[at]))
    return found, hashes


def _every_stored_key(db: Database, conn: Connection) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Every stored (device_id, row_hash) as columns: Arrow IDs, int64 hashes, has-a-hash flags.

    SQLite: three aggregate values of one scan (the IDs' bytes end to end; per camera the byte
    length and hash as fixed-width hex; the null flags), cut apart in numpy; no Python value per
    camera. PostgreSQL: ``COPY … TO STDOUT`` read by pyarrow's CSV reader.
    """
    if db.dialect == "postgresql":
        return _copied_keys(conn)
    count, blob, meta, nulls = conn.exec_driver_sql(
        "SELECT count(*), CAST(group_concat(device_id, '') AS BLOB), "
        "group_concat(printf('%08x%016x', length(CAST(device_id AS BLOB)), "
        "ifnull(row_hash, 0)), ''), group_concat(row_hash IS NULL, '') FROM cameras"
    ).one()
    n = int(count)
    digits = np.frombuffer(str(meta).encode("ascii"), dtype=np.uint8).reshape(n, 24)
    nibbles = np.where(digits >= ord("a"), digits - (ord("a") - 10), digits - ord("0"))
    nibbles = nibbles.astype(np.uint64)
    lengths = np.zeros(n, dtype=np.int64)
    for k in range(8):
        lengths = (lengths << 4) | nibbles[:, k].astype(np.int64)
    hashes = np.zeros(n, dtype=np.uint64)
    for k in range(8, 24):
        hashes = (hashes << np.uint64(4)) | nibbles[:, k]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(bytes(blob or b""))
    )
    has = np.frombuffer(str(nulls).encode("ascii"), dtype=np.uint8) == ord("0")
    return ids, hashes.view(np.int64), has


def _copied_keys(conn: Connection) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(device_id, row_hash) of every camera on PostgreSQL, by ``COPY … TO STDOUT (FORMAT csv)``."""
    sink = bytearray()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(
            "COPY (SELECT device_id, row_hash FROM cameras) TO STDOUT (FORMAT csv)"
        ) as copy:
            for block in copy:
                sink += block
    finally:
        cursor.close()
    table = pacsv.read_csv(
        pa.BufferReader(bytes(sink)),
        read_options=pacsv.ReadOptions(column_names=["device_id", "row_hash"]),
        convert_options=pacsv.ConvertOptions(
            column_types={"device_id": TEXT, "row_hash": pa.int64()}, strings_can_be_null=False
        ),
    )
    hashes = table.column("row_hash")
    has = np.asarray(pc.is_valid(hashes).to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(pc.fill_null(hashes, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return table.column("device_id").combine_chunks(), values, has


def unchanged(hashes: np.ndarray, stored: Any) -> np.ndarray:
    """Where the stored row hash (``Int64`` with missing, or an object array with None, where
    none) equals the row's own."""
    known = pd.array(stored, dtype="Int64")
    has = ~np.asarray(known.isna(), dtype=bool)
    same = np.zeros(len(hashes), dtype=bool)
    same[has] = known[has].to_numpy(dtype=np.int64) == hashes[has]
    return same


# -- new cameras, column by column ------------------------------------------------------------------
def arrow_rows(batch: Batch, positions: np.ndarray) -> pa.Table:
    """The rows at ``positions`` (ascending) as an Arrow table of the record fields that have a
    value, plus ``row_hash`` (all-empty columns are left out: they stay NULL). Columns are cut by a
    boolean filter on their Arrow arrays (no pandas take)."""
    n = len(batch.frame)
    keep: pa.Array | None = None
    if len(positions) != n:
        mask = np.zeros(n, dtype=bool)
        mask[positions] = True
        keep = pa.array(mask)
    arrays: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in RECORD_FIELDS:
        column = batch.frame[name]
        if KINDS[name] == "float":
            arr: pa.Array | pa.ChunkedArray = pa.array(
                column.to_numpy(dtype="float64"), from_pandas=True
            )
        elif KINDS[name] == "text":
            arr = _arrow(column).cast(pa.large_string())
        else:
            arr = _arrow(column)
        if keep is not None:
            arr = arr.filter(keep)
        if name != "device_id" and arr.null_count == len(arr):
            continue
        arrays[name] = arr
    hashes = batch.hashes if keep is None else batch.hashes[positions]
    arrays["row_hash"] = pa.array(hashes)
    return pa.table(arrays)


def insert_new(
    db: Database,
    conn: Connection,
    table: pa.Table,
    constants: dict[str, Any],
    *,
    staging: Staging | None = None,
) -> None:
    """INSERT the rows of ``table`` (and the same ``constants`` on every row) into ``cameras``
    (``staging``: the same rows already being staged, :func:`start_staging`)."""
    if staging is not None:
        staging.copy(constants)
    elif db.dialect == "postgresql":
        _copy_csv(conn, table, constants)
    elif table.num_rows >= STAGE_ROWS and staging_room(conn) > 0:
        _insert_staged(conn, table, constants)
    else:  # few rows, or no room left to ATTACH a scratch file in this transaction
        names = [*table.column_names, *constants]
        marks = ", ".join(["?"] * len(names))
        tail = tuple(constants.values())
        columns = [table.column(c).to_pylist() for c in table.column_names]
        db.executemany(
            conn,
            f"INSERT INTO cameras ({', '.join(names)}) VALUES ({marks})",
            ((*r, *tail) for r in zip(*columns, strict=True)),
        )


def start_staging(db: Database, conn: Connection, table: pa.Table) -> Staging | None:
    """The staging of ``table`` begun now, where :func:`insert_new` would stage it (SQLite, at
    least :data:`STAGE_ROWS` rows), else ``None``."""
    if db.dialect == "sqlite" and table.num_rows >= STAGE_ROWS and staging_room(conn) > 0:
        return Staging(conn, table)
    return None


def _literal(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _scratch_root(nbytes: int) -> str | None:
    """Where the staging file goes: ``/dev/shm`` (memory, no disk writes) when it has room for
    three times the table, else the temporary folder (``TMPDIR``)."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 3 * nbytes:
            return str(shm)
    except OSError:
        pass
    return None


def _stage(path: Path, table: pa.Table) -> None:
    """Write ``table`` into a new scratch SQLite file with ADBC (Arrow arrays bound in C; no
    journal, no syncs: the file is thrown away whatever happens)."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(path), autocommit=True) as stage, stage.cursor() as cursor:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "page_size = 65536"):
            cursor.execute(f"PRAGMA {pragma}")
            cursor.fetchall()
        cursor.adbc_ingest("stage", table, mode="create")


def _insert_staged(conn: Connection, table: pa.Table, constants: dict[str, Any]) -> None:
    """Stage ``table`` in scratch files with ADBC, then ``INSERT … SELECT`` each on ``conn``."""
    staging = Staging(conn, table)
    try:
        staging.copy(constants)
    finally:
        staging.close()


class Staging:
    """New cameras staged in scratch files by ADBC in a worker thread, from the moment this is made.

    The table is cut into up to :data:`STAGE_PARTS` parts of at least :data:`STAGE_PART_ROWS` rows;
    :meth:`copy` then copies each part into ``cameras`` with ``INSERT … SELECT`` on ``conn``, in
    file order, inside the import's transaction, while the worker stages the next part (both
    drivers leave Python's lock while SQLite works). Made before the import's merge, so that the
    first part is staged while the merge runs (the scratch files are not the store's). Always
    :meth:`close` it (waits for the worker); the files go when the transaction ends
    (:func:`sharpeyes.store.engine.release_staging`)."""

    def __init__(self, conn: Connection, table: pa.Table) -> None:
        self.conn = conn
        self.folder = Path(
            tempfile.mkdtemp(prefix="sharpeyes-stage-", dir=_scratch_root(table.nbytes))
        )
        n = table.num_rows
        # parts: as many as the transaction may still ATTACH (a long load in one transaction, e.g.
        # the synthetic province county by county, must not pass SQLite's limit)
        room = max(1, min(STAGE_PARTS, staging_room(conn)))
        size = max(STAGE_PART_ROWS, -(-n // room))
        parts = [table.slice(start, size) for start in range(0, n, size)]
        self.names = ", ".join(table.column_names)
        self.aliases = [f"sharpeyes_stage_{next(_ALIASES)}" for _ in parts]
        for alias in self.aliases:  # detached (and the folder removed) when the transaction is over
            hold_staging(conn, alias, self.folder)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sharpeyes-stage")
        self.staged = [
            self.pool.submit(_stage, self.folder / f"stage{k}.db", p) for k, p in enumerate(parts)
        ]

    def copy(self, constants: dict[str, Any]) -> None:
        """``INSERT … SELECT`` every part into ``cameras`` (with ``constants`` on every row)."""
        values = ", ".join(_literal(v) for v in constants.values())
        for k, (alias, done) in enumerate(zip(self.aliases, self.staged, strict=True)):
            done.result()
            path = str(self.folder / f"stage{k}.db")
            self.conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (path,))
            self.conn.exec_driver_sql(
                f"INSERT INTO cameras ({self.names}, {', '.join(constants)}) "
                f"SELECT {self.names}, {values} FROM {alias}.stage ORDER BY rowid"
            )

    def close(self) -> None:
        """Cancel the parts not begun and wait for the one being staged."""
        for later in self.staged:
            later.cancel()
        self.pool.shutdown(wait=True)


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
