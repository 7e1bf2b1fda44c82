"""The exact area's unions with Clipper2 (:mod:`sharpeyes.coverage.unions`) against GEOS: the same
areas on random sectors, leaves with holes and sectors across leaf edges, polygons of either
orientation, overlaps three deep (where an even-odd fill would be wrong) and self-touching rings."""

from __future__ import annotations

import clipper2
import numpy as np
import pytest
import shapely

from sharpeyes.coverage.area import covered_area_exact, covered_area_exact_subsets
from sharpeyes.coverage.fov import sector_polygons
from sharpeyes.coverage.unions import ClipperPaths, ring_polygons, union_area_m2, union_paths


def _clustered_sectors(n: int, seed: int, *, origin: float = 0.0) -> np.ndarray:
    """Sectors in a few dense clusters (so that groups of dozens to hundreds overlap), with
    a UTM-like offset when ``origin`` is given."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(300, 2700, size=(8, 2))
    which = rng.integers(0, len(centres), n)
    x = centres[which, 0] + rng.normal(0, 150, n) + origin
    y = centres[which, 1] + rng.normal(0, 150, n) + 10 * origin
    heading = rng.uniform(0, 360, n)
    fov = np.where(rng.random(n) < 0.3, 360.0, rng.uniform(20, 250, n))
    return sector_polygons(x, y, heading, fov, rng.uniform(20, 120, n))


def _leaves(origin: float = 0.0) -> np.ndarray:
    """Four 1.5 km tiles, the last with a hole holding a fifth leaf (a village cut out of a
    township's remainder), offset like the sectors."""
    t = 1500.0
    boxes = [
        shapely.box(i * t, j * t, (i + 1) * t, (j + 1) * t) for i in range(2) for j in range(2)
    ]
    inner = shapely.box(1900, 1900, 2600, 2600)
    boxes[3] = shapely.difference(boxes[3], inner)
    leaves = np.array([*boxes, inner], dtype=object)
    return shapely.transform(leaves, lambda c: c + np.array([origin, 10 * origin]))


def _geos_reference(sectors: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    union = shapely.union_all(sectors)
    return np.asarray(shapely.area(shapely.intersection(union, leaves)))


@pytest.mark.parametrize(("seed", "origin"), [(1, 0.0), (2, 500_000.0)])
def test_exact_area_equals_the_geos_union_on_random_sectors(seed: int, origin: float) -> None:
    sectors = _clustered_sectors(1500, seed, origin=origin)
    leaves = _leaves(origin)
    exact = covered_area_exact(sectors, leaves)
    reference = _geos_reference(sectors, leaves)
    assert (reference > 1e4).all()  # every leaf well covered, the hole's edges crossed
    assert exact == pytest.approx(reference, rel=1e-9)


def test_each_subset_equals_its_own_geos_union() -> None:
    sectors = _clustered_sectors(1200, 7)
    leaves = _leaves()
    rng = np.random.default_rng(7)
    cls = rng.integers(0, 4, len(sectors))
    masks = [np.ones(len(sectors), bool), cls == 1, cls == 2, cls == 3]
    found = covered_area_exact_subsets(sectors, leaves, masks)
    for mask, got in zip(masks, found, strict=True):
        assert got == pytest.approx(_geos_reference(sectors[mask], leaves), rel=1e-9)


def test_union_fills_overlaps_of_any_depth_and_either_orientation() -> None:
    """Three discs over one point and a square: with clockwise and counter-clockwise rings mixed,
    the union is the GEOS union; an even-odd fill drops the places covered twice."""
    discs = [shapely.Point(x, 0.0).buffer(10.0) for x in (0.0, 6.0, 12.0)]
    square = shapely.box(-5, -5, 5, 30)
    polys = np.array([*discs, shapely.reverse(square)], dtype=object)  # square clockwise
    polys[1] = shapely.reverse(polys[1])
    paths = ClipperPaths(polys)
    ((union, _),) = union_paths(paths, [np.arange(len(polys))])
    geos = shapely.area(shapely.union_all(polys))
    assert union_area_m2(union) == pytest.approx(geos, rel=1e-12)
    rings, _ = paths.rings_of(np.arange(len(polys)))
    even_odd = clipper2.union(rings, clipper2.FillRule.EVEN_ODD)
    assert abs(union_area_m2(even_odd) - geos) > 0.1 * geos  # the rule matters here


def test_union_of_polygons_with_holes_and_multipolygons() -> None:
    frame = shapely.difference(shapely.box(0, 0, 100, 100), shapely.box(20, 20, 80, 80))
    pair = shapely.MultiPolygon([shapely.box(30, 30, 40, 40), shapely.box(60, 60, 70, 90)])
    strip = shapely.box(-10, 45, 50, 55)
    polys = np.array([frame, pair, strip], dtype=object)
    paths = ClipperPaths(polys)
    ((union, _),) = union_paths(paths, [np.arange(3)])
    assert union_area_m2(union) == pytest.approx(shapely.area(shapely.union_all(polys)), rel=1e-12)


def test_rings_of_a_union_credit_any_region_exactly() -> None:
    """Two squares meeting at a corner and a frame around a hole that touches it at a vertex: the
    rings (signed, made valid) give the union's area inside a region crossing all of them."""
    polys = np.array(
        [
            shapely.box(0, 0, 10, 10),
            shapely.box(10, 10, 20, 20),
            shapely.Polygon([(30, 0), (50, 0), (50, 20), (30, 20), (30, 0), (40, 10), (30, 0)]),
        ],
        dtype=object,
    )
    polys[2] = shapely.make_valid(polys[2])
    paths = ClipperPaths(polys)
    unions = union_paths(paths, [np.arange(3)])
    rings, signs, owner = ring_polygons(unions)
    assert shapely.is_valid(rings).all()
    assert set(owner.tolist()) == {0}
    region = shapely.box(5, 5, 45, 15)
    got = float((signs * shapely.area(shapely.intersection(rings, region))).sum())
    want = shapely.area(shapely.intersection(shapely.union_all(polys), region))
    assert got == pytest.approx(want, rel=1e-12)
