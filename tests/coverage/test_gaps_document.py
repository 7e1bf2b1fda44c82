"""The stored ``gaps`` document written as text from the layers (``jobs.gaps_document``) reads
back as the document of GeoJSON dicts it replaces: every feature, property and coordinate."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from sharpeyes.coverage.gaps import Gaps
from sharpeyes.jobs import coverage as jobs
from sharpeyes.jobs.gaps_document import gaps_document_text, layer_text
from sharpeyes.model.jsonable import dumps, loads
from tests.coverage.test_partitioned_lists import _odd_city


def _geopandas_collection(frame: gpd.GeoDataFrame) -> Any:
    """A layer as geopandas writes it (empty and missing geometries ``null``)."""
    if len(frame) == 0:
        return {"type": "FeatureCollection", "features": []}
    return json.loads(frame.to_crs("EPSG:4326").to_json(na="null", drop_id=True))


def _dict_document(gaps: Gaps, generated_at: str) -> Any:
    """What the store kept before: the layers as geopandas' GeoJSON, through the package's rule."""
    document = {
        **{name: _geopandas_collection(layer) for name, layer in gaps.layers().items()},
        "summary": gaps.summary(),
        "metric_crs": gaps.metric_crs,
        "h3_resolution": gaps.h3_resolution,
        "generated_at": generated_at,
    }
    return loads(dumps(document))


def _awkward_layer() -> gpd.GeoDataFrame:
    """Missing and empty geometries, NaN, ±inf, mixed values in an object column, Chinese text,
    multi-part and holed polygons, long doubles — in a metric CRS, so it is reprojected."""
    holed = shapely.Polygon(
        [(0, 0), (1000.123456789, 0), (1000, 1000), (0, 1000)],
        [[(100, 100), (200, 100), (200, 200)]],
    )
    return gpd.GeoDataFrame(
        {
            "code": ["210102001201", "东陵路", None, "x"],
            "length_m": [1.0 / 3.0, np.nan, np.inf, -0.0],
            "cameras": np.array([0, 7, 2**40, -1], dtype=np.int64),
            "mixed": np.array([3, 2.5, None, True], dtype=object),
            "flag": [True, False, True, False],
        },
        geometry=[
            holed,
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)]),
            None,
            shapely.LineString(),
        ],
        crs="EPSG:32651",
    )


def test_a_layer_as_text_reads_back_as_geopandas_dicts() -> None:
    layer = _awkward_layer()
    gaps = Gaps(
        villages=layer,
        places=layer.iloc[:0],
        roads=layer.iloc[[1, 0]],
        cells=gpd.GeoDataFrame(geometry=[shapely.Point(1, 2)], crs="EPSG:4326"),
        metric_crs="EPSG:32651",
        h3_resolution=9,
    )
    assert loads(gaps_document_text(gaps, generated_at="t")) == _dict_document(gaps, "t")
    features = loads(layer_text(layer))["features"]
    assert features[2]["geometry"] is None and features[3]["geometry"] is None
    assert features[1]["properties"]["length_m"] is None  # NaN
    assert features[2]["properties"]["length_m"] is None  # inf: never the invalid token
    assert (
        features[0]["properties"]["cameras"] == 0 and features[2]["properties"]["cameras"] == 2**40
    )
    assert features[1]["properties"]["code"] == "东陵路"
    lon, lat = features[0]["geometry"]["coordinates"][0][0]
    assert 118 < lon < 119 and 0 <= lat < 0.01  # WGS-84 (UTM 51N, 500 km west), not metres


def test_the_stored_gaps_are_the_document_of_the_layers(store_url: str) -> None:
    store = _odd_city(store_url)
    gaps, result_id = jobs.compute_gaps(store, h3_resolution=9)
    saved = store.result(result_id)
    assert saved is not None and store.latest_result("gaps") == saved
    assert saved == _dict_document(gaps, saved["generated_at"])
    assert len(saved["cells"]["features"]) == gaps.summary()["cells"] > 300
