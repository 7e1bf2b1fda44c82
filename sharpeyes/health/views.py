"""View comparison with the reference: scene change and position drift (moved), pure functions over
the thumbnails and grey images of :class:`~sharpeyes.health.detectors.Prepared` frames.

Split from :mod:`sharpeyes.health.detectors` (the per-picture measures): these need a reference view
of the camera's own mode (day or IR). Units: shifts in pixels of the image given (thumbnail pixels
for the thumbnail functions, analysis-width pixels for :func:`view_shift`); differences 0–2.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from sharpeyes.health.detectors import Gray


# -- scene change ---------------------------------------------------------------------------------------
def scene_difference(
    thumb: NDArray[Any],
    reference_thumb: NDArray[Any],
    *,
    ignore: NDArray[np.bool_] | None = None,
) -> float:
    """1 − zero-mean normalised cross-correlation of two blurred thumbnails, 0–2 (0 = same view).

    Insensitive to overall brightness and contrast; ``ignore`` (a block grid, True = leave out) keeps
    an occluded region from counting as a moved camera.
    """
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    a: NDArray[Any] = np.asarray(thumb, np.float32)
    b: NDArray[Any] = np.asarray(reference_thumb, np.float32)
    if ignore is not None and ignore.any():
        grown = cv2.dilate(ignore.astype(np.uint8), _CROSS3)
        keep = cv2.resize(1 - grown, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST)
        count = cv2.countNonZero(keep)
        if count < 0.15 * keep.size:
            return 0.0
        # the ZNCC over the kept pixels, with OpenCV's masked means (no copies of the kept pixels)
        weight = keep.astype(np.float32)
        a = (a - np.float32(cv2.mean(a, keep)[0])) * weight
        b = (b - np.float32(cv2.mean(b, keep)[0])) * weight
    else:
        a = a - float(a.mean())
        b = b - float(b.mean())
    fa, fb = a.ravel(), b.ravel()
    denom = float(np.sqrt(float(np.dot(fa, fa)) * float(np.dot(fb, fb))))
    if denom < 1e-6:
        return 0.0
    return 1.0 - float(np.dot(fa, fb)) / denom


_CROSS3 = np.ones((3, 3), np.uint8)


# -- position drift ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ViewShift:
    """How far the reference view moved in the current picture (ORB features matched and a
    homography fitted with RANSAC; the shift is the median displacement of its inliers). ``dx_px``/``dy_px`` are at the analysis width; ``inliers`` is
    the count of matches the homography explains (0: no consistent match, the view is another)."""

    dx_px: float
    dy_px: float
    inliers: int
    matches: int


_NO_SHIFT = ViewShift(float("nan"), float("nan"), 0, 0)

#: :func:`view_shift` matches a picture narrower than ``SMALL_PICTURE_PX`` upscaled to
#: ``SMALL_UPSCALED_PX`` across (pixels).
SMALL_PICTURE_PX, SMALL_UPSCALED_PX = 320, 640


def view_shift(gray: Gray, reference_gray: Gray, *, features: int = 500) -> ViewShift:
    """Shift of the view from the reference (OpenCV ORB + brute-force Hamming matching with
    Lowe's ratio test + ``findHomography`` with RANSAC, 4 px reprojection error). A picture
    narrower than ``SMALL_PICTURE_PX`` is matched upscaled to ``SMALL_UPSCALED_PX``, with twice
    the features and a similarity fitted (``estimateAffinePartial2D``) instead of a homography.

    A homography whose scale is far from 1 (a zoom, or a degenerate fit) counts as no match.
    """
    if gray.shape != reference_gray.shape:
        reference_gray = cv2.resize(
            reference_gray, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_AREA
        )
    h, w = gray.shape[:2]
    # ORB's 31-px patches and 8-level pyramid leave little of a small (QCIF, 176 px) picture:
    # match it upscaled to the usual size, with twice the features (a view that changed since
    # the reference keeps too few matches with 500), the RANSAC tolerance 2 px of the picture
    # as given
    zoom = SMALL_UPSCALED_PX / w if w < SMALL_PICTURE_PX else 1.0
    reprojection_px = 4.0
    if zoom != 1.0:
        size = (round(w * zoom), round(h * zoom))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)
        reference_gray = cv2.resize(reference_gray, size, interpolation=cv2.INTER_LINEAR)
        features *= 2
        reprojection_px = max(4.0, 2.0 * zoom)
    orb = cv2.ORB_create(nfeatures=features, fastThreshold=10)  # type: ignore[attr-defined]
    k_ref, d_ref = orb.detectAndCompute(reference_gray, None)
    k_now, d_now = orb.detectAndCompute(gray, None)
    if d_ref is None or d_now is None or len(k_ref) < 8 or len(k_now) < 8:
        return _NO_SHIFT
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(d_ref, d_now, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    if len(good) < 8:
        return ViewShift(float("nan"), float("nan"), 0, len(good))
    src = np.array([k_ref[m.queryIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    dst = np.array([k_now[m.trainIdx].pt for m in good], np.float32).reshape(-1, 1, 2)
    if zoom != 1.0:
        # few matches on a small picture: a similarity (pan and tilt, a little rotation and
        # scale), not a full homography, whose fit on them can be degenerate
        homography, inlier_mask = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=reprojection_px
        )
    else:
        homography, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, reprojection_px)
    if homography is None or inlier_mask is None:
        return ViewShift(float("nan"), float("nan"), 0, len(good))
    scale = abs(float(np.linalg.det(homography[:2, :2])))
    if not 0.6 <= scale <= 1.6:
        return ViewShift(float("nan"), float("nan"), 0, len(good))
    # the shift: the median displacement of the matches the homography explains (a pan moves every
    # point of the view alike; the median is not pulled by a fit skewed towards one side)
    keep = inlier_mask.ravel().astype(bool)
    moves = (dst - src).reshape(-1, 2)[keep]
    return ViewShift(
        float(np.median(moves[:, 0])) / zoom,
        float(np.median(moves[:, 1])) / zoom,
        int(keep.sum()),
        len(good),
    )


def thumb_shift(thumb: NDArray[Any], reference_thumb: NDArray[Any]) -> tuple[float, float, float]:
    """Global translation of the blurred thumbnail from the reference's by phase correlation
    (Hann-windowed): ``(dx_px, dy_px, response)``, shifts in thumbnail pixels, response 0–1 (how
    much of the picture moves together). A fallback where ORB finds too few features."""
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    window = _hann(thumb.shape[1], thumb.shape[0])
    a = np.asarray(reference_thumb, np.float32)
    b = np.asarray(thumb, np.float32)
    # the window applied here, not passed: OpenCV 5's phaseCorrelate with a window depends on
    # its earlier calls (the same pair gives another shift after other pairs); this does not
    (dx, dy), response = cv2.phaseCorrelate(a * window, b * window)
    return float(dx), float(dy), float(response)


@functools.lru_cache(maxsize=16)
def _hann(width: int, height: int) -> NDArray[Any]:
    """The Hann window of phase correlation, made once per thumbnail size."""
    window: NDArray[Any] = cv2.createHanningWindow((width, height), cv2.CV_32F)
    window.setflags(write=False)
    return window


def _edges(thumb: NDArray[Any]) -> NDArray[Any]:
    t = np.asarray(thumb, np.float32)
    gx = cv2.Sobel(t, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(t, cv2.CV_32F, 0, 1, ksize=3)
    edges: NDArray[Any] = cv2.magnitude(gx, gy)
    return edges


@dataclass(frozen=True)
class PatchShift:
    """Where patches of the reference view went (:func:`patch_shift`), in thumbnail pixels:
    the median shift of the largest group of patches that agree, ``agreeing`` its size, ``found``
    the patches found at all, ``shifts`` each found patch's shift."""

    dx_px: float
    dy_px: float
    agreeing: int
    found: int
    shifts: tuple[tuple[float, float], ...] = ()


def _textured_patches(
    ref: NDArray[Any], grid: int, size: float
) -> list[tuple[int, int, NDArray[Any]]]:
    """``(y0, x0, patch)`` of the ``grid``×``grid`` patches (``size`` of the width and height,
    spread evenly) of an edge map that have texture: a flat patch (sky, a wall) matches anywhere."""
    h, w = ref.shape[:2]
    ph, pw = max(4, round(h * size)), max(4, round(w * size))
    places = []
    for gy, gx in itertools.product(range(grid), range(grid)):
        y0 = round(gy * (h - ph) / max(1, grid - 1))
        x0 = round(gx * (w - pw) / max(1, grid - 1))
        patch = ref[y0 : y0 + ph, x0 : x0 + pw]
        if float(cv2.meanStdDev(patch)[1][0, 0]) >= 2.0:
            places.append((y0, x0, patch))
    return places


def _patch_shifts(
    now: NDArray[Any], ref: NDArray[Any], grid: int, size: float, min_correlation: float
) -> list[tuple[float, float]]:
    """Shift of each textured patch of ``ref`` (an edge map) found in ``now`` (anywhere in it:
    the search covers the whole picture, so a shift larger than the patch is found too)."""
    found: list[tuple[float, float]] = []
    for y0, x0, patch in _textured_patches(ref, grid, size):
        _, best, _, (bx, by) = cv2.minMaxLoc(cv2.matchTemplate(now, patch, cv2.TM_CCOEFF_NORMED))
        if best >= min_correlation:
            found.append((float(bx - x0), float(by - y0)))
    return found


def in_place_share(
    thumb: NDArray[Any],
    reference_thumb: NDArray[Any],
    *,
    grid: int = 4,
    size: float = 0.3,
    radius_px: int = 2,
    min_correlation: float = 0.5,
    enough: float = 2.0,
) -> float:
    """Share (0–1) of the reference's textured patches found where they were: ``grid``×``grid``
    patches (``size`` of the width and height) of the reference thumbnail's edge map, each
    searched for only within ``radius_px`` thumbnail pixels of its place in the picture's edge
    map (``TM_CCOEFF_NORMED`` ≥ ``min_correlation``). 0 when no patch is textured. The search
    stops once the share is sure to reach ``enough`` (the share returned is then at least
    ``enough``) or sure not to (about 0.2 ms instead of 0.4 ms).

    The cheap test that the view is in place on a busy scene (a person filling the picture, where
    phase correlation's peak is weak): the background's patches are still where they were, while
    a turned view (≥ 9 % of the width, 14 px of a 160-px thumbnail) leaves none within reach.
    """
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    now, ref = _edges(thumb), _edges(reference_thumb)
    places = _textured_patches(ref, grid, size)
    if not places:
        return 0.0
    needed = enough * len(places)
    found = 0
    for tried, (y0, x0, patch) in enumerate(places):
        ya, xa = max(0, y0 - radius_px), max(0, x0 - radius_px)
        ph, pw = patch.shape[:2]
        window = now[ya : y0 + ph + radius_px, xa : x0 + pw + radius_px]
        _, best, _, _ = cv2.minMaxLoc(cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED))
        found += best >= min_correlation
        if enough <= 1.0 and (found >= needed or found + len(places) - tried - 1 < needed):
            break
    return found / len(places)


def _groups(moves: NDArray[Any], tolerance_px: float) -> list[NDArray[np.bool_]]:
    """Disjoint groups of shifts that agree to ``tolerance_px``, largest first (greedy)."""
    near = np.hypot(moves[:, None, 0] - moves[None, :, 0], moves[:, None, 1] - moves[None, :, 1])
    close = near <= tolerance_px
    left = np.ones(len(moves), bool)
    groups: list[NDArray[np.bool_]] = []
    while left.any():
        counts = (close & left[None, :]).sum(axis=1) * left
        member = close[int(np.argmax(counts))] & left
        groups.append(member)
        left &= ~member
    return groups


def patch_shift(
    thumb: NDArray[Any],
    reference_thumb: NDArray[Any],
    *,
    grid: int = 4,
    size: float = 0.3,
    min_correlation: float = 0.5,
    tolerance: float = 0.03,
) -> PatchShift:
    """Shift of the view from patches of the reference: ``grid``×``grid`` patches (``size`` of
    the width and height) of the reference thumbnail's edge map (Sobel gradient magnitude), each
    found in the picture's edge map by normalised cross-correlation (``TM_CCOEFF_NORMED`` ≥
    ``min_correlation``); the patches whose shifts agree to within ``tolerance`` of the width form
    groups, the largest is the answer.

    A turned camera moves every part of the view alike, however much the scene changed in front
    of the background (a person moving in a car); a replaced view leaves no group that agrees.
    Where ORB finds too few features (a small, soft CIF picture) this still finds the shift.
    """
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    w = thumb.shape[1]
    found = _patch_shifts(_edges(thumb), _edges(reference_thumb), grid, size, min_correlation)
    if not found:
        return PatchShift(float("nan"), float("nan"), 0, 0)
    moves = np.array(found)
    group = moves[_groups(moves, tolerance * w)[0]]
    return PatchShift(
        float(np.median(group[:, 0])),
        float(np.median(group[:, 1])),
        len(group),
        len(found),
        tuple(found),
    )


@dataclass(frozen=True)
class ThumbMatch:
    """The best shift of the reference view found in the thumbnail (:func:`thumb_match`), in
    thumbnail pixels: ``support`` is how many estimators agree on it (each patch of the
    reference found there, and phase correlation); ``aligned`` the difference (1 − ZNCC, 0–2) of
    the picture and the reference moved by it, where they overlap; ``in_place`` the same with the
    reference left where it was. A turned camera: ``aligned`` low and well below ``in_place``;
    a replaced view: no shift explains the picture better than none."""

    dx_px: float
    dy_px: float
    support: int
    aligned: float
    in_place: float


def _half(image: NDArray[Any]) -> NDArray[Any]:
    h, w = image.shape[:2]
    small: NDArray[Any] = cv2.resize(
        image, (max(8, w // 2), max(8, h // 2)), interpolation=cv2.INTER_AREA
    )
    return small


#: The least share of the picture a shifted reference must cover to explain it: on a sliver of
#: overlap any smooth view correlates (a turn by more than about half the view is a new view).
_MIN_OVERLAP = 0.45


def _best_aligned(now: NDArray[Any], ref: NDArray[Any], dx: float, dy: float) -> float:
    """:func:`aligned_difference` at the shift and its 8 neighbours (one pixel of the half-size
    thumbnail: a turned camera's view also changes a little in perspective), the lowest."""
    return min(
        aligned_difference(now, ref, dx + ex, dy + ey, min_overlap=_MIN_OVERLAP)
        for ex, ey in itertools.product((-1, 0, 1), repeat=2)
    )


def thumb_match(
    thumb: NDArray[Any],
    reference_thumb: NDArray[Any],
    *,
    min_shift_px: float,
    phase: tuple[float, float] | None = None,
    min_correlation: float = 0.5,
    tolerance: float = 0.03,
) -> ThumbMatch | None:
    """The shift, larger than ``min_shift_px`` (thumbnail px), that best explains the picture
    as the reference view moved: candidates are the phase-correlation shift (``phase``, or
    computed) and each group of agreeing patches (:func:`patch_shift`, searched over the whole
    picture); each is checked by the aligned difference on the half-size thumbnails. ``None``
    when no candidate is that large. Thumbnails only (no full frame): about half a millisecond."""
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    w = thumb.shape[1]
    if phase is None:
        phase = thumb_shift(thumb, reference_thumb)[:2]
    found = _patch_shifts(_edges(thumb), _edges(reference_thumb), 4, 0.3, min_correlation)
    moves = np.array(found, np.float64).reshape(-1, 2)
    candidates = [phase]
    if len(moves):
        candidates += [tuple(np.median(moves[g], axis=0)) for g in _groups(moves, tolerance * w)]
    now, ref = _half(thumb), _half(reference_thumb)
    k = now.shape[1] / w
    in_place = scene_difference(now, ref)
    best: ThumbMatch | None = None
    for dx, dy in candidates:
        if float(np.hypot(dx, dy)) <= min_shift_px:
            continue
        near = np.hypot(moves[:, 0] - dx, moves[:, 1] - dy) <= tolerance * w if len(moves) else []
        support = int(np.count_nonzero(near)) + int(
            float(np.hypot(phase[0] - dx, phase[1] - dy)) <= tolerance * w
        )
        aligned = _best_aligned(now, ref, dx * k, dy * k)
        if best is None or aligned < best.aligned:
            best = ThumbMatch(float(dx), float(dy), support, aligned, in_place)
    return best


def aligned_difference(
    thumb: NDArray[Any],
    reference_thumb: NDArray[Any],
    dx_px: float,
    dy_px: float,
    *,
    min_overlap: float = 0.3,
) -> float:
    """:func:`scene_difference` of the picture and the reference view where they overlap once the
    reference is moved by ``(dx_px, dy_px)`` thumbnail pixels (2 when they overlap on less than
    ``min_overlap`` of the picture)."""
    if thumb.shape != reference_thumb.shape:
        reference_thumb = cv2.resize(
            reference_thumb, (thumb.shape[1], thumb.shape[0]), interpolation=cv2.INTER_AREA
        )
    h, w = thumb.shape[:2]
    dx, dy = round(dx_px), round(dy_px)
    if (w - abs(dx)) * (h - abs(dy)) < min_overlap * w * h or abs(dx) >= w or abs(dy) >= h:
        return 2.0
    now = thumb[max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)]
    ref = reference_thumb[max(0, -dy) : h + min(0, -dy), max(0, -dx) : w + min(0, -dx)]
    return scene_difference(now, ref)
