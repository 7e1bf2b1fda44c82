"""The inventory's columns the network checks need, read column by column as Arrow.

``sharpeyes network check`` at a province (10,000,000 cameras) cannot afford the canonical frame of
:meth:`~sharpeyes.store.Store.cameras` (every field, a Python object per value). This reader takes
only the attachment columns, in blocks, into Arrow arrays: the device ID as Arrow text; ``uplink``,
``parent_id`` and ``admin_code`` dictionary-encoded (pandas ``Categorical``: a small table of
names and an integer code per camera); class, networking flag and resolution as nullable numbers.
The codec comes from the ``extra`` JSON of the few rows that name one.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from sharpeyes.store import schema as s

__all__ = ["network_cameras"]

_BLOCK_ROWS: Final = 200_000
_TEXT: Final = ("device_id", "admin_code", "uplink", "parent_id")
_CATEGORICAL: Final = ("admin_code", "uplink", "parent_id")
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
    missing), in store order, with no Python object per camera (see the module docstring)."""
    cam = s.cameras
    stmt = sa.select(*(cam.c[c] for c in _COLUMNS)).order_by(cam.c.camera_id)
    blocks: list[pa.Table] = []
    with db.read() as conn:
        result = conn.execution_options(stream_results=True).execute(stmt)
        for rows in result.partitions(_BLOCK_ROWS):
            columns = list(zip(*rows, strict=True))
            blocks.append(pa.table({c: _arrow(c, v) for c, v in zip(_COLUMNS, columns, strict=True)}))
        extra = _codec_rows(conn)
    table = pa.concat_tables(blocks) if blocks else _empty()
    frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for name in _COLUMNS[1:]:
        column = table.column(name)
        if name in _CATEGORICAL:
            frame[name] = _categorical(column)
        elif name == "device_id":
            frame[name] = pd.Series(
                pd.array(column.combine_chunks(), dtype=pd.StringDtype("pyarrow"))
            )
        elif name == "networked":
            frame[name] = pd.Series(pd.array(column.to_pandas(), dtype="boolean"))
        elif name in ("lon", "lat"):
            frame[name] = column.to_numpy().astype("float64")
        else:
            frame[name] = pd.Series(pd.array(column.to_pandas(), dtype="Int64"))
    ids = table.column("camera_id").to_numpy()
    frame["extra"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if len(extra):
        at = np.searchsorted(ids, extra["camera_id"].to_numpy(dtype=np.int64))
        frame.loc[at, "extra"] = extra["extra"].to_numpy(dtype=object)
    return frame


def _arrow(name: str, values: tuple[Any, ...]) -> pa.Array:
    if name in _TEXT:
        return pa.array(values, type=pa.string())
    if name in ("lon", "lat"):
        return pa.array(values, type=pa.float64(), from_pandas=True)
    if name == "networked":
        return pa.array([None if v is None else bool(v) for v in values], type=pa.bool_())
    return pa.array(values, type=pa.int64())


def _empty() -> pa.Table:
    return pa.table({c: _arrow(c, ()) for c in _COLUMNS})


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """Dictionary-encoded text as a pandas ``Categorical`` (missing stays missing)."""
    encoded = column.combine_chunks().dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    return pd.Categorical.from_codes(codes, categories=categories)  # type: ignore[call-overload]


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
