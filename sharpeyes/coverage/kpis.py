"""The programme's figures per administrative unit and point class (DESIGN.md §2).

:func:`kpis_by_unit` returns one row per unit (city, county, township, village present in the
units frame) and per point class (``"all"``, 1, 2, 3). Formulas, with every count taken over the
cameras of the unit and of the row's class:

- ``networking_rate`` = networked / cameras;
- ``hd_ratio`` = hd / (cameras − hd_unknown), HD meaning ``is_hd`` or a vertical resolution
  ≥ ``hd_min_lines`` (1080); ``hd_unknown`` counts cameras of unknown resolution (not guessed);
- ``online_rate`` = networked cameras online at the last finished health run (verdict ``ok`` or
  ``degraded``) / networked cameras ``probed`` in it; ``intact_rate`` = networked cameras with
  verdict ``ok`` (online, no picture fault) / probed — both null before any health run;
  ``not_probed`` (未巡检) counts the networked cameras the run did not probe (no stream URL, not
  reached): counted apart, never as offline;
- ``village_coverage`` = villages with at least one networked camera of ``village_classes`` (for a
  class row: of that class) / villages in the unit;
- ``area_coverage`` = area inside any camera's field of view / unit area (leaf areas, see
  :mod:`sharpeyes.coverage.area`);
- ``place_coverage`` = key places inside a networked camera's field of view / key places, also per
  category (``place_coverage_school`` …);
- ``road_coverage`` = length of key roads inside the union of networked cameras' fields of view /
  total length, also per road class (``road_coverage_trunk`` …);
- ``density_km2`` = cameras / unit area in km²; ``density_per_1000`` = cameras / population × 1000.

Rates are fractions in [0, 1], ``None`` (NaN) where the denominator is zero or unknown (no cameras
for networking/HD, no networked camera for online/intact, no village/place/road/geometry). A unit
with no cameras has ``cameras`` 0, ``density_km2`` 0 and coverage 0 where its denominator exists.

Every count and covered area is additive, so a unit's figure is the sum of its children's (plus
whatever of the unit lies outside all its children). The computation is partitioned by county
(:func:`county_partitions`); each partition is independent, and :func:`kpis_by_unit` runs them in
this process, on a process pool (``workers``), or on a Dask cluster (``dask_client``).

National targets (《关于加强公共安全视频监控建设联网应用工作的若干意见》, 2015, nine ministries),
flagged per row (``None`` where the figure is unknown or the target does not apply):

- ``target_coverage_met``: key public areas 100 % covered — key places all covered;
- ``target_networking_met``: key public areas 100 % networked — networking rate 1 for rows
  ``all`` and class 1;
- ``target_hd_met``: new and rebuilt cameras 100 % HD — HD ratio 1 (the registry does not say
  which cameras are new, so every camera of known resolution counts);
- ``target_intact_met``: intact rate ≥ 98 % in key public areas (rows ``all`` and class 1) and
  ≥ 95 % in key industries and sectors (class 2);
- ``targets_met``: every applicable flag true.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage._frames import obj_array
from sharpeyes.coverage.area import covered_area_exact, covered_area_raster, leaf_partition
from sharpeyes.coverage.fov import (
    fov_defaults,
    hd_flags,
    project_points,
    sector_polygons,
)
from sharpeyes.coverage.units import CameraPlacement, assign_cameras, unit_ancestors
from sharpeyes.model.codes import HD_MIN_LINES, PLACE_CATEGORIES, ROAD_CLASSES
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import metric_crs

__all__ = [
    "KPI_KEYS",
    "TARGETS",
    "CoverageInputs",
    "county_partitions",
    "kpis_by_unit",
    "partial_counts",
    "platform_online_by_unit",
    "platform_probe_disagreements",
    "prepare_inputs",
    "rates_from_counts",
]

#: Keys every report row carries (more follow them).
KPI_KEYS: Final = (
    "unit_code",
    "unit_name",
    "level",
    "point_class",
    "cameras",
    "networked",
    "networking_rate",
    "hd",
    "hd_unknown",
    "hd_ratio",
    "online_rate",
    "intact_rate",
    "village_coverage",
    "area_coverage",
    "place_coverage",
    "road_coverage",
    "density_km2",
)

#: Targets of the 2015 nine-ministry opinion, as thresholds on the rates.
TARGETS: Final = {
    "coverage": 1.0,
    "networking": 1.0,
    "hd": 1.0,
    "intact_key_public_areas": 0.98,
    "intact_key_industries": 0.95,
}

CLASSES: Final = (1, 2, 3)
LEVEL_ORDER: Final = ("city", "county", "township", "village")
AreaMethod = Literal["exact", "fast", "none"]
_CODE_COLS: Final = ("city", "county", "township", "village")


@dataclass
class CoverageInputs:
    """Everything the partitions need, in one metric CRS (``crs``), ready to split by county.

    ``cameras``: one row per camera with ``city, county, township, village`` codes, ``point_class``
    (0 unknown), ``networked``, ``hd`` (1/0/-1 unknown), ``online``, ``intact``, ``x, y`` (m),
    ``heading_deg, fov_deg, range_m``. ``leaves``: :func:`leaf_partition`. ``villages``: village
    codes with their ancestors. ``places``: ``x, y, category`` and codes. ``roads``: lines
    (metric) with ``road_class``.
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
    if crs is None:
        if len(with_geo):
            crs = metric_crs(with_geo)
        elif isinstance(cameras, gpd.GeoDataFrame) and cameras.geometry.notna().any():
            crs = metric_crs(cameras)
        else:
            crs = pyproj.CRS.from_epsg(32651)
    crs = pyproj.CRS.from_user_input(crs)
    anc = unit_ancestors(units)
    city_of = dict(zip(units["code"], units["parent_code"], strict=True))
    placement = assign_cameras(cameras, units)
    p = placement.placement
    filled = fov_defaults(cameras, hd_min_lines=hd_min_lines)
    x, y = project_points(cameras, crs)
    hd = hd_flags(cameras, hd_min_lines=hd_min_lines)
    hd_code = np.where(hd.isna().to_numpy(), -1, hd.fillna(False).to_numpy(dtype=bool).astype(int))
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
    county = obj_array(p["county"])
    cam = pd.DataFrame(
        {
            "device_id": p["device_id"].to_numpy(),
            "city": [city_of.get(c) if c else None for c in county],
            "county": county,
            "township": obj_array(p["township"]),
            "village": obj_array(p["village"]),
            "point_class": pclass,
            "networked": networked,
            "hd": hd_code,
            "online": online & networked,
            "intact": intact & networked,
            "probed": probed & networked,
            "x": x,
            "y": y,
            "heading_deg": filled["heading_deg"].to_numpy(dtype=float),
            "fov_deg": filled["fov_deg"].to_numpy(dtype=float),
            "range_m": filled["range_m"].to_numpy(dtype=float),
        }
    )
    units_m = with_geo.to_crs(crs) if len(with_geo) else with_geo
    leaves = (
        leaf_partition(units_m, anc)
        if len(with_geo)
        else gpd.GeoDataFrame(
            {c: [] for c in ("leaf_id", "city", "county", "township", "village", "area_m2")},
            geometry=gpd.GeoSeries([], crs=crs),
        )
    )
    levels = obj_array(units["level"])
    villages = anc[levels == "village"].reset_index(drop=True)

    place_frame = pd.DataFrame(columns=["place_id", "category", "x", "y", *_CODE_COLS])
    categories: list[str] = []
    if places is not None and len(places):
        lon, lat = _points_lonlat(places)
        loc = _locate(lon, lat, units)
        px, py = project_points(pd.DataFrame({"lon": lon, "lat": lat}), crs)
        cat = places["category"].astype(object).where(places["category"].notna(), "other")
        place_frame = pd.DataFrame(
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
        place_frame["city"] = [city_of.get(c) if c else None for c in place_frame["county"]]
        categories = [str(c) for c in PLACE_CATEGORIES if c in set(place_frame["category"])]
        categories += sorted(set(place_frame["category"]) - set(categories))
    road_frame = gpd.GeoDataFrame({"road_class": []}, geometry=gpd.GeoSeries([], crs=crs))
    classes: list[str] = []
    if roads is not None and len(roads):
        r = roads if roads.crs is not None else roads.set_crs(WGS84)
        road_frame = gpd.GeoDataFrame(
            {
                "road_id": r["road_id"].astype(str).to_numpy()
                if "road_id" in r
                else np.arange(len(r)).astype(str),
                "road_class": r["road_class"].astype(object).fillna("other").astype(str).to_numpy(),
            },
            geometry=r.geometry.to_crs(crs).to_numpy(),
            crs=crs,
        )
        classes = [str(c) for c in ROAD_CLASSES if c in set(road_frame["road_class"])]
        classes += sorted(set(road_frame["road_class"]) - set(classes))
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
        place_categories=[str(c) for c in categories],
        road_classes=[str(c) for c in classes],
    )


@dataclass
class Partition:
    """One county's share of the work (picklable, for process pools and Dask workers)."""

    county: str | None
    cameras: pd.DataFrame  # cameras counted here
    covering: pd.DataFrame  # cameras whose fields of view may reach this county's leaves
    leaves: gpd.GeoDataFrame
    villages: pd.DataFrame
    places: pd.DataFrame
    roads: gpd.GeoDataFrame
    place_categories: list[str]
    road_classes: list[str]


def county_partitions(inputs: CoverageInputs) -> list[Partition]:
    """Split the work by county: a county's cameras, leaves, villages and places, plus every camera
    within its longest range of the county (fields of view cross borders)."""
    cam = inputs.cameras
    cam_county = obj_array(cam["county"])
    leaf_county = obj_array(inputs.leaves["county"])
    counties = sorted({str(c) for c in cam_county if c} | {str(c) for c in leaf_county if c})
    max_range = float(np.nanmax(cam["range_m"])) if len(cam) else 0.0
    has_xy = np.isfinite(cam["x"].to_numpy()) & np.isfinite(cam["y"].to_numpy())
    pts = shapely.points(
        np.where(has_xy, cam["x"].to_numpy(), 0.0), np.where(has_xy, cam["y"].to_numpy(), 0.0)
    )
    tree = shapely.STRtree(pts)
    parts = []
    road_geo = inputs.roads.geometry.to_numpy()
    road_tree = shapely.STRtree(road_geo) if len(road_geo) else None
    for county in [*counties, None]:
        leaves = inputs.leaves[leaf_county == county] if county else inputs.leaves.iloc[0:0]
        counted = cam[cam_county == county] if county else cam[[c is None for c in cam_county]]
        if len(leaves):
            # the county's bounding box widened by the longest range: a superset of the cameras
            # that can see into it (the exact and raster paths clip to the leaves themselves)
            minx, miny, maxx, maxy = shapely.total_bounds(leaves.geometry.to_numpy())
            region = shapely.box(minx, miny, maxx, maxy)
            near = tree.query(shapely.buffer(region, max_range, join_style="mitre"))
            near = near[has_xy[near]]
            covering = cam.iloc[np.sort(near)]
            roads = (
                inputs.roads.iloc[np.sort(road_tree.query(region, predicate="intersects"))]
                if road_tree is not None
                else inputs.roads.iloc[0:0]
            )
        else:
            covering = cam.iloc[0:0]
            roads = inputs.roads.iloc[0:0]
        villages = inputs.villages[obj_array(inputs.villages["county"]) == county]
        places = inputs.places[obj_array(inputs.places["county"]) == county]
        if county is None and len(counted) == 0:
            continue
        parts.append(
            Partition(
                county=county,
                cameras=counted,
                covering=covering,
                leaves=leaves,
                villages=villages,
                places=places,
                roads=roads,
                place_categories=inputs.place_categories,
                road_classes=inputs.road_classes,
            )
        )
    return parts


def _group_sum(
    codes: pd.DataFrame, values: dict[str, np.ndarray], classes: np.ndarray | None
) -> pd.DataFrame:
    """Sum ``values`` per (unit code, point class) over every level of ``codes``; class ``0`` = all,
    and with ``classes`` also 1/2/3 (numpy ``bincount`` on factorised codes, one frame at the end)."""
    keys = list(values)
    weights = [np.asarray(values[k], dtype=float) for k in keys]
    unit_parts: list[np.ndarray] = []
    class_parts: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for lvl in _CODE_COLS:
        if lvl not in codes:
            continue
        inv, uniq = pd.factorize(obj_array(codes[lvl]), use_na_sentinel=True)
        ok = inv >= 0
        if not ok.any():
            continue
        inv_ok = inv[ok]
        m = len(uniq)
        uniq_obj = np.asarray(uniq, dtype=object)
        unit_parts.append(uniq_obj)
        class_parts.append(np.zeros(m, dtype=np.int64))
        blocks.append(
            np.column_stack([np.bincount(inv_ok, weights=w[ok], minlength=m) for w in weights])
            if keys
            else np.zeros((m, 0))
        )
        if classes is not None:
            cls = np.asarray(classes)[ok]
            in_cls = np.isin(cls, CLASSES)
            key = inv_ok[in_cls] * 4 + cls[in_cls]
            per = [
                np.bincount(key, weights=w[ok][in_cls], minlength=m * 4).reshape(m, 4)
                for w in weights
            ]
            for c in CLASSES:
                unit_parts.append(uniq_obj)
                class_parts.append(np.full(m, c, dtype=np.int64))
                blocks.append(
                    np.column_stack([arr[:, c] for arr in per]) if keys else np.zeros((m, 0))
                )
    if not blocks:
        return pd.DataFrame(columns=["unit_code", "point_class", *keys])
    frame = pd.DataFrame(np.vstack(blocks), columns=keys)
    frame.insert(0, "unit_code", np.concatenate(unit_parts))
    frame.insert(1, "point_class", np.concatenate(class_parts))
    return frame


def _sectors(cams: pd.DataFrame) -> np.ndarray:
    return sector_polygons(
        cams["x"].to_numpy(dtype=float),
        cams["y"].to_numpy(dtype=float),
        cams["heading_deg"].to_numpy(dtype=float),
        cams["fov_deg"].to_numpy(dtype=float),
        cams["range_m"].to_numpy(dtype=float),
    )


def _place_covered(places: pd.DataFrame, cams: pd.DataFrame, sectors: np.ndarray) -> np.ndarray:
    """(n_places, 4) bool: covered by a networked camera of any class (col 0) or of class 1/2/3."""
    out = np.zeros((len(places), 4), dtype=bool)
    if len(places) == 0 or len(cams) == 0:
        return out
    net = cams["networked"].to_numpy(dtype=bool)
    ok = net & ~(shapely.is_missing(sectors))
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    tree = shapely.STRtree(sectors[idx])
    pts = shapely.points(places["x"].to_numpy(dtype=float), places["y"].to_numpy(dtype=float))
    pi, si = tree.query(pts, predicate="within")
    out[pi, 0] = True
    pc = cams["point_class"].to_numpy(dtype=int)[idx][si]
    for k, c in enumerate(CLASSES, start=1):
        out[pi[pc == c], k] = True
    return out


def _road_lengths(
    roads: gpd.GeoDataFrame, leaves: gpd.GeoDataFrame, cams: pd.DataFrame, sectors: np.ndarray
) -> pd.DataFrame:
    """Road pieces per leaf with their length and covered length (all classes and per class)."""
    cols = ["leaf", "road_class", "length", "cov0", "cov1", "cov2", "cov3"]
    if len(roads) == 0 or len(leaves) == 0:
        return pd.DataFrame(columns=cols)
    leaf_geo = leaves.geometry.to_numpy()
    tree = shapely.STRtree(leaf_geo)
    ri, li = tree.query(roads.geometry.to_numpy(), predicate="intersects")
    pieces = shapely.intersection(roads.geometry.to_numpy()[ri], leaf_geo[li])
    length = shapely.length(pieces)
    cov = np.zeros((len(pieces), 4))
    net = cams["networked"].to_numpy(dtype=bool) & ~shapely.is_missing(sectors)
    if net.any() and len(pieces):
        sidx = np.flatnonzero(net)
        stree = shapely.STRtree(sectors[sidx])
        pj, sj = stree.query(pieces, predicate="intersects")
        if len(pj):
            segs = shapely.intersection(pieces[pj], sectors[sidx][sj])
            pcls = cams["point_class"].to_numpy(dtype=int)[sidx][sj]
            for k, cls in enumerate((None, *CLASSES)):
                keep = np.ones(len(pj), bool) if cls is None else pcls == cls
                if not keep.any():
                    continue
                # pieces' segments in runs (stable sort: same order as found), one union per piece
                sel = np.flatnonzero(keep)
                order = sel[np.argsort(pj[sel], kind="stable")]
                cuts = np.flatnonzero(np.diff(pj[order])) + 1
                for run in np.split(order, cuts):
                    cov[pj[run[0]], k] = shapely.length(shapely.union_all(segs[run]))
    return pd.DataFrame(
        {
            "leaf": leaves["leaf_id"].to_numpy()[li],
            "road_class": roads["road_class"].to_numpy()[ri],
            "length": length,
            "cov0": cov[:, 0],
            "cov1": cov[:, 1],
            "cov2": cov[:, 2],
            "cov3": cov[:, 3],
        }
    )


def partial_counts(
    part: Partition,
    *,
    area: AreaMethod = "exact",
    cell_m: float = 10.0,
    area_by_class: bool = True,
    village_classes: Iterable[int] = CLASSES,
) -> pd.DataFrame:
    """Additive counts of one partition per (unit code, point class 0=all/1/2/3).

    Columns: cameras, networked, hd, hd_unknown, online, intact, probed, villages, villages_covered,
    area_m2, covered_m2, places[_cat], places_covered[_cat], road_m[_cls], road_covered_m[_cls].
    """
    cams = part.cameras
    pc = cams["point_class"].to_numpy(dtype=int)
    values = {
        "cameras": np.ones(len(cams), dtype=np.int64),
        "networked": cams["networked"].to_numpy(dtype=np.int64),
        "hd": (cams["hd"].to_numpy() == 1).astype(np.int64),
        "hd_unknown": (cams["hd"].to_numpy() == -1).astype(np.int64),
        "online": cams["online"].to_numpy(dtype=np.int64),
        "intact": cams["intact"].to_numpy(dtype=np.int64),
    }
    if "probed" in cams:
        values["probed"] = cams["probed"].to_numpy(dtype=np.int64)
    frames = [_group_sum(cams, values, pc)]

    # villages with a networked camera (of the village classes; for class rows, of that class)
    vc = set(int(c) for c in village_classes)
    vil = part.villages
    if len(vil):
        net = cams[cams["networked"].to_numpy(dtype=bool)]
        # distinct codes first: iterating a million Arrow strings in Python is slow
        seen_any = set(net["village"][net["point_class"].isin(vc)].dropna().unique())
        seen = {c: set(net["village"][net["point_class"] == c].dropna().unique()) for c in CLASSES}
        codes = vil["code"].to_numpy(dtype=object)
        vvals = {
            "villages": np.ones(len(vil), dtype=np.int64),
            "villages_covered": np.array([c in seen_any for c in codes], dtype=np.int64),
        }
        frames.append(_group_sum(vil, vvals, None))
        for c in CLASSES:
            cls_vals = {
                "villages": np.ones(len(vil), dtype=np.int64),
                "villages_covered": np.array([v in seen[c] for v in codes], dtype=np.int64),
            }
            f = _group_sum(vil, cls_vals, None)
            f["point_class"] = c
            frames.append(f)

    covering = part.covering
    leaves = part.leaves
    sectors = np.full(len(covering), None, dtype=object)
    if area == "exact" and len(leaves):
        sectors = _sectors(covering)
    elif len(part.places) or len(part.roads):
        # places and roads count networked cameras only: build only their sectors (the others
        # stay None, which both helpers skip)
        net_cov = covering["networked"].to_numpy(dtype=bool)
        if net_cov.any():
            sectors[net_cov] = _sectors(covering[net_cov])
    if len(leaves):
        leaf_codes = leaves[["city", "county", "township", "village"]]
        lvals: dict[str, np.ndarray] = {"area_m2": leaves["area_m2"].to_numpy(dtype=float)}
        class_sets: list[int | None] = [None, *(CLASSES if area_by_class else ())]
        covered: dict[int | None, np.ndarray] = {}
        if area != "none":
            cpc = covering["point_class"].to_numpy(dtype=int)
            if area == "exact":
                for cls in class_sets:
                    sel = np.ones(len(covering), bool) if cls is None else cpc == cls
                    covered[cls] = covered_area_exact(sectors[sel], leaves.geometry.to_numpy())
            else:
                # one pass: bit 0 for cameras of no class counted separately, bits 1–3 classes
                group = (
                    np.where(np.isin(cpc, CLASSES), cpc, 0)
                    if area_by_class
                    else np.zeros(len(cpc), int)
                )
                res = covered_area_raster(
                    covering["x"].to_numpy(dtype=float),
                    covering["y"].to_numpy(dtype=float),
                    covering["heading_deg"].to_numpy(dtype=float),
                    covering["fov_deg"].to_numpy(dtype=float),
                    covering["range_m"].to_numpy(dtype=float),
                    leaves.geometry.to_numpy(),
                    cell_m=cell_m,
                    groups=group.astype(np.int64),
                )
                covered[None] = res[0]
                if area_by_class:
                    for cls in CLASSES:
                        covered[cls] = (
                            res[1 + cls] if res.shape[0] > 1 + cls else np.zeros(len(leaves))
                        )
        f = _group_sum(
            leaf_codes,
            {**lvals, "covered_m2": covered.get(None, np.full(len(leaves), np.nan))},
            None,
        )
        frames.append(f)
        for cls in CLASSES:
            cv = covered.get(cls, np.full(len(leaves), np.nan))
            f = _group_sum(leaf_codes, {**lvals, "covered_m2": cv}, None)
            f["point_class"] = cls
            frames.append(f)

    places = part.places
    if len(places):
        cov = _place_covered(places, covering, sectors)
        cat = places["category"].to_numpy(dtype=object)
        for k, cls in enumerate((0, *CLASSES)):
            pvals: dict[str, np.ndarray] = {
                "places": np.ones(len(places), dtype=np.int64),
                "places_covered": cov[:, k].astype(np.int64),
            }
            for name in part.place_categories:
                pvals[f"places_{name}"] = (cat == name).astype(np.int64)
                pvals[f"places_covered_{name}"] = ((cat == name) & cov[:, k]).astype(np.int64)
            f = _group_sum(places, pvals, None)
            f["point_class"] = cls
            frames.append(f)

    if len(part.roads) and len(leaves):
        pieces = _road_lengths(part.roads, leaves, covering, sectors)
        if len(pieces):
            codes = leaves.set_index("leaf_id").loc[
                pieces["leaf"], ["city", "county", "township", "village"]
            ]
            codes = codes.reset_index(drop=True)
            rc = pieces["road_class"].to_numpy(dtype=object)
            for k, cls in enumerate((0, *CLASSES)):
                rvals: dict[str, np.ndarray] = {
                    "road_m": pieces["length"].to_numpy(dtype=float),
                    "road_covered_m": pieces[f"cov{k}"].to_numpy(dtype=float),
                }
                for name in part.road_classes:
                    rvals[f"road_m_{name}"] = np.where(
                        rc == name, pieces["length"].to_numpy(dtype=float), 0.0
                    )
                    rvals[f"road_covered_m_{name}"] = np.where(
                        rc == name, pieces[f"cov{k}"].to_numpy(dtype=float), 0.0
                    )
                f = _group_sum(codes, rvals, None)
                f["point_class"] = cls
                frames.append(f)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["unit_code", "point_class"])
    out = pd.concat(frames, ignore_index=True)
    return out.groupby(["unit_code", "point_class"], sort=False).sum(min_count=1).reset_index()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den).where(den > 0)


def rates_from_counts(
    counts: pd.DataFrame,
    units: pd.DataFrame,
    *,
    has_health: bool,
    place_categories: list[str],
    road_classes: list[str],
) -> pd.DataFrame:
    """Rates, targets and labels from additive counts; one row per unit and class (all, 1, 2, 3)."""
    base = units[["code", "name", "level", "parent_code", "population"]].rename(
        columns={"code": "unit_code", "name": "unit_name"}
    )
    grid = base.merge(pd.DataFrame({"point_class": [0, *CLASSES]}), how="cross")
    counts = counts.groupby(["unit_code", "point_class"]).sum(min_count=1).reset_index()
    df = grid.merge(counts, on=["unit_code", "point_class"], how="left")
    int_cols = ["cameras", "networked", "hd", "hd_unknown", "online", "intact", "probed"]
    for c in int_cols:
        if c not in df:
            df[c] = 0
        df[c] = df[c].fillna(0).astype(np.int64)
    for c in ("villages", "villages_covered", "places", "places_covered"):
        if c not in df:
            df[c] = np.nan
    for c in ("area_m2", "covered_m2", "road_m", "road_covered_m"):
        if c not in df:
            df[c] = np.nan
    df["networking_rate"] = _ratio(df["networked"], df["cameras"])
    df["hd_ratio"] = _ratio(df["hd"], df["cameras"] - df["hd_unknown"])
    if has_health:
        df["online_rate"] = _ratio(df["online"], df["probed"])
        df["intact_rate"] = _ratio(df["intact"], df["probed"])
        df["not_probed"] = (df["networked"] - df["probed"]).astype(np.int64)
    else:
        df["online_rate"] = np.nan
        df["intact_rate"] = np.nan
        for c in ("online", "intact", "probed", "not_probed"):
            df[c] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["village_coverage"] = _ratio(df["villages_covered"].fillna(0), df["villages"].fillna(0))
    df["area_coverage"] = _ratio(df["covered_m2"], df["area_m2"])
    df["place_coverage"] = _ratio(df["places_covered"].fillna(0), df["places"].fillna(0))
    df["road_coverage"] = _ratio(df["road_covered_m"].fillna(0), df["road_m"].fillna(0))
    df["area_km2"] = df["area_m2"] / 1e6
    df["density_km2"] = _ratio(df["cameras"], df["area_km2"])
    pop = pd.to_numeric(df["population"], errors="coerce")
    df["density_per_1000"] = _ratio(df["cameras"] * 1000.0, pop)
    df["road_km"] = df["road_m"] / 1000.0
    df["road_covered_km"] = df["road_covered_m"] / 1000.0
    for c in place_categories:
        if f"places_{c}" in df:
            df[f"place_coverage_{c}"] = _ratio(
                df[f"places_covered_{c}"].fillna(0), df[f"places_{c}"].fillna(0)
            )
    for c in road_classes:
        if f"road_m_{c}" in df:
            df[f"road_coverage_{c}"] = _ratio(
                df[f"road_covered_m_{c}"].fillna(0), df[f"road_m_{c}"].fillna(0)
            )

    cls = df["point_class"].to_numpy()
    key_public = (cls == 0) | (cls == 1)

    def flag(rate: pd.Series, threshold: np.ndarray | float, applies: np.ndarray) -> pd.Series:
        met = rate.to_numpy(dtype=float) >= np.asarray(threshold) - 1e-12
        out = pd.array(met, dtype="boolean")
        out[~applies | rate.isna().to_numpy()] = pd.NA
        return pd.Series(out, index=rate.index)

    df["target_coverage_met"] = flag(df["place_coverage"], TARGETS["coverage"], key_public)
    df["target_networking_met"] = flag(df["networking_rate"], TARGETS["networking"], key_public)
    df["target_hd_met"] = flag(df["hd_ratio"], TARGETS["hd"], np.ones(len(df), bool))
    intact_threshold = np.where(
        cls == 2, TARGETS["intact_key_industries"], TARGETS["intact_key_public_areas"]
    )
    df["target_intact_met"] = flag(df["intact_rate"], intact_threshold, cls != 3)
    flags = df[
        ["target_coverage_met", "target_networking_met", "target_hd_met", "target_intact_met"]
    ]
    any_false = (flags == False).any(axis=1)  # noqa: E712
    any_known = flags.notna().any(axis=1)
    all_met = pd.array(~any_false.to_numpy(), dtype="boolean")
    all_met[~any_known.to_numpy()] = pd.NA
    df["targets_met"] = all_met

    df["point_class"] = pd.Series(
        ["all" if c == 0 else int(c) for c in df["point_class"]], dtype=object
    )
    level_rank = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    df["_rank"] = df["level"].map(level_rank).fillna(9)
    df["_cls"] = [0 if c == "all" else c for c in df["point_class"]]
    df = df.sort_values(["_rank", "unit_code", "_cls"]).drop(columns=["_rank", "_cls"])
    front = list(KPI_KEYS)
    extra = [
        "parent_code",
        "area_km2",
        "population",
        "density_per_1000",
        "online",
        "intact",
        "probed",
        "not_probed",
        "villages",
        "villages_covered",
        "places",
        "places_covered",
        "road_km",
        "road_covered_km",
        "target_coverage_met",
        "target_networking_met",
        "target_hd_met",
        "target_intact_met",
        "targets_met",
    ]
    per_cat = [c for c in df.columns if c.startswith(("place_coverage_", "road_coverage_"))]
    return df[front + extra + per_cat].reset_index(drop=True)


def kpis_by_unit(
    cameras: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    health: pd.DataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    village_classes: Iterable[int] = CLASSES,
    area: AreaMethod = "exact",
    cell_m: float = 10.0,
    area_by_class: bool = True,
    crs: pyproj.CRS | str | None = None,
    workers: int = 1,
    dask_client: Any = None,
    inputs: CoverageInputs | None = None,
) -> pd.DataFrame:
    """KPIs per administrative unit and point class (formulas in the module docstring).

    Parameters
    ----------
    cameras
        Canonical cameras (EPSG:4326 point geometry or ``lon``/``lat``).
    units
        Units (:data:`~sharpeyes.model.columns.UNIT_COLUMNS`, any CRS; reprojected).
    health
        Latest health results (``device_id, verdict, faults``); ``None`` before any run, which
        leaves online and intact rates null.
    places, roads
        Key places (points or polygons, ``category``) and key roads (lines, ``road_class``).
    hd_min_lines
        HD threshold in lines.
    village_classes
        Point classes whose networked cameras make a village covered.
    area
        ``"exact"`` (vector union), ``"fast"`` (raster of ``cell_m`` metres) or ``"none"``.
    area_by_class
        Also compute area coverage of each class's cameras alone (rows 1/2/3).
    crs
        Metric CRS; default :func:`~sharpeyes.model.crs.metric_crs` of the units.
    workers
        Partitions (counties) run on this many processes (1: in this process).
    dask_client
        A ``dask.distributed.Client``: the partitions run on its cluster instead.
    inputs
        Already prepared inputs (:func:`prepare_inputs`), to reuse across calls.

    Returns
    -------
    DataFrame
        :data:`KPI_KEYS` first, then ``parent_code, area_km2, population, density_per_1000, online,
        intact, villages, villages_covered, places, places_covered, road_km, road_covered_km``,
        target flags and per-category/per-class coverage columns. ``df.attrs["metric_crs"]`` names
        the CRS areas and lengths were measured in.
    """
    if inputs is None:
        inputs = prepare_inputs(
            cameras,
            units,
            health=health,
            places=places,
            roads=roads,
            hd_min_lines=hd_min_lines,
            crs=crs,
        )
    parts = county_partitions(inputs)
    kwargs: dict[str, Any] = {
        "area": area,
        "cell_m": cell_m,
        "area_by_class": area_by_class,
        "village_classes": tuple(village_classes),
    }
    # biggest partitions first, so that workers finish together
    parts.sort(key=lambda p: -(len(p.covering) + len(p.cameras)))
    if dask_client is not None:
        futures = dask_client.map(_run_partition, parts, **kwargs, pure=False)
        results = dask_client.gather(futures)
    elif workers > 1 and len(parts) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(partial(_run_partition, **kwargs), parts))
    else:
        results = [_run_partition(p, **kwargs) for p in parts]
    counts = pd.concat([r for r in results if len(r)], ignore_index=True) if results else None
    if counts is None or len(counts) == 0:
        counts = pd.DataFrame(columns=["unit_code", "point_class"])
    df = rates_from_counts(
        counts,
        inputs.units,
        has_health=inputs.has_health,
        place_categories=inputs.place_categories,
        road_classes=inputs.road_classes,
    )
    df.attrs["metric_crs"] = inputs.crs.to_string()
    return df


def _run_partition(part: Partition, **kwargs: Any) -> pd.DataFrame:
    return partial_counts(part, **kwargs)


# -- the platform's own online rate beside the probe's ------------------------------------------
_PLATFORM_COUNTS: Final = (
    "platform_channels",
    "platform_online",
    "platform_online_probe_offline",
    "platform_offline_probe_online",
)


def platform_probe_disagreements(
    platform_status: pd.DataFrame, health: pd.DataFrame | None
) -> pd.DataFrame:
    """Cameras the platform calls online that the last probe found offline, and the other way round.

    ``platform_status``: ``device_id, status`` (``online``/``offline``, the newest sync);
    ``health``: the last run's ``device_id, verdict``. Returns ``device_id, platform_status,
    probe_verdict``; cameras not probed are left out (neither side can be contradicted).
    """
    cols = ["device_id", "platform_status", "probe_verdict"]
    if health is None or len(health) == 0 or len(platform_status) == 0:
        return pd.DataFrame(columns=cols)
    probe = health.drop_duplicates("device_id", keep="last")[["device_id", "verdict"]]
    both = platform_status[["device_id", "status"]].merge(probe, on="device_id")
    probe_online = both["verdict"].isin(["ok", "degraded"])
    probe_offline = both["verdict"] == "offline"
    odd = ((both["status"] == "online") & probe_offline) | (
        (both["status"] == "offline") & probe_online
    )
    out = both.loc[odd].rename(columns={"status": "platform_status", "verdict": "probe_verdict"})
    return out[cols].sort_values("device_id").reset_index(drop=True)


def platform_online_by_unit(
    kpis: pd.DataFrame,
    inputs: CoverageInputs,
    platform_status: pd.DataFrame,
    health: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``kpis`` with the platform's online rate beside the probe's, per unit and point class.

    The new columns follow the :data:`KPI_KEYS` block (``platform_online_rate`` first).

    ``platform_online_rate`` = cameras the platform calls online at its newest sync / cameras it
    reports a status for (``platform_channels``); null where the platform reports none. Also
    ``platform_online_probe_offline`` (the platform says online, the last probe found offline) and
    ``platform_offline_probe_online`` (the other way round). Cameras are placed in units as for
    every other figure (``inputs.cameras``).
    """
    out = kpis.copy()
    cams = inputs.cameras
    status = platform_status.drop_duplicates("device_id", keep="last").set_index("device_id")
    said = status["status"].reindex(cams["device_id"].astype(str)).to_numpy(dtype=object)
    verdict = np.full(len(cams), None, dtype=object)
    if health is not None and len(health):
        latest = health.drop_duplicates("device_id", keep="last").set_index("device_id")
        verdict = latest["verdict"].reindex(cams["device_id"].astype(str)).to_numpy(dtype=object)
    flags = pd.DataFrame(
        {
            "platform_channels": np.isin(said, ["online", "offline"]),
            "platform_online": said == "online",
            "platform_online_probe_offline": (said == "online") & (verdict == "offline"),
            "platform_offline_probe_online": (said == "offline")
            & np.isin(verdict, ["ok", "degraded"]),
        }
    ).astype(np.int64)
    parts = []
    for level in _CODE_COLS:
        codes = cams[level].astype(object)
        for cls, sel in (
            ("all", np.ones(len(cams), bool)),
            *((c, cams["point_class"].to_numpy() == c) for c in CLASSES),
        ):
            keep = sel & codes.notna().to_numpy()
            if not keep.any():
                continue
            sums = flags[keep].groupby(codes[keep].to_numpy()).sum()
            parts.append(sums.rename_axis("unit_code").reset_index().assign(point_class=cls))
    counts = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["unit_code", "point_class", *_PLATFORM_COUNTS])
    )
    out = out.merge(counts, on=["unit_code", "point_class"], how="left")
    for c in _PLATFORM_COUNTS:
        out[c] = out[c].fillna(0).astype(np.int64)
    # right after the KPI_KEYS block (which stays first, in its order, as the report promises)
    at = (
        max(list(out.columns).index(k) for k in KPI_KEYS if k in out) + 1 if len(out.columns) else 0
    )
    out.insert(at, "platform_online_rate", _ratio(out["platform_online"], out["platform_channels"]))
    return out
