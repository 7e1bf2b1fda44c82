"""Dask results gathered as they finish (the report's, the gaps' and the network check's county
tasks; docs/scale.md).

``client.gather(client.map(...))`` holds every finished result in the workers until the last task
ends: a worker that runs 50 counties keeps 50 results, and loses them all if it is restarted.
:func:`gather_in_order` fetches each result as soon as its task ends and releases its future, so
a worker keeps at most the result it is computing; the client gets the list in the tasks' order,
whatever order they finish in, so the reductions add the same numbers in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["gather_in_order"]


def gather_in_order(
    client: Any,
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    *,
    on_result: Callable[[int, Any], None] | None = None,
    **kwargs: Any,
) -> list[Any]:
    """``fn(task, **kwargs)`` for every task on the cluster (never cached: ``pure=False``), each
    result fetched as its task ends and its future released; the results in ``tasks``' order.
    ``on_result(index, result)`` is called as each arrives (in finishing order)."""
    from dask.distributed import as_completed

    if not tasks:
        return []
    futures = client.map(fn, list(tasks), pure=False, **kwargs)
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    finished = as_completed(futures, with_results=True)
    futures = []  # from here on only ``finished`` holds the futures not yet fetched
    for future, result in finished:
        i = index.pop(future.key)
        results[i] = result
        future.release()  # the worker may forget it now
        if on_result is not None:
            on_result(i, result)
    return results
