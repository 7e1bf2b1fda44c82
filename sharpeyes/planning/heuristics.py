r"""Heuristics for maximal coverage: lazy greedy and swap local search, over one :class:`SolveState`.

- :func:`greedy` picks the site with the largest marginal gain (or gain per cost) until the budget
  is spent, evaluating gains lazily from a priority queue (CELF): gains only shrink as sites are
  added (coverage is submodular), so a stale gain is an upper bound and only the queue's top is
  re-evaluated. Guarantee :math:`1 - 1/e \approx 63\,\%` of the optimum for a count budget; with a
  cost budget the better of the ratio-greedy and the best single site gives at least
  :math:`(1 - 1/e)/2`.
- :func:`swap_search`: 1-swap local search from the greedy answer: replace one chosen site by one
  unchosen site while that raises coverage. All swaps are scored at once with sparse products,
  then the best-scoring candidates are re-checked exactly against the current state before
  applying them (stale scores are only a ranking), until no swap improves (a local optimum) or time
  runs out.
- :func:`rank` orders a chosen set greedily, each site with the weight it adds.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sharpeyes.planning.model import MaximalCoverage

__all__ = ["FloatArray", "IntArray", "SolveState", "greedy", "rank", "swap_search"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class SolveState:
    """Working arrays of one solve: effective weights, the matrix and its transpose, feasibility.

    ``A`` is the coverage matrix (candidates × demand, float), ``w`` the demand weights with what
    existing cameras cover set to zero, ``eligible`` the candidates that may be chosen at all.
    """

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
        self._transposed: sp.csr_matrix | None = None

    @property
    def transposed(self) -> sp.csr_matrix:
        """The transpose (demand × candidates), built once when first needed."""
        if self._transposed is None:
            self._transposed = self.A.T.tocsr()
        return self._transposed

    def row(self, j: int) -> IntArray:
        """Demand items candidate ``j`` covers."""
        return self.A.indices[self.A.indptr[j] : self.A.indptr[j + 1]]  # type: ignore[no-any-return]

    def objective(self, chosen: Sequence[int]) -> float:
        """Weight the sites ``chosen`` cover (beyond what existing cameras cover)."""
        if not len(chosen):
            return 0.0
        hit = np.zeros(self.n_dem, dtype=bool)
        for j in chosen:
            hit[self.row(j)] = True
        return float(self.w[hit].sum())

    def fits(self, j: int, count: int, cost: float, unit_counts: IntArray | None) -> bool:
        """Whether site ``j`` can join ``count`` chosen sites costing ``cost`` in total."""
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


# -- greedy ----------------------------------------------------------------------------------------


def greedy(state: SolveState, *, by_ratio: bool | None = None) -> list[int]:
    """Lazy (CELF) greedy; with a cost budget, the better of ratio-greedy and the best single site."""
    if by_ratio is None:
        by_ratio = state.costs is not None and state.cost_budget is not None
    chosen = _lazy_greedy(state, by_ratio=by_ratio)
    if by_ratio:
        gains0 = state.A @ state.w
        gains0[~state.eligible] = -1.0
        best = int(np.argmax(gains0)) if state.n_cand else -1
        if best >= 0 and gains0[best] > state.objective(chosen) + 1e-12:
            chosen = [best]
    return chosen


def _lazy_greedy(state: SolveState, *, by_ratio: bool) -> list[int]:
    covered = np.zeros(state.n_dem, dtype=bool)
    gains = state.A @ state.w
    costs = state.costs if (by_ratio and state.costs is not None) else np.ones(state.n_cand)
    heap = [
        (-gains[j] / costs[j], j) for j in np.flatnonzero(state.eligible & (gains > 0)).tolist()
    ]
    heapq.heapify(heap)
    chosen: list[int] = []
    cost = 0.0
    unit_counts = None if state.unit_caps is None else np.zeros(len(state.unit_caps), np.int64)
    while heap:
        if state.budget is not None and len(chosen) >= state.budget:
            break
        _, j = heapq.heappop(heap)
        if not state.fits(j, len(chosen), cost, unit_counts):
            continue
        idx = state.row(j)
        fresh = float(state.w[idx][~covered[idx]].sum())
        if fresh <= 0:
            continue
        key = -fresh / costs[j]
        if heap and key > heap[0][0]:
            heapq.heappush(heap, (key, j))
            continue
        chosen.append(j)
        covered[idx] = True
        if state.costs is not None:
            cost += float(state.costs[j])
        if unit_counts is not None and state.unit_index is not None:
            unit_counts[state.unit_index[j]] += 1
    return chosen


# -- swap local search -----------------------------------------------------------------------------


def swap_search(
    state: SolveState, chosen: list[int], *, deadline: float, max_rounds: int = 10_000
) -> tuple[list[int], int, bool]:
    """1-swap (and add) local search; returns (chosen, swaps made, reached a local optimum)."""
    sel = np.array(chosen, dtype=np.int64)
    n_sel = len(sel)
    in_sel = np.zeros(state.n_cand, dtype=bool)
    in_sel[sel] = True
    pos = np.full(state.n_cand, -1, dtype=np.int64)
    pos[sel] = np.arange(n_sel)
    cnt = np.zeros(state.n_dem, dtype=np.int64)
    owner = np.full(state.n_dem, -1, dtype=np.int64)  # position in sel of the only coverer
    at = state.transposed
    _refresh(state, np.arange(state.n_dem), sel, in_sel, pos, cnt, owner, at)
    cost = float(state.costs[sel].sum()) if state.costs is not None else 0.0
    unit_counts = None
    if state.unit_index is not None and state.unit_caps is not None:
        unit_counts = np.bincount(state.unit_index[sel], minlength=len(state.unit_caps))
    eps = 1e-9 * max(1.0, float(state.w.sum()))
    swaps = 0
    simple = state.costs is None and state.unit_index is None
    for _ in range(max_rounds):
        if time.perf_counter() > deadline:
            return sel.tolist(), swaps, False
        scores = _score_all(
            state, sel, in_sel, cnt, owner, simple=simple, cost=cost, unit_counts=unit_counts
        )
        order = np.flatnonzero(scores > eps)
        if not len(order):
            return sel.tolist(), swaps, True
        order = order[np.argsort(-scores[order], kind="stable")]
        loss = _loss(state, sel, cnt)
        applied = 0
        for c in order.tolist():
            if time.perf_counter() > deadline:
                return sel.tolist(), swaps, False
            if in_sel[c]:
                continue
            delta, s_pos = _best_move(state, c, sel, cnt, owner, loss, cost, unit_counts)
            if delta <= eps:
                continue
            changed = state.row(c)
            if s_pos >= 0:
                s = int(sel[s_pos])
                changed = np.union1d(changed, state.row(s))
                in_sel[s] = False
                pos[s] = -1
                sel[s_pos] = c
                pos[c] = s_pos
                if state.costs is not None:
                    cost += float(state.costs[c] - state.costs[s])
                if unit_counts is not None and state.unit_index is not None:
                    unit_counts[state.unit_index[s]] -= 1
                    unit_counts[state.unit_index[c]] += 1
            else:
                pos[c] = len(sel)
                sel = np.append(sel, c)
                if state.costs is not None:
                    cost += float(state.costs[c])
                if unit_counts is not None and state.unit_index is not None:
                    unit_counts[state.unit_index[c]] += 1
            in_sel[c] = True
            _refresh(state, changed, sel, in_sel, pos, cnt, owner, at)
            loss = _loss(state, sel, cnt)
            swaps += 1
            applied += 1
        if not applied:
            return sel.tolist(), swaps, True
    return sel.tolist(), swaps, False


def _loss(state: SolveState, sel: IntArray, cnt: IntArray) -> FloatArray:
    """Weight each chosen site covers alone (lost if it were removed)."""
    if not len(sel):
        return np.zeros(0)
    return np.asarray(state.A[sel] @ np.where(cnt == 1, state.w, 0.0))


def _refresh(
    state: SolveState,
    demand: IntArray,
    sel: IntArray,
    in_sel: NDArray[np.bool_],
    pos: IntArray,
    cnt: IntArray,
    owner: IntArray,
    at: sp.csr_matrix,
) -> None:
    """Recount coverers (and the only coverer) of ``demand`` items for the current selection."""
    if not len(demand):
        return
    sub = at[demand]
    mask = sub.multiply(in_sel[np.newaxis, :].astype(np.float64)).tocsr()
    mask.eliminate_zeros()
    counts = np.diff(mask.indptr)
    cnt[demand] = counts
    owner[demand] = -1
    single = counts == 1
    if single.any():
        owner[demand[single]] = pos[mask.indices[mask.indptr[:-1][single]]]


def _score_all(
    state: SolveState,
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
    uncovered_w = np.where(cnt == 0, state.w, 0.0)
    gain0 = state.A @ uncovered_w
    single = cnt == 1
    single_w = np.where(single, state.w, 0.0)
    loss = state.A[sel] @ single_w if n_sel else np.zeros(0)
    di = np.flatnonzero(single & (state.w > 0))
    owner_w = sp.csr_matrix((state.w[di], (di, owner[di])), shape=(state.n_dem, max(n_sel, 1)))
    e_owner = (state.A @ owner_w).tocsr()
    scores = np.full(state.n_cand, -np.inf)
    can_add = _can_add_mask(state, len(sel), cost, unit_counts)
    scores[can_add] = gain0[can_add]
    if n_sel == 0:
        scores[in_sel] = -np.inf
        return scores
    if simple:
        best = gain0 - float(loss.min())
        rows = np.repeat(np.arange(state.n_cand), np.diff(e_owner.indptr))
        vals = gain0[rows] + e_owner.data - loss[e_owner.indices]
        np.maximum.at(best, rows, vals)
        scores = np.maximum(scores, best)
    else:
        chunk = max(1, 4_000_000 // max(n_sel, 1))
        for start in range(0, state.n_cand, chunk):
            stop = min(state.n_cand, start + chunk)
            block = (
                gain0[start:stop, None] + e_owner[start:stop].toarray()[:, :n_sel] - loss[None, :]
            )
            block[~_swap_feasible(state, np.arange(start, stop), sel, cost, unit_counts)] = -np.inf
            scores[start:stop] = np.maximum(scores[start:stop], block.max(axis=1))
    scores[in_sel | ~state.eligible] = -np.inf
    return scores


def _can_add_mask(
    state: SolveState, count: int, cost: float, unit_counts: IntArray | None
) -> NDArray[np.bool_]:
    ok = state.eligible.copy()
    if state.budget is not None and count + 1 > state.budget:
        ok[:] = False
    if state.costs is not None and state.cost_budget is not None:
        ok &= cost + state.costs <= state.cost_budget + 1e-9
    if state.unit_index is not None and unit_counts is not None and state.unit_caps is not None:
        room = unit_counts < state.unit_caps
        ok &= np.where(state.unit_index >= 0, room[np.maximum(state.unit_index, 0)], False)
    return ok


def _swap_feasible(
    state: SolveState, cands: IntArray, sel: IntArray, cost: float, unit_counts: IntArray | None
) -> NDArray[np.bool_]:
    """Feasibility of swapping each of ``cands`` (rows) for each chosen site (columns)."""
    ok = np.ones((len(cands), len(sel)), dtype=bool)
    ok &= state.eligible[cands][:, None]
    if state.costs is not None and state.cost_budget is not None:
        ok &= (
            cost - state.costs[sel][None, :] + state.costs[cands][:, None]
        ) <= state.cost_budget + 1e-9
    if state.unit_index is not None and unit_counts is not None and state.unit_caps is not None:
        uc = state.unit_index[cands]
        us = state.unit_index[sel]
        same = uc[:, None] == us[None, :]
        room = np.where(
            uc >= 0, unit_counts[np.maximum(uc, 0)] < state.unit_caps[np.maximum(uc, 0)], False
        )
        ok &= same | room[:, None]
    return ok


def _best_move(
    state: SolveState,
    c: int,
    sel: IntArray,
    cnt: IntArray,
    owner: IntArray,
    loss: FloatArray,
    cost: float,
    unit_counts: IntArray | None,
) -> tuple[float, int]:
    """Exact best move bringing in ``c``: (gain, position swapped out or -1 for a plain add)."""
    idx = state.row(c)
    wc = state.w[idx]
    cc = cnt[idx]
    gain0 = float(wc[cc == 0].sum())
    best, best_pos = -np.inf, -1
    if state.fits(c, len(sel), cost, unit_counts):
        best = gain0
    n_sel = len(sel)
    if n_sel:
        one = cc == 1
        extra = np.bincount(owner[idx[one]], weights=wc[one], minlength=n_sel)
        delta = gain0 + extra - loss
        feasible = _swap_feasible(state, np.array([c]), sel, cost, unit_counts)[0]
        delta[~feasible] = -np.inf
        k = int(np.argmax(delta))
        if delta[k] > best:
            best, best_pos = float(delta[k]), k
    return best, best_pos


# -- ranking -------------------------------------------------------------------------------------


def rank(state: SolveState, chosen: Sequence[int]) -> tuple[list[int], list[float]]:
    """Order the chosen sites greedily (largest marginal gain first) and give each gain."""
    covered = np.zeros(state.n_dem, dtype=bool)
    left = list(chosen)
    order: list[int] = []
    gains: list[float] = []
    heap = [(-float(state.w[state.row(j)].sum()), j) for j in left]
    heapq.heapify(heap)
    while heap:
        _, j = heapq.heappop(heap)
        idx = state.row(j)
        fresh = float(state.w[idx][~covered[idx]].sum())
        if heap and -fresh > heap[0][0]:
            heapq.heappush(heap, (-fresh, j))
            continue
        if fresh <= 0:
            continue
        order.append(j)
        gains.append(fresh)
        covered[idx] = True
    return order, gains
