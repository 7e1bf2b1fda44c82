r"""Maximal-coverage solvers for camera siting: lazy greedy, swap local search, exact MIP (HiGHS).

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

Solvers (:meth:`MaximalCoverage.solve`):

- ``greedy``: picks the site with the largest marginal gain (or gain per cost) until the budget is
  spent, evaluating gains lazily from a priority queue (CELF): gains only shrink as sites are added
  (coverage is submodular), so a stale gain is an upper bound and only the queue's top is
  re-evaluated. Guarantee :math:`1 - 1/e \approx 63\,\%` of the optimum for a count budget; with a
  cost budget the better of the ratio-greedy and the best single site gives at least
  :math:`(1 - 1/e)/2`.
- ``swap``: 1-swap local search from the greedy answer: replace one chosen site by one unchosen
  site while that raises coverage. All swaps are scored at once with sparse products, then the
  best-scoring candidates are re-checked exactly against the current state before applying them
  (stale scores are only a ranking), until no swap improves (a local optimum) or time runs out.
- ``exact``: the integer program above, solved by HiGHS (``highspy``) after merging demand items
  with identical covering sets, warm-started from the heuristic answer, with a time limit. Reports
  ``optimal`` when the gap is closed, else the best solution and the proven upper bound.
- ``kernel`` (a stage of ``auto`` and ``exact`` on medium instances): the LP relaxation (HiGHS
  interior point) gives an upper bound, and the MIP restricted to the sites with a positive LP
  value plus the heuristic's sites usually finds a near-optimal answer in seconds.
- ``auto`` (default): greedy and swap; then the full MIP if the reduced instance has at most
  ``EXACT_SMALL_NNZ`` non-zeros, else the LP and kernel MIP if at most ``EXACT_MAX_NNZ``.

Every answer carries an upper bound on the optimum: from the MIP when it ran, else the
submodularity bound :math:`f(S) + \sum_{\text{top } p} \Delta_j(S)` (count budget only).
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from sharpeyes._errors import AnalysisError, InputError

log = logging.getLogger(__name__)

Method = Literal["auto", "greedy", "swap", "exact"]
METHODS: tuple[str, ...] = ("auto", "greedy", "swap", "exact")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Up to this many non-zeros in the reduced coverage matrix, ``auto`` runs the full MIP.
EXACT_SMALL_NNZ = 60_000
#: Up to this many, ``auto`` runs the LP relaxation and a MIP over the sites the LP uses (kernel);
#: above it, greedy and swap search only.
EXACT_MAX_NNZ = 600_000


def coverage_matrix_from_radius(
    candidate_xy: ArrayLike, demand_xy: ArrayLike, radius_m: float | ArrayLike
) -> sp.csr_matrix:
    """Sparse coverage matrix (candidates × demand) of circles around the candidates.

    Parameters
    ----------
    candidate_xy, demand_xy : array of shape (n, 2)
        Coordinates in one metric CRS (metres).
    radius_m : float or array of shape (n_candidates,)
        Coverage radius in metres; a demand point at distance ``<= radius_m`` is covered
        (spopt's convention).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (n_candidates, n_demand)
    """
    from scipy.spatial import cKDTree

    cand = np.asarray(candidate_xy, dtype=float).reshape(-1, 2)
    dem = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    radii = np.broadcast_to(np.asarray(radius_m, dtype=float), (len(cand),))
    if len(cand) and (not np.isfinite(radii).all() or (radii < 0).any()):
        raise InputError("coverage radius must be a finite number of metres >= 0", field="radius_m")
    if len(cand) == 0 or len(dem) == 0:
        return sp.csr_matrix((len(cand), len(dem)), dtype=bool)
    tree = cKDTree(dem)
    hits = tree.query_ball_point(cand, radii, return_sorted=True)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(cand))
    indptr = np.zeros(len(cand) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = (
        np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
        if indptr[-1]
        else np.zeros(0, dtype=np.int64)
    )
    data = np.ones(len(indices), dtype=bool)
    return sp.csr_matrix((data, indices, indptr), shape=(len(cand), len(dem)))


def coverage_matrix_from_geometries(
    fields_of_view: Any, demand: Any, *, predicate: str = "intersects"
) -> sp.csr_matrix:
    """Sparse coverage matrix (candidates × demand) from field-of-view polygons.

    Parameters
    ----------
    fields_of_view : GeoSeries of polygons
        One field of view per candidate, in a metric CRS.
    demand : GeoSeries
        Demand geometries (points, lines or polygons) in the same CRS.
    predicate : str
        Spatial predicate between a field of view and a demand geometry (``intersects`` by default,
        ``contains`` for points strictly inside).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (len(fields_of_view), len(demand))
    """
    n_cand, n_dem = len(fields_of_view), len(demand)
    if n_cand == 0 or n_dem == 0:
        return sp.csr_matrix((n_cand, n_dem), dtype=bool)
    if (
        fields_of_view.crs is not None
        and demand.crs is not None
        and fields_of_view.crs != demand.crs
    ):
        raise AnalysisError(
            f"fields of view are in {fields_of_view.crs} but demand is in {demand.crs}: project both "
            "to the same metric CRS first"
        )
    pairs = demand.sindex.query(fields_of_view.values, predicate=predicate)
    data = np.ones(pairs.shape[1], dtype=bool)
    return sp.csr_matrix((data, (pairs[0], pairs[1])), shape=(n_cand, n_dem))


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

    Build it with :meth:`from_coverage_matrix` (the algorithm: a sparse candidates × demand matrix)
    or :meth:`from_geodataframe` (the geography: points and a radius, or field-of-view polygons),
    then call :meth:`solve`. The model is the MCLP of the module docstring:
    :math:`\max \sum_i w_i x_i` s.t. :math:`x_i \le \sum_{j \in N_i} y_j`, a count or cost budget,
    optional budgets per unit.

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
        if budget is None and cost_budget is None and unit_budgets is None:
            raise InputError("give a budget: a number of sites, a total cost or a budget per unit")
        if budget is not None:
            if isinstance(budget, bool) or int(budget) != budget:
                raise InputError(
                    "budget must be a whole number of sites", field="budget", value=budget
                )
            budget = int(budget)
            if budget < 1:
                raise InputError("budget must be at least 1 site", field="budget", value=budget)
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
        units: NDArray[Any] | None = None
        ub: dict[Hashable, int] | None = None
        if unit_budgets is not None:
            if candidate_units is None:
                raise InputError(
                    "a budget per unit needs the unit of every candidate", field="unit"
                )
            units = np.asarray(candidate_units, dtype=object).reshape(-1)
            if len(units) != n_cand:
                raise InputError(f"{len(units)} unit labels for {n_cand} candidates", field="unit")
            if isinstance(unit_budgets, Mapping):
                ub = {k: int(v) for k, v in unit_budgets.items()}
            else:
                ub = {u: int(unit_budgets) for u in set(units.tolist()) if u is not None}
            negative = [k for k, v in ub.items() if v < 0]
            if negative:
                raise InputError(
                    "budget per unit must be >= 0", field="unit_budgets", value=negative[0]
                )
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
            budget=budget,
            costs=c,
            cost_budget=None if cost_budget is None else float(cost_budget),
            candidate_units=units,
            unit_budgets=ub,
            already_covered=covered,
            candidate_ids=ids,
            name=name,
        )

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
        if demand.crs is not None and demand.crs.is_geographic:
            raise AnalysisError("demand is in geographic coordinates: project it to a metric CRS")
        if weight_col not in demand.columns:
            raise InputError("demand has no weight column", field=weight_col)
        if fov_col is not None:
            fov = candidates[fov_col]
            if not hasattr(fov, "sindex"):
                import geopandas as gpd

                fov = gpd.GeoSeries(fov, crs=candidates.crs)
            matrix = coverage_matrix_from_geometries(fov, demand.geometry, predicate=predicate)
        elif radius_m is not None:
            if candidates.crs is not None and candidates.crs.is_geographic:
                raise AnalysisError(
                    "candidates are in geographic coordinates: project them to a metric CRS"
                )
            cxy = np.column_stack([candidates.geometry.x, candidates.geometry.y])
            dxy = np.column_stack(
                [demand.geometry.representative_point().x, demand.geometry.representative_point().y]
            )
            matrix = coverage_matrix_from_radius(cxy, dxy, radius_m)
        else:
            raise InputError("give radius_m or fov_col to say what a candidate covers")
        ids = candidates[id_col].tolist() if id_col else candidates.index.tolist()
        kwargs.setdefault("candidate_ids", ids)
        return cls.from_coverage_matrix(matrix, demand[weight_col].to_numpy(float), **kwargs)

    # -- solving -------------------------------------------------------------------------------
    def solve(
        self,
        method: Method = "auto",
        *,
        time_limit_s: float = 30.0,
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
            has at most ``exact_small_nnz`` non-zeros, else the LP and kernel MIP if it has at
            most ``exact_max_nnz``.
        time_limit_s : float
            Wall-clock budget in seconds for everything after greedy (swap search, LP, MIPs).
        mip_rel_gap : float
            Relative gap at which HiGHS stops and reports ``optimal``.
        """
        if method not in METHODS:
            raise InputError(f"unknown method: use one of {', '.join(METHODS)}", value=method)
        started = time.perf_counter()
        self.steps = []
        self.notes = []
        state = _State(self)
        if self.budget is not None and self.budget > state.n_cand:
            self.notes.append(
                f"budget of {self.budget} sites is larger than the {state.n_cand} candidates: "
                "at most every candidate can be chosen"
            )
        t0 = time.perf_counter()
        chosen = state.greedy()
        self.steps.append(
            Step("greedy", state.objective(chosen), time.perf_counter() - t0, "greedy")
        )
        stages = ["greedy"]
        status = "greedy"
        deadline = started + time_limit_s
        if method in ("auto", "swap", "exact") and chosen:
            t0 = time.perf_counter()
            chosen, swaps, finished = state.swap_search(chosen, deadline=deadline)
            status = "local_optimum" if finished else "time_limit"
            self.steps.append(
                Step(
                    "swap",
                    state.objective(chosen),
                    time.perf_counter() - t0,
                    status,
                    {"swaps": swaps},
                )
            )
            stages.append("swap")
        upper: float | None = None
        nnz = state.reduced_nnz()
        small = nnz <= exact_small_nnz
        medium = nnz <= exact_max_nnz
        if method == "exact" or (method == "auto" and medium and not small):
            # LP relaxation: a bound, and the kernel of sites the LP uses for a restricted MIP
            t0 = time.perf_counter()
            bound, y = state.lp_bound(time_limit_s=max(1.0, deadline - time.perf_counter()))
            self.steps.append(
                Step(
                    "lp",
                    state.objective(chosen),
                    time.perf_counter() - t0,
                    "optimal" if bound is not None else "time_limit",
                    {"upper_bound": bound},
                )
            )
            stages.append("lp")
            if bound is not None and y is not None:
                upper = bound
                kernel = np.union1d(np.flatnonzero(y > 1e-3), np.asarray(chosen, dtype=np.int64))
                t0 = time.perf_counter()
                found, kstatus, _ = state.exact(
                    chosen,
                    time_limit_s=max(1.0, deadline - time.perf_counter()),
                    rel_gap=mip_rel_gap,
                    cols=kernel,
                )
                if state.objective(found) > state.objective(chosen):
                    chosen = found
                value = state.objective(chosen)
                proved = upper - value <= mip_rel_gap * max(1.0, abs(upper))
                status = (
                    "optimal" if proved else ("kernel" if kstatus == "optimal" else "time_limit")
                )
                self.steps.append(
                    Step(
                        "kernel_mip",
                        value,
                        time.perf_counter() - t0,
                        kstatus,
                        {"kernel_sites": len(kernel)},
                    )
                )
                stages.append("kernel")
        if (method == "exact" and status != "optimal") or (method == "auto" and small):
            t0 = time.perf_counter()
            remaining = max(1.0, deadline - time.perf_counter())
            found, mip_status, bound = state.exact(
                chosen, time_limit_s=remaining, rel_gap=mip_rel_gap
            )
            if state.objective(found) >= state.objective(chosen) - 1e-9:
                chosen = found
            if bound is not None:
                upper = bound if upper is None else min(upper, bound)
            status = mip_status
            self.steps.append(
                Step(
                    "exact",
                    state.objective(chosen),
                    time.perf_counter() - t0,
                    mip_status,
                    {"upper_bound": bound},
                )
            )
            stages.append("exact")
        if upper is None and method != "greedy":
            t0 = time.perf_counter()
            upper = state.subgradient_bound(
                lower=state.objective(chosen),
                chosen=chosen,
                deadline=min(deadline, time.perf_counter() + max(1.0, 0.3 * time_limit_s)),
            )
            if upper is not None:
                self.steps.append(
                    Step(
                        "bound",
                        state.objective(chosen),
                        time.perf_counter() - t0,
                        "lagrangian",
                        {"upper_bound": upper},
                    )
                )
                stages.append("bound")
        if upper is None:
            upper = state.submodular_bound(chosen)
        order, gains = state.rank(chosen)
        self.selected = order
        self.gains = gains
        base = float(self.weights[self.already_covered].sum())
        self.curve = [base, *(base + np.cumsum(gains)).tolist()]
        self.covered_weight = base + state.objective(chosen)
        self.upper_bound = None if upper is None else base + upper
        if self.upper_bound is not None and self.upper_bound < self.covered_weight:
            self.upper_bound = self.covered_weight
        self.status = status
        self.method = "+".join(stages)
        budget_sites = self.budget if self.budget is not None else None
        if budget_sites is not None and len(order) < min(budget_sites, state.n_cand):
            self.notes.append(
                f"only {len(order)} of the {budget_sites} budgeted sites add coverage; "
                "the others would cover nothing new"
            )
        log.info(
            "%s: %s, %d sites, covered %.6g of %.6g (bound %s) in %.2fs",
            self.name,
            self.method,
            len(order),
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
            "notes": self.notes,
        }


class _State:
    """Working arrays of one solve: effective weights, the matrix and its transpose, feasibility."""

    def __init__(self, model: MaximalCoverage) -> None:
        self.model = model
        self.A = model.coverage.astype(np.float64).tocsr()
        self.A.sort_indices()
        self.n_cand, self.n_dem = self.A.shape
        self.w = np.where(model.already_covered, 0.0, model.weights)
        self.costs = model.costs
        self.cost_budget = model.cost_budget
        self.budget = model.budget
        units = model.candidate_units
        self.unit_index: IntArray | None = None
        self.unit_caps: IntArray | None = None
        eligible = np.ones(self.n_cand, dtype=bool)
        if model.unit_budgets is not None and units is not None:
            labels = list(model.unit_budgets)
            lookup = {u: k for k, u in enumerate(labels)}
            self.unit_index = np.array([lookup.get(u, -1) for u in units.tolist()], dtype=np.int64)
            self.unit_caps = np.array([model.unit_budgets[u] for u in labels], dtype=np.int64)
            eligible &= self.unit_index >= 0
        if self.costs is not None and self.cost_budget is not None:
            eligible &= self.costs <= self.cost_budget + 1e-9
        self.eligible = eligible
        self._AT: sp.csr_matrix | None = None

    @property
    def AT(self) -> sp.csr_matrix:
        if self._AT is None:
            self._AT = self.A.T.tocsr()
        return self._AT

    def row(self, j: int) -> IntArray:
        return self.A.indices[self.A.indptr[j] : self.A.indptr[j + 1]]  # type: ignore[no-any-return]

    def objective(self, chosen: Sequence[int]) -> float:
        if not len(chosen):
            return 0.0
        hit = np.zeros(self.n_dem, dtype=bool)
        for j in chosen:
            hit[self.row(j)] = True
        return float(self.w[hit].sum())

    # -- feasibility -----------------------------------------------------------------------------
    def _fits(self, j: int, count: int, cost: float, unit_counts: IntArray | None) -> bool:
        if not self.eligible[j]:
            return False
        if self.budget is not None and count + 1 > self.budget:
            return False
        if (
            self.costs is not None
            and self.cost_budget is not None
            and cost + self.costs[j] > self.cost_budget + 1e-9
        ):
            return False
        if self.unit_index is not None and unit_counts is not None and self.unit_caps is not None:
            u = self.unit_index[j]
            if unit_counts[u] + 1 > self.unit_caps[u]:
                return False
        return True

    # -- greedy ------------------------------------------------------------------------------------
    def greedy(self, *, by_ratio: bool | None = None) -> list[int]:
        """Lazy (CELF) greedy; with a cost budget, the better of ratio-greedy and the best single site."""
        if by_ratio is None:
            by_ratio = self.costs is not None and self.cost_budget is not None
        chosen = self._lazy_greedy(by_ratio=by_ratio)
        if by_ratio:
            gains0 = self.A @ self.w
            gains0[~self.eligible] = -1.0
            best = int(np.argmax(gains0)) if self.n_cand else -1
            if best >= 0 and gains0[best] > self.objective(chosen) + 1e-12:
                chosen = [best]
        return chosen

    def _lazy_greedy(self, *, by_ratio: bool) -> list[int]:
        covered = np.zeros(self.n_dem, dtype=bool)
        gains = self.A @ self.w
        costs = self.costs if (by_ratio and self.costs is not None) else np.ones(self.n_cand)
        heap = [
            (-gains[j] / costs[j], j) for j in np.flatnonzero(self.eligible & (gains > 0)).tolist()
        ]
        heapq.heapify(heap)
        chosen: list[int] = []
        cost = 0.0
        unit_counts = None if self.unit_caps is None else np.zeros(len(self.unit_caps), np.int64)
        while heap:
            if self.budget is not None and len(chosen) >= self.budget:
                break
            _, j = heapq.heappop(heap)
            if not self._fits(j, len(chosen), cost, unit_counts):
                continue
            idx = self.row(j)
            fresh = float(self.w[idx][~covered[idx]].sum())
            if fresh <= 0:
                continue
            key = -fresh / costs[j]
            if heap and key > heap[0][0]:
                heapq.heappush(heap, (key, j))
                continue
            chosen.append(j)
            covered[idx] = True
            if self.costs is not None:
                cost += float(self.costs[j])
            if unit_counts is not None and self.unit_index is not None:
                unit_counts[self.unit_index[j]] += 1
        return chosen

    # -- swap local search -----------------------------------------------------------------------
    def swap_search(
        self, chosen: list[int], *, deadline: float, max_rounds: int = 10_000
    ) -> tuple[list[int], int, bool]:
        """1-swap (and add) local search; returns (chosen, swaps made, reached a local optimum)."""
        sel = np.array(chosen, dtype=np.int64)
        n_sel = len(sel)
        in_sel = np.zeros(self.n_cand, dtype=bool)
        in_sel[sel] = True
        pos = np.full(self.n_cand, -1, dtype=np.int64)
        pos[sel] = np.arange(n_sel)
        cnt = np.zeros(self.n_dem, dtype=np.int64)
        owner = np.full(self.n_dem, -1, dtype=np.int64)  # position in sel of the only coverer
        AT = self.AT
        self._refresh(np.arange(self.n_dem), sel, in_sel, pos, cnt, owner, AT)
        cost = float(self.costs[sel].sum()) if self.costs is not None else 0.0
        unit_counts = None
        if self.unit_index is not None and self.unit_caps is not None:
            unit_counts = np.bincount(self.unit_index[sel], minlength=len(self.unit_caps))
        eps = 1e-9 * max(1.0, float(self.w.sum()))
        swaps = 0
        simple = self.costs is None and self.unit_index is None
        for _ in range(max_rounds):
            if time.perf_counter() > deadline:
                return sel.tolist(), swaps, False
            scores = self._score_all(
                sel, in_sel, cnt, owner, simple=simple, cost=cost, unit_counts=unit_counts
            )
            order = np.flatnonzero(scores > eps)
            if not len(order):
                return sel.tolist(), swaps, True
            order = order[np.argsort(-scores[order], kind="stable")]
            loss = self._loss(sel, cnt)
            applied = 0
            for c in order.tolist():
                if time.perf_counter() > deadline:
                    return sel.tolist(), swaps, False
                if in_sel[c]:
                    continue
                delta, s_pos = self._best_move(c, sel, cnt, owner, loss, cost, unit_counts)
                if delta <= eps:
                    continue
                changed = self.row(c)
                if s_pos >= 0:
                    s = int(sel[s_pos])
                    changed = np.union1d(changed, self.row(s))
                    in_sel[s] = False
                    pos[s] = -1
                    sel[s_pos] = c
                    pos[c] = s_pos
                    if self.costs is not None:
                        cost += float(self.costs[c] - self.costs[s])
                    if unit_counts is not None and self.unit_index is not None:
                        unit_counts[self.unit_index[s]] -= 1
                        unit_counts[self.unit_index[c]] += 1
                else:
                    pos[c] = len(sel)
                    sel = np.append(sel, c)
                    if self.costs is not None:
                        cost += float(self.costs[c])
                    if unit_counts is not None and self.unit_index is not None:
                        unit_counts[self.unit_index[c]] += 1
                in_sel[c] = True
                self._refresh(changed, sel, in_sel, pos, cnt, owner, AT)
                loss = self._loss(sel, cnt)
                swaps += 1
                applied += 1
            if not applied:
                return sel.tolist(), swaps, True
        return sel.tolist(), swaps, False

    def _loss(self, sel: IntArray, cnt: IntArray) -> FloatArray:
        """Weight each chosen site covers alone (lost if it were removed)."""
        if not len(sel):
            return np.zeros(0)
        return np.asarray(self.A[sel] @ np.where(cnt == 1, self.w, 0.0))

    def _refresh(
        self,
        demand: IntArray,
        sel: IntArray,
        in_sel: NDArray[np.bool_],
        pos: IntArray,
        cnt: IntArray,
        owner: IntArray,
        AT: sp.csr_matrix,
    ) -> None:
        """Recount coverers (and the only coverer) of ``demand`` items for the current selection."""
        if not len(demand):
            return
        sub = AT[demand]
        mask = sub.multiply(in_sel[np.newaxis, :].astype(np.float64)).tocsr()
        mask.eliminate_zeros()
        counts = np.diff(mask.indptr)
        cnt[demand] = counts
        owner[demand] = -1
        single = counts == 1
        if single.any():
            owner[demand[single]] = pos[mask.indices[mask.indptr[:-1][single]]]

    def _score_all(
        self,
        sel: IntArray,
        in_sel: NDArray[np.bool_],
        cnt: IntArray,
        owner: IntArray,
        *,
        simple: bool,
        cost: float,
        unit_counts: IntArray | None,
    ) -> FloatArray:
        """Best move score of every unchosen candidate (exact for the current state)."""
        n_sel = len(sel)
        uncovered_w = np.where(cnt == 0, self.w, 0.0)
        gain0 = self.A @ uncovered_w
        single = cnt == 1
        single_w = np.where(single, self.w, 0.0)
        loss = self.A[sel] @ single_w if n_sel else np.zeros(0)
        di = np.flatnonzero(single & (self.w > 0))
        owner_w = sp.csr_matrix((self.w[di], (di, owner[di])), shape=(self.n_dem, max(n_sel, 1)))
        E = (self.A @ owner_w).tocsr()
        scores = np.full(self.n_cand, -np.inf)
        can_add = self._can_add_mask(len(sel), cost, unit_counts)
        scores[can_add] = gain0[can_add]
        if n_sel == 0:
            scores[in_sel] = -np.inf
            return scores
        if simple:
            best = gain0 - float(loss.min())
            rows = np.repeat(np.arange(self.n_cand), np.diff(E.indptr))
            vals = gain0[rows] + E.data - loss[E.indices]
            np.maximum.at(best, rows, vals)
            scores = np.maximum(scores, best)
        else:
            chunk = max(1, 4_000_000 // max(n_sel, 1))
            for start in range(0, self.n_cand, chunk):
                stop = min(self.n_cand, start + chunk)
                block = gain0[start:stop, None] + E[start:stop].toarray()[:, :n_sel] - loss[None, :]
                block[
                    ~self._swap_feasible(np.arange(start, stop), sel, cost, unit_counts)
                ] = -np.inf
                scores[start:stop] = np.maximum(scores[start:stop], block.max(axis=1))
        scores[in_sel | ~self.eligible] = -np.inf
        return scores

    def _can_add_mask(
        self, count: int, cost: float, unit_counts: IntArray | None
    ) -> NDArray[np.bool_]:
        ok = self.eligible.copy()
        if self.budget is not None and count + 1 > self.budget:
            ok[:] = False
        if self.costs is not None and self.cost_budget is not None:
            ok &= cost + self.costs <= self.cost_budget + 1e-9
        if self.unit_index is not None and unit_counts is not None and self.unit_caps is not None:
            room = unit_counts < self.unit_caps
            ok &= np.where(self.unit_index >= 0, room[np.maximum(self.unit_index, 0)], False)
        return ok

    def _swap_feasible(
        self, cands: IntArray, sel: IntArray, cost: float, unit_counts: IntArray | None
    ) -> NDArray[np.bool_]:
        """Feasibility of swapping each of ``cands`` (rows) for each chosen site (columns)."""
        ok = np.ones((len(cands), len(sel)), dtype=bool)
        ok &= self.eligible[cands][:, None]
        if self.costs is not None and self.cost_budget is not None:
            ok &= (
                cost - self.costs[sel][None, :] + self.costs[cands][:, None]
            ) <= self.cost_budget + 1e-9
        if self.unit_index is not None and unit_counts is not None and self.unit_caps is not None:
            uc = self.unit_index[cands]
            us = self.unit_index[sel]
            same = uc[:, None] == us[None, :]
            room = np.where(
                uc >= 0, unit_counts[np.maximum(uc, 0)] < self.unit_caps[np.maximum(uc, 0)], False
            )
            ok &= same | room[:, None]
        return ok

    def _best_move(
        self,
        c: int,
        sel: IntArray,
        cnt: IntArray,
        owner: IntArray,
        loss: FloatArray,
        cost: float,
        unit_counts: IntArray | None,
    ) -> tuple[float, int]:
        """Exact best move bringing in ``c``: (gain, position swapped out or -1 for a plain add)."""
        idx = self.row(c)
        wc = self.w[idx]
        cc = cnt[idx]
        gain0 = float(wc[cc == 0].sum())
        best, best_pos = -np.inf, -1
        if self._fits(c, len(sel), cost, unit_counts):
            best = gain0
        n_sel = len(sel)
        if n_sel:
            one = cc == 1
            extra = np.bincount(owner[idx[one]], weights=wc[one], minlength=n_sel)
            delta = gain0 + extra - loss
            feasible = self._swap_feasible(np.array([c]), sel, cost, unit_counts)[0]
            delta[~feasible] = -np.inf
            k = int(np.argmax(delta))
            if delta[k] > best:
                best, best_pos = float(delta[k]), k
        return best, best_pos

    # -- exact --------------------------------------------------------------------------------------
    def reduced(self, cols: IntArray | None = None) -> tuple[sp.csr_matrix, FloatArray]:
        """Demand × candidates matrix (restricted to ``cols``) without useless items, identical
        items merged (their weights summed)."""
        AT = self.AT if cols is None else self.A[cols].T.tocsr()
        keep = np.flatnonzero((self.w > 0) & (np.diff(AT.indptr) > 0))
        sub = AT[keep]
        sub.sort_indices()
        keys: dict[bytes, int] = {}
        group = np.empty(len(keep), dtype=np.int64)
        ip, ind = sub.indptr, sub.indices.astype(np.int64)
        for r in range(len(keep)):
            group[r] = keys.setdefault(ind[ip[r] : ip[r + 1]].tobytes(), len(keys))
        n_groups = len(keys)
        weights = np.bincount(group, weights=self.w[keep], minlength=n_groups)
        first = np.full(n_groups, -1, dtype=np.int64)
        first[group[::-1]] = np.arange(len(keep))[::-1]
        return sub[first].tocsr(), np.asarray(weights, dtype=np.float64)

    def reduced_nnz(self) -> int:
        AT = self.AT
        keep = (self.w > 0) & (np.diff(AT.indptr) > 0)
        return int(np.diff(AT.indptr)[keep].sum())

    def _highs(
        self, cols: IntArray, *, integer: bool, time_limit_s: float, rel_gap: float = 1e-6
    ) -> tuple[Any, sp.csr_matrix, FloatArray]:
        """A HiGHS instance holding the MCLP over candidates ``cols`` (relaxed unless ``integer``),
        with the reduced matrix and weights it was built from."""
        import highspy

        D, wd = self.reduced(cols)
        n_items, n_cand = D.shape
        n_col = n_cand + n_items
        coo = D.tocoo()
        r_idx = [coo.row, np.arange(n_items)]
        c_idx = [coo.col, n_cand + np.arange(n_items)]
        vals = [-np.ones(coo.nnz), np.ones(n_items)]
        rows_ub: list[float] = [0.0] * n_items
        next_row = n_items
        elig = np.flatnonzero(self.eligible[cols])
        if self.budget is not None:
            r_idx.append(np.full(len(elig), next_row))
            c_idx.append(elig)
            vals.append(np.ones(len(elig)))
            rows_ub.append(float(self.budget))
            next_row += 1
        if self.costs is not None and self.cost_budget is not None:
            r_idx.append(np.full(len(elig), next_row))
            c_idx.append(elig)
            vals.append(self.costs[cols][elig])
            rows_ub.append(float(self.cost_budget))
            next_row += 1
        if self.unit_index is not None and self.unit_caps is not None:
            r_idx.append(next_row + self.unit_index[cols][elig])
            c_idx.append(elig)
            vals.append(np.ones(len(elig)))
            rows_ub.extend(float(v) for v in self.unit_caps)
            next_row += len(self.unit_caps)
        M = sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))),
            shape=(next_row, n_col),
        )
        M.sum_duplicates()
        M.sort_indices()
        lp = highspy.HighsLp()
        lp.num_col_ = n_col
        lp.num_row_ = next_row
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.concatenate([np.zeros(n_cand), wd])
        lp.col_lower_ = np.zeros(n_col)
        col_upper = np.ones(n_col)
        col_upper[:n_cand][~self.eligible[cols]] = 0.0
        lp.col_upper_ = col_upper
        lp.row_lower_ = np.full(next_row, -highspy.kHighsInf)
        lp.row_upper_ = np.asarray(rows_ub, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = n_col
        lp.a_matrix_.num_row_ = next_row
        lp.a_matrix_.start_ = M.indptr.astype(np.int32)
        lp.a_matrix_.index_ = M.indices.astype(np.int32)
        lp.a_matrix_.value_ = M.data.astype(float)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [
                highspy.HighsVarType.kContinuous
            ] * n_items
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(max(0.5, time_limit_s)))
        h.setOptionValue("threads", 1)
        if integer:
            h.setOptionValue("mip_rel_gap", float(rel_gap))
        else:
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("run_crossover", "off")
        h.passModel(lp)
        return h, D, wd

    def lp_bound(self, *, time_limit_s: float) -> tuple[float | None, FloatArray | None]:
        """LP relaxation (HiGHS interior point): an upper bound and the fractional site values.

        The bound is the Lagrangian bound at the LP's row duals (see :meth:`lagrangian_bound`),
        valid whatever the accuracy of the interior-point answer.
        """
        cols = np.arange(self.n_cand)
        h, D, wd = self._highs(cols, integer=False, time_limit_s=time_limit_s)
        if D.shape[0] == 0:
            return 0.0, np.zeros(self.n_cand)
        h.run()
        solution = h.getSolution()
        duals = np.asarray(solution.row_dual)
        values = np.asarray(solution.col_value)
        if len(duals) < D.shape[0] or len(values) < self.n_cand:
            return None, None
        lam = np.clip(np.abs(duals[: D.shape[0]]), 0.0, wd)
        return self.lagrangian_bound(D, wd, lam), values[: self.n_cand]

    def lagrangian_bound(self, D: sp.csr_matrix, wd: FloatArray, lam: FloatArray) -> float:
        r"""Upper bound :math:`\sum_i \max(0, w_i - \lambda_i) + \max_y \sum_j y_j (D^T\lambda)_j`.

        Valid for any :math:`\lambda \ge 0` (the coverage rows relaxed with multipliers
        :math:`\lambda`); the inner maximum over the budget polytope is the sum of the ``p``
        largest site values for a count budget, a fractional knapsack for a cost budget, the top
        ``p_u`` per unit for unit budgets alone (constraints that do not fit are dropped, which only
        loosens the bound).
        """
        value = np.asarray(D.T @ lam)
        value = np.where(self.eligible, np.maximum(value, 0.0), 0.0)
        base = float(np.maximum(wd - lam, 0.0).sum())
        bounds: list[float] = []
        if self.budget is not None:
            p = min(self.budget, len(value))
            bounds.append(float(np.sort(value)[len(value) - p :].sum()) if p else 0.0)
        if self.costs is not None and self.cost_budget is not None:
            ratio = value / self.costs
            order = np.argsort(-ratio, kind="stable")
            spent = np.cumsum(self.costs[order])
            full = spent <= self.cost_budget
            total = float(value[order][full].sum())
            k = int(full.sum())
            if k < len(order):
                room = self.cost_budget - (spent[k - 1] if k else 0.0)
                total += float(ratio[order[k]] * room)
            bounds.append(total)
        if self.unit_index is not None and self.unit_caps is not None and not bounds:
            total = 0.0
            for u, cap in enumerate(self.unit_caps.tolist()):
                vu = np.sort(value[self.unit_index == u])
                total += float(vu[len(vu) - min(cap, len(vu)) :].sum()) if cap else 0.0
            bounds.append(total)
        return base + min(bounds) if bounds else float(wd.sum())

    def exact(
        self,
        start: Sequence[int],
        *,
        time_limit_s: float,
        rel_gap: float,
        cols: IntArray | None = None,
    ) -> tuple[list[int], str, float | None]:
        """HiGHS MIP over candidates ``cols`` (all by default), warm-started from ``start``.

        Returns (chosen candidate indices, ``optimal``/``time_limit``, the MIP's upper bound).
        The bound is over ``cols`` only: it bounds the full problem only when ``cols`` is all.
        """
        import highspy

        cols = np.arange(self.n_cand) if cols is None else np.asarray(cols, dtype=np.int64)
        h, D, _ = self._highs(cols, integer=True, time_limit_s=time_limit_s, rel_gap=rel_gap)
        n_items, n_cand = D.shape
        if n_items == 0:
            return list(start), "optimal", 0.0
        where = np.full(self.n_cand, -1, dtype=np.int64)
        where[cols] = np.arange(len(cols))
        local = [int(where[j]) for j in start if where[j] >= 0]
        if local:
            y = np.zeros(n_cand)
            y[local] = 1.0
            x = np.minimum(1.0, D @ y)
            sol = highspy.HighsSolution()
            sol.col_value = np.concatenate([y, x]).tolist()
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        values = np.asarray(h.getSolution().col_value)
        if status == highspy.HighsModelStatus.kOptimal:
            label = "optimal"
        elif status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
            label = "time_limit"
        else:
            raise AnalysisError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
        if len(values) != D.shape[0] + n_cand:
            return list(start), label, None
        chosen = cols[np.flatnonzero(values[:n_cand] > 0.5)].tolist()
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        return chosen, label, bound

    # -- bounds and ranking ----------------------------------------------------------------------
    def subgradient_bound(
        self,
        *,
        lower: float,
        deadline: float,
        iterations: int = 300,
        chosen: Sequence[int] = (),
    ) -> float | None:
        r"""Lagrangian bound improved by subgradient steps (count budget only).

        :math:`L(\lambda) = \sum_i \max(0, w_i - \lambda_i) + \sum_{\text{top } p} (A\lambda)_j`
        bounds the optimum for any :math:`\lambda \ge 0`; Polyak steps toward ``lower`` (a known
        objective) lower it to near the LP bound without solving the LP. The multipliers start
        from complementary slackness at the heuristic answer ``chosen``: :math:`w_i` for items it
        leaves uncovered, 0 for items it covers twice or more, :math:`w_i/2` for the rest. Returns
        the best bound
        found before ``deadline`` (seconds, ``time.perf_counter``) or ``iterations``.
        """
        if self.budget is None or self.costs is not None or self.unit_index is not None:
            return None
        w = self.w
        coverable = np.diff(self.AT.indptr) > 0
        times = np.zeros(self.n_dem, dtype=np.int64)
        for j in chosen:
            times[self.row(j)] += 1
        lam = np.where(times == 0, w, np.where(times >= 2, 0.0, 0.5 * w))
        lam = np.where(coverable, lam, w)
        elig = self.eligible
        p = min(self.budget, int(elig.sum()))
        best = float("inf")
        theta = 1.0
        stall = 0
        for _ in range(iterations):
            v = np.where(elig, self.A @ lam, 0.0)
            v = np.maximum(v, 0.0)
            top = np.argpartition(-v, p - 1)[:p] if p else np.zeros(0, dtype=np.int64)
            top = top[v[top] > 0]
            value = float(np.maximum(w - lam, 0.0).sum() + v[top].sum())
            if not np.isfinite(best) or value < best - 1e-9 * max(1.0, best):
                best = value
                stall = 0
            else:
                stall += 1
                if stall >= 15:
                    theta /= 2.0
                    stall = 0
            if time.perf_counter() > deadline or theta < 1e-4:
                break
            g = np.asarray(self.A[top].sum(axis=0)).ravel() - (w > lam)
            g = np.where(coverable, g, 0.0)
            norm = float(g @ g)
            if norm == 0 or best - lower <= 1e-9 * max(1.0, best):
                break
            step = theta * (value - lower) / norm
            lam = np.clip(lam - step * g, 0.0, w)
        return best if np.isfinite(best) else None

    def submodular_bound(self, chosen: Sequence[int]) -> float | None:
        """OPT <= f(S) + sum of the p largest marginal gains w.r.t. S (count budget only)."""
        if self.budget is None or self.costs is not None or self.unit_index is not None:
            return None
        hit = np.zeros(self.n_dem, dtype=bool)
        for j in chosen:
            hit[self.row(j)] = True
        gains = self.A @ np.where(hit, 0.0, self.w)
        gains = gains[self.eligible]
        p = min(self.budget, len(gains))
        top = np.partition(gains, len(gains) - p)[len(gains) - p :] if p else np.zeros(0)
        return float(self.w[hit].sum() + top.sum())

    def rank(self, chosen: Sequence[int]) -> tuple[list[int], list[float]]:
        """Order the chosen sites greedily (largest marginal gain first) and give each gain."""
        covered = np.zeros(self.n_dem, dtype=bool)
        left = list(chosen)
        order: list[int] = []
        gains: list[float] = []
        heap = [(-float(self.w[self.row(j)].sum()), j) for j in left]
        heapq.heapify(heap)
        while heap:
            _, j = heapq.heappop(heap)
            idx = self.row(j)
            fresh = float(self.w[idx][~covered[idx]].sum())
            if heap and -fresh > heap[0][0]:
                heapq.heappush(heap, (-fresh, j))
                continue
            if fresh <= 0:
                continue
            order.append(j)
            gains.append(fresh)
            covered[idx] = True
        return order, gains
