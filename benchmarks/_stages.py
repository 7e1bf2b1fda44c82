"""Per-stage CPU clocks of one SQLite import (benchmarks/ingest.py), and the wall time the same work
would take on 2 idle cores (the critical path over the stages that overlap).

The clocks wrap the import's own functions for the duration of a run (no change to the package).
The import is given in parts: the main thread validates part k + 2 while the store's keyer thread
makes part k + 1's keyed rows and its writer thread stages and inserts part k. So the stages that
run beside each other are clocked on their own thread (validation: the main thread; keyed rows:
the keyer's; staging and insert: the writer's), the stages that run alone on the whole process
(the CSV parse, before the first part; the index build, after the last; pyarrow's and SQLite's
helper threads included).
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
    "validate": "validation (normalize_cameras, main thread)",
    "read_rest": "reader, the rest",
    "keyed": "keyed rows + row hashes (keyer thread)",
    "stage": "ADBC staging (writer thread)",
    "insert": "INSERT … SELECT (writer thread)",
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
        from sharpeyes.store import bulk, imports, part_writes

        targets = [
            (table, "read_csv_sheet", "parse", _process_cpu),
            (normalize, "normalize_cameras", "validate", time.thread_time),
            (bulk, "keyed_batch", "keyed", time.thread_time),
            (bulk, "_stage", "stage", time.thread_time),
            (part_writes.PartWriter, "_write", "insert", time.thread_time),
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
        """The insert without its staging; the remainder of the run's total CPU seconds (the
        ingest pool's share of validation, the split, log, credentials, commit)."""
        self.cpu["insert"] = max(0.0, self.cpu["insert"] - self.cpu["stage"])
        self.cpu["read_rest"] = 0.0
        named = sum(self.cpu[k] for k in STAGES if k not in ("read_rest", "store_rest"))
        self.cpu["store_rest"] = max(0.0, read_cpu + store_cpu - named)

    def idle_wall_estimate(self, cores: int = 2) -> float:
        """Seconds on ``cores`` idle cores: the CSV parse spread over the cores; then the three
        stages of the parts (validation, keyed rows, writer) at once, as long as the slowest of
        them or their sum spread over the cores, plus the writer's last part, which nothing
        overlaps; then the index build (its sorts on the cores) and the rest, in turn."""
        c = self.cpu
        parts = max(1, self.parts)
        writer = c["stage"] + c["insert"]
        stages = (c["validate"], c["keyed"], writer)
        overlapped = max(*stages, sum(stages) / cores) + writer / parts
        return c["parse"] / cores + overlapped + c["indexes"] / cores + c["store_rest"]


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
        f"    ESTIMATE, not a measurement: on 2 idle cores the critical path (the parse and the "
        f"index sorts on both cores, validation, keyed rows and writer at once) is {wall:.2f} s → "
        f"{rows / wall:,.0f} rows/s"
    )
    return out
