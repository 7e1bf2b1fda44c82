"""The ``ffmpeg`` command-line reader, kept for explicit use (``grab_frames(..., ffmpeg=PATH)``).

It puts the URL on ffmpeg's command line, so it refuses URLs with credentials: the default
reader (:mod:`._pool`) gets the URL over a pipe instead.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time

import cv2
import numpy as np

from sharpeyes.health._grab import FrameGrab, classify_failure, cleaner, kill_group, signal_name
from sharpeyes.health.detectors import Frame


def ffmpeg_binary() -> str:
    """The ffmpeg to run: ``$SHARPEYES_FFMPEG``, else the system's, else the one the
    ``imageio-ffmpeg`` wheel ships (so a machine without Debian's ffmpeg still has one)."""
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


def command(
    url: str,
    *,
    ffmpeg: str,
    frames: int,
    interval_s: float,
    width: int,
    transport: str,
    deadline_s: float,
) -> list[str]:
    """ffmpeg's arguments: sample, shrink, write YUV4MPEG to stdout."""
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"]
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


def parse_y4m(buffer: bytearray, pos: int = 0) -> tuple[list[Frame], int]:
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


def grab_with_ffmpeg(
    url: str,
    *,
    ffmpeg: str,
    deadline_s: float,
    frames: int,
    interval_s: float,
    width: int,
    transport: str,
    min_frames: int,
) -> FrameGrab:
    """Read frames with an ffmpeg child under ``deadline_s`` (see :func:`..probe.grab_frames`)."""
    start = time.monotonic()
    clean = cleaner([])
    cmd = command(
        url,
        ffmpeg=ffmpeg,
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
                parsed, used = parse_y4m(buffer, used)
                got.extend(parsed)
                if len(got) >= frames:
                    break
        finally:
            selector.close()
            kill_group(process)
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
        crashed = f"decoder crashed ({signal_name(returncode)})"
        return FrameGrab(got, "decode_error", crashed, open_s, elapsed)
    reason = classify_failure(stderr)
    if reason is None:
        reason = "no_frames" if returncode == 0 else "decode_error"
    return FrameGrab(
        got, reason, clean(stderr) or f"{len(got)} frame(s), exit {returncode}", open_s, elapsed
    )
