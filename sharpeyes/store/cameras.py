"""Camera queries: the inventory as canonical frames, filtered by unit, class, box or ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sharpeyes._errors import InputError
from sharpeyes.ingest.merge import CREDENTIAL_FIELDS, KINDS, RECORD_FIELDS, Rows
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, CAMERA_SIDE_COLUMNS, WGS84
from sharpeyes.model.jsonable import loads
from sharpeyes.store import schema as s
from sharpeyes.store._values import na, plain
from sharpeyes.store.engine import Database

_CHUNK = 5_000
_ID_CHUNK = 20_000


class CameraQueries:
    """Reads of the ``cameras`` table (credentials from ``camera_credentials`` only when asked)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def filters(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
    ) -> list[Any]:
        """WHERE clauses of the unit, class and box filters (see :meth:`cameras`)."""
        where: list[Any] = []
        if unit:
            where.extend(_unit_filter(unit))
        cam = s.cameras
        if point_class is not None:
            if isinstance(point_class, (int, np.integer, str)):
                where.append(cam.c.point_class == int(point_class))
            else:
                where.append(cam.c.point_class.in_([int(p) for p in point_class]))
        if bbox is not None:
            where.extend(self._bbox_filter(bbox))
        return where

    def _bbox_filter(self, bbox: Sequence[float]) -> list[Any]:
        try:
            minx, miny, maxx, maxy = (float(v) for v in bbox)
        except (TypeError, ValueError):
            raise InputError(
                "bbox is minlon,minlat,maxlon,maxlat in degrees (WGS-84)", field="bbox", value=bbox
            ) from None
        cam = s.cameras
        where: list[Any] = []
        if self.db.dialect == "postgresql":
            where.append(
                sa.text("cameras.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)").bindparams(
                    bx0=minx, by0=miny, bx1=maxx, by1=maxy
                )
            )
        where.append(cam.c.lon.between(minx, maxx))
        where.append(cam.c.lat.between(miny, maxy))
        return where

    def cameras(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
        device_ids: Iterable[str] | None = None,
        include_credentials: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> gpd.GeoDataFrame:
        """The inventory as a canonical GeoDataFrame (EPSG:4326); see :meth:`sharpeyes.store.Store.cameras`."""
        where = self.filters(unit=unit, point_class=point_class, bbox=bbox)
        id_chunks: list[list[str] | None] = [None]
        if device_ids is not None:
            wanted = [str(d) for d in device_ids]
            id_chunks = [wanted[i : i + _ID_CHUNK] for i in range(0, len(wanted), _ID_CHUNK)] or [
                []
            ]
        cam, cred = s.cameras, s.camera_credentials
        cols = [cam.c[c] for c in RECORD_FIELDS]
        source: Any = cam
        if include_credentials:
            cols += [cred.c.stream_user, cred.c.stream_password]
            source = cam.outerjoin(cred, cam.c.device_id == cred.c.device_id)
        records: list[Any] = []
        with self.db.read() as conn:
            for chunk in id_chunks:
                stmt = sa.select(*cols).select_from(source).where(*where)
                if chunk is not None:
                    stmt = stmt.where(cam.c.device_id.in_(chunk))
                stmt = stmt.order_by(cam.c.camera_id)
                if limit is not None:
                    stmt = stmt.limit(int(limit))
                if offset:
                    stmt = stmt.offset(int(offset))
                records.extend(self.db.raw_rows(conn, stmt))
        names = list(RECORD_FIELDS) + (list(CREDENTIAL_FIELDS) if include_credentials else [])
        return camera_frame(records, names)

    def count(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
    ) -> int:
        """How many cameras match (same filters as :meth:`cameras`)."""
        where = self.filters(unit=unit, point_class=point_class, bbox=bbox)
        with self.db.read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(s.cameras).where(*where)
                ).scalar_one()
            )

    def camera(self, device_id: str, *, include_credentials: bool = False) -> dict[str, Any] | None:
        """One camera as a dict of plain values (no geometry) with its bookkeeping, or ``None``."""
        frame = self.cameras(device_ids=[device_id], include_credentials=include_credentials)
        if frame.empty:
            return None
        row = frame.drop(columns="geometry").iloc[0]
        record = {k: (None if na(v) else plain(v)) for k, v in row.items()}
        cam = s.cameras
        with self.db.read() as conn:
            found = conn.execute(
                sa.select(
                    cam.c.created_import_id,
                    cam.c.updated_import_id,
                    cam.c.updated_at,
                    cam.c.provenance,
                ).where(cam.c.device_id == device_id)
            ).first()
        if found is not None:
            record["created_import_id"], record["updated_import_id"], record["updated_at"] = found[
                :3
            ]
            record["provenance"] = loads(found[3]) or {}
        return record

    def is_empty(self, conn: Connection) -> bool:
        """No camera stored yet."""
        return conn.execute(sa.select(s.cameras.c.camera_id).limit(1)).first() is None

    def stored_rows(self, conn: Connection, ids: np.ndarray) -> Rows:
        """Stored values (plain Python) of the cameras among ``ids``, with provenance decoded.

        The form :func:`sharpeyes.ingest.merge.merge_cameras` takes as ``existing``.
        """
        cam, cred = s.cameras, s.camera_credentials
        names = [*RECORD_FIELDS, "provenance", *CREDENTIAL_FIELDS]
        cols = (
            [cam.c[c] for c in RECORD_FIELDS]
            + [cam.c.provenance]
            + [cred.c[c] for c in CREDENTIAL_FIELDS]
        )
        base = sa.select(*cols).select_from(
            cam.outerjoin(cred, cam.c.device_id == cred.c.device_id)
        )
        records: list[Any] = []
        id_list = [str(i) for i in ids]
        for start in range(0, len(id_list), _CHUNK):
            chunk = id_list[start : start + _CHUNK]
            records.extend(conn.execute(base.where(cam.c.device_id.in_(chunk))).all())
        table = np.empty((len(records), len(names)), dtype=object)
        if records:
            table[:] = [tuple(r) for r in records]
        rows: Rows = {}
        for j, name in enumerate(names):
            column = table[:, j].copy()
            column[np.asarray(pd.isna(column), dtype=bool)] = None
            if KINDS.get(name) == "bool":
                column = np.array([None if v is None else bool(v) for v in column], dtype=object)
            rows[name] = column
        rows["provenance"] = np.array([loads(p) for p in rows["provenance"]] or [], dtype=object)
        return rows


def _unit_filter(unit: str) -> list[Any]:
    code = str(unit).strip()
    if not code.isdigit():
        raise InputError(
            "a unit code is digits (6: county, 9: township, 12: village)", field="unit", value=unit
        )
    # one composite index (admin_code, township_code, village_code): codes nest, so a township or
    # village prefix is found under its county (and township) code
    cam = s.cameras
    upper = code[:-1] + chr(ord(code[-1]) + 1)
    if len(code) <= 6:
        return [sa.and_(cam.c.admin_code >= code, cam.c.admin_code < upper)]
    if len(code) <= 9:
        return [
            cam.c.admin_code == code[:6],
            sa.and_(cam.c.township_code >= code, cam.c.township_code < upper),
        ]
    return [
        cam.c.admin_code == code[:6],
        cam.c.township_code == code[:9],
        sa.and_(cam.c.village_code >= code, cam.c.village_code < upper),
    ]


def camera_frame(records: list[Any], names: list[str]) -> gpd.GeoDataFrame:
    """Canonical camera GeoDataFrame (EPSG:4326) from stored rows (vectorised per column)."""
    import pyarrow as pa

    n = len(records)
    table = np.empty((n, len(names)), dtype=object)
    if n:
        table[:] = records
    position = {name: j for j, name in enumerate(names)}
    data: dict[str, Any] = {}
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        kind = KINDS.get(c, "text")
        dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
        j = position.get(c)
        if j is None:
            data[c] = pd.Series([None] * n, dtype=dtype)
            continue
        raw = table[:, j]
        if kind == "text":
            strings = pa.array(raw, type=pa.large_string(), from_pandas=True)
            data[c] = pd.arrays.ArrowStringArray(strings)
            continue
        numbers = np.array(raw, dtype="float64")  # None → NaN; booleans → 1.0/0.0
        if kind == "float":
            data[c] = numbers
            continue
        missing = np.isnan(numbers)
        if kind == "int":
            ints = np.where(missing, 0, numbers).astype("int64")
            data[c] = pd.Series(pd.arrays.IntegerArray(ints, missing)).astype(dtype)  # type: ignore[call-overload]
        else:
            data[c] = pd.arrays.BooleanArray(np.where(missing, 0, numbers) != 0, missing)
    frame = pd.DataFrame(data)
    lon = frame["lon"].to_numpy()
    lat = frame["lat"].to_numpy()
    geometry = gpd.points_from_xy(lon, lat, crs=WGS84)
    missing_xy = np.isnan(lon) | np.isnan(lat)
    if missing_xy.any():
        geometry[missing_xy] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
