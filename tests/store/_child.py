"""A child process stopped half way through an import, for the tests that kill one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def killed_half_way(script: str, store_url: str, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Runs ``script`` (Python, given the store URL as its argument) until it prints a line with
    "rows written", yields the child while it waits there, then kills it with SIGKILL."""
    path = tmp_path / "child.py"
    path.write_text(script, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, str(path), store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert "rows written" in line, child.stderr.read() if child.stderr else ""
        yield child
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
