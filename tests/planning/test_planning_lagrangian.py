"""The anytime solve: Lagrangian plans and bounds, and the quality-versus-time trace."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sharpeyes.planning.heuristics import SolveState, greedy, swap_search
from sharpeyes.planning.lagrangian import lagrangian_search
from sharpeyes.planning.model import MaximalCoverage
from tests.planning.instances import clustered_instance


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lagrangian_plan_is_feasible_and_its_bound_holds_over_the_optimum(seed: int) -> None:
    model = clustered_instance(seed)
    state = SolveState(model)
    start, _, _ = swap_search(state, greedy(state), deadline=time.perf_counter() + 60)
    found = lagrangian_search(state, start, deadline=time.perf_counter() + 60, max_steps=400)
    assert found is not None
    assert len(set(found.chosen)) == len(found.chosen) <= 10
    assert state.objective(found.chosen) == pytest.approx(found.objective)
    assert found.objective >= state.objective(start)
    optimum = MaximalCoverage.from_coverage_matrix(model.coverage, model.weights, budget=10)
    optimum.solve("exact", time_limit_s=120)
    assert optimum.status == "optimal"
    # a bound is a bound: never below the proven optimum, and the plan never above it
    assert found.upper_bound >= optimum.covered_weight - 1e-6
    assert found.objective <= optimum.covered_weight + 1e-6
    # and the relaxation is worth having: within 5 % of the optimum here
    assert found.upper_bound <= 1.05 * optimum.covered_weight


def test_lagrangian_plans_improve_on_a_poor_start() -> None:
    model = clustered_instance(4, n_cand=300, n_dem=4000, p=15)
    state = SolveState(model)
    poor = list(range(15))  # the first fifteen candidates, wherever they are
    found = lagrangian_search(state, poor, deadline=time.perf_counter() + 60, max_steps=300)
    assert found is not None
    assert found.objective > state.objective(poor)
    assert found.searches >= 1


def test_lagrangian_stage_is_for_count_budgets_only() -> None:
    model = clustered_instance(0)
    costs = np.linspace(1.0, 3.0, model.coverage.shape[0])
    priced = MaximalCoverage.from_coverage_matrix(
        model.coverage, model.weights, costs=costs, cost_budget=12.0
    )
    assert lagrangian_search(SolveState(priced), [], deadline=time.perf_counter() + 5) is None
    priced.solve("auto", exact_small_nnz=0, time_limit_s=5)
    assert "lagrangian" not in priced.method
    assert priced.covered_weight > 0


def test_auto_solve_runs_the_lagrangian_stage_and_traces_its_progress() -> None:
    model = clustered_instance(5, n_cand=300, n_dem=4000, p=15)
    model.solve("auto", exact_small_nnz=0, exact_max_nnz=0, time_limit_s=3)
    assert "lagrangian" in model.method
    trace = model.trace
    assert trace, "the solve records its improvements"
    seconds = [r["seconds"] for r in trace]
    covered = [r["covered_weight"] for r in trace]
    bounds = [r["upper_bound"] for r in trace if r["upper_bound"] is not None]
    assert seconds == sorted(seconds)
    assert covered == sorted(covered)
    assert bounds == sorted(bounds, reverse=True)
    assert covered[-1] == pytest.approx(model.covered_weight)
    assert model.upper_bound is not None and bounds[-1] == pytest.approx(model.upper_bound)
    assert model.summary()["trace"] == trace
