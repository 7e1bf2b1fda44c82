"""The metric CRS every measure uses: the UTM zone of the data's centre (or a Gauss–Krüger zone)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from sharpeyes._errors import InputError
from sharpeyes.model.crs import metric_crs, utm_epsg


def _points(*lonlat: tuple[float, float], crs: str | None = "EPSG:4326") -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(x, y) for x, y in lonlat], crs=crs)


@pytest.mark.parametrize(
    ("lonlat", "epsg"),
    [
        (((123.7, 42.2), (124.0, 42.4)), 32651),  # Tieling
        (((87.5, 43.7), (87.7, 43.9)), 32645),  # Urumqi
        (((151.1, -33.9), (151.3, -33.8)), 32756),  # Sydney: southern hemisphere
    ],
)
def test_utm_zone_of_the_centre(lonlat: tuple[tuple[float, float], ...], epsg: int) -> None:
    pts = _points(*lonlat)
    assert metric_crs(pts).to_epsg() == epsg
    assert epsg == utm_epsg(*pts.union_all().centroid.coords[0])
    # the same data in another CRS, or as a frame with a missing geometry, gets the same zone
    assert metric_crs(pts.to_crs("EPSG:3857")).to_epsg() == epsg
    frame = gpd.GeoDataFrame({"n": range(len(pts) + 1)}, geometry=[*pts, None], crs=pts.crs)
    assert metric_crs(frame).to_string() == f"EPSG:{epsg}"


def test_gauss_kruger_zone_in_china_only() -> None:
    assert metric_crs(_points((123.7, 42.2), (124.0, 42.4)), system="gk").to_epsg() == 4550
    with pytest.raises(InputError, match="Gauss"):
        metric_crs(_points((151.1, -33.9)), system="gk")


@pytest.mark.parametrize(
    "data",
    [_points(crs="EPSG:4326"), _points((123.8, 42.3), crs=None)],
    ids=["no geometry", "no CRS"],
)
def test_refused_without_geometry_or_crs(data: gpd.GeoSeries) -> None:
    with pytest.raises(InputError, match="cannot choose a metric CRS"):
        metric_crs(data)
