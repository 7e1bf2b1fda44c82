r"""The maximal-coverage model of camera siting, built and solved as spopt builds its models.

The problem (the maximal covering location problem, MCLP, of Church & ReVelle, as in spopt's
``MCLP``), with a count budget :math:`p`, or a cost budget :math:`B`, and optionally a budget per
administrative unit :math:`u`:

.. math::

    \max \sum_{i \in I} w_i x_i
    \quad \text{s.t.} \quad
    x_i \le \sum_{j \in N_i} y_j \;\; \forall i, \qquad
    \sum_j y_j \le p \;\;\text{or}\;\; \sum_j c_j y_j \le B, \qquad
    \sum_{j \in J_u} y_j \le p_u \;\; \forall u, \qquad
    x_i \in [0, 1],\; y_j \in \{0, 1\}

where :math:`i` runs over demand items (villages, key places, road pieces, population cells, or the
points of a plain instance) with weight :math:`w_i \ge 0`, :math:`j` over candidate sites with cost
:math:`c_j`, and :math:`N_i` is the set of candidates whose field of view covers item :math:`i` (the
non-zeros of column :math:`i` of the sparse coverage matrix :math:`A`, candidates × demand).
Demand already covered by existing cameras is given as ``already_covered`` and counts for nothing.
:math:`x_i` need not be declared integer: at an optimum it equals
:math:`\min(1, \sum_{j \in N_i} y_j)`.

:class:`MaximalCoverage` is built :meth:`~MaximalCoverage.from_coverage_matrix` (the algorithm),
:meth:`~MaximalCoverage.from_cost_matrix` (distances, as spopt's ``MCLP.from_cost_matrix``) or
:meth:`~MaximalCoverage.from_geodataframe` (the geography), then solved by
:meth:`~MaximalCoverage.solve`, whose stages are:

- ``greedy`` and ``swap`` (:mod:`sharpeyes.planning.heuristics`): lazy greedy, then 1-swap search;
- ``exact`` (:mod:`sharpeyes.planning.exact`): the integer program above, solved by HiGHS after
  merging demand items with identical covering sets, warm-started from the heuristic answer, with
  a time limit. Reports ``optimal`` when the gap is closed, else the best solution and the bound;
- ``kernel`` (a stage of ``auto`` and ``exact`` on medium instances): the LP relaxation gives an
  upper bound, and the MIP restricted to the sites with a positive LP value plus the heuristic's
  sites usually finds a near-optimal answer in seconds;
- ``tabu`` and ``lagrangian`` (stages of ``auto`` on instances too large for the full MIP, count
  budgets): tabu search over incrementally valued 1-swaps for half the budget
  (:mod:`sharpeyes.planning.tabu`), then the Lagrangian (LP) dual bound by smoothed projected
  gradient (:mod:`sharpeyes.planning.dual`);
- ``auto`` (default): greedy and swap; then the full MIP if the reduced instance has at most
  ``EXACT_SMALL_NNZ`` non-zeros, else tabu and the Lagrangian bound, then the LP and kernel MIP
  if at most ``EXACT_MAX_NNZ`` and a second is left.

Solving is anytime (:mod:`sharpeyes.planning.stages`): within ``time_limit_s`` (default 2 s) each
stage starts from the best plan so far, and the answer is the best plan found with the best bound
proven.

Every answer carries an upper bound on the optimum: from the MIP when it ran, else a Lagrangian
bound or the submodularity bound :math:`f(S) + \sum_{\text{top } p} \Delta_j(S)` (count budget
only).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from sharpeyes._errors import InputError
from sharpeyes.planning import exact
from sharpeyes.planning.heuristics import FloatArray, SolveState
from sharpeyes.planning.matrix import coverage_matrix_from_distances, coverage_matrix_from_frames
from sharpeyes.planning.stages import LP_MIN_S, SolveRun

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "EXACT_MAX_NNZ",
    "EXACT_SMALL_NNZ",
    "METHODS",
    "MaximalCoverage",
    "Method",
    "Step",
]

Method = Literal["auto", "greedy", "swap", "exact"]
METHODS: tuple[str, ...] = ("auto", "greedy", "swap", "exact")

#: Up to this many non-zeros in the reduced coverage matrix, ``auto`` runs the full MIP.
EXACT_SMALL_NNZ = 60_000
#: Up to this many, ``auto`` runs the LP relaxation and a MIP over the sites the LP uses (kernel);
#: above it, greedy and swap search only.
EXACT_MAX_NNZ = 600_000
#: The default solve budget, seconds: the plan and bound found in this time are the answer.
DEFAULT_TIME_LIMIT_S = 2.0


@dataclass
class Step:
    """One stage of a solve: what ran, what it reached, how long it took."""

    stage: str
    objective: float
    seconds: float
    status: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class MaximalCoverage:
    r"""A maximal-coverage instance and, after :meth:`solve`, its answer.

    Build it with :meth:`from_coverage_matrix` (the algorithm: a sparse candidates × demand matrix),
    :meth:`from_cost_matrix` (a demand × candidates distance matrix and a service radius, as
    spopt's ``MCLP``) or :meth:`from_geodataframe` (the geography: points and a radius, or
    field-of-view polygons), then call :meth:`solve`. The model is the MCLP of the module
    docstring: :math:`\max \sum_i w_i x_i` s.t. :math:`x_i \le \sum_{j \in N_i} y_j`, a count or
    cost budget, optional budgets per unit.

    Attributes (after :meth:`solve`)
    --------------------------------
    selected : list of int
        Chosen candidate indices, ranked: each one adds the most weight given those before it.
    gains : list of float
        Marginal weight each ranked site adds (same order as ``selected``).
    curve : list of float
        Covered weight after the first k ranked sites, k = 0 … len(selected) (k = 0 is what
        existing cameras already cover).
    covered_weight, total_weight : float
        Weight covered by existing cameras plus the plan; weight of all demand.
    upper_bound : float or None
        Proven upper bound on the best covered weight reachable within the budget.
    status : str
        ``optimal`` (proved), ``local_optimum`` (no improving swap), ``time_limit``, ``greedy``.
    method : str
        Which stages ran, e.g. ``greedy+swap+exact``.
    steps : list of Step
    trace : list of dict
        The quality-versus-time curve of the solve: ``seconds`` since it started,
        ``covered_weight`` of the best plan and ``upper_bound`` proven by then, one row per
        improvement of either.
    """

    def __init__(
        self,
        coverage: sp.csr_matrix,
        weights: FloatArray,
        *,
        budget: int | None,
        costs: FloatArray | None,
        cost_budget: float | None,
        candidate_units: NDArray[Any] | None,
        unit_budgets: Mapping[Hashable, int] | None,
        already_covered: NDArray[np.bool_],
        candidate_ids: Sequence[Any],
        name: str = "mclp",
    ) -> None:
        self.name = name
        self.coverage = coverage
        self.weights = weights
        self.budget = budget
        self.costs = costs
        self.cost_budget = cost_budget
        self.candidate_units = candidate_units
        self.unit_budgets = dict(unit_budgets) if unit_budgets else None
        self.already_covered = already_covered
        self.candidate_ids = list(candidate_ids)
        self.notes: list[str] = []
        self.selected: list[int] = []
        self.gains: list[float] = []
        self.curve: list[float] = []
        self.covered_weight = float("nan")
        self.total_weight = float(weights.sum())
        self.upper_bound: float | None = None
        self.status = "unsolved"
        self.method = ""
        self.steps: list[Step] = []
        self.trace: list[dict[str, float | None]] = []

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def from_coverage_matrix(
        cls,
        coverage: Any,
        weights: ArrayLike,
        *,
        budget: int | None = None,
        costs: ArrayLike | None = None,
        cost_budget: float | None = None,
        candidate_units: ArrayLike | None = None,
        unit_budgets: Mapping[Hashable, int] | int | None = None,
        already_covered: ArrayLike | None = None,
        candidate_ids: Sequence[Any] | None = None,
        name: str = "mclp",
    ) -> MaximalCoverage:
        """Build from a coverage matrix (candidates × demand; non-zero = covers) and demand weights.

        Parameters
        ----------
        coverage : scipy.sparse matrix or dense array, shape (n_candidates, n_demand)
        weights : array of shape (n_demand,)
            Demand weights, finite and ``>= 0`` (zero-weight items are allowed and ignored).
        budget : int, optional
            Number of sites to choose (at most; fewer when no more site adds coverage).
        costs : array of shape (n_candidates,), optional
            Cost of each site (any currency unit), finite and ``> 0``; needed with ``cost_budget``.
        cost_budget : float, optional
            Total cost the chosen sites may not exceed. Give ``budget``, ``cost_budget`` or both.
        candidate_units : array of shape (n_candidates,), optional
            Unit label (e.g. township code) of each candidate, for ``unit_budgets``.
        unit_budgets : mapping label → int, or int
            Count budget per unit (an int applies the same budget to every unit). Candidates in a
            unit without a budget cannot be chosen.
        already_covered : bool array of shape (n_demand,), optional
            Demand already covered by existing (networked) cameras.
        candidate_ids : sequence, optional
            Identifiers reported beside the indices (default: the indices).
        """
        matrix = sp.csr_matrix(coverage, dtype=bool)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        n_cand, n_dem = matrix.shape
        w = _checked_weights(weights, n_dem)
        if budget is None and cost_budget is None and unit_budgets is None:
            raise InputError("give a budget: a number of sites, a total cost or a budget per unit")
        count_budget = _checked_budget(budget)
        c = _checked_costs(costs, cost_budget, n_cand)
        units, ub = _checked_unit_budgets(candidate_units, unit_budgets, n_cand)
        covered = (
            np.zeros(n_dem, dtype=bool)
            if already_covered is None
            else np.asarray(already_covered, dtype=bool).reshape(-1)
        )
        if len(covered) != n_dem:
            raise InputError(f"{len(covered)} covered flags for {n_dem} demand items")
        ids = list(range(n_cand)) if candidate_ids is None else list(candidate_ids)
        if len(ids) != n_cand:
            raise InputError(f"{len(ids)} candidate ids for {n_cand} candidates", field="id")
        return cls(
            matrix,
            w,
            budget=count_budget,
            costs=c,
            cost_budget=None if cost_budget is None else float(cost_budget),
            candidate_units=units,
            unit_budgets=ub,
            already_covered=covered,
            candidate_ids=ids,
            name=name,
        )

    @classmethod
    def from_cost_matrix(
        cls, cost_matrix: ArrayLike, weights: ArrayLike, service_radius: float, **kwargs: Any
    ) -> MaximalCoverage:
        """Build from a distance matrix, as spopt's ``MCLP.from_cost_matrix``.

        Parameters
        ----------
        cost_matrix : array of shape (n_demand, n_candidates)
            Distance (metres, or travel time) from each demand item to each candidate, spopt's
            layout; NaN is out of reach.
        weights : array of shape (n_demand,)
            Demand weights.
        service_radius : float
            A demand item at ``<= service_radius`` from a candidate is covered by it.
        **kwargs
            ``budget`` (spopt's ``p_facilities``), ``cost_budget`` and the other keywords of
            :meth:`from_coverage_matrix`.
        """
        matrix = coverage_matrix_from_distances(cost_matrix, service_radius)
        return cls.from_coverage_matrix(matrix, weights, **kwargs)

    @classmethod
    def from_geodataframe(
        cls,
        demand: Any,
        candidates: Any,
        *,
        weight_col: str = "weight",
        radius_m: float | None = None,
        fov_col: str | None = None,
        id_col: str | None = None,
        predicate: str = "intersects",
        **kwargs: Any,
    ) -> MaximalCoverage:
        """Build from a demand GeoDataFrame and a candidate GeoDataFrame in one metric CRS.

        Either ``radius_m`` (circles of that many metres around candidate points) or ``fov_col``
        (a geometry column of the candidates holding each field-of-view polygon) says what a
        candidate sees. Other keyword arguments go to :meth:`from_coverage_matrix`.
        """
        matrix = coverage_matrix_from_frames(
            demand, candidates, radius_m=radius_m, fov_col=fov_col, predicate=predicate
        )
        if weight_col not in demand.columns:
            raise InputError("demand has no weight column", field=weight_col)
        ids = candidates[id_col].tolist() if id_col else candidates.index.tolist()
        kwargs.setdefault("candidate_ids", ids)
        return cls.from_coverage_matrix(matrix, demand[weight_col].to_numpy(float), **kwargs)

    # -- solving -------------------------------------------------------------------------------
    def solve(
        self,
        method: Method = "auto",
        *,
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        exact_small_nnz: int = EXACT_SMALL_NNZ,
        exact_max_nnz: int = EXACT_MAX_NNZ,
        mip_rel_gap: float = 1e-6,
    ) -> MaximalCoverage:
        """Solve and fill the answer attributes; returns ``self``.

        Parameters
        ----------
        method : {"auto", "greedy", "swap", "exact"}
            ``greedy`` alone; ``swap`` greedy then swap search; ``exact`` greedy, swap, the LP
            relaxation with a MIP over the sites it uses, then the full MIP until proved optimal
            or out of time; ``auto`` greedy and swap, then the full MIP if the reduced instance
            has at most ``exact_small_nnz`` non-zeros; else (count budgets) tabu search for half
            the budget and the smoothed Lagrangian dual until 95 % of it, then the LP and kernel
            MIP if the instance has at most ``exact_max_nnz`` non-zeros and a second is left.
        time_limit_s : float
            Wall-clock budget of the whole solve, seconds (default 2): the answer is the best
            plan found within it, with the best bound proven (``trace`` shows how both grew).
        mip_rel_gap : float
            Relative gap at which HiGHS stops and reports ``optimal``.
        """
        if method not in METHODS:
            raise InputError(f"unknown method: use one of {', '.join(METHODS)}", value=method)
        started = time.perf_counter()
        self.steps = []
        self.notes = []
        state = SolveState(self)
        if self.budget is not None and self.budget > state.n_cand:
            self.notes.append(
                f"budget of {self.budget} sites is larger than the {state.n_cand} candidates: "
                "at most every candidate can be chosen"
            )
        run = SolveRun(
            self, state, started=started, deadline=started + time_limit_s, rel_gap=mip_rel_gap
        )
        run.heuristics(method)
        nnz = exact.reduced_nnz(state)
        small = nnz <= exact_small_nnz
        medium = nnz <= exact_max_nnz
        if method == "auto" and not small:
            run.tabu(time_limit_s)
            run.lagrangian_bound(time_limit_s, lp_next=medium)
        time_for_lp = run.left_s() >= LP_MIN_S
        if method == "exact" or (method == "auto" and medium and not small and time_for_lp):
            run.lp_and_kernel()
        if (method == "exact" and run.status != "optimal") or (method == "auto" and small):
            run.full_mip()
        if run.upper is None and method != "greedy":
            run.subgradient(time_limit_s)
        if run.upper is None:
            run.upper = exact.submodular_bound(state, run.chosen)
        run.finish()
        log.info(
            "%s: %s, %d sites, covered %.6g of %.6g (bound %s) in %.2fs",
            self.name,
            self.method,
            len(self.selected),
            self.covered_weight,
            self.total_weight,
            self.upper_bound,
            time.perf_counter() - started,
        )
        return self

    def summary(self) -> dict[str, Any]:
        """What was solved and what came out, as plain values (JSON-ready)."""
        n_cand, n_dem = self.coverage.shape
        return {
            "name": self.name,
            "candidates": int(n_cand),
            "demand_items": int(n_dem),
            "nonzeros": int(self.coverage.nnz),
            "budget": self.budget,
            "cost_budget": self.cost_budget,
            "unit_budgets": None
            if self.unit_budgets is None
            else {str(k): v for k, v in self.unit_budgets.items()},
            "method": self.method,
            "status": self.status,
            "selected": [self.candidate_ids[j] for j in self.selected],
            "gains": self.gains,
            "covered_weight": self.covered_weight,
            "total_weight": self.total_weight,
            "already_covered_weight": self.curve[0] if self.curve else None,
            "coverage_share": self.covered_weight / self.total_weight
            if self.total_weight
            else None,
            "upper_bound": self.upper_bound,
            "cost": None if self.costs is None else float(self.costs[self.selected].sum()),
            "steps": [
                {
                    "stage": s.stage,
                    "objective": s.objective,
                    "seconds": s.seconds,
                    "status": s.status,
                    **s.detail,
                }
                for s in self.steps
            ],
            "trace": self.trace,
            "notes": self.notes,
        }


# -- checks of the inputs ----------------------------------------------------------------------


def _checked_weights(weights: ArrayLike, n_dem: int) -> FloatArray:
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n_dem:
        raise InputError(f"{len(w)} weights for {n_dem} demand items", field="weight")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        raise InputError(
            "demand weight must be a finite number >= 0",
            row=int(bad[0]),
            field="weight",
            value=float(w[bad[0]]),
        )
    return w


def _checked_budget(budget: int | None) -> int | None:
    if budget is None:
        return None
    if isinstance(budget, bool) or int(budget) != budget:
        raise InputError("budget must be a whole number of sites", field="budget", value=budget)
    if int(budget) < 1:
        raise InputError("budget must be at least 1 site", field="budget", value=int(budget))
    return int(budget)


def _checked_costs(
    costs: ArrayLike | None, cost_budget: float | None, n_cand: int
) -> FloatArray | None:
    c: FloatArray | None = None
    if costs is not None:
        c = np.asarray(costs, dtype=float).reshape(-1)
        if len(c) != n_cand:
            raise InputError(f"{len(c)} costs for {n_cand} candidates", field="cost")
        bad = np.flatnonzero(~np.isfinite(c) | (c <= 0))
        if len(bad):
            raise InputError(
                "candidate cost must be a finite number > 0",
                row=int(bad[0]),
                field="cost",
                value=float(c[bad[0]]),
            )
    if cost_budget is not None:
        if not np.isfinite(cost_budget) or cost_budget <= 0:
            raise InputError("cost budget must be > 0", field="cost_budget", value=cost_budget)
        if c is None:
            raise InputError("a cost budget needs a cost for every candidate", field="cost")
    return c


def _checked_unit_budgets(
    candidate_units: ArrayLike | None,
    unit_budgets: Mapping[Hashable, int] | int | None,
    n_cand: int,
) -> tuple[NDArray[Any] | None, dict[Hashable, int] | None]:
    if unit_budgets is None:
        return None, None
    if candidate_units is None:
        raise InputError("a budget per unit needs the unit of every candidate", field="unit")
    units = np.asarray(candidate_units, dtype=object).reshape(-1)
    if len(units) != n_cand:
        raise InputError(f"{len(units)} unit labels for {n_cand} candidates", field="unit")
    if isinstance(unit_budgets, Mapping):
        ub = {k: int(v) for k, v in unit_budgets.items()}
    else:
        ub = {u: int(unit_budgets) for u in set(units.tolist()) if u is not None}
    negative = [k for k, v in ub.items() if v < 0]
    if negative:
        raise InputError("budget per unit must be >= 0", field="unit_budgets", value=negative[0])
    return units, ub
