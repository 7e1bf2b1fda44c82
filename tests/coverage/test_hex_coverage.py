"""The H3 cells' covered area (``sharpeyes.coverage.gaps._hex_coverage``) against the plain
per-cell union of the clipped sectors: its shortcuts (nested sectors left out, sectors inside a
cell not clipped, a cell inside one sector covered whole) change the figures only by rounding."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sharpeyes.coverage.fov import sector_polygons
from sharpeyes.coverage.gaps import _hex_coverage

SIDE_M = 100.0  # hexagon side (metres, a metric CRS)


def _hexagons(cols: int, rows: int) -> np.ndarray:
    """A tiling of flat-topped hexagons of side :data:`SIDE_M`, from (0, 0)."""
    angles = np.radians(np.arange(0, 360, 60))
    out = []
    for i in range(cols):
        for j in range(rows):
            cx = 1.5 * SIDE_M * i
            cy = np.sqrt(3) * SIDE_M * (j + 0.5 * (i % 2))
            out.append(
                shapely.Polygon(np.c_[cx + SIDE_M * np.cos(angles), cy + SIDE_M * np.sin(angles)])
            )
    return np.array(out, dtype=object)


def _plain(sectors: np.ndarray, hexes: np.ndarray) -> np.ndarray:
    """The figure before the shortcuts: per cell, the union of every sector meeting it, clipped."""
    return np.array(
        [
            shapely.area(shapely.union_all(shapely.intersection(sectors, h)))
            if shapely.intersects(sectors, h).any()
            else 0.0
            for h in hexes
        ]
    )


def _random_sectors(n: int, seed: int, *, extent_m: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-50, extent_m, n)
    y = rng.uniform(-50, extent_m, n)
    # a few cameras at the same spot with a narrower, shorter view: sectors nested in others
    x[n // 2 : n // 2 + n // 10] = x[: n // 10]
    y[n // 2 : n // 2 + n // 10] = y[: n // 10]
    heading = rng.uniform(0, 360, n)
    fov = rng.choice([30.0, 60.0, 90.0, 360.0], n)
    range_m = rng.uniform(20, 150, n)
    heading[n // 2 : n // 2 + n // 10] = heading[: n // 10]
    fov[n // 2 : n // 2 + n // 10] = fov[: n // 10] / 2
    range_m[n // 2 : n // 2 + n // 10] = range_m[: n // 10] / 2
    return sector_polygons(x, y, heading, fov, range_m)


def test_equals_the_plain_union_per_cell_on_random_sectors() -> None:
    hexes = _hexagons(6, 5)
    sectors = _random_sectors(400, seed=3, extent_m=800.0)
    got = _hex_coverage(sectors, hexes)
    want = _plain(sectors, hexes)
    assert (want > 0).sum() > 20  # most cells see something, some partly
    assert (want < shapely.area(hexes) * 0.99).sum() > 5
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)


def test_a_cells_figure_depends_on_its_own_sectors_only() -> None:
    """A county task holds only the sectors near its cells: each cell reads the same to the last
    digit as with every sector of the province, whatever the order they come in."""
    hexes = _hexagons(6, 5)
    sectors = _random_sectors(400, seed=5, extent_m=800.0)
    whole = _hex_coverage(sectors, hexes)
    for k in (0, 7, 16):
        near = shapely.intersects(sectors, hexes[k])
        assert _hex_coverage(sectors[near], hexes[k : k + 1])[0] == whole[k]


def test_a_cell_inside_one_sector_is_fully_covered() -> None:
    hexes = _hexagons(2, 1)
    # a dome of 400 m round the first cell; a narrow sector inside the first cell as well
    dome = sector_polygons(*(np.array([v]) for v in (0.0, 0.0, 0.0, 360.0, 400.0)))
    small = sector_polygons(*(np.array([v]) for v in (10.0, 10.0, 45.0, 30.0, 50.0)))
    got = _hex_coverage(np.concatenate([small, dome]), hexes)
    assert got[0] == shapely.area(hexes[0])
    assert got[1] == shapely.area(hexes[1])  # the dome reaches 400 m: the second cell too


def test_nested_sectors_are_counted_once() -> None:
    hexes = _hexagons(1, 1)
    big = sector_polygons(*(np.array([v]) for v in (0.0, 0.0, 90.0, 90.0, 80.0)))
    inner = sector_polygons(*(np.array([v]) for v in (0.0, 0.0, 90.0, 30.0, 40.0)))
    twice = np.concatenate([big, inner, inner])
    got = _hex_coverage(twice, hexes)[0]
    assert got == pytest.approx(shapely.area(big[0]), rel=1e-12)
    assert got < shapely.area(big[0]) + shapely.area(inner[0]) * 0.5


def test_cells_no_sector_meets_are_uncovered() -> None:
    """A county task may hold cells far from every sector (a neighbour's cameras only)."""
    hexes = _hexagons(2, 2)
    far = sector_polygons(*(np.array([v]) for v in (5000.0, 5000.0, 0.0, 360.0, 50.0)))
    assert _hex_coverage(far, hexes).tolist() == [0.0] * 4
