"""Per-stage CPU clocks of one SQLite import (benchmarks/ingest.py), and the wall time the same work
would take on 2 idle cores (the critical path over the stages that overlap).

The clocks wrap the import's own functions for the duration of a run (no change to the package):
CPU seconds of the whole process for stages that run alone (pyarrow's and SQLite's helper threads
included), of the one thread for the two stages that overlap (ADBC staging in its worker thread,
``INSERT … SELECT`` on the import's connection).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Stage names in the order they run, with what each is.
STAGES: dict[str, str] = {
    "parse": "CSV parse (pyarrow, both cores)",
    "validate": "validation (normalize_cameras)",
    "read_rest": "reader, the rest",
    "keyed": "keyed rows + row hashes",
    "stage": "ADBC staging (worker thread)",
    "insert": "INSERT … SELECT (import's connection)",
    "indexes": "secondary indexes rebuilt",
    "store_rest": "store, the rest (split, log, credentials, commit)",
}


def _process_cpu() -> float:
    times = os.times()
    return times.user + times.system


class StageClock:
    """CPU seconds per stage of the runs made inside :meth:`clocked`."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.parts = 0
        self._lock = threading.Lock()

    def _add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.cpu[name] += seconds

    def _wrap(self, name: str, fn: Callable[..., Any], clock: Callable[[], float]) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self._add(name, clock() - start)
                if name == "stage":
                    self.parts += 1

        return timed

    @contextmanager
    def clocked(self) -> Iterator[StageClock]:
        """Wrap the stage functions while the block runs."""
        from sharpeyes.ingest import normalize, table
        from sharpeyes.store import bulk, imports

        targets = [
            (table, "read_csv_sheet", "parse", _process_cpu),
            (normalize, "normalize_cameras", "validate", _process_cpu),
            (bulk, "keyed_batch", "keyed", _process_cpu),
            (bulk, "_stage", "stage", time.thread_time),
            (bulk.Staging, "copy", "insert", time.thread_time),
            (imports.CameraImports, "_create_camera_indexes", "indexes", _process_cpu),
        ]
        saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _, _ in targets]
        for owner, attr, name, clock in targets:
            setattr(owner, attr, self._wrap(name, getattr(owner, attr), clock))
        try:
            yield self
        finally:
            for owner, attr, fn in saved:
                setattr(owner, attr, fn)

    def finish(self, read_cpu: float, store_cpu: float) -> None:
        """Fill the two remainders from the reader's and the store's total CPU seconds."""
        self.cpu["read_rest"] = max(0.0, read_cpu - self.cpu["parse"] - self.cpu["validate"])
        # the staging thread's CPU is part of the store's total, beside the insert's
        named = sum(self.cpu[k] for k in ("keyed", "stage", "insert", "indexes"))
        self.cpu["store_rest"] = max(0.0, store_cpu - named)

    def idle_wall_estimate(self, cores: int = 2) -> float:
        """Seconds on ``cores`` idle cores: every stage in turn at its CPU seconds, except the CSV
        parse (spread over the cores) and the staging beside the insert (only the first part's
        staging waits; then the slower of the two)."""
        c = self.cpu
        first = c["stage"] / self.parts if self.parts else 0.0
        overlapped = first + max(c["stage"] - first, c["insert"])
        serial = sum(c[k] for k in ("validate", "read_rest", "keyed", "indexes", "store_rest"))
        return c["parse"] / cores + serial + overlapped


def report(clocks: list[StageClock], rows: int) -> list[str]:
    """Lines: the median CPU seconds of each stage over the runs, then the estimate of the wall
    time on 2 idle cores (of the run with the median estimate) and the rows/s it means."""
    out = []
    for name, label in STAGES.items():
        values = sorted(c.cpu[name] for c in clocks)
        out.append(f"    {label:<50} {values[len(values) // 2]:6.2f} CPU-s")
    estimates = sorted(c.idle_wall_estimate() for c in clocks)
    wall = estimates[len(estimates) // 2]
    out.append(
        f"    ESTIMATE, not a measurement: on 2 idle cores the critical path (stages in turn, the "
        f"parse on both cores, staging beside the insert) is {wall:.2f} s → {rows / wall:,.0f} rows/s"
    )
    return out
