"""GeoDataFrames as GeoJSON FeatureCollections (plain dicts), built column-wise: geometries written
by GEOS in one call, properties as Python values with every missing one ``null``.

The frame's coordinates are written as they are: give it in WGS-84 (EPSG:4326), as GeoJSON
(RFC 7946) requires. Same features as geopandas' ``to_json(na="null", drop_id=True)``, several
times faster on the tens of thousands of gap polygons of a city.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import shapely

__all__ = ["feature_collection", "features"]


def _geometries(frame: gpd.GeoDataFrame) -> list[Any]:
    texts = shapely.to_geojson(frame.geometry.to_numpy())
    joined = ",".join("null" if t is None else t for t in texts.tolist())
    geometries: list[Any] = orjson.loads(f"[{joined}]")
    return geometries


def _properties(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if table.shape[1] == 0:
        return [{} for _ in range(len(frame))]
    plain = table.astype(object)
    plain = plain.where(table.notna(), None)
    records: list[dict[str, Any]] = plain.to_dict(orient="records")  # type: ignore[assignment]
    return records


def features(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The frame's rows as GeoJSON Features: ``type``, ``properties`` (the columns but the
    geometry, keyed by their names as text) and ``geometry`` (``None`` where missing)."""
    frame = frame.rename(columns={c: str(c) for c in frame.columns if not isinstance(c, str)})
    return [
        {"type": "Feature", "properties": props, "geometry": geom}
        for props, geom in zip(_properties(frame), _geometries(frame), strict=True)
    ]


def feature_collection(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """The frame as a GeoJSON FeatureCollection (see :func:`features`)."""
    return {"type": "FeatureCollection", "features": features(frame) if len(frame) else []}
