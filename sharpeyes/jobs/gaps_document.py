"""The stored ``gaps`` result as JSON text, written straight from the layers (docs/scale.md).

The document is what it was — ``villages``, ``places``, ``roads``, ``cells`` (and ``grids``) as
GeoJSON FeatureCollections in WGS-84, then ``summary``, ``metric_crs``, ``h3_resolution``,
``generated_at`` — and parses to the same values as ``dumps`` of
:meth:`~sharpeyes.coverage.gaps.Gaps.to_feature_collections` (a test checks it). It is built
without the features as Python dicts: each geometry by GEOS's GeoJSON writer
(``shapely.to_geojson``, vectorised; the shortest text that reads back as the same double, as
Python's ``json`` writes it), each feature's properties by ``json.dumps``. At full size
(276,698 cells, 167 MB) the dicts cost the client about 33 CPU-s (the frames to GeoJSON dicts via
``to_json`` and ``json.loads``, then every coordinate through :func:`~sharpeyes.model.jsonable.to_json`).
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.coverage.gaps import Gaps
from sharpeyes.model.columns import WGS84
from sharpeyes.model.jsonable import dumps, to_json
from sharpeyes.store import Store
from sharpeyes.store.results import save_result_text

__all__ = ["feature_collection_text", "gaps_document_text", "save_gaps"]

_EMPTY: str = '{"type": "FeatureCollection", "features": []}'


def _geometry_texts(frame: gpd.GeoDataFrame) -> list[str]:
    """Each row's geometry as GeoJSON text; ``null`` for a missing or empty one (as geopandas)."""
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    absent = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    texts = np.full(len(geoms), "null", dtype=object)
    if (~absent).any():
        texts[~absent] = shapely.to_geojson(geoms[~absent])
    return list(texts)


def _property_texts(frame: gpd.GeoDataFrame) -> list[str]:
    """Each row's properties as a JSON object: missing values ``null`` (NaN, ``None``, ±inf, as
    :func:`~sharpeyes.model.jsonable.to_json`), numpy scalars as Python ones."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if not columns:
        return ["{}"] * len(frame)
    values = pd.DataFrame(frame[columns]).astype(object)
    values = values.mask(pd.isna(values), None)
    names = [str(c) for c in columns]
    out = []
    for row in values.itertuples(index=False, name=None):
        try:
            out.append(
                json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, allow_nan=False)
            )
        except (TypeError, ValueError):  # inf, or a value json has no rule for: the package's rule
            out.append(dumps(dict(zip(names, row, strict=True))))
    return out


def feature_collection_text(frame: gpd.GeoDataFrame) -> str:
    """``frame`` (reprojected to WGS-84) as a GeoJSON FeatureCollection's text, without ids."""
    if len(frame) == 0:
        return _EMPTY
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame
    features = ",".join(
        f'{{"type": "Feature", "properties": {p}, "geometry": {g}}}'
        for p, g in zip(_property_texts(frame), _geometry_texts(frame), strict=True)
    )
    return f'{{"type": "FeatureCollection", "features": [{features}]}}'


def gaps_document_text(gaps: Gaps, *, generated_at: str) -> str:
    """The ``gaps`` result document's JSON text (module docstring)."""
    layers = [f"{json.dumps(k)}: {feature_collection_text(v)}" for k, v in gaps.layers().items()]
    rest: dict[str, Any] = {
        "summary": gaps.summary(),
        "metric_crs": gaps.metric_crs,
        "h3_resolution": gaps.h3_resolution,
        "generated_at": generated_at,
    }
    tail = json.dumps(to_json(rest), ensure_ascii=False, allow_nan=False)[1:-1]
    return "{" + ", ".join([*layers, tail]) + "}"


def save_gaps(store: Store, gaps: Gaps, *, generated_at: str) -> int:
    """Keep ``gaps`` as the ``gaps`` result (what the API's ``/api/gaps`` serves); its id."""
    return save_result_text(store, "gaps", gaps_document_text(gaps, generated_at=generated_at))
