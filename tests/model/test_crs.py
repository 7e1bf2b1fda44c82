"""GCJ-02 / BD-09 conversions: round trips within 0.1 m, known offsets, outside-China passthrough."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from sharpeyes.model import crs

GEOD = Geod(ellps="WGS84")


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_gcj02_round_trip_within_a_decimetre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(73.5, 134.5, 5000)
    lat = rng.uniform(18.5, 53.0, 5000)
    g_lon, g_lat = crs.wgs84_to_gcj02(lon, lat)
    w_lon, w_lat = crs.gcj02_to_wgs84(g_lon, g_lat)
    assert _metres(lon, lat, w_lon, w_lat).max() < 0.1


def test_gcj02_offset_is_hundreds_of_metres_in_tieling() -> None:
    g_lon, g_lat = crs.wgs84_to_gcj02(123.84, 42.29)
    shift = _metres(
        np.array([123.84]), np.array([42.29]), np.atleast_1d(g_lon), np.atleast_1d(g_lat)
    )[0]
    assert 100 < shift < 1000


def test_bd09_round_trip() -> None:
    lon, lat = np.array([123.84, 116.39]), np.array([42.29, 39.91])
    b_lon, b_lat = crs.wgs84_to_bd09(lon, lat)
    w_lon, w_lat = crs.bd09_to_wgs84(b_lon, b_lat)
    assert _metres(lon, lat, w_lon, w_lat).max() < 0.5


def test_outside_china_unchanged() -> None:
    g_lon, g_lat = crs.wgs84_to_gcj02(2.35, 48.85)
    assert (float(g_lon), float(g_lat)) == (2.35, 48.85)


def test_unknown_system_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="gcj02"):
        crs.to_wgs84(1.0, 2.0, "mercator")
