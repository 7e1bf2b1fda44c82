"""Coverage inputs: cameras, units, places and roads assigned to units and projected to one metric
CRS, ready to be split by county (:mod:`sharpeyes.coverage.counts`).

Positions come in as WGS-84 (EPSG:4326) degrees, or any CRS the frames state; everything in
:class:`CoverageInputs` is in its ``crs``, metres (:func:`~sharpeyes.model.crs.metric_crs` of the
units unless given).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.area import leaf_partition
from sharpeyes.coverage.fov import fov_values, hd_flags, project_points
from sharpeyes.coverage.units import (
    CameraPlacement,
    _Codes,
    _taken,
    assign_cameras,
    placed_codes,
    unit_ancestors,
    unit_village_kinds,
)
from sharpeyes.model.codes import HD_MIN_LINES, PLACE_CATEGORIES, ROAD_CLASSES
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import metric_crs
from sharpeyes.model.frames import obj_array

__all__ = [
    "CLASSES",
    "CODE_COLUMNS",
    "AreaMethod",
    "CoverageInputs",
    "health_flags",
    "prepare_inputs",
]

#: Point classes that get rows of their own (class 0 stands for all cameras).
CLASSES: Final = (1, 2, 3)
#: Unit code columns, coarsest first.
CODE_COLUMNS: Final = ("city", "county", "township", "village")
AreaMethod = Literal["exact", "fast", "none"]


@dataclass
class CoverageInputs:
    """Everything the partitions need, in one metric CRS (``crs``), ready to split by county.

    ``cameras``: one row per camera with ``city, county, township, village`` codes, ``point_class``
    (0 unknown), ``networked``, ``hd`` (1/0/-1 unknown), ``online``, ``intact``, ``probed``, ``x, y`` (m),
    ``heading_deg, fov_deg, range_m``. ``leaves``: :func:`leaf_partition`. ``villages``:
    village-level codes with their ancestors and ``kind`` (``village``, ``community``, ``virtual``
    or ``None``). ``places``: ``x, y, category`` and codes. ``roads``: lines (metric) with
    ``road_class``.
    """

    crs: pyproj.CRS
    units: pd.DataFrame
    cameras: pd.DataFrame
    leaves: gpd.GeoDataFrame
    villages: pd.DataFrame
    places: pd.DataFrame
    roads: gpd.GeoDataFrame
    placement: CameraPlacement
    has_health: bool
    place_categories: list[str] = field(default_factory=list)
    road_classes: list[str] = field(default_factory=list)


def health_flags(
    cameras: pd.DataFrame, health: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Per camera: online, intact, probed (has a result in ``health``), and whether there is a run."""
    n = len(cameras)
    if health is None or len(health) == 0 or "device_id" not in cameras:
        return np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), False
    latest = health.drop_duplicates("device_id", keep="last").set_index("device_id")
    verdict = latest["verdict"].reindex(cameras["device_id"].astype(str)).astype(object)
    v = verdict.to_numpy(dtype=object)
    probed = verdict.notna().to_numpy(dtype=bool)
    online = np.isin(v, ["ok", "degraded"])
    intact = v == "ok"
    if "faults" in latest:
        faults = latest["faults"].reindex(cameras["device_id"].astype(str)).to_numpy(dtype=object)
        has_fault = np.array(
            [
                bool(f) if isinstance(f, (list, tuple, np.ndarray)) else bool(f) and f == f
                for f in faults
            ]
        )
        intact &= ~has_fault
    return online, intact.astype(bool), probed, True


def _locate(lon: np.ndarray, lat: np.ndarray, units: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = gpd.GeoDataFrame(
        {"device_id": pd.array([None] * len(lon), dtype="string")},
        geometry=gpd.points_from_xy(lon, lat),
        crs=WGS84,
    )
    return assign_cameras(frame, units).placement


def _points_lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geo = gdf.geometry
    if geo.crs is not None and not geo.crs.equals(pyproj.CRS(WGS84)):
        geo = geo.to_crs(WGS84)
    arr = geo.to_numpy()
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    pts = np.full(len(arr), None, dtype=object)
    pts[ok] = shapely.point_on_surface(arr[ok])
    lon = np.full(len(arr), np.nan)
    lat = np.full(len(arr), np.nan)
    lon[ok] = shapely.get_x(pts[ok])
    lat[ok] = shapely.get_y(pts[ok])
    return lon, lat


def _metric_crs_of(
    cameras: pd.DataFrame, with_geo: gpd.GeoDataFrame, crs: pyproj.CRS | str | None
) -> pyproj.CRS:
    """The CRS given, else the metric CRS of the units with geometry, else of the cameras."""
    if crs is None:
        if len(with_geo):
            crs = metric_crs(with_geo)
        elif isinstance(cameras, gpd.GeoDataFrame) and cameras.geometry.notna().any():
            crs = metric_crs(cameras)
        else:
            crs = pyproj.CRS.from_epsg(32651)
    return pyproj.CRS.from_user_input(crs)


def _city_codes(codes: _Codes, city_of: dict[str, str | None]) -> pd.api.extensions.ExtensionArray:
    """Each camera's city (from its county), as an Arrow ``str`` column taken from the codes."""
    cities = np.array([city_of.get(c) for c in codes.vocab] + [None], dtype=object)
    city_vocab, city_rows = pd.factorize(cities, use_na_sentinel=True)[::-1]
    rows = city_rows[codes.rows["county"]]  # row -1 (no county) reads the trailing None
    return _taken(np.asarray(city_vocab, dtype=object), rows, pd.StringDtype(na_value=np.nan))


def _camera_table(
    cameras: pd.DataFrame,
    placement: CameraPlacement,
    codes: _Codes,
    city_of: dict[str, str | None],
    *,
    crs: pyproj.CRS,
    health: pd.DataFrame | None,
    hd_min_lines: int,
) -> tuple[pd.DataFrame, bool]:
    """One row per camera (see :class:`CoverageInputs`), and whether a health run is known."""
    p = placement.placement
    x, y = project_points(cameras, crs)
    hd = hd_flags(cameras, hd_min_lines=hd_min_lines)
    hd_known = ~hd.isna().to_numpy()
    hd_true = hd.fillna(False).to_numpy(dtype=bool)
    filled = fov_values(cameras, hd_min_lines=hd_min_lines, hd=hd_true)
    hd_code = np.where(hd_known, hd_true.astype(int), -1)
    online, intact, probed, has_health = health_flags(cameras, health)
    networked = (
        cameras["networked"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "networked" in cameras
        else np.zeros(len(cameras), bool)
    )
    pclass = (
        pd.to_numeric(cameras["point_class"], errors="coerce").fillna(0).to_numpy(dtype=int)
        if "point_class" in cameras
        else np.zeros(len(cameras), int)
    )
    text = pd.StringDtype(na_value=np.nan)  # what a frame makes of an object column of text
    table = pd.DataFrame(
        {
            "device_id": p["device_id"].array,
            "city": _city_codes(codes, city_of),
            "county": codes.column("county", text),
            "township": codes.column("township", text),
            "village": codes.column("village", text),
            "point_class": pclass,
            "networked": networked,
            "hd": hd_code,
            "online": online & networked,
            "intact": intact & networked,
            "probed": probed & networked,
            "x": x,
            "y": y,
            "heading_deg": np.asarray(filled["heading_deg"], dtype=float),
            "fov_deg": np.asarray(filled["fov_deg"], dtype=float),
            "range_m": np.asarray(filled["range_m"], dtype=float),
        }
    )
    return table, has_health


def _ordered(found: set[str], table: Mapping[int | str, object]) -> list[str]:
    """Values of ``found`` in the order of a code table, unknown ones after, sorted."""
    known = [str(c) for c in table if c in found]
    return known + sorted(found - set(known))


def _place_table(
    places: gpd.GeoDataFrame | None,
    units: gpd.GeoDataFrame,
    city_of: dict[str, str | None],
    crs: pyproj.CRS,
) -> tuple[pd.DataFrame, list[str]]:
    """Places as points in ``crs`` with their unit codes, and the categories present."""
    if places is None or not len(places):
        return pd.DataFrame(columns=["place_id", "category", "x", "y", *CODE_COLUMNS]), []
    lon, lat = _points_lonlat(places)
    loc = _locate(lon, lat, units)
    px, py = project_points(pd.DataFrame({"lon": lon, "lat": lat}), crs)
    cat = places["category"].astype(object).where(places["category"].notna(), "other")
    frame = pd.DataFrame(
        {
            "place_id": places["place_id"].astype(str).to_numpy()
            if "place_id" in places
            else np.arange(len(places)).astype(str),
            "category": cat.astype(str).to_numpy(),
            "x": px,
            "y": py,
            "county": obj_array(loc["county"]),
            "township": obj_array(loc["township"]),
            "village": obj_array(loc["village"]),
        }
    )
    frame["city"] = [city_of.get(c) if c else None for c in frame["county"]]
    return frame, _ordered(set(frame["category"]), PLACE_CATEGORIES)


def _road_table(
    roads: gpd.GeoDataFrame | None, crs: pyproj.CRS
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Roads as lines in ``crs`` (no CRS read as WGS-84), and the road classes present."""
    if roads is None or not len(roads):
        return gpd.GeoDataFrame({"road_class": []}, geometry=gpd.GeoSeries([], crs=crs)), []
    r = roads if roads.crs is not None else roads.set_crs(WGS84)
    frame = gpd.GeoDataFrame(
        {
            "road_id": r["road_id"].astype(str).to_numpy()
            if "road_id" in r
            else np.arange(len(r)).astype(str),
            "road_class": r["road_class"].astype(object).fillna("other").astype(str).to_numpy(),
        },
        geometry=r.geometry.to_crs(crs).to_numpy(),
        crs=crs,
    )
    return frame, _ordered(set(frame["road_class"]), ROAD_CLASSES)


def prepare_inputs(
    cameras: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    health: pd.DataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    crs: pyproj.CRS | str | None = None,
) -> CoverageInputs:
    """Assign cameras, places and roads to units and project everything to one metric CRS."""
    units = (
        units if units.crs is None or units.crs.equals(pyproj.CRS(WGS84)) else units.to_crs(WGS84)
    )
    units = units.reset_index(drop=True)
    with_geo = units[~(units.geometry.isna() | units.geometry.is_empty)]
    crs = _metric_crs_of(cameras, with_geo, crs)
    anc = unit_ancestors(units)
    # a county's city is its ancestor at the city level, never the county itself
    city_of = dict(zip(anc["code"], anc["city"], strict=True))
    placement, codes = placed_codes(cameras, units)
    cam, has_health = _camera_table(
        cameras, placement, codes, city_of, crs=crs, health=health, hd_min_lines=hd_min_lines
    )
    leaves = (
        leaf_partition(with_geo.to_crs(crs), anc)
        if len(with_geo)
        else gpd.GeoDataFrame(
            {c: [] for c in ("leaf_id", "city", "county", "township", "village", "area_m2")},
            geometry=gpd.GeoSeries([], crs=crs),
        )
    )
    is_village = obj_array(units["level"]) == "village"
    villages = anc[is_village].assign(kind=unit_village_kinds(units)[is_village])
    villages = villages.reset_index(drop=True)
    place_frame, categories = _place_table(places, units, city_of, crs)
    road_frame, classes = _road_table(roads, crs)
    return CoverageInputs(
        crs=crs,
        units=units.drop(columns=units.geometry.name),
        cameras=cam,
        leaves=leaves,
        villages=villages,
        places=place_frame,
        roads=road_frame,
        placement=placement,
        has_health=has_health,
        place_categories=categories,
        road_classes=classes,
    )
