"""The raster point-in-polygon lookup that assigns a million cameras quickly gives the answers of
a plain STRtree query, borders, holes and overlaps included."""

from __future__ import annotations

import numpy as np
import shapely

from sharpeyes.coverage.locate import first_containing


def _strtree_first(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """The plain answer: first polygon (lowest index) intersecting each point, -1 for none."""
    out = np.full(len(x), -1)
    ok = np.isfinite(x) & np.isfinite(y)
    pi, ui = shapely.STRtree(polygons).query(shapely.points(x[ok], y[ok]), predicate="intersects")
    order = np.lexsort((ui, pi))
    pi, ui = pi[order], ui[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    out[np.flatnonzero(ok)[pi[first]]] = ui[first]
    return out


def test_first_containing_equals_the_strtree_query() -> None:
    rng = np.random.default_rng(7)
    # a 6 × 6 tiling of wobbly cells, one cell with a hole, two overlapping extra polygons and
    # one polygon far away; points inside, outside, on shared borders and on vertices
    cells = []
    for i in range(6):
        for j in range(6):
            box = shapely.box(i * 100.0, j * 100.0, (i + 1) * 100.0, (j + 1) * 100.0)
            cells.append(shapely.segmentize(box, 10.0))
    cells[14] = shapely.difference(cells[14], shapely.Point(250.0, 250.0).buffer(20.0))
    polygons = np.array(
        [
            *cells,
            shapely.Point(300.0, 300.0).buffer(70.0),
            shapely.box(120.0, 420.0, 330.0, 480.0),
            shapely.box(2000.0, 2000.0, 2050.0, 2100.0),
        ],
        dtype=object,
    )
    border = shapely.get_coordinates(shapely.boundary(polygons))
    x = np.r_[rng.uniform(-50, 700, 40_000), border[:, 0], np.nan, 2025.0]
    y = np.r_[rng.uniform(-50, 700, 40_000), border[:, 1], 10.0, 2050.0]
    found = first_containing(x, y, polygons)
    assert (found == _strtree_first(x, y, polygons)).all()
    assert (found == -1).sum() > 0 and found[-1] == len(polygons) - 1 and found[-2] == -1
