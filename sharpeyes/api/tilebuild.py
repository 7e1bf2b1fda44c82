"""Mapbox Vector Tiles (encoded with ``mapbox-vector-tile``) of cameras and of polygon layers.

Cameras (layer ``cameras``): below :data:`POINT_ZOOM`, the tile is cut in a 4 × 4 grid of cells
(64 px at 256-px tiles); a cell holding more than :data:`CELL_POINTS` cameras is one cluster point
at the mean position of its cameras, with ``count``, the counts per point class ``c1``, ``c2``,
``c3``, ``c4``, ``c9`` and per verdict ``offline``, ``degraded``; every other camera is a point of
its own with ``device_id``, ``name``, ``point_class``, ``status``, ``networked``, ``verdict``,
``admin_code``, ``township_code``, ``village_code`` — never a stream URL or a credential.

Polygons and other shapes (:class:`ShapeLayer`): the features of a GeoDataFrame (EPSG:4326) that meet
the tile, clipped to it (plus a small buffer), simplified to about a pixel, with their properties.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import mapbox_vector_tile
import numpy as np
import pandas as pd
import shapely

from sharpeyes.api.index import CameraIndex
from sharpeyes.jobs.camera_index import CLASS_CODES, VERDICT_CODES
from sharpeyes.model.codes import STATUSES
from sharpeyes.model.tilemath import EXTENT, tile_bounds, tile_pixels

#: A cluster cell with at most this many cameras shows them one by one (below POINT_ZOOM).
CELL_POINTS: Final = 8
#: From this zoom every camera is a point (at most POINTS_CAP per tile).
POINT_ZOOM: Final = 17
POINTS_CAP: Final = 5000
#: Cluster cells per tile side.
CELLS: Final = 4
#: Part of a tile added on each side before clipping shapes (no seams at tile edges).
BUFFER: Final = 1 / 64

_OPTIONS: Final = {"y_coord_down": True, "extents": EXTENT}
_VERDICT_NAMES: Final = [None, *VERDICT_CODES]
_STATUS_NAMES: Final = [None, *STATUSES]


def encode(layer: str, features: list[dict[str, Any]]) -> bytes:
    """One MVT layer of ``features`` (geometry in tile coordinates, y down)."""
    data: bytes = mapbox_vector_tile.encode(
        [{"name": layer, "features": features}], default_options=_OPTIONS
    )
    return data


def camera_rows(
    index: CameraIndex,
    z: int,
    x: int,
    y: int,
    *,
    point_classes: list[int] | None = None,
    verdicts: list[int] | None = None,
) -> np.ndarray:
    """Rows of the cameras in tile ``z/x/y`` passing the class and verdict (code) filters."""
    rows = index.tile_rows(z, x, y)
    if point_classes:
        rows = rows[np.isin(index.point_class[rows], point_classes)]
    if verdicts:
        rows = rows[np.isin(index.verdict[rows], verdicts)]
    return rows


def camera_tile(
    index: CameraIndex,
    rows: np.ndarray,
    z: int,
    x: int,
    y: int,
    *,
    names: Callable[[list[str]], dict[str, str]],
) -> bytes:
    """The ``cameras`` tile of ``rows`` (see the module docstring); ``names`` looks up names."""
    px, py = tile_pixels(index.lon[rows], index.lat[rows], z, x, y)
    if z >= POINT_ZOOM:
        keep = slice(0, POINTS_CAP)
        return encode("cameras", _points(index, rows[keep], px[keep], py[keep], names))
    size = EXTENT / CELLS
    cx = np.clip((px // size).astype(np.int64), 0, CELLS - 1)
    cy = np.clip((py // size).astype(np.int64), 0, CELLS - 1)
    cell = cx * CELLS + cy
    alone = np.bincount(cell, minlength=CELLS * CELLS)[cell] <= CELL_POINTS
    features = _points(index, rows[alone], px[alone], py[alone], names)
    crowd = ~alone
    features += _clusters(index, rows[crowd], px[crowd], py[crowd], cell[crowd])
    return encode("cameras", features)


def _points(
    index: CameraIndex,
    rows: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    names: Callable[[list[str]], dict[str, str]],
) -> list[dict[str, Any]]:
    ids = index.ids(rows)
    name_of = names(ids) if ids else {}
    units = {c: index.units[c] for c in ("admin_code", "township_code", "village_code")}
    features = []
    for i, row in enumerate(rows):
        networked = int(index.networked[row])
        props: dict[str, Any] = {
            "device_id": ids[i],
            "name": name_of.get(ids[i]),
            "point_class": int(index.point_class[row]) or None,
            "status": _STATUS_NAMES[index.status[row]],
            "networked": None if networked < 0 else bool(networked),
            "verdict": _VERDICT_NAMES[index.verdict[row]],
        }
        for column, (codes, categories) in units.items():
            code = int(codes[row])
            props[column] = categories[code] if code >= 0 else None
        features.append(
            {
                "geometry": f"POINT({round(px[i])} {round(py[i])})",
                "properties": {k: v for k, v in props.items() if v is not None},
            }
        )
    return features


def _clusters(
    index: CameraIndex, rows: np.ndarray, px: np.ndarray, py: np.ndarray, cell: np.ndarray
) -> list[dict[str, Any]]:
    n_cells = CELLS * CELLS
    counts = np.bincount(cell, minlength=n_cells)
    sum_x = np.bincount(cell, weights=px, minlength=n_cells)
    sum_y = np.bincount(cell, weights=py, minlength=n_cells)
    per_class = {
        f"c{c}": np.bincount(cell[index.point_class[rows] == c], minlength=n_cells)
        for c in CLASS_CODES
    }
    verdict = index.verdict[rows]
    per_verdict = {
        v: np.bincount(cell[verdict == VERDICT_CODES[v]], minlength=n_cells)
        for v in ("offline", "degraded")
    }
    features = []
    for c in np.flatnonzero(counts):
        n = int(counts[c])
        props = {"count": n}
        for name, values in (*per_class.items(), *per_verdict.items()):
            if values[c]:
                props[name] = int(values[c])
        features.append(
            {
                "geometry": f"POINT({round(sum_x[c] / n)} {round(sum_y[c] / n)})",
                "properties": props,
            }
        )
    return features


def _plain(value: Any) -> Any:
    """A property value MVT can carry (numbers, text, booleans), or ``None`` to leave it out."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    return str(value)


class ShapeLayer:
    """Features of a GeoDataFrame (EPSG:4326) served as tiles of one MVT layer named ``name``."""

    def __init__(self, name: str, frame: pd.DataFrame, properties: list[str]) -> None:
        self.name = name
        geometry = list(frame.geometry) if len(frame) else []
        keep = [g is not None and not shapely.is_empty(g) for g in geometry]
        self.geometries = np.asarray(
            [g for g, k in zip(geometry, keep, strict=True) if k], dtype=object
        )
        columns = [c for c in properties if c in frame.columns]
        self.properties = [
            {c: v for c in columns if (v := _plain(row[c])) is not None}
            for _, row in frame[keep].iterrows()
        ]
        self.tree = shapely.STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.geometries)

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The tile ``z/x/y``: shapes clipped to it, in tile coordinates, about a pixel simplified."""
        west, south, east, north = tile_bounds(z, x, y)
        dx, dy = (east - west) * BUFFER, (north - south) * BUFFER
        clip = (west - dx, south - dy, east + dx, north + dy)
        hits = self.tree.query(shapely.box(*clip), predicate="intersects")
        pixel_deg = (east - west) / 256
        features = []
        for i in np.sort(hits):
            shape = shapely.simplify(self.geometries[i], pixel_deg / 2, preserve_topology=True)
            shape = shapely.clip_by_rect(shape, *clip)
            if shape.is_empty:
                continue
            shape = shapely.transform(
                shape, lambda c: np.column_stack(tile_pixels(c[:, 0], c[:, 1], z, x, y))
            )
            features.append({"geometry": shape, "properties": self.properties[i]})
        return encode(self.name, features)
