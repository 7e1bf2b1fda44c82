"""The stages of one solve of :class:`~sharpeyes.planning.model.MaximalCoverage`, against a deadline.

A solve is anytime: every stage starts from the best plan so far and only replaces it with a
better one, so whatever stops it (the deadline, a proof of optimality) leaves the best plan found
and the best bound proven. Each improvement is recorded with its time in :attr:`SolveRun.trace`,
the quality-versus-time curve the planning benchmark prints.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from sharpeyes.planning import exact
from sharpeyes.planning.dual import smoothed_dual
from sharpeyes.planning.heuristics import IntArray, SolveState, greedy, rank, swap_search
from sharpeyes.planning.lagrangian import lagrangian_search
from sharpeyes.planning.tabu import tabu_search

if TYPE_CHECKING:
    from sharpeyes.planning.model import MaximalCoverage

__all__ = ["DUAL_END", "DUAL_MAX_S", "LP_MIN_S", "TABU_SHARE", "SolveRun"]

#: The tabu search runs until this share of the budget has gone.
TABU_SHARE = 0.5
#: The Lagrangian dual (the bound) runs until this share of the budget has gone ...
DUAL_END = 0.95
#: ... but for no more than this many seconds if the LP comes next (its last steps gain little).
DUAL_MAX_S = 3.0
#: The LP relaxation and kernel MIP run only with at least this many seconds left.
LP_MIN_S = 1.0
#: A HiGHS stage never gets less than this many seconds (HiGHS stops at its own limit).
HIGHS_MIN_S = 0.2


class SolveRun:
    """One solve in progress: the current answer, its status and bound, the stages run so far."""

    def __init__(
        self,
        model: MaximalCoverage,
        state: SolveState,
        *,
        started: float,
        deadline: float,
        rel_gap: float,
    ) -> None:
        self.model = model
        self.rel_gap = rel_gap
        self.state = state
        self.started = started
        self.deadline = deadline
        self.chosen: list[int] = []
        self.status = "greedy"
        self.upper: float | None = None
        self.stages: list[str] = []
        #: (seconds since the start, plan objective, upper bound or None) at each improvement.
        self.trace: list[tuple[float, float, float | None]] = []

    def _record(self, objective: float, upper: float | None) -> None:
        if upper is not None and self.upper is not None:
            upper = min(upper, self.upper)
        elif upper is None:
            upper = self.upper
        self.trace.append((time.perf_counter() - self.started, objective, upper))

    def _step(self, stage: str, label: str, t0: float, status: str, **detail: Any) -> None:
        from sharpeyes.planning.model import Step

        seconds = time.perf_counter() - t0
        value = self.state.objective(self.chosen)
        self.model.steps.append(Step(stage, value, seconds, status, detail))
        self.stages.append(label)
        self._record(value, self.upper)

    def left_s(self) -> float:
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.deadline - time.perf_counter())

    def _highs_s(self) -> float:
        return max(HIGHS_MIN_S, self.left_s())

    def heuristics(self, method: str) -> None:
        """Greedy, then swap search unless ``method`` is ``greedy``."""
        t0 = time.perf_counter()
        self.chosen = greedy(self.state)
        self._step("greedy", "greedy", t0, "greedy")
        if method in ("auto", "swap", "exact") and self.chosen:
            t0 = time.perf_counter()
            self.chosen, swaps, finished = swap_search(
                self.state, self.chosen, deadline=self.deadline
            )
            self.status = "local_optimum" if finished else "time_limit"
            self._step("swap", "swap", t0, self.status, swaps=swaps)

    def tabu(self, time_limit_s: float) -> None:
        """Tabu search over 1-swaps from the best plan (count budget), for a share of the budget."""
        t0 = time.perf_counter()
        deadline = min(self.deadline, self.started + TABU_SHARE * time_limit_s)
        result = tabu_search(
            self.state,
            self.chosen,
            deadline=deadline,
            on_improve=lambda value: self._record(value, self.upper),
        )
        if result is None:
            return
        if result.objective > self.state.objective(self.chosen) + 1e-9:
            self.chosen = result.chosen
        self.status = "tabu"
        self._step("tabu", "tabu", t0, self.status, moves=result.moves, restarts=result.restarts)

    def lagrangian_bound(self, time_limit_s: float, *, lp_next: bool) -> bool:
        """The Lagrangian (LP) dual bound by smoothed projected gradient (count budget); at most
        :data:`DUAL_MAX_S` seconds when the LP (``lp_next``) may follow."""
        t0 = time.perf_counter()
        value = self.state.objective(self.chosen)
        deadline = self.started + DUAL_END * time_limit_s
        if lp_next:
            deadline = min(deadline, t0 + DUAL_MAX_S)
        result = smoothed_dual(
            self.state,
            deadline=max(deadline, t0 + 0.01),
            target=value,
            on_improve=lambda bound: self._record(value, bound),
        )
        if result is None:
            return False
        self.upper = (
            result.upper_bound if self.upper is None else min(self.upper, result.upper_bound)
        )
        proved = self.upper - value <= self.rel_gap * max(1.0, abs(self.upper))
        late = time.perf_counter() >= self.deadline
        self.status = "optimal" if proved else ("time_limit" if late else "lagrangian")
        self._step(
            "lagrangian",
            "lagrangian",
            t0,
            self.status,
            upper_bound=result.upper_bound,
            dual_steps=result.steps,
        )
        return True

    def lp_and_kernel(self) -> None:
        """LP relaxation (a bound), then a MIP over the sites the LP uses (the kernel)."""
        t0 = time.perf_counter()
        bound, y = exact.lp_bound(self.state, time_limit_s=self._highs_s())
        lp_status = "optimal" if bound is not None else "time_limit"
        self._step("lp", "lp", t0, lp_status, upper_bound=bound)
        if bound is None or y is None:
            return
        self.upper = bound if self.upper is None else min(self.upper, bound)
        kernel: IntArray = np.union1d(
            np.flatnonzero(y > 1e-3), np.asarray(self.chosen, dtype=np.int64)
        )
        t0 = time.perf_counter()
        found, kstatus, _ = exact.solve_mip(
            self.state,
            self.chosen,
            time_limit_s=self._highs_s(),
            rel_gap=self.rel_gap,
            cols=kernel,
        )
        if self.state.objective(found) > self.state.objective(self.chosen):
            self.chosen = found
        value = self.state.objective(self.chosen)
        proved = self.upper - value <= self.rel_gap * max(1.0, abs(self.upper))
        self.status = "optimal" if proved else ("kernel" if kstatus == "optimal" else "time_limit")
        self._step("kernel_mip", "kernel", t0, kstatus, kernel_sites=len(kernel))

    def full_mip(self) -> None:
        """The MIP over every candidate, warm-started from the current answer."""
        t0 = time.perf_counter()
        found, mip_status, bound = exact.solve_mip(
            self.state, self.chosen, time_limit_s=self._highs_s(), rel_gap=self.rel_gap
        )
        if self.state.objective(found) >= self.state.objective(self.chosen) - 1e-9:
            self.chosen = found
        if bound is not None:
            self.upper = bound if self.upper is None else min(self.upper, bound)
        self.status = mip_status
        self._step("exact", "exact", t0, mip_status, upper_bound=bound)

    def subgradient(self, time_limit_s: float) -> None:
        """A Lagrangian bound lowered by subgradient steps (count budget; up to 30 % of the time)."""
        t0 = time.perf_counter()
        result = lagrangian_search(
            self.state,
            self.chosen,
            deadline=min(self.deadline, time.perf_counter() + max(1.0, 0.3 * time_limit_s)),
            max_steps=300,
            plans=False,
        )
        self.upper = None if result is None else result.upper_bound
        if self.upper is not None:
            self._step("bound", "bound", t0, "lagrangian", upper_bound=self.upper)

    def finish(self) -> None:
        """Fill the model's answer attributes: ranked sites, curve, bound, status, notes, trace."""
        m = self.model
        order, gains = rank(self.state, self.chosen)
        m.selected = order
        m.gains = gains
        base = float(m.weights[m.already_covered].sum())
        m.curve = [base, *(base + np.cumsum(gains)).tolist()]
        m.covered_weight = base + self.state.objective(self.chosen)
        m.upper_bound = None if self.upper is None else base + self.upper
        if m.upper_bound is not None and m.upper_bound < m.covered_weight:
            m.upper_bound = m.covered_weight
        m.status = self.status
        m.method = "+".join(self.stages)
        m.trace = _improvements(self.trace, base)
        if m.budget is not None and len(order) < min(m.budget, self.state.n_cand):
            m.notes.append(
                f"only {len(order)} of the {m.budget} budgeted sites add coverage; "
                "the others would cover nothing new"
            )


def _improvements(
    trace: list[tuple[float, float, float | None]], base: float
) -> list[dict[str, float | None]]:
    """The trace as covered weights (existing cameras included), one row per improvement."""
    rows: list[dict[str, float | None]] = []
    best, bound = -np.inf, np.inf
    for seconds, objective, upper in trace:
        u = np.inf if upper is None else upper
        if objective > best + 1e-9 or u < bound - 1e-9:
            best, bound = max(best, objective), min(bound, u)
            rows.append(
                {
                    "seconds": round(seconds, 4),
                    "covered_weight": base + best,
                    "upper_bound": None if not np.isfinite(bound) else base + bound,
                }
            )
    return rows
