"""Demand of a city plan: the gaps a new camera can close, one weighted item each, and coverage figures.

Demand weights (:data:`DEMAND_WEIGHTS`; every figure can be overridden)::

    kind         one item is                         weight                       covered when
    village      an administrative village           100 per village              a new site lies
                 (not a community) without a                                      inside the village
                 networked camera
    place        a key place outside every view      category priority            it lies in the site's
                                                     (school/hospital/station 30,  field of view
                                                     bank/government/square 20,
                                                     mall/scenic/market 15, other 10)
    road         a piece (<= 50 m) of a key road     road-class weight per km ×   its midpoint lies in
                                                     length in km (trunk 8,        the field of view
                                                     primary 6, motorway 5,
                                                     secondary 4, tertiary 3,
                                                     residential 2, other 1)
    population   a cell (250 m) of a village or      residents / 1,000 × 10       its centre lies in
                 unit with a population              (10 per thousand people)     the field of view

Items are built in the metric CRS the caller gives (:func:`sharpeyes.model.crs.metric_crs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.coverage.units import unit_village_kinds

__all__ = [
    "DEMAND_WEIGHTS",
    "MAX_POPULATION_CELLS",
    "MAX_ROAD_PIECES",
    "POPULATION_CELL_M",
    "ROAD_PIECE_M",
    "coverage_figures",
    "demand_items",
    "merged_weights",
]

#: Weights of each demand kind (see the module docstring).
DEMAND_WEIGHTS: Final[dict[str, Any]] = {
    "village": 100.0,
    "place": {
        "school": 30.0,
        "hospital": 30.0,
        "station": 30.0,
        "bank": 20.0,
        "government": 20.0,
        "square": 20.0,
        "mall": 15.0,
        "scenic": 15.0,
        "market": 15.0,
        "other": 10.0,
    },
    "road_per_km": {
        "motorway": 5.0,
        "trunk": 8.0,
        "primary": 6.0,
        "secondary": 4.0,
        "tertiary": 3.0,
        "residential": 2.0,
        "other": 1.0,
    },
    "population_per_1000": 10.0,
}

#: Length of a road piece (metres), longer when the roads would exceed MAX_ROAD_PIECES pieces.
ROAD_PIECE_M: Final = 50.0
#: Side of a population cell (metres), larger when the units would exceed MAX_POPULATION_CELLS.
POPULATION_CELL_M: Final = 250.0
MAX_ROAD_PIECES: Final = 200_000
MAX_POPULATION_CELLS: Final = 100_000


def merged_weights(weights: Mapping[str, Any] | None) -> dict[str, Any]:
    """:data:`DEMAND_WEIGHTS` with ``weights`` laid over it (nested mappings merged key by key)."""
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in DEMAND_WEIGHTS.items()
    }
    for key, value in (weights or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def _points_along(lines: np.ndarray, which: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Points at ``distance`` metres along ``lines[which]`` (single-part lines; vectorised per line)."""
    out = np.empty(len(which), dtype=object)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(lines) + 1))
    for i, line in enumerate(lines):
        sel = order[bounds[i] : bounds[i + 1]]
        if len(sel) == 0:
            continue
        if line.geom_type != "LineString":
            out[sel] = shapely.line_interpolate_point(line, distance[sel])
            continue
        xy = np.asarray(line.coords)[:, :2]
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        out[sel] = shapely.points(
            np.interp(distance[sel], along, xy[:, 0]), np.interp(distance[sel], along, xy[:, 1])
        )
    return out


def demand_items(
    *,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    crs: Any,
    weights: Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Everything a plan should see, one row per item, in the metric ``crs``.

    Columns: ``kind`` (village, place, road, population), ``key`` (village code, place id, road id,
    unit code), ``category`` (place category or road class), ``weight`` (see the module docstring),
    ``amount`` (1 per village or place, km of road, residents), geometry (the village polygon, else
    a point: the place, a road piece's midpoint, a population cell's centre).
    """
    w = merged_weights(weights)
    frames = [
        f
        for f in (
            _village_items(units, crs, w),
            _place_items(places, crs, w) if len(places) else None,
            _road_items(roads, crs, w) if len(roads) else None,
            _population_items(units, crs, w) if "population" in units else None,
        )
        if f is not None
    ]
    if not frames:
        return gpd.GeoDataFrame(
            {"kind": [], "key": [], "category": [], "weight": [], "amount": []},
            geometry=[],
            crs=crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def _village_items(
    units: gpd.GeoDataFrame, crs: Any, w: Mapping[str, Any]
) -> gpd.GeoDataFrame | None:
    """One item per administrative village (its polygon), weight ``w["village"]``: communities
    (社区) and virtual units are not villages the programme counts (:func:`unit_village_kinds`),
    so a community without a camera is no village gap; a unit nothing classifies counts as one."""
    levels = units["level"].astype(str) if "level" in units else pd.Series("", index=units.index)
    is_village = (levels == "village").to_numpy(copy=True)
    if is_village.any():
        kinds = unit_village_kinds(units.assign(level=levels))
        is_village &= np.array([k in (None, "village") for k in kinds], dtype=bool)
    villages = units[is_village].to_crs(crs)
    if not len(villages):
        return None
    return gpd.GeoDataFrame(
        {
            "kind": "village",
            "key": villages["code"].astype(str).to_numpy(),
            "category": "village",
            "weight": float(w["village"]),
            "amount": 1.0,
        },
        geometry=villages.geometry.to_numpy(),
        crs=crs,
    )


def _place_items(places: gpd.GeoDataFrame, crs: Any, w: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """One item per key place (its representative point), weighted by category."""
    pm = places.to_crs(crs)
    cats = (
        pm["category"].astype(str).fillna("other")
        if "category" in pm
        else pd.Series("other", index=pm.index)
    )
    pw = w["place"]
    return gpd.GeoDataFrame(
        {
            "kind": "place",
            "key": (pm.get("place_id", pm.index)).astype(str).to_numpy(),
            "category": cats.to_numpy(),
            "weight": [float(pw.get(c, pw.get("other", 10.0))) for c in cats],
            "amount": 1.0,
        },
        geometry=pm.geometry.representative_point().to_numpy(),
        crs=crs,
    )


def _road_items(roads: gpd.GeoDataFrame, crs: Any, w: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """One item per road piece (its midpoint), weighted by road class per km × km."""
    rm = roads.to_crs(crs)
    lengths = rm.geometry.length.to_numpy()
    step = max(ROAD_PIECE_M, float(lengths.sum()) / MAX_ROAD_PIECES)
    counts = np.maximum(1, np.ceil(lengths / step).astype(int))
    idx = np.repeat(np.arange(len(rm)), counts)
    k = np.concatenate([np.arange(c) for c in counts]) if len(counts) else np.zeros(0, int)
    piece = lengths[idx] / counts[idx]
    pts = _points_along(rm.geometry.to_numpy(), idx, (k + 0.5) * piece)
    classes = (
        (rm["road_class"] if "road_class" in rm else pd.Series("other", index=rm.index))
        .astype(str)
        .to_numpy()
    )
    rw = w["road_per_km"]
    per_km = np.array([float(rw.get(c, rw.get("other", 1.0))) for c in classes])
    return gpd.GeoDataFrame(
        {
            "kind": "road",
            "key": (rm.get("road_id", rm.index)).astype(str).to_numpy()[idx],
            "category": classes[idx],
            "weight": per_km[idx] * piece / 1000.0,
            "amount": piece / 1000.0,
        },
        geometry=pts,
        crs=crs,
    )


def _population_items(
    units: gpd.GeoDataFrame, crs: Any, w: Mapping[str, Any]
) -> gpd.GeoDataFrame | None:
    """Cells over the lowest level of units with a population, residents spread evenly."""
    pop = pd.to_numeric(units["population"], errors="coerce")
    with_pop = units[pop.notna().to_numpy() & (pop.fillna(0) > 0).to_numpy()]
    if not len(with_pop):
        return None
    order = ["village", "township", "county", "city"]
    lv = (
        with_pop["level"].astype(str)
        if "level" in with_pop
        else pd.Series("", index=with_pop.index)
    )
    lowest = next((lvl for lvl in order if (lv == lvl).any()), None)
    chosen = with_pop[lv == lowest] if lowest else with_pop
    cm = chosen.to_crs(crs)
    area = float(cm.geometry.area.sum())
    cell = max(POPULATION_CELL_M, float(np.sqrt(area / MAX_POPULATION_CELLS)))
    minx, miny, maxx, maxy = cm.total_bounds
    gx, gy = np.meshgrid(
        np.arange(minx + cell / 2, maxx, cell), np.arange(miny + cell / 2, maxy, cell)
    )
    grid = shapely.points(gx.ravel(), gy.ravel())
    pi, ui = cm.sindex.query(grid, predicate="within")
    pi, first = np.unique(pi, return_index=True)  # a point on a shared border: one unit
    ui = ui[first]
    missing = np.setdiff1d(np.arange(len(cm)), ui)
    pts = np.concatenate([grid[pi], cm.geometry.iloc[missing].representative_point().to_numpy()])
    owner = np.concatenate([ui, missing])
    per_unit = np.bincount(owner, minlength=len(cm))
    people = pd.to_numeric(cm["population"]).to_numpy(float)
    share = people[owner] / per_unit[owner]
    return gpd.GeoDataFrame(
        {
            "kind": "population",
            "key": cm["code"].astype(str).to_numpy()[owner],
            "category": "population",
            "weight": share / 1000.0 * float(w["population_per_1000"]),
            "amount": share,
        },
        geometry=pts,
        crs=crs,
    )


def coverage_figures(demand: gpd.GeoDataFrame, covered: np.ndarray) -> dict[str, Any]:
    """Coverage by kind for a covered mask: village, key-place, road and population coverage
    (fractions), with their counts, km and residents, and the weighted coverage."""
    kind = demand["kind"].to_numpy()
    amount = demand["amount"].to_numpy(float)
    out: dict[str, Any] = {}
    for k, share_key, total_key, done_key in (
        ("village", "village_coverage", "villages", "villages_covered"),
        ("place", "place_coverage", "places", "places_covered"),
        ("road", "road_coverage", "road_km", "road_covered_km"),
        ("population", "population_coverage", "population", "population_covered"),
    ):
        sel = kind == k
        if sel.any():
            total = float(amount[sel].sum())
            done = float(amount[sel & covered].sum())
            out[total_key] = round(total, 3)
            out[done_key] = round(done, 3)
            out[share_key] = done / total if total else None
    weight = demand["weight"].to_numpy(float)
    out["weighted_coverage"] = float(weight[covered].sum() / weight.sum()) if weight.sum() else None
    return out
