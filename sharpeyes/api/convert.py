"""Frames and documents → JSON-safe values, with stream credentials masked on the way out."""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.model.jsonable import to_json
from sharpeyes.model.urls import scrub

#: Columns never returned by the API (credentials are kept apart in the store and never leave it).
SECRET_COLUMNS: Final = frozenset({"stream_user", "stream_password", "password_hash", "token_hash"})
#: Binary columns returned as a URL or a flag instead of their bytes.
BINARY_COLUMNS: Final = frozenset({"snapshot_jpeg", "reference_jpeg"})


def clean(value: Any) -> Any:
    """``value`` as plain JSON types: NaN/NA → ``None``, numpy → Python, credentials in text masked."""
    if value is None:
        return None
    if isinstance(value, str):
        return scrub(value) if "@" in value or "=" in value else value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int,)):
        return value
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return clean(float(value))
    if isinstance(value, dict):
        return {
            str(k): clean(v)
            for k, v in value.items()
            if str(k) not in SECRET_COLUMNS and str(k) not in BINARY_COLUMNS
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if hasattr(value, "__geo_interface__"):
        return clean(value.__geo_interface__)
    return clean(to_json(value))  # dates, NaT, NA, bytes …: the package's one JSON rule


def records(frame: pd.DataFrame | None, *, drop_geometry: bool = True) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-safe dicts, without secret or binary columns (and geometry)."""
    if frame is None or len(frame) == 0:
        return []
    columns = [
        c
        for c in frame.columns
        if c not in SECRET_COLUMNS
        and c not in BINARY_COLUMNS
        and not (drop_geometry and (c == "geometry" or str(frame[c].dtype) == "geometry"))
    ]
    return [
        {c: clean(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


def feature_collection(frame: pd.DataFrame | None) -> dict[str, Any]:
    """A GeoDataFrame (EPSG:4326) as a GeoJSON FeatureCollection with cleaned properties."""
    if frame is None or len(frame) == 0 or "geometry" not in frame:
        return {"type": "FeatureCollection", "features": []}
    props = records(frame)
    features = []
    for geometry, properties in zip(frame.geometry, props, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": None
                if geometry is None or geometry.is_empty
                else geometry.__geo_interface__,
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}
