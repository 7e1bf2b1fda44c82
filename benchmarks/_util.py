"""Helpers shared by the benchmark scripts: peak memory, medians of timings, readable figures."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's resident memory (Linux ≥ 4.0).

    Returns False where that is not possible; :func:`peak_rss_bytes` then reports the peak since the
    process started.
    """
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    """Peak resident memory of this process, in bytes (since the last :func:`reset_peak_rss`)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(fn: Callable[[], T]) -> tuple[T, float, int]:
    """Run ``fn`` once: (its result, wall seconds, peak resident bytes during the run)."""
    reset_peak_rss()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    return result, seconds, peak_rss_bytes()


def median_runs(fn: Callable[[], Any], repeat: int) -> tuple[float, float, list[float]]:
    """Run ``fn`` ``repeat`` times: (median seconds, max peak resident bytes, all seconds)."""
    seconds: list[float] = []
    peak = 0
    for _ in range(max(1, repeat)):
        _, s, p = measure(fn)
        seconds.append(s)
        peak = max(peak, p)
    return statistics.median(seconds), float(peak), seconds


def gib(n_bytes: float) -> str:
    """``n_bytes`` as GiB text."""
    return f"{n_bytes / 2**30:.2f} GiB"
