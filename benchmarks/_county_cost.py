"""What one county task costs at full size (``benchmarks/province.py --county-sample N [--profile]``):
each task alone in a fresh process (no cluster, no other task beside it), run twice there — cold
(a worker's first task) and warm (its later ones) — with its wall and CPU seconds, peak memory and
cameras read; with ``--profile``, the first task of each kind under cProfile (cold), its time split
into the phases a county task goes through (reads from the store, inputs, computing).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import resource
import time
from pathlib import Path
from typing import Any

#: The phases of a county task, each the cumulative time of some functions (``file suffix``,
#: ``function``): summed over the matches; phases may nest (the reads are inside ``read_county``).
PHASES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("read: cameras in the box (PostGIS)", (("store/partitions.py", "cameras_in_box"),)),
    (
        "read: cameras without a position",
        (("store/partitions.py", "cameras_without_position"),),
    ),
    ("read: unit table (no geometry)", (("store/partitions.py", "unit_table"),)),
    ("read: units with geometry", (("store/partitions.py", "units_by_code"),)),
    (
        "read: places, roads, health",
        (
            ("store/partitions.py", "layer_in_box"),
            ("store/partitions.py", "layer_by_ids"),
            ("store/partitions.py", "health_of"),
        ),
    ),
    ("unit ancestors (hierarchy)", (("coverage/units.py", "unit_ancestors"),)),
    ("inputs: prepare_inputs", (("coverage/inputs.py", "prepare_inputs"),)),
    ("lists: task_lists", (("jobs/partitioned_lists.py", "task_lists"),)),
    ("compute: partial_counts (report)", (("coverage/counts.py", "partial_counts"),)),
    ("compute: find_gaps (gaps)", (("coverage/gaps.py", "find_gaps"),)),
)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def phases(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per phase (:data:`PHASES`) from a profile: the cumulative time of its functions."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, functions in PHASES:
        total = 0.0
        for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
            if any(filename.endswith(f) and name == n for f, n in functions):
                total += ct
        if total:
            out[label] = round(total, 2)
    return out


def run_task(kind: str, task: Any, profile_to: str | None) -> list[dict[str, Any]]:
    """One county task in this (fresh) process, twice: *cold* (the first task of a worker: the unit
    table read and walked up, after the imports and the store's first open, which a worker pays
    once) and *warm* (every later task of a worker, the steady state). ``kind``: report or gaps."""
    from sharpeyes.jobs.partitioned import county_counts
    from sharpeyes.jobs.partitioned_gaps import county_gaps
    from sharpeyes.store import Store

    Store.open(task.store_url).close()  # alembic's scripts, the driver: once per worker
    fn = county_counts if kind == "report" else county_gaps
    return [_timed(fn, kind, task, profile_to, "cold"), _timed(fn, kind, task, None, "warm")]


def _timed(fn: Any, kind: str, task: Any, profile_to: str | None, state: str) -> dict[str, Any]:
    profiler = cProfile.Profile() if profile_to else None
    cpu, start = cpu_seconds(), time.perf_counter()
    if profiler:
        profiler.enable()
    result = fn(task)
    if profiler:
        profiler.disable()
    out: dict[str, Any] = {
        "county": task.county,
        "kind": kind,
        "state": state,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": cpu_seconds() - cpu,
        "peak_rss": _peak_rss_bytes(),
        "load": os.getloadavg()[0],
        "profiled": bool(profiler),
    }
    if kind == "report":
        out.update(
            area=task.options.area,
            cameras_read=result.stats["cameras_read"],
            counted=result.stats["counted"],
            covering=result.stats["covering"],
        )
    else:
        out.update(villages=len(result.villages), cells=len(result.cells))
    if profiler and profile_to:
        profiler.dump_stats(profile_to)
        stats = pstats.Stats(profiler)
        out["phases"] = phases(stats)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        out["top"] = text.getvalue()
    return out


def _tasks(url: str, kind: str, area: str, n: int) -> list[Any]:
    """The first ``n`` county tasks (code order) of the report (``area``) or of the gaps."""
    from sharpeyes.jobs.partitioned import ReportOptions, county_tasks, partition_plan
    from sharpeyes.jobs.partitioned_gaps import gap_tasks
    from sharpeyes.store import Store

    options = ReportOptions(area=area)
    with Store.open(url) as store:
        plan, why = partition_plan(store, options)
        if plan is None:
            raise SystemExit(f"cannot split by county: {why}")
        if kind == "report":
            return county_tasks(url, plan, options)[:n]
        return gap_tasks(store, url, plan, h3_resolution=8, hd_min_lines=options.hd_min_lines)[:n]


def county_sample(
    url: str, n: int, kinds: list[tuple[str, str]], *, profile_dir: Path | None
) -> list[dict[str, Any]]:
    """``n`` county tasks of each ``(kind, area)`` (``("report", "fast")``, ``("gaps", "")``), each
    alone in a fresh process; with ``profile_dir``, the first of each kind under cProfile (its
    ``.prof`` file there, its phases and top functions printed)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sharpeyes.jobs.task_url import task_store_url

    out = []
    context = multiprocessing.get_context("spawn")
    with task_store_url(url) as bare:  # the tasks carry no password, as on the cluster
        for kind, area in kinds:
            for i, task in enumerate(_tasks(bare, kind, area, n)):
                prof = None
                if profile_dir is not None and i == 0:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                    prof = str(profile_dir / f"{kind}-{area or 'h3'}-{task.county}.prof")
                with ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1) as pool:
                    costs = pool.submit(run_task, kind, task, prof).result()
                for cost in costs:
                    out.append(cost)
                    _say(cost)
    return out


def _say(cost: dict[str, Any]) -> None:
    label = f"{cost['kind']} {cost.get('area', '')}".strip()
    what = (
        f"{cost['counted']:,} cameras counted, {cost['cameras_read']:,} read, "
        f"{cost['covering']:,} covering"
        if cost["kind"] == "report"
        else f"{cost['villages']:,} uncovered villages, {cost['cells']:,} H3 cells"
    )
    print(
        f"  county {cost['county']} ({label}, {cost['state']}"
        f"{', profiled' if cost['profiled'] else ''}): "
        f"{cost['seconds']:.1f} s wall, CPU {cost['cpu_seconds']:.1f} s, "
        f"peak {cost['peak_rss'] / 2**30:.2f} GiB, {what} | load {cost['load']:.1f}",
        flush=True,
    )
    for phase, seconds in cost.get("phases", {}).items():
        print(f"      {phase:<40}{seconds:8.2f} s", flush=True)
    if cost.get("top"):
        print("    " + "\n    ".join(cost["top"].splitlines()[:45]), flush=True)
