"""MaximalCoverage built from a distance matrix, as spopt's MCLP.from_cost_matrix takes it."""

from __future__ import annotations

import numpy as np
import pytest

from sharpeyes._errors import InputError
from sharpeyes.planning.matrix import coverage_matrix_from_radius
from sharpeyes.planning.model import MaximalCoverage

# Demand d0 d1 d2 d3 (weights 5, 3, 4, 1) on a line at x = 0, 50, 400, 1000 m; candidates A (x = 20),
# B (x = 390), C (x = 1000). Radius 100 m: A sees d0 d1 (8), B sees d2 (4), C sees d3 (1).
DEMAND_X = np.array([0.0, 50.0, 400.0, 1000.0])
WEIGHTS = np.array([5.0, 3.0, 4.0, 1.0])
SITES_X = np.array([20.0, 390.0, 1000.0])


def _distances() -> np.ndarray:
    return np.abs(DEMAND_X[:, None] - SITES_X[None, :])  # demand × candidates, spopt's layout


def test_from_cost_matrix_hand_instance() -> None:
    model = MaximalCoverage.from_cost_matrix(
        _distances(), WEIGHTS, 100.0, budget=2, candidate_ids=["A", "B", "C"]
    ).solve("exact")
    assert model.summary()["selected"] == ["A", "B"]
    assert model.covered_weight == 12.0 and model.status == "optimal"
    assert model.curve == [0.0, 8.0, 12.0]


def test_from_cost_matrix_matches_the_radius_matrix() -> None:
    rng = np.random.default_rng(1)
    cand = rng.uniform(0, 1000, (25, 2))
    dem = rng.uniform(0, 1000, (300, 2))
    dist = np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(-1))
    by_cost = MaximalCoverage.from_cost_matrix(dist, np.ones(300), 150.0, budget=3)
    by_radius = coverage_matrix_from_radius(cand, dem, 150.0)
    assert (by_cost.coverage != by_radius).nnz == 0


def test_unreachable_distances_cover_nothing() -> None:
    dist = _distances()
    dist[:, 0] = np.nan  # A cannot reach anyone (no road to it)
    model = MaximalCoverage.from_cost_matrix(dist, WEIGHTS, 100.0, budget=1).solve("exact")
    assert model.selected == [1] and model.covered_weight == 4.0


@pytest.mark.parametrize(
    ("cost", "radius", "field"),
    [(np.ones(3), 100.0, "cost_matrix"), (np.ones((4, 3)), -1.0, "service_radius")],
)
def test_bad_cost_matrix_refused(cost: np.ndarray, radius: float, field: str) -> None:
    with pytest.raises(InputError) as err:
        MaximalCoverage.from_cost_matrix(cost, WEIGHTS, radius, budget=1)
    assert err.value.field == field
