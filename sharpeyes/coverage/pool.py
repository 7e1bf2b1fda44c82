"""County partitions on a process pool, balanced (:func:`sharpeyes.coverage.kpis.kpis_by_unit`'s
``workers``).

Each partition's covered areas (all cameras and every class) are a task of their own and its
counts a last task once its areas are in, largest partition first, so that the counts fill the
time a process would otherwise wait for the other's last county. One area task per partition,
not one for all cameras and one for the classes: the subsets of one call share the spatial
queries and containment tests (:func:`~sharpeyes.coverage.area.covered_area_exact_subsets`), and
two tasks cost a county of the 1M benchmark 5.5–6.0 CPU-s against 3.6–3.8 for one. Where processes fork, the workers inherit
the partitions and get only their numbers (no frame is pickled on the way there); elsewhere they
are sent. The figures are those of :func:`~sharpeyes.coverage.counts.partial_counts` on the whole
partition in one process (the same unions, rasters and sums, in the same order).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pandas as pd

from sharpeyes.coverage.counts import (
    Partition,
    exact_area_classes,
    partial_counts,
    raster_area_classes,
)
from sharpeyes.coverage.inputs import CLASSES

__all__ = ["counts_on_pool"]

#: The classes of an area task (``None``: all cameras).
Classes = tuple[int | None, ...]
#: The partitions a forked pool works on: the workers inherit them, only their numbers are sent.
_FORKED: list[Partition] = []


def _part_of(part: Partition | int) -> Partition:
    return _FORKED[part] if isinstance(part, int) else part


def _area_task(part: Partition | int, classes: Classes, kwargs: Any) -> Any:
    p = _part_of(part)
    if kwargs.get("area") == "fast":
        return raster_area_classes(
            p, cell_m=kwargs.get("cell_m", 10.0), area_by_class=kwargs.get("area_by_class", True)
        )
    return exact_area_classes(p, classes)


def _count_task(part: Partition | int, covered: Any, **kwargs: Any) -> pd.DataFrame:
    return partial_counts(_part_of(part), covered=covered, **kwargs)


def _area_tasks(parts: list[Partition], kwargs: dict[str, Any]) -> list[tuple[int, int, Classes]]:
    """(size, partition number, classes) of every partition's area task, largest first: all
    cameras and, with ``area_by_class``, each class, in one task (exact areas share their spatial
    queries and containment tests; the raster marks every class in one pass)."""
    if kwargs.get("area", "exact") not in ("exact", "fast"):
        return []
    classes: Classes = (None, *(CLASSES if kwargs.get("area_by_class", True) else ()))
    tasks = [(len(p.covering), i, classes) for i, p in enumerate(parts) if len(p.leaves)]
    tasks.sort(key=lambda t: -t[0])
    return tasks


def counts_on_pool(
    parts: list[Partition], kwargs: dict[str, Any], workers: int
) -> list[pd.DataFrame]:
    """:func:`~sharpeyes.coverage.counts.partial_counts` of every partition (``kwargs``), on
    ``workers`` processes, in the order of ``parts``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    global _FORKED
    tasks = _area_tasks(parts, kwargs)
    forked = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork") if forked else None
    key: list[Any] = list(range(len(parts))) if forked else list(parts)
    _FORKED = parts if forked else []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            waiting = {i: sum(1 for t in tasks if t[1] == i) for i in range(len(parts))}
            covered: dict[int, dict[int | None, Any]] = {i: {} for i in range(len(parts))}
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
            return [counts[i].result() for i in range(len(parts))]
    finally:
        _FORKED = []
