"""The fast per-picture measures measure what they say: a known stripe pattern's amplitude, the
same values frame by frame as in a batch, the 8-bit fast paths equal to the float definitions,
and a view shift that does not depend on the probes before it."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from sharpeyes.health import detectors as d
from sharpeyes.health import views as v

RNG = np.random.default_rng(7)


def _scene(seed: int) -> np.ndarray:
    """A soft random scene, 320×180 grey levels."""
    noise = np.random.default_rng(seed).random((180, 320)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 4) * 400 - 70


def _blocks(seed: int) -> np.ndarray:
    """A scene of random rectangles (edges everywhere), 320×180 grey levels."""
    rng = np.random.default_rng(seed)
    scene = np.full((180, 320), 100, np.float32)
    for _ in range(60):
        x, y = rng.integers(0, 300), rng.integers(0, 160)
        scene[y : y + rng.integers(5, 40), x : x + rng.integers(5, 60)] = rng.integers(0, 255)
    return scene


@pytest.mark.parametrize(("angle_deg", "period_px"), [(0, 6.0), (90, 9.0), (30, 4.5), (150, 12.0)])
def test_stripe_strength_is_the_amplitude_of_interference(angle_deg: int, period_px: float) -> None:
    yy, xx = np.mgrid[0:180, 0:320].astype(np.float32)
    along = xx * np.cos(np.radians(angle_deg)) + yy * np.sin(np.radians(angle_deg))
    scene = np.clip(_scene(1) * 0.3 + 120, 0, 255)
    striped = np.clip(scene + 12 * np.sin(2 * np.pi * along / period_px), 0, 255).astype(np.uint8)
    assert 6 <= d.stripe_strength(striped) <= 14  # grey levels, about the 12 drawn
    assert d.stripe_strength(scene.astype(np.uint8)) < 2


def test_stripes_of_frames_in_one_batch_are_those_of_each_frame() -> None:
    grays = [np.clip(_scene(s) * 0.5 + 100, 0, 255).astype(np.uint8) for s in range(3)]
    assert d.stripe_strengths(grays) == [d.stripe_strength(g) for g in grays]


def test_8_bit_fast_paths_equal_the_float_definitions() -> None:
    for seed in range(3):
        gray = np.clip(_scene(seed) + RNG.normal(0, 4 + 4 * seed, (180, 320)), 0, 255)
        gray8 = gray.astype(np.uint8)
        as_float = gray8.astype(np.float32)
        assert d.noise_sigma(gray8) == pytest.approx(d.noise_sigma(as_float), rel=1e-5)
        assert d.noise_sigma(gray8, bands=8) == pytest.approx(
            d.noise_sigma(as_float, bands=8), rel=1e-5
        )
        assert d.blur_effect(gray8) == pytest.approx(d.blur_effect(as_float), abs=1e-6)


def test_view_shift_by_phase_correlation_does_not_depend_on_earlier_probes() -> None:
    scenes = [cv2.GaussianBlur(_blocks(s), (5, 5), 1.0) for s in range(4)]
    thumbs = [np.ascontiguousarray(s[:90, 10:170]) for s in scenes]
    moved = np.ascontiguousarray(scenes[0][:90, 4:164])  # the view 6 px to the left
    first = v.thumb_shift(moved, thumbs[0])
    for a, b in itertools.pairwise(thumbs):
        v.thumb_shift(a, b)  # other cameras' probes in between
    assert v.thumb_shift(moved, thumbs[0]) == first
    assert abs(first[0]) == pytest.approx(6, abs=0.5)
