"""Reference layers (units, places, roads) into WGS-84, from whatever CRS the call or the file says."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from sharpeyes._errors import InputError
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import to_wgs84

__all__ = ["frame_to_wgs84"]


def frame_to_wgs84(gdf: gpd.GeoDataFrame, crs: str, file: str) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:4326.

    ``crs`` is what the caller says the coordinates are: ``gcj02``/``bd09`` (shifted Chinese map
    coordinates, converted by :mod:`sharpeyes.model.crs`; the file must be geographic),
    ``wgs84``/``cgcs2000`` (a file without a CRS must then hold degrees), or any ``EPSG:xxxx`` used
    for a file that states no CRS. A file that states its own CRS is reprojected from it.
    """
    key = crs.strip().lower().replace("-", "").replace("_", "")
    if key in {"gcj02", "bd09"}:
        if gdf.crs is not None and not gdf.crs.is_geographic:
            raise InputError(f"--crs {crs} given but the file is in projected {gdf.crs}", file=file)
        geo = gdf.geometry.to_numpy()

        def _shift(coords: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(coords[:, 0], coords[:, 1], key)
            return np.column_stack([lon, lat])

        return gdf.set_geometry(shapely.transform(geo, _shift)).set_crs(WGS84, allow_override=True)
    if key in {"wgs84", "cgcs2000", "epsg4326", "epsg4490"}:
        if gdf.crs is None:
            bounds = gdf.geometry.total_bounds if len(gdf) else np.zeros(4)
            if np.isfinite(bounds).all() and (np.abs(bounds[[0, 2]]) > 180).any():
                raise InputError(
                    "the file has no CRS and its coordinates are not degrees: give --crs EPSG:xxxx",
                    file=file,
                )
            return gdf.set_crs(WGS84)
        return gdf.to_crs(WGS84)
    try:
        user = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"unknown CRS {crs!r}", file=file, field="crs") from exc
    if gdf.crs is None:
        gdf = gdf.set_crs(user)
    return gdf.to_crs(WGS84)
