"""Where the view is: the shift of a picture from its reference view (phase correlation, the
in-place edge patches, ORB + RANSAC, the thumbnail match) and whether a thumbnail shift shows the
reference moved — the measures and the check behind ``moved`` and ``scene_change``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sharpeyes.health import detectors as d
from sharpeyes.health import views as v

if TYPE_CHECKING:
    from sharpeyes.health.verdict import HealthConfig


def matched_shift(
    p: d.Prepared,
    ref: d.Prepared,
    config: HealthConfig,
    out: dict[str, float],
    phase: tuple[float, float],
) -> tuple[float, float] | None:
    """The view's shift (working-width px) from ORB + RANSAC at the analysis width
    (``shift_source`` 1); where that finds no consistent match, the best thumbnail shift of
    :func:`~sharpeyes.health.views.thumb_match` (``shift_source`` 2), with how many estimators
    agree on it and how well it explains the picture (the verdict checks those,
    :func:`_thumb_shift_verified`)."""
    width_px = config.analysis_width
    shift = v.view_shift(d.analysis_gray(p, width_px), d.analysis_gray(ref, width_px))
    out["match_inliers"] = float(shift.inliers)
    if shift.inliers >= config.moved_min_inliers and (
        shift.inliers >= config.moved_inlier_share * shift.matches
    ):
        out["shift_source"] = 1.0
        # the picture against the reference moved by the found shift: a view that drifted a
        # little (below the ``moved`` threshold) is still the reference view, not a scene change
        to_thumb = float(p.thumb.shape[1]) / (float(p.gray.shape[1]) * p.px_scale)
        out["aligned_difference"] = v.aligned_difference(
            p.thumb, ref.thumb, shift.dx_px * to_thumb, shift.dy_px * to_thumb
        )
        return shift.dx_px / p.px_scale, shift.dy_px / p.px_scale
    thumb_w = float(p.thumb.shape[1])
    match = v.thumb_match(
        p.thumb,
        ref.thumb,
        min_shift_px=config.moved_shift_fraction * thumb_w,
        phase=phase,
        min_correlation=config.moved_patch_correlation,
    )
    if match is None:
        return None
    out["match_patches"] = float(match.support)
    out["aligned_difference"] = match.aligned
    out["in_place_difference"] = match.in_place
    out["shift_source"] = 2.0
    scale = float(p.gray.shape[1]) / thumb_w
    return match.dx_px * scale, match.dy_px * scale


def thumb_shift_verified(m: Callable[[str], float], config: HealthConfig) -> bool:
    """Whether a thumbnail shift (``shift_source`` 2) shows the reference moved: enough
    estimators agree, the view is not in place, and the reference moved by the shift explains
    the picture much better than left in place (see :class:`HealthConfig`)."""
    aligned, in_place = m("aligned_difference"), m("in_place_difference")
    support = m("match_patches")
    return (
        support >= config.moved_min_support
        and in_place > config.scene_difference
        and aligned < config.moved_aligned
        and aligned < config.moved_aligned_ratio * in_place
        and (support >= 2 or aligned < config.moved_aligned_single)
    )


def patches_in_place(
    p: d.Prepared, ref: d.Prepared, config: HealthConfig, out: dict[str, float]
) -> bool:
    """Whether enough of the reference's edge patches are where they were (``in_place_share``,
    about 0.2 ms): the view is in place, no feature matching needed."""
    share = v.in_place_share(
        p.thumb,
        ref.thumb,
        min_correlation=config.moved_patch_correlation,
        enough=config.moved_in_place_share,
    )
    out["in_place_share"] = share
    return share >= config.moved_in_place_share


def shift_measures(
    p: d.Prepared, ref: d.Prepared | None, *, config: HealthConfig, fov_deg: float | None
) -> dict[str, float]:
    """``shift_px`` (at the analysis width), ``shift_fraction`` (of the width), ``shift_deg``
    (heading, from ``fov_deg``), ``shift_source`` (0 phase correlation, in place; 1 ORB; 2
    thumbnails), ``match_inliers``, ``match_patches`` (estimators agreeing on the thumbnail
    shift), ``aligned_difference`` and ``in_place_difference`` (of the thumbnail shift),
    ``in_place_share`` (the reference's edge patches found in place, where phase correlation's
    peak is weak), ``phase_response`` (its peak, where the view is not in place) and
    ``drift_difference`` (the scene difference once a clear phase-correlation shift under the
    ``moved`` threshold is undone). Phase correlation of the thumbnails first (a
    fraction of a millisecond): when most of the picture is where it was, that is the answer;
    otherwise ORB + RANSAC, and where ORB finds no consistent match, the verified thumbnail shift
    (:func:`matched_shift`)."""
    nan = float("nan")
    out = {
        "match_inliers": nan,
        "match_patches": nan,
        "aligned_difference": nan,
        "in_place_difference": nan,
        "in_place_share": nan,
        "drift_difference": nan,
        "phase_response": nan,
        "shift_source": nan,
        "shift_px": nan,
        "shift_fraction": nan,
        "shift_deg": nan,
    }
    if ref is None:
        return out
    width = float(p.gray.shape[1])
    scale = width / float(p.thumb.shape[1])
    tdx, tdy, response = v.thumb_shift(p.thumb, ref.thumb)
    if (
        response >= config.moved_phase_response
        and np.hypot(tdx, tdy) * scale < 0.5 * config.moved_shift_fraction * width
    ):
        # most of the picture is where it was: no need for feature matching (the costly part)
        dx, dy = tdx * scale, tdy * scale
        out["shift_source"] = 0.0
    elif patches_in_place(p, ref, config, out):
        dx = dy = 0.0  # the background's patches are within 2 thumbnail px of their place
        out["shift_source"] = 0.0
    else:
        out["phase_response"] = float(response)
        if (
            response >= config.moved_phase_response
            and np.hypot(tdx, tdy) * scale < config.moved_shift_fraction * width
        ):
            # a clear peak at a shift under the ``moved`` threshold: the view drifted a little;
            # its scene difference once the drift is undone
            out["drift_difference"] = v.aligned_difference(p.thumb, ref.thumb, tdx, tdy)
        found = matched_shift(p, ref, config, out, (tdx, tdy))
        if found is None:
            return out
        dx, dy = found
    out["shift_fraction"] = float(np.hypot(dx, dy)) / width
    out["shift_px"] = float(np.hypot(dx, dy)) * p.px_scale
    if fov_deg is not None and fov_deg == fov_deg and fov_deg > 0:
        out["shift_deg"] = abs(dx) / width * float(fov_deg)
    return out
