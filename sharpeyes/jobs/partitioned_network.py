"""``network check`` on a store without a row per camera: streamed block by block in this process,
or one Dask task per county (``sharpeyes network check --dask ADDRESS|local:N``; docs/network.md).

Python API (``benchmarks/network.py`` and ``benchmarks/province.py`` call it)::

    result = check_store(store, nodes, links)                         # one process, streamed
    with dask_client("local:2") as client:
        result = check_store(store, nodes, links, client=client)      # a task per county
    result.document()        # check_network's report, to the value

**The steps** (:mod:`sharpeyes.network.assemble`): the client reads the topology (nodes and links,
small) and asks the store which of the link ends are cameras; each task then reads its county's
cameras itself — ``admin_code`` starting with the county's code, SQL on the store's ``admin_code``
index on both back ends, and one more task for the cameras of no county — twice: first the cameras
with a GB/T 28181 parent, to name the parents the chains start from (skipped when no camera has
one), then every camera, reduced to its county's :class:`~sharpeyes.network.blocks.BlockPart`
(cameras per switch and class, per switch and bitrate, the summary's and the rates' counts, and
only the cameras a list names). The client adds the parts and runs the checks on the collapsed
graph. A task carries the store URL without its password (:mod:`sharpeyes.jobs.task_url`) and the
attachment rules are sent once to every worker. Memory per worker: one county's cameras (a block
at a time); in the client: the topology and a few arrays per switch.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sharpeyes.coverage.units import unit_ancestors
from sharpeyes.jobs.dask_gather import gather_in_order
from sharpeyes.jobs.task_url import task_store_url
from sharpeyes.model.urls import mask_url
from sharpeyes.network.assemble import (
    check_from_parts,
    finish_network,
    first_parents,
    lookup_ids,
    network_skeleton,
    topology_only_block,
)
from sharpeyes.network.blocks import (
    AttachRules,
    BlockPart,
    combine_parts,
    part_of,
    prepare_block,
    reduce_block,
    rule3_parents,
)
from sharpeyes.network.check import NetworkCheck
from sharpeyes.network.load import BitrateTable
from sharpeyes.store import Store
from sharpeyes.store import partitions as reads
from sharpeyes.store.network_reads import (
    CameraSlice,
    camera_blocks,
    device_parents,
    existing_devices,
    has_parent_ids,
    padded_devices,
)

__all__ = ["NetworkTask", "StoreParents", "check_store", "county_part", "county_slices"]

log = logging.getLogger(__name__)


class StoreParents(Mapping[str, str]):
    """A device's GB/T 28181 parent, read from the store on first use (the chains' devices only:
    a few thousand recorders, never the inventory)."""

    def __init__(self, db: Any, prefetch: list[str], padded: pd.DataFrame | None = None) -> None:
        self._db = db
        self._padded = padded  # the stored IDs with surrounding whitespace (looked up too)
        self._known: dict[str, str | None] = dict.fromkeys(prefetch)
        self._known.update(device_parents(db, prefetch, padded=padded))

    def __getitem__(self, device: str) -> str:
        if device not in self._known:
            read = device_parents(self._db, [device], padded=self._padded)
            self._known[device] = read.get(device)
        found = self._known[device]
        if found is None:
            raise KeyError(device)
        return found

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._known.items() if v is not None)

    def __len__(self) -> int:
        return sum(1 for v in self._known.values() if v is not None)


@dataclass(frozen=True)
class NetworkTask:
    """One county's share (``part``): the store URL (masked in its ``repr``) and which cameras."""

    store_url: str = field(repr=False)
    part: CameraSlice

    def __repr__(self) -> str:
        return f"NetworkTask(part={self.part!r}, store={mask_url(self.store_url)!r})"


def county_slices(store: Any) -> list[CameraSlice]:
    """A slice per county of the unit hierarchy, then the cameras of none (every camera once)."""
    units = reads.unit_table(store)
    counties = (
        sorted({str(c) for c in unit_ancestors(units)["county"].dropna()}) if len(units) else []
    )
    return [CameraSlice(county=c) for c in counties] + [CameraSlice(rest_of=tuple(counties))]


def county_parents(task: NetworkTask, rules: AttachRules) -> pd.DataFrame:
    """A task, first pass: the parents its cameras attach by, each with its first camera."""
    with contextlib.closing(Store.open(task.store_url)) as store:
        chunk = CameraSlice(task.part.county, task.part.rest_of, with_parent=True)
        frames = [rule3_parents(prepare_block(b), rules) for b in camera_blocks(store.db, chunk)]
    kept = [f for f in frames if len(f)]
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()


def county_part(task: NetworkTask, rules: AttachRules) -> tuple[BlockPart | None, dict[str, Any]]:
    """A task, second pass: its county's cameras reduced (a block at a time), and what it cost."""
    started = time.perf_counter()
    with contextlib.closing(Store.open(task.store_url)) as store:
        part = part_of(camera_blocks(store.db, task.part), rules)
    stats = {
        "county": task.part.county or "",
        "cameras": 0 if part is None else part.counts["cameras"],
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mb": _peak_rss_mb(),
    }
    return part, stats


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def check_store(
    store: Any,
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    *,
    bitrates: BitrateTable | None = None,
    threshold: float = 0.8,
    client: Any = None,
) -> NetworkCheck:
    """Every network check on the store's cameras, streamed in this process (``client`` None) or
    a Dask task per county (module docstring): :func:`~sharpeyes.network.check_network`'s result
    for the same inventory, without a row per camera."""
    table = bitrates or BitrateTable()
    db = store.db
    found, padded = existing_devices(db, lookup_ids(nodes, links)), padded_devices(db)
    skeleton = network_skeleton(nodes, links, found, padded=padded)
    with_parents = has_parent_ids(db)
    url = store.engine.url.render_as_string(hide_password=False) if client is not None else ""
    with task_store_url(url) if client is not None else contextlib.nullcontext(url) as task_url:
        tasks = [NetworkTask(task_url, s) for s in county_slices(store)] if client else []
        if not with_parents:
            parents: list[str] = []
        elif client is None:
            chunk = CameraSlice(with_parent=True)
            parents = first_parents(
                rule3_parents(prepare_block(b), skeleton.rules) for b in camera_blocks(db, chunk)
            )
        else:
            first = client.scatter(skeleton.rules, broadcast=True)
            parents = first_parents(gather_in_order(client, county_parents, tasks, rules=first))
        network, routes, rules, structure = finish_network(
            skeleton,
            parents,
            StoreParents(db, parents, padded),
            bitrates=table,
            threshold=threshold,
        )
        if client is None:
            inventory = [part_of(camera_blocks(db), rules)]
        else:
            shared = client.scatter(rules, broadcast=True)
            results = gather_in_order(client, county_part, tasks, rules=shared)
            inventory = [part for part, _ in results]
            log.info("network check: %s", [stats for _, stats in results])
    extra = reduce_block(topology_only_block(skeleton), rules, in_inventory=False)
    total = combine_parts([*(p for p in inventory if p is not None), extra])
    return check_from_parts(skeleton, network, routes, rules, structure, total)
