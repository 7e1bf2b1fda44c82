"""Coordinate systems: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to and from WGS-84, and the metric CRS.

The one place in sharpeyes where these offsets are applied, and where the metric CRS that every
distance, area and field of view is measured in is chosen (:func:`metric_crs`). WGS-84 and CGCS2000 are treated as equal
(they differ by well under a metre, below what matters for camera positions). All functions take and
return longitude/latitude in degrees as numpy arrays (or scalars) and are vectorised.

GCJ-02 is only defined inside China; points outside are returned unchanged, as the official
algorithm does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sharpeyes._errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pyproj

SourceCRS = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
MetricSystem = Literal["utm", "gk"]
SOURCE_CRS: Final = ("wgs84", "cgcs2000", "gcj02", "bd09")

_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_X_PI: Final = np.pi * 3000.0 / 180.0

Array = NDArray[np.float64]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Rough China bounding box in which GCJ-02 applies."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon_a > 72.004) & (lon_a < 137.8347) & (lat_a > 0.8293) & (lat_a < 55.8271)


def _delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS-84 → GCJ-02 (the forward, closed-form offset)."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_wgs84(
    lon: ArrayLike, lat: ArrayLike, *, tolerance_deg: float = 1e-7, max_iter: int = 30
) -> tuple[Array, Array]:
    """GCJ-02 → WGS-84, solved iteratively so that the round trip is within ``tolerance_deg``.

    1e-7° is about 1 cm; the loop stops once every point is that close (usually 3–5 passes),
    well inside the 0.1 m the inventory promises.
    """
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        err = np.nanmax(np.abs(np.concatenate([np.ravel(e_lon), np.ravel(e_lat)])), initial=0.0)
        if err < tolerance_deg:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → BD-09 (Baidu)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → GCJ-02 (Baidu's published inverse)."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → WGS-84 through GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS-84 → BD-09 through GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def to_wgs84(lon: ArrayLike, lat: ArrayLike, source: str) -> tuple[Array, Array]:
    """Convert from a source system (``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``) to WGS-84."""
    key = source.strip().lower().replace("-", "").replace("_", "")
    if key in {"wgs84", "cgcs2000", "epsg4326", "epsg4490"}:
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {source!r}: use one of {', '.join(SOURCE_CRS)}")


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS-84 UTM zone containing (lon, lat): the metric CRS sharpeyes measures in."""
    zone = int((lon + 180.0) // 6.0) + 1
    return (32600 if lat >= 0 else 32700) + zone


def _lonlat_centre(geo: gpd.GeoSeries) -> tuple[float, float]:
    """Longitude/latitude (WGS-84 degrees) of the centre of ``geo``'s bounding box."""
    import pyproj

    minx, miny, maxx, maxy = geo.total_bounds
    if not geo.crs.is_geographic:
        tr = pyproj.Transformer.from_crs(geo.crs, "EPSG:4326", always_xy=True)
        lon, lat = tr.transform((minx + maxx) / 2, (miny + maxy) / 2)
        return float(lon), float(lat)
    return float((minx + maxx) / 2), float((miny + maxy) / 2)


def metric_crs(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, system: MetricSystem = "utm"
) -> pyproj.CRS:
    """The metric CRS that sharpeyes measures ``gdf`` in, chosen from the data's extent.

    Parameters
    ----------
    gdf
        Any frame or series with a CRS (usually the units, EPSG:4326); missing and empty
        geometries are ignored.
    system
        ``"utm"``: the WGS-84 UTM zone of the bounding-box centre (EPSG:326xx/327xx), as
        geopandas' ``estimate_utm_crs`` chooses it; ``"gk"``: the CGCS2000 3-degree
        Gauss–Krüger zone whose central meridian is nearest (EPSG:4534–4554, China only).

    Returns
    -------
    pyproj.CRS
        Projected CRS in metres. Its ``to_string()`` (``"EPSG:32651"`` for Tieling) is written into
        every output that carries areas or lengths.

    Raises
    ------
    InputError
        No geometry, no CRS, an unknown ``system``, or a Gauss–Krüger zone outside China.
    """
    import geopandas as gpd
    import pyproj

    geo = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    geo = geo[~(geo.isna() | geo.is_empty)]
    if len(geo) == 0:
        raise InputError("cannot choose a metric CRS: no geometry in the data")
    if geo.crs is None:
        raise InputError("cannot choose a metric CRS: the data has no CRS")
    if system == "utm":
        utm: pyproj.CRS = geo.estimate_utm_crs()
        return utm
    if system != "gk":
        raise InputError(f"unknown metric system {system!r}: use 'utm' or 'gk'")
    lon, _ = _lonlat_centre(geo)
    cm = 3 * round(lon / 3)
    if not 75 <= cm <= 135:
        raise InputError(
            f"CGCS2000 Gauss–Krüger zones cover 73.5°E–136.5°E; the data is centred at {lon:.3f}°E"
        )
    return pyproj.CRS.from_epsg(4534 + (cm - 75) // 3)
