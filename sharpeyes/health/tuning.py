"""Choosing thresholds on one set of clips and scoring them on another (pure functions).

The expensive part, measuring a sample's frames, does not depend on the verdict thresholds, so each
labelled sample is measured once (:func:`measure_samples`) and every candidate configuration is
scored on those measures (:func:`score`). :func:`tune` chooses the thresholds of
:data:`TUNABLE` by coordinate search on the *tuning* samples only (see
:data:`sharpeyes.health.evaluation.TUNING_SHOTS`); the benchmark then scores the result on the
*held-out* samples, which tuning never saw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sharpeyes.health.evaluation import Sample, Score
from sharpeyes.health.verdict import (
    DEFAULT_CONFIG,
    FAULT_NAMES,
    HealthConfig,
    faults_from_measures,
    measure_frames,
)

#: A measured sample: the sample (labels, condition, strength) and its measures.
Measured = tuple[Sample, dict[str, float]]

#: Verdict thresholds :func:`tune` may change, each with the factors of its current value tried.
TUNABLE: Mapping[str, tuple[float, ...]] = {
    "black_dark_fraction": (0.9, 0.95, 1.0, 1.03),
    "black_structure": (0.5, 0.75, 1.0, 1.5, 2.0),
    "dark_mean_luma": (0.75, 0.85, 1.0, 1.15, 1.3),
    "bright_mean_luma": (0.9, 1.0, 1.1),
    "color_cast_k": (0.75, 1.0, 1.25, 1.5),
    "color_shift": (0.6, 0.8, 1.0, 1.25, 1.5),
    "noise_sigma": (0.7, 0.85, 1.0, 1.2, 1.4),
    "blur_effect": (0.9, 1.0, 1.1),
    "blur_increase": (0.6, 0.8, 1.0, 1.25, 1.5),
    "stripe_amplitude": (0.8, 1.0, 1.2, 1.4),
    "occlusion_fraction": (0.75, 1.0, 1.25, 1.5),
    "scene_difference": (0.8, 0.9, 1.0, 1.1, 1.2),
    "moved_shift_fraction": (0.7, 1.0, 1.3, 1.6),
    "moved_aligned": (0.7, 0.85, 1.0, 1.15),
    "moved_aligned_ratio": (0.7, 0.85, 1.0, 1.15),
    "moved_min_support": (1.0, 2.0, 3.0),
    "view_found_inliers": (0.5, 1.0, 2.0),
}
# ``frozen_change`` is not tuned here: the labelled frames never pass through an encoder, whose
# noise is what a frozen stream still shows (the RTSP tests hold it at 0.4).


@dataclass
class Scores:
    """Scores per (fault, strength) and false alarms per healthy condition (day, night, ir, …)."""

    by_fault: dict[tuple[str, str], Score]
    false_alarm_rate: dict[str, float]
    healthy_count: dict[str, int]
    alarms: list[str]


def measure_samples(
    samples: Iterable[Sample], *, config: HealthConfig = DEFAULT_CONFIG
) -> list[Measured]:
    """Each sample with its measures (frames against its reference view)."""
    return [(x, measure_frames(x.frames, reference=x.reference, config=config)) for x in samples]


def score(
    measured: Sequence[Measured],
    *,
    config: HealthConfig = DEFAULT_CONFIG,
    faults: Sequence[str] = FAULT_NAMES,
) -> Scores:
    """Precision/recall per fault and strength, false alarms per healthy condition.

    For fault F at strength S the positives are the samples given F at S; every other sample scored
    at S (other faults at S, and every healthy sample) is a negative for F.
    """
    flagged = [(x, faults_from_measures(m, config=config)) for x, m in measured]
    healthy = [(x, f) for x, f in flagged if not x.labels]
    faulty = [(x, f) for x, f in flagged if x.labels]
    strengths = sorted({x.strength for x, _ in faulty if x.strength})
    by_fault: dict[tuple[str, str], Score] = {}
    for strength in strengths:
        at = [(x, f) for x, f in faulty if x.strength == strength]
        for fault in faults:
            sc = Score(fault, strength)
            for x, found in at:
                if fault in x.labels:
                    if fault in found:
                        sc.tp += 1
                    else:
                        sc.fn += 1
                        for other in found:
                            sc.confusions[other] = sc.confusions.get(other, 0) + 1
                elif fault in found:
                    sc.fp += 1
                    key = f"fp:{x.fault}"
                    sc.confusions[key] = sc.confusions.get(key, 0) + 1
            for _, found in healthy:
                if fault in found:
                    sc.fp += 1
                    sc.confusions["fp:healthy"] = sc.confusions.get("fp:healthy", 0) + 1
            by_fault[(fault, strength)] = sc
    rates: dict[str, float] = {}
    counts: dict[str, int] = {}
    for condition in sorted({x.condition for x, _ in healthy}):
        group = [f for x, f in healthy if x.condition == condition]
        counts[condition] = len(group)
        rates[condition] = sum(bool(f) for f in group) / len(group)
    alarms = [f"{x.name}: {','.join(f)}" for x, f in healthy if f]
    return Scores(by_fault, rates, counts, alarms)


def objective(scores: Scores, *, strength: str = "moderate") -> float:
    """What tuning maximises: the mean F1 over faults at ``strength``, less 5 × the worst false-alarm
    rate over the healthy conditions (a false alarm sends a contractor out for nothing)."""
    f1s = []
    for (fault, s), sc in scores.by_fault.items():
        del fault
        if s != strength:
            continue
        p, r = sc.precision, sc.recall
        f1s.append(0.0 if math.isnan(p) or math.isnan(r) or p + r == 0 else 2 * p * r / (p + r))
    worst = max(scores.false_alarm_rate.values(), default=0.0)
    return (float(np.mean(f1s)) if f1s else 0.0) - 5.0 * worst


def tune(
    measured: Sequence[Measured],
    *,
    base: HealthConfig = DEFAULT_CONFIG,
    rounds: int = 2,
    strength: str = "moderate",
) -> HealthConfig:
    """Thresholds of :data:`TUNABLE` chosen by coordinate search (each in turn, ``rounds`` times)
    to maximise :func:`objective` on ``measured`` — the tuning samples, never the held-out ones.
    Ties keep the current value."""
    config = base
    best = objective(score(measured, config=config), strength=strength)
    for _ in range(rounds):
        for name, factors in TUNABLE.items():
            current = float(getattr(config, name))
            for factor in factors:
                if factor == 1.0:
                    continue
                changes: dict[str, Any] = {name: round(current * factor, 4)}
                trial = replace(config, **changes)
                value = objective(score(measured, config=trial), strength=strength)
                if value > best + 1e-9:
                    best, config = value, trial
    return config


#: ``moved_in_place_share`` values :func:`choose_in_place_share` tries, lowest (fastest) first.
IN_PLACE_SHARES = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1.0)


def choose_in_place_share(
    measured: Sequence[Measured],
    *,
    base: HealthConfig = DEFAULT_CONFIG,
    faults: Sequence[str] = ("moved", "scene_change"),
) -> float:
    """The lowest ``moved_in_place_share`` (the most samples on the fast path) that changes no
    verdict for the worse on ``measured`` — the tuning samples, measured with the test off
    (``moved_in_place_share`` > 1, so every sample also has the slow shift measures): precision
    and recall of ``faults`` at every strength and the false alarms no worse than with the test
    off, and at least twice the largest share of any turned (``moved``) sample — a margin for
    what stays in place when a real camera turns (an OSD clock, a dirty dome). 1.0 when every
    value costs something."""
    off = score(measured, config=replace(base, moved_in_place_share=2.0))
    turned = [m.get("in_place_share", math.nan) for x, m in measured if x.fault == "moved"]
    floor = 2.0 * max((s for s in turned if not math.isnan(s)), default=0.0)

    def no_worse(trial: Scores) -> bool:
        for key, sc in off.by_fault.items():
            if key[0] not in faults:
                continue
            now = trial.by_fault[key]
            for a, b in ((now.precision, sc.precision), (now.recall, sc.recall)):
                if not math.isnan(b) and not (a >= b - 1e-9):
                    return False
        return all(trial.false_alarm_rate[c] <= r + 1e-9 for c, r in off.false_alarm_rate.items())

    for share in IN_PLACE_SHARES:
        if share < floor:
            continue
        if no_worse(score(measured, config=replace(base, moved_in_place_share=share))):
            return share
    return 1.0


#: Candidate values of each threshold the protocol (:func:`tune_by_shots`) may choose: absolute
#: grids spanning each measure's plausible range, roughly evenly spaced on a log scale, fixed
#: before any tuning (so that the chosen value does not depend on where the search starts).
GRIDS: Mapping[str, tuple[float, ...]] = {
    "black_dark_fraction": (0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.97, 0.99),
    "black_structure": (0.4, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0),
    "dark_mean_luma": (16.0, 20.0, 24.0, 28.0, 32.0, 36.0, 40.0, 45.0, 50.0, 56.0),
    "bright_mean_luma": (160.0, 170.0, 180.0, 190.0, 200.0, 210.0, 220.0, 230.0),
    "color_cast_k": (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0),
    "color_shift": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "noise_sigma": (3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0),
    "blur_effect": (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7),
    "blur_increase": (0.02, 0.03, 0.04, 0.05, 0.0625, 0.075, 0.09, 0.11, 0.13, 0.16, 0.2, 0.25),
    "stripe_amplitude": (1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.3, 3.6, 4.0, 4.5, 5.0),
    "occlusion_fraction": (0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
    "scene_difference": (0.45, 0.5, 0.55, 0.6, 0.64, 0.68, 0.72, 0.76, 0.8, 0.85, 0.9),
    # the threshold for a shift one estimator finds before the one for every shift (the
    # narrower first: coordinate search keeps what the first threshold it tries explains)
    "moved_aligned_single": (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7),
    "moved_aligned": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "moved_aligned_ratio": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "view_found_inliers": (30.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0),
}
# Not on the grids: ``moved_min_support`` (1: a shift one estimator finds counts if it explains
# the picture closely, below ``moved_aligned_single``, which the grids tune instead);
# ``moved_shift_fraction`` (what ``moved`` means, 9 % of the width; the thumbnail match is
# measured with it, so it cannot be varied on fixed measures), ``ir_chroma``,
# ``moved_phase_response`` and ``moved_patch_correlation`` (measured with too); ``frozen_change``
# (see :data:`TUNABLE`).

#: Thresholds whose earlier defaults were set while held-out misses were being looked at
#: (docs/health.md): the protocol starts them from the middle of their grid, not from those values.
LOOKED_AT_HELD_OUT = ("black_structure",)

_INT_FIELDS = frozenset({"moved_min_support", "view_found_inliers"})


def _with(config: HealthConfig, name: str, value: float) -> HealthConfig:
    changes: dict[str, Any] = {name: int(value) if name in _INT_FIELDS else float(value)}
    return replace(config, **changes)


def by_shot(measured: Sequence[Measured]) -> dict[tuple[str, int], list[Measured]]:
    """The measured samples grouped by the shot (camera) they were cut from."""
    groups: dict[tuple[str, int], list[Measured]] = {}
    for x, m in measured:
        groups.setdefault(x.shot, []).append((x, m))
    return dict(sorted(groups.items()))


def shot_objectives(
    groups: Mapping[tuple[str, int], Sequence[Measured]],
    config: HealthConfig,
    *,
    strength: str = "moderate",
) -> list[float]:
    """:func:`objective` on each shot's samples alone (in the order of ``groups``)."""
    return [objective(score(g, config=config), strength=strength) for g in groups.values()]


def _margin_middle(grid: Sequence[float], rows: Sequence[Sequence[float]], at: int) -> int:
    """The middle of the run of grid values around ``at`` that no tuning shot tells apart from it
    (every shot's objective within 1e-9): the threshold placed with the widest margin to the
    healthy and to the faulty samples the tuning shots hold, not at the edge of either. Where
    they bound the run on one side only (it reaches the grid's end) the threshold stays: the
    tuning samples say nothing about how far the other side reaches."""
    same = [all(abs(a - b) <= 1e-9 for a, b in zip(r, rows[at], strict=True)) for r in rows]
    lo, hi = at, at
    while lo > 0 and same[lo - 1]:
        lo -= 1
    while hi < len(grid) - 1 and same[hi + 1]:
        hi += 1
    if lo == 0 or hi == len(grid) - 1:
        return at  # the tuning samples bound the run on one side only: nothing to centre in
    middle = (lo + hi) / 2
    return math.floor(middle) if at <= middle else math.ceil(middle)


def _second_best(gains: Sequence[float]) -> float:
    """The gain at least two shots reach (the one shot's gain when there is only one)."""
    ordered = sorted(gains, reverse=True)
    return ordered[1] if len(ordered) > 1 else ordered[0]


def _confirmed(gains: Sequence[float]) -> bool:
    """Whether a change of threshold is worth making on the evidence of the tuning shots: at
    least two shots gain, and what the second of them gains outweighs what any shot loses."""
    second = _second_best(gains)
    return second > 1e-9 and second >= -min(gains)


def tune_by_shots(
    measured: Sequence[Measured],
    *,
    base: HealthConfig = DEFAULT_CONFIG,
    grids: Mapping[str, Sequence[float]] = GRIDS,
    rounds: int = 2,
    strength: str = "moderate",
) -> HealthConfig:
    """The tuning protocol: thresholds of ``grids`` chosen on ``measured`` (the tuning samples
    only) so as not to overfit a few shots.

    Each shot is a camera and is scored alone (:func:`shot_objectives`). Coordinate search over
    the grids, ``rounds`` times: a threshold moves to another grid value only if that improves
    the objective on at least two shots, by more than any shot loses (:func:`_confirmed`) —
    never on the evidence of a single shot (one soft view, one drifting animation). Then each
    threshold is placed in the middle of the run of grid values no shot tells apart from it
    (:func:`_margin_middle`): as far from the healthy samples as from the faulty ones."""
    groups = by_shot(measured)
    config = base
    for _ in range(rounds):
        for name, grid in grids.items():
            now = shot_objectives(groups, config, strength=strength)
            rows = [
                shot_objectives(groups, _with(config, name, v), strength=strength) for v in grid
            ]
            gains = [[a - b for a, b in zip(r, now, strict=True)] for r in rows]
            allowed = [i for i, g in enumerate(gains) if _confirmed(g)]
            current = float(getattr(config, name))
            at = min(range(len(grid)), key=lambda i: abs(grid[i] - current))
            if allowed:
                keys = {i: (_second_best(gains[i]), float(np.mean(gains[i]))) for i in allowed}
                best = max(keys.values())
                ties = [
                    i
                    for i in allowed
                    if all(abs(a - b) <= 1e-9 for a, b in zip(keys[i], best, strict=True))
                ]
                at = ties[len(ties) // 2]  # the middle of equally good values, not an edge
            config = _with(config, name, grid[_margin_middle(grid, rows, at)])
    return config


def leave_one_shot_out(
    measured: Sequence[Measured],
    tuner: Any,
    *,
    base: HealthConfig = DEFAULT_CONFIG,
    strength: str = "moderate",
) -> dict[tuple[str, int], float]:
    """Each tuning shot's :func:`objective` under thresholds ``tuner(measured of the other
    shots, base=base)`` chose without it: how well a tuning protocol carries to a camera it
    never saw, judged on the tuning shots alone."""
    groups = by_shot(measured)
    out: dict[tuple[str, int], float] = {}
    for shot, group in groups.items():
        rest = [xm for s, g in groups.items() if s != shot for xm in g]
        chosen = tuner(rest, base=base)
        out[shot] = objective(score(group, config=chosen), strength=strength)
    return out


#: The defaults as they were before the protocol (#13 item 4), where it starts from: the
#: thresholds it changed in the shipped defaults are set back here, so that what it derives does
#: not depend on what it derived before.
EARLIER_DEFAULTS = replace(
    DEFAULT_CONFIG,
    dark_mean_luma=36.0,
    noise_sigma=9.0,
    stripe_amplitude=2.9,
    moved_in_place_share=0.4,
    moved_aligned_single=0.7,  # new: 0.7, as ``moved_aligned``, is the check it adds turned off
)


def prior(base: HealthConfig = EARLIER_DEFAULTS) -> HealthConfig:
    """Where the protocol starts: ``base``, but each threshold of :data:`LOOKED_AT_HELD_OUT` at
    the middle of its grid (the lower middle for an even grid)."""
    config = base
    for name in LOOKED_AT_HELD_OUT:
        grid = GRIDS[name]
        config = _with(config, name, grid[(len(grid) - 1) // 2])
    return config


def derive_thresholds(
    measured: Sequence[Measured], *, base: HealthConfig = EARLIER_DEFAULTS
) -> HealthConfig:
    """The whole protocol that produces the shipped defaults from the tuning samples alone
    (measured with the in-place patch test off, ``moved_in_place_share`` > 1):
    :func:`tune_by_shots` from :func:`prior`, then :func:`choose_in_place_share` under the
    thresholds it chose."""
    tuned = tune_by_shots(measured, base=prior(base))
    return replace(tuned, moved_in_place_share=choose_in_place_share(measured, base=tuned))
