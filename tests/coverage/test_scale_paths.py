"""The paths that make coverage fast at a million cameras give the answers of the plain ones:
the raster point-in-polygon lookup against an STRtree query, the one-pass exact areas of every
class against one union per class."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sharpeyes.coverage.area import covered_area_exact
from sharpeyes.coverage.fov import sector_polygons
from sharpeyes.coverage.locate import first_containing


def _strtree_first(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """The plain answer: first polygon (STRtree order) intersecting each point, -1 for none."""
    out = np.full(len(x), -1)
    ok = np.isfinite(x) & np.isfinite(y)
    pi, ui = shapely.STRtree(polygons).query(shapely.points(x[ok], y[ok]), predicate="intersects")
    order = np.argsort(pi, kind="stable")
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


def test_exact_areas_of_every_class_in_one_pass_equal_a_union_per_class() -> None:
    rng = np.random.default_rng(11)
    n, side = 3_000, 3_000.0
    x, y = rng.uniform(0, side, n), rng.uniform(0, side, n)
    fov = np.where(rng.random(n) < 0.4, 360.0, rng.uniform(20, 250, n))
    sectors = sector_polygons(x, y, rng.uniform(0, 360, n), fov, rng.uniform(20, 120, n))
    sectors[::97] = None  # cameras without position
    groups = rng.integers(0, 4, n)
    t = side / 3
    leaves = np.array(
        [shapely.box(i * t, j * t, (i + 1) * t, (j + 1) * t) for i in range(3) for j in range(3)]
    )
    together = covered_area_exact(sectors, leaves, groups=groups)
    assert together.shape == (5, len(leaves))
    expected = [shapely.area(shapely.intersection(shapely.union_all(sectors), leaves))]
    for g in range(4):
        union = shapely.union_all(sectors[groups == g])
        expected.append(shapely.area(shapely.intersection(union, leaves)))
    assert together == pytest.approx(np.array(expected), rel=1e-9, abs=1e-3)
    assert covered_area_exact(sectors, leaves) == pytest.approx(expected[0], rel=1e-9, abs=1e-3)
    # each class covers less than all cameras, and together more than any one class
    assert (together[1:] <= together[0] + 1e-6).all()
    assert together[0].sum() < side * side
