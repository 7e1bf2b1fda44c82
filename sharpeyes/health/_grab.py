"""What every stream reader returns, and the helpers they share (private)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sharpeyes.health.detectors import Frame
from sharpeyes.model.urls import scrub


@dataclass
class FrameGrab:
    """What the reader got from a stream before its deadline.

    ``fault_kind`` says who fixes a failure: ``network`` (no TCP connection to the camera's host
    and port: the carrier) or ``stream`` (connected, but no usable stream: the contractor).
    ``codec``, ``stream_width``/``stream_height`` (pixels) are the stream as the camera sends it.
    """

    frames: list[Frame]
    reason: str | None = None
    detail: str = ""
    open_s: float | None = None
    elapsed_s: float = 0.0
    fault_kind: str | None = None
    codec: str | None = None
    stream_width: int | None = None
    stream_height: int | None = None
    info: dict[str, object] = field(default_factory=dict)


def classify_failure(text: str) -> str | None:
    """An offline reason of :data:`~sharpeyes.model.codes.OFFLINE_REASONS` read from an error text."""
    text = text.lower()
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
    if "timed out" in text or "timeout" in text or "immediate exit" in text:
        return "timeout"
    return None


def cleaner(secrets: Sequence[str | None]) -> Callable[[str], str]:
    """A function that scrubs URL credentials and each of ``secrets`` from a message and keeps its
    last line (at most 300 characters)."""
    kept = [s for s in secrets if s]

    def clean(text: str) -> str:
        text = scrub(text)
        for secret in kept:
            text = text.replace(secret, "***")
        return text.strip().splitlines()[-1][:300] if text.strip() else ""

    return clean


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process``'s whole process group (it was started in a session of its own)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # the kernel reaps SIGKILLed children
        process.wait(timeout=5)


def signal_name(returncode: int) -> str:
    """``SIGSEGV`` for a return code of -11."""
    number = -returncode
    return (
        signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
    )
