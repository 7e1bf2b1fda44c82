"""Reader children (:mod:`._reader`), one per probing thread, kept between probes (private).

A child gets each stream's URL — password included — as a JSON line on its stdin, so the URL is
on no command line and in no environment. It is reused while it behaves; when a probe's deadline
passes it is killed (its whole process group) and the next probe starts a fresh one, and a
decoder that crashes takes only the child with it.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from sharpeyes.health._grab import FrameGrab, classify_failure, cleaner, kill_group, signal_name
from sharpeyes.health.detectors import Frame

_READER = str(Path(__file__).with_name("_reader.py"))
_LOCAL = threading.local()
_ALL: set[ReaderProcess] = set()
_ALL_LOCK = threading.Lock()

#: Error types of PyAV (``av.error``) and of Python, by offline reason.
_BY_TYPE = {
    "HTTPUnauthorizedError": "unauthorized",
    "HTTPForbiddenError": "unauthorized",
    "HTTPNotFoundError": "not_found",
    "FileNotFoundError": "not_found",
    "ConnectionRefusedError": "refused",
    "ExitError": "timeout",
    "TimeoutError": "timeout",
    "InvalidDataError": "decode_error",
    "IndexError": "no_frames",
    "EOFError": "no_frames",
}


class _Dead(Exception):
    """The child ended (crashed, or was killed)."""


class ReaderProcess:
    """One reader child and the buffer of what it wrote."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, _READER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.owner = threading.current_thread()
        self.ready = False
        self.buffer = bytearray()
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        with _ALL_LOCK:
            _ALL.add(self)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _Dead() from exc

    def _fill(self, need: int, until: float) -> bool:
        assert self.process.stdout is not None
        while len(self.buffer) < need:
            left = until - time.monotonic()
            if left <= 0:
                return False
            if not self.selector.select(timeout=min(left, 0.5)):
                continue
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise _Dead()
            self.buffer += chunk
        return True

    def message(self, until: float) -> tuple[dict[str, Any], bytes] | None:
        """The next message, or ``None`` when ``until`` (monotonic seconds) passes first."""
        if not self._fill(4, until):
            return None
        (length,) = struct.unpack(">I", self.buffer[:4])
        if not self._fill(4 + length, until):
            return None
        header = json.loads(bytes(self.buffer[4 : 4 + length]))
        size = int(header.get("size") or 0)
        if not self._fill(4 + length + size, until):
            return None
        payload = bytes(self.buffer[4 + length : 4 + length + size])
        del self.buffer[: 4 + length + size]
        return header, payload

    def wait_ready(self, until: float) -> bool:
        """Wait (until ``until``, monotonic seconds) for the child's ``ready``."""
        if not self.ready:
            msg = self.message(until)
            if msg is None:
                return False
            self.ready = msg[0].get("kind") == "ready"
        return self.ready

    def close(self) -> None:
        self.selector.close()
        kill_group(self.process)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        with _ALL_LOCK:
            _ALL.discard(self)


def warm(timeout_s: float = 60.0) -> bool:
    """Start this thread's reader child and wait until it is ready (a thread pool's initializer:
    the child's start-up is then not counted against the first camera's deadline)."""
    try:
        return _mine().wait_ready(time.monotonic() + timeout_s)
    except (_Dead, OSError):
        _drop()
        return False


def close_orphans() -> int:
    """End the reader children whose thread has ended (a finished thread pool's); returns how many."""
    with _ALL_LOCK:
        orphans = [r for r in _ALL if not r.owner.is_alive()]
    for reader in orphans:
        reader.close()
    return len(orphans)


def _mine() -> ReaderProcess:
    close_orphans()
    reader: ReaderProcess | None = getattr(_LOCAL, "reader", None)
    if reader is None or not reader.alive():
        if reader is not None:
            reader.close()
        reader = ReaderProcess()
        _LOCAL.reader = reader
    return reader


def _drop() -> None:
    reader: ReaderProcess | None = getattr(_LOCAL, "reader", None)
    if reader is not None:
        reader.close()
    _LOCAL.reader = None


@atexit.register
def close_all() -> None:
    """End every reader child of this process."""
    with _ALL_LOCK:
        readers = list(_ALL)
    for reader in readers:
        reader.close()


def reader_pids() -> list[int]:
    """Process ids of this process's live reader children (for tests and diagnostics)."""
    with _ALL_LOCK:
        return [r.pid for r in _ALL if r.alive()]


def _failure(error: dict[str, Any], clean: Any) -> tuple[str, str]:
    message = clean(str(error.get("message") or ""))
    reason = _BY_TYPE.get(str(error.get("type"))) or classify_failure(message)
    if reason is None and error.get("errno") == 111:
        reason = "refused"
    return reason or "decode_error", message or str(error.get("type"))


def grab_with_reader(
    url: str,
    *,
    secrets: list[str | None],
    deadline_s: float,
    frames: int,
    interval_s: float,
    width: int,
    transport: str,
    min_frames: int,
) -> FrameGrab:
    """Read frames through this thread's reader child under ``deadline_s`` (wall seconds)."""
    start = time.monotonic()
    until = start + deadline_s
    clean = cleaner(secrets)
    request = {
        "url": url,
        "frames": frames,
        "interval_s": interval_s,
        "width": width,
        "transport": transport,
        # the child gives up on its own a little before we would kill it, and survives
        "timeout_s": max(0.5, deadline_s * 0.85),
    }
    got: list[Frame] = []
    grab = FrameGrab(got)
    try:
        reader = _mine()
        if not reader.wait_ready(until):
            raise TimeoutError
        reader.send(request)
        while True:
            msg = reader.message(until)
            if msg is None:
                _drop()
                if len(got) >= min_frames:
                    break
                detail = (
                    f"stalled after {len(got)} frame(s)" if got else "no answer before the deadline"
                )
                grab.reason, grab.detail = "timeout", f"{detail} ({deadline_s:g} s)"
                break
            header, payload = msg
            kind = header.get("kind")
            if kind == "info":
                grab.open_s = time.monotonic() - start
                grab.codec = str(header.get("codec") or "") or None
                grab.stream_width = int(header.get("width") or 0) or None
                grab.stream_height = int(header.get("height") or 0) or None
            elif kind == "frame":
                h, w = int(header["height"]), int(header["width"])
                yuv = np.frombuffer(payload, np.uint8).reshape(h * 3 // 2, w)
                got.append(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420))
            elif kind == "end":
                error = header.get("error")
                if error and len(got) < min_frames:
                    grab.reason, grab.detail = _failure(error, clean)
                    waited = time.monotonic() - start
                    if grab.open_s is None and waited >= 0.95 * deadline_s * 0.85:
                        grab.reason = "timeout"  # the server said nothing before the child gave up
                elif len(got) < min_frames:
                    grab.reason, grab.detail = "no_frames", f"{len(got)} frame(s)"
                break
    except _Dead:
        dead: ReaderProcess | None = getattr(_LOCAL, "reader", None)
        code = dead.process.wait(timeout=5) if dead is not None else None
        _drop()
        if len(got) < min_frames:
            if code is not None and code < 0 and code != -signal.SIGKILL:
                grab.reason, grab.detail = "decode_error", f"decoder crashed ({signal_name(code)})"
            else:
                grab.reason, grab.detail = "decode_error", f"reader ended (exit {code})"
    except TimeoutError:
        _drop()
        grab.reason, grab.detail = "timeout", f"the reader did not start within {deadline_s:g} s"
    except OSError as exc:
        _drop()
        grab.reason, grab.detail = "decode_error", clean(f"cannot start the reader: {exc}")
    grab.elapsed_s = time.monotonic() - start
    if grab.reason is None:
        grab.frames = got[:frames]
    return grab
