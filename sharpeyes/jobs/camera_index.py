"""The compact camera index the API and the map read, built and persisted beside the store.

The API filters, pages and draws tiles of a million cameras from one compact copy of what the
filters and the map need (position, class, status, networked, unit codes), sorted by ``device_id``,
plus the located cameras ordered along a Z-order curve of web-mercator cells
(:func:`sharpeyes.model.tilemath.morton_keys`). It is kept as ``.npy`` files in a folder per camera
content (``<cache root>/cameras-<hash>/``) so that a server, or each of its workers, maps it from
disk in milliseconds.

It is built **at the end of an import** (:func:`refresh_after_import`, called by
:func:`sharpeyes.jobs.ingest.import_files`), so that the first map request after ``sharpeyes
serve`` starts finds it ready; the API builds it itself only when no import did (an older store, a
camera edit). The folder is keyed by the cameras' *content* stamp (newest change-log entry and
newest camera): re-importing an unchanged registry keeps the folder, nothing is rebuilt.

The columns are read as Arrow arrays (ADBC over a scratch copy on SQLite, ``COPY`` on PostgreSQL) and turned into the
index arrays with vectorised Arrow/numpy operations: no Python object per camera.
Coordinates are WGS-84 (EPSG:4326) degrees.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import make_url

from sharpeyes.model.codes import POINT_CLASSES, STATUSES, VERDICTS
from sharpeyes.model.tilemath import morton_keys
from sharpeyes.settings import Settings, load_settings
from sharpeyes.store import Store
from sharpeyes.store.versions import INDEX_COLUMNS, data_versions

log = logging.getLogger("sharpeyes.jobs")

#: Bumped when the files' layout changes (old folders are then rebuilt).
FORMAT: Final = 2
#: Index of each status / verdict code in the compact arrays (0 = missing).
STATUS_CODES: Final = {code: i + 1 for i, code in enumerate(STATUSES)}
VERDICT_CODES: Final = {code: i + 1 for i, code in enumerate(VERDICTS)}
CLASS_CODES: Final = tuple(int(c) for c in POINT_CLASSES)
#: The unit columns of a camera the index keeps (as integer codes into a list of unit codes).
UNIT_COLUMNS: Final = ("admin_code", "township_code", "village_code")
#: Camera columns the index is made of (all in :data:`sharpeyes.store.versions.INDEX_COLUMNS`).
SOURCE_COLUMNS: Final = (
    "device_id", "lon", "lat", "point_class", "status", "networked", *UNIT_COLUMNS,
)  # fmt: skip
#: The arrays of one index folder, one ``.npy`` file each.
ARRAYS: Final = (
    "device_id",
    "lon",
    "lat",
    "point_class",
    "status",
    "networked",
    "unit_admin_code",
    "unit_township_code",
    "unit_village_code",
    "tile_key",
    "tile_rows",
)
assert set(SOURCE_COLUMNS) <= set(INDEX_COLUMNS)


def cache_root(settings: Settings, store: Store) -> Path:
    """Where the index and the tile cache live: ``settings.cache_dir``, else ``<store file>.cache``
    beside a SQLite file, else ``~/.cache/sharpeyes/<hash of the URL>`` (no password in it)."""
    url = make_url(store.engine.url.render_as_string(hide_password=True))
    key = hashlib.sha1(str(url).encode()).hexdigest()[:12]
    if settings.cache_dir:
        return Path(settings.cache_dir).expanduser() / key
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser().resolve()
        return path.with_name(path.name + ".cache")
    if url.get_backend_name() == "sqlite":
        return Path(tempfile.gettempdir()) / f"sharpeyes-{os.getpid()}-{key}"
    return Path("~/.cache/sharpeyes").expanduser() / key


def digest(text: str) -> str:
    """A short stable name for a version stamp (with the files' :data:`FORMAT`)."""
    return hashlib.sha1(f"{FORMAT}:{text}".encode()).hexdigest()[:16]


def index_folder(root: Path, versions: dict[str, str]) -> Path:
    """The folder of the index of ``versions`` (``Store.versions()``: its ``camera_rows`` stamp)."""
    return root / f"cameras-{digest(versions['camera_rows'])}"


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the build lock of ``root`` (one process builds; the others wait, then find it built)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- reading the columns ----------------------------------------------------------------------------


def _sqlite_table(path: str, columns: str) -> pa.Table:
    """The columns copied by SQLite itself into a scratch file, then read from it by ADBC as Arrow.

    ADBC never opens the store file: it links its own copy of SQLite, and two copies of SQLite in one
    process do not see each other's POSIX locks on a file, so they may read a stale snapshot of a
    WAL database (seen here) or worse. The scratch file is written and closed by Python's sqlite3
    before ADBC opens it, and removed after.
    """
    import sqlite3

    import adbc_driver_sqlite.dbapi as adbc

    with tempfile.TemporaryDirectory(prefix="sharpeyes-index-", dir=Path(path).parent) as tmp:
        scratch = str(Path(tmp) / "columns.db")
        source = sqlite3.connect(path, isolation_level=None)
        try:
            source.execute("ATTACH DATABASE ? AS scratch", (scratch,))
            source.execute("PRAGMA scratch.journal_mode = OFF")
            source.execute("PRAGMA scratch.synchronous = OFF")
            source.execute(f"CREATE TABLE scratch.cols AS SELECT {columns} FROM main.cameras")
            if not source.execute("SELECT count(*) FROM scratch.cols").fetchone()[0]:
                source.execute("DETACH DATABASE scratch")
                return _typed(pa.table({c: pa.array([], pa.string()) for c in SOURCE_COLUMNS}))
            source.execute("DETACH DATABASE scratch")
        finally:
            source.close()
        with adbc.connect(scratch) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT * FROM cols")
            table: pa.Table = cursor.fetch_arrow_table()
    return _typed(table, sentinels=True)


#: Each source column in the scratch copy: one storage class throughout, no NULL (ADBC infers a
#: column's type from its first rows and refuses a later value of another type): text ``''``,
#: numbers a sentinel, turned back into missing values by :func:`_typed`.
_NUMERIC: Final = ("lon", "lat", "point_class", "networked")
_SCRATCH_COLUMNS: Final = ", ".join(
    f"CAST(coalesce({c}, 9e999) AS REAL) AS {c}"
    if c in _NUMERIC
    else f"CAST(coalesce({c}, '') AS TEXT) AS {c}"
    for c in SOURCE_COLUMNS
)


def _typed(table: pa.Table, *, sentinels: bool = False) -> pa.Table:
    """:data:`SOURCE_COLUMNS` as strings and float64, the scratch copy's sentinels (``''``, ∞)
    back to missing values."""
    columns = {}
    for name in SOURCE_COLUMNS:
        numeric = name in _NUMERIC
        values = pc.cast(table.column(name), pa.float64() if numeric else pa.string())
        if sentinels:
            blank = pc.is_inf(values) if numeric else pc.equal(values, "")
            values = pc.if_else(blank, pa.scalar(None, values.type), values)
        columns[name] = values
    return pa.table(columns)


def _postgres_table(store: Store, sql: str) -> pa.Table:
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    with store.engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        with raw.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    types = {c: pa.string() for c in ("device_id", "status", *UNIT_COLUMNS)}
    types |= {"lon": pa.float64(), "lat": pa.float64(), "point_class": pa.float64()}
    types["networked"] = pa.string()  # PostgreSQL writes booleans as t / f
    options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
    table: pa.Table = pacsv.read_csv(buffer, convert_options=options)
    networked = pc.equal(table.column("networked"), "t")
    return table.set_column(table.schema.get_field_index("networked"), "networked", networked)


def read_columns(store: Store) -> pa.Table:
    """:data:`SOURCE_COLUMNS` of every camera as an Arrow table (no credential can be named)."""
    sql = "SELECT " + ", ".join(SOURCE_COLUMNS) + " FROM cameras"
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return _sqlite_table(url.database, _SCRATCH_COLUMNS)
    if url.get_backend_name() == "postgresql":
        return _postgres_table(store, sql)
    from sharpeyes.store.versions import camera_columns

    columns = camera_columns(store.db, list(SOURCE_COLUMNS))
    return pa.table({c: pa.array(list(columns[c]), from_pandas=True) for c in SOURCE_COLUMNS})


# -- the arrays -------------------------------------------------------------------------------------


def _fixed_width_bytes(strings: pa.Array) -> np.ndarray:
    """UTF-8 strings as a fixed-width ``S<n>`` array (zero-padded), straight from Arrow's buffers."""
    binary = pc.cast(pc.fill_null(strings, ""), pa.large_binary())
    n = len(binary)
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[
        binary.offset : binary.offset + n + 1
    ]
    data = binary.buffers()[2]
    values = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    lengths = np.diff(offsets)
    width = max(1, int(lengths.max()) if n else 1)
    if n and int(lengths.min()) == width:  # IDs of one length (GB/T 28181 codes): a reshape
        chunk = values[offsets[0] : offsets[-1]]
        return np.ascontiguousarray(chunk).view(f"S{width}").reshape(n)
    out = np.zeros((n, width), dtype=np.uint8)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(len(rows)) - np.repeat(offsets[:-1] - offsets[0], lengths)
    out[rows, cols] = values[offsets[0] : offsets[-1]]
    return out.view(f"S{width}").reshape(n)


def _small_codes(values: pa.ChunkedArray, table: dict[Any, int]) -> np.ndarray:
    """Each value's code in ``table`` (0: missing or unknown), through the few distinct values."""
    encoded = pc.dictionary_encode(values.combine_chunks())
    lookup = np.array([table.get(v, 0) for v in encoded.dictionary.to_pylist()] + [0], np.int8)
    codes: np.ndarray = lookup[_indices(encoded)]  # -1 (missing) takes the last slot: 0
    return codes


def _indices(encoded: pa.DictionaryArray) -> np.ndarray:
    """A dictionary array's indices as int32, ``-1`` where the value is missing."""
    filled = pc.fill_null(pc.cast(encoded.indices, pa.int32()), -1)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.int32)


def _unit_codes(values: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1: none) and the unit codes they point into."""
    encoded = pc.dictionary_encode(pc.cast(values, pa.string()).combine_chunks())
    return _indices(encoded), [str(c) for c in encoded.dictionary.to_pylist()]


def _numbers(values: pa.ChunkedArray) -> np.ndarray:
    """A numeric (or boolean) column as float64, missing as NaN."""
    cast = pc.cast(values, pa.float64()) if values.type != pa.float64() else values
    return np.asarray(cast.to_numpy(zero_copy_only=False), dtype=np.float64)


def arrays_from_table(table: pa.Table) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The index arrays (see :data:`ARRAYS`) from :data:`SOURCE_COLUMNS` of the cameras, any order:
    rows sorted by ``device_id`` (UTF-8 byte order), unit columns as codes into their lists."""
    device_id = _fixed_width_bytes(table.column("device_id").combine_chunks())
    order = np.argsort(device_id, kind="stable")
    table = table.take(pa.array(order))
    point_class = _numbers(table.column("point_class"))
    networked = _numbers(table.column("networked"))
    arrays: dict[str, np.ndarray] = {
        "device_id": device_id[order],
        "lon": _numbers(table.column("lon")),
        "lat": _numbers(table.column("lat")),
        "point_class": np.nan_to_num(point_class, nan=0).astype(np.int8),
        "status": _small_codes(pc.cast(table.column("status"), pa.string()), STATUS_CODES),
        "networked": np.where(np.isnan(networked), -1, networked != 0).astype(np.int8),
    }
    categories: dict[str, list[str]] = {}
    for column in UNIT_COLUMNS:
        arrays[f"unit_{column}"], categories[column] = _unit_codes(table.column(column))
    located = np.flatnonzero(np.isfinite(arrays["lon"]) & np.isfinite(arrays["lat"]))
    keys = morton_keys(arrays["lon"][located], arrays["lat"][located])
    by_key = np.argsort(keys, kind="stable")
    arrays["tile_key"] = keys[by_key]
    arrays["tile_rows"] = located[by_key].astype(np.int32)
    return arrays, categories


def frame_table(cameras: pd.DataFrame) -> pa.Table:
    """:data:`SOURCE_COLUMNS` of a camera frame as an Arrow table (missing unit columns empty)."""
    columns: dict[str, pa.Array] = {}
    for column in SOURCE_COLUMNS:
        values = cameras[column] if column in cameras else pd.Series([None] * len(cameras))
        if column in ("lon", "lat", "point_class", "networked"):
            numbers = pd.to_numeric(values.astype("object"), errors="coerce")
            columns[column] = pa.array(numbers.to_numpy(dtype=np.float64), type=pa.float64())
        else:
            text = values.astype("object").where(values.notna(), None)
            columns[column] = pa.array([None if v is None else str(v) for v in text], pa.string())
    return pa.table(columns)


def arrays_from_frame(cameras: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The index arrays from a camera frame (see :func:`arrays_from_table`)."""
    return arrays_from_table(frame_table(cameras))


# -- the folder -------------------------------------------------------------------------------------


def write_index(store: Store, folder: Path) -> int:
    """Read the cameras' columns and publish the index as ``folder`` (written aside, renamed);
    the number of cameras."""
    arrays, categories = arrays_from_table(read_columns(store))
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    for name in ARRAYS:
        np.save(tmp / f"{name}.npy", arrays[name], allow_pickle=False)
    count = len(arrays["device_id"])
    (tmp / "meta.json").write_text(
        json.dumps({"categories": categories, "cameras": count}), encoding="utf-8"
    )
    try:
        tmp.rename(folder)
    except OSError:  # another process renamed its copy first
        shutil.rmtree(tmp, ignore_errors=True)
    return count


def prune(root: Path, keep: set[str]) -> None:
    """Remove index folders and verdict files not named in ``keep``."""
    for old in root.iterdir():
        if old.name.startswith(("cameras-", "verdicts-")) and old.name not in keep:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def ensure_index(store: Store, root: Path, versions: dict[str, str] | None = None) -> Path:
    """The index folder of the store's current cameras under ``root``, built if no process did."""
    versions = versions or data_versions(store.db)
    folder = index_folder(root, versions)
    if (folder / "meta.json").exists():
        return folder
    with locked(root):
        if not (folder / "meta.json").exists():
            start = time.perf_counter()
            count = write_index(store, folder)
            log.info("camera index built: %d cameras in %.1f s", count, time.perf_counter() - start)
            keep = {folder.name, "tiles"} | {p.name for p in root.glob("verdicts-*")}
            prune(root, keep)
    return folder


def refresh_after_import(store: Store, *, cache_dir: str | None = None) -> Path | None:
    """Build the index of the store's cameras after an import (see the module docstring), so the
    API finds it ready; ``None`` for an in-memory store. A failure is logged, never raised: the
    import stands, and the API builds the index itself later."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and (not url.database or url.database == ":memory:"):
        return None
    try:
        settings = load_settings() if cache_dir is None else load_settings(cache_dir=cache_dir)
        return ensure_index(store, cache_root(settings, store))
    except Exception as exc:  # an optimisation: the import must not fail because of it
        log.warning("building the camera index after the import failed: %r", exc)
        return None
