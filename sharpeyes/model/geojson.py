"""GeoDataFrames as GeoJSON FeatureCollections, built column-wise: geometries written by GEOS in
one call (``shapely.to_geojson``: text that reads back as the same double, though not always the
shortest — ``42.097803999999996`` where Python's ``json`` writes ``42.097804``), each feature's
properties by orjson, every missing value ``null``.

The frame's coordinates are written as they are: give it in WGS-84 (EPSG:4326), as GeoJSON
(RFC 7946) requires. The features are geopandas' ``to_json(na="null", drop_id=True)`` (a missing
or empty geometry ``null``; NaN and ±inf ``null``, never the invalid tokens), several times faster
on the tens of thousands of gap polygons of a city, and as text without Python dicts in between
for the hundreds of thousands of a province (:func:`feature_collection_text`).
"""

from __future__ import annotations

from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.model.jsonable import dumps_compact, loads

__all__ = ["feature_collection", "feature_collection_text"]

_EMPTY: str = '{"type":"FeatureCollection","features":[]}'


def _geometry_texts(frame: gpd.GeoDataFrame) -> list[str]:
    """Each row's geometry as GeoJSON text; ``null`` for a missing or empty one."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    absent = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    texts = np.full(len(geoms), "null", dtype=object)
    if (~absent).any():
        texts[~absent] = shapely.to_geojson(geoms[~absent])
    return cast(list[str], texts.tolist())


def _property_texts(frame: gpd.GeoDataFrame) -> list[str]:
    """Each row's properties as a JSON object keyed by the column names as text; NaN, ``None``
    and ``pd.NA`` ``null``, numpy scalars as numbers (the package's rule, ``model.jsonable``)."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if not columns:
        return ["{}"] * len(frame)
    table = pd.DataFrame(frame[columns])
    values = table.astype(object).where(table.notna(), None)
    names = [str(c) for c in columns]
    return [
        dumps_compact(dict(zip(names, row, strict=True)))
        for row in values.itertuples(index=False, name=None)
    ]


def feature_collection_text(frame: gpd.GeoDataFrame) -> str:
    """The frame as a GeoJSON FeatureCollection's text: each row a Feature of ``type``,
    ``properties`` (the columns but the geometry) and ``geometry``, no ids."""
    if len(frame) == 0:
        return _EMPTY
    features = ",".join(
        f'{{"type":"Feature","properties":{p},"geometry":{g}}}'
        for p, g in zip(_property_texts(frame), _geometry_texts(frame), strict=True)
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def feature_collection(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """The frame as a GeoJSON FeatureCollection (dict; see :func:`feature_collection_text`)."""
    document: dict[str, Any] = loads(feature_collection_text(frame))
    return document
