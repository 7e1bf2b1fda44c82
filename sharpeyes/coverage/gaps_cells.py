"""The gaps' H3 grid (:mod:`sharpeyes.coverage.gaps`): the cells holding a camera and their
neighbours, with counts, density and the exact share of each cell inside some field of view.

Cells are H3 hexagons (EPSG:4326 in the output); areas and coverage are measured in the metric CRS
of the inputs. A cell's coverage depends on that cell's own sectors only, taken in camera order
(docs/coverage.md, "Gaps"), so a county task's figure is the one-process figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from sharpeyes.coverage.area import nested_pairs
from sharpeyes.coverage.counts import camera_sectors
from sharpeyes.coverage.inputs import CoverageInputs
from sharpeyes.coverage.unions import clipped_union_areas
from sharpeyes.model.columns import WGS84

__all__ = ["CellTable", "cell_frame", "cell_table", "h3_grid", "sector_reach_m"]

#: A sector polygon reaches at most this many times its range from its apex (the arc's vertices
#: lie on a circle a little wider than the range, :func:`~sharpeyes.coverage.fov.sector_polygons`:
#: 0.3 % at its 11.25° step), with room to spare.
_REACH_FACTOR = 1.1


def sector_reach_m(cams: Any) -> np.ndarray:
    """How far (m) each camera's sector can reach from its position: an upper bound, for the
    bounding-box tests that decide which cameras need a sector at all."""
    return np.asarray(cams["range_m"].to_numpy(dtype=float) * _REACH_FACTOR + 1.0)


def near_box(cams: Any, box: np.ndarray) -> np.ndarray:
    """Which cameras' sectors can meet the box ``(minx, miny, maxx, maxy)`` (metric CRS); a
    camera without a finite range or position counts as near (its sector is built as before)."""
    x, y = cams["x"].to_numpy(dtype=float), cams["y"].to_numpy(dtype=float)
    reach = sector_reach_m(cams)
    near = (x >= box[0] - reach) & (x <= box[2] + reach) & (y >= box[1] - reach)
    near &= y <= box[3] + reach
    return np.asarray(near | ~np.isfinite(reach))


@dataclass(frozen=True)
class CellTable:
    """The cells a grid measures (sorted H3 indexes), their camera counts and hexagons."""

    h3: np.ndarray  # str
    cameras: np.ndarray
    networked: np.ndarray
    hexes: np.ndarray  # EPSG:4326
    hexes_m: np.ndarray  # the inputs' metric CRS


def cell_table(
    inputs: CoverageInputs, resolution: int, keep: Callable[[np.ndarray], np.ndarray] | None
) -> CellTable | None:
    """The cells holding a camera and their neighbours (``keep``: which of the sorted indexes to
    measure), ``None`` when there is none."""
    from h3.api import basic_int as h3

    cam = inputs.cameras
    ok = np.isfinite(cam["x"].to_numpy()) & np.isfinite(cam["y"].to_numpy())
    if not ok.any():
        return None
    to_deg = pyproj.Transformer.from_crs(inputs.crs, WGS84, always_xy=True)
    lon, lat = to_deg.transform(cam["x"].to_numpy()[ok], cam["y"].to_numpy()[ok])
    cells = np.array(
        [
            h3.latlng_to_cell(b, a, resolution)
            for a, b in zip(lon.tolist(), lat.tolist(), strict=True)
        ],
        dtype=np.uint64,
    )
    networked = cam["networked"].to_numpy(dtype=bool)[ok]
    uniq, inv = np.unique(cells, return_inverse=True)
    counts = np.bincount(inv, minlength=len(uniq))
    net_counts = np.bincount(inv, weights=networked.astype(float), minlength=len(uniq))
    ring = np.unique(np.fromiter((n for c in uniq.tolist() for n in h3.grid_disk(c, 1)), np.uint64))
    names = np.array([h3.int_to_str(c) for c in ring.tolist()])
    order = np.argsort(names, kind="stable")  # by the index's text, as the layer lists them
    ring, names = ring[order], names[order]
    if keep is not None:
        chosen = np.asarray(keep(names), dtype=bool)
        ring, names = ring[chosen], names[chosen]
        if not len(ring):
            return None
    at = np.minimum(np.searchsorted(uniq, ring), len(uniq) - 1)
    has = uniq[at] == ring
    n_cam = np.where(has, counts[at], 0)
    n_net = np.where(has, net_counts[at].astype(np.int64), 0)
    bounds = [h3.cell_to_boundary(c) for c in ring.tolist()]
    latlng = np.array([v for b in bounds for v in b], dtype=float).reshape(-1, 2)
    rings = shapely.linearrings(
        latlng[:, ::-1], indices=np.repeat(np.arange(len(bounds)), [len(b) for b in bounds])
    )
    hexes = np.asarray(shapely.polygons(rings), dtype=object)
    hexes_m = gpd.GeoSeries(hexes, crs=WGS84).to_crs(inputs.crs).to_numpy()
    return CellTable(names, n_cam, n_net, hexes, np.asarray(hexes_m, dtype=object))


def _empty() -> gpd.GeoDataFrame:
    columns = ("h3", "cameras", "networked", "density_km2", "area_km2", "coverage")
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=WGS84))


def cell_frame(table: CellTable | None, sectors: np.ndarray) -> gpd.GeoDataFrame:
    """The grid layer of ``table`` (EPSG:4326), its cells' coverage from ``sectors`` (the
    cameras' fields of view, metric CRS; ``None`` for a camera that cannot meet any cell)."""
    if table is None:
        return _empty()
    area = shapely.area(table.hexes_m)
    covered = _hex_coverage(np.asarray(sectors, dtype=object), table.hexes_m)
    return gpd.GeoDataFrame(
        {
            "h3": table.h3.astype(str),
            "cameras": table.cameras,
            "networked": table.networked,
            "density_km2": np.round(table.cameras / (area / 1e6), 3),
            "area_km2": np.round(area / 1e6, 4),
            "coverage": np.round(np.clip(covered / area, 0.0, 1.0), 4),
        },
        geometry=table.hexes,
        crs=WGS84,
    )


def h3_grid(
    inputs: CoverageInputs,
    *,
    resolution: int = 8,
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
    sectors: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """H3 hexagons (``resolution``, default 8: about 0.74 km² each) holding a camera, and their
    neighbours: ``h3`` index, ``cameras``, ``networked``, ``density_km2``, ``area_km2`` and
    ``coverage`` (share of the hexagon inside some camera's field of view, exact vector).
    ``keep``: which of the (sorted) cell indexes to measure (a county task's own cells);
    ``sectors``: the cameras' :func:`~sharpeyes.coverage.counts.camera_sectors`, when made already."""
    table = cell_table(inputs, resolution, keep)
    if table is None:
        return _empty()
    if sectors is None:
        cam = inputs.cameras
        sectors = np.full(len(cam), None, dtype=object)
        near = near_box(cam, shapely.total_bounds(table.hexes_m))
        sectors[near] = camera_sectors(cam[near])
    return cell_frame(table, sectors)


def _outermost(polys: np.ndarray) -> np.ndarray:
    """Which polygons lie in the interior of no other (:func:`~sharpeyes.coverage.area.nested_pairs`):
    the union of the others is the same point set. A sector nested in another meets every cell
    the other meets, so what is left for a cell depends on the cell's own sectors only."""
    a, b = shapely.STRtree(polys).query(polys)
    keep = a < b
    _, inner = nested_pairs(polys, a[keep], b[keep])
    out = np.ones(len(polys), dtype=bool)
    out[inner] = False
    return out


def _covers_whole(polys: np.ndarray, hexes: np.ndarray) -> np.ndarray:
    """Whether each pair's sector covers its whole hexagon (pairwise arrays, metric CRS); a
    sector covering the hexagon has a bounding box holding the hexagon's: tested first."""
    hb, pb = shapely.bounds(hexes), shapely.bounds(polys)
    maybe = (pb[:, :2] <= hb[:, :2]).all(axis=1) & (pb[:, 2:] >= hb[:, 2:]).all(axis=1)
    covers = np.zeros(len(polys), dtype=bool)
    if maybe.any():
        covers[maybe] = shapely.covers(polys[maybe], hexes[maybe])
    return covers


def _hex_coverage(sectors: np.ndarray, hexes: np.ndarray) -> np.ndarray:
    """Area (m²) of each hexagon inside the union of ``sectors`` (metric CRS): per hexagon, the
    union of the sectors meeting it, in camera order — what other hexagons or cameras exist
    changes nothing (Clipper's integer grid is fixed to the CRS, :mod:`.unions`), so a county
    task's figure is the one-process figure. A hexagon inside one sector is covered whole; for
    each other, the sectors nested in another are left out (their container meets the same
    cells) and what is left is one Clipper2 intersection of its sectors (NonZero: their union)
    with it (docs/coverage.md, "Gaps")."""
    out = np.zeros(len(hexes), dtype=float)
    ok = ~(shapely.is_missing(sectors) | shapely.is_empty(sectors))
    polys = sectors[ok]  # in camera order
    if not len(polys) or not len(hexes):
        return out
    hi, si = shapely.STRtree(polys).query(hexes, predicate="intersects")
    if not len(hi):  # no sector meets a cell
        return out
    order = np.lexsort((si, hi))
    hi, si = hi[order], si[order]
    cuts = np.flatnonzero(np.diff(hi)) + 1
    starts = np.r_[0, cuts]
    first = hi[starts]
    whole = np.logical_or.reduceat(_covers_whole(polys[si], hexes[hi]), starts)
    out[first[whole]] = shapely.area(hexes[first[whole]])
    # the others: the sectors of the cells not covered whole, less those nested in another
    # (a sector covering a cell is nested in none that does not: the same cells are whole)
    part = ~np.repeat(whole, np.diff(np.r_[starts, len(hi)]))
    hi, si = hi[part], si[part]
    if not len(hi):
        return out
    used = np.unique(si)
    outer = np.zeros(len(polys), dtype=bool)
    outer[used] = _outermost(polys[used])
    hi, si = hi[outer[si]], si[outer[si]]
    cuts = np.flatnonzero(np.diff(hi)) + 1
    rest = hi[np.r_[0, cuts]]
    out[rest] = clipped_union_areas(polys, hexes[rest], np.split(si, cuts))
    return out
