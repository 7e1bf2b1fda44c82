"""A police tree over the tiny city of :mod:`tests.coverage.conftest`, drawn across its townships.

Bureau 219900000000 (no polygon) → sub-bureau 219901000000 (the whole county, 4 km × 2 km; its code
is the county's 12-digit statistical code) → stations 219901510000 (west, x < 2200 m) and
219901520000 (east). Cameras' ``police_unit``: c1 west (right), c2 east (wrong: it stands west), c3
the sub-bureau (right), c4 east (no position: counted there), c5 west (outside every polygon).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from tests.coverage.conftest import METRIC, box, tiny_cameras

BUREAU, SUB, WEST, EAST = "219900000000", "219901000000", "219901510000", "219901520000"


def police_units() -> gpd.GeoDataFrame:
    rows = [
        (BUREAU, "测试市公安局", "bureau", None, None),
        (SUB, "测试分局", "sub_bureau", BUREAU, box(0, 0, 4000, 2000)),
        (WEST, "西派出所", "station", SUB, box(0, 0, 2200, 2000)),
        (EAST, "东派出所", "station", SUB, box(2200, 0, 4000, 2000)),
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": pd.array([r[0] for r in rows], dtype="string"),
            "name": pd.array([r[1] for r in rows], dtype="string"),
            "level": pd.array([r[2] for r in rows], dtype="string"),
            "parent_code": pd.array([r[3] for r in rows], dtype="string"),
            "population": np.full(len(rows), np.nan),
        },
        geometry=gpd.GeoSeries([r[4] for r in rows], crs=METRIC),
        crs=METRIC,
    )
    return frame.to_crs("EPSG:4326")


def police_cameras() -> gpd.GeoDataFrame:
    cams = tiny_cameras()
    cams["police_unit"] = pd.array([WEST, EAST, SUB, EAST, WEST], dtype="string")
    # the admin codes must not leak into the police tree
    cams["admin_code"] = pd.array(["219901"] * 5, dtype="string")
    return cams
