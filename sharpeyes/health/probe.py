"""Stream probing under a hard deadline: RTSP (TCP first, UDP if asked), HTTP(S) MJPEG, files.

Frames are read by a reader child (:mod:`sharpeyes.health._reader`, FFmpeg's libraries through
PyAV), one per probing thread and kept between probes, that gets each URL — password included —
over a pipe: the password is on no process's command line or environment. We read its answer with
our own deadline and kill its whole process group when the deadline passes, so a silent server, a
stream that stalls after one frame, or a decoder that crashes can never hold or kill the caller.
OpenCV's FFmpeg backend is not used here: its internal timeouts are long and cannot be cut per call.

Before reading, the probe opens a plain TCP connection to the camera's host and port: when that
fails the fault is the network's (``fault_kind`` ``network``: the carrier fixes it); a camera that
answers TCP but gives no usable stream is a ``stream`` fault, a bad picture a ``picture`` fault.

Reasons for ``offline`` come from :data:`sharpeyes.model.codes.OFFLINE_REASONS`: ``refused``,
``timeout``, ``unauthorized``, ``not_found``, ``no_frames``, ``decode_error``. Credentials are
scrubbed from every message we keep.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cv2
import numpy as np

from sharpeyes.health._ffmpeg import ffmpeg_binary, grab_with_ffmpeg
from sharpeyes.health._grab import FrameGrab
from sharpeyes.health.detectors import Frame
from sharpeyes.health.reader_pool import grab_with_reader
from sharpeyes.health.verdict import DEFAULT_CONFIG, HealthConfig, analyse_frames, is_ir
from sharpeyes.model.urls import SECRET_SEPARATOR, join_credentials, mask_url, split_credentials

__all__ = [
    "SNAPSHOT_WIDTH",
    "FrameGrab",
    "ProbeResult",
    "decode_jpeg",
    "encode_jpeg",
    "ffmpeg_binary",
    "grab_frames",
    "probe_stream",
    "tcp_check",
]

_DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}


SNAPSHOT_WIDTH = 320


@dataclass
class ProbeResult:
    """One camera's probe: verdict, faults, offline reason, measures, timings and a snapshot."""

    url: str
    verdict: str
    faults: list[str] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    measures: dict[str, Any] = field(default_factory=dict)
    snapshot_jpeg: bytes | None = None
    frame_jpeg: bytes | None = None
    mode: str | None = None

    @property
    def fault_kind(self) -> str | None:
        """``network``, ``stream``, ``picture`` or ``None`` (no fault)."""
        value = self.measures.get("fault_kind")
        return None if value is None else str(value)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: no image bytes, URL masked."""
        return {
            "url": self.url,
            "verdict": self.verdict,
            "faults": list(self.faults),
            "reason": self.reason,
            "detail": self.detail,
            "fault_kind": self.fault_kind,
            "mode": self.mode,
            "measures": self.measures,
        }


def tcp_check(url: str, *, timeout_s: float) -> tuple[str | None, str]:
    """Open (and close) a TCP connection to ``url``'s host and port within ``timeout_s`` seconds:
    ``(None, "")`` when it connects (or ``url`` is a file), else an offline reason (``refused``,
    ``timeout``) and what happened. Tells a network fault from a stream fault."""
    if "://" not in url:
        return None, ""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return None, ""
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None, ""
    if not port:
        return None, ""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None, ""
    except ConnectionRefusedError:
        return "refused", f"TCP connection to {host}:{port} refused"
    except TimeoutError:
        return "timeout", f"no TCP connection to {host}:{port} within {timeout_s:g} s"
    except OSError as exc:
        what = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        return "timeout", f"no TCP connection to {host}:{port} ({what})"


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
    check_network: bool = True,
) -> FrameGrab:
    """Read up to ``frames`` frames, ``interval_s`` seconds of stream time apart, shrunk to at most
    ``width`` pixels across, from ``url`` (RTSP, HTTP(S) MJPEG or a file path) within ``deadline_s``
    seconds of wall time, whatever the server or the decoder does. Never raises for a bad stream:
    the reason is in the result. ``ffmpeg`` (a binary) reads with the ffmpeg command line instead
    of the reader child; it refuses credentials, which would show on that command line."""
    start = time.monotonic()
    secrets = [s for s in (password, user, *(password or "").split(SECRET_SEPARATOR)) if s]
    if "://" not in url and not Path(url).exists():
        return FrameGrab([], "not_found", f"{url}: no such file", elapsed_s=0.0)
    if check_network:
        reason, detail = tcp_check(url, timeout_s=min(3.0, max(0.2, deadline_s * 0.3)))
        if reason is not None:
            return FrameGrab(
                [], reason, detail, elapsed_s=time.monotonic() - start, fault_kind="network"
            )
    left = max(0.1, deadline_s - (time.monotonic() - start))
    options = {
        "deadline_s": left,
        "frames": frames,
        "interval_s": interval_s,
        "width": width,
        "transport": transport,
        "min_frames": min_frames,
    }
    if ffmpeg is not None:
        if user or password or split_credentials(url)[1] is not None:
            return FrameGrab(
                [], "decode_error", "the ffmpeg reader would show the password on its command line"
            )
        grab = grab_with_ffmpeg(url, ffmpeg=ffmpeg, **options)  # type: ignore[arg-type]
    else:
        full = join_credentials(url, user, password) if user or password else url
        grab = grab_with_reader(full, secrets=list(secrets), **options)  # type: ignore[arg-type]
    grab.elapsed_s = time.monotonic() - start
    if grab.reason is not None and grab.fault_kind is None:
        grab.fault_kind = "stream"
    return grab


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


def _stream_measures(grab: FrameGrab) -> dict[str, Any]:
    out: dict[str, Any] = {"frames": float(len(grab.frames))}
    if grab.open_s is not None:
        out["open_s"] = round(grab.open_s, 3)
    if grab.codec:
        out["codec"] = grab.codec
    if grab.stream_width and grab.stream_height:
        out["stream_width_px"] = float(grab.stream_width)
        out["stream_height_px"] = float(grab.stream_height)
    return out


def pick_reference(
    frames: list[Frame],
    references: Mapping[str, bytes | None] | None,
    *,
    config: HealthConfig = DEFAULT_CONFIG,
) -> tuple[str, Frame | None]:
    """The picture's mode (``"ir"`` or ``"day"``) and the reference view to compare it with: the
    reference of its own mode, else the other mode's (used then only to find a moved view)."""
    mode = "ir" if is_ir(frames[len(frames) // 2], config=config) else "day"
    refs = references or {}
    for key in (mode, "ir" if mode == "day" else "day"):
        frame = decode_jpeg(refs.get(key))
        if frame is not None:
            return mode, frame
    return mode, None


def probe_stream(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    reference_jpeg: bytes | None = None,
    references: Mapping[str, bytes | None] | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    deadline_s: float = 20.0,
    transport: str = "tcp",
    fov_deg: float | None = None,
) -> ProbeResult:
    """Probe one stream and judge its picture: the whole check of one camera.

    ``offline`` with a reason when no usable frames came before ``deadline_s`` (seconds of wall
    time); otherwise ``ok`` or ``degraded`` with the faults. ``references`` are the camera's
    reference views by mode (``{"day": jpeg, "ir": jpeg}``); ``reference_jpeg`` is one reference
    for any mode. ``measures`` also hold ``open_s`` and ``probe_s`` (seconds), ``fault_kind``
    (``network``, ``stream``, ``picture``), ``codec`` and ``stream_width_px``/``stream_height_px``
    (the stream as sent), and ``mode``; ``fov_deg`` turns a moved view's shift into degrees.
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
    stream = _stream_measures(grab)
    if grab.reason is not None:
        measures: dict[str, Any] = {
            **stream,
            "fault_kind": grab.fault_kind,
            "probe_s": round(time.monotonic() - started, 3),
        }
        return ProbeResult(shown, "offline", [], grab.reason, grab.detail, measures)
    if reference_jpeg is not None and not references:
        references = {"day": reference_jpeg, "ir": reference_jpeg}
    mode, reference = pick_reference(grab.frames, references, config=config)
    report = analyse_frames(grab.frames, reference=reference, config=config, fov_deg=fov_deg)
    measures = {k: (round(v, 4) if v == v else None) for k, v in report.measures.items()}
    measures.update(stream)
    measures["mode"] = mode
    measures["fault_kind"] = "picture" if report.faults else None
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
        mode=mode,
    )
