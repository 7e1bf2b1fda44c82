"""Gaps: what nobody sees. Villages without a networked camera, key places outside every networked
camera's field of view, road stretches outside them, and an H3 hexagon grid of coverage and density.

All outputs are GeoDataFrames in EPSG:4326 (lengths and areas measured in the metric CRS of the
inputs and given in metres / m² / km²), ready for GeoJSON, GeoPackage or CSV (:func:`write_gaps`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes._errors import InputError
from sharpeyes.coverage.counts import camera_sectors, places_covered
from sharpeyes.coverage.gaps_cells import _hex_coverage, cell_frame, cell_table, h3_grid, near_box
from sharpeyes.coverage.inputs import CLASSES, CoverageInputs
from sharpeyes.coverage.levels import UnitLevels, unit_levels
from sharpeyes.coverage.units import unit_village_kinds
from sharpeyes.model.columns import WGS84
from sharpeyes.model.frames import obj_array
from sharpeyes.model.geojson import feature_collection
from sharpeyes.model.jsonable import dumps_compact
from sharpeyes.model.sheets import write_csv

__all__ = ["GAP_LAYERS", "Gaps", "find_gaps", "h3_grid", "write_gaps"]
_ = _hex_coverage  # re-exported: tests/coverage/test_hex_coverage.py

#: Layer names, in output order.
GAP_LAYERS: Final = ("villages", "places", "roads", "cells")


@dataclass
class Gaps:
    """The four gap layers (EPSG:4326), the metric CRS they were measured in, and which levels of
    the hierarchy the units had (no village level: no village can be listed)."""

    villages: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    metric_crs: str
    h3_resolution: int
    #: grids (网格) with no networked camera, when the store has grids (:mod:`sharpeyes.coverage.grids`)
    grids: gpd.GeoDataFrame | None = None
    levels: UnitLevels = field(default_factory=UnitLevels)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        out = {name: getattr(self, name) for name in GAP_LAYERS}
        if self.grids is not None:
            out["grids"] = self.grids
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "villages_without_network": len(self.villages),
            "uncovered_places": len(self.places),
            "uncovered_road_km": round(float(self.roads["length_m"].sum()) / 1000.0, 3)
            if len(self.roads)
            else 0.0,
            "uncovered_road_segments": len(self.roads),
            "cells": len(self.cells),
            "h3_resolution": self.h3_resolution,
            "metric_crs": self.metric_crs,
            **({} if self.grids is None else {"grids_without_network": len(self.grids)}),
            "missing_levels": list(self.levels.missing),
            "levels_without_polygons": list(self.levels.without_polygons),
        }

    def to_feature_collections(self) -> dict[str, dict[str, Any]]:
        """Each layer as a GeoJSON FeatureCollection (dict), WGS-84."""
        return {name: _feature_collection(layer) for name, layer in self.layers().items()}


def _feature_collection(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    return feature_collection(frame.to_crs(WGS84) if len(frame) else frame)


def _uncovered_villages(
    inputs: CoverageInputs, units: gpd.GeoDataFrame, village_classes: tuple[int, ...]
) -> gpd.GeoDataFrame:
    cam = inputs.cameras
    net = cam["networked"].to_numpy(dtype=bool) & cam["point_class"].isin(village_classes)
    seen = np.asarray(pd.unique(cam["village"][net].dropna().astype(str)), dtype=object)
    # administrative villages only (村民委员会), as the KPI counts them: not communities, not virtual
    kinds = unit_village_kinds(units)
    is_village = obj_array(units["level"]) == "village"
    vil = units[is_village & ~np.isin(kinds.astype(str), ["community", "virtual"])]
    miss = vil[~np.isin(obj_array(vil["code"]).astype(str), seen)]
    all_cams = cam["village"].value_counts()
    out = gpd.GeoDataFrame(
        {
            "code": obj_array(miss["code"]),
            "name": obj_array(miss["name"]),
            "township": obj_array(miss["parent_code"]),
            "cameras": [int(all_cams.get(c, 0)) for c in miss["code"]],
            "networked_cameras": 0,
        },
        geometry=miss.geometry.to_numpy(),
        crs=WGS84,
    )
    return out.reset_index(drop=True)


def _uncovered_places(
    inputs: CoverageInputs, places: gpd.GeoDataFrame | None, sectors: np.ndarray
) -> gpd.GeoDataFrame:
    pl = inputs.places
    if places is None or len(pl) == 0:
        return gpd.GeoDataFrame(
            {
                "place_id": [],
                "name": [],
                "category": [],
                "county": [],
                "township": [],
                "village": [],
            },
            geometry=gpd.GeoSeries([], crs=WGS84),
        )
    covered = places_covered(pl, inputs.cameras, sectors)[:, 0]
    miss = ~covered
    names = obj_array(places["name"]) if "name" in places else np.full(len(places), None)
    geo = places.geometry.to_crs(WGS84).to_numpy()
    return gpd.GeoDataFrame(
        {
            "place_id": pl["place_id"].to_numpy()[miss],
            "name": names[miss],
            "category": pl["category"].to_numpy()[miss],
            "county": pl["county"].to_numpy()[miss],
            "township": pl["township"].to_numpy()[miss],
            "village": pl["village"].to_numpy()[miss],
        },
        geometry=geo[miss],
        crs=WGS84,
    )


def _meeting(
    tree: shapely.STRtree, sectors: np.ndarray, roads: np.ndarray, piece_m: float = 250.0
) -> tuple[np.ndarray, np.ndarray]:
    """(road, sector) of every sector meeting a road (metric CRS), as ``tree.query(roads,
    predicate="intersects")``: the candidates from the boxes of the roads' pieces of at most
    ``piece_m``, grown by a metre (a long road's own box holds most of a county's sectors), then
    the exact test, on the roads prepared as the tree's query prepares them."""
    coords, owner = shapely.get_coordinates(shapely.segmentize(roads, piece_m), return_index=True)
    same = owner[1:] == owner[:-1]  # consecutive vertices of one road: a piece of it
    a, b, road = coords[:-1][same], coords[1:][same], owner[:-1][same]
    low, high = np.minimum(a, b) - 1.0, np.maximum(a, b) + 1.0
    bi, si = tree.query(shapely.box(low[:, 0], low[:, 1], high[:, 0], high[:, 1]))
    pair = np.unique(road[bi].astype(np.int64) * len(sectors) + si)
    ri, si = pair // len(sectors), pair % len(sectors)
    shapely.prepare(roads)
    hit = shapely.intersects(roads[ri], sectors[si])
    return ri[hit], si[hit]


def _uncovered_roads(
    inputs: CoverageInputs, min_length_m: float, all_sectors: np.ndarray
) -> gpd.GeoDataFrame:
    roads = inputs.roads
    empty = gpd.GeoDataFrame(
        {"road_id": [], "road_class": [], "length_m": []}, geometry=gpd.GeoSeries([], crs=WGS84)
    )
    if len(roads) == 0:
        return empty
    cam = inputs.cameras
    sectors = all_sectors[cam["networked"].to_numpy(dtype=bool)]
    sectors = sectors[~shapely.is_missing(sectors)]
    geo = roads.geometry.to_numpy()
    rest = geo.copy()
    if len(sectors):
        ri, si = _meeting(shapely.STRtree(sectors), sectors, geo)
        # each road's sectors in camera order, whatever the tree: the same union for the same
        # cameras, so a county task (docs/coverage.md, "Scale") cuts the same stretches
        order = np.lexsort((si, ri))
        ri, si = ri[order], si[order]
        cuts = np.flatnonzero(np.diff(ri)) + 1
        for r_idx, s_idx in zip(np.split(ri, cuts), np.split(si, cuts), strict=True):
            if len(r_idx) == 0:
                continue
            seen = shapely.union_all(sectors[s_idx])
            rest[r_idx[0]] = shapely.difference(geo[r_idx[0]], seen)
    rows = []
    for i, g in enumerate(rest):
        for part in shapely.get_parts(shapely.line_merge(g) if shapely.get_type_id(g) == 5 else g):
            length = float(shapely.length(part))
            if length >= min_length_m:
                rows.append((roads["road_id"].iat[i], roads["road_class"].iat[i], length, part))
    if not rows:
        return empty
    frame = gpd.GeoDataFrame(
        {
            "road_id": [r[0] for r in rows],
            "road_class": [r[1] for r in rows],
            "length_m": [round(r[2], 1) for r in rows],
        },
        geometry=gpd.GeoSeries([r[3] for r in rows], crs=inputs.crs),
    )
    return frame.to_crs(WGS84)


def find_gaps(
    inputs: CoverageInputs,
    units: gpd.GeoDataFrame,
    *,
    places: gpd.GeoDataFrame | None = None,
    village_classes: tuple[int, ...] = CLASSES,
    h3_resolution: int = 8,
    min_road_gap_m: float = 1.0,
    keep_cells: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Gaps:
    """Every gap layer from prepared inputs (:func:`~sharpeyes.coverage.kpis.prepare_inputs`).

    Parameters
    ----------
    inputs
        Prepared cameras, places and roads (metric CRS).
    units
        The units (EPSG:4326) whose villages are listed.
    places
        The key places as imported (for their names and original geometry).
    village_classes
        Point classes whose networked cameras make a village covered.
    h3_resolution
        H3 resolution of the grid (0–15; 8 ≈ 0.74 km², 9 ≈ 0.11 km²).
    min_road_gap_m
        Uncovered road pieces shorter than this (metres) are left out.
    keep_cells
        Which H3 cells to measure (see :func:`h3_grid`); all by default.
    """
    if not 0 <= h3_resolution <= 15:
        raise InputError(f"H3 resolution must be 0–15, got {h3_resolution}", field="h3_resolution")
    units = units.to_crs(WGS84) if units.crs is not None else units.set_crs(WGS84)
    cells = cell_table(inputs, h3_resolution, keep_cells)
    sectors = _needed_sectors(inputs, cells)  # once, for three layers
    return Gaps(
        villages=_uncovered_villages(inputs, units, village_classes),
        places=_uncovered_places(inputs, places, sectors),
        roads=_uncovered_roads(inputs, min_road_gap_m, sectors),
        cells=cell_frame(cells, sectors),
        metric_crs=inputs.crs.to_string(),
        h3_resolution=h3_resolution,
        levels=unit_levels(units),
    )


def _needed_sectors(inputs: CoverageInputs, cells: Any) -> np.ndarray:
    """The cameras' fields of view (metric CRS), built only for the cameras that can meet a cell
    measured, or (networked) a key place or a road; ``None`` for the others, which change
    nothing: a county task reads cameras farther out, for which cells exist only."""
    cam = inputs.cameras
    need = np.zeros(len(cam), dtype=bool)
    if cells is not None:
        need |= near_box(cam, shapely.total_bounds(cells.hexes_m))
    boxes = []
    if len(inputs.places):
        xy = inputs.places[["x", "y"]].to_numpy(dtype=float)
        boxes.append(np.r_[np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])
    if len(inputs.roads):
        boxes.append(shapely.total_bounds(inputs.roads.geometry.to_numpy()))
    net = cam["networked"].to_numpy(dtype=bool)
    for box in boxes:
        need |= net & near_box(cam, box)
    sectors = np.full(len(cam), None, dtype=object)
    if need.any():
        sectors[need] = camera_sectors(cam[need])
    return sectors


def write_gaps(gaps: Gaps, out: str | Path, *, fmt: str = "geojson") -> list[Path]:
    """Write the gap layers.

    ``geojson``: ``out`` holds every feature with a ``layer`` property, and one file per layer is
    written beside it (``<stem>_villages.geojson`` …; into ``out`` if it is a directory);
    ``gpkg``: one GeoPackage with a layer each; ``csv``: the same as GeoJSON with a ``wkt`` column
    (UTF-8 with BOM, opens in Excel). Returns the paths written.
    """
    out = Path(out)
    fmt = fmt.lower()
    written: list[Path] = []
    if fmt not in {"geojson", "gpkg", "csv"}:
        raise InputError(f"unknown gaps format {fmt!r}: use geojson, gpkg or csv", field="format")
    if fmt == "gpkg":
        target = out if out.suffix.lower() == ".gpkg" else out.with_suffix(".gpkg")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        for name, layer in gaps.layers().items():
            frame = layer if len(layer) else _placeholder(layer)
            frame.to_file(target, layer=name, driver="GPKG")
        return [target]
    base = out if out.is_dir() else out.parent
    stem = "gaps" if out.is_dir() else out.stem
    base.mkdir(parents=True, exist_ok=True)
    combined = base / f"{stem}.{fmt}" if out.is_dir() else out
    collections = gaps.to_feature_collections() if fmt == "geojson" else {}
    if fmt == "geojson":
        features = [
            {**feature, "properties": {"layer": name, **feature["properties"]}}
            for name, collection in collections.items()
            for feature in collection["features"]
        ]
        combined.write_text(
            dumps_compact({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
    else:
        parts = []
        for name, layer in gaps.layers().items():
            frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
            frame.insert(0, "layer", name)
            frame["wkt"] = shapely.to_wkt(layer.geometry.to_numpy(), rounding_precision=7)
            parts.append(frame)
        write_csv(pd.concat(parts, ignore_index=True), combined)
    written.append(combined)
    for name, layer in gaps.layers().items():
        if fmt == "geojson":
            path = base / f"{stem}_{name}.geojson"
            path.write_text(dumps_compact(collections[name]), encoding="utf-8")
        else:
            path = base / f"{stem}_{name}.csv"
            frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
            frame["wkt"] = shapely.to_wkt(layer.geometry.to_numpy(), rounding_precision=7)
            write_csv(frame, path)
        written.append(path)
    return written


def _placeholder(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """An empty layer keeps its columns in a GeoPackage (pyogrio writes no table for 0 rows
    without a schema)."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype="object") for c in layer.columns if c != layer.geometry.name},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )
