"""Reads for one county partition (:mod:`sharpeyes.jobs.partitioned`): what a Dask task needs,
fetched by the task itself with indexed queries, never the whole inventory.

- cameras in a box (WGS-84 degrees; ``lon``/``lat`` index on SQLite, the GiST index on PostGIS)
  and the cameras without a position (placed by their codes);
- units, places and roads whose extent meets a box (``minx … maxy`` columns on SQLite, ``geom &&``
  on PostGIS), units by code, and the unit table without geometry (codes, names, extents);
- the health results of one run for some cameras;
- what the central step needs to know about the whole inventory without reading it: the camera
  count, the groups that decide the longest field-of-view range, distinct place categories and
  road classes;
- on SQLite, a Parquet file per partition under ``<store>.cache/``, written once per store version.

Geometry is EPSG:4326 in and out, as everywhere in the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from sharpeyes.ingest.merge import RECORD_FIELDS
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.store import schema as s
from sharpeyes.store._values import expand_attrs
from sharpeyes.store.box_copy import copy_cameras_in_box
from sharpeyes.store.cameras import camera_frame
from sharpeyes.store.versions import data_versions

__all__ = [
    "Box",
    "cached_frame",
    "camera_count",
    "camera_order",
    "cameras_in_box",
    "cameras_outside_boxes",
    "cameras_without_position",
    "count_without_position",
    "distinct_values",
    "health_count",
    "health_of",
    "layer_by_ids",
    "layer_extents",
    "layer_in_box",
    "range_groups",
    "unit_table",
    "units_by_code",
]

#: ``(minlon, minlat, maxlon, maxlat)`` in degrees, WGS-84.
Box = tuple[float, float, float, float]

_IN_CHUNK: Final = 5_000
_EXTENT: Final = ("minx", "miny", "maxx", "maxy")


def _store_parts(store: Any) -> tuple[Any, Any]:
    return store.db, store._layers


def camera_count(store: Any) -> int:
    """How many cameras the store holds."""
    return int(store.count_cameras())


def cameras_in_box(store: Any, box: Box) -> gpd.GeoDataFrame:
    """Cameras whose position lies in ``box`` (inclusive), in ``camera_id`` order — the frame of
    :meth:`~sharpeyes.store.Store.cameras` with ``bbox``; no credentials. On PostGIS by
    :func:`~sharpeyes.store.box_copy.copy_cameras_in_box` (COPY into Arrow, the GiST index only)."""
    db, _ = _store_parts(store)
    if db.dialect == "postgresql":
        return copy_cameras_in_box(db, box)
    return store.cameras(bbox=box)


def cameras_outside_boxes(store: Any, boxes: Sequence[Box]) -> gpd.GeoDataFrame:
    """Cameras with a position in none of ``boxes`` (each inclusive, as :func:`cameras_in_box`
    reads them), in ``camera_id`` order: the exact complement of the boxes' cameras among those
    with a position. A scan on either back end (no index answers *outside*); a province has few."""
    db, _ = _store_parts(store)
    cam = s.cameras
    inside = [
        sa.and_(cam.c.lon.between(x0, x1), cam.c.lat.between(y0, y1)) for x0, y0, x1, y1 in boxes
    ]
    where: list[Any] = [cam.c.lon.is_not(None), cam.c.lat.is_not(None)]
    if inside:
        where.append(sa.not_(sa.or_(*inside)))
    stmt = sa.select(*(cam.c[c] for c in RECORD_FIELDS)).where(*where).order_by(cam.c.camera_id)
    with db.read() as conn:
        records = db.raw_rows(conn, stmt)
    return camera_frame(records, list(RECORD_FIELDS))


def camera_order(store: Any, device_ids: Iterable[str]) -> dict[str, int]:
    """``device_id → camera_id`` (the store's order) of some cameras."""
    db, _ = _store_parts(store)
    cam = s.cameras
    ids = sorted({str(d) for d in device_ids})
    out: dict[str, int] = {}
    with db.read() as conn:
        for i in range(0, len(ids), _IN_CHUNK):
            stmt = sa.select(cam.c.device_id, cam.c.camera_id).where(
                cam.c.device_id.in_(ids[i : i + _IN_CHUNK])
            )
            out.update({str(d): int(c) for d, c in conn.execute(stmt).all()})
    return out


def count_without_position(store: Any) -> int:
    """How many cameras have no ``lon`` or no ``lat``."""
    db, _ = _store_parts(store)
    cam = s.cameras
    stmt = (
        sa.select(sa.func.count())
        .select_from(cam)
        .where(sa.or_(cam.c.lon.is_(None), cam.c.lat.is_(None)))
    )
    with db.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def cameras_without_position(store: Any) -> gpd.GeoDataFrame:
    """Cameras with no ``lon`` or no ``lat`` (placed by their codes), in ``camera_id`` order."""
    db, _ = _store_parts(store)
    cam = s.cameras
    stmt = (
        sa.select(*(cam.c[c] for c in RECORD_FIELDS))
        .where(sa.or_(cam.c.lon.is_(None), cam.c.lat.is_(None)))
        .order_by(cam.c.camera_id)
    )
    with db.read() as conn:
        records = db.raw_rows(conn, stmt)
    return camera_frame(records, list(RECORD_FIELDS))


def range_groups(store: Any) -> pd.DataFrame:
    """What decides every camera's field-of-view range, grouped: ``camera_type, resolution, is_hd,
    fov_deg, heading_deg`` (0 for any given heading, ``None`` for none) with the longest positive
    ``range_m`` of the group (``None``: none given) and whether some camera of it has no usable
    range (``blank``). :func:`~sharpeyes.coverage.fov.fov_defaults` over one row per case gives the
    longest filled range of the whole inventory exactly, from a few rows."""
    db, _ = _store_parts(store)
    cam = s.cameras
    has_heading = sa.case((cam.c.heading_deg.is_(None), None), else_=0.0)
    usable = sa.case((cam.c.range_m > 0, cam.c.range_m), else_=None)
    blank = sa.func.max(sa.case((usable.is_(None), 1), else_=0))
    keys = (cam.c.camera_type, cam.c.resolution, cam.c.is_hd, cam.c.fov_deg, has_heading)
    stmt = sa.select(*keys, sa.func.max(usable), blank).group_by(*keys)
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame.from_records(
        rows,
        columns=[
            "camera_type",
            "resolution",
            "is_hd",
            "fov_deg",
            "heading_deg",
            "range_m",
            "blank",
        ],
        coerce_float=False,
    )


def distinct_values(store: Any, table: str, column: str) -> list[Any]:
    """The distinct values of ``table.column`` (``places.category``, ``roads.road_class``)."""
    db, _ = _store_parts(store)
    t = {"places": s.places, "roads": s.roads}[table]
    with db.read() as conn:
        return [r[0] for r in conn.execute(sa.select(t.c[column]).distinct()).all()]


def unit_table(store: Any) -> pd.DataFrame:
    """Every unit without its geometry, in code order (the order of
    :meth:`~sharpeyes.store.Store.units`): ``code, name, level, parent_code, population``, the
    extra attributes (``village_kind``) and the extent ``minx, miny, maxx, maxy`` (degrees)."""
    db, _ = _store_parts(store)
    u = s.units
    plain = [c for c in UNIT_COLUMNS if c != "geometry"]
    stmt = sa.select(*(u.c[c] for c in plain), u.c.attrs, *(u.c[c] for c in _EXTENT)).order_by(
        u.c.code
    )
    with db.read() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(rows, columns=[*plain, "attrs", *_EXTENT], coerce_float=False)
    out = frame[plain].copy()
    out["population"] = pd.to_numeric(out["population"], errors="coerce").astype("float64")
    expand_attrs(out, frame["attrs"])
    for c in _EXTENT:
        out[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return out


def units_by_code(store: Any, codes: Iterable[str]) -> gpd.GeoDataFrame:
    """The units ``codes`` with their geometry (EPSG:4326), in code order."""
    _, layers = _store_parts(store)
    wanted = sorted({str(c) for c in codes})
    if len(wanted) <= _IN_CHUNK:
        return layers.read_layer(s.units, UNIT_COLUMNS, [s.units.c.code.in_(wanted)])
    parts = [
        layers.read_layer(s.units, UNIT_COLUMNS, [s.units.c.code.in_(wanted[i : i + _IN_CHUNK])])
        for i in range(0, len(wanted), _IN_CHUNK)
    ]
    frame = pd.concat(parts, ignore_index=True).sort_values("code", kind="stable")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=WGS84)


def layer_in_box(store: Any, table: str, box: Box) -> gpd.GeoDataFrame:
    """Places or roads whose extent meets ``box``, in the store's order (by id)."""
    db, layers = _store_parts(store)
    t, columns = {
        "places": (s.places, ("place_id", "name", "category", "geometry")),
        "roads": (s.roads, ("road_id", "name", "road_class", "geometry")),
    }[table]
    x0, y0, x1, y1 = box
    where: list[Any] = [t.c.maxx >= x0, t.c.minx <= x1, t.c.maxy >= y0, t.c.miny <= y1]
    if db.dialect == "postgresql":
        where = [
            sa.text(f"{t.name}.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)").bindparams(
                x0=x0, y0=y0, x1=x1, y1=y1
            )
        ]
    return layers.read_layer(t, columns, where)


_LAYERS: Final = {
    "places": (s.places, ("place_id", "name", "category", "geometry")),
    "roads": (s.roads, ("road_id", "name", "road_class", "geometry")),
}


def layer_extents(store: Any, table: str) -> pd.DataFrame:
    """Every place's or road's id and extent (``minx … maxy``, degrees) in the store's order:
    a few numbers per row, from which the client decides which task takes which."""
    db, _ = _store_parts(store)
    t, columns = _LAYERS[table]
    key = t.c[columns[0]]
    with db.read() as conn:
        rows = conn.execute(sa.select(key, *(t.c[c] for c in _EXTENT)).order_by(key)).all()
    frame = pd.DataFrame.from_records(rows, columns=["id", *_EXTENT], coerce_float=False)
    frame["id"] = frame["id"].astype(str)
    for c in _EXTENT:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return frame


def layer_by_ids(store: Any, table: str, ids: Sequence[str]) -> gpd.GeoDataFrame:
    """Places or roads by id, in the store's order (by id)."""
    _, layers = _store_parts(store)
    t, columns = _LAYERS[table]
    key = t.c[columns[0]]
    wanted = sorted({str(i) for i in ids})
    parts = [
        layers.read_layer(t, columns, [key.in_(wanted[i : i + _IN_CHUNK])])
        for i in range(0, len(wanted), _IN_CHUNK)
    ] or [layers.read_layer(t, columns, [sa.false()])]
    if len(parts) == 1:
        return parts[0]
    order = {v: k for k, v in enumerate(layer_extents(store, table)["id"])}
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.iloc[np.argsort([order[str(v)] for v in frame[columns[0]]], kind="stable")]
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=WGS84)


def health_of(store: Any, run_id: int, device_ids: Sequence[str]) -> pd.DataFrame:
    """Results of run ``run_id`` for ``device_ids`` (the columns of
    :meth:`~sharpeyes.store.Store.health_results`, no snapshots), in the run's order."""
    hr = s.health_results
    ids = sorted({str(d) for d in device_ids})
    health = store._health
    chunks = [ids[i : i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK)] or [[]]
    frames = [
        health.health_frame(
            [hr.c.run_id == run_id, hr.c.device_id.in_(chunk)], include_snapshots=False
        )
        for chunk in chunks
    ]
    # chunks by device: each camera's rows stay together and in the run's order
    frame: pd.DataFrame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame.reset_index(drop=True)


def health_count(store: Any, run_id: int) -> int:
    """How many results run ``run_id`` holds."""
    db, _ = _store_parts(store)
    hr = s.health_results
    with db.read() as conn:
        stmt = sa.select(sa.func.count()).select_from(hr).where(hr.c.run_id == run_id)
        return int(conn.execute(stmt).scalar_one())


def _cache_root(store: Any) -> Path | None:
    """``<store file>.cache/partitions`` for a SQLite store; ``None`` on a server."""
    db, _ = _store_parts(store)
    if db.dialect != "sqlite":
        return None
    database = store.engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.cache") / "partitions"


def cached_frame(store: Any, key: str, read: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """``read()``, kept on SQLite as ``<store>.cache/partitions/<version>/<key>.parquet``.

    The folder is named after the store's camera, unit and health versions
    (:func:`~sharpeyes.store.versions.data_versions`): a new import, edit, units import or health
    run starts a new folder (the old ones are removed). Written once (to a temporary file, then
    renamed), read by every later run; on PostGIS ``read()`` runs every time (the server's index is
    the partition)."""
    root = _cache_root(store)
    if root is None:
        return read()
    versions = data_versions(store.db)
    stamp = "|".join(versions[k] for k in ("cameras", "units", "health"))
    folder = root / hashlib.sha256(stamp.encode()).hexdigest()[:16]
    path = folder / f"{key}.parquet"
    if path.exists():
        return gpd.read_parquet(path)
    frame = read()
    folder.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old != folder and old.is_dir():
            _remove_tree(old)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_parquet(tmp)
    tmp.replace(path)
    return frame


def _remove_tree(folder: Path) -> None:
    """Remove an old cache folder (another process may be removing it too)."""
    for child in folder.glob("*"):
        child.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()
