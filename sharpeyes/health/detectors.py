"""Picture measures: one pure function per fault, over numpy frames (BGR ``uint8``, H×W×3).

Each function returns a plain ``float`` measure; :mod:`sharpeyes.health.verdict` compares measures
with the thresholds of :class:`~sharpeyes.health.verdict.HealthConfig`. Frames are first brought to
an *analysis width* (640 px by default, never enlarged) by :func:`prepare`, so that the measures do
not depend on the camera's resolution and a 1080p frame costs about what a 360p one does.

Units: luma and grey levels are 0–255 (BT.601 luma as computed by OpenCV); fractions are 0–1;
spatial sizes are in pixels at the analysis width.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

#: A BGR uint8 frame (H×W×3); typed loosely because OpenCV returns untyped arrays.
Frame = NDArray[Any]
#: A grey uint8 image (H×W).
Gray = NDArray[Any]

#: Width of the small thumbnail (pixels) used for frozen and scene-change comparisons.
THUMB_WIDTH = 160
#: Occlusion grid: blocks across and down.
GRID_COLS, GRID_ROWS = 16, 9


@dataclass(frozen=True)
class Prepared:
    """A frame with the derived images the detectors share: ``bgr`` as given (the colour measures
    sample it), ``gray`` at the working width, the blurred ``thumb`` and the ``blocks`` texture
    grid (:func:`block_texture`). ``px_scale`` turns working-width pixels into pixels at the
    analysis width (shifts are reported at the analysis width); ``full_gray``, the grey levels at
    the frame's own size (:func:`analysis_gray` shrinks them instead of converting ``bgr`` again)."""

    bgr: Frame
    gray: Gray
    thumb: NDArray[Any]
    blocks: NDArray[Any]
    px_scale: float = 1.0
    full_gray: Gray | None = None


def _thumb_size(gray: Gray) -> tuple[int, int]:
    th, tw = gray.shape[:2]
    return THUMB_WIDTH, max(2, round(th * THUMB_WIDTH / tw))


def prepare(frame: Frame, *, width: int = 640, work_width: int | None = None) -> Prepared:
    """Grey levels of ``frame`` (BGR uint8) at most ``width`` pixels across (area averaging) — or,
    when ``work_width`` is given, at most ``work_width`` (the measures' working size, cheaper) —
    a blurred ``THUMB_WIDTH``-wide thumbnail (float32) and its block texture grid."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected a BGR uint8 frame H×W×3, got {frame.dtype} {frame.shape}")
    h, w = frame.shape[:2]
    shown = min(w, width)
    target = shown if work_width is None else min(shown, work_width)
    full_gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    gray = full_gray
    if w > target:
        gray = cv2.resize(
            gray, (target, max(2, round(h * target / w))), interpolation=cv2.INTER_AREA
        )
    small = cv2.resize(gray, _thumb_size(gray), interpolation=cv2.INTER_AREA).astype(np.float32)
    thumb: NDArray[Any] = cv2.GaussianBlur(small, (5, 5), 1.0)
    blocks = _cell_std(small, GRID_COLS, GRID_ROWS)
    return Prepared(frame, gray, thumb, blocks, shown / float(gray.shape[1]), full_gray)


# -- brightness -------------------------------------------------------------------------------------
def mean_luma(gray: Gray) -> float:
    """Mean luma, 0–255."""
    return float(cv2.mean(gray)[0])


def luma_stats(
    gray: Gray, *, dark_level: int = 24, bright_level: int = 245
) -> tuple[float, float, float]:
    """``(mean luma, dark fraction, saturated fraction)`` (see :func:`mean_luma`,
    :func:`dark_fraction`, :func:`saturated_fraction`), by three vectorised OpenCV passes: faster
    than one histogram."""
    size = gray.size
    above_dark = cv2.threshold(gray, dark_level, 255, cv2.THRESH_BINARY)[1]
    burnt = cv2.threshold(gray, bright_level - 1, 255, cv2.THRESH_BINARY)[1]
    return (
        float(cv2.mean(gray)[0]),
        1.0 - cv2.countNonZero(above_dark) / size,
        cv2.countNonZero(burnt) / size,
    )


def dark_fraction(gray: Gray, *, level: int = 24) -> float:
    """Share of pixels (0–1) at or below luma ``level``: near 1 on a black screen, even with an OSD."""
    return float(np.count_nonzero(gray <= level)) / gray.size


def saturated_fraction(gray: Gray, *, level: int = 245) -> float:
    """Share of pixels (0–1) at or above luma ``level`` (burnt out)."""
    return float(np.count_nonzero(gray >= level)) / gray.size


def structure(thumb: NDArray[Any]) -> float:
    """Scene structure left in the picture, grey levels: the median, over a 4×4 grid, of the
    standard deviation of the blurred thumbnail's grey levels in each cell.

    Brightness-relative measures cannot tell a black screen from a very dark scene; this can: a
    scene at a tenth of its brightness still varies by a few grey levels across each cell, a black
    screen (sensor noise averaged away by the blurred thumbnail; an OSD clock covers few cells) by
    well under one.
    """
    h, w = thumb.shape[:2]
    hs, ws = h // 4, w // 4
    return _median_of(_cell_std(thumb[: hs * 4, : ws * 4], 4, 4).ravel())


def _cell_std(image: NDArray[Any], cols: int, rows: int) -> NDArray[Any]:
    """Standard deviation of grey levels in each cell of a ``rows``×``cols`` grid, as
    √(E[g²] − E[g]²) from two area-averaging resizes (cells of fractional size when the image's
    size is not a multiple of the grid's)."""
    g = np.asarray(image, np.float32)
    mean = cv2.resize(g, (cols, rows), interpolation=cv2.INTER_AREA)
    mean_sq = cv2.resize(g * g, (cols, rows), interpolation=cv2.INTER_AREA)
    spread: NDArray[Any] = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    return spread


# -- colour ------------------------------------------------------------------------------------------
def _sample_every(bgr: Frame, step: int) -> Frame:
    """Every ``step``-th pixel of every ``step``-th row (``bgr[::step, ::step]``, contiguous);
    a nearest-neighbour resize picks the same pixels, faster, when the size is a multiple."""
    h, w = bgr.shape[:2]
    if step > 1 and h % step == 0 and w % step == 0:
        return cv2.resize(bgr, (w // step, h // step), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(bgr[::step, ::step])


def chroma_measures(bgr: Frame) -> tuple[float, float, float, float]:
    """``(ā, b̄, M, p95)`` in CIE L*a*b* (OpenCV's 8-bit scale, 0 = neutral) over about 160 px
    across of ``bgr``, nearly black or burnt-out pixels left out: the mean chroma, its spread
    M = √(σa² + σb²) and the 95th percentile of the chroma magnitude (to 0.25, from a histogram;
    see :func:`chroma_stats`, :func:`chroma_p95`). All zero when too few pixels are left.

    OpenCV's 8-bit conversion to L*a*b* reads a table of about a megabyte, mostly out of the
    processor's cache at each call: this is the costliest measure of a frame (≈ 0.15–0.3 ms)."""
    lab = cv2.cvtColor(_sample_every(bgr, max(1, bgr.shape[1] // THUMB_WIDTH)), cv2.COLOR_BGR2Lab)
    lightness, a8, b8 = cv2.split(lab)
    keep = cv2.inRange(lightness, 21, 244)
    if cv2.countNonZero(keep) < 0.05 * keep.size:
        return 0.0, 0.0, 0.0, 0.0
    mean, std = cv2.meanStdDev(lab, mask=keep)  # of the 8-bit channels: a and b offset by 128
    a_f = a8.astype(np.float32)
    a_f -= 128.0
    b_f = b8.astype(np.float32)
    b_f -= 128.0
    hist = cv2.calcHist([cv2.magnitude(a_f, b_f)], [0], keep, [512], [0, 128]).ravel()
    p95 = float(np.searchsorted(np.cumsum(hist), 0.95 * hist.sum())) * 0.25
    a, b = float(mean[1, 0]) - 128.0, float(mean[2, 0]) - 128.0
    return a, b, float(np.hypot(std[1, 0], std[2, 0])), p95


def chroma_stats(bgr: Frame) -> tuple[float, float, float]:
    """Mean chroma (ā, b̄) in CIE L*a*b* (0 = neutral, OpenCV's 8-bit scale) and its spread
    M = √(σa² + σb²); nearly black or burnt-out pixels are left out."""
    a, b, m, _ = chroma_measures(bgr)
    return a, b, m


def chroma_p95(bgr: Frame) -> float:
    """95th percentile of the chroma magnitude √(a² + b²) in CIE L*a*b* (OpenCV's 8-bit scale),
    over pixels that are neither nearly black nor burnt out.

    A colour picture has many pixels with a chroma of 10 or more; an infrared (night mode) or
    monochrome picture has none: its chroma is 0, or a faint even tint from the encoder.
    """
    return chroma_measures(bgr)[3]


def color_cast(bgr: Frame) -> float:
    """Colour-cast factor K = D / M in CIE L*a*b*, dimensionless.

    D is the distance of the mean chroma (ā, b̄) from the neutral axis and M the spread of chroma
    around that mean; a picture whose colours are all pulled one way has K well above 1.
    """
    a, b, m = chroma_stats(bgr)
    return float(np.hypot(a, b)) / max(m, 1.0)


def color_shift(bgr: Frame, reference_bgr: Frame) -> float:
    """How far the mean chroma moved from the reference view's, in units of the reference's
    chroma spread M (dimensionless; a new colour cast moves it by more than about 1)."""
    a, b, _ = chroma_stats(bgr)
    ra, rb, rm = chroma_stats(reference_bgr)
    return float(np.hypot(a - ra, b - rb)) / max(rm, 1.0)


# -- noise -------------------------------------------------------------------------------------------
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_SECOND_DIFF = np.array([1, -2, 1], dtype=np.float32)  # Immerkær's kernel is its outer square


def analysis_gray(p: Prepared, width: int = 640) -> Gray:
    """Grey levels of the prepared frame at the analysis ``width`` (not the cheaper working
    width): for the measures that need full detail (noise, feature matching)."""
    h, w = p.bgr.shape[:2]
    gray = cv2.cvtColor(p.bgr, cv2.COLOR_BGR2GRAY) if p.full_gray is None else p.full_gray
    if w > width:
        gray = cv2.resize(gray, (width, max(2, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return gray


def noise_sigma(gray: Gray, *, bands: int | None = None) -> float:
    """Estimated standard deviation of pixel noise, grey levels (Immerkær's Laplacian-difference
    estimator over the flatter half of the picture, so that edges are not taken for noise).

    With ``bands``, only that many evenly spaced bands of rows, a quarter of the picture in all,
    are measured: the same estimate at the same resolution for a quarter of the cost."""
    if bands:
        rows, starts = _bands(gray.shape[0], bands)
        gray = np.vstack([gray[y : y + rows] for y in starts])
    if gray.dtype != np.uint8:
        return _noise_sigma_float(np.asarray(gray, np.float32))
    g = np.ascontiguousarray(gray)
    # integer grey levels: the responses and gradients are exact integers, as in float
    response = cv2.sepFilter2D(
        g, cv2.CV_16S, _SECOND_DIFF, _SECOND_DIFF, borderType=cv2.BORDER_REFLECT
    )
    gx, gy = cv2.spatialGradient(g)  # the 3×3 Sobel pair, int16
    grad = (np.abs(gx) + np.abs(gy))[1:-1, 1:-1]
    flat = grad <= _median_of(grad[::3, ::3].ravel())
    count = np.count_nonzero(flat)
    if not count:
        return 0.0
    size = np.abs(response[1:-1, 1:-1])
    total = cv2.sumElems(cv2.bitwise_and(size, size, mask=flat.view(np.uint8)))[0]
    return float(np.sqrt(np.pi / 2.0) * total / count / 6.0)


@functools.lru_cache(maxsize=32)
def _bands(height: int, bands: int) -> tuple[int, tuple[int, ...]]:
    """Rows per band and the first row of each of ``bands`` evenly spaced bands of ``height``."""
    rows = max(3, height // (4 * bands))
    return rows, tuple(int(y) for y in np.linspace(0, height - rows, bands).round())


def _noise_sigma_float(g: NDArray[Any]) -> float:
    """:func:`noise_sigma` of grey levels that are not 8-bit integers."""
    response = np.abs(cv2.filter2D(g, -1, _IMMERKAER, borderType=cv2.BORDER_REFLECT))[1:-1, 1:-1]
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)[1:-1, 1:-1]
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)[1:-1, 1:-1]
    grad = np.abs(gx) + np.abs(gy)
    flat = grad <= _median_of(grad[::3, ::3].ravel())
    if not np.any(flat):
        return 0.0
    return float(np.sqrt(np.pi / 2.0) * response[flat].mean() / 6.0)


def _median_of(values: NDArray[Any]) -> float:
    """The median of a 1-D array (as :func:`numpy.median`, by partition: faster on small ones)."""
    n = values.size
    k = (n - 1) // 2
    if n % 2:
        return float(np.partition(values, k)[k])
    part = np.partition(values, [k, k + 1])
    return (float(part[k]) + float(part[k + 1])) / 2.0


# -- blur --------------------------------------------------------------------------------------------
def blur_effect(gray: Gray) -> float:
    """Perceptual blur 0–1 (Crete et al. 2007): how little the picture changes when blurred again.

    Sharp pictures lose much of their pixel-to-pixel variation when re-blurred (≈0.2–0.45); blurred
    ones lose little (→1). Independent of contrast and, at the fixed analysis width, of resolution.
    """
    if gray.dtype == np.uint8:
        # in integers, 9 × grey level against the 9-pixel sums: exact, and half float's memory
        f = np.multiply(gray, 9, dtype=np.uint16)
        depth = cv2.CV_16U
    else:
        f = np.asarray(gray, np.float32)
        depth = cv2.CV_32F
    worst = 0.0
    for axis, ksize in ((0, (1, 9)), (1, (9, 1))):
        reblurred = cv2.boxFilter(gray, depth, ksize, normalize=depth == cv2.CV_32F)
        if axis == 0:
            d_f, d_b = cv2.absdiff(f[1:], f[:-1]), cv2.absdiff(reblurred[1:], reblurred[:-1])
        else:
            d_f = cv2.absdiff(f[:, 1:], f[:, :-1])
            d_b = cv2.absdiff(reblurred[:, 1:], reblurred[:, :-1])
        s_f = cv2.sumElems(d_f)[0]
        if s_f <= 0:
            return 1.0
        # (s_f − Σ max(0, d_f − d_b)) / s_f: the variation the re-blur kept
        worst = max(worst, cv2.sumElems(cv2.min(d_f, d_b))[0] / s_f)
    return float(worst)


# -- stripes ------------------------------------------------------------------------------------------
_STRIPE_SIZE = 128
_HANN = np.outer(np.hanning(_STRIPE_SIZE), np.hanning(_STRIPE_SIZE)).astype(np.float32)
_AMPLITUDE_SCALE = 2.0 / float(_HANN.sum())
_FY = np.fft.fftfreq(_STRIPE_SIZE) * _STRIPE_SIZE


def _packed_index(n: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """For each frequency ``(fy, fx)`` (as indices mod ``n``) of an n×n real image's spectrum, the
    flat indices, in OpenCV's packed (CCS) layout, of the real and the imaginary part of that
    frequency or of its mirror image (−fy, −fx) — the same amplitude. Purely real entries get
    the imaginary index n², a slot kept at zero."""
    half = n // 2
    real = np.empty((n, n), np.int64)
    imag = np.empty((n, n), np.int64)
    y = np.arange(n)
    for x in range(n):
        if x not in (0, half):
            row, col = (y, x) if x < half else (-y % n, n - x)
            real[:, x] = row * n + 2 * col - 1
            imag[:, x] = real[:, x] + 1
            continue
        col = 0 if x == 0 else n - 1  # fx = 0 and fx = n/2: packed spectra of real columns
        row = np.minimum(y, n - y)  # |F(−fy)| = |F(fy)| along a real column
        pure = (row == 0) | (row == half)
        real[:, x] = np.where(row == 0, 0, np.where(row == half, n - 1, 2 * row - 1)) * n + col
        imag[:, x] = np.where(pure, n * n, real[:, x] + n)
    return real, imag


def _stripe_tables() -> dict[str, NDArray[Any]]:
    """The band's frequencies and, for each, where in the packed spectrum its amplitude, the
    amplitudes at 0.7× and 1.4× its frequency and those of the ring of bins 3 away are."""
    n = _STRIPE_SIZE
    real, imag = _packed_index(n)
    radius = np.hypot(_FY[:, None], _FY[None, :])
    # periods of 3 to 32 px of a 128-px quadrant (about 7–80 px at 640 wide), each peak once: of a
    # peak and its mirror image (−fy, −fx), the one with fx > 0, or fy > 0 on the fx = 0 column
    band = (radius >= n / 32) & (radius <= n / 3)
    band &= (_FY[None, :] > 0) | ((_FY[None, :] == 0) & (_FY[:, None] > 0))
    y, x = np.nonzero(band)
    ring = [(dy, dx) for dy in range(-3, 4) for dx in range(-3, 4) if max(abs(dy), abs(dx)) == 3]
    ry = (y[:, None] + np.array([p[0] for p in ring])) % n
    rx = (x[:, None] + np.array([p[1] for p in ring])) % n
    # straight edges give a line through all frequencies at the same angle: 0.7× and 1.4×
    ny = np.stack([np.round(_FY[y] * s).astype(int) % n for s in (0.7, 1.4)])
    nx = np.stack([np.round(_FY[x] * s).astype(int) % n for s in (0.7, 1.4)])
    return {
        "band_real": real[y, x],
        "band_imag": imag[y, x],
        "line_real": real[ny, nx],
        "line_imag": imag[ny, nx],
        "ring_real": real[ry, rx],
        "ring_imag": imag[ry, rx],
    }


_STRIPES = _stripe_tables()


def _quadrant_power(quadrants: Sequence[Gray]) -> NDArray[Any]:
    """The squared packed (CCS) spectra of ``quadrants`` (each shrunk to 128×128, its mean taken
    off, Hann-windowed and Fourier-transformed), one row each; the last slot of a row is 0."""
    n = _STRIPE_SIZE
    squared = np.zeros((len(quadrants), n * n + 1), np.float32)
    for i, q in enumerate(quadrants):
        g = cv2.resize(q, (n, n), interpolation=cv2.INTER_AREA).astype(np.float32)
        g -= np.float32(cv2.mean(g)[0])
        g *= _HANN
        squared[i, : n * n] = cv2.dft(g).ravel()
    np.multiply(squared, squared, out=squared)
    return squared


def _quadrant_peaks(
    squared: NDArray[Any],
    *,
    candidates: int = 6,
    line_ratio: float = 3.0,
    sharpness: float = 8.0,
) -> NDArray[Any]:
    """:func:`periodic_peak` of each quadrant of :func:`_quadrant_power`'s rows, in one
    vectorised pass over the band's power and the amplitudes around its strongest peaks only."""
    m, t = squared.shape[0], _STRIPES
    power = squared[:, t["band_real"]] + squared[:, t["band_imag"]]
    top = np.argpartition(power, -candidates, axis=1)[:, -candidates:]  # m × candidates
    rows = np.arange(m)[:, None]

    def amplitude(real: NDArray[Any], imag: NDArray[Any], at: NDArray[Any]) -> NDArray[Any]:
        values: NDArray[Any] = np.sqrt(squared[at, real] + squared[at, imag])
        return values * _AMPLITUDE_SCALE

    peak = np.sqrt(np.take_along_axis(power, top, axis=1)) * _AMPLITUDE_SCALE
    line_real, line_imag = t["line_real"][:, top], t["line_imag"][:, top]
    neighbour = np.maximum(
        amplitude(line_real[0], line_imag[0], rows), amplitude(line_real[1], line_imag[1], rows)
    )
    ring = amplitude(t["ring_real"][top], t["ring_imag"][top], rows[:, :, None]).mean(axis=2)
    isolation = np.minimum(1.0, peak / np.maximum(neighbour, 1e-6) / line_ratio)
    narrowness = np.minimum(1.0, peak / np.maximum(ring, 1e-6) / sharpness)
    result: NDArray[Any] = np.max(peak * isolation * narrowness, axis=1)
    return result


def periodic_peak(
    gray: Gray, *, candidates: int = 12, line_ratio: float = 3.0, sharpness: float = 8.0
) -> float:
    """Amplitude, in grey levels, of the strongest isolated, narrow periodic pattern in ``gray``.

    ``gray`` is shrunk to 128×128, Hann-windowed and Fourier-transformed (a real DFT: half the
    spectrum); a sinusoid of amplitude A across it gives a narrow peak of ≈A (and its mirror
    image). Each of the ``candidates`` strongest peaks in the band (mirror images counted) is
    discounted unless it stands ``line_ratio`` times above the values at the same angle at 0.7×
    and 1.4× its frequency (straight edges give a *line* through all frequencies) and
    ``sharpness`` times above the mean of the ring of bins 3 away (a pattern covering only part of
    the picture gives a broad peak).
    """
    peaks = _quadrant_peaks(
        _quadrant_power([gray]),
        candidates=max(1, candidates // 2),
        line_ratio=line_ratio,
        sharpness=sharpness,
    )
    return float(peaks[0])


def stripe_spectra(gray: Gray) -> NDArray[Any]:
    """The spectra :func:`stripe_strengths_of` needs of ``gray``: its four quadrants' (taken
    while the picture is at hand; the peaks are searched later, for all frames at once)."""
    h, w = gray.shape[:2]
    return _quadrant_power(
        [
            gray[i * h // 2 : (i + 1) * h // 2, j * w // 2 : (j + 1) * w // 2]
            for i in range(2)
            for j in range(2)
        ]
    )


def stripe_strengths_of(spectra: Sequence[NDArray[Any]]) -> list[float]:
    """:func:`stripe_strength` of each picture whose :func:`stripe_spectra` are given."""
    if not spectra:
        return []
    peaks = np.sort(_quadrant_peaks(np.vstack(spectra)).reshape(len(spectra), 4), axis=1)
    return [float(v) for v in peaks[:, 1]]


def stripe_strengths(grays: Sequence[Gray]) -> list[float]:
    """:func:`stripe_strength` of each of ``grays``, their quadrants' peaks searched in one pass."""
    return stripe_strengths_of([stripe_spectra(g) for g in grays])


def stripe_strength(gray: Gray) -> float:
    """Strength of interference stripes, grey levels: the :func:`periodic_peak` that at least three
    of the picture's four quadrants show (the second lowest of the four).

    Interference covers the whole picture; a striped awning, a seat cover or a fence covers a part
    of it. Natural pictures: below 2; stripes of 14 grey levels: mostly 3–13.
    """
    return stripe_strengths([gray])[0]


# -- occlusion ----------------------------------------------------------------------------------------
def block_texture(gray: Gray) -> NDArray[Any]:
    """Standard deviation of grey levels in each block of a ``GRID_ROWS``×``GRID_COLS`` grid of
    ``gray`` shrunk to ``THUMB_WIDTH`` px across (blocks of 10 px)."""
    if gray.shape[1] != THUMB_WIDTH:
        gray = cv2.resize(gray, _thumb_size(gray), interpolation=cv2.INTER_AREA)
    return _cell_std(gray, GRID_COLS, GRID_ROWS)


def flat_blocks(texture: NDArray[Any], *, relative: float, absolute: float) -> NDArray[np.bool_]:
    """Blocks whose texture is below ``relative`` × the frame's 90th-percentile block texture, or
    below ``absolute`` grey levels (so that a uniformly dark picture is not all flat)."""
    values = texture.ravel()
    k = round(0.9 * (values.size - 1))
    p90 = float(np.partition(values, k)[k])
    return texture < max(absolute, relative * p90)


def largest_region(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The largest 4-connected region of ``mask`` (all False if none)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=4
    )
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return np.asarray(labels == biggest)


def occlusion_mask(
    gray: Gray,
    reference_gray: Gray | None = None,
    *,
    relative: float = 0.1,
    absolute: float = 2.5,
) -> NDArray[np.bool_]:
    """The largest flat region that looks like a covering (True = occluded), on the
    ``GRID_ROWS``×``GRID_COLS`` grid.

    Without a reference: the largest connected flat region. With one: the largest connected flat
    region at least half of whose blocks were textured in the reference view (a lens covered by a
    bag, paint or leaves), so sky and plain walls are not taken for a covering.
    """
    now = flat_blocks(block_texture(gray), relative=relative, absolute=absolute)
    if reference_gray is None:
        return largest_region(now)
    before = flat_blocks(block_texture(reference_gray), relative=relative, absolute=absolute)
    return newly_flat_region(now, before)


def newly_flat_region(now: NDArray[np.bool_], before: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The largest connected region of flat blocks ``now`` at least half of whose blocks were not
    flat ``before`` (block grids of :func:`flat_blocks`): a covering, not sky or a plain wall."""
    newly = now & ~before
    count, labels, stats, _ = cv2.connectedComponentsWithStats(now.astype(np.uint8), connectivity=4)
    if count <= 1:
        return np.zeros_like(now, dtype=bool)
    area = stats[:, cv2.CC_STAT_AREA]
    newly_count = np.bincount(labels[newly], minlength=count)
    eligible = (newly_count * 2 >= area) & (np.arange(count) > 0)
    if not eligible.any():
        return np.zeros_like(now, dtype=bool)
    best = int(np.argmax(np.where(eligible, area, -1)))  # the first of the largest, as before
    return np.asarray(labels == best)


def scene_mask(gray: Gray) -> NDArray[np.bool_]:
    """Blocks to leave out of the scene comparison: the largest flat region now."""
    return largest_region(flat_blocks(block_texture(gray), relative=0.1, absolute=2.5))


def occluded_fraction(
    gray: Gray,
    reference_gray: Gray | None = None,
    *,
    relative: float = 0.1,
    absolute: float = 2.5,
) -> float:
    """Share of the picture (0–1) covered by the largest flat, textureless region (newly flat since
    the reference view when one is given); see :func:`occlusion_mask`."""
    return float(occlusion_mask(gray, reference_gray, relative=relative, absolute=absolute).mean())


# -- frozen -----------------------------------------------------------------------------------------------
def frame_change(thumbs: Sequence[NDArray[Any]]) -> float:
    """Largest mean absolute difference between consecutive thumbnails, grey levels.

    A live picture changes (traffic, people, sensor noise); a frozen one repeats itself to within
    compression noise. ``nan`` with fewer than two frames.
    """
    if len(thumbs) < 2:
        return float("nan")
    return max(cv2.norm(a, b, cv2.NORM_L1) / a.size for a, b in itertools.pairwise(thumbs))
