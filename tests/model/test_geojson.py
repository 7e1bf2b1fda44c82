"""GeoDataFrames as GeoJSON: the same features geopandas writes, missing values null."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon

from sharpeyes.model.geojson import feature_collection
from sharpeyes.model.jsonable import dumps_compact


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["211202001001", None, "211202001003", "211202001004"],
            "name": ["凡河村", "新台子村", None, "腰堡村"],
            "cameras": np.array([3, 0, 12, 7], dtype=np.int64),
            "coverage": [0.25, np.nan, 1.0, 1 / 3],
            "networked": np.array([True, False, True, False]),
            "text": pd.array(["a", pd.NA, "c", "d"], dtype="string"),
        },
        geometry=[
            Polygon([(123.8, 42.2), (123.9, 42.2), (123.9, 42.3), (123.8, 42.2)]),
            Point(123.81234567890123, 42.31234567890123),
            None,
            LineString([(123.7, 42.1), (123.75, 42.15)]),
        ],
        crs="EPSG:4326",
    )


def test_features_match_geopandas_to_json_with_missing_as_null() -> None:
    frame = _frame()
    expected = json.loads(frame.to_json(na="null", drop_id=True))
    got = feature_collection(frame)
    assert json.loads(dumps_compact(got)) == expected
    assert got["features"][1]["properties"]["coverage"] is None
    assert got["features"][1]["properties"]["code"] is None
    assert got["features"][2]["geometry"] is None
    assert type(got["features"][0]["properties"]["cameras"]) is int


def test_chinese_names_are_written_as_characters() -> None:
    text = dumps_compact(feature_collection(_frame()))
    assert "凡河村" in text and "\\u" not in text


def test_an_empty_frame_is_an_empty_collection() -> None:
    empty = _frame().iloc[:0]
    assert feature_collection(empty) == {"type": "FeatureCollection", "features": []}


def test_a_frame_with_only_a_geometry_has_empty_properties() -> None:
    only = gpd.GeoDataFrame(geometry=[Point(1.0, 2.0)], crs="EPSG:4326")
    assert feature_collection(only)["features"] == [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
        }
    ]


def test_an_empty_geometry_is_null_as_geopandas_writes_it() -> None:
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[LineString()], crs="EPSG:4326")
    assert feature_collection(frame)["features"][0]["geometry"] is None
    assert feature_collection(frame) == json.loads(frame.to_json(na="null", drop_id=True))
