r"""Lagrangian relaxation with a primal heuristic: a plan and a proven bound within a time budget.

Relaxing the coverage constraints :math:`x_i \le \sum_{j \in N_i} y_j` with multipliers
:math:`0 \le \lambda_i \le w_i` leaves a problem solved by sorting (count budget :math:`p`):

.. math::

    L(\lambda) = \sum_i \max(0,\, w_i - \lambda_i) + \sum_{j \in \text{top}_p(A\lambda)} (A\lambda)_j
    \;\ge\; \text{OPT}.

Subgradient steps (Polyak's rule toward the best known plan) lower the bound; the sites of each
relaxed solution (the top :math:`p` by :math:`(A\lambda)_j`, the sites that "earn" the most at the
current prices) point at where a plan should look: greedy restricted to the
:data:`KERNEL_FACTOR` × p sites of largest :math:`(A\lambda)_j`, taken to a 1-swap local optimum by
:func:`~sharpeyes.planning.heuristics.swap_search`, is a plan — a Lagrangian heuristic in the manner
of Galvão and ReVelle (1996) for the maximal covering problem. (The relaxed solution itself is a
poor start: its sites crowd the same dense spots, and the local search needs hundreds of swaps.) Every new best plan or bound is recorded with its time, so
a caller can print how quality grows with time.

Count budget only (no cost or per-unit budgets): elsewhere the relaxed problem is a knapsack and
:func:`lagrangian_search` returns ``None``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sharpeyes.planning.heuristics import FloatArray, IntArray, SolveState, greedy, swap_search

__all__ = ["LagrangianResult", "lagrangian_search"]

#: Build a plan from the prices every this many subgradient steps (steps cost ~0.3 ms, plans ~30).
PRIMAL_EVERY = 10
#: The plan's greedy looks at this many times ``p`` sites, those the prices value most.
KERNEL_FACTOR = 3
#: Halve the step when the bound has not improved for this many steps.
STALL_STEPS = 15


@dataclass
class LagrangianResult:
    """The best plan found, the best bound proven, the steps taken and the local searches run."""

    chosen: list[int]
    objective: float
    upper_bound: float
    steps: int
    searches: int
    kernel: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _start_prices(state: SolveState, chosen: Sequence[int], coverable: np.ndarray) -> FloatArray:
    """Complementary slackness at ``chosen``: full price uncovered, none twice covered, half else."""
    times = np.zeros(state.n_dem, dtype=np.int64)
    for j in chosen:
        times[state.row(j)] += 1
    lam = np.where(times == 0, state.w, np.where(times >= 2, 0.0, 0.5 * state.w))
    return np.where(coverable, lam, state.w)


def _plan_from_prices(state: SolveState, v: FloatArray, p: int, deadline: float) -> list[int]:
    """Greedy over the sites the prices value most, then 1-swap search over every site."""
    k = min(len(v), KERNEL_FACTOR * p)
    near = np.zeros(state.n_cand, dtype=bool)
    near[np.argpartition(-v, k - 1)[:k]] = True
    restricted = copy.copy(state)
    restricted.eligible = state.eligible & near
    plan, _, _ = swap_search(state, greedy(restricted), deadline=deadline)
    return plan


def lagrangian_search(
    state: SolveState,
    chosen: Sequence[int],
    *,
    deadline: float,
    on_improve: Callable[[float, float | None], None] | None = None,
    max_steps: int = 5_000,
    plans: bool = True,
) -> LagrangianResult | None:
    """Subgradient optimisation of :math:`L(\\lambda)` with local search on relaxed solutions.

    ``chosen`` is the best plan known (its objective steers the step size); ``deadline`` is a
    ``time.perf_counter()`` value. ``on_improve(objective, upper_bound)`` is called whenever the
    plan or the bound improves. The result's ``kernel`` holds every site that was in a relaxed
    solution or a plan: a small set where an exact model is worth running next. With
    ``plans=False`` only the bound is lowered (steps toward ``chosen``'s objective, no plan built).
    """
    if state.budget is None or state.costs is not None or state.unit_index is not None:
        return None
    elig = state.eligible
    p = min(state.budget, int(elig.sum()))
    if p == 0:
        return None
    w = state.w
    coverable = np.diff(state.transposed.indptr) > 0
    best = list(chosen)
    best_value = state.objective(best)
    lam = _start_prices(state, best, coverable)
    upper = float("inf")
    theta, stall, searches, steps = 1.0, 0, 0, 0
    seen: set[frozenset[int]] = set()
    in_kernel = np.zeros(state.n_cand, dtype=bool)
    in_kernel[np.asarray(best, dtype=np.int64)] = True
    for steps in range(1, max_steps + 1):
        v = np.where(elig, np.maximum(state.A @ lam, 0.0), 0.0)
        top = np.argpartition(-v, p - 1)[:p]
        top = top[v[top] > 0]
        value = float(np.maximum(w - lam, 0.0).sum() + v[top].sum())
        if value < upper - 1e-9 * max(1.0, value):
            upper, stall = value, 0
            if on_improve is not None:
                on_improve(best_value, upper)
        else:
            stall += 1
            if stall >= STALL_STEPS:
                theta, stall = theta / 2.0, 0
        in_kernel[top] = True
        key = frozenset(top.tolist())
        if plans and steps % PRIMAL_EVERY == 0 and key not in seen:
            seen.add(key)
            plan = _plan_from_prices(state, v, p, deadline)
            searches += 1
            plan_value = state.objective(plan)
            if plan_value > best_value + 1e-9:
                best, best_value = plan, plan_value
                in_kernel[np.asarray(plan, dtype=np.int64)] = True
                if on_improve is not None:
                    on_improve(best_value, upper)
        if time.perf_counter() > deadline or theta < 1e-4:
            break
        if upper - best_value <= 1e-9 * max(1.0, upper):
            break
        g = np.asarray(state.A[top].sum(axis=0)).ravel() - (w > lam)
        g = np.where(coverable, g, 0.0)
        norm = float(np.multiply(g, g).sum())  # no BLAS: see dual._dot
        if norm == 0:
            break
        lam = np.clip(lam - theta * (value - best_value) / norm * g, 0.0, w)
    return LagrangianResult(
        chosen=best,
        objective=best_value,
        upper_bound=max(upper, best_value),
        steps=steps,
        searches=searches,
        kernel=np.flatnonzero(in_kernel).astype(np.int64),
    )
