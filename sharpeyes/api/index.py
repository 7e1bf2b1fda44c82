"""An in-memory index of camera positions and codes, for filtering, paging and map aggregation.

With a million cameras the map cannot receive every point, and SQL has no cheap per-zoom grid
aggregation on both SQLite and PostGIS. The API therefore keeps, per store, one compact copy of what
the filters and the map need (about 100 bytes per camera: position, class, status, networked, unit
codes, last health verdict), sorted by ``device_id``. Filters select device IDs here; the full records
of one page are then read from the store.

Coordinates are WGS-84 (EPSG:4326) degrees throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.jobs.camera_index import (
    ARRAYS,
    CLASS_CODES,
    STATUS_CODES,
    VERDICT_CODES,
    arrays_from_frame,
)
from sharpeyes.model.tilemath import tile_key_range, tile_key_ranges, world_xy

#: A unit code's length → the camera column it is compared with (a prefix match).
_UNIT_COLUMN: Final = {4: "admin_code", 6: "admin_code", 9: "township_code", 12: "village_code"}


def _any_of(values: np.ndarray, wanted: list[int]) -> np.ndarray:
    """``values`` equal to any of a few small codes (much faster than ``np.isin`` for int8)."""
    mask = np.zeros(len(values), dtype=bool)
    for code in wanted:
        mask |= values == code
    return mask


def verdict_codes(device_id: np.ndarray, verdicts: pd.Series) -> np.ndarray:
    """Verdict code (0: none) per row of ``device_id`` (sorted UTF-8 bytes) from a Series by ID."""
    codes = verdicts.astype("object").map(VERDICT_CODES).fillna(0).to_numpy(dtype=np.int8)
    raw = [str(d).encode() for d in verdicts.index]
    fits = np.array([len(k) <= device_id.itemsize for k in raw], dtype=bool)
    out = np.zeros(len(device_id), dtype=np.int8)
    if not len(device_id) or not fits.any():
        return out
    keys = np.asarray([k for k, ok in zip(raw, fits, strict=True) if ok], dtype=device_id.dtype)
    codes = codes[fits]
    rows = np.clip(np.searchsorted(device_id, keys), 0, len(device_id) - 1)
    hit = device_id[rows] == keys
    out[rows[hit]] = codes[hit]
    return out


def covering_tiles(bbox: BBox, *, most: int = 16) -> list[tuple[int, int, int]]:
    """The tiles ``(z, x, y)`` of the deepest zoom (≤ 16) at which at most ``most`` tiles cover
    ``bbox`` (a box on the antimeridian or the poles: the one tile of zoom 0)."""
    lon = np.array([bbox.west, bbox.east])
    lat = np.array([bbox.north, bbox.south])
    wx, wy = world_xy(lon, lat)
    for z in range(16, -1, -1):
        n = 2**z
        x0, x1 = (int(v) for v in np.clip(np.floor(wx * n), 0, n - 1))
        y0, y1 = (int(v) for v in np.clip(np.floor(wy * n), 0, n - 1))
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= most:
            return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return [(0, 0, 0)]


@dataclass(frozen=True)
class BBox:
    """A WGS-84 bounding box in degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """``"west,south,east,north"`` in degrees; raises ``ValueError`` with the reason."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError("bbox needs 4 numbers: west,south,east,north (degrees, WGS-84)")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise ValueError("bbox values must be numbers: west,south,east,north") from None
        if not all(np.isfinite([west, south, east, north])):
            raise ValueError("bbox values must be finite")
        if not (
            -180 <= west <= 180
            and -180 <= east <= 180
            and -90 <= south <= 90
            and -90 <= north <= 90
        ):
            raise ValueError("bbox out of range: longitudes -180..180, latitudes -90..90")
        if west > east or south > north:
            raise ValueError("bbox must have west <= east and south <= north")
        return cls(west, south, east, north)


class CameraIndex:
    """Compact arrays of every camera, sorted by device_id (see the module docstring).

    ``device_id`` is a fixed-width array of UTF-8 bytes (sorts like the text); ``units`` holds, per
    unit column, integer codes into a list of unit codes (``-1``: none). ``tile_key`` / ``tile_rows``
    order the located cameras along a Z-order curve of web-mercator cells at zoom
    :data:`sharpeyes.model.tilemath.KEY_ZOOM`, so the cameras of any map tile are one slice
    (:meth:`tile_rows`). Arrays may be memory-mapped files (:mod:`sharpeyes.api.indexfile`).
    """

    ARRAYS: Final = ARRAYS

    def __init__(self, cameras: pd.DataFrame, verdicts: pd.Series | None = None) -> None:
        arrays, categories = arrays_from_frame(cameras)
        self._set(arrays, categories)
        self.set_verdicts(verdicts)

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], categories: dict[str, list[str]]
    ) -> CameraIndex:
        """An index over ready arrays (as :func:`arrays_from_frame` makes them), no verdicts yet."""
        index = cls.__new__(cls)
        index._set(arrays, categories)
        index.verdict = np.zeros(len(index.device_id), dtype=np.int8)
        return index

    def _set(self, arrays: dict[str, np.ndarray], categories: dict[str, list[str]]) -> None:
        self.arrays = arrays
        self.categories = categories
        self.device_id = arrays["device_id"]
        self.lon, self.lat = arrays["lon"], arrays["lat"]
        self.point_class, self.status = arrays["point_class"], arrays["status"]
        self.networked = arrays["networked"]
        self.units = {
            column: (arrays[f"unit_{column}"], categories[column])
            for column in ("admin_code", "township_code", "village_code")
        }
        self.tile_key, self.tile_rows_sorted = arrays["tile_key"], arrays["tile_rows"]
        self.located = np.isfinite(self.lon) & np.isfinite(self.lat)

    def set_verdicts(self, verdicts: pd.Series | np.ndarray | None) -> None:
        """The last finished health run's verdict per camera: a Series by device_id, or ready codes."""
        if isinstance(verdicts, np.ndarray):
            self.verdict = verdicts
        elif verdicts is not None and len(verdicts):
            self.verdict = verdict_codes(self.device_id, verdicts)
        else:
            self.verdict = np.zeros(len(self.device_id), dtype=np.int8)

    def __len__(self) -> int:
        return len(self.device_id)

    def select(
        self,
        *,
        unit: str | None = None,
        point_classes: list[int] | None = None,
        statuses: list[str] | None = None,
        verdicts: list[str] | None = None,
        bbox: BBox | None = None,
    ) -> np.ndarray:
        """Boolean mask of the cameras that pass every given filter."""
        mask = np.zeros(len(self), dtype=bool)
        rows = self.select_rows(
            unit=unit, point_classes=point_classes, statuses=statuses, verdicts=verdicts, bbox=bbox
        )
        mask[rows] = True
        return mask

    def select_rows(
        self,
        *,
        unit: str | None = None,
        point_classes: list[int] | None = None,
        statuses: list[str] | None = None,
        verdicts: list[str] | None = None,
        bbox: BBox | None = None,
    ) -> np.ndarray:
        """Rows (ascending, so in ``device_id`` order) of the cameras that pass every filter.

        With a ``bbox`` only the cameras of the few tiles covering it are looked at (Z-order
        slices of the sorted keys), so a small box costs microseconds at any inventory size;
        the other filters are then applied to those rows only.
        """
        rows = self._bbox_rows(bbox) if bbox is not None else np.arange(len(self), dtype=np.int64)
        if unit:
            column = _UNIT_COLUMN.get(len(unit), "admin_code")
            codes, categories = self.units[column]
            width = 6 if column == "admin_code" else len(unit)
            prefix = unit[:width] if len(unit) > width else unit
            # one slot per category and a last one for code -1 (no unit)
            wanted = np.zeros(len(categories) + 1, dtype=bool)
            wanted[[i for i, c in enumerate(categories) if c.startswith(prefix)]] = True
            rows = rows[wanted[codes[rows]]]
        if point_classes:
            rows = rows[_any_of(self.point_class[rows], point_classes)]
        if statuses:
            rows = rows[_any_of(self.status[rows], [STATUS_CODES.get(s, -9) for s in statuses])]
        if verdicts:
            # "not_probed" (未巡检): no result in the last finished run (code 0), never "offline"
            verdict_codes_wanted = [
                0 if v == "not_probed" else VERDICT_CODES.get(v, -9) for v in verdicts
            ]
            rows = rows[_any_of(self.verdict[rows], verdict_codes_wanted)]
        return rows

    def _bbox_rows(self, bbox: BBox) -> np.ndarray:
        """Sorted rows of the located cameras inside ``bbox``, from the tiles covering it."""
        tiles = covering_tiles(bbox)
        z = tiles[0][0]
        lows, highs = tile_key_ranges(
            z, np.array([t[1] for t in tiles]), np.array([t[2] for t in tiles])
        )
        starts = np.searchsorted(self.tile_key, lows)
        stops = np.searchsorted(self.tile_key, highs)
        rows = np.concatenate(
            [np.empty(0, dtype=np.int64)]
            + [self.tile_rows_sorted[a:b] for a, b in zip(starts, stops, strict=True) if b > a]
        )
        lon, lat = self.lon[rows], self.lat[rows]
        inside = (lon >= bbox.west) & (lon <= bbox.east) & (lat >= bbox.south) & (lat <= bbox.north)
        return np.sort(rows[inside]).astype(np.int64)

    def page(self, mask: np.ndarray, *, limit: int, offset: int) -> tuple[int, list[str]]:
        """Total selected, and the device IDs of one page (in device_id order)."""
        return self.page_rows(np.flatnonzero(mask), limit=limit, offset=offset)

    def page_rows(self, rows: np.ndarray, *, limit: int, offset: int) -> tuple[int, list[str]]:
        """Total of ``rows`` (ascending), and the device IDs of one page of them."""
        return len(rows), [x.decode() for x in self.device_id[rows[offset : offset + limit]]]

    def ids(self, rows: np.ndarray) -> list[str]:
        """Device IDs of ``rows``."""
        return [x.decode() for x in self.device_id[rows]]

    def tile_rows(self, z: int, x: int, y: int) -> np.ndarray:
        """Rows of the located cameras inside web-mercator tile ``z/x/y`` (one binary search)."""
        # the keys as uint64 like the array: a Python-int list would make numpy compare in float64
        # after converting the whole (memory-mapped) key array, a millisecond per call at 1M
        bounds = np.asarray(tile_key_range(z, x, y), dtype=np.uint64)
        start, stop = np.searchsorted(self.tile_key, bounds)
        return np.asarray(self.tile_rows_sorted[start:stop])

    def verdict_of(self, device_ids: list[str]) -> dict[str, str | None]:
        """Last health verdict of each of ``device_ids`` (``None`` when never checked)."""
        wanted = [d.encode() for d in device_ids]
        rows = np.searchsorted(self.device_id, np.asarray(wanted, dtype=self.device_id.dtype))
        names = [None, *VERDICT_CODES]
        out: dict[str, str | None] = {}
        for device_id, key, row in zip(device_ids, wanted, rows, strict=True):
            found = (
                len(key) <= self.device_id.itemsize
                and row < len(self)
                and self.device_id[row] == key
            )
            out[device_id] = names[self.verdict[row]] if found else None
        return out

    def grid(
        self, mask: np.ndarray, bbox: BBox, *, zoom: int, points_below: int = 2000
    ) -> dict[str, Any]:
        """Cameras of ``mask`` inside ``bbox`` for a map at ``zoom``, as a GeoJSON FeatureCollection.

        Up to ``points_below`` cameras (at most 300 below zoom 12; any number from zoom 17 on) each
        camera is a point feature
        (``device_id``, ``point_class``, ``verdict``); above that, cameras are counted on a grid of
        cells ``360 / 2**zoom / 4`` degrees wide (about 64 screen pixels) and each non-empty cell is a
        point at the mean position of its cameras with ``count`` and ``by_class`` counts.
        """
        mask = mask & self.select(bbox=bbox)
        rows = np.flatnonzero(mask)
        if zoom < 12:
            points_below = min(points_below, 300)
        if len(rows) <= points_below or zoom >= 17:
            return {
                "type": "FeatureCollection",
                "kind": "points",
                "total": int(mask.sum()),
                "features": self._point_features(rows[: max(points_below, 5000)]),
            }
        cell = 360.0 / (2 ** max(zoom, 0)) / 4.0
        return {
            "type": "FeatureCollection",
            "kind": "clusters",
            "total": len(rows),
            "cell_deg": cell,
            "features": self._cluster_features(rows, bbox, cell_deg=cell),
        }

    def _point_features(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """One GeoJSON point per camera of ``rows`` (EPSG:4326, 6 decimals)."""
        verdict_names = [None, *VERDICT_CODES]
        return [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(self.lon[r]), 6),
                        round(float(self.lat[r]), 6),
                    ],
                },
                "properties": {
                    "device_id": self.device_id[r].decode(),
                    "point_class": int(self.point_class[r]) or None,
                    "verdict": verdict_names[self.verdict[r]],
                },
            }
            for r in rows
        ]

    def _cluster_features(
        self, rows: np.ndarray, bbox: BBox, *, cell_deg: float
    ) -> list[dict[str, Any]]:
        """One GeoJSON point per non-empty cell of ``cell_deg`` degrees: mean position and counts."""
        lon, lat = self.lon[rows], self.lat[rows]
        ix = np.floor((lon - bbox.west) / cell_deg).astype(np.int64)
        iy = np.floor((lat - bbox.south) / cell_deg).astype(np.int64)
        nx = int(np.floor((bbox.east - bbox.west) / cell_deg)) + 1
        ny = int(np.floor((bbox.north - bbox.south) / cell_deg)) + 1
        key = ix * ny + iy
        slot_of_class = np.full(128, len(CLASS_CODES) - 1, dtype=np.int64)
        slot_of_class[list(CLASS_CODES)] = np.arange(len(CLASS_CODES))
        class_slot = slot_of_class[np.clip(self.point_class[rows], 0, 127)]
        counts, sum_lon, sum_lat, by_class = _cell_sums(key, lon, lat, class_slot, n_cells=nx * ny)
        features: list[dict[str, Any]] = []
        for i in range(len(counts)):
            n = int(counts[i])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(sum_lon[i] / n, 6), round(sum_lat[i] / n, 6)],
                    },
                    "properties": {
                        "count": n,
                        "by_class": {
                            str(c): int(k)
                            for c, k in zip(CLASS_CODES, by_class[i], strict=True)
                            if k
                        },
                    },
                }
            )
        return features


def _cell_sums(
    key: np.ndarray, lon: np.ndarray, lat: np.ndarray, class_slot: np.ndarray, *, n_cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per non-empty cell of ``key``: camera count, sums of lon and lat, and counts per class slot."""
    k = len(CLASS_CODES)
    if n_cells <= 2_000_000:
        # dense grid: counting is O(n), no sort
        all_counts = np.bincount(key, minlength=n_cells)
        cells = np.flatnonzero(all_counts)
        counts = all_counts[cells]
        sum_lon = np.bincount(key, weights=lon, minlength=n_cells)[cells]
        sum_lat = np.bincount(key, weights=lat, minlength=n_cells)[cells]
        by_class = np.bincount(key * k + class_slot, minlength=n_cells * k).reshape(n_cells, k)[
            cells
        ]
    else:
        cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        sum_lon = np.bincount(inverse, weights=lon)
        sum_lat = np.bincount(inverse, weights=lat)
        by_class = np.bincount(inverse * k + class_slot, minlength=len(cells) * k).reshape(
            len(cells), k
        )
    return counts, sum_lon, sum_lat, by_class
