"""From measures to faults and a verdict, with every threshold in one configuration.

The verdict per camera is ``ok`` (no picture fault), ``degraded`` (one or more faults from
:data:`sharpeyes.model.codes.FAULTS`), ``offline`` (no stream; a reason from
:data:`sharpeyes.model.codes.OFFLINE_REASONS`) or ``unknown`` (the probe could not tell). A probe
that timed out is never ``ok``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from sharpeyes.health import detectors as d
from sharpeyes.model.codes import FAULTS

FAULT_NAMES: tuple[str, ...] = tuple(str(c) for c in FAULTS)


@dataclass(frozen=True)
class HealthConfig:
    """Every threshold of the picture analysis (defaults tuned on the labelled clips, see
    ``docs/health.md``). Units: luma/grey levels 0–255, fractions 0–1, seconds.

    Attributes
    ----------
    analysis_width:
        Frames wider than this (pixels) are shrunk to it before measuring.
    black_dark_fraction, black_level, black_structure:
        ``black`` (no picture) when at least this share of pixels is at or below ``black_level``
        luma *and* the scene structure (:func:`~sharpeyes.health.detectors.structure`) is below
        ``black_structure`` grey levels; a dark picture that still shows its scene is ``dark``.
    ir_chroma:
        A picture whose 95th-percentile Lab chroma is below this is in infrared / monochrome mode
        (``ir_mode`` 1): it gets no colour verdict, and is compared with the IR reference view.
    dark_mean_luma:
        ``dark`` when mean luma is below this (and the picture is not black).
    bright_mean_luma, bright_saturated_fraction:
        ``bright`` when mean luma is above the first or that share of pixels is burnt out (≥245).
    color_cast_k, color_shift:
        ``color_cast`` when the mean chroma moved from the reference view's by more than
        ``color_shift`` chroma spreads, or, with no reference, when the Lab cast factor K = D/M
        exceeds ``color_cast_k``.
    noise_sigma:
        ``noise`` when the estimated noise standard deviation exceeds this (grey levels).
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
        thumbnail exceeds this and the reference view cannot be found in the picture.
    moved_shift_fraction, moved_min_inliers, moved_inlier_share:
        ``moved`` when the reference view is found in the picture (a RANSAC homography of ORB
        matches with at least ``moved_min_inliers`` inliers, and at least ``moved_inlier_share``
        of the matches) shifted by more than this share of the picture's width.
    moved_phase_response:
        Where ORB finds no consistent match, a phase-correlation peak of at least this response
        (0–1) between the thumbnails stands for the shift.
    frozen_change:
        ``frozen`` when no two consecutive sampled frames differ by more than this mean absolute
        difference (grey levels, on the blurred thumbnail).
    min_frames:
        Frames needed for a picture verdict (fewer: the stream is ``offline``/``no_frames``).
    sample_frames, sample_interval_s:
        How many frames a probe takes and how far apart (seconds of stream time).
    """

    analysis_width: int = 640
    black_dark_fraction: float = 0.95
    black_level: int = 24
    black_structure: float = 1.2
    ir_chroma: float = 5.0
    dark_mean_luma: float = 36.0
    bright_mean_luma: float = 190.0
    bright_saturated_fraction: float = 0.3
    color_cast_k: float = 2.0
    color_shift: float = 0.6
    noise_sigma: float = 9.0
    blur_effect: float = 0.5
    blur_increase: float = 0.05
    stripe_amplitude: float = 2.9
    occlusion_fraction: float = 0.2
    occlusion_fraction_no_reference: float = 0.6
    occlusion_relative: float = 0.1
    occlusion_absolute: float = 2.5
    scene_difference: float = 0.68
    moved_shift_fraction: float = 0.09
    moved_min_inliers: int = 20
    moved_inlier_share: float = 0.3
    moved_phase_response: float = 0.2
    frozen_change: float = 0.4
    min_frames: int = 2
    sample_frames: int = 5
    sample_interval_s: float = 0.25


DEFAULT_CONFIG = HealthConfig()


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
    finite = [v for v in values if not math.isnan(v)]
    return float(np.median(finite)) if finite else float("nan")


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


def _frame_measures(p: d.Prepared, config: HealthConfig) -> dict[str, float]:
    flat = d.occluded_fraction(
        p.gray, relative=config.occlusion_relative, absolute=config.occlusion_absolute
    )
    return {
        "mean_luma": d.mean_luma(p.gray),
        "dark_fraction": d.dark_fraction(p.gray, level=config.black_level),
        "saturated_fraction": d.saturated_fraction(p.gray),
        "structure": d.structure(p.thumb),
        "chroma_p95": d.chroma_p95(p.bgr),
        "color_cast": d.color_cast(p.bgr),
        "noise_sigma": d.noise_sigma(p.gray),
        "blur_effect": d.blur_effect(p.gray),
        "stripe_strength": d.stripe_strength(p.gray),
        "flat_fraction": flat,
        "occluded_fraction": flat,
        "scene_difference": float("nan"),
        "blur_increase": float("nan"),
        "color_shift": float("nan"),
    }


def _compare_with_reference(
    p: d.Prepared, ref: d.Prepared, ref_blur: float, out: dict[str, float], config: HealthConfig
) -> None:
    mask = d.occlusion_mask(
        p.gray, ref.gray, relative=config.occlusion_relative, absolute=config.occlusion_absolute
    )
    out["occluded_fraction"] = float(mask.mean())
    ignore = mask | d.scene_mask(p.gray)
    out["scene_difference"] = d.scene_difference(p.thumb, ref.thumb, ignore=ignore)
    out["blur_increase"] = out["blur_effect"] - ref_blur
    out["color_shift"] = d.color_shift(p.bgr, ref.bgr)


def is_ir(frame: d.Frame, *, config: HealthConfig = DEFAULT_CONFIG) -> bool:
    """Whether ``frame`` (BGR uint8) is an infrared / monochrome picture (no chroma)."""
    return d.chroma_p95(d.prepare(frame, width=config.analysis_width).bgr) < config.ir_chroma


def _shift_measures(
    p: d.Prepared, ref: d.Prepared | None, *, config: HealthConfig, fov_deg: float | None
) -> dict[str, float]:
    """``shift_px`` (at the analysis width), ``shift_fraction`` (of the width), ``shift_deg``
    (heading, from ``fov_deg``), ``match_inliers``. Phase correlation of the thumbnails first (a
    fraction of a millisecond): when most of the picture is where it was, that is the answer;
    otherwise ORB + RANSAC, and where ORB finds no consistent match, the phase-correlation shift
    if most of the picture moved together."""
    nan = float("nan")
    out = {"match_inliers": nan, "shift_px": nan, "shift_fraction": nan, "shift_deg": nan}
    if ref is None:
        return out
    width = float(p.gray.shape[1])
    scale = width / float(p.thumb.shape[1])
    tdx, tdy, response = d.thumb_shift(p.thumb, ref.thumb)
    dx: float | None = None
    dy = 0.0
    if (
        response >= config.moved_phase_response
        and np.hypot(tdx, tdy) * scale < 0.5 * config.moved_shift_fraction * width
    ):
        # most of the picture is where it was: no need for feature matching (the costly part)
        dx, dy = tdx * scale, tdy * scale
    else:
        shift = d.view_shift(p.gray, ref.gray)
        out["match_inliers"] = float(shift.inliers)
        if shift.inliers >= config.moved_min_inliers and (
            shift.inliers >= config.moved_inlier_share * shift.matches
        ):
            dx, dy = shift.dx_px, shift.dy_px
        elif response >= config.moved_phase_response:
            dx, dy = tdx * scale, tdy * scale
    if dx is None:
        return out
    out["shift_px"] = float(np.hypot(dx, dy))
    out["shift_fraction"] = out["shift_px"] / width
    if fov_deg is not None and fov_deg == fov_deg and fov_deg > 0:
        out["shift_deg"] = abs(dx) / width * float(fov_deg)
    return out


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
    prepared = [d.prepare(f, width=config.analysis_width) for f in frames]
    ref = d.prepare(reference, width=config.analysis_width) if reference is not None else None
    per: dict[str, list[float]] = {k: [] for k in _PER_FRAME}
    rows = [_frame_measures(p, config) for p in prepared]
    ir_mode = _median([r["chroma_p95"] for r in rows]) < config.ir_chroma
    same_mode = ref is not None and (d.chroma_p95(ref.bgr) < config.ir_chroma) == ir_mode
    if ref is not None and same_mode:
        ref_blur = d.blur_effect(ref.gray)
        for p, row in zip(prepared, rows, strict=True):
            _compare_with_reference(p, ref, ref_blur, row, config)
    for row in rows:
        for k in _PER_FRAME:
            per[k].append(row[k])
    measures = {k: _median(v) for k, v in per.items()}
    measures["frame_change"] = d.frame_change([p.thumb for p in prepared])
    measures["frames"] = float(len(frames))
    measures["has_reference"] = 1.0 if ref is not None and same_mode else 0.0
    measures["ir_mode"] = 1.0 if ir_mode else 0.0
    measures["reference_same_mode"] = float("nan") if ref is None else (1.0 if same_mode else 0.0)
    measures.update(_shift_measures(prepared[-1], ref, config=config, fov_deg=fov_deg))
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
    if m("noise_sigma") > config.noise_sigma:
        found.add("noise")
    if m("stripe_strength") > config.stripe_amplitude:
        found.add("stripes")
    # A picture that is too dark or burnt out has no colour, texture or structure worth judging;
    # comparisons with the reference view mean nothing once the view moved or is covered.
    luminance_fault = bool(found & {"dark", "bright"})
    has_reference = m("has_reference") == 1.0
    moved = m("shift_fraction") > config.moved_shift_fraction
    if luminance_fault:
        pass
    elif moved:
        found.add("moved")
        if m("flat_fraction") > config.occlusion_fraction_no_reference:
            found.add("occlusion")
    elif has_reference:
        if m("occluded_fraction") > config.occlusion_fraction:
            found.add("occlusion")
        if m("scene_difference") > config.scene_difference:
            # the view is replaced: what is flat in the new view is not a covering on this one
            found.add("scene_change")
            found.discard("occlusion")
    elif m("occluded_fraction") > config.occlusion_fraction_no_reference:
        found.add("occlusion")
    compare = has_reference and not found & {"scene_change", "occlusion", "moved"}
    if not luminance_fault:
        if m("ir_mode") == 1.0:
            cast = False
        elif compare:
            cast = m("color_shift") > config.color_shift
        else:
            cast = m("color_cast") > config.color_cast_k
        if cast:
            found.add("color_cast")
        if "stripes" not in found and "noise" not in found:
            if compare:
                blurred = m("blur_increase") > config.blur_increase
            else:
                blurred = m("blur_effect") > config.blur_effect
            if blurred:
                found.add("blur")
    return [f for f in FAULT_NAMES if f in found]


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
