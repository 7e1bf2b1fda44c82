"""Faults applied programmatically to real footage, at three strengths, for labelled evaluation,
tests and the demo streams.

``apply_fault(frames, fault, strength, rng)`` returns new frames (BGR uint8) showing ``fault`` at
``"light"``, ``"moderate"`` or ``"strong"`` strength; sizes are relative to the frame width so the
same strength means the same thing at 320 or 1920 pixels across.

Healthy variants of day footage (not faults; a camera at night is not broken): :func:`night`
(gamma, lower gain, sensor noise), :func:`low_light` (a dim colour picture), :func:`night_noise`
(dim and grainy) and :func:`infrared` (the camera's IR night mode: monochrome, softer, IR grain).
These are *approximations* made from day footage, labelled as such wherever they are scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from sharpeyes.health.detectors import Frame

STRENGTHS: tuple[str, ...] = ("light", "moderate", "strong")
_LEVEL = {"light": 0, "moderate": 1, "strong": 2}


def _clip(a: Any) -> Frame:
    clipped: Frame = np.clip(a, 0, 255).astype(np.uint8)
    return clipped


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


def low_light(
    frames: Sequence[Frame], rng: np.random.Generator, *, noise_sigma: float = 2.0
) -> list[Frame]:
    """A dim but usable colour picture (dusk, a street light): gain 0.55, gamma 1.2, light noise."""
    lut = _clip(255.0 * (np.arange(256) / 255.0) ** 1.2 * 0.55 + 4)
    return [
        _clip(cv2.LUT(f, lut).astype(np.float32) + rng.normal(0, noise_sigma, f.shape))
        for f in frames
    ]


def night_noise(frames: Sequence[Frame], rng: np.random.Generator) -> list[Frame]:
    """Night with the sensor's gain up: :func:`night` with noise σ 5 grey levels."""
    return night(frames, rng, noise_sigma=5.0)


def infrared(
    frames: Sequence[Frame],
    rng: np.random.Generator,
    *,
    grain_sigma: float = 4.0,
    tint: tuple[float, float] = (1.5, -1.0),
) -> list[Frame]:
    """The camera's infrared night mode: monochrome (luma only, the IR-cut filter is out), lifted
    by the illuminator towards the centre, softer (Gaussian σ 0.15 % of the width: IR focuses
    behind visible light) and grainy (σ ``grain_sigma``, fresh per frame); ``tint`` adds the faint
    even cast (in OpenCV Lab a, b) that some encoders leave on a monochrome picture."""
    h, w = frames[0].shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    illuminator = (1.1 - 0.25 * np.clip(r2, 0, 2))[..., None]
    sigma = max(0.4, w * 0.0015)
    out = []
    for f in frames:
        soft = cv2.GaussianBlur(
            cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).astype(np.float32), (0, 0), sigma
        )
        grey = soft[..., None] * illuminator + rng.normal(0, grain_sigma, (h, w, 1))
        lab = np.concatenate(
            [
                np.clip(grey, 0, 255) * (255.0 / 255.0),
                np.full((h, w, 1), 128.0 + tint[0], np.float32),
                np.full((h, w, 1), 128.0 + tint[1], np.float32),
            ],
            axis=2,
        )
        out.append(cv2.cvtColor(_clip(lab), cv2.COLOR_Lab2BGR))
    return out


#: The healthy variants of each day sample, by condition name.
CONDITIONS: dict[str, Any] = {
    "ir": infrared,
    "low_light": low_light,
    "night_noise": night_noise,
}


def _replacement(frames: Sequence[Frame], other: Sequence[Frame] | None, level: int) -> list[Frame]:
    """The view replaced: ``other`` footage (another camera's shot) if given, else the frame upside
    down and rolled by half its width (no plain shift maps the reference onto it); the strength is
    the share of the picture replaced, from the left."""
    share = (0.5, 0.8, 1.0)[level]
    h, w = frames[0].shape[:2]
    out = []
    for i, f in enumerate(frames):
        if other:
            new = cv2.resize(other[i % len(other)], (w, h), interpolation=cv2.INTER_AREA)
        else:
            # another view made from this one: upside down and turned half a frame round
            new = np.ascontiguousarray(np.roll(f[::-1], w // 2, axis=1))
        cut = round(w * share)
        mixed = f.copy()
        mixed[:, :cut] = new[:, :cut]
        out.append(mixed)
    return out


def apply_fault(
    frames: Sequence[Frame],
    fault: str,
    strength: str,
    rng: np.random.Generator,
    *,
    other: Sequence[Frame] | None = None,
) -> list[Frame]:
    """``frames`` showing ``fault`` (a name of :data:`sharpeyes.model.codes.FAULTS`) at ``strength``;
    ``other`` is the footage that replaces the view for ``scene_change``."""
    level = _LEVEL[strength]
    make = _FAULT_MAKERS.get(fault)
    if make is None:
        raise ValueError(f"unknown fault {fault!r}")
    return make(frames, level, rng, other)


def _black(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """A black screen with a little noise; the on-screen display stays."""
    h, w = frames[0].shape[:2]
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


def _frozen(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """The first frame repeated, with a little sensor noise at the weaker strengths."""
    sigma = (1.2, 0.6, 0.0)[level]
    first = frames[0].astype(np.float32)
    return [
        _clip(first + rng.normal(0, sigma, first.shape)) if sigma else frames[0].copy()
        for _ in frames
    ]


def _blur(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """Out of focus: a Gaussian blur of a share of the width."""
    w = frames[0].shape[1]
    sigma = w * (0.0018, 0.004, 0.008)[level]
    return [cv2.GaussianBlur(f, (0, 0), sigma) for f in frames]


def _dark(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """Too dark: the picture times a gain below 1."""
    gain = (0.45, 0.25, 0.12)[level]
    return [_clip(f.astype(np.float32) * gain) for f in frames]


def _bright(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """Washed out: the picture times a gain above 1, lifted."""
    gain, lift = ((1.4, 45), (1.8, 75), (2.5, 110))[level]
    return [_clip(f.astype(np.float32) * gain + lift) for f in frames]


def _color_cast(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """One channel boosted, the others cut."""
    amount = (0.15, 0.35, 0.55)[level]
    channel = int(rng.integers(0, 3))
    gains = np.full(3, 1.0 - amount * 0.7, np.float32)
    gains[channel] = 1.0 + amount
    return [_clip(f.astype(np.float32) * gains) for f in frames]


def _noise(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """Gaussian noise, with snow (white dots) at the stronger strengths."""
    h, w = frames[0].shape[:2]
    sigma = (7.0, 18.0, 35.0)[level]
    snow = (0.0, 0.01, 0.04)[level]
    out: list[Frame] = []
    for f in frames:
        g = f.astype(np.float32) + rng.normal(0, sigma, (h, w, 1))
        if snow:
            dots = rng.random((h, w)) < snow
            g[dots] = 255.0
        out.append(_clip(g))
    return out


def _stripes(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """Interference: a moving sine wave across the picture at a random angle."""
    h, w = frames[0].shape[:2]
    amplitude = (6.0, 14.0, 28.0)[level]
    period = w * float(rng.uniform(0.012, 0.04))
    angle = float(rng.choice([0.0, 90.0, 30.0, 150.0]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    along = xx * np.cos(np.radians(angle)) + yy * np.sin(np.radians(angle))
    out: list[Frame] = []
    for i, f in enumerate(frames):
        wave = amplitude * np.sin(2 * np.pi * along / period + 0.9 * i)
        out.append(_clip(f.astype(np.float32) + wave[..., None]))
    return out


def _occlusion(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """A dark, soft, almost uniform covering over part of the picture."""
    h, w = frames[0].shape[:2]
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
    out: list[Frame] = []
    for f in frames:
        cover = colour * shade + rng.normal(0, 1.0, (h, w, 1))
        out.append(_clip(f.astype(np.float32) * (1 - alpha) + cover * alpha))
    return out


def _scene_change(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """The view replaced (see :func:`_replacement`)."""
    return _replacement(frames, other, level)


def _moved(
    frames: Sequence[Frame], level: int, rng: np.random.Generator, other: Sequence[Frame] | None
) -> list[Frame]:
    """The camera turned: the picture pans and tilts by a share of the frame."""
    h, w = frames[0].shape[:2]
    # the camera was turned: the picture pans (and tilts) by a share of the frame; what comes
    # into view is taken from the other side of the frame, at the same sharpness and colour
    shift = (0.1, 0.25, 0.4)[level]
    dx = int(shift * w) * int(rng.choice([-1, 1]))
    dy = int(shift * h / 2) * int(rng.choice([-1, 1]))
    out: list[Frame] = []
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


_FaultMaker = Callable[
    [Sequence[Frame], int, np.random.Generator, Sequence[Frame] | None], list[Frame]
]

#: Each fault's frame maker: ``(frames, level 0-2, rng, other footage) -> frames``.
_FAULT_MAKERS: dict[str, _FaultMaker] = {
    "black": _black,
    "frozen": _frozen,
    "blur": _blur,
    "dark": _dark,
    "bright": _bright,
    "color_cast": _color_cast,
    "noise": _noise,
    "stripes": _stripes,
    "occlusion": _occlusion,
    "scene_change": _scene_change,
    "moved": _moved,
}
