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

from sharpeyes.model.codes import POINT_CLASSES, STATUSES, VERDICTS

#: Index of each status / verdict code in the compact arrays (0 = missing).
STATUS_CODES: Final = {code: i + 1 for i, code in enumerate(STATUSES)}
VERDICT_CODES: Final = {code: i + 1 for i, code in enumerate(VERDICTS)}
CLASS_CODES: Final = tuple(int(c) for c in POINT_CLASSES)

#: A unit code's length → the camera column it is compared with (a prefix match).
_UNIT_COLUMN: Final = {4: "admin_code", 6: "admin_code", 9: "township_code", 12: "village_code"}


def _codes(values: pd.Series, table: dict[Any, int]) -> np.ndarray:
    mapped = values.astype("object").map(table)
    return mapped.fillna(0).to_numpy(dtype=np.int8)


def _any_of(values: np.ndarray, wanted: list[int]) -> np.ndarray:
    """``values`` equal to any of a few small codes (much faster than ``np.isin`` for int8)."""
    mask = np.zeros(len(values), dtype=bool)
    for code in wanted:
        mask |= values == code
    return mask


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
    """Compact arrays of every camera, sorted by device_id (see the module docstring)."""

    def __init__(self, cameras: pd.DataFrame, verdicts: pd.Series | None = None) -> None:
        frame = cameras.sort_values("device_id", kind="stable").reset_index(drop=True)
        self.device_id = frame["device_id"].astype("object").to_numpy()
        self.lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=np.float64)
        self.lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=np.float64)
        self.point_class = (
            pd.to_numeric(frame["point_class"], errors="coerce").fillna(0).to_numpy(dtype=np.int8)
        )
        self.status = _codes(frame["status"], STATUS_CODES)
        networked = frame["networked"].astype("object")
        self.networked = np.where(
            networked.isna(), -1, networked.fillna(False).astype(bool)
        ).astype(np.int8)
        self.units: dict[str, pd.Categorical] = {}
        for column in ("admin_code", "township_code", "village_code"):
            values = frame[column] if column in frame else pd.Series([None] * len(frame))
            self.units[column] = pd.Categorical(values.astype("object"))
        if verdicts is not None and len(verdicts):
            by_id = verdicts.astype("object").map(VERDICT_CODES).fillna(0)
            self.verdict = (
                pd.Series(self.device_id).map(by_id.to_dict()).fillna(0).to_numpy(dtype=np.int8)
            )
        else:
            self.verdict = np.zeros(len(frame), dtype=np.int8)
        self.located = np.isfinite(self.lon) & np.isfinite(self.lat)

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
        mask = np.ones(len(self), dtype=bool)
        if unit:
            column = _UNIT_COLUMN.get(len(unit), "admin_code")
            categorical = self.units[column]
            width = 6 if column == "admin_code" else len(unit)
            prefix = unit[:width] if len(unit) > width else unit
            hits = [i for i, c in enumerate(categorical.categories) if str(c).startswith(prefix)]
            wanted = np.zeros(
                len(categorical.categories) + 1, dtype=bool
            )  # last slot: code -1 (none)
            wanted[hits] = True
            mask &= wanted[categorical.codes]
        if point_classes:
            mask &= _any_of(self.point_class, point_classes)
        if statuses:
            mask &= _any_of(self.status, [STATUS_CODES.get(s, -9) for s in statuses])
        if verdicts:
            # "not_probed" (未巡检): no result in the last finished run (code 0), never "offline"
            codes = [0 if v == "not_probed" else VERDICT_CODES.get(v, -9) for v in verdicts]
            mask &= _any_of(self.verdict, codes)
        if bbox is not None:
            mask &= self.located
            mask &= (self.lon >= bbox.west) & (self.lon <= bbox.east)
            mask &= (self.lat >= bbox.south) & (self.lat <= bbox.north)
        return mask

    def page(self, mask: np.ndarray, *, limit: int, offset: int) -> tuple[int, list[str]]:
        """Total selected, and the device IDs of one page (in device_id order)."""
        rows = np.flatnonzero(mask)
        return len(rows), [str(x) for x in self.device_id[rows[offset : offset + limit]]]

    def verdict_of(self, device_ids: list[str]) -> dict[str, str | None]:
        """Last health verdict of each of ``device_ids`` (``None`` when never checked)."""
        rows = np.searchsorted(self.device_id, np.asarray(device_ids, dtype=object))
        names = [None, *VERDICT_CODES]
        out: dict[str, str | None] = {}
        for device_id, row in zip(device_ids, rows, strict=True):
            found = row < len(self) and self.device_id[row] == device_id
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
        features: list[dict[str, Any]] = []
        if zoom < 12:
            points_below = min(points_below, 300)
        if len(rows) <= points_below or zoom >= 17:
            rows = rows[: max(points_below, 5000)]
            verdict_names = [None, *VERDICT_CODES]
            for r in rows:
                features.append(
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
                            "device_id": str(self.device_id[r]),
                            "point_class": int(self.point_class[r]) or None,
                            "verdict": verdict_names[self.verdict[r]],
                        },
                    }
                )
            return {
                "type": "FeatureCollection",
                "kind": "points",
                "total": int(mask.sum()),
                "features": features,
            }
        cell = 360.0 / (2 ** max(zoom, 0)) / 4.0
        lon, lat = self.lon[rows], self.lat[rows]
        ix = np.floor((lon - bbox.west) / cell).astype(np.int64)
        iy = np.floor((lat - bbox.south) / cell).astype(np.int64)
        nx = int(np.floor((bbox.east - bbox.west) / cell)) + 1
        ny = int(np.floor((bbox.north - bbox.south) / cell)) + 1
        key = ix * ny + iy
        slot_of_class = np.full(128, len(CLASS_CODES) - 1, dtype=np.int64)
        slot_of_class[list(CLASS_CODES)] = np.arange(len(CLASS_CODES))
        class_slot = slot_of_class[np.clip(self.point_class[rows], 0, 127)]
        k = len(CLASS_CODES)
        if nx * ny <= 2_000_000:
            # dense grid: counting is O(n), no sort
            all_counts = np.bincount(key, minlength=nx * ny)
            cells = np.flatnonzero(all_counts)
            counts = all_counts[cells]
            sum_lon = np.bincount(key, weights=lon, minlength=nx * ny)[cells]
            sum_lat = np.bincount(key, weights=lat, minlength=nx * ny)[cells]
            by_class = np.bincount(key * k + class_slot, minlength=nx * ny * k).reshape(nx * ny, k)[
                cells
            ]
        else:
            cells, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
            sum_lon = np.bincount(inverse, weights=lon)
            sum_lat = np.bincount(inverse, weights=lat)
            by_class = np.bincount(inverse * k + class_slot, minlength=len(cells) * k).reshape(
                len(cells), k
            )
        for i in range(len(cells)):
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
        return {
            "type": "FeatureCollection",
            "kind": "clusters",
            "total": len(rows),
            "cell_deg": cell,
            "features": features,
        }
