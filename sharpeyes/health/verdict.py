"""From measures to faults and a verdict, with every threshold in one configuration.

The verdict per camera is ``ok`` (no picture fault), ``degraded`` (one or more faults from
:data:`sharpeyes.model.codes.FAULTS`), ``offline`` (no stream; a reason from
:data:`sharpeyes.model.codes.OFFLINE_REASONS`) or ``unknown`` (the probe could not tell). A probe
that timed out is never ``ok``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from sharpeyes.health import detectors as d
from sharpeyes.health import views as v
from sharpeyes.health.shift import shift_measures, thumb_shift_verified
from sharpeyes.model.codes import FAULTS

FAULT_NAMES: tuple[str, ...] = tuple(str(c) for c in FAULTS)


@dataclass(frozen=True)
class HealthConfig:
    """Every threshold of the picture analysis. The defaults of the thresholds on
    :data:`sharpeyes.health.tuning.GRIDS` (and ``moved_in_place_share``) are what the tuning
    protocol (:func:`sharpeyes.health.tuning.derive_thresholds`) derives from the *tuning* clips
    alone, so that the held-out clips score them cleanly (``docs/health.md``). Units: luma/grey levels 0–255, fractions 0–1, seconds.

    Attributes
    ----------
    analysis_width:
        Frames wider than this (pixels) are shrunk to it when read and stored; shifts are reported
        in pixels at this width.
    work_width, texture_frames, stripe_frames:
        The measures are taken on frames shrunk to at most ``work_width`` pixels across (the blur
        thresholds hold at that width only; noise is measured at the analysis width, on a quarter
        of the rows); the texture measures (noise, blur, colour) on ``texture_frames`` of the
        sampled frames (spread out, the last first) and stripes on ``stripe_frames`` (one frame
        can catch fine interference at a phase that hides it); the cheap ones (luma, dark and
        burnt-out shares, structure, thumbnails, the view's flat regions and scene difference) on
        every frame.
    black_dark_fraction, black_level, black_structure:
        ``black`` (no picture) when at least this share of pixels is at or below ``black_level``
        luma *and* the scene structure (:func:`~sharpeyes.health.detectors.structure`) is below
        ``black_structure`` grey levels; a dark picture that still shows its scene is ``dark``.
    ir_chroma:
        A picture whose 95th-percentile YCrCb chroma is below this is in infrared / monochrome mode
        (``ir_mode`` 1): it gets no colour verdict, and is compared with the IR reference view.
    dark_mean_luma:
        ``dark`` when mean luma is below this (and the picture is not black).
    bright_mean_luma, bright_saturated_fraction:
        ``bright`` when mean luma is above the first or that share of pixels is burnt out (≥245).
    color_cast_k, color_shift:
        ``color_cast`` when the mean chroma moved from the reference view's by more than
        ``color_shift`` chroma spreads, or, with no reference, when the YCrCb cast factor K = D/M
        exceeds ``color_cast_k``.
    noise_sigma:
        ``noise`` when the estimated noise standard deviation exceeds this (grey levels); beside
        ``stripes``, when it exceeds this plus the stripes' amplitude (a fine pattern raises the
        estimate).
    blur_effect, blur_increase:
        ``blur`` when the Crete blur measure (0 sharp – 1 blurred) rose by more than
        ``blur_increase`` since the reference view, or, with no reference, exceeds ``blur_effect``.
    stripe_amplitude:
        ``stripes`` when the periodic pattern seen in three of the four quadrants is stronger than
        this (grey levels).
    occlusion_fraction, occlusion_fraction_no_reference:
        ``occlusion`` when this share of the picture became flat since the reference view (or, with
        no reference, is flat at all).
    occlusion_relative, occlusion_absolute:
        A block is flat below ``relative`` × the frame's 90th-percentile block texture or below
        ``absolute`` grey levels.
    scene_difference:
        ``scene_change`` (the view is replaced or blocked) when 1 − ZNCC against the reference
        thumbnail exceeds this and the reference view cannot be found in the picture (moved).
    moved_shift_fraction, moved_min_inliers, moved_inlier_share:
        ``moved`` when the reference view is found in the picture (a RANSAC homography of ORB
        matches with at least ``moved_min_inliers`` inliers, and at least ``moved_inlier_share``
        of the matches) shifted by more than this share of the picture's width.
    moved_min_support, moved_patch_correlation, moved_aligned, moved_aligned_ratio:
        Where ORB finds no consistent match (a small, soft CIF picture), the thumbnail shift
        (:func:`~sharpeyes.health.views.thumb_match`: phase correlation and patches of the
        reference's edge map, each found with a correlation of at least
        ``moved_patch_correlation``) on which at least ``moved_min_support`` estimators agree,
        if the view is not in place (in-place difference above ``scene_difference``) and the
        reference moved by it matches the picture (aligned difference below ``moved_aligned``)
        much better than left in place (below ``moved_aligned_ratio`` × the in-place
        difference): the view is the reference moved, not replaced. A shift only one estimator
        finds is weaker evidence: it must explain the picture with an aligned difference below
        ``moved_aligned_single``.
    view_found_inliers:
        ORB matches with at least this many RANSAC inliers find the whole reference view: a
        view that drifted a little (below the ``moved`` threshold) is then compared with the
        reference moved by the drift for ``scene_change``, not in place.
    moved_phase_response:
        Phase correlation of the thumbnails with a peak of at least this response (0–1) and a
        shift under half the ``moved`` threshold: the view is in place (no feature matching).
    moved_in_place_share:
        Where that peak is weak (a busy scene), at least this share of the reference's textured
        edge patches found within 2 thumbnail px of their place
        (:func:`~sharpeyes.health.views.in_place_share`): the view is in place too.
    frozen_change:
        ``frozen`` when no two consecutive sampled frames differ by more than this mean absolute
        difference (grey levels, on the blurred thumbnail).
    min_frames:
        Frames needed for a picture verdict (fewer: the stream is ``offline``/``no_frames``).
    sample_frames, sample_interval_s:
        How many frames a probe takes and how far apart (seconds of stream time).
    """

    analysis_width: int = 640
    work_width: int = 320
    texture_frames: int = 1
    stripe_frames: int = 3
    black_dark_fraction: float = 0.95
    black_level: int = 24
    black_structure: float = 1.2
    ir_chroma: float = 5.0
    dark_mean_luma: float = 40.0
    bright_mean_luma: float = 190.0
    bright_saturated_fraction: float = 0.3
    color_cast_k: float = 2.0
    color_shift: float = 0.5
    noise_sigma: float = 8.0
    blur_effect: float = 0.5
    blur_increase: float = 0.0625
    stripe_amplitude: float = 2.6
    occlusion_fraction: float = 0.2
    occlusion_fraction_no_reference: float = 0.6
    occlusion_relative: float = 0.1
    occlusion_absolute: float = 2.5
    scene_difference: float = 0.68
    moved_shift_fraction: float = 0.09
    moved_min_inliers: int = 20
    moved_inlier_share: float = 0.3
    moved_phase_response: float = 0.2
    moved_in_place_share: float = 0.25
    moved_min_support: int = 1
    moved_patch_correlation: float = 0.5
    moved_aligned: float = 0.7
    moved_aligned_ratio: float = 0.6
    moved_aligned_single: float = 0.25
    view_found_inliers: int = 100
    frozen_change: float = 0.4
    min_frames: int = 2
    sample_frames: int = 5
    sample_interval_s: float = 0.25


DEFAULT_CONFIG = HealthConfig()

#: The slower, earlier analysis: every measure on every sampled frame at 640 px across, with the
#: thresholds that hold at that width (about a third of the default's speed; see docs/health.md).
ACCURATE_CONFIG = HealthConfig(
    work_width=640, texture_frames=5, stripe_frames=5, blur_increase=0.05
)


@dataclass
class PictureReport:
    """Measures and faults of one camera's sampled frames."""

    measures: dict[str, float]
    faults: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "degraded" if self.faults else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "faults": list(self.faults), "measures": self.measures}


def _median(values: Sequence[float]) -> float:
    """The median of the values that are not NaN (NaN if none): :func:`statistics.median`'s
    value, without its overhead (it is called for every measure of every sample)."""
    finite = sorted([v for v in values if v == v])
    n = len(finite)
    if not n:
        return float("nan")
    i = n // 2
    return float(finite[i]) if n % 2 else float((finite[i - 1] + finite[i]) / 2)


_PER_FRAME = (
    "mean_luma",
    "dark_fraction",
    "saturated_fraction",
    "structure",
    "chroma_p95",
    "color_cast",
    "noise_sigma",
    "blur_effect",
    "stripe_strength",
    "flat_fraction",
    "occluded_fraction",
    "scene_difference",
    "blur_increase",
    "color_shift",
)


_TEXTURE = ("chroma_p95", "color_cast", "noise_sigma", "blur_effect", "stripe_strength")


def _spread(n: int, k: int) -> list[int]:
    """Indices of ``k`` of ``n`` frames, spread out, the last always among them."""
    k = min(n, max(1, k))
    return sorted({n - 1 - round(i * n / k) for i in range(k)})


def _frame_measures(p: d.Prepared, config: HealthConfig) -> dict[str, float]:
    """The cheap measures of one frame (luma, structure, the flat region); texture ones are NaN."""
    row = dict(_ROW)
    row["mean_luma"], row["dark_fraction"], row["saturated_fraction"] = d.luma_stats(
        p.gray, dark_level=config.black_level
    )
    row["structure"] = d.structure(p.thumb)
    now = d.flat_blocks(
        p.blocks, relative=config.occlusion_relative, absolute=config.occlusion_absolute
    )
    row["flat_fraction"] = row["occluded_fraction"] = d.largest_region_fraction(now)
    return row


#: A frame's row before its measures: the texture and reference ones stay NaN unless measured.
_ROW: dict[str, float] = dict.fromkeys(
    (
        "mean_luma",
        "dark_fraction",
        "saturated_fraction",
        "structure",
        *_TEXTURE,
        "flat_fraction",
        "occluded_fraction",
        "scene_difference",
        "blur_increase",
        "color_shift",
    ),
    float("nan"),
)


@dataclass(frozen=True)
class _Reference:
    """What the comparisons need of the reference view, measured once."""

    prepared: d.Prepared
    blur: float
    chroma: tuple[float, float, float, float]
    flat: Any


def _reference(
    ref: d.Prepared,
    config: HealthConfig,
    chroma: tuple[float, float, float, float] | None = None,
) -> _Reference:
    """The reference's measures (its ``chroma`` measured here when not given)."""
    flat = d.flat_blocks(
        ref.blocks,
        relative=config.occlusion_relative,
        absolute=config.occlusion_absolute,
    )
    if chroma is None:
        chroma = d.chroma_measures(ref.bgr)
    return _Reference(ref, d.blur_effect(ref.gray), chroma, flat)


def _texture_measures(p: d.Prepared, out: dict[str, float], config: HealthConfig) -> None:
    """The costly measures of one frame (noise, blur, stripes, colour), into ``out`` (with the
    mean chroma, ``_a`` and ``_b``, for :func:`_texture_against`)."""
    a, b, spread, p95 = d.chroma_measures(p.bgr)
    out["_a"], out["_b"] = a, b
    out["chroma_p95"] = p95
    out["color_cast"] = float(np.hypot(a, b)) / max(spread, 1.0)
    # noise at the analysis width (a smaller picture averages noise away), on a quarter of the rows
    out["noise_sigma"] = d.noise_sigma(d.analysis_gray(p, config.analysis_width), bands=8)
    out["blur_effect"] = d.blur_effect(p.gray)


def _texture_against(out: dict[str, float], ref: _Reference) -> None:
    """Blur and colour of a textured frame against the reference view's."""
    ra, rb, rm, _ = ref.chroma
    out["blur_increase"] = out["blur_effect"] - ref.blur
    out["color_shift"] = float(np.hypot(out["_a"] - ra, out["_b"] - rb)) / max(rm, 1.0)


def _compare_with_reference(
    p: d.Prepared, ref: _Reference, out: dict[str, float], config: HealthConfig
) -> None:
    now = d.flat_blocks(
        p.blocks,
        relative=config.occlusion_relative,
        absolute=config.occlusion_absolute,
    )
    mask = d.newly_flat_region(now, ref.flat)
    out["occluded_fraction"] = float(mask.mean())
    ignore = mask | d.largest_region(now)
    out["scene_difference"] = v.scene_difference(p.thumb, ref.prepared.thumb, ignore=ignore)


def is_ir(frame: d.Frame, *, config: HealthConfig = DEFAULT_CONFIG) -> bool:
    """Whether ``frame`` (BGR uint8) is an infrared / monochrome picture (no chroma)."""
    prepared = d.prepare(frame, width=config.analysis_width, work_width=config.work_width)
    return d.chroma_p95(prepared.bgr) < config.ir_chroma


def measure_frames(
    frames: Sequence[d.Frame],
    *,
    reference: d.Frame | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    fov_deg: float | None = None,
) -> dict[str, float]:
    """Every measure of :mod:`~sharpeyes.health.detectors` over ``frames`` (BGR uint8, in time order),
    each the median over frames (``frame_change`` across them); ``reference`` is the camera's
    reference view, if any, and ``fov_deg`` its horizontal field of view (for ``shift_deg``).

    ``ir_mode`` is 1 for an infrared / monochrome picture. A reference of the other mode (a day
    reference for a night IR picture) is used only to find a moved view
    (``reference_same_mode`` 0); the other comparisons need a reference of the picture's own mode.
    Keys are stable: they are stored and shown."""
    if not frames:
        raise ValueError("measure_frames needs at least one frame")
    n = len(frames)
    textured = _spread(n, config.texture_frames)
    striped = _spread(n, config.stripe_frames)
    prepared: list[d.Prepared] = []
    rows: list[dict[str, float]] = []
    spectra = []
    for i, frame in enumerate(frames):
        # every measure of a frame while its pixels are still in the processor's cache
        p = d.prepare(frame, width=config.analysis_width, work_width=config.work_width)
        rows.append(_frame_measures(p, config))
        if i in textured:
            _texture_measures(p, rows[i], config)
        if i in striped:
            spectra.append(d.stripe_spectra(p.gray))
        prepared.append(p)
    for i, value in zip(striped, d.stripe_strengths_of(spectra), strict=True):
        rows[i]["stripe_strength"] = value
    ref = None
    ref_chroma = (0.0, 0.0, 0.0, 0.0)
    if reference is not None:
        ref = d.prepare(reference, width=config.analysis_width, work_width=config.work_width)
        ref_chroma = d.chroma_measures(ref.bgr)
    ir_mode = _median([rows[i]["chroma_p95"] for i in textured]) < config.ir_chroma
    same_mode = ref is not None and (ref_chroma[3] < config.ir_chroma) == ir_mode
    if ref is not None and same_mode:
        known = _reference(ref, config, ref_chroma)
        for i in textured:
            _texture_against(rows[i], known)
        for p, row in zip(prepared, rows, strict=True):
            _compare_with_reference(p, known, row, config)
    measures = {k: _median([row[k] for row in rows]) for k in _PER_FRAME}
    measures["frame_change"] = d.frame_change([p.thumb for p in prepared])
    measures["frames"] = float(len(frames))
    measures["has_reference"] = 1.0 if ref is not None and same_mode else 0.0
    measures["ir_mode"] = 1.0 if ir_mode else 0.0
    measures["reference_same_mode"] = float("nan") if ref is None else (1.0 if same_mode else 0.0)
    measures.update(shift_measures(prepared[-1], ref, config=config, fov_deg=fov_deg))
    return measures


def faults_from_measures(
    measures: Mapping[str, float], *, config: HealthConfig = DEFAULT_CONFIG
) -> list[str]:
    """Fault names (in :data:`FAULT_NAMES` order) that ``measures`` show under ``config``.

    ``black`` (dark *and* no structure) masks every other fault; an IR picture gets no colour
    verdict; ``moved`` (the reference view found, shifted) excludes ``scene_change`` (the view
    replaced or blocked), which excludes ``occlusion``; ``occlusion`` and ``scene_change`` against the reference need one of the
    picture's own mode; ``frozen`` needs two frames or more.
    """

    def m(key: str) -> float:
        value = measures.get(key, float("nan"))
        return float("nan") if value is None else float(value)

    if m("dark_fraction") >= config.black_dark_fraction and not (
        m("structure") >= config.black_structure
    ):
        return ["black"]
    found = _picture_faults(m, config)
    # A picture that is too dark or burnt out has no colour, texture or structure worth judging;
    # comparisons with the reference view mean nothing once the view moved or is covered.
    luminance_fault = bool(found & {"dark", "bright"})
    has_reference = m("has_reference") == 1.0
    if not luminance_fault:
        found |= _view_faults(m, config, has_reference=has_reference)
        compare = has_reference and not found & {"scene_change", "occlusion", "moved"}
        if _colour_cast(m, config, compare=compare):
            found.add("color_cast")
        if "stripes" not in found and "noise" not in found and _blurred(m, config, compare=compare):
            found.add("blur")
    return [f for f in FAULT_NAMES if f in found]


_Measure = Callable[[str], float]


def _picture_faults(m: _Measure, config: HealthConfig) -> set[str]:
    """Faults of the picture alone: frozen, dark, bright, noise, stripes."""
    found: set[str] = set()
    if m("frame_change") <= config.frozen_change:
        found.add("frozen")
    if m("mean_luma") < config.dark_mean_luma:
        found.add("dark")
    if (
        m("mean_luma") > config.bright_mean_luma
        or m("saturated_fraction") > config.bright_saturated_fraction
    ):
        found.add("bright")
    stripes = m("stripe_strength") > config.stripe_amplitude
    # fine stripes (a short period on a small picture) raise the noise estimate by up to their
    # amplitude: beside stripes, noise is what the estimate shows beyond the pattern
    beyond = m("stripe_strength") if stripes else 0.0
    if m("noise_sigma") > config.noise_sigma + beyond:
        found.add("noise")
    if stripes:
        found.add("stripes")
    return found


def _view_faults(m: _Measure, config: HealthConfig, *, has_reference: bool) -> set[str]:
    """Faults of the view: moved (with occlusion), or scene_change / occlusion."""
    found: set[str] = set()
    # patches in place: the slow shift measures (if taken, as by tuning) do not count
    in_place = m("in_place_share") >= config.moved_in_place_share
    shifted = not in_place and m("shift_fraction") > config.moved_shift_fraction
    if shifted and m("shift_source") == 2.0:
        shifted = thumb_shift_verified(m, config)
    if shifted:
        found.add("moved")
        if m("flat_fraction") > config.occlusion_fraction_no_reference:
            found.add("occlusion")
    elif has_reference:
        if m("occluded_fraction") > config.occlusion_fraction:
            found.add("occlusion")
        difference = m("scene_difference")
        found_whole = m("match_inliers") >= config.view_found_inliers
        if not in_place and m("shift_source") == 1.0 and found_whole:
            # the whole view found by ORB, shifted a little: compare once the shift is undone
            difference = min(difference, m("aligned_difference"))
        if not in_place and m("drift_difference") < difference:
            difference = m("drift_difference")
        if difference > config.scene_difference:
            # the view is replaced: what is flat in the new view is not a covering on this one
            found.add("scene_change")
            found.discard("occlusion")
    elif m("occluded_fraction") > config.occlusion_fraction_no_reference:
        found.add("occlusion")
    return found


def _colour_cast(m: _Measure, config: HealthConfig, *, compare: bool) -> bool:
    """A colour cast: against the reference when ``compare``, else alone; never in IR mode."""
    if m("ir_mode") == 1.0:
        return False
    if compare:
        return m("color_shift") > config.color_shift
    return m("color_cast") > config.color_cast_k


def _blurred(m: _Measure, config: HealthConfig, *, compare: bool) -> bool:
    """Blur: sharpness lost against the reference when ``compare``, else the blur effect alone."""
    if compare:
        return m("blur_increase") > config.blur_increase
    return m("blur_effect") > config.blur_effect


def analyse_frames(
    frames: Sequence[d.Frame],
    *,
    reference: d.Frame | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    fov_deg: float | None = None,
) -> PictureReport:
    """Measure ``frames`` and name their faults: the whole picture analysis of one camera."""
    measures = measure_frames(frames, reference=reference, config=config, fov_deg=fov_deg)
    return PictureReport(measures=measures, faults=faults_from_measures(measures, config=config))


def config_as_dict(config: HealthConfig = DEFAULT_CONFIG) -> dict[str, Any]:
    """The thresholds as a plain dict (for reports and ``docs/health.md``)."""
    return asdict(config)
