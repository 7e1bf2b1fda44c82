"""Hand-made canonical camera frames for the store tests."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, CAMERA_SIDE_COLUMNS, WGS84


def device_id(serial: int, *, county: str = "211202", kind: str = "132") -> str:
    """A valid-looking 20-digit GB/T 28181 camera ID."""
    return f"{county}00" + "00" + kind + "0" + f"{serial:06d}"


def camera_frame(n: int, *, start: int = 0, **columns: Any) -> gpd.GeoDataFrame:
    """``n`` canonical cameras (with side columns) near Tieling; ``columns`` override values."""
    serials = np.arange(start, start + n)
    data: dict[str, Any] = {
        "device_id": [device_id(int(i)) for i in serials],
        "name": [f"铁岭 点位 {i}" for i in serials],
        "point_class": [int(1 + i % 3) for i in serials],
        "camera_type": [1 if i % 2 else 3 for i in serials],
        "lon": 123.80 + serials * 1e-3,
        "lat": 42.28 + serials * 5e-4,
        "heading_deg": (serials * 45.0) % 360,
        "resolution": [1080 if i % 2 == 0 else 576 for i in serials],
        "is_hd": [i % 2 == 0 for i in serials],
        "networked": [i % 3 != 2 for i in serials],
        "status": "在用",
        "address": [f"银州区 街道 {i} 号" for i in serials],
        "admin_code": "211202",
        "township_code": ["211202001" if i % 2 else "211202002" for i in serials],
        "village_code": ["211202001001" if i % 2 else "211202002003" for i in serials],
        "police_unit": "211202000000",
        "install_date": "2019-05-01",
        "stream_url": [f"rtsp://10.1.0.{i % 250}:554/live/{i}" for i in serials],
        "stream_user": "admin",
        "stream_password": [f"secret{i}" for i in serials],
        "id_valid": True,
    }
    data.update(columns)
    frame = pd.DataFrame(index=range(n))
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
        value = data.get(c)
        if value is None:
            frame[c] = pd.Series([None] * n, dtype=dtype)
        else:
            frame[c] = pd.Series(value if not np.isscalar(value) else [value] * n, dtype=dtype)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
