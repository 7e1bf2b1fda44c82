"""Grid figures (网格): every KPI per grid, the share of each unit's grids covered, grid gaps.

Grids (:data:`~sharpeyes.model.columns.GRID_COLUMNS`, EPSG:4326) nest in villages/communities. A
camera is in a grid by position (point in the grid polygon) or, where position says nothing (no
position, or grids given as a code list), by its own ``grid_code``; either way only in a grid of the
village it is counted in (:func:`assign_grids`), so that a village's grids add up to the village.

The figures reuse the county machinery (:func:`~sharpeyes.coverage.counts.partial_counts`,
:func:`~sharpeyes.coverage.kpis.rates_from_counts`) with grids in the place of villages: the same
formulas (module docstring of :mod:`sharpeyes.coverage.kpis`), areas in the inputs' metric CRS.
A grid's ``covered`` says whether it has a networked camera (of ``village_classes``, or of the row's
class); per unit, ``grid_coverage`` = grids covered / grids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.counts import Partition, partial_counts
from sharpeyes.coverage.inputs import CLASSES, CODE_COLUMNS, AreaMethod, CoverageInputs
from sharpeyes.coverage.kpis import rates_from_counts
from sharpeyes.coverage.units import unit_ancestors
from sharpeyes.model.columns import WGS84
from sharpeyes.model.frames import obj_array

__all__ = [
    "GRID_UNIT_COLUMNS",
    "assign_grids",
    "grid_coverage_by_unit",
    "grid_kpis",
    "uncovered_grids",
]

#: Columns added to every admin unit's KPI rows when the store has grids.
GRID_UNIT_COLUMNS: Final = ("grids", "grids_covered", "grid_coverage", "cameras_without_grid")


def _lonlat(cameras: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(cameras, gpd.GeoDataFrame) and cameras.geometry.name in cameras:
        geo = cameras.geometry
        if geo.crs is not None and not geo.crs.equals(pyproj.CRS(WGS84)):
            geo = geo.to_crs(WGS84)
        arr = geo.to_numpy()
        ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
        x, y = np.full(len(arr), np.nan), np.full(len(arr), np.nan)
        x[ok], y[ok] = shapely.get_x(arr[ok]), shapely.get_y(arr[ok])
        return x, y
    if "lon" not in cameras or "lat" not in cameras:
        return np.full(len(cameras), np.nan), np.full(len(cameras), np.nan)
    lon = pd.to_numeric(cameras["lon"], errors="coerce")
    lat = pd.to_numeric(cameras["lat"], errors="coerce")
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def assign_grids(
    cameras: pd.DataFrame,
    grids: gpd.GeoDataFrame,
    *,
    villages: np.ndarray | None = None,
    known_villages: Iterable[str] = (),
) -> np.ndarray:
    """The grid code of every camera (object array aligned with ``cameras``, ``None``: no grid).

    By position first: the grid polygon (EPSG:4326) that holds the camera; then, for cameras that
    position leaves without a grid, the camera's own ``grid_code`` when that grid exists. With
    ``villages`` (the village each camera is counted in, ``None`` where none), a camera only goes
    to a grid of its village, and a camera in no village only to a grid whose parent is not among
    ``known_villages``: a village's grids then add up to the village.
    """
    n = len(cameras)
    out = np.full(n, None, dtype=object)
    if n == 0 or len(grids) == 0:
        return out
    codes = obj_array(grids["code"])
    parent_of = dict(zip(codes, obj_array(grids["parent_code"]), strict=True))
    known = set(known_villages)
    vil = villages if villages is not None else np.full(n, None, dtype=object)

    def fits(i: np.ndarray, grid: np.ndarray) -> np.ndarray:
        if villages is None:
            return np.ones(len(i), dtype=bool)
        parents = np.array([parent_of.get(g) for g in grid], dtype=object)
        mine = vil[i]
        none = np.array([pd.isna(v) for v in mine], dtype=bool)
        unknown_parent = np.array([p not in known for p in parents], dtype=bool)
        return np.where(none, unknown_parent, parents == mine)

    lon, lat = _lonlat(cameras)
    has_pos = np.isfinite(lon) & np.isfinite(lat)
    geo = (
        grids.geometry.to_numpy()
        if grids.crs is None or grids.crs.equals(pyproj.CRS(WGS84))
        else grids.to_crs(WGS84).geometry.to_numpy()
    )
    has_geo = ~(shapely.is_missing(geo) | shapely.is_empty(geo))
    sel = np.flatnonzero(has_geo)
    if len(sel) and has_pos.any():
        todo = np.flatnonzero(has_pos)
        pi, gi = shapely.STRtree(geo[sel]).query(
            shapely.points(lon[todo], lat[todo]), predicate="intersects"
        )
        cam, grid = todo[pi], codes[sel][gi]
        ok = fits(cam, grid)
        cam, grid = cam[ok], grid[ok]
        order = np.argsort(cam, kind="stable")
        cam, grid = cam[order], grid[order]
        first = np.r_[True, cam[1:] != cam[:-1]] if len(cam) else np.zeros(0, bool)
        out[cam[first]] = grid[first]
    if "grid_code" in cameras:
        own = np.array(
            [
                None if pd.isna(v) or not str(v).strip() else str(v).strip()
                for v in cameras["grid_code"].astype(object)
            ],
            dtype=object,
        )
        # a hash lookup: np.isin on text with None in it compares every pair
        known_grid = pd.Series(own).isin(pd.Series(codes)).to_numpy(dtype=bool)
        todo = np.flatnonzero((out == None) & known_grid)  # noqa: E711
        if len(todo):
            ok = fits(todo, own[todo])
            out[todo[ok]] = own[todo[ok]]
    return out


def _grid_leaves(grids_metric: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Grid polygons as leaves (``leaf_id``, code columns with the grid code as ``village``)."""
    geo = grids_metric.geometry.to_numpy()
    has = ~(shapely.is_missing(geo) | shapely.is_empty(geo))
    g = grids_metric[has]
    none = [None] * len(g)
    return gpd.GeoDataFrame(
        {
            "leaf_id": np.arange(len(g)),
            "city": none,
            "county": none,
            "township": none,
            "village": obj_array(g["code"]),
            "area_m2": shapely.area(g.geometry.to_numpy()),
            "_key": obj_array(g["_key"]),
        },
        geometry=g.geometry.to_numpy(),
        crs=grids_metric.crs,
    )


def _grid_places(
    inputs: CoverageInputs, leaves: gpd.GeoDataFrame, parent_of: dict[str, str]
) -> pd.DataFrame:
    """The key places with the grid they lie in (``village`` column), only in their own village."""
    places = inputs.places
    out = places.assign(city=None, county=None, township=None, village=None)
    if not len(places) or not len(leaves):
        return out.iloc[0:0]
    pts = shapely.points(places["x"].to_numpy(dtype=float), places["y"].to_numpy(dtype=float))
    pi, li = shapely.STRtree(leaves.geometry.to_numpy()).query(pts, predicate="intersects")
    grid = obj_array(leaves["village"])[li]
    own = obj_array(places["village"])[pi]
    ok = np.array(
        [o is None or parent_of.get(g) == o for g, o in zip(grid, own, strict=True)], dtype=bool
    )
    pi, grid = pi[ok], grid[ok]
    keep, first = np.unique(pi, return_index=True)
    village = np.full(len(places), None, dtype=object)
    village[keep] = grid[first]
    out["village"] = village
    return out[out["village"].notna().to_numpy()]


def _partitions(
    inputs: CoverageInputs, grids: gpd.GeoDataFrame, grid_of: np.ndarray
) -> list[Partition]:
    """One partition per county of the grids' villages: the county's grids, the cameras counted in
    them, and every camera within its longest range of them (fields of view cross borders)."""
    anc = unit_ancestors(inputs.units).set_index("code")
    county_of = {str(k): v for k, v in anc["county"].items()}
    key_of = {
        c: county_of.get(str(p)) or ""
        for c, p in zip(obj_array(grids["code"]), obj_array(grids["parent_code"]), strict=True)
    }
    metric = grids.assign(_key=[key_of[c] for c in obj_array(grids["code"])]).to_crs(inputs.crs)
    leaves = _grid_leaves(metric)
    parent_of = {
        str(c): str(p)
        for c, p in zip(obj_array(grids["code"]), obj_array(grids["parent_code"]), strict=True)
    }
    places = _grid_places(inputs, leaves, parent_of)
    cams = inputs.cameras.assign(city=None, county=None, township=None, village=grid_of)
    cam_key = np.array([key_of.get(g) if g is not None else None for g in grid_of], dtype=object)
    has_xy = np.isfinite(cams["x"].to_numpy()) & np.isfinite(cams["y"].to_numpy())
    tree = shapely.STRtree(
        shapely.points(np.where(has_xy, cams["x"], 0.0), np.where(has_xy, cams["y"], 0.0))
    )
    max_range = float(np.nanmax(cams["range_m"])) if len(cams) else 0.0
    units = pd.DataFrame(
        {
            "code": obj_array(grids["code"]),
            "city": None,
            "county": None,
            "township": None,
            "village": obj_array(grids["code"]),
        }
    )
    place_key = np.array([key_of.get(g) for g in obj_array(places["village"])], dtype=object)
    unit_key = np.array([key_of[c] for c in units["code"]], dtype=object)
    leaf_key = obj_array(leaves["_key"])
    parts = []
    for key in sorted(set(key_of.values())):
        part_leaves = leaves[leaf_key == key].drop(columns="_key")
        covering = cams.iloc[0:0]
        roads = inputs.roads.iloc[0:0]
        if len(part_leaves):
            region = shapely.box(*shapely.total_bounds(part_leaves.geometry.to_numpy()))
            near = tree.query(shapely.buffer(region, max_range, join_style="mitre"))
            covering = cams.iloc[np.sort(near[has_xy[near]])]
            if len(inputs.roads):
                hit = shapely.STRtree(inputs.roads.geometry.to_numpy()).query(
                    region, predicate="intersects"
                )
                roads = inputs.roads.iloc[np.sort(hit)]
        parts.append(
            Partition(
                county=key,
                cameras=cams[cam_key == key],
                covering=covering,
                leaves=part_leaves,
                villages=units[unit_key == key],
                places=places[place_key == key],
                roads=roads,
                place_categories=inputs.place_categories,
                road_classes=inputs.road_classes,
            )
        )
    return parts


def grid_kpis(
    inputs: CoverageInputs,
    grids: gpd.GeoDataFrame,
    grid_of: np.ndarray,
    *,
    area: AreaMethod = "exact",
    cell_m: float = 10.0,
    village_classes: Iterable[int] = CLASSES,
) -> pd.DataFrame:
    """Every KPI per grid and point class (rows as :func:`~sharpeyes.coverage.kpis.kpis_by_unit`,
    ``level`` ``grid``, ``parent_code`` the village), plus ``covered`` (has a networked camera).

    ``grid_of`` is :func:`assign_grids` of ``inputs.cameras``' cameras. Village columns
    (``villages``, ``village_coverage`` …) do not apply to a grid and are left empty.
    """
    units = pd.DataFrame(
        {
            "code": obj_array(grids["code"]),
            "name": obj_array(grids["name"]),
            "level": "grid",
            "parent_code": obj_array(grids["parent_code"]),
            "population": pd.to_numeric(grids["population"], errors="coerce").to_numpy(dtype=float),
        }
    )
    frames = [
        partial_counts(
            p, area=area, cell_m=cell_m, area_by_class=True, village_classes=tuple(village_classes)
        )
        for p in _partitions(inputs, grids, grid_of)
    ]
    frames = [f for f in frames if len(f)]
    counts = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["unit_code", "point_class"])
    )
    rows = rates_from_counts(
        counts,
        units,
        has_health=inputs.has_health,
        place_categories=inputs.place_categories,
        road_classes=inputs.road_classes,
    )
    rows["covered"] = pd.array(rows["villages_covered"].fillna(0).to_numpy() > 0, dtype="boolean")
    for c in ("villages", "villages_covered", "village_coverage"):
        rows[c] = np.nan
    return rows


def grid_coverage_by_unit(
    grid_rows: pd.DataFrame,
    units: pd.DataFrame,
    cameras: pd.DataFrame,
    grid_of: np.ndarray,
) -> pd.DataFrame:
    """Per admin unit and class: ``grids``, ``grids_covered``, ``grid_coverage`` (covered / grids)
    and ``cameras_without_grid`` (cameras counted in a village that has grids, in none of them).

    ``cameras`` is ``inputs.cameras`` (code columns per camera); ``units`` the admin units.
    """
    anc = unit_ancestors(units).set_index("code")
    rows = grid_rows.assign(_cls=[0 if c == "all" else int(c) for c in grid_rows["point_class"]])
    looked = anc.reindex(pd.Index(rows["parent_code"].astype(str)))
    parts = []
    for lvl in CODE_COLUMNS:
        codes = looked[lvl].to_numpy(dtype=object)
        ok = np.array([c is not None and c == c for c in codes], dtype=bool)
        g = pd.DataFrame(
            {
                "unit_code": codes[ok],
                "point_class": rows["_cls"].to_numpy()[ok],
                "grids": 1,
                "grids_covered": rows["covered"].fillna(False).to_numpy(dtype=bool)[ok].astype(int),
            }
        )
        parts.append(g.groupby(["unit_code", "point_class"], as_index=False).sum())
    with_grids = set(obj_array(grid_rows["parent_code"]))
    cam_village = obj_array(cameras["village"])
    lost = np.array([v in with_grids for v in cam_village], dtype=bool) & np.array(
        [g is None for g in grid_of], dtype=bool
    )
    pcls = cameras["point_class"].to_numpy(dtype=int)
    for lvl in CODE_COLUMNS:
        codes = obj_array(cameras[lvl])
        for cls in (0, *CLASSES):
            sel = (
                lost
                & ((pcls == cls) if cls else True)
                & np.array([c is not None for c in codes], dtype=bool)
            )
            if sel.any():
                counted = pd.Series(codes[sel]).value_counts()
                parts.append(
                    pd.DataFrame(
                        {
                            "unit_code": counted.index,
                            "point_class": cls,
                            "cameras_without_grid": counted.to_numpy(),
                        }
                    )
                )
    out = (
        pd.concat(parts, ignore_index=True)
        .groupby(["unit_code", "point_class"], as_index=False)
        .sum(min_count=1)
    )
    for c in ("grids", "grids_covered", "cameras_without_grid"):
        out[c] = out[c].fillna(0).astype(np.int64) if c in out else 0
    out["grid_coverage"] = (out["grids_covered"] / out["grids"]).where(out["grids"] > 0)
    out["point_class"] = ["all" if c == 0 else int(c) for c in out["point_class"]]
    return out[["unit_code", "point_class", *GRID_UNIT_COLUMNS]]


def uncovered_grids(
    grid_rows: pd.DataFrame, grids: gpd.GeoDataFrame, village_names: dict[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Grids with no networked camera (all-class rows of :func:`grid_kpis`), EPSG:4326 polygons
    (``None`` for code-list grids): ``code, name, village, village_name, cameras, networked_cameras``."""
    names = village_names or {}
    rows = grid_rows[
        (grid_rows["point_class"] == "all")
        & ~grid_rows["covered"].fillna(False).to_numpy(dtype=bool)
    ]
    geo = gpd.GeoSeries(grids.geometry.to_numpy(), index=obj_array(grids["code"]), crs=WGS84)
    codes = obj_array(rows["unit_code"])
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": obj_array(rows["unit_name"]),
            "village": obj_array(rows["parent_code"]),
            "village_name": [names.get(str(p)) for p in rows["parent_code"]],
            "cameras": rows["cameras"].to_numpy(dtype=np.int64),
            "networked_cameras": rows["networked"].to_numpy(dtype=np.int64),
        },
        geometry=geo.reindex(codes).to_numpy(),
        crs=WGS84,
    )
