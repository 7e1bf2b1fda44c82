"""Faults applied programmatically to real footage, at three strengths, for labelled evaluation,
tests and the demo streams.

``apply_fault(frames, fault, strength, rng)`` returns new frames (BGR uint8) showing ``fault`` at
``"light"``, ``"moderate"`` or ``"strong"`` strength; sizes are relative to the frame width so the
same strength means the same thing at 320 or 1920 pixels across. ``night(frames)`` turns day footage
into a plausible low-light picture (gamma, lower gain, sensor noise) that is *healthy*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from sharpeyes.health.detectors import Frame

STRENGTHS: tuple[str, ...] = ("light", "moderate", "strong")
_LEVEL = {"light": 0, "moderate": 1, "strong": 2}


def _clip(a: Any) -> Frame:
    return np.clip(a, 0, 255).astype(np.uint8)


def night(
    frames: Sequence[Frame], rng: np.random.Generator, *, noise_sigma: float = 3.0
) -> list[Frame]:
    """Low-light version of day footage: gamma 1.7, gain 0.8, fresh sensor noise per frame."""
    lut = _clip(255.0 * (np.arange(256) / 255.0) ** 1.7 * 0.8 + 6)
    out = []
    for f in frames:
        dim = cv2.LUT(f, lut).astype(np.float32)
        out.append(_clip(dim + rng.normal(0, noise_sigma, f.shape)))
    return out


def apply_fault(
    frames: Sequence[Frame], fault: str, strength: str, rng: np.random.Generator
) -> list[Frame]:
    """``frames`` showing ``fault`` (a name of :data:`sharpeyes.model.codes.FAULTS`) at ``strength``."""
    level = _LEVEL[strength]
    h, w = frames[0].shape[:2]
    if fault == "black":
        floor = (14, 6, 0)[level]
        out: list[Frame] = []
        for _ in frames:
            f = np.full((h, w, 3), floor, np.float32) + rng.normal(0, (3, 1.5, 0)[level], (h, w, 3))
            f = _clip(f)
            # an on-screen display (clock, camera name) stays on a black screen
            cv2.putText(
                f,
                "2026-11-22 02:13:07 CAM",
                (w // 20, h // 12 + 8),
                cv2.FONT_HERSHEY_SIMPLEX,
                w / 1400,
                (235, 235, 235),
                max(1, w // 640),
            )
            out.append(f)
        return out
    if fault == "frozen":
        sigma = (1.2, 0.6, 0.0)[level]
        first = frames[0].astype(np.float32)
        return [
            _clip(first + rng.normal(0, sigma, first.shape)) if sigma else frames[0].copy()
            for _ in frames
        ]
    if fault == "blur":
        sigma = w * (0.0018, 0.004, 0.008)[level]
        return [cv2.GaussianBlur(f, (0, 0), sigma) for f in frames]
    if fault == "dark":
        gain = (0.45, 0.25, 0.12)[level]
        return [_clip(f.astype(np.float32) * gain) for f in frames]
    if fault == "bright":
        gain, lift = ((1.4, 45), (1.8, 75), (2.5, 110))[level]
        return [_clip(f.astype(np.float32) * gain + lift) for f in frames]
    if fault == "color_cast":
        amount = (0.15, 0.35, 0.55)[level]
        channel = int(rng.integers(0, 3))
        gains = np.full(3, 1.0 - amount * 0.7, np.float32)
        gains[channel] = 1.0 + amount
        return [_clip(f.astype(np.float32) * gains) for f in frames]
    if fault == "noise":
        sigma = (7.0, 18.0, 35.0)[level]
        snow = (0.0, 0.01, 0.04)[level]
        out = []
        for f in frames:
            g = f.astype(np.float32) + rng.normal(0, sigma, (h, w, 1))
            if snow:
                dots = rng.random((h, w)) < snow
                g[dots] = 255.0
            out.append(_clip(g))
        return out
    if fault == "stripes":
        amplitude = (6.0, 14.0, 28.0)[level]
        period = w * float(rng.uniform(0.012, 0.04))
        angle = float(rng.choice([0.0, 90.0, 30.0, 150.0]))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        along = xx * np.cos(np.radians(angle)) + yy * np.sin(np.radians(angle))
        out = []
        for i, f in enumerate(frames):
            wave = amplitude * np.sin(2 * np.pi * along / period + 0.9 * i)
            out.append(_clip(f.astype(np.float32) + wave[..., None]))
        return out
    if fault == "occlusion":
        share = (0.25, 0.45, 0.7)[level]
        mask = np.zeros((h, w), np.uint8)
        cx = int(rng.uniform(0.3, 0.7) * w)
        cy = int(rng.uniform(0.3, 0.7) * h)
        ax = int(np.sqrt(share * w * h / np.pi * 1.6))
        ay = int(ax / 1.6)
        cv2.ellipse(mask, (cx, cy), (ax, ay), float(rng.uniform(0, 180)), 0, 360, 255, -1)
        # a covering (bag, paint, leaves) close to the lens: dark, out of focus, almost uniform
        colour = rng.uniform(20, 90, 3).astype(np.float32)
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), w * 0.01)[..., None]
        shade = np.linspace(0.9, 1.1, w, dtype=np.float32)[None, :, None]
        out = []
        for f in frames:
            cover = colour * shade + rng.normal(0, 1.0, (h, w, 1))
            out.append(_clip(f.astype(np.float32) * (1 - alpha) + cover * alpha))
        return out
    if fault == "scene_change":
        # the camera was turned: the picture pans (and tilts) by a share of the frame; what comes
        # into view is taken from the other side of the frame, at the same sharpness and colour
        shift = (0.1, 0.25, 0.4)[level]
        dx = int(shift * w) * int(rng.choice([-1, 1]))
        dy = int(shift * h / 2) * int(rng.choice([-1, 1]))
        out = []
        band = max(4, w // 40)
        mx, my = max(2, w // 40), max(2, h // 40)
        for f in frames:
            # leave out the frame's outer rows and columns (letterbox lines, encoder edges)
            inner = cv2.resize(f[my:-my, mx:-mx], (w, h), interpolation=cv2.INTER_LINEAR)
            moved = np.ascontiguousarray(np.roll(inner, (dy, dx), axis=(0, 1)))
            # soften the seams where the frame's edges meet, as a real pan has none
            soft = cv2.GaussianBlur(moved, (0, 0), band / 2)
            x0, y0 = dx % w, dy % h
            moved[:, max(0, x0 - band) : x0 + band] = soft[:, max(0, x0 - band) : x0 + band]
            moved[max(0, y0 - band) : y0 + band] = soft[max(0, y0 - band) : y0 + band]
            out.append(moved)
        return out
    raise ValueError(f"unknown fault {fault!r}")
