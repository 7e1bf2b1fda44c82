"""A tiny hand-made city in metric coordinates (UTM 51N), where every figure can be worked out by hand.

County 219901 (4 km × 2 km) = townships 219901001 (west) and 219901002 (east), each = two
villages of 1 km × 2 km. Metres are relative to (X0, Y0) in EPSG:32651 (about 123°E, 42.4°N).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from tests.conftest import unavailable

METRIC = "EPSG:32651"
X0, Y0 = 500_000.0, 4_700_000.0


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def tiny_units() -> gpd.GeoDataFrame:
    rows = [
        ("219901", "县", "county", None, box(0, 0, 4000, 2000)),
        ("219901001", "西乡", "township", "219901", box(0, 0, 2000, 2000)),
        ("219901002", "东乡", "township", "219901", box(2000, 0, 4000, 2000)),
        ("219901001001", "一村", "village", "219901001", box(0, 0, 1000, 2000)),
        ("219901001002", "二村", "village", "219901001", box(1000, 0, 2000, 2000)),
        ("219901002001", "三村", "village", "219901002", box(2000, 0, 3000, 2000)),
        ("219901002002", "四村", "village", "219901002", box(3000, 0, 4000, 2000)),
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent_code": [r[3] for r in rows],
            "population": [np.nan, np.nan, np.nan, 1000.0, 2000.0, 500.0, 500.0],
        },
        geometry=[r[4] for r in rows],
        crs=METRIC,
    )
    return frame.to_crs("EPSG:4326")


def to_lonlat(x: list[float], y: list[float]) -> tuple[np.ndarray, np.ndarray]:
    pts = gpd.GeoSeries(gpd.points_from_xy(np.array(x) + X0, np.array(y) + Y0), crs=METRIC).to_crs(
        "EPSG:4326"
    )
    return np.array(pts.x, dtype=float), np.array(pts.y, dtype=float)


def tiny_cameras() -> gpd.GeoDataFrame:
    """c1 dome in 一村 (class 1, networked, 1080p, r=100); c2 bullet in 二村 facing east (class 2,
    not networked, 720p); c3 in 三村 (class 3, networked, unknown resolution); c4 without
    coordinates, village_code 四村 (class 1, not networked); c5 outside every unit."""
    x = [500.0, 1500.0, 2500.0, np.nan, 10_000.0]
    y = [1000.0, 1000.0, 1000.0, np.nan, 1000.0]
    lon, lat = to_lonlat([v if v == v else 0.0 for v in x], [v if v == v else 0.0 for v in y])
    lon[3] = np.nan
    lat[3] = np.nan
    geometry = [shapely.Point(a, b) if a == a else None for a, b in zip(lon, lat, strict=True)]
    return gpd.GeoDataFrame(
        {
            "device_id": pd.array(
                [
                    "21990100001320000001",
                    "21990100001320000002",
                    "21990200001320000003",  # ID says county 219902: a mismatch
                    "21990100001320000004",
                    "21990100001320000005",
                ],
                dtype="string",
            ),
            "point_class": pd.array([1, 2, 3, 1, 1], dtype="Int8"),
            "camera_type": pd.array([1, 3, 1, 3, 1], dtype="Int16"),
            "lon": lon,
            "lat": lat,
            "heading_deg": [np.nan, 90.0, np.nan, 0.0, np.nan],
            "fov_deg": [360.0, 90.0, 360.0, 90.0, 360.0],
            "range_m": [100.0, 50.0, 60.0, 50.0, 100.0],
            "resolution": pd.array([1080, 720, None, 1080, 1080], dtype="Int16"),
            "networked": pd.array([True, False, True, False, True], dtype="boolean"),
            "village_code": pd.array([None, None, None, "219901002002", None], dtype="string"),
        },
        geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    return tiny_units()


@pytest.fixture
def cameras() -> gpd.GeoDataFrame:
    return tiny_cameras()


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A LocalCluster of 2 workers for the partitioned (``--dask``) tests, one per test module."""
    from sharpeyes.jobs.partitioned import dask_client

    try:
        with dask_client("local:2") as c:
            yield c
    except OSError as exc:  # pragma: no cover - depends on the machine
        unavailable(f"dask.distributed LocalCluster ({exc})")
