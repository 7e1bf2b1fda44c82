"""The demo city's stream files: a realistic share of faults, readable files, unreadable ones."""

from __future__ import annotations

from pathlib import Path

import cv2

from sharpeyes.demo.streams import make_demo_streams
from sharpeyes.health.probe import probe_stream


def test_demo_streams_share_and_files(tmp_path: Path) -> None:
    paths = {f"2112020000132{i:07d}": tmp_path / "streams" / f"{i}.mp4" for i in range(60)}
    expected = make_demo_streams(paths, seed=0)
    assert set(expected) == set(paths)
    faulty = [d for d, f in expected.items() if f]
    offline = [d for d, f in expected.items() if f == ["offline"]]
    assert 0.1 <= len(faulty) / len(paths) <= 0.3 and 1 <= len(offline) <= 2
    assert {f[0] for f in expected.values() if f} >= {
        "black",
        "frozen",
        "blur",
        "occlusion",
        "dark",
    }
    healthy = next(d for d, f in expected.items() if not f)
    capture = cv2.VideoCapture(str(paths[healthy]))
    ok, frame = capture.read()
    capture.release()
    assert ok and frame.shape == (180, 320, 3)
    assert probe_stream(str(paths[healthy]), deadline_s=10).verdict == "ok"
    black = next(d for d, f in expected.items() if f == ["black"])
    assert probe_stream(str(paths[black]), deadline_s=10).faults == ["black"]
    assert probe_stream(str(paths[offline[0]]), deadline_s=10).verdict == "offline"
    assert make_demo_streams(paths, seed=0) == expected
