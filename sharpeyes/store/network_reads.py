"""The inventory's columns the network checks need, read column by column as Arrow.

``sharpeyes network check`` at a province (10,000,000 cameras) cannot afford the canonical frame of
:meth:`~sharpeyes.store.Store.cameras` (every field, a Python object per value). This reader takes
only the attachment columns, in blocks, into Arrow arrays: the device ID as Arrow text; ``uplink``,
``parent_id`` and ``admin_code`` dictionary-encoded (pandas ``Categorical``: a small table of
names and an integer code per camera); class, networking flag and resolution as nullable numbers.
The codec comes from the ``extra`` JSON of the few rows that name one.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa

from sharpeyes.store import schema as s

__all__ = [
    "CameraSlice",
    "camera_blocks",
    "device_parents",
    "existing_devices",
    "has_parent_ids",
    "network_cameras",
    "padded_devices",
]

_BLOCK_ROWS: Final = 200_000
#: The characters ``str.strip()`` takes off (the network checks strip device IDs so).
_WHITESPACE: Final = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
_TEXT: Final = ("device_id", "admin_code", "uplink", "parent_id")
_CATEGORICAL: Final = ("admin_code", "uplink", "parent_id")
_TYPES: Final = {
    "camera_id": pa.int64(),
    "device_id": pa.string(),
    "point_class": pa.int64(),
    "networked": pa.bool_(),
    "admin_code": pa.string(),
    "resolution": pa.int64(),
    "uplink": pa.string(),
    "parent_id": pa.string(),
    "lon": pa.float64(),
    "lat": pa.float64(),
}
_CODEC_KEYS: Final = ("codec", "VideoCodec", "video_codec", "编码格式", "视频编码", "编码方式")
_COLUMNS: Final = (
    "camera_id",
    "device_id",
    "point_class",
    "networked",
    "admin_code",
    "resolution",
    "uplink",
    "parent_id",
    "lon",
    "lat",
)


def network_cameras(db: Any) -> pd.DataFrame:
    """Every camera's ``device_id, point_class, networked, admin_code, resolution, uplink,
    parent_id, lon, lat`` (WGS-84 degrees) and ``extra`` (only where it names a codec, else
    missing), in store order, with no Python object per camera (see the module docstring).

    SQLite: one query read by ADBC straight into Arrow; PostgreSQL: ``COPY … TO STDOUT`` into a
    scratch file read by pyarrow's CSV reader; other back ends: rows in blocks."""
    with db.read() as conn:
        if db.dialect == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
            # ADBC's own connection: the store's keeps a 256 MiB page cache a scan would fill
            table, extra = _sqlite_table(str(db.engine.url.database))
        else:
            table = _copied_table(conn) if db.dialect == "postgresql" else _row_blocks(conn)
            extra = _codec_rows(conn)
    frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for name in _COLUMNS[1:]:
        frame[name] = _column(name, table.column(name))
    ids = table.column("camera_id").to_numpy()
    del table
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    frame["extra"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if len(extra):
        at = np.searchsorted(ids, extra["camera_id"].to_numpy(dtype=np.int64))
        frame.loc[at, "extra"] = extra["extra"].to_numpy(dtype=object)
    return frame


def _column(name: str, column: pa.ChunkedArray) -> Any:
    if name in _CATEGORICAL:
        return _categorical(column)
    if name == "device_id":
        return pd.Series(pd.array(column, dtype=pd.StringDtype("pyarrow")))
    if name == "networked":
        return pd.Series(pd.array(column.to_pandas(), dtype="boolean"))
    if name in ("lon", "lat"):
        return column.to_numpy().astype("float64")
    return pd.Series(pd.array(column.to_pandas(), dtype="Int64"))


#: SQLite's values are typed row by row and ADBC infers a column's type from its first rows, so
#: missing values are read as sentinels of the column's type and put back as missing.
_NULL_INT: Final = -(2**62)
_NULL_FLOAT: Final = 1e300


def _sqlite_select() -> str:
    parts = []
    for c in _COLUMNS:
        if c in _TEXT:
            parts.append(f"ifnull(CAST({c} AS TEXT), '') AS {c}")
        elif c in ("lon", "lat"):
            parts.append(f"ifnull(CAST({c} AS REAL), {_NULL_FLOAT!r}) AS {c}")
        else:
            parts.append(f"ifnull(CAST({c} AS INTEGER), {_NULL_INT}) AS {c}")
    return f"SELECT {', '.join(parts)} FROM cameras ORDER BY camera_id"


def _sqlite_table(path: str) -> tuple[pa.Table, pd.DataFrame]:
    """The columns by ADBC, batch by batch (sentinels put back as missing, names dictionary-encoded
    per batch and unified at the end: the raw text of only one batch is held at a time)."""
    import adbc_driver_sqlite.dbapi as adbc

    chunks: dict[str, list[pa.Array]] = {c: [] for c in _COLUMNS}
    with adbc.connect(path) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_BLOCK_ROWS)})
        cursor.execute(_sqlite_select())
        for batch in cursor.fetch_record_batch():
            for c in _COLUMNS:
                chunks[c].append(_unsentinel(c, batch.column(c)))
        cursor.execute(_codec_sql())
        extra = pd.DataFrame(cursor.fetchall(), columns=["camera_id", "extra"])
    columns = {}
    for c in _COLUMNS:
        kind = pa.dictionary(pa.int32(), pa.string()) if c in _CATEGORICAL else _TYPES[c]
        columns[c] = pa.chunked_array(chunks.pop(c), type=kind)
    return pa.table(columns), extra


def _unsentinel(name: str, col: pa.Array) -> pa.Array:
    if name in _TEXT:
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        return pc.dictionary_encode(col) if name in _CATEGORICAL else col
    if name in ("lon", "lat"):
        return pc.if_else(pc.equal(col, _NULL_FLOAT), pa.scalar(None, pa.float64()), col)
    col = pc.if_else(pc.equal(col, _NULL_INT), pa.scalar(None, pa.int64()), col)
    return col.cast(pa.bool_()) if name == "networked" else col


def _copied_table(conn: Any) -> pa.Table:
    """The columns on PostgreSQL by ``COPY … TO STDOUT (FORMAT csv)`` through a scratch file."""
    types = {c: _TYPES[c] for c in _COLUMNS}
    select = ", ".join(f"{c}::int" if c == "networked" else c for c in _COLUMNS)
    with tempfile.TemporaryFile() as sink:
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(
                f"COPY (SELECT {select} FROM cameras ORDER BY camera_id) TO STDOUT (FORMAT csv)"
            ) as copy:
                for block in copy:
                    sink.write(block)
        finally:
            cursor.close()
        sink.seek(0)
        table = pacsv.read_csv(
            sink,
            read_options=pacsv.ReadOptions(column_names=list(_COLUMNS)),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.int8() if c == "networked" else t for c, t in types.items()},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    return table.set_column(
        _COLUMNS.index("networked"),
        "networked",
        table.column("networked").cast(pa.bool_()),
    )


def _row_blocks(conn: Any) -> pa.Table:
    cam = s.cameras
    stmt = sa.select(*(cam.c[c] for c in _COLUMNS)).order_by(cam.c.camera_id)
    blocks: list[pa.Table] = []
    result = conn.execution_options(stream_results=True).execute(stmt)
    for rows in result.partitions(_BLOCK_ROWS):
        columns = list(zip(*rows, strict=True))
        blocks.append(pa.table({c: _arrow(c, v) for c, v in zip(_COLUMNS, columns, strict=True)}))
    return pa.concat_tables(blocks) if blocks else _empty()


def _arrow(name: str, values: tuple[Any, ...]) -> pa.Array:
    if name == "networked":
        return pa.array([None if v is None else bool(v) for v in values], type=pa.bool_())
    return pa.array(values, type=_TYPES[name], from_pandas=name in ("lon", "lat"))


def _empty() -> pa.Table:
    return pa.table({c: _arrow(c, ()) for c in _COLUMNS})


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """Text (or dictionary-encoded text) as a pandas ``Categorical`` (missing stays missing)."""
    if pa.types.is_dictionary(column.type):
        column = column.unify_dictionaries()
        codes = np.concatenate(
            [np.zeros(0, np.int32)]
            + [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in column.chunks]
        ).astype(np.int32)
        names = column.chunks[0].dictionary.to_pylist() if column.num_chunks else []
        return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
    encoded = column.combine_chunks().dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    return pd.Categorical.from_codes(codes, categories=categories)


def _codec_rows(conn: Any) -> pd.DataFrame:
    """``camera_id, extra`` of the rows whose ``extra`` may name a codec (a superset: the network
    checks parse it as they do the canonical frame's)."""
    cam = s.cameras
    stmt = (
        sa.select(cam.c.camera_id, cam.c.extra)
        .where(sa.or_(*(cam.c.extra.like(f"%{k}%") for k in _CODEC_KEYS)))
        .order_by(cam.c.camera_id)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=["camera_id", "extra"])


def _codec_sql() -> str:
    like = " OR ".join(f"extra LIKE '%{k}%'" for k in _CODEC_KEYS)
    return f"SELECT camera_id, extra FROM cameras WHERE {like} ORDER BY camera_id"


# -- streamed blocks (``network check`` at a province, and one county per Dask task) ---------------
_BLOCK_COLUMNS: Final = (*_COLUMNS, "extra")
_COUNTY_CODE: Final = re.compile(r"[0-9A-Za-z]{1,12}")


@dataclass(frozen=True)
class CameraSlice:
    """Which cameras a read takes: those whose ``admin_code`` starts with ``county``; with
    ``rest_of``, those whose ``admin_code`` starts with none of these codes (or is missing);
    neither: every camera. ``with_parent``: only those with a ``parent_id``."""

    county: str | None = None
    rest_of: tuple[str, ...] | None = None
    with_parent: bool = False

    def where(self) -> str:
        """The SQL condition (codes checked to be letters and digits, so inlined safely)."""
        parts = []
        if self.county is not None:
            parts.append(_prefix(self.county))
        if self.rest_of is not None:
            inside = " OR ".join(_prefix(c) for c in self.rest_of)
            parts.append(f"(admin_code IS NULL OR NOT ({inside}))" if inside else "1 = 1")
        if self.with_parent:
            parts.append("parent_id IS NOT NULL")
        return " AND ".join(parts) if parts else "1 = 1"


def _prefix(code: str) -> str:
    """``admin_code`` starts with ``code``, as an index range."""
    if not _COUNTY_CODE.fullmatch(code):
        from sharpeyes._errors import InputError

        raise InputError(f"not a county code: {code!r}", field="admin_code")
    upper = code[:-1] + chr(ord(code[-1]) + 1)
    return f"(admin_code >= '{code}' AND admin_code < '{upper}')"


def _codec_case() -> str:
    like = " OR ".join(f"extra LIKE '%{k}%'" for k in _CODEC_KEYS)
    return f"CASE WHEN {like} THEN extra END"


def camera_blocks(db: Any, part: CameraSlice | None = None) -> Iterator[pd.DataFrame]:
    """The cameras of ``part`` (default: all) in store order, in blocks of about
    :data:`_BLOCK_ROWS`, as :func:`network_cameras` types them (device ID as Arrow text, names
    ``Categorical`` per block) plus ``camera_id`` and ``extra`` where it names a codec: a
    province's inventory, one block in memory at a time.

    SQLite: ADBC's record batches; PostgreSQL: ``COPY … TO STDOUT`` into a scratch file, read back
    by pyarrow's streaming CSV reader; other back ends: rows in blocks."""
    where = (part or CameraSlice()).where()
    if db.dialect == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        yield from _sqlite_blocks(str(db.engine.url.database), where)
        return
    with db.read() as conn:
        if db.dialect == "postgresql":
            yield from _copied_blocks(conn, where)
        else:
            yield from _generic_blocks(conn, where)


def _block_frame(table: pa.Table) -> pd.DataFrame:
    frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    frame["camera_id"] = table.column("camera_id").to_numpy().astype(np.int64)
    for name in _COLUMNS[1:]:
        frame[name] = _column(name, table.column(name))
    frame["extra"] = pd.array(table.column("extra").to_pylist(), dtype="string")
    return frame


def _sqlite_blocks(path: str, where: str) -> Iterator[pd.DataFrame]:
    import adbc_driver_sqlite.dbapi as adbc

    select = _sqlite_select().replace(" FROM cameras ORDER BY camera_id", "")
    sql = (
        f"{select}, ifnull({_codec_case()}, '') AS extra FROM cameras "
        f"WHERE {where} ORDER BY camera_id"
    )
    with adbc.connect(path) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_BLOCK_ROWS)})
        cursor.execute(sql)
        for batch in cursor.fetch_record_batch():
            if not batch.num_rows:
                continue
            columns = {c: _unsentinel(c, batch.column(c)) for c in _COLUMNS}
            extra = batch.column("extra")
            columns["extra"] = pc.if_else(pc.equal(extra, ""), pa.scalar(None, pa.string()), extra)
            yield _block_frame(pa.table(columns))
        pa.default_memory_pool().release_unused()


def _copied_blocks(conn: Any, where: str) -> Iterator[pd.DataFrame]:
    select = ", ".join(f"{c}::int" if c == "networked" else c for c in _COLUMNS)
    types = {c: pa.int8() if c == "networked" else _TYPES[c] for c in _COLUMNS}
    with tempfile.TemporaryFile() as sink:
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(
                f"COPY (SELECT {select}, {_codec_case()} AS extra FROM cameras WHERE {where} "
                "ORDER BY camera_id) TO STDOUT (FORMAT csv)"
            ) as copy:
                for chunk in copy:
                    sink.write(chunk)
        finally:
            cursor.close()
        if not sink.tell():
            return  # no rows: pyarrow refuses an empty CSV
        sink.seek(0)
        reader = pacsv.open_csv(
            sink,
            read_options=pacsv.ReadOptions(column_names=list(_BLOCK_COLUMNS), block_size=32 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types={**types, "extra": pa.string()},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            columns = {c: batch.column(c) for c in _BLOCK_COLUMNS}
            columns["networked"] = columns["networked"].cast(pa.bool_())
            yield _block_frame(pa.table(columns))


def _generic_blocks(conn: Any, where: str) -> Iterator[pd.DataFrame]:
    sql = sa.text(
        f"SELECT {', '.join(_COLUMNS)}, {_codec_case()} AS extra FROM cameras "
        f"WHERE {where} ORDER BY camera_id"
    )
    result = conn.execution_options(stream_results=True).execute(sql)
    for rows in result.partitions(_BLOCK_ROWS):
        columns = list(zip(*rows, strict=True))
        table = {c: _arrow(c, v) for c, v in zip(_COLUMNS, columns, strict=True)}
        table["extra"] = pa.array(columns[-1], type=pa.string())
        yield _block_frame(pa.table(table))


def existing_devices(db: Any, device_ids: Sequence[str]) -> list[str]:
    """Which of ``device_ids`` are in the inventory (as stored), a query per 1,000."""
    cam = s.cameras
    found: list[str] = []
    ids = list(dict.fromkeys(str(d) for d in device_ids))
    with db.read() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            stmt = sa.select(cam.c.device_id).where(cam.c.device_id.in_(chunk))
            found.extend(str(r[0]) for r in conn.execute(stmt))
    return found


def device_parents(
    db: Any, device_ids: Sequence[str], *, padded: pd.DataFrame | None = None
) -> dict[str, str]:
    """The GB/T 28181 ``parent_id`` (stripped; blanks left out) of each of ``device_ids`` the
    inventory holds, a query per 1,000. ``padded`` (:func:`padded_devices`): the stored IDs with
    surrounding whitespace are looked up too, and of the rows of one ID once stripped the first
    (store order) decides, as the checks on a frame read it."""
    cam = s.cameras
    ids = list(dict.fromkeys(str(d) for d in device_ids))
    if padded is not None and len(padded):
        wanted = set(ids)
        ids += [
            d for d in padded["device_id"].astype(str) if d != d.strip() and d.strip() in wanted
        ]
    rows: list[tuple[int, str, Any]] = []
    with db.read() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            stmt = sa.select(cam.c.camera_id, cam.c.device_id, cam.c.parent_id).where(
                cam.c.device_id.in_(chunk)
            )
            rows.extend((int(i), str(d), p) for i, d, p in conn.execute(stmt))
    out: dict[str, str] = {}
    seen: set[str] = set()
    for _, device, parent in sorted(rows, key=lambda r: r[0]):
        key = device.strip()
        if key in seen:
            continue
        seen.add(key)
        text = "" if parent is None else str(parent).strip()
        if text:
            out[key] = text
    return out


def has_parent_ids(db: Any) -> bool:
    """Whether any camera names a GB/T 28181 ``parent_id``."""
    cam = s.cameras
    stmt = (
        sa.select(cam.c.camera_id)
        .where(cam.c.parent_id.is_not(None), cam.c.parent_id != "")
        .limit(1)
    )
    with db.read() as conn:
        return conn.execute(stmt).first() is not None


def padded_devices(db: Any) -> pd.DataFrame:
    """``camera_id, device_id`` of the rows whose device ID has surrounding whitespace, and of
    the rows whose ID is one of theirs stripped (store order): every row that can repeat another
    row's ID once stripped (``UNIQUE(device_id)`` holds IDs as written). One pass over the
    ``device_id`` index, then a query per 1,000 stripped IDs."""
    cam = s.cameras
    if db.dialect == "postgresql":
        padded = cam.c.device_id != sa.func.btrim(cam.c.device_id, sa.literal(_WHITESPACE))
    else:  # a superset, cheaper than trim() with 29 characters: an end outside '!'..'~'
        ends = (sa.func.substr(cam.c.device_id, 1, 1), sa.func.substr(cam.c.device_id, -1))
        padded = sa.or_(*(c < "!" for c in ends), *(c > "~" for c in ends))
    stmt = sa.select(cam.c.camera_id, cam.c.device_id).where(padded)
    with db.read() as conn:
        rows = [(int(i), str(d)) for i, d in conn.execute(stmt) if str(d) != str(d).strip()]
        stripped = list(dict.fromkeys(d.strip() for _, d in rows if d.strip()))
        for start in range(0, len(stripped), 1000):
            chunk = stripped[start : start + 1000]
            exact = sa.select(cam.c.camera_id, cam.c.device_id).where(cam.c.device_id.in_(chunk))
            rows.extend((int(i), str(d)) for i, d in conn.execute(exact))
    frame = pd.DataFrame(rows, columns=["camera_id", "device_id"]).astype({"camera_id": np.int64})
    return frame.sort_values("camera_id", kind="stable").reset_index(drop=True)
