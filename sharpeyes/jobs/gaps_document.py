"""The stored ``gaps`` result as JSON text, written straight from the layers (docs/scale.md).

The document is what it was — ``villages``, ``places``, ``roads``, ``cells`` (and ``grids``) as
GeoJSON FeatureCollections in WGS-84, then ``summary``, ``metric_crs``, ``h3_resolution``,
``generated_at`` — and parses to the same values as ``dumps`` of
:meth:`~sharpeyes.coverage.gaps.Gaps.to_feature_collections` (a test checks it). It is built
without the features as Python dicts (:func:`sharpeyes.model.geojson.feature_collection_text`):
at full size (276,698 cells, 167 MB) the dicts cost the client about 33 CPU-s (the frames to
GeoJSON dicts via ``to_json`` and ``json.loads``, then every coordinate through
:func:`~sharpeyes.model.jsonable.to_json`).
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd

from sharpeyes.coverage.gaps import Gaps
from sharpeyes.model.columns import WGS84
from sharpeyes.model.geojson import feature_collection_text
from sharpeyes.model.jsonable import to_json
from sharpeyes.store import Store
from sharpeyes.store.results import save_result_text

__all__ = ["gaps_document_text", "layer_text", "save_gaps"]


def layer_text(frame: gpd.GeoDataFrame) -> str:
    """A gap layer (any CRS; reprojected to WGS-84) as a GeoJSON FeatureCollection's text."""
    if len(frame) and frame.crs is not None:
        frame = frame.to_crs(WGS84)
    return feature_collection_text(frame)


def gaps_document_text(gaps: Gaps, *, generated_at: str) -> str:
    """The ``gaps`` result document's JSON text (module docstring)."""
    layers = [f"{json.dumps(k)}:{layer_text(v)}" for k, v in gaps.layers().items()]
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
