"""The fast path's row-run marking equals the plain per-cell test of a cell centre in a sector."""

from __future__ import annotations

import numpy as np
import pytest

from sharpeyes.coverage.sector_rows import mark_sectors

CELL_M = 10.0
ROWS, COLS = 60, 80
ORIGIN_X, ORIGIN_Y = 1000.0, 5000.0  # top-left corner, metres (a metric CRS)


def _plain(x: float, y: float, heading: float, fov: float, rng: float) -> np.ndarray:
    """Cells whose centre is within ``rng`` and, for a sector, within ±fov/2 of the heading."""
    cx = ORIGIN_X + (np.arange(COLS) + 0.5) * CELL_M
    cy = ORIGIN_Y - (np.arange(ROWS) + 0.5) * CELL_M
    vx, vy = np.meshgrid(cx - x, cy - y)
    inside = np.hypot(vx, vy) <= rng
    if fov < 360.0:
        bearing = np.degrees(np.arctan2(vx, vy))  # from north, clockwise
        off = (bearing - heading + 180.0) % 360.0 - 180.0
        inside &= np.abs(off) <= fov / 2.0
    return np.asarray(inside, dtype=bool)


def _near_an_edge(x: float, y: float, heading: float, fov: float, rng: float) -> np.ndarray:
    """Cells whose centre lies within a hair of the range circle or an edge (rounding may go
    either way there)."""
    cx = ORIGIN_X + (np.arange(COLS) + 0.5) * CELL_M
    cy = ORIGIN_Y - (np.arange(ROWS) + 0.5) * CELL_M
    vx, vy = np.meshgrid(cx - x, cy - y)
    near = np.abs(np.hypot(vx, vy) - rng) < 1e-6
    if fov < 360.0:
        bearing = np.degrees(np.arctan2(vx, vy))
        off = (bearing - heading + 180.0) % 360.0 - 180.0
        near |= np.abs(np.abs(off) - fov / 2.0) < 1e-6
        near |= np.hypot(vx, vy) < 1e-6
    return np.asarray(near, dtype=bool)


@pytest.mark.parametrize("seed", range(4))
def test_marked_cells_equal_the_plain_test(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    # cameras inside and around the grid (some windows cut by its edges), every kind of view
    x = rng.uniform(ORIGIN_X - 100, ORIGIN_X + COLS * CELL_M + 100, n)
    y = rng.uniform(ORIGIN_Y - ROWS * CELL_M - 100, ORIGIN_Y + 100, n)
    heading = rng.choice([0.0, 90.0, 180.0, 270.0, *rng.uniform(0, 360, 20)], n)
    fov = rng.choice([30.0, 90.0, 179.9, 180.0, 181.0, 270.0, 359.0, 360.0], n)
    range_m = rng.choice([0.0, 5.0, 35.0, 120.0, 400.0], n)
    for i in range(n):
        grid = np.zeros((ROWS, COLS), dtype=np.uint8)
        mark_sectors(
            grid, 4, ORIGIN_X, ORIGIN_Y, CELL_M,
            x[i : i + 1], y[i : i + 1], heading[i : i + 1], fov[i : i + 1], range_m[i : i + 1],
        )  # fmt: skip
        assert set(np.unique(grid)) <= {0, 4}
        want = _plain(x[i], y[i], heading[i], fov[i], range_m[i]) & (range_m[i] > 0)
        differ = (grid == 4) != want
        differ &= ~_near_an_edge(x[i], y[i], heading[i], fov[i], range_m[i])
        assert not differ.any(), (x[i], y[i], heading[i], fov[i], range_m[i], int(differ.sum()))


def test_bits_of_several_groups_add_up_and_missing_positions_mark_nothing() -> None:
    grid = np.zeros((ROWS, COLS), dtype=np.uint8)
    one = np.array
    cx, cy = ORIGIN_X + 400.0, ORIGIN_Y - 300.0
    mark_sectors(grid, 1, ORIGIN_X, ORIGIN_Y, CELL_M, one([cx]), one([cy]), one([0.0]),
                 one([360.0]), one([50.0]))  # fmt: skip
    mark_sectors(grid, 2, ORIGIN_X, ORIGIN_Y, CELL_M, one([cx, np.nan]), one([cy, cy]),
                 one([90.0, 0.0]), one([90.0, 360.0]), one([50.0, 50.0]))  # fmt: skip
    assert np.count_nonzero(grid & 1) == np.count_nonzero(_plain(cx, cy, 0.0, 360.0, 50.0))
    assert np.count_nonzero(grid & 2) == np.count_nonzero(_plain(cx, cy, 90.0, 90.0, 50.0))
    assert not ((grid & 2) & ~(grid & 1) * 2).any()  # the east quarter lies inside the disc
