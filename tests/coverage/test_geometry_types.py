"""Wrong geometry types are named in the problem, with the type expected."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from sharpeyes.ingest.places import roads_from_file
from sharpeyes.ingest.units import units_from_file


def test_a_point_unit_names_its_type_and_the_expected_one(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["219901", "219901001"], "name": ["县", "乡"]},
        geometry=[shapely.box(123, 42, 124, 43), shapely.Point(123.5, 42.5)],
        crs=4326,
    )
    frame.to_file(tmp_path / "u.geojson")
    layer = units_from_file(tmp_path / "u.geojson")
    detail = layer.problems.to_string()
    assert "geometry is a Point, expected a Polygon or MultiPolygon" in detail
    assert " 0 type" not in detail


def test_a_point_road_names_its_type_and_the_expected_one(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"road_id": ["r1", "r2"], "highway": ["primary", "primary"]},
        geometry=[shapely.LineString([(123, 42), (123.1, 42)]), shapely.Point(123.5, 42.5)],
        crs=4326,
    )
    frame.to_file(tmp_path / "r.geojson")
    layer = roads_from_file(tmp_path / "r.geojson")
    detail = layer.rejects.to_string()
    assert "geometry is a Point, expected a LineString or MultiLineString" in detail
