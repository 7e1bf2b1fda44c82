"""Area covered by fields of view, per administrative unit: exactly (vector) and fast (raster).

Both work on *leaves*: the finest polygons that tile the units, built by :func:`leaf_partition`
(every village; for a township its part outside all its villages; for a county its part outside all
its townships). A unit's covered area is the sum of its leaves' covered areas, so a county's figure
is always the sum of its townships' (plus the county's own remainder when townships do not tile it).

**Exact** (:func:`covered_area_exact`): the sectors are split into connected groups (bounding
boxes that touch, found with one STRtree query and ``scipy.sparse.csgraph.connected_components``);
each group is unioned once (Clipper2, :mod:`sharpeyes.coverage.unions`, on integer coordinates
of 0.23 nm; a lone sector needs no union), and each group union is credited to the leaves it
touches — whole when a leaf covers all its sectors, else ring by ring by intersection.
Compared with a union per village this never unions a sector twice and never unions sectors that
cannot overlap. The result is exact for the sector polygons to about 1e-13 relative (the integer
grid; see :mod:`sharpeyes.coverage.fov` for their vertex spacing).

**Fast** (:func:`covered_area_raster`): a grid of ``cell_m`` metres over the leaves; each leaf's
cells are labelled once (``rasterio.features.rasterize``) and each camera marks the cells whose
centres lie in its sector (distance ≤ range and bearing within the horizontal angle), as runs of
cells per raster row computed from the sector's geometry (:mod:`sharpeyes.coverage.sector_rows`),
without building polygons. Covered area
of a leaf = (covered cells / cells of the leaf) × the leaf's vector area. Its error against the exact
figure is measured by ``tests/coverage/test_area.py`` and stated in ``docs/coverage.md``.

All lengths in metres, areas in m², in the metric CRS of the frames passed in.
"""

from __future__ import annotations

import warnings
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from sharpeyes.coverage.sector_rows import mark_sectors
from sharpeyes.coverage.unions import (
    ClipperPaths,
    Union,
    ring_polygons,
    union_area_m2,
    union_paths,
)
from sharpeyes.model.frames import obj_array

__all__ = [
    "LEAF_COLUMNS",
    "covered_area_exact",
    "covered_area_exact_subsets",
    "covered_area_raster",
    "leaf_partition",
    "nested_pairs",
]

#: Columns of the leaf frame: its codes at each level (``<NA>`` below the leaf's own level).
LEAF_COLUMNS: Final = ("leaf_id", "city", "county", "township", "village", "area_m2", "geometry")

FloatArray = NDArray[np.float64]
#: Leaf numbers of raster cells (``uint16`` when every leaf number fits, else ``int32``).
LabelArray = NDArray[np.unsignedinteger[Any] | np.signedinteger[Any]]

#: Cells tallied per chunk by :func:`_covered_cells`.
_TALLY_CELLS: Final = 1 << 18


def leaf_partition(units_metric: gpd.GeoDataFrame, ancestors: pd.DataFrame) -> gpd.GeoDataFrame:
    """The finest polygons that tile the units (see module docstring).

    Parameters
    ----------
    units_metric
        Units (``code, level, geometry``) in a metric CRS; units without geometry are ignored.
    ancestors
        :func:`sharpeyes.coverage.units.unit_ancestors` of the units.

    Returns
    -------
    GeoDataFrame
        :data:`LEAF_COLUMNS`, in the units' CRS; ``area_m2`` the leaf's area in m².
    """
    anc = {
        row[0]: row[1:]
        for row in ancestors[["code", "city", "county", "township", "village"]].itertuples(
            index=False, name=None
        )
    }
    geo = units_metric.geometry.to_numpy()
    has = ~(shapely.is_missing(geo) | shapely.is_empty(geo))
    codes = obj_array(units_metric["code"])
    levels = obj_array(units_metric["level"])
    rows: list[tuple[str | None, str | None, str | None, str | None, object]] = []
    slot = {"city": 0, "county": 1, "township": 2, "village": 3}
    # a polygon is cut out of its nearest ancestor *with* a polygon: with no township polygons
    # (or no townships at all) the villages are cut out of the county, never counted twice
    drawn = {str(c) for c in codes[has]}
    children: dict[str, list[int]] = {}
    for i in np.flatnonzero(has):
        above = {"village": ("township", "county"), "township": ("county",)}.get(levels[i], ())
        a = anc.get(codes[i])
        owner = next((a[slot[p]] for p in above if a is not None and a[slot[p]] in drawn), None)
        if owner:
            children.setdefault(owner, []).append(int(i))
    for lvl in ("village", "township", "county"):
        for i in np.flatnonzero(has & (levels == lvl)):
            a = anc.get(codes[i]) or (None, None, None, None)
            piece = geo[i]
            kids = children.get(codes[i], []) if lvl != "village" else []
            if kids:
                piece = shapely.difference(piece, shapely.union_all(geo[kids]))
                if shapely.is_empty(piece) or shapely.area(piece) < 1.0:
                    continue
            rows.append((a[0], a[1], a[2], a[3], piece))
    frame = gpd.GeoDataFrame(
        {
            "leaf_id": np.arange(len(rows)),
            "city": pd.array([r[0] for r in rows], dtype="string"),
            "county": pd.array([r[1] for r in rows], dtype="string"),
            "township": pd.array([r[2] for r in rows], dtype="string"),
            "village": pd.array([r[3] for r in rows], dtype="string"),
        },
        geometry=gpd.GeoSeries([r[4] for r in rows], crs=units_metric.crs),
        crs=units_metric.crs,
    )
    frame["area_m2"] = frame.geometry.area.to_numpy()
    return frame[list(LEAF_COLUMNS)]


def _components(
    n: int, a: NDArray[np.int64], b: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Component label per node of the graph with edges ``a–b`` (labels in order of each
    component's first node), and component sizes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64), np.bincount(labels).astype(np.int64)


def covered_area_exact(sectors: NDArray[np.object_], leaves: NDArray[np.object_]) -> FloatArray:
    """Area (m²) of each leaf inside the union of ``sectors`` (metric CRS), exact for the polygons.

    Parameters
    ----------
    sectors
        Field-of-view polygons (``None`` entries are ignored).
    leaves
        Leaf polygons (non-overlapping), same CRS.

    Returns
    -------
    ndarray
        Covered area per leaf, m².
    """
    return covered_area_exact_subsets(sectors, leaves, [np.ones(len(sectors), dtype=bool)])[0]


def covered_area_exact_subsets(
    sectors: NDArray[np.object_], leaves: NDArray[np.object_], subsets: list[NDArray[np.bool_]]
) -> list[FloatArray]:
    """:func:`covered_area_exact` of ``sectors[mask]`` for each mask of ``subsets`` (for instance
    all cameras, then each point class), sharing the spatial queries: the sectors that meet a
    leaf and the pairs of sectors whose bounding boxes touch are found once, and each subset's
    connected groups are those of its part of that graph. A sector in the interior of another
    sector of the same subset is left out of the union (the union is the same point set; its
    area agrees to about 1e-14 relative with the union that includes it, measured at 1M
    cameras — a fifth less union work on the benchmark city)."""
    outs = [np.zeros(len(leaves), dtype=float) for _ in subsets]
    polys = np.asarray(sectors, dtype=object)
    idx = np.flatnonzero(~(shapely.is_missing(polys) | shapely.is_empty(polys)))
    if len(idx) == 0 or len(leaves) == 0:
        return outs
    leaf_arr = np.asarray(leaves, dtype=object)
    leaf_tree = shapely.STRtree(leaf_arr)
    # only sectors that can touch a leaf take part; their pairs of touching boxes kept
    si, li = leaf_tree.query(polys[idx])
    take, si = np.unique(si, return_inverse=True)
    idx = idx[take]
    if len(idx) == 0:
        return outs
    a, b = shapely.STRtree(polys[idx]).query(polys[idx])
    keep = a < b
    a, b = a[keep], b[keep]
    outer, inner = nested_pairs(polys[idx], a, b)
    shapely.prepare(leaf_arr)
    found = []
    for mask in subsets:
        inside = np.asarray(mask, dtype=bool)[idx]
        # a sector wholly inside another of the subset adds nothing to its union: left out
        inside[inner[inside[outer] & inside[inner]]] = False
        pos = np.cumsum(inside) - 1  # position of each sector within the subset
        edge = inside[a] & inside[b]
        labels, sizes = _components(int(inside.sum()), pos[a[edge]], pos[b[edge]])
        found.append((np.flatnonzero(inside), labels, sizes))
    # what every subset needs of each sector, once: Clipper paths of the sectors in some union,
    # the leaf pieces of the sectors lone in some subset
    in_union = np.unique(np.concatenate([m[s[lab] > 1] for m, lab, s in found]))
    lone = np.unique(np.concatenate([m[s[lab] == 1] for m, lab, s in found]))
    sl = _SectorLeaves(polys[idx], (leaf_arr, leaf_tree), (si, li), (in_union, lone))
    for k, (members, labels, sizes) in enumerate(found):
        if len(members):
            outs[k] = _credit_groups(sl, members, labels, sizes)
    return outs


def nested_pairs(
    polys: NDArray[np.object_], a: NDArray[np.int64], b: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Of the pairs ``a–b`` (touching bounding boxes), those where one polygon lies in the other's
    interior (``contains_properly``), as (outer, inner); bounding boxes are tested first."""
    bd = shapely.bounds(polys)
    a_holds = (bd[a, :2] <= bd[b, :2]).all(axis=1) & (bd[a, 2:] >= bd[b, 2:]).all(axis=1)
    b_holds = (bd[b, :2] <= bd[a, :2]).all(axis=1) & (bd[b, 2:] >= bd[a, 2:]).all(axis=1)
    outer = np.concatenate([a[a_holds], b[b_holds]])
    inner = np.concatenate([b[a_holds], a[b_holds]])
    nested = shapely.contains_properly(polys[outer], polys[inner])
    return outer[nested], inner[nested]


class _SectorLeaves:
    """Each sector's relation to the (prepared) leaves, shared by the subsets of one call: the
    leaf that covers it (``home``, -1 when none does), its area, and for the others the area of
    each of its intersections with a leaf (``cross_sector``, ``cross_leaf``, ``cross_m2``; only
    of the sectors that are lone in some subset: a group's union is intersected instead); and
    the sectors as Clipper paths for the unions."""

    def __init__(
        self,
        polys: NDArray[np.object_],
        leaves: tuple[NDArray[np.object_], shapely.STRtree],
        pairs: tuple[NDArray[np.int64], NDArray[np.int64]],
        used: tuple[NDArray[np.int64], NDArray[np.int64]],
    ) -> None:
        """``pairs``: (sector, leaf) of every pair of touching bounding boxes; ``used``: the
        sectors that some union takes, and those lone (in no union) in some subset."""
        in_union, lone = used
        leaf_arr, self.leaf_tree = leaves
        self.leaf_arr = leaf_arr
        # one offset for the call: its groups are fixed by its sectors (a county partition)
        self.paths = ClipperPaths(polys, in_union, per_group=False)
        self.area_m2 = shapely.area(polys)
        si, li = pairs
        whole = shapely.covers(leaf_arr[li], polys[si])
        self.home = np.full(len(polys), -1, dtype=np.int64)
        self.home[si[whole]] = li[whole]
        is_lone = np.zeros(len(polys), dtype=bool)
        is_lone[lone] = True
        cross = (self.home[si] < 0) & is_lone[si]
        cross[cross] = shapely.intersects(leaf_arr[li[cross]], polys[si[cross]])
        self.cross_sector, self.cross_leaf = si[cross], li[cross]
        self.cross_m2 = shapely.area(
            shapely.intersection(polys[self.cross_sector], leaf_arr[self.cross_leaf])
        )


def _credit_groups(
    sl: _SectorLeaves,
    members: NDArray[np.int64],
    labels: NDArray[np.int64],
    sizes: NDArray[np.int64],
) -> FloatArray:
    """Covered m² per leaf of the sectors ``members`` (``labels``: their connected group): a lone
    sector by its own area (or its intersections), each other group unioned once — with Clipper
    (:mod:`.unions`) — and credited whole to the leaf that covers all its sectors, else ring by
    ring (signed) by intersection with the leaves it meets."""
    out = np.zeros(len(sl.leaf_arr), dtype=float)
    lone = members[sizes[labels] == 1]
    at_home = lone[sl.home[lone] >= 0]
    np.add.at(out, sl.home[at_home], sl.area_m2[at_home])
    is_lone = np.zeros(len(sl.home), dtype=bool)
    is_lone[lone] = True
    crossing = is_lone[sl.cross_sector]
    np.add.at(out, sl.cross_leaf[crossing], sl.cross_m2[crossing])
    multi = np.flatnonzero(sizes[labels] > 1)
    if len(multi) == 0:
        return out
    order = multi[np.argsort(labels[multi], kind="stable")]
    groups = np.split(members[order], np.flatnonzero(np.diff(labels[order])) + 1)
    unions = union_paths(sl.paths, groups)
    # a group whose sectors one leaf covers lies in that leaf: its union's area is all there
    homes = [sl.home[g[0]] if (sl.home[g] == sl.home[g[0]]).all() else -1 for g in groups]
    away: list[int] = []
    for k, home in enumerate(homes):
        if home >= 0:
            out[home] += union_area_m2(unions[k][0])
        else:
            away.append(k)
    if away:
        out += _credit_rings(sl, [unions[k] for k in away])
    return out


def _credit_rings(sl: _SectorLeaves, unions: list[Union]) -> FloatArray:
    """Covered m² per leaf of unions that no one leaf covers, ring by ring (signed)."""
    out = np.zeros(len(sl.leaf_arr), dtype=float)
    rings, sign, _ = ring_polygons(unions)
    pi, li = sl.leaf_tree.query(rings, predicate="intersects")
    if len(pi) == 0:
        return out
    whole = shapely.covers(sl.leaf_arr[li], rings[pi])
    area = np.empty(len(pi), dtype=float)
    area[whole] = shapely.area(rings[pi[whole]])
    part = ~whole
    if part.any():
        area[part] = shapely.area(shapely.intersection(rings[pi[part]], sl.leaf_arr[li[part]]))
    np.add.at(out, li, area * sign[pi])
    return out


def _rasterize_labels(
    rasterize: Any,
    leaves: NDArray[np.object_],
    has: NDArray[np.bool_],
    nrows: int,
    ncols: int,
    transform: Any,
) -> LabelArray:
    """Leaf number (1-based, 0 outside) of each cell whose centre lies in a leaf."""
    # the smallest type that holds every leaf number: fewer bytes to write and read
    dtype = np.uint16 if len(leaves) < 65_535 else np.int32
    labels: LabelArray = rasterize(
        ((g, i + 1) for i, g in enumerate(leaves) if has[i]),
        out_shape=(nrows, ncols),
        transform=transform,
        fill=0,
        dtype=dtype,
        all_touched=False,
    )
    return labels


def _leaf_labels(
    leaves: NDArray[np.object_],
    has: NDArray[np.bool_],
    *,
    minx: float,
    maxy: float,
    shape: tuple[int, int],
    cell_m: float,
) -> LabelArray:
    """Leaf number + 1 of every cell (0 outside), flattened; the grid's top-left is (minx, maxy)."""
    from affine import Affine
    from rasterio.features import rasterize

    nrows, ncols = shape
    transform = Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy)  # top-left origin, rows go south
    with warnings.catch_warnings():
        # affine 3 warns about rasterio's internal use of ``*`` for matrix products
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        labels = _rasterize_labels(rasterize, leaves, has, nrows, ncols, transform)
    return labels.reshape(-1)


def _covered_cells(
    labels: LabelArray, grid: NDArray[np.uint8], *, n_leaves: int, n_groups: int
) -> tuple[NDArray[np.int64], list[NDArray[np.int64]]]:
    """Cells per leaf, and covered cells per leaf for all cameras and then for each group's bit.

    One pass over the grid: cells per (leaf, bit pattern); every figure is a sum of its columns.
    """
    n_patterns = 1 << max(n_groups, 1)
    size = (n_leaves + 1) * n_patterns
    flat = grid.reshape(-1)
    key_type = np.int32 if size < 2**31 else np.int64
    table = np.zeros(size, dtype=np.int64)
    # in chunks of cells, so that the keys stay in the processor's cache
    for start in range(0, len(labels), _TALLY_CELLS):
        key: NDArray[np.signedinteger[Any]] = labels[start : start + _TALLY_CELLS].astype(key_type)
        key *= n_patterns
        key += flat[start : start + _TALLY_CELLS]
        table += np.bincount(key, minlength=size)
    table = table.reshape(n_leaves + 1, n_patterns)[1:]
    total_cells = table.sum(axis=1)
    patterns = np.arange(n_patterns)
    rows_cells = [total_cells - table[:, 0]] + [
        table[:, (patterns & (1 << g)) != 0].sum(axis=1) for g in range(n_groups)
    ]
    return total_cells, rows_cells


def covered_area_raster(
    x: FloatArray,
    y: FloatArray,
    heading_deg: FloatArray,
    fov_deg: FloatArray,
    range_m: FloatArray,
    leaves: NDArray[np.object_],
    *,
    cell_m: float = 10.0,
    groups: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Covered area (m²) per leaf, estimated on a grid of ``cell_m`` metres (the fast path).

    Parameters
    ----------
    x, y
        Camera positions in the leaves' metric CRS (metres); NaN for cameras without position.
    heading_deg, fov_deg, range_m
        Field of view per camera (0° = grid north, clockwise; degrees; metres), defaults applied.
    leaves
        Leaf polygons (metric CRS).
    cell_m
        Cell size in metres.
    groups
        Optional group per camera, 0–6 (for instance the point class): the cells are then marked
        once with one bit per group and the result has a row for all cameras and one per group.

    Returns
    -------
    ndarray
        Covered area per leaf in m² (covered-cell share × the leaf's vector area); with
        ``groups`` an array of shape ``(1 + max group + 1, n_leaves)``: row 0 all cameras, row
        ``1 + g`` the cameras of group ``g``.
    """
    leaves = np.asarray(leaves, dtype=object)
    n_groups = 0 if groups is None else int(groups.max(initial=-1)) + 1
    if n_groups > 7:
        raise ValueError("at most 7 camera groups")
    out = np.zeros((1 + n_groups, len(leaves)), dtype=float)
    has = ~(shapely.is_missing(leaves) | shapely.is_empty(leaves))
    if not has.any():
        return out if groups is not None else out[0]
    minx, miny, maxx, maxy = shapely.total_bounds(leaves[has])
    ncols = int(np.ceil((maxx - minx) / cell_m)) + 1
    nrows = int(np.ceil((maxy - miny) / cell_m)) + 1
    labels = _leaf_labels(leaves, has, minx=minx, maxy=maxy, shape=(nrows, ncols), cell_m=cell_m)
    grid = np.zeros((nrows, ncols), dtype=np.uint8)
    group_of = np.zeros(len(x), dtype=np.int64) if groups is None else groups
    for g in np.unique(group_of):
        sel = group_of == g
        mark_sectors(
            grid,
            1 << int(g),
            minx,
            maxy,
            cell_m,
            x[sel],
            y[sel],
            heading_deg[sel],
            fov_deg[sel],
            range_m[sel],
        )
    leaf_area = np.zeros(len(leaves))
    leaf_area[has] = shapely.area(leaves[has])
    total_cells, rows_cells = _covered_cells(labels, grid, n_leaves=len(leaves), n_groups=n_groups)
    for row, cells in enumerate(rows_cells):
        share = np.divide(cells, total_cells, out=np.zeros(len(leaves)), where=total_cells > 0)
        out[row] = share * leaf_area
    return out if groups is not None else out[0]
