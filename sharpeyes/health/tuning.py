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
