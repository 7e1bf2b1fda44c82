"""No stream password on any process's command line or in any environment while probes run, and
a reader child that crashes or hangs costs one probe, not the job."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sharpeyes.health.probe import probe_stream
from sharpeyes.health.reader_pool import reader_pids
from tests.health.conftest import free_port, started_rtsp_server

pytestmark = pytest.mark.rtsp


@pytest.fixture(scope="module")
def secret_server(
    clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """An RTSP server wanting ``admin`` and a fresh random password, read from a file (so that the
    password is on no command line of ours, the server's included)."""
    password = "pw" + secrets.token_hex(12)
    creds = tmp_path_factory.mktemp("creds") / "rtsp.txt"
    creds.write_text(f"admin:{password}\n", encoding="utf-8")
    port = free_port()
    args = ["--port", str(port), "--mount", f"healthy={clips['healthy']}"]
    args += ["--credentials-file", str(creds)]
    with started_rtsp_server(args, "GStreamer RTSP server (credentials file)"):
        yield f"rtsp://127.0.0.1:{port}", password


def _scan(needle: bytes) -> tuple[list[str], set[int]]:
    """Every /proc/PID/cmdline and /proc/PID/environ we can read that holds ``needle``, and the
    PIDs whose command line was read."""
    found: list[str] = []
    seen: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        for name in ("cmdline", "environ"):
            try:
                data = Path(f"/proc/{entry}/{name}").read_bytes()
            except OSError:
                continue
            if name == "cmdline":
                seen.add(int(entry))
            if needle in data:
                found.append(f"/proc/{entry}/{name}: {data[:200]!r}")
    return found, seen


def test_no_password_in_any_command_line_or_environment(
    secret_server: tuple[str, str],
) -> None:
    url, password = secret_server
    results = []
    done = threading.Event()

    def probes() -> None:
        try:
            for pw in (password, password, "wrong-" + password[::-1]):
                results.append(
                    probe_stream(f"{url}/healthy", user="admin", password=pw, deadline_s=15)
                )
        finally:
            done.set()

    thread = threading.Thread(target=probes)
    thread.start()
    leaks: list[str] = []
    scans = 0
    readers_seen: set[int] = set()
    while not done.is_set():
        found, seen = _scan(password.encode())
        leaks += found
        readers_seen |= seen & set(reader_pids())
        scans += 1
        time.sleep(0.02)
    thread.join()
    assert [r.verdict for r in results] == ["ok", "ok", "offline"], [r.as_dict() for r in results]
    assert results[2].reason == "unauthorized"
    assert scans >= 5 and readers_seen, "the scans must have run while a reader child was alive"
    assert leaks == []
    assert password not in repr([r.as_dict() for r in results])


def test_a_crashed_reader_costs_one_probe(secret_server: tuple[str, str]) -> None:
    url, password = secret_server
    outcome = []

    def probe() -> None:
        outcome.append(
            probe_stream(f"{url}/healthy", user="admin", password=password, deadline_s=15)
        )

    # a reader child that dies of SIGSEGV in the middle of a probe, as a decoder can
    before = set(reader_pids())
    thread = threading.Thread(target=probe)
    thread.start()
    killed = False
    for _ in range(2000):
        new = set(reader_pids()) - before
        if new:
            os.kill(new.pop(), signal.SIGSEGV)
            killed = True
            break
        time.sleep(0.002)
    thread.join()
    assert killed
    crashed = outcome[0]
    # the child is killed as soon as it exists, long before an RTSP session gives frames
    assert (crashed.verdict, crashed.reason) == ("offline", "decode_error"), crashed.as_dict()
    assert "SIGSEGV" in crashed.detail
    again = probe_stream(f"{url}/healthy", user="admin", password=password, deadline_s=15)
    assert again.verdict == "ok", again.as_dict()
