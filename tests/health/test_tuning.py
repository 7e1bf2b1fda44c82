"""The tuning protocol (sharpeyes.health.tuning.tune_by_shots): a threshold moves only on the
evidence of two shots or more, and is placed between the healthy and the faulty samples."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sharpeyes.health.evaluation import Sample
from sharpeyes.health.tuning import Measured, leave_one_shot_out, score, tune, tune_by_shots
from sharpeyes.health.verdict import DEFAULT_CONFIG

#: Only the measures matter here: the samples carry no picture.
_NO_PICTURE = np.zeros((1, 1, 3), np.uint8)

GRID = {"noise_sigma": (2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0, 20.0, 25.0)}


def _shot(clip: str, healthy: list[float], noisy: list[float]) -> list[Measured]:
    """One camera's samples, measured: healthy ones and noisy ones (moderate ``noise``)."""
    out: list[Measured] = []
    for i, sigma in enumerate(healthy):
        x = Sample(f"{clip}/shot0/w{i}/full", [], _NO_PICTURE, frozenset())
        out.append((x, {"noise_sigma": sigma}))
    for i, sigma in enumerate(noisy):
        x = Sample(f"{clip}/shot0/w{i}/full/noise/moderate", [], _NO_PICTURE, frozenset({"noise"}))
        out.append((replace(x, fault="noise", strength="moderate"), {"noise_sigma": sigma}))
    return out


def _alarms(measured: list[Measured], sigma: float) -> int:
    return len(score(measured, config=replace(DEFAULT_CONFIG, noise_sigma=sigma)).alarms)


def test_one_shots_outlier_does_not_move_a_threshold_two_shots_do() -> None:
    base = replace(DEFAULT_CONFIG, noise_sigma=9.0)
    calm = [3.0, 3.5, 4.0, 4.2]
    one = [*_shot("a", [*calm, 9.5], [19.0, 22.0]), *_shot("b", calm, [18.0, 20.0])]
    one += _shot("c", calm, [18.5, 21.0])
    # the old coordinate search spares the one soft view by raising the threshold
    assert tune(one, base=base).noise_sigma > 9.5
    kept = tune_by_shots(one, base=base, grids=GRID)
    assert kept.noise_sigma < 9.5 and _alarms(one, kept.noise_sigma) == 1
    # the same outlier on two cameras is evidence: the threshold moves above it
    two = [*_shot("a", [*calm, 9.5], [19.0, 22.0]), *_shot("b", [*calm, 9.6], [18.0, 20.0])]
    two += _shot("c", calm, [18.5, 21.0])
    moved = tune_by_shots(two, base=base, grids=GRID)
    assert 9.6 < moved.noise_sigma < 18.0 and _alarms(two, moved.noise_sigma) == 0


def test_threshold_is_placed_between_healthy_and_faulty_not_at_the_edge() -> None:
    calm = [3.0, 4.0, 4.5]
    measured = [*_shot("a", calm, [18.0, 30.0]), *_shot("b", calm, [19.0, 26.0])]
    measured += _shot("c", calm, [18.5, 24.0])
    # 5 already separates the healthy samples (≤ 4.5) from the noisy ones (≥ 18)
    chosen = tune_by_shots(measured, base=replace(DEFAULT_CONFIG, noise_sigma=5.0), grids=GRID)
    assert chosen.noise_sigma == 8.0  # the middle of 5 … 14 on the grid
    assert _alarms(measured, chosen.noise_sigma) == 0


def test_leave_one_shot_out_scores_each_shot_with_thresholds_chosen_without_it() -> None:
    calm = [3.0, 4.0]
    measured = [
        *_shot("a", calm, [18.0]),
        *_shot("b", calm, [19.0]),
        *_shot("c", [*calm, 16.0], [18.5]),
    ]
    seen: list[set[str]] = []

    def tuner(ms: list[Measured], *, base: object) -> object:
        seen.append({x.shot[0] for x, _ in ms})
        return DEFAULT_CONFIG

    out = leave_one_shot_out(measured, tuner)
    assert seen == [{"b", "c"}, {"a", "c"}, {"a", "b"}]
    assert out[("a", 0)] > out[("c", 0)]  # shot c's healthy 16 is a false alarm at 9
