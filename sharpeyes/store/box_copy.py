"""A county task's camera read on PostGIS (:func:`~sharpeyes.store.partitions.cameras_in_box`):
``COPY (SELECT …) TO STDOUT`` as CSV into Arrow's reader, then columns into the canonical frame,
instead of a Python tuple per row (about 0.2 instead of 0.7 CPU-s in the worker for a county's
115,000 rows; docs/scale.md).

On the server the box is found by the GiST index alone (``geom &&``): the inclusive lon/lat
test — exact where ``&&``'s single-precision boxes are not — and the ``camera_id`` order are
applied here, on the rows read (no second index combined with the first, no sort spilling to
disk at the default ``work_mem``); the transaction also turns off JIT and parallel workers, which
cost more than they save on a read of 100,000 rows by an index.

Same frame as :func:`~sharpeyes.store.cameras.camera_frame` of the same rows (EPSG:4326).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql

from sharpeyes.ingest.merge import KINDS, RECORD_FIELDS
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, CAMERA_SIDE_COLUMNS, WGS84
from sharpeyes.store.engine import Database

__all__ = ["copy_cameras_in_box"]

#: Session settings of the read's transaction (``SET LOCAL``: gone at its end).
_SETTINGS: Final = (
    "SET LOCAL jit = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SET LOCAL work_mem = '64MB'",
)

_ARROW_TYPES: Final = {
    "text": pa.large_string(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


def _columns() -> list[str]:
    return ["camera_id", *RECORD_FIELDS]


def _statement(box: tuple[float, float, float, float]) -> sql.Composed:
    x0, y0, x1, y1 = (float(v) for v in box)
    select = sql.SQL(
        "COPY (SELECT {} FROM cameras WHERE geom && ST_MakeEnvelope({}, {}, {}, {}, 4326)) "
        "TO STDOUT WITH (FORMAT csv)"
    )
    return select.format(
        sql.SQL(", ").join(sql.Identifier(c) for c in _columns()),
        *(sql.Literal(v) for v in (x0, y0, x1, y1)),
    )


def _read_csv(data: bytes) -> pa.Table:
    """The COPY's CSV as typed columns: an unquoted empty field is NULL, a quoted one ``""``."""
    names = _columns()
    types = {c: _ARROW_TYPES[KINDS.get(c, "text")] for c in RECORD_FIELDS}
    types["camera_id"] = pa.int64()
    if not data:
        return pa.schema([(c, types[c]) for c in names]).empty_table()
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _in_order(table: pa.Table, box: tuple[float, float, float, float]) -> pa.Table:
    """The rows whose lon/lat lie in ``box`` (inclusive), in ``camera_id`` order."""
    x0, y0, x1, y1 = (float(v) for v in box)
    lon, lat = table["lon"], table["lat"]
    inside = pc.and_(
        pc.and_(pc.greater_equal(lon, x0), pc.less_equal(lon, x1)),
        pc.and_(pc.greater_equal(lat, y0), pc.less_equal(lat, y1)),
    )
    table = table.filter(inside)
    ids = table["camera_id"].to_numpy()
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        table = table.take(pa.array(np.argsort(ids, kind="stable")))
    return table


def _column(values: pa.ChunkedArray, name: str) -> Any:
    """One canonical column from Arrow, as :func:`~sharpeyes.store.cameras.camera_frame` types it."""
    kind = KINDS.get(name, "text")
    array = values.combine_chunks()
    if kind == "text":
        return pd.arrays.ArrowStringArray(array.cast(pa.large_string()))
    if kind == "float":
        return array.to_numpy(zero_copy_only=False)
    missing = array.is_null().to_numpy(zero_copy_only=False)
    if kind == "int":
        ints = array.fill_null(0).to_numpy(zero_copy_only=False).astype("int64")
        dtype = CAMERA_DTYPES.get(name, "Int64")
        return pd.Series(pd.arrays.IntegerArray(ints, missing)).astype(dtype)  # type: ignore[call-overload]
    flags = array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    return pd.arrays.BooleanArray(flags, missing)


def _frame(table: pa.Table) -> gpd.GeoDataFrame:
    n = table.num_rows
    data: dict[str, Any] = {}
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        if c not in table.column_names:
            dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
            data[c] = pd.Series([None] * n, dtype=dtype)
            continue
        data[c] = _column(table[c], c)
    frame = pd.DataFrame(data)
    lon = frame["lon"].to_numpy()
    lat = frame["lat"].to_numpy()
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat, crs=WGS84), crs=WGS84)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a read makes its 100,000 points and buffers
    (none of them in a cycle): each generation-2 pass walks every object of a worker's heap, and
    they cost 0.15-0.4 CPU-s of a county read's 0.2 for the points alone (measured, docs/scale.md)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def copy_cameras_in_box(db: Database, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Cameras whose position lies in ``box`` (degrees, inclusive), in ``camera_id`` order, as
    the canonical GeoDataFrame (EPSG:4326) without credentials — PostgreSQL only."""
    data = bytearray()
    with db.read() as conn, _collector_paused():
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cursor:
            for setting in _SETTINGS:
                cursor.execute(setting)
            with cursor.copy(_statement(box)) as copy:
                for block in copy:
                    data += block
        return _frame(_in_order(_read_csv(bytes(data)), box))
