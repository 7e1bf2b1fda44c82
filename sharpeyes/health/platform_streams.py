"""Streams through the video platform: start, probe, always stop — never more than ``max_open`` at once.

A camera on a GB/T 28181 network usually has no RTSP URL of its own: the platform (wvp-GB28181-pro)
starts the stream on request (its play API answers the ZLMediaKit URLs), and the stream must be
stopped afterwards or the media server keeps pulling it. :func:`check_via_platform` does one camera:
it waits for one of ``max_open`` slots (a semaphore shared by every worker), asks the platform to
play, hands the RTSP URL to :func:`sharpeyes.health.nightly.check_camera` (the probe, under its own
hard deadline), and stops the stream in a ``finally`` — also when the play request timed out (the
platform may have started the stream after we gave up waiting) or the probe raised.

With ``snapshot_only`` the platform's snapshot API is used instead of a stream (one JPEG: picture
faults that need several frames, such as a frozen picture, cannot be told from it).

The platform is any object with ``play(device_id, channel_id) -> dict`` (``rtsp`` …),
``stop(device_id, channel_id)`` and ``snapshot(device_id, channel_id) -> bytes``; no store here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import Any, Protocol

from sharpeyes.health.nightly import check_camera
from sharpeyes.health.probe import decode_jpeg, encode_jpeg
from sharpeyes.health.verdict import DEFAULT_CONFIG, HealthConfig, analyse_frames
from sharpeyes.model.urls import scrub

log = logging.getLogger(__name__)


class Platform(Protocol):
    """What the health job needs of a video platform."""

    def play(self, device_id: str, channel_id: str) -> dict[str, Any]: ...

    def stop(self, device_id: str, channel_id: str) -> None: ...

    def snapshot(self, device_id: str, channel_id: str) -> bytes: ...


def _offline(
    device_id: str, reason: str, detail: str, started: datetime, t0: float
) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "verdict": "offline",
        "faults": [],
        "reason": reason,
        "measures": {},
        "snapshot_jpeg": None,
        "frame_jpeg": None,
        "detail": scrub(detail)[:300],
        "started_at": started.isoformat(),
        "duration_s": round(time.monotonic() - t0, 3),
    }


def _reason(exc: Exception) -> str:
    text = str(exc)
    return (
        "timeout" if ("no answer within" in text or "超时" in text or "486" in text) else "refused"
    )


def check_via_platform(
    camera: Mapping[str, Any],
    platform: Platform,
    *,
    slots: threading.Semaphore,
    reference_jpeg: bytes | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    deadline_s: float = 20.0,
    transport: str = "tcp",
    snapshot_only: bool = False,
) -> dict[str, Any]:
    """One camera (``device_id`` = the channel, ``wvp_device_id`` = its device) through the platform.

    Returns the results row of :func:`~sharpeyes.health.nightly.check_camera` (plus ``via``); a
    platform that refuses or times out gives ``offline`` with reason ``refused``/``timeout``, never
    ``ok``. The stream is stopped whenever play was asked, whatever happened after.
    """
    device_id = str(camera["device_id"])
    parent = str(camera["wvp_device_id"])
    started = datetime.now(UTC)
    t0 = time.monotonic()
    with slots:
        if snapshot_only:
            return _by_snapshot(device_id, parent, platform, reference_jpeg, config, started, t0)
        try:
            try:
                stream = platform.play(parent, device_id)
            except Exception as exc:  # the platform's refusal is the camera's result
                return _offline(device_id, _reason(exc), f"play: {exc}", started, t0)
            url = stream.get("rtsp") or stream.get("rtsps")
            if not url:
                return _offline(
                    device_id, "not_found", "play: no RTSP URL in the answer", started, t0
                )
            row = check_camera(
                {"device_id": device_id, "stream_url": url},
                reference_jpeg=reference_jpeg,
                config=config,
                deadline_s=deadline_s,
                transport=transport,
            )
            row["via"] = "platform"
            return row
        finally:
            try:
                platform.stop(parent, device_id)
            except Exception as exc:  # a failed stop is logged; the media server times it out
                log.warning("%s: stop failed: %s", device_id, scrub(str(exc)))


def _by_snapshot(
    device_id: str,
    parent: str,
    platform: Platform,
    reference_jpeg: bytes | None,
    config: HealthConfig,
    started: datetime,
    t0: float,
) -> dict[str, Any]:
    try:
        jpeg = platform.snapshot(parent, device_id)
    except Exception as exc:
        return _offline(device_id, _reason(exc), f"snapshot: {exc}", started, t0)
    frame = decode_jpeg(jpeg)
    if frame is None:
        return _offline(device_id, "decode_error", "snapshot: not a picture", started, t0)
    report = analyse_frames([frame], reference=decode_jpeg(reference_jpeg), config=config)
    return {
        "device_id": device_id,
        "verdict": report.verdict,
        "faults": list(report.faults),
        "reason": None,
        "measures": {k: (round(v, 4) if v == v else None) for k, v in report.measures.items()},
        "snapshot_jpeg": encode_jpeg(frame),
        "frame_jpeg": None,
        "detail": "snapshot only",
        "started_at": started.isoformat(),
        "duration_s": round(time.monotonic() - t0, 3),
        "via": "snapshot",
    }


def check_all_via_platform(
    cameras: Sequence[Mapping[str, Any]],
    platform: Platform,
    *,
    max_open: int = 16,
    references: Mapping[str, bytes | None] | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    deadline_s: float = 20.0,
    transport: str = "tcp",
    snapshot_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Rows of every camera as they finish, with at most ``max_open`` streams open at once."""
    if max_open < 1:
        raise ValueError("max_open must be at least 1")
    slots = threading.Semaphore(max_open)
    refs = references or {}
    with ThreadPoolExecutor(max_workers=max_open, thread_name_prefix="platform") as pool:
        futures = [
            pool.submit(
                check_via_platform,
                cam,
                platform,
                slots=slots,
                reference_jpeg=refs.get(str(cam["device_id"])),
                config=config,
                deadline_s=deadline_s,
                transport=transport,
                snapshot_only=snapshot_only,
            )
            for cam in cameras
        ]
        for future in as_completed(futures):
            yield future.result()
