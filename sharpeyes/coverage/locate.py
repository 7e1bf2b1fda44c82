"""Points in polygons at a million points: a raster lookup for the points far from every border,
an STRtree query for the others.

:func:`first_containing` answers, for each point, which polygon holds it — the one listed first
when several do (points on shared borders), exactly as a plain
``STRtree.query(points, predicate="intersects")`` keeping the lowest polygon index would. The polygons are burnt once into a grid
(``rasterio.features.rasterize``): a cell whose centre lies in exactly one polygon and that no
polygon boundary touches (nor a neighbouring cell's) lies wholly inside that polygon, so a point in
it is answered by the cell; a cell no polygon reaches and no boundary touches answers "none". Only
the points in the other cells — near a border, or where polygons overlap — go through the exact
query. Coordinates in any planar CRS (degrees are fine: the grid is only an index).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["first_containing"]

#: Below this many points the exact query alone is cheaper than building the grid.
_MIN_POINTS_FOR_GRID = 20_000
#: Cells of the lookup grid (4 M cells: about 30 MB while it is built, 16 MB kept).
_GRID_CELLS = 4_000_000


def _exact_first(
    x: NDArray[np.float64], y: NDArray[np.float64], polygons: NDArray[np.object_]
) -> NDArray[np.int64]:
    """First polygon (lowest index) intersecting each point; -1 for none."""
    out = np.full(len(x), -1, dtype=np.int64)
    if len(x) == 0 or len(polygons) == 0:
        return out
    pi, ui = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="intersects")
    order = np.lexsort((ui, pi))  # by point, then by polygon: the first listed wins
    pi, ui = pi[order], ui[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, bool)
    out[pi[first]] = ui[first]
    return out


def _burn(shapes: Any, shape: tuple[int, int], transform: Any, **kwargs: Any) -> NDArray[Any]:
    from rasterio.features import rasterize

    with warnings.catch_warnings():
        # affine 3 warns about rasterio's internal use of ``*`` for matrix products
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        out: NDArray[Any] = rasterize(shapes, out_shape=shape, transform=transform, **kwargs)
    return out


def _cell_answers(
    polygons: NDArray[np.object_], bounds: NDArray[np.float64], cell: float, shape: tuple[int, int]
) -> NDArray[np.int32]:
    """Per cell: the polygon that wholly holds it (≥ 0), -1 when no polygon reaches it, -2 when
    the cell cannot answer (a border near, or polygons overlapping)."""
    from affine import Affine
    from rasterio.enums import MergeAlg

    minx, _, _, maxy = bounds
    transform = Affine(cell, 0.0, minx, 0.0, -cell, maxy)
    count = _burn(
        ((g, 1) for g in polygons),
        shape,
        transform,
        fill=0,
        dtype=np.uint16,
        merge_alg=MergeAlg.add,
    )
    label = _burn(
        ((g, i) for i, g in enumerate(polygons)), shape, transform, fill=-1, dtype=np.int32
    )
    edges = _burn(
        ((b, 1) for b in shapely.boundary(polygons) if not shapely.is_empty(b)),
        shape,
        transform,
        fill=0,
        dtype=np.uint8,
        all_touched=True,
    ).view(bool)
    near = edges.copy()  # a border in the cell or in any of its 8 neighbours
    near[1:, :] |= edges[:-1, :]
    near[:-1, :] |= edges[1:, :]
    rows = near.copy()
    near[:, 1:] |= rows[:, :-1]
    near[:, :-1] |= rows[:, 1:]
    del edges, rows
    label[count > 1] = -2
    label[near] = -2
    return label


def first_containing(
    x: NDArray[np.float64], y: NDArray[np.float64], polygons: NDArray[np.object_]
) -> NDArray[np.int64]:
    """Index of the first polygon (lowest index) that holds each point ``(x, y)``; -1 for none
    (and for NaN coordinates). Same answer as an STRtree query with ``predicate="intersects"``.

    Parameters
    ----------
    x, y
        Point coordinates, in the polygons' CRS.
    polygons
        Polygons (no ``None`` or empty entries).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.full(len(x), -1, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    polygons = np.asarray(polygons, dtype=object)
    if len(ok) == 0 or len(polygons) == 0:
        return out
    if len(ok) < _MIN_POINTS_FOR_GRID:
        out[ok] = _exact_first(x[ok], y[ok], polygons)
        return out
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    span = max(maxx - minx, maxy - miny, 1e-9)
    cell = max(
        np.sqrt((maxx - minx + span * 1e-3) * (maxy - miny + span * 1e-3) / _GRID_CELLS),
        span / 8192,
    )
    # one cell of margin all round: a point on the outermost border falls in a cell the border
    # touches, never off the grid
    bounds = np.array([minx - cell, miny - cell, maxx + cell, maxy + cell])
    ncols = int(np.ceil((bounds[2] - bounds[0]) / cell)) + 1
    nrows = int(np.ceil((bounds[3] - bounds[1]) / cell)) + 1
    answer = _cell_answers(polygons, bounds, cell, (nrows, ncols))
    px, py = x[ok], y[ok]
    col = np.floor((px - bounds[0]) / cell).astype(np.int64)
    row = np.floor((bounds[3] - py) / cell).astype(np.int64)
    on_grid = (col >= 0) & (col < ncols) & (row >= 0) & (row < nrows)
    found = np.full(len(ok), -1, dtype=np.int64)
    found[on_grid] = answer[row[on_grid], col[on_grid]]
    todo = found == -2
    if todo.any():
        found[todo] = _exact_first(px[todo], py[todo], polygons)
    out[ok] = found
    return out
