"""Probing real streams under a hard deadline: a real RTSP server, misbehaving servers, bad files."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from sharpeyes.health.probe import encode_jpeg, grab_frames, probe_stream
from tests.health.conftest import Misbehaving, street_frames

pytestmark = pytest.mark.rtsp

DEADLINE_S = 3.0


def test_healthy_file_is_ok(clips: dict[str, Path]) -> None:
    result = probe_stream(str(clips["healthy"]), deadline_s=10)
    assert result.verdict == "ok", result.as_dict()
    assert result.snapshot_jpeg and result.snapshot_jpeg[:2] == b"\xff\xd8"


@pytest.mark.parametrize("fault", ["black", "frozen", "blur", "noise", "dark"])
def test_faulty_files_are_degraded(clips: dict[str, Path], fault: str) -> None:
    result = probe_stream(str(clips[fault]), deadline_s=10)
    assert result.verdict == "degraded"
    assert fault in result.faults


@pytest.mark.parametrize("mount", ["healthy", "black", "frozen"])
def test_real_rtsp_server(rtsp_server: str, mount: str) -> None:
    result = probe_stream(f"{rtsp_server}/{mount}", deadline_s=15)
    if mount == "healthy":
        assert result.verdict == "ok", result.as_dict()
    else:
        assert result.verdict == "degraded" and mount in result.faults, result.as_dict()


def test_rtsp_unknown_mount_is_not_found(rtsp_server: str) -> None:
    result = probe_stream(f"{rtsp_server}/nothing-here", deadline_s=10)
    assert (result.verdict, result.reason) == ("offline", "not_found")


def test_rtsp_credentials_and_401(rtsp_auth_server: str) -> None:
    good = probe_stream(
        f"{rtsp_auth_server}/healthy", user="admin", password="s3cret", deadline_s=15
    )
    assert good.verdict == "ok", good.as_dict()
    bad = probe_stream(
        f"{rtsp_auth_server}/healthy", user="admin", password="wrong-pw", deadline_s=10
    )
    assert (bad.verdict, bad.reason) == ("offline", "unauthorized")
    assert "wrong-pw" not in repr(bad.as_dict())


def test_refused() -> None:
    from tests.health.conftest import free_port

    port = free_port()
    for url in (f"rtsp://127.0.0.1:{port}/x", f"http://127.0.0.1:{port}/x"):
        result = probe_stream(url, deadline_s=DEADLINE_S)
        assert (result.verdict, result.reason) == ("offline", "refused")


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_silent_server_times_out_on_our_deadline(
    misbehaving: type[Misbehaving], scheme: str
) -> None:
    server = misbehaving("silent")
    t0 = time.monotonic()
    result = probe_stream(f"{scheme}://127.0.0.1:{server.port}/stream", deadline_s=DEADLINE_S)
    elapsed = time.monotonic() - t0
    assert (result.verdict, result.reason) == ("offline", "timeout")
    assert elapsed < DEADLINE_S + 2.0


def test_one_frame_then_stall_is_offline(misbehaving: type[Misbehaving]) -> None:
    server = misbehaving("stall", [encode_jpeg(street_frames(1)[0])])
    t0 = time.monotonic()
    result = probe_stream(f"http://127.0.0.1:{server.port}/video.mjpg", deadline_s=DEADLINE_S)
    assert (result.verdict, result.reason) == ("offline", "timeout")
    assert time.monotonic() - t0 < DEADLINE_S + 2.0


def test_http_mjpeg_stream_is_read(misbehaving: type[Misbehaving]) -> None:
    server = misbehaving("mjpeg", [encode_jpeg(f) for f in street_frames(12)])
    result = probe_stream(f"http://127.0.0.1:{server.port}/video.mjpg", deadline_s=10)
    assert result.verdict in ("ok", "degraded") and result.measures["frames"] == 5.0, (
        result.as_dict()
    )


@pytest.mark.parametrize(("mode", "reason"), [("401", "unauthorized"), ("404", "not_found")])
def test_http_errors(misbehaving: type[Misbehaving], mode: str, reason: str) -> None:
    server = misbehaving(mode)
    result = probe_stream(
        f"http://admin:pw123@127.0.0.1:{server.port}/video.mjpg", deadline_s=DEADLINE_S
    )
    assert (result.verdict, result.reason) == ("offline", reason)
    assert "pw123" not in repr(result.as_dict())


def test_corrupt_and_missing_files(clips: dict[str, Path], tmp_path: Path) -> None:
    assert probe_stream(str(clips["corrupt"]), deadline_s=DEADLINE_S).reason == "decode_error"
    assert probe_stream(str(tmp_path / "none.mp4"), deadline_s=DEADLINE_S).reason == "not_found"


def test_crashing_decoder_is_decode_error(clips: dict[str, Path], tmp_path: Path) -> None:
    # a decoder binary that dies of a segmentation fault mid-stream, as some real files make decoders do
    crasher = tmp_path / "ffmpeg-crash"
    crasher.write_text("#!/bin/sh\nprintf 'YUV4MPEG2 W320 H180 F8:1\\n'\nkill -SEGV $$\n")
    crasher.chmod(crasher.stat().st_mode | stat.S_IXUSR)
    grab = grab_frames(str(clips["healthy"]), deadline_s=DEADLINE_S, ffmpeg=str(crasher))
    assert grab.reason == "decode_error" and "SIGSEGV" in grab.detail
    assert os.path.exists(clips["healthy"])


def test_ffmpeg_from_the_wheel_when_the_system_has_none(
    clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sharpeyes.health.probe import ffmpeg_binary

    monkeypatch.delenv("SHARPEYES_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on PATH, as on a machine without Debian's
    binary = ffmpeg_binary()
    assert "imageio_ffmpeg" in binary and Path(binary).is_file()
    result = probe_stream(str(clips["healthy"]))
    assert result.verdict == "ok", result.reason
