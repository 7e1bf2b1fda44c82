r"""The exact model of maximal coverage (HiGHS) and the upper bounds every answer carries.

The integer program (the MCLP of :mod:`sharpeyes.planning.model`) over the reduced instance:
demand items no candidate covers, or of weight zero, are dropped, and items with identical covering
sets are merged (their weights summed), which leaves the optimum unchanged.

- :func:`solve_mip`: the MIP solved by HiGHS (``highspy``), warm-started from a heuristic answer,
  with a time limit; ``optimal`` when the gap is closed, else the best answer and the proven bound.
- :func:`lp_bound`: the LP relaxation (HiGHS interior point): an upper bound, and the fractional
  site values that the kernel MIP of :meth:`~sharpeyes.planning.model.MaximalCoverage.solve`
  restricts itself to.
- :func:`lagrangian_bound`, :func:`submodular_bound`: upper bounds without a MIP, valid for any
  multipliers (subgradient steps that lower the Lagrangian bound: :mod:`sharpeyes.planning.lagrangian`).

HiGHS 1.16 prints a banner ("Running HiGHS …") on file descriptor 1 when a solver is constructed,
before ``output_flag`` can be switched off; every construction and run here is wrapped in
:func:`stdout_to_stderr`, so that ``sharpeyes … --json`` keeps stdout for its one JSON document.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from sharpeyes._errors import AnalysisError
from sharpeyes.planning.heuristics import FloatArray, IntArray

if TYPE_CHECKING:
    from sharpeyes.planning.heuristics import SolveState

__all__ = [
    "lagrangian_bound",
    "lp_bound",
    "reduced",
    "reduced_nnz",
    "solve_mip",
    "stdout_to_stderr",
    "submodular_bound",
]


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers (text HiGHS wrote but the C library still holds)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError, TypeError):  # no C library (not POSIX)
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at descriptor 2 meanwhile: whatever native code prints goes to stderr.

    Process-wide (every thread's writes to fd 1 go to stderr meanwhile), so it wraps only the short
    HiGHS calls. Does nothing when fd 1 or fd 2 is closed.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # sys.stdout closed meanwhile
            sys.stdout.flush()
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


# -- the MIP and its LP relaxation ----------------------------------------------------------------


def reduced(state: SolveState, cols: IntArray | None = None) -> tuple[sp.csr_matrix, FloatArray]:
    """Demand × candidates matrix (restricted to ``cols``) without useless items, identical
    items merged (their weights summed)."""
    at = state.transposed if cols is None else state.A[cols].T.tocsr()
    keep = np.flatnonzero((state.w > 0) & (np.diff(at.indptr) > 0))
    sub = at[keep]
    sub.sort_indices()
    keys: dict[bytes, int] = {}
    group = np.empty(len(keep), dtype=np.int64)
    ip, ind = sub.indptr, sub.indices.astype(np.int64)
    for r in range(len(keep)):
        group[r] = keys.setdefault(ind[ip[r] : ip[r + 1]].tobytes(), len(keys))
    n_groups = len(keys)
    weights = np.bincount(group, weights=state.w[keep], minlength=n_groups)
    first = np.full(n_groups, -1, dtype=np.int64)
    first[group[::-1]] = np.arange(len(keep))[::-1]
    return sub[first].tocsr(), np.asarray(weights, dtype=np.float64)


def reduced_nnz(state: SolveState) -> int:
    """Non-zeros of the coverage matrix over the demand that counts (before merging)."""
    at = state.transposed
    keep = (state.w > 0) & (np.diff(at.indptr) > 0)
    return int(np.diff(at.indptr)[keep].sum())


def _constraints(
    state: SolveState, cols: IntArray, dm: sp.csr_matrix
) -> tuple[sp.csc_matrix, FloatArray]:
    """Rows of the MCLP over candidates ``cols`` (columns: sites, then merged demand items) and
    their upper bounds: coverage (x_i - sum y_j <= 0), count budget, cost budget, unit budgets."""
    n_items, n_cand = dm.shape
    coo = dm.tocoo()
    r_idx = [coo.row, np.arange(n_items)]
    c_idx = [coo.col, n_cand + np.arange(n_items)]
    vals = [-np.ones(coo.nnz), np.ones(n_items)]
    rows_ub: list[float] = [0.0] * n_items
    next_row = n_items
    elig = np.flatnonzero(state.eligible[cols])
    if state.budget is not None:
        r_idx.append(np.full(len(elig), next_row))
        c_idx.append(elig)
        vals.append(np.ones(len(elig)))
        rows_ub.append(float(state.budget))
        next_row += 1
    if state.costs is not None and state.cost_budget is not None:
        r_idx.append(np.full(len(elig), next_row))
        c_idx.append(elig)
        vals.append(state.costs[cols][elig])
        rows_ub.append(float(state.cost_budget))
        next_row += 1
    if state.unit_index is not None and state.unit_caps is not None:
        r_idx.append(next_row + state.unit_index[cols][elig])
        c_idx.append(elig)
        vals.append(np.ones(len(elig)))
        rows_ub.extend(float(v) for v in state.unit_caps)
        next_row += len(state.unit_caps)
    mat = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))),
        shape=(next_row, n_cand + n_items),
    )
    mat.sum_duplicates()
    mat.sort_indices()
    return mat, np.asarray(rows_ub, dtype=float)


def _highs_model(
    state: SolveState, cols: IntArray, *, integer: bool, time_limit_s: float, rel_gap: float = 1e-6
) -> tuple[Any, sp.csr_matrix, FloatArray]:
    """A HiGHS instance holding the MCLP over candidates ``cols`` (relaxed unless ``integer``),
    with the reduced matrix and weights it was built from."""
    import highspy

    dm, wd = reduced(state, cols)
    n_items, n_cand = dm.shape
    n_col = n_cand + n_items
    mat, rows_ub = _constraints(state, cols, dm)
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = mat.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), wd])
    lp.col_lower_ = np.zeros(n_col)
    col_upper = np.ones(n_col)
    col_upper[:n_cand][~state.eligible[cols]] = 0.0
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.full(mat.shape[0], -highspy.kHighsInf)
    lp.row_upper_ = rows_ub
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = mat.shape[0]
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [
            highspy.HighsVarType.kContinuous
        ] * n_items
    with stdout_to_stderr():
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
    return h, dm, wd


def lp_bound(state: SolveState, *, time_limit_s: float) -> tuple[float | None, FloatArray | None]:
    """LP relaxation (HiGHS interior point): an upper bound and the fractional site values.

    The bound is the Lagrangian bound at the LP's row duals (see :func:`lagrangian_bound`),
    valid whatever the accuracy of the interior-point answer.
    """
    cols = np.arange(state.n_cand)
    h, dm, wd = _highs_model(state, cols, integer=False, time_limit_s=time_limit_s)
    if dm.shape[0] == 0:
        return 0.0, np.zeros(state.n_cand)
    with stdout_to_stderr():
        h.run()
    solution = h.getSolution()
    duals = np.asarray(solution.row_dual)
    values = np.asarray(solution.col_value)
    if len(duals) < dm.shape[0] or len(values) < state.n_cand:
        return None, None
    lam = np.clip(np.abs(duals[: dm.shape[0]]), 0.0, wd)
    return lagrangian_bound(state, dm, wd, lam), values[: state.n_cand]


def lagrangian_bound(
    state: SolveState, dm: sp.csr_matrix, wd: FloatArray, lam: FloatArray
) -> float:
    r"""Upper bound :math:`\sum_i \max(0, w_i - \lambda_i) + \max_y \sum_j y_j (D^T\lambda)_j`.

    :math:`D` is ``dm``, the reduced demand × candidates matrix of :func:`reduced`, and
    :math:`w` its weights ``wd``.

    Valid for any :math:`\lambda \ge 0` (the coverage rows relaxed with multipliers
    :math:`\lambda`); the inner maximum over the budget polytope is the sum of the ``p``
    largest site values for a count budget, a fractional knapsack for a cost budget, the top
    ``p_u`` per unit for unit budgets alone (constraints that do not fit are dropped, which only
    loosens the bound).
    """
    value = np.asarray(dm.T @ lam)
    value = np.where(state.eligible, np.maximum(value, 0.0), 0.0)
    base = float(np.maximum(wd - lam, 0.0).sum())
    bounds: list[float] = []
    if state.budget is not None:
        p = min(state.budget, len(value))
        bounds.append(float(np.sort(value)[len(value) - p :].sum()) if p else 0.0)
    if state.costs is not None and state.cost_budget is not None:
        ratio = value / state.costs
        order = np.argsort(-ratio, kind="stable")
        spent = np.cumsum(state.costs[order])
        full = spent <= state.cost_budget
        total = float(value[order][full].sum())
        k = int(full.sum())
        if k < len(order):
            room = state.cost_budget - (spent[k - 1] if k else 0.0)
            total += float(ratio[order[k]] * room)
        bounds.append(total)
    if state.unit_index is not None and state.unit_caps is not None and not bounds:
        total = 0.0
        for u, cap in enumerate(state.unit_caps.tolist()):
            vu = np.sort(value[state.unit_index == u])
            total += float(vu[len(vu) - min(cap, len(vu)) :].sum()) if cap else 0.0
        bounds.append(total)
    return base + min(bounds) if bounds else float(wd.sum())


def solve_mip(
    state: SolveState,
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

    cols = np.arange(state.n_cand) if cols is None else np.asarray(cols, dtype=np.int64)
    h, dm, _ = _highs_model(state, cols, integer=True, time_limit_s=time_limit_s, rel_gap=rel_gap)
    n_items, n_cand = dm.shape
    if n_items == 0:
        return list(start), "optimal", 0.0
    where = np.full(state.n_cand, -1, dtype=np.int64)
    where[cols] = np.arange(len(cols))
    local = [int(where[j]) for j in start if where[j] >= 0]
    if local:
        y = np.zeros(n_cand)
        y[local] = 1.0
        x = np.minimum(1.0, dm @ y)
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate([y, x]).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    with stdout_to_stderr():
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
    if len(values) != dm.shape[0] + n_cand:
        return list(start), label, None
    chosen = cols[np.flatnonzero(values[:n_cand] > 0.5)].tolist()
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    return chosen, label, bound


# -- bounds without a MIP ------------------------------------------------------------------------


def submodular_bound(state: SolveState, chosen: Sequence[int]) -> float | None:
    """OPT <= f(S) + sum of the p largest marginal gains w.r.t. S (count budget only)."""
    if state.budget is None or state.costs is not None or state.unit_index is not None:
        return None
    hit = np.zeros(state.n_dem, dtype=bool)
    for j in chosen:
        hit[state.row(j)] = True
    gains = state.A @ np.where(hit, 0.0, state.w)
    gains = gains[state.eligible]
    p = min(state.budget, len(gains))
    top = np.partition(gains, len(gains) - p)[len(gains) - p :] if p else np.zeros(0)
    return float(state.w[hit].sum() + top.sum())
