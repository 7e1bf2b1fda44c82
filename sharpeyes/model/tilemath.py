"""Web-mercator tile arithmetic (the XYZ scheme of Leaflet and every slippy map) and a Z-order key.

Tiles are numbered ``z/x/y`` with ``x`` from the west and ``y`` from the north, 2**z tiles a side.
Positions are WGS-84 (EPSG:4326) degrees in, "world fractions" (0–1 across the mercator square)
inside. A camera's key interleaves the bits of its cell at :data:`KEY_ZOOM` (Morton order), so every
tile of zoom ≤ :data:`KEY_ZOOM` is one contiguous range of keys.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

#: Zoom of the cells a key is made from (≈ 2.4 m at the equator): deeper tiles use KEY_ZOOM's cell.
KEY_ZOOM: Final = 24
#: Largest latitude of the mercator square (degrees).
MAX_LAT: Final = 85.0511287798066
#: Integer coordinates of a vector tile (the MVT default).
EXTENT: Final = 4096


def world_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees → mercator world fractions (x east, y south, both 0–1)."""
    x = (np.asarray(lon, dtype=np.float64) + 180.0) / 360.0
    phi = np.radians(np.clip(np.asarray(lat, dtype=np.float64), -MAX_LAT, MAX_LAT))
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of tile ``z/x/y`` in WGS-84 degrees."""
    n = 2.0**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def check_tile(z: int, x: int, y: int) -> str | None:
    """Why ``z/x/y`` is not a tile (``None`` when it is one)."""
    if not 0 <= z <= 22:
        return f"zoom {z} outside 0–22"
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        return f"tile {x}/{y} outside zoom {z}'s 0–{2**z - 1}"
    return None


def _spread(v: np.ndarray) -> np.ndarray:
    """Bits of ``v`` (< 2**24) moved to the even positions of a uint64."""
    v = v.astype(np.uint64) & np.uint64(0xFFFFFF)
    for shift, mask in (
        (16, 0x0000FFFF0000FFFF),
        (8, 0x00FF00FF00FF00FF),
        (4, 0x0F0F0F0F0F0F0F0F),
        (2, 0x3333333333333333),
        (1, 0x5555555555555555),
    ):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton_keys(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Z-order key (uint64) of each position's cell at :data:`KEY_ZOOM`."""
    x, y = world_xy(lon, lat)
    side = 2**KEY_ZOOM
    ix = np.clip(np.floor(x * side), 0, side - 1).astype(np.uint64)
    iy = np.clip(np.floor(y * side), 0, side - 1).astype(np.uint64)
    keys: np.ndarray = _spread(ix) | (_spread(iy) << np.uint64(1))
    return keys


def tile_key_range(z: int, x: int, y: int) -> tuple[int, int]:
    """[low, high) keys of the cells inside tile ``z/x/y`` (deeper than KEY_ZOOM: its ancestor's)."""
    if z > KEY_ZOOM:
        x, y, z = x >> (z - KEY_ZOOM), y >> (z - KEY_ZOOM), KEY_ZOOM
    key = int(_spread(np.array([x]))[0] | (_spread(np.array([y]))[0] << np.uint64(1)))
    shift = 2 * (KEY_ZOOM - z)
    return key << shift, (key + 1) << shift


def tile_key_ranges(z: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[low, high) keys (uint64 arrays) of the tiles ``z/x[i]/y[i]`` (see :func:`tile_key_range`)."""
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)
    if z > KEY_ZOOM:
        x, y, z = x >> (z - KEY_ZOOM), y >> (z - KEY_ZOOM), KEY_ZOOM
    key = _spread(x) | (_spread(y) << np.uint64(1))
    shift = np.uint64(2 * (KEY_ZOOM - z))
    return key << shift, (key + np.uint64(1)) << shift


def tile_pixels(
    lon: np.ndarray, lat: np.ndarray, z: int, x: int, y: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in tile ``z/x/y``'s integer coordinates (0–:data:`EXTENT`, y down)."""
    wx, wy = world_xy(lon, lat)
    n = 2.0**z
    return (wx * n - x) * EXTENT, (wy * n - y) * EXTENT
