"""Stream probing under a hard deadline: RTSP (TCP first, UDP if asked), HTTP(S) MJPEG, files.

Frames are read by an ``ffmpeg`` child process (Debian's ``ffmpeg``) that decodes, samples and
shrinks the stream and writes raw YUV4MPEG frames to a pipe. We read that pipe with our own
deadline and kill the child's whole process group when it passes, so a silent server, a stream
that stalls after one frame, or a decoder that crashes can never hold or kill the caller. OpenCV's
FFmpeg backend is not used here: its internal timeouts are long and cannot be cut per call.

Reasons for ``offline`` come from :data:`sharpeyes.model.codes.OFFLINE_REASONS`: ``refused``,
``timeout``, ``unauthorized``, ``not_found``, ``no_frames``, ``decode_error``. Credentials are
joined into the URL only for the child's command line and scrubbed from every message we keep.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from sharpeyes.health.detectors import Frame
from sharpeyes.health.verdict import DEFAULT_CONFIG, HealthConfig, analyse_frames
from sharpeyes.model.urls import SECRET_SEPARATOR, join_credentials, mask_url, scrub


def ffmpeg_binary() -> str:
    """The ffmpeg to run: ``$SHARPEYES_FFMPEG``, else the system's, else the one the
    ``imageio-ffmpeg`` wheel ships (so a machine without Debian's ffmpeg still probes streams)."""
    configured = os.environ.get("SHARPEYES_FFMPEG")
    if configured:
        return configured
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError:
        return "ffmpeg"
    return str(imageio_ffmpeg.get_ffmpeg_exe())


SNAPSHOT_WIDTH = 320


@dataclass
class FrameGrab:
    """What the reader got from a stream before its deadline."""

    frames: list[Frame]
    reason: str | None = None
    detail: str = ""
    open_s: float | None = None
    elapsed_s: float = 0.0


@dataclass
class ProbeResult:
    """One camera's probe: verdict, faults, offline reason, measures, timings and a snapshot."""

    url: str
    verdict: str
    faults: list[str] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    measures: dict[str, float | None] = field(default_factory=dict)
    snapshot_jpeg: bytes | None = None
    frame_jpeg: bytes | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: no image bytes, URL masked."""
        return {
            "url": self.url,
            "verdict": self.verdict,
            "faults": list(self.faults),
            "reason": self.reason,
            "detail": self.detail,
            "measures": self.measures,
        }


def _classify_failure(stderr: str) -> str | None:
    text = stderr.lower()
    if "connection refused" in text:
        return "refused"
    if "401" in text or "unauthorized" in text or "authorization failed" in text:
        return "unauthorized"
    if "404" in text or "no such file" in text:
        return "not_found"
    if any(
        word in text
        for word in ("invalid data", "moov atom", "could not find codec", "decod", "corrupt")
    ):
        return "decode_error"
    if "not found" in text:
        return "not_found"
    if "timed out" in text or "timeout" in text:
        return "timeout"
    return None


def _command(
    url: str,
    *,
    ffmpeg: str,
    frames: int,
    interval_s: float,
    width: int,
    transport: str,
    deadline_s: float,
) -> list[str]:
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"]
    # a live stream's codec is known from its first key frame: do not analyse 5 s of it first
    live = ["-analyzeduration", "1000000", "-probesize", "500000"]
    if url.startswith("rtsp://") or url.startswith("rtsps://"):
        cmd += ["-rtsp_transport", transport, "-timeout", str(int(deadline_s * 1e6)), *live]
    elif url.startswith("http://") or url.startswith("https://"):
        cmd += ["-rw_timeout", str(int(deadline_s * 1e6)), *live]
    rate = 1.0 / max(interval_s, 0.01)
    vf = f"fps={rate:g},scale=trunc(min({width}\\,iw)/2)*2:-2"
    cmd += ["-i", url, "-an", "-sn", "-vf", vf, "-frames:v", str(frames)]
    cmd += ["-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "pipe:1"]
    return cmd


def _parse_y4m(buffer: bytearray, pos: int = 0) -> tuple[list[Frame], int]:
    """Frames decoded from a YUV4MPEG2 byte buffer from offset ``pos`` (0: the stream header comes
    first), and the offset after the last whole frame."""
    end = buffer.find(b"\n")
    if end < 0 or not buffer.startswith(b"YUV4MPEG2"):
        return [], pos
    header = buffer[:end].decode("ascii", "replace").split()
    width = int(next(t[1:] for t in header if t.startswith("W")))
    height = int(next(t[1:] for t in header if t.startswith("H")))
    size = width * height * 3 // 2
    pos = max(pos, end + 1)
    frames: list[Frame] = []
    while True:
        nl = buffer.find(b"\n", pos)
        if nl < 0 or not buffer.startswith(b"FRAME", pos):
            break
        if len(buffer) < nl + 1 + size:
            break
        yuv = np.frombuffer(bytes(buffer[nl + 1 : nl + 1 + size]), np.uint8)
        frames.append(cv2.cvtColor(yuv.reshape(height * 3 // 2, width), cv2.COLOR_YUV2BGR_I420))
        pos = nl + 1 + size
    return frames, pos


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # the kernel reaps SIGKILLed children
        process.wait(timeout=5)


def grab_frames(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    deadline_s: float = 20.0,
    frames: int = 5,
    interval_s: float = 0.25,
    width: int = 640,
    transport: str = "tcp",
    min_frames: int = 2,
    ffmpeg: str | None = None,
) -> FrameGrab:
    """Read up to ``frames`` frames, ``interval_s`` seconds of stream time apart, shrunk to at most
    ``width`` pixels across, from ``url`` (RTSP, HTTP(S) MJPEG or a file path) within ``deadline_s``
    seconds of wall time, whatever the server or the decoder does. Never raises for a bad stream:
    the reason is in the result."""
    start = time.monotonic()
    full = join_credentials(url, user, password) if user or password else url
    secrets = [s for s in (password, user, *(password or "").split(SECRET_SEPARATOR)) if s]

    def clean(text: str) -> str:
        text = scrub(text)
        for secret in secrets:
            text = text.replace(secret, "***")
        return text.strip().splitlines()[-1][:300] if text.strip() else ""

    if "://" not in url and not Path(url).exists():
        return FrameGrab([], "not_found", f"{url}: no such file", elapsed_s=0.0)
    cmd = _command(
        full,
        ffmpeg=ffmpeg or ffmpeg_binary(),
        frames=frames,
        interval_s=interval_s,
        width=width,
        transport=transport,
        deadline_s=deadline_s,
    )
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=errors,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            return FrameGrab([], "decode_error", clean(f"cannot start {cmd[0]}: {exc}"))
        assert process.stdout is not None
        buffer = bytearray()
        got: list[Frame] = []
        used = 0
        open_s: float | None = None
        timed_out = False
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        try:
            while True:
                left = deadline_s - (time.monotonic() - start)
                if left <= 0:
                    timed_out = True
                    break
                if not selector.select(timeout=min(left, 0.5)):
                    if process.poll() is not None:
                        break
                    continue
                chunk = os.read(process.stdout.fileno(), 1 << 20)
                if not chunk:
                    break
                if open_s is None:
                    open_s = time.monotonic() - start
                buffer += chunk
                parsed, used = _parse_y4m(buffer, used)
                got.extend(parsed)
                if len(got) >= frames:
                    break
        finally:
            selector.close()
            _kill(process)
            process.stdout.close()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    elapsed = time.monotonic() - start
    returncode = process.returncode
    got = got[:frames]
    if len(got) >= min_frames:
        return FrameGrab(got, None, "", open_s, elapsed)
    if timed_out:
        detail = f"stalled after {len(got)} frame(s)" if got else "no answer before the deadline"
        return FrameGrab(got, "timeout", f"{detail} ({deadline_s:g} s)", open_s, elapsed)
    if returncode is not None and returncode < 0 and returncode != -signal.SIGKILL:
        name = (
            signal.Signals(-returncode).name
            if -returncode in signal.Signals._value2member_map_
            else str(-returncode)
        )
        return FrameGrab(got, "decode_error", f"decoder crashed ({name})", open_s, elapsed)
    reason = _classify_failure(stderr)
    if reason is None:
        reason = "no_frames" if returncode == 0 else "decode_error"
    return FrameGrab(
        got, reason, clean(stderr) or f"{len(got)} frame(s), exit {returncode}", open_s, elapsed
    )


def encode_jpeg(frame: Frame, *, width: int = SNAPSHOT_WIDTH, quality: int = 80) -> bytes:
    """A small JPEG of ``frame`` (shrunk to ``width`` pixels across)."""
    h, w = frame.shape[:2]
    if w > width:
        frame = cv2.resize(
            frame, (width, max(2, round(h * width / w))), interpolation=cv2.INTER_AREA
        )
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 frame
        raise ValueError("JPEG encoding failed")
    return bytes(data.tobytes())


def decode_jpeg(data: bytes | None) -> Frame | None:
    """The frame in a JPEG (a stored reference view), or ``None``."""
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if image is None else np.asarray(image, dtype=np.uint8)


def probe_stream(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    reference_jpeg: bytes | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    deadline_s: float = 20.0,
    transport: str = "tcp",
) -> ProbeResult:
    """Probe one stream and judge its picture: the whole check of one camera.

    ``offline`` with a reason when no usable frames came before ``deadline_s`` (seconds of wall
    time); otherwise ``ok`` or ``degraded`` with the faults. ``reference_jpeg`` is the camera's
    reference view. Timings (seconds) are in ``measures`` as ``open_s`` and ``probe_s``.
    """
    started = time.monotonic()
    # reading stops at 80 % of the deadline so that killing the reader and the analysis fit in it
    grab = grab_frames(
        url,
        user=user,
        password=password,
        deadline_s=deadline_s * 0.8,
        frames=config.sample_frames,
        interval_s=config.sample_interval_s,
        width=config.analysis_width,
        transport=transport,
        min_frames=config.min_frames,
    )
    shown = mask_url(url) or ""
    if grab.reason is not None:
        measures: dict[str, float | None] = {
            "frames": float(len(grab.frames)),
            "probe_s": round(time.monotonic() - started, 3),
        }
        if grab.open_s is not None:
            measures["open_s"] = round(grab.open_s, 3)
        return ProbeResult(shown, "offline", [], grab.reason, grab.detail, measures)
    reference = decode_jpeg(reference_jpeg)
    report = analyse_frames(grab.frames, reference=reference, config=config)
    measures = {k: (round(v, 4) if v == v else None) for k, v in report.measures.items()}
    if grab.open_s is not None:
        measures["open_s"] = round(grab.open_s, 3)
    measures["probe_s"] = round(time.monotonic() - started, 3)
    last = grab.frames[-1]
    return ProbeResult(
        shown,
        report.verdict,
        report.faults,
        None,
        "",
        measures,
        snapshot_jpeg=encode_jpeg(last),
        frame_jpeg=encode_jpeg(last, width=config.analysis_width, quality=90),
    )
