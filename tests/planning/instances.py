"""Seeded planning instances shared by the solver tests: demand clustered round 8 settlements
(300 m spread) on 4 km × 4 km, integer weights 1–9, uniform candidate sites, radius 350 m."""

from __future__ import annotations

import numpy as np

from sharpeyes.planning.matrix import coverage_matrix_from_radius
from sharpeyes.planning.model import MaximalCoverage


def clustered_instance(
    seed: int, n_cand: int = 150, n_dem: int = 2000, p: int = 10
) -> MaximalCoverage:
    """A :class:`MaximalCoverage` of ``n_cand`` sites and ``n_dem`` demand points, budget ``p``."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 4000, (8, 2))
    dem = centres[rng.integers(0, 8, n_dem)] + rng.normal(0, 300, (n_dem, 2))
    cand = rng.uniform(0, 4000, (n_cand, 2))
    w = rng.integers(1, 10, n_dem).astype(float)
    return MaximalCoverage.from_coverage_matrix(
        coverage_matrix_from_radius(cand, dem, 350), w, budget=p
    )
