r"""Incremental swap moves and a tabu search over them (count budget).

:class:`SwapMoves` keeps, for the current plan, everything a 1-swap needs, updated in place when a
site comes in or goes out (only the demand the two sites cover, and the candidates covering that
demand, are touched):

- ``cnt[i]``: how many chosen sites cover demand item :math:`i`; ``owner[i]`` the slot of the only
  one when ``cnt[i] == 1``;
- ``gain[c]``: weight candidate :math:`c` would newly cover (items no chosen site covers);
- ``E[c, k]``: weight of the items :math:`c` covers that only the site in slot :math:`k` covers;
  ``E[sel[k], k]`` is what slot :math:`k` alone covers, its loss if removed.

Swapping :math:`c` in for slot :math:`k` then changes the objective by exactly
:math:`\Delta(c, k) = \text{gain}_c + E_{ck} - E_{\text{sel}_k k}` (an empty slot is a plain add),
so every move's value is one dense pass over the ``E`` array.

:func:`tabu_search` moves to the best admissible swap at every step, even a worsening one: a site
that left may not come back, and one that came in may not leave, for a few steps (the tabu
tenures), unless the move beats the best plan found (aspiration). After a long run without a new
best it restarts from the best plan with a few random swaps. Best-improvement descent to a local
optimum is the same loop without tabu or worsening moves (:meth:`SwapMoves.descend`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sharpeyes.planning.heuristics import FloatArray, IntArray, SolveState

__all__ = ["MAX_MOVE_CELLS", "SwapMoves", "TabuResult", "tabu_search"]

#: The dense move array (candidates × budget) is used only up to this many cells (160 MB).
MAX_MOVE_CELLS = 20_000_000
#: A site that left may not come back for (1 to 2) × this share of the budget's steps ...
TENURE_IN = 0.5
#: ... and one that came in may not leave for this share of them.
TENURE_OUT = 0.2
#: After this many steps × the budget without a new best, restart from the best plan ...
STALL = 5.0
#: ... with this share of its sites swapped for random candidates.
KICK = 0.1


def _expand(at: sp.csr_matrix, items: IntArray) -> tuple[IntArray, IntArray]:
    """(position in ``items``, candidate) for every candidate covering each of ``items``."""
    starts = at.indptr[items]
    lengths = at.indptr[items + 1] - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    which = np.repeat(np.arange(len(items)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return which, at.indices[np.repeat(starts, lengths) + offsets].astype(np.int64)


class SwapMoves:
    """The exact value of every 1-swap of a plan, kept up to date move by move (count budget)."""

    def __init__(
        self,
        state: SolveState,
        chosen: Sequence[int],
        slots: int,
        cache: dict[int, tuple[IntArray, FloatArray, IntArray, IntArray, FloatArray]] | None = None,
    ) -> None:
        self.state = state
        self.at = state.transposed
        self.n_slots = slots
        self.sel = np.full(slots, -1, dtype=np.int64)
        self.slot_of = np.full(state.n_cand, -1, dtype=np.int64)
        self.cnt = np.zeros(state.n_dem, dtype=np.int64)
        self.owner = np.full(state.n_dem, -1, dtype=np.int64)
        self.gain: FloatArray = state.A @ state.w
        #: E[k, c]: weight of what c covers that only slot k's site covers (slots × candidates).
        self.E = np.zeros((slots, state.n_cand))
        self.value = 0.0
        self._near = {} if cache is None else cache
        self._scores = np.empty_like(self.E)
        self._barred = ~state.eligible
        for k, j in enumerate(list(chosen)[:slots]):
            self.add(int(j), k)

    def _neighbours(self, c: int) -> tuple[IntArray, FloatArray, IntArray, IntArray, FloatArray]:
        """Row c's items and their weights, then for each (item, candidate covering it) the item's
        position, the candidate and the item's weight (cached: a search moves the same few hundred
        sites in and out)."""
        found = self._near.get(c)
        if found is None:
            items = self.state.row(c)
            w_items = self.state.w[items]
            pos, cands = _expand(self.at, items)
            found = (items, w_items, pos, cands, w_items[pos])
            self._near[c] = found
        return found

    def add(self, c: int, k: int) -> None:
        """Put candidate ``c`` into the empty slot ``k``."""
        items, w_items, pos, cands, wts = self._neighbours(c)
        cnt = self.cnt[items]
        fresh = cnt == 0
        self.value += float(w_items[fresh].sum())
        f = fresh[pos]
        moved = np.bincount(cands[f], weights=wts[f], minlength=self.state.n_cand)
        self.gain -= moved
        self.E[k] += moved
        once = cnt == 1
        s = once[pos]
        if s.any():
            np.subtract.at(self.E, (self.owner[items][pos[s]], cands[s]), wts[s])
            self.owner[items[once]] = -1
        self.owner[items[fresh]] = k
        self.cnt[items] += 1
        self.sel[k] = c
        self.slot_of[c] = k

    def remove(self, k: int) -> None:
        """Empty slot ``k``."""
        r = int(self.sel[k])
        self.sel[k] = -1
        self.slot_of[r] = -1
        items, w_items, pos, cands, wts = self._neighbours(r)
        cnt = self.cnt[items]
        self.cnt[items] -= 1
        lost = cnt == 1
        self.value -= float(w_items[lost].sum())
        f = lost[pos]
        self.gain += np.bincount(cands[f], weights=wts[f], minlength=self.state.n_cand)
        self.E[k] = 0.0  # slot k owned exactly the items it lost
        self.owner[items[lost]] = -1
        two = (cnt == 2)[pos]
        if two.any():
            p2, c2, w2 = pos[two], cands[two], wts[two]
            slots = self.slot_of[c2]
            mine = slots >= 0
            new_owner = np.full(len(items), -1, dtype=np.int64)
            new_owner[p2[mine]] = slots[mine]
            alone = cnt == 2
            self.owner[items[alone]] = new_owner[alone]
            np.add.at(self.E, (new_owner[p2], c2), w2)

    def swap(self, c: int, k: int) -> None:
        """Candidate ``c`` in, the site in slot ``k`` (if any) out."""
        if self.sel[k] >= 0:
            self.remove(k)
        self.add(c, k)

    def losses(self) -> FloatArray:
        """Weight each slot's site alone covers (0 for an empty slot)."""
        occupied = self.sel >= 0
        out = np.zeros(self.n_slots)
        out[occupied] = self.E[np.flatnonzero(occupied), self.sel[occupied]]
        return out

    def best_moves(self, blocked_slots: np.ndarray | None = None) -> tuple[FloatArray, FloatArray]:
        """Every candidate's best swap value (change in covered weight; -inf for chosen or
        ineligible sites) and the slots' losses (inf where ``blocked_slots``); :meth:`slot_for`
        then names the slot of the one move taken."""
        loss = self.losses()
        if blocked_slots is not None:
            loss = np.where(blocked_slots, np.inf, loss)
        np.subtract(self.E, loss[:, None], out=self._scores)
        delta = self._scores.max(axis=0)
        delta += self.gain
        delta[self.slot_of >= 0] = -np.inf
        delta[self._barred] = -np.inf
        return delta, loss

    def slot_for(self, c: int, loss: FloatArray) -> int:
        """The slot whose swap with candidate ``c`` is worth the most (given the slots' losses)."""
        return int(np.argmax(self.E[:, c] - loss))

    def descend(self, deadline: float, eps: float) -> int:
        """Best-improvement swaps until none improves (or the deadline); returns the moves made."""
        moves = 0
        while time.perf_counter() < deadline:
            delta, loss = self.best_moves()
            c = int(np.argmax(delta))
            if not delta[c] > eps:
                break
            self.swap(c, self.slot_for(c, loss))
            moves += 1
        return moves

    def chosen(self) -> list[int]:
        """The sites in the slots."""
        return [int(j) for j in self.sel if j >= 0]


@dataclass
class TabuResult:
    """The best plan a tabu search found, its covered weight, the moves made, the restarts."""

    chosen: list[int]
    objective: float
    moves: int
    restarts: int


def tabu_search(
    state: SolveState,
    chosen: Sequence[int],
    *,
    deadline: float,
    seed: int = 0,
    max_moves: int = 1_000_000,
    on_improve: Callable[[float], None] | None = None,
) -> TabuResult | None:
    """Tabu search over 1-swaps from ``chosen`` until ``deadline``; ``None`` unless a count budget."""
    if state.budget is None or state.costs is not None or state.unit_index is not None:
        return None
    slots = min(state.budget, int(state.eligible.sum()))
    if slots == 0 or state.n_cand * slots > MAX_MOVE_CELLS:
        return None
    rng = np.random.default_rng(seed)
    moves = SwapMoves(state, chosen, slots)
    eps = 1e-9 * max(1.0, float(state.w.sum()))
    done = moves.descend(deadline, eps)
    best, best_value = moves.chosen(), moves.value
    tenure_in = max(7, int(TENURE_IN * slots))
    tenure_out = max(3, int(TENURE_OUT * slots))
    free_at = np.zeros(state.n_cand, dtype=np.int64)  # step from which a candidate may enter
    fixed_to = np.zeros(slots, dtype=np.int64)  # step until which a slot's site may not leave
    stall_limit = max(200, int(STALL * slots))
    since_best, restarts, step = 0, 0, 0
    while time.perf_counter() < deadline and step < max_moves:
        step += 1
        delta, loss = moves.best_moves(fixed_to > step)
        c = int(np.argmax(delta))
        if not moves.value + delta[c] > best_value + eps:
            c = int(np.argmax(np.where(free_at > step, -np.inf, delta)))
        if not np.isfinite(delta[c]):
            break
        k = moves.slot_for(c, loss)
        gone = int(moves.sel[k])
        moves.swap(c, k)
        if gone >= 0:
            free_at[gone] = step + tenure_in + int(rng.integers(0, tenure_in))
        fixed_to[k] = step + tenure_out
        since_best += 1
        if moves.value > best_value + eps:
            best, best_value, since_best = moves.chosen(), moves.value, 0
            if on_improve is not None:
                on_improve(best_value)
        elif since_best >= stall_limit:
            moves = _restart(moves, best, rng)
            free_at[:] = 0
            fixed_to[:] = 0
            since_best, restarts = 0, restarts + 1
    value = state.objective(best)
    return TabuResult(best, value, done + step, restarts)


def _restart(moves: SwapMoves, best: list[int], rng: np.random.Generator) -> SwapMoves:
    """The best plan with a few of its sites swapped for random eligible candidates."""
    state = moves.state
    plan = list(best)
    outside = np.flatnonzero(state.eligible & ~np.isin(np.arange(state.n_cand), plan))
    n_kick = min(len(outside), max(2, int(KICK * len(plan))))
    if n_kick and plan:
        drop = rng.choice(len(plan), size=min(n_kick, len(plan)), replace=False)
        new = rng.choice(outside, size=len(drop), replace=False)
        for d, n in zip(drop.tolist(), new.tolist(), strict=True):
            plan[d] = int(n)
    return SwapMoves(state, plan, moves.n_slots, cache=moves._near)
