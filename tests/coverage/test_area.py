"""Area coverage: the exact path against a plain union, and the fast raster path's error against
the exact one (the figure docs/coverage.md states)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sharpeyes.coverage.area import covered_area_exact, covered_area_raster
from sharpeyes.coverage.fov import sector_polygons


def _random_cameras(n: int, side: float, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, side, n)
    y = rng.uniform(0, side, n)
    heading = rng.uniform(0, 360, n)
    fov = np.where(rng.random(n) < 0.4, 360.0, rng.uniform(20, 250, n))
    rng_m = rng.uniform(20, 100, n)
    return x, y, heading, fov, rng_m


def _tiles(side: float, k: int) -> np.ndarray:
    t = side / k
    return np.array(
        [shapely.box(i * t, j * t, (i + 1) * t, (j + 1) * t) for i in range(k) for j in range(k)]
    )


def test_exact_equals_naive_union_and_overlay() -> None:
    x, y, h, f, r = _random_cameras(600, 2000.0, seed=3)
    sectors = sector_polygons(x, y, h, f, r)
    leaves = _tiles(2000.0, 3)
    exact = covered_area_exact(sectors, leaves)
    union = shapely.union_all(sectors)
    naive = shapely.area(shapely.intersection(union, leaves))
    assert exact == pytest.approx(naive, rel=1e-9, abs=1e-3)
    assert 0 < exact.sum() < 2000.0**2


def test_exact_handles_no_sectors_and_missing() -> None:
    leaves = _tiles(100.0, 2)
    assert covered_area_exact(np.array([None, None], dtype=object), leaves).tolist() == [0.0] * 4
    one = sector_polygons(
        np.array([25.0]), np.array([25.0]), np.array([0.0]), np.array([360.0]), np.array([10.0])
    )
    out = covered_area_exact(one, leaves)
    assert out[0] == pytest.approx(np.pi * 100, rel=1e-9)
    assert out[1:].sum() == 0


def test_raster_of_one_sector_is_close_to_its_area() -> None:
    leaves = _tiles(400.0, 1)
    for heading, fov in ((0.0, 60.0), (135.0, 90.0), (300.0, 200.0), (0.0, 360.0)):
        args = [np.array([v]) for v in (200.0, 200.0, heading, fov, 150.0)]
        est = covered_area_raster(*args, leaves, cell_m=2.0)
        true = np.pi * 150.0**2 * fov / 360.0
        assert est[0] == pytest.approx(true, rel=0.02), (heading, fov)


@pytest.mark.parametrize("cell_m, bound_pp", [(10.0, 0.5), (20.0, 1.0)])
def test_fast_path_error_against_exact(cell_m: float, bound_pp: float) -> None:
    """Measured: on 36 villages of 1.4 km × 1.4 km (2 km²) with 6,000 cameras (48 % of the area
    covered), the largest difference per village is 0.18 pp at 10 m cells (mean 0.06 pp) and
    0.58 pp at 20 m (mean 0.16 pp); 0.07 pp at 5 m."""
    side = 8500.0
    x, y, h, f, r = _random_cameras(6000, side, seed=11)
    leaves = _tiles(side, 6)
    exact = covered_area_exact(sector_polygons(x, y, h, f, r), leaves)
    fast = covered_area_raster(x, y, h, f, r, leaves, cell_m=cell_m)
    area = shapely.area(leaves)
    err_pp = np.abs(fast - exact) / area * 100
    assert 0.1 < (exact / area).mean() < 0.9
    assert err_pp.max() < bound_pp


def test_raster_groups_match_separate_runs() -> None:
    x, y, h, f, r = _random_cameras(500, 1500.0, seed=5)
    groups = np.arange(500) % 3
    leaves = _tiles(1500.0, 2)
    together = covered_area_raster(x, y, h, f, r, leaves, cell_m=10.0, groups=groups)
    for g in range(3):
        sel = groups == g
        alone = covered_area_raster(x[sel], y[sel], h[sel], f[sel], r[sel], leaves, cell_m=10.0)
        assert together[1 + g] == pytest.approx(alone)
    assert together[0] == pytest.approx(covered_area_raster(x, y, h, f, r, leaves, cell_m=10.0))
