"""The network checks' per-camera work, one block of cameras at a time (a province: 10,000,000).

The checks need of each camera only the node it hangs on and a few counts. A block of the
inventory (a chunk of the store's rows, or one county's cameras on a Dask worker) is attached by
the rules of :mod:`sharpeyes.network.graph` — given as :class:`AttachRules`, small arrays decided
once from the topology — and reduced to a :class:`BlockPart`: cameras per node and class, cameras
per node and bitrate (for the loads), the summary's counts, the networking-rate counts per county
and class, and the few cameras a list names (registry mismatches, overloaded access links, the
first cameras naming an unknown uplink). Parts add up (:func:`combine_parts`) to what one pass over
the whole inventory gives; :mod:`sharpeyes.network.assemble` turns them into the report.

Block rows carry the store's ``camera_id``: lists are put back in the store's order with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.network.attach import (
    CLASS_KEYS,
    Attachment,
    class_and_unit,
    inventory_frame,
    positions_in,
)
from sharpeyes.network.load import BitrateTable, camera_bitrates
from sharpeyes.network.reach import RATE_SUMS, rate_sums

__all__ = [
    "AttachRules",
    "BlockPart",
    "combine_parts",
    "prepare_block",
    "reduce_block",
    "rule3_parents",
]

#: Order key of the topology's cameras the inventory lacks (after every store row).
TOPOLOGY_ONLY_KEY: Final = 2**62
_CLASS_POS: Final = np.array([CLASS_KEYS.index(c) if c in CLASS_KEYS else 0 for c in range(10)])
_VIA: Final = ["link", "uplink", "parent_id"]
_ACCESS_COLUMNS: Final = ["camera_id", "device_id", "a", "b", "upper", "capacity_mbps", "load_mbps"]


@dataclass(frozen=True)
class AttachRules:
    """How a camera attaches, as arrays (picklable; sent once to every worker).

    ``node_names`` the graph's nodes (``node_list`` order); the ``uplink`` rule looks among the
    first ``uplink_nodes`` of them (the chain devices are added after it). ``link_*``: the cameras
    attached by a link (rule 1): their node, the link as written, its capacity (Mbit/s), whether
    the camera is a graph node itself. ``chain_*``: the GB/T 28181 parents resolved to a node
    (rule 3). ``depth``, ``platform``, ``centre``: the routes per node (-1 none; empty before the
    routes are known, when only the attachment is asked). ``skipped_rows``: the ``camera_id``
    (sorted) of the store rows that repeat an earlier row's device ID once stripped, left out of
    every block as the frame path leaves them out.
    """

    node_names: np.ndarray
    uplink_nodes: int
    link_cameras: np.ndarray
    link_node: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray
    link_capacity: np.ndarray
    link_in_graph: np.ndarray
    chain_parents: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    chain_node: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    depth: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    platform: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    centre: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bitrates: BitrateTable = field(default_factory=BitrateTable)
    threshold: float = 0.8
    skipped_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def kept(self, cams: pd.DataFrame) -> pd.DataFrame:
        """``cams`` without the :attr:`skipped_rows` (a block's rows by ``camera_id``)."""
        if not len(self.skipped_rows) or not len(cams):
            return cams
        drop = np.isin(cams["camera_id"].to_numpy(dtype=np.int64), self.skipped_rows)
        return cams[~drop].reset_index(drop=True) if drop.any() else cams

    @cached_property
    def _link_index(self) -> Any:
        return pd.Index(self.link_cameras, dtype=object)

    @cached_property
    def _uplink_index(self) -> Any:
        return pd.Index(self.node_names[: self.uplink_nodes], dtype=object)

    @cached_property
    def _chain_index(self) -> Any:
        return pd.Index(self.chain_parents, dtype=object)

    def _by_link(self, att: Attachment, device: np.ndarray) -> None:
        """Rule 1: the camera's access link (or the camera itself, a graph node)."""
        at = positions_in(device, self._link_index)
        hit = at >= 0
        att.attach_idx[hit] = self.link_node[at[hit]]
        att.via[hit] = 1
        att.link_a[hit] = self.link_a[at[hit]]
        att.link_b[hit] = self.link_b[at[hit]]
        att.link_cap[hit] = self.link_capacity[at[hit]]
        att.in_graph[hit] = self.link_in_graph[at[hit]]

    def _uplink_codes(self, uplink: pd.Series) -> np.ndarray:
        """Rule 2's node for every row (-1 none); a ``Categorical`` by its categories alone."""
        if isinstance(uplink.dtype, pd.CategoricalDtype):
            names = uplink.cat.categories.to_numpy(dtype=object)
            found = np.append(positions_in(names, self._uplink_index), -1)
            return found[np.asarray(uplink.cat.codes, dtype=np.int64)]
        return positions_in(uplink.to_numpy(dtype=object), self._uplink_index)

    def attach(self, cams: pd.DataFrame) -> tuple[Attachment, np.ndarray]:
        """Rules 1–3 on a camera table (:func:`prepare_block`): the attachment and which cameras
        name an uplink that is no node."""
        att = Attachment.none(len(cams))
        if len(self.link_cameras):
            self._by_link(att, cams["device_id"].to_numpy(dtype=object))
        need = (att.attach_idx < 0) & cams["uplink"].notna().to_numpy(dtype=bool)
        codes = self._uplink_codes(cams["uplink"])[need]
        ok = np.zeros(len(cams), dtype=bool)
        ok[np.flatnonzero(need)[codes >= 0]] = True
        att.attach_idx[ok] = codes[codes >= 0]
        att.via[ok] = 2
        bad_uplink = need & ~ok
        need = (att.attach_idx < 0) & cams["parent_id"].notna().to_numpy(dtype=bool)
        if need.any() and len(self.chain_parents):
            parents = cams["parent_id"].to_numpy(dtype=object)[need]
            at = positions_in(parents, self._chain_index)
            node = np.where(at >= 0, self.chain_node[np.maximum(at, 0)], -1)
            got = np.flatnonzero(need)[node >= 0]
            att.attach_idx[got] = node[node >= 0]
            att.via[got] = 3
        return att, bad_uplink


def prepare_block(block: pd.DataFrame) -> pd.DataFrame:
    """A block of store rows (``camera_id`` and the inventory's columns, lean or plain) as the
    camera table's rows: typed, cameras only (not recorders or platforms), with ``point_class``
    (0 unknown) and ``unit`` (county code) as :func:`~sharpeyes.network.graph.build_network`
    makes them."""
    devices = inventory_frame(block, keep_order=True)
    is_camera = devices.pop("is_camera").to_numpy(dtype=bool)
    cams = devices[is_camera].reset_index(drop=True) if not is_camera.all() else devices
    return class_and_unit(cams.copy(deep=False))


def rule3_parents(cams: pd.DataFrame, rules: AttachRules) -> pd.DataFrame:
    """``parent_id, camera_id``: each GB/T 28181 parent that cameras of the block attach by
    (neither a link nor an uplink attaches them), with the first such camera (store order)."""
    cams = rules.kept(cams)
    att, _ = rules.attach(cams)
    need = (att.attach_idx < 0) & cams["parent_id"].notna().to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "parent_id": cams["parent_id"].to_numpy(dtype=object)[need],
            "camera_id": cams["camera_id"].to_numpy(dtype=np.int64)[need],
        }
    )
    return frame.groupby("parent_id", sort=False)["camera_id"].min().reset_index()


@dataclass
class BlockPart:
    """One block's (or county's, or several blocks') share of the report; every field adds up.

    ``class_keys``/``class_counts``: cameras per ``node × len(CLASS_KEYS) + class position``;
    ``load_node``/``load_mbps``/``load_cameras``: cameras reaching a platform per node and bitrate;
    ``counts``: the summary's counts; ``via``: camera rows per rule (none, link, uplink,
    parent_id); ``rates``: :func:`~sharpeyes.network.reach.rate_sums` rows; ``without_path``,
    ``with_path``: the registry mismatches' reach rows (``camera_id`` first); ``access``: the
    overloaded access links; ``bad_uplink``: how many cameras name an unknown uplink and the first
    five (``camera_id, device_id, uplink``)."""

    class_keys: np.ndarray
    class_counts: np.ndarray
    load_node: np.ndarray
    load_mbps: np.ndarray
    load_cameras: np.ndarray
    counts: dict[str, int]
    via: np.ndarray
    rates: pd.DataFrame
    without_path: pd.DataFrame
    with_path: pd.DataFrame
    access: pd.DataFrame
    bad_uplink_count: int
    bad_uplink: pd.DataFrame


def reduce_block(cams: pd.DataFrame, rules: AttachRules, *, in_inventory: bool = True) -> BlockPart:
    """A camera table's block (:func:`prepare_block`) reduced to its :class:`BlockPart` (the
    rules' :attr:`~AttachRules.skipped_rows` left out)."""
    cams = rules.kept(cams)
    att, bad = rules.attach(cams)
    idx = att.attach_idx
    has = idx >= 0
    safe = np.where(has, idx, 0)
    has_path = has & (rules.depth[safe] >= 0) if len(rules.depth) else np.zeros(len(idx), bool)
    networked = cams["networked"].astype("boolean")
    yes = networked.fillna(False).to_numpy(dtype=bool)
    no = (~networked).fillna(False).to_numpy(dtype=bool)
    unknown = networked.isna().to_numpy(dtype=bool)
    mbps, res_assumed, codec_assumed = camera_bitrates(
        cams["resolution"], cams["codec"], rules.bitrates
    )
    rate = mbps.to_numpy(dtype=float)
    width = len(CLASS_KEYS)
    class_pos = _CLASS_POS[cams["point_class"].to_numpy(dtype=np.int64)]
    class_keys, class_counts = np.unique(idx[has] * width + class_pos[has], return_counts=True)
    load_node, load_mbps, load_cameras = _load_groups(idx[has_path], rate[has_path])
    inv = in_inventory
    counts = {
        "cameras": len(cams) if inv else 0,
        "only_in_topology": 0 if inv else len(cams),
        "with_path": int(has_path.sum()) if inv else 0,
        "networked_registry": int(yes.sum()) if inv else 0,
        "unknown_with_path": int((unknown & has_path).sum()) if inv else 0,
        "resolution_assumed": int(res_assumed.sum()),
        "codec_assumed": int(codec_assumed.sum()),
    }
    reach = _reach_rows(cams, att, has_path, rules, inv)
    direct = has_path & ~att.in_graph
    with np.errstate(invalid="ignore", divide="ignore"):
        direct &= rate / att.link_cap > rules.threshold
    return BlockPart(
        class_keys=class_keys.astype(np.int64),
        class_counts=class_counts.astype(np.int64),
        load_node=load_node,
        load_mbps=load_mbps,
        load_cameras=load_cameras,
        counts=counts,
        via=np.bincount(att.via, minlength=4).astype(np.int64),
        rates=rate_sums(reach) if inv else _no_rates(),
        without_path=_rows(reach, yes & ~has_path) if inv else reach.iloc[0:0],
        with_path=_rows(reach, no & has_path) if inv else reach.iloc[0:0],
        access=_access_rows(cams, att, rules, direct, rate),
        bad_uplink_count=int(bad.sum()),
        bad_uplink=pd.DataFrame(
            {
                "camera_id": cams["camera_id"].to_numpy(dtype=np.int64)[bad][:5],
                "device_id": cams["device_id"].to_numpy(dtype=object)[bad][:5],
                "uplink": cams["uplink"].to_numpy(dtype=object)[bad][:5],
            }
        ),
    )


def _load_groups(node: np.ndarray, mbps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cameras per (node, bitrate): ``node, mbps, cameras``."""
    rates, code = np.unique(mbps, return_inverse=True)
    k = max(len(rates), 1)
    keys, counts = np.unique(node.astype(np.int64) * k + code.reshape(-1), return_counts=True)
    return keys // k, rates[keys % k] if len(rates) else mbps[:0], counts.astype(np.int64)


def _reach_rows(
    cams: pd.DataFrame, att: Attachment, has_path: np.ndarray, rules: AttachRules, inv: bool
) -> pd.DataFrame:
    """The columns of :func:`~sharpeyes.network.reach.camera_reachability` the rates and the
    lists use (``hops``, ``platform``, ``centre`` are filled in only for the listed rows)."""
    return pd.DataFrame(
        {
            "camera_id": cams["camera_id"].to_numpy(dtype=np.int64),
            "device_id": cams["device_id"],
            "point_class": cams["point_class"],
            "unit": cams["unit"],
            "networked": cams["networked"].astype("boolean"),
            "in_inventory": inv,
            "_idx": att.attach_idx,
            "_via": att.via,
            "_in_graph": att.in_graph,
            "has_path": has_path,
        }
    )


def _rows(reach: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return reach[mask].reset_index(drop=True)


def _no_rates() -> pd.DataFrame:
    return pd.DataFrame({"unit": [], "point_class": [], **{c: [] for c in RATE_SUMS}})


def _access_rows(
    cams: pd.DataFrame, att: Attachment, rules: AttachRules, direct: np.ndarray, rate: np.ndarray
) -> pd.DataFrame:
    """The overloaded access links of :func:`~sharpeyes.network.load.access_loads` (its columns
    before the derived ones), with ``camera_id`` and the camera's ``lon, lat`` (WGS-84)."""
    return pd.DataFrame(
        {
            "camera_id": cams["camera_id"].to_numpy(dtype=np.int64)[direct],
            "device_id": cams["device_id"].to_numpy(dtype=object)[direct],
            "a": att.link_a[direct],
            "b": att.link_b[direct],
            "upper": rules.node_names[att.attach_idx[direct]],
            "capacity_mbps": att.link_cap[direct],
            "load_mbps": rate[direct],
            "lon": cams["lon"].to_numpy(dtype=float)[direct],
            "lat": cams["lat"].to_numpy(dtype=float)[direct],
        }
    )


def combine_parts(parts: list[BlockPart]) -> BlockPart:
    """Parts added up (a county's blocks, or every county's parts)."""
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p.class_keys for p in parts])
    counts = np.concatenate([p.class_counts for p in parts])
    class_keys, at = np.unique(keys, return_inverse=True)
    class_counts = np.bincount(at.reshape(-1), weights=counts, minlength=len(class_keys))
    loads = pd.DataFrame(
        {
            "node": np.concatenate([p.load_node for p in parts]),
            "mbps": np.concatenate([p.load_mbps for p in parts]),
            "cameras": np.concatenate([p.load_cameras for p in parts]),
        }
    )
    loads = loads.groupby(["node", "mbps"], sort=True)["cameras"].sum().reset_index()
    rates = [p.rates for p in parts if len(p.rates)]
    rate_frame = pd.concat(rates, ignore_index=True) if rates else _no_rates()
    rate_frame = rate_frame.groupby(["unit", "point_class"], sort=True)[RATE_SUMS].sum()
    return BlockPart(
        class_keys=class_keys.astype(np.int64),
        class_counts=class_counts.astype(np.int64),
        load_node=loads["node"].to_numpy(dtype=np.int64),
        load_mbps=loads["mbps"].to_numpy(dtype=float),
        load_cameras=loads["cameras"].to_numpy(dtype=np.int64),
        counts={k: sum(p.counts[k] for p in parts) for k in parts[0].counts},
        via=np.sum([p.via for p in parts], axis=0).astype(np.int64),
        rates=rate_frame.reset_index(),
        without_path=_concat([p.without_path for p in parts]),
        with_path=_concat([p.with_path for p in parts]),
        access=_concat([p.access for p in parts]),
        bad_uplink_count=sum(p.bad_uplink_count for p in parts),
        bad_uplink=_concat([p.bad_uplink for p in parts]).head(5),
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of several parts in store order (``camera_id``)."""
    kept = [f for f in frames if len(f)]
    if not kept:
        return frames[0]
    out = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    return out.sort_values("camera_id", kind="stable").reset_index(drop=True)


def part_of(blocks: Any, rules: AttachRules) -> BlockPart | None:
    """The part of an iterable of store blocks (each prepared and reduced, then added up as it
    comes: one block's cameras in memory at a time)."""
    total: BlockPart | None = None
    for block in blocks:
        if not len(block):
            continue
        part = reduce_block(prepare_block(block), rules)
        total = part if total is None else combine_parts([total, part])
    return total
