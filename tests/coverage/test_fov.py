from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes._errors import InputError
from sharpeyes.coverage.fov import (
    FOV_DEFAULTS,
    fov_defaults,
    fov_defaults_table,
    fov_sectors,
)
from sharpeyes.model.crs import metric_crs

from .conftest import METRIC, X0, Y0, to_lonlat


def _cams(**cols: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    lon, lat = to_lonlat([1000.0 * i for i in range(n)], [0.0] * n)
    return gpd.GeoDataFrame(
        {"device_id": [f"c{i}" for i in range(n)], **cols},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def test_defaults_fill_blanks_and_say_which() -> None:
    cams = _cams(
        camera_type=pd.array([1, 3, 5, None], dtype="Int16"),
        heading_deg=[None, 45.0, None, None],
        fov_deg=[None, None, 20.0, None],
        range_m=[None, None, None, 10.0],
        resolution=pd.array([1080, 720, None, None], dtype="Int16"),
    )
    out = fov_defaults(cams)
    assert out["fov_deg"].tolist()[:2] == [360.0, FOV_DEFAULTS[3][0]]
    assert out["range_m"].iat[0] == FOV_DEFAULTS[1][1]  # HD dome
    assert out["range_m"].iat[1] == FOV_DEFAULTS[3][2]  # SD bullet
    assert out["fov_defaulted"].tolist()[0] == "fov,range"
    assert out["fov_defaulted"].tolist()[1] == "fov,range"
    # a checkpoint bullet without heading becomes an equal-area disc
    assert out["fov_model"].iat[2] == "equal_area_disc"
    assert out["fov_deg"].iat[2] == 360.0
    assert out["range_m"].iat[2] == pytest.approx(FOV_DEFAULTS[5][2] * np.sqrt(20 / 360))
    assert "heading" in out["fov_defaulted"].iat[2]
    table = fov_defaults_table()
    assert set(table["camera_type"]) == set(FOV_DEFAULTS)


def test_headings_normalised_and_bad_values_reported() -> None:
    cams = _cams(
        camera_type=[3, 3, 3, 3],
        heading_deg=[0.0, 360.0, 720.0, -90.0],
        fov_deg=[90.0, 90.0, 0.0, 400.0],
        range_m=[50.0, -5.0, 50.0, 50.0],
    )
    out = fov_defaults(cams)
    assert out["heading_deg"].tolist() == [0.0, 0.0, 0.0, 270.0]
    assert out["range_m"].iat[1] == FOV_DEFAULTS[3][2]
    assert "range_m -5" in out["fov_problem"].iat[1]
    assert "fov_deg 0" in out["fov_problem"].iat[2]
    assert out["fov_deg"].iat[3] == 360.0
    with pytest.raises(InputError, match="c1"):
        fov_sectors(cams, apply_defaults=False)


def test_sector_geometry_area_and_orientation() -> None:
    cams = _cams(
        camera_type=[3, 1], heading_deg=[90.0, None], fov_deg=[60.0, 360.0], range_m=[100.0, 50.0]
    )
    sectors = fov_sectors(cams, crs=METRIC)
    assert sectors.crs.to_string() == METRIC
    # vertices are placed so that polygons have the true sector's area
    assert sectors.area.iat[0] == pytest.approx(np.pi * 100**2 * 60 / 360, rel=1e-9)
    assert sectors.area.iat[1] == pytest.approx(np.pi * 50**2, rel=1e-9)
    apex = shapely.Point(X0, Y0)
    c = sectors.iat[0].centroid
    assert c.x - apex.x > 40 and abs(c.y - apex.y) < 1.0  # heading 90° = east
    assert sectors.iat[0].contains(shapely.Point(X0 + 90, Y0))
    assert not sectors.iat[0].contains(shapely.Point(X0 - 10, Y0))


def test_sectors_from_lon_lat_and_missing_positions() -> None:
    frame = pd.DataFrame(
        {"device_id": ["a", "b"], "lon": [123.8, None], "lat": [42.3, None], "camera_type": [1, 1]}
    )
    sectors = fov_sectors(frame)
    assert sectors.crs.to_epsg() == 32651
    assert sectors.iat[1] is None
    assert sectors.iat[0].area > 0


def test_metric_crs_utm_and_gauss_kruger(units: gpd.GeoDataFrame) -> None:
    assert metric_crs(units).to_epsg() == 32651
    gk = metric_crs(units, system="gk")
    assert gk.to_epsg() == 4550  # CGCS2000 3-degree GK CM 123E
    assert "123" in gk.name
    with pytest.raises(InputError):
        metric_crs(units.iloc[0:0])
