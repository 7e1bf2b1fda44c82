"""County partitions on a process pool, balanced (:func:`sharpeyes.coverage.kpis.kpis_by_unit`'s
``workers``).

Each partition's covered areas are tasks of their own — for exact areas one task for all cameras
and one for the classes, for the raster one task for every class (one pass marks them all) — and
its counts a last task once its areas are in, largest partition first: seven equal counties on two
processes no longer leave one idle for a whole county. Where processes fork, the workers inherit
the prepared inputs and the partitions' row numbers (:class:`~sharpeyes.coverage.counts.PartitionPlan`)
and build each partition themselves, in parallel, once per process; elsewhere the partitions are
built here and sent. The figures are those of :func:`~sharpeyes.coverage.counts.partial_counts` on
the whole partition in one process (the same unions, rasters and sums, in the same order).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd

from sharpeyes.coverage.counts import (
    Partition,
    PartitionPlan,
    build_partition,
    exact_area_classes,
    partial_counts,
    raster_area_classes,
)
from sharpeyes.coverage.inputs import CLASSES, CoverageInputs

__all__ = ["counts_on_pool"]

#: What a forked pool works on: the workers inherit it, only partition numbers are sent.
_FORKED: dict[str, Any] = {}
#: Partitions a forked worker has built (by number), kept for the partition's later tasks.
_BUILT: dict[int, Partition] = {}


def _part_of(part: Partition | int) -> Partition:
    if not isinstance(part, int):
        return part
    if part not in _BUILT:
        _BUILT[part] = build_partition(_FORKED["inputs"], _FORKED["plans"][part])
    return _BUILT[part]


def _area_task(part: Partition | int, classes: tuple[int | None, ...], kwargs: Any) -> Any:
    p = _part_of(part)
    if kwargs.get("area") == "fast":
        return raster_area_classes(
            p, cell_m=kwargs.get("cell_m", 10.0), area_by_class=kwargs.get("area_by_class", True)
        )
    return exact_area_classes(p, classes)


def _count_task(part: Partition | int, covered: Any, **kwargs: Any) -> pd.DataFrame:
    return partial_counts(_part_of(part), covered=covered, **kwargs)


def _area_tasks(
    parts: list[PartitionPlan], inputs: CoverageInputs, kwargs: dict[str, Any]
) -> list[tuple[int, int, tuple[int | None, ...]]]:
    """(size, partition number, classes) of every area task, largest first."""
    area = kwargs.get("area", "exact")
    if area not in ("exact", "fast"):
        return []
    # exact: two tasks per partition, all cameras and the classes (which share their queries)
    classes: list[tuple[int | None, ...]] = [(None,)]
    if area == "exact" and kwargs.get("area_by_class", True):
        classes.append(tuple(sorted(CLASSES, reverse=True)))
    cpc_all = inputs.cameras["point_class"].to_numpy(dtype=int)
    tasks = []
    for i, plan in enumerate(parts):
        if plan.leaves is None or not plan.leaves.any():
            continue
        cpc = cpc_all[plan.covering]
        for cls in classes:
            wanted = [c for c in cls if c is not None]
            size = len(cpc) if cls[0] is None else int(np.isin(cpc, wanted).sum())
            tasks.append((size, i, cls))
    tasks.sort(key=lambda t: -t[0])
    return tasks


def counts_on_pool(
    inputs: CoverageInputs, plans: list[PartitionPlan], kwargs: dict[str, Any], workers: int
) -> list[pd.DataFrame]:
    """:func:`~sharpeyes.coverage.counts.partial_counts` of every plan's partition (``kwargs``),
    on ``workers`` processes, in the order of ``plans``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    tasks = _area_tasks(plans, inputs, kwargs)
    forked = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork") if forked else None
    key: list[Any] = (
        list(range(len(plans))) if forked else [build_partition(inputs, p) for p in plans]
    )
    if forked:
        _FORKED.update(inputs=inputs, plans=plans)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            waiting = {i: sum(1 for t in tasks if t[1] == i) for i in range(len(plans))}
            covered: dict[int, dict[int | None, Any]] = {i: {} for i in range(len(plans))}
            counts: dict[int, Future[pd.DataFrame]] = {
                i: pool.submit(_count_task, key[i], None, **kwargs)
                for i, n in waiting.items()
                if n == 0
            }
            areas = {pool.submit(_area_task, key[i], cls, kwargs): i for _, i, cls in tasks}
            for done in as_completed(areas):
                i = areas[done]
                covered[i].update(done.result())
                waiting[i] -= 1
                if waiting[i] == 0:
                    counts[i] = pool.submit(_count_task, key[i], covered[i], **kwargs)
            return [counts[i].result() for i in range(len(plans))]
    finally:
        _FORKED.clear()
