"""The 2 s solve's stages: incremental swap values, tabu search, and the smoothed Lagrangian dual."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import scipy.sparse as sp

from sharpeyes.planning.dual import smoothed_dual
from sharpeyes.planning.heuristics import SolveState, greedy
from sharpeyes.planning.model import MaximalCoverage
from sharpeyes.planning.tabu import SwapMoves, tabu_search
from tests.planning.instances import clustered_instance


@pytest.mark.parametrize("seed", [0, 1])
def test_every_swap_value_equals_the_recomputed_coverage(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_cand, n_dem, p = 12, 50, 4
    matrix = sp.csr_matrix(rng.random((n_cand, n_dem)) < 0.2)
    model = MaximalCoverage.from_coverage_matrix(matrix, rng.integers(0, 6, n_dem), budget=p)
    state = SolveState(model)
    moves = SwapMoves(state, [0, 1, 2], p)  # one slot left empty: a plain add
    for _ in range(25):
        assert moves.value == pytest.approx(state.objective(moves.chosen()))
        delta, _ = moves.best_moves()
        for c in np.flatnonzero(moves.slot_of < 0).tolist():
            by_hand = max(
                state.objective([j for j in moves.sel.tolist() if j not in (-1, out)] + [c])
                for out in moves.sel.tolist()
            )
            assert delta[c] == pytest.approx(by_hand - moves.value)
        c = int(rng.choice(np.flatnonzero(moves.slot_of < 0)))
        moves.swap(c, int(rng.integers(0, p)))


def test_tabu_finds_the_optimum_of_small_instances() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        matrix = sp.csr_matrix(rng.random((10, 40)) < 0.18)
        w = rng.integers(0, 10, 40).astype(float)
        state = SolveState(MaximalCoverage.from_coverage_matrix(matrix, w, budget=3))
        best = max(state.objective(list(c)) for c in itertools.combinations(range(10), 3))
        found = tabu_search(state, greedy(state), deadline=time.perf_counter() + 30, max_moves=300)
        assert found is not None
        assert len(set(found.chosen)) == len(found.chosen) <= 3
        assert found.objective == pytest.approx(best)


def test_tabu_improves_on_a_poor_start_and_is_for_count_budgets_only() -> None:
    model = clustered_instance(4, n_cand=300, n_dem=4000, p=15)
    state = SolveState(model)
    poor = list(range(15))
    found = tabu_search(state, poor, deadline=time.perf_counter() + 60, max_moves=400)
    assert found is not None
    assert found.objective > state.objective(poor)
    assert found.objective >= state.objective(greedy(state))
    costs = np.linspace(1.0, 3.0, 300)
    priced = MaximalCoverage.from_coverage_matrix(
        model.coverage, model.weights, costs=costs, cost_budget=12.0
    )
    assert tabu_search(SolveState(priced), [], deadline=time.perf_counter() + 5) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_smoothed_dual_bound_holds_over_the_optimum_and_is_tight(seed: int) -> None:
    model = clustered_instance(seed)
    state = SolveState(model)
    dual = smoothed_dual(state, deadline=time.perf_counter() + 60, max_steps=800)
    assert dual is not None
    optimum = MaximalCoverage.from_coverage_matrix(model.coverage, model.weights, budget=10)
    optimum.solve("exact", time_limit_s=120)
    assert optimum.status == "optimal"
    assert dual.upper_bound >= optimum.covered_weight - 1e-6
    # the LP bound of these instances is within a few per cent of the optimum; so is ours
    assert dual.upper_bound <= 1.03 * optimum.covered_weight


@pytest.mark.parametrize("seed", [0, 1])
def test_the_two_second_plan_beats_greedy_and_carries_a_true_bound(seed: int) -> None:
    # large enough that auto runs tabu and the dual (not the full MIP)
    model = clustered_instance(seed, n_cand=400, n_dem=6000, p=20)
    model.solve("auto", exact_small_nnz=0, exact_max_nnz=0)
    assert model.method == "greedy+swap+tabu+lagrangian"
    lazy = MaximalCoverage.from_coverage_matrix(model.coverage, model.weights, budget=20)
    lazy.solve("greedy")
    assert model.covered_weight >= lazy.covered_weight
    assert len(set(model.selected)) == len(model.selected) <= 20
    assert SolveState(model).objective(model.selected) == pytest.approx(model.covered_weight)
    assert model.upper_bound is not None
    assert model.upper_bound >= model.covered_weight
    optimum = MaximalCoverage.from_coverage_matrix(model.coverage, model.weights, budget=20)
    optimum.solve("exact", time_limit_s=120)
    if optimum.status == "optimal":
        assert model.upper_bound >= optimum.covered_weight - 1e-6
    # and the answer says how good it is: within 3 % of its own proven bound here
    assert model.covered_weight >= 0.97 * model.upper_bound
