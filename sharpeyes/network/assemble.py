"""The network checks of a streamed or partitioned inventory: the report of
:func:`~sharpeyes.network.check.check_network`, to the value, without a row per camera.

The graph comes from the topology alone (:func:`network_skeleton`), given which of the link ends
and topology cameras the inventory holds; the GB/T 28181 parent chains are walked
(:func:`finish_network`) for the parents the cameras attach by, in the order the inventory first
names them (:func:`~sharpeyes.network.blocks.rule3_parents`), with a mapping that reads a device's
parent on demand. The cameras then come block by block (or county by county on Dask workers), each
reduced to a :class:`~sharpeyes.network.blocks.BlockPart`; :func:`check_from_parts` adds the parts
and runs the checks on the collapsed graph. The steps and their order are those of
:func:`~sharpeyes.network.graph.build_network`, so nodes, links and problems come out in the same
order. Positions are WGS-84 degrees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from sharpeyes.model.topology import problems_frame, structure_problems
from sharpeyes.network.attach import (
    CLASS_KEYS,
    class_and_unit,
    inventory_frame,
    link_frame,
    node_tables,
    positions_in,
    walk_parent_chain,
)
from sharpeyes.network.blocks import TOPOLOGY_ONLY_KEY, AttachRules, BlockPart
from sharpeyes.network.check import VIA_RULES, CameraTotals, NetworkCheck
from sharpeyes.network.failure import (
    bridges,
    cut_off_weights,
    single_points_of_failure,
    single_uplink_nodes,
)
from sharpeyes.network.graph import Network, Routes, routes_from_platforms, topology_graph
from sharpeyes.network.load import (
    BitrateTable,
    cameras_per_centre,
    infrastructure_loads,
    node_loads,
    with_access_load,
)
from sharpeyes.network.problems import repeated_problem, topology_only_problem, uplink_problem
from sharpeyes.network.reach import rates_from_sums

__all__ = [
    "Skeleton",
    "check_from_parts",
    "finish_network",
    "first_parents",
    "lookup_ids",
    "network_skeleton",
    "topology_only_block",
]


@dataclass
class Skeleton:
    """The graph before the parent chains: infrastructure and camera links, the topology's node
    tables, the cameras the links attach (rule 1), the topology's cameras the inventory lacks and
    the problems found so far."""

    graph: nx.Graph
    infra_kinds: dict[str, str | None]
    names: dict[str, str]
    positions: dict[str, tuple[float, float]]
    graph_cameras: set[str]
    rules: AttachRules
    extra_ids: list[str]
    problems: list[dict[str, object]] = field(default_factory=list)


def lookup_ids(nodes: pd.DataFrame, links: pd.DataFrame) -> list[str]:
    """The IDs whose presence in the inventory the graph depends on: link ends that are no
    infrastructure node, and the topology's cameras (a query's worth, not the inventory)."""
    kinds, _, _ = node_tables(nodes)
    frame = link_frame(links)
    ends = pd.unique(
        np.concatenate([frame["a"].to_numpy(dtype=object), frame["b"].to_numpy(dtype=object)])
    )
    infra = {n for n, k in kinds.items() if k != "camera"}
    wanted = [e for e in ends.tolist() if e not in infra]
    return list(dict.fromkeys([*wanted, *(n for n, k in kinds.items() if k == "camera")]))


def network_skeleton(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    inventory_ids: Iterable[str],
    *,
    padded: pd.DataFrame | None = None,
) -> Skeleton:
    """The graph of :func:`~sharpeyes.network.graph.build_network` up to the parent chains, from
    the topology and ``inventory_ids``: the inventory's device IDs among :func:`lookup_ids` (as
    stored; stripped, and recorders or platforms left out here as there). ``padded``: the store
    rows (``camera_id, device_id``) whose ID has surrounding whitespace or is such an ID stripped
    (``network_reads.padded_devices``): their IDs count as the inventory's, stripped, and the rows
    repeating an earlier row's ID once stripped are left out of every block and reported, as
    :func:`~sharpeyes.network.graph.build_network` leaves them out of the frame."""
    problems: list[dict[str, object]] = []
    padded_ids = [] if padded is None else padded["device_id"].astype(str).tolist()
    found = inventory_frame(
        pd.DataFrame({"device_id": pd.Series([*inventory_ids, *padded_ids], dtype=object)})
    )
    inventory_index = pd.Index(
        found.loc[found["is_camera"].to_numpy(dtype=bool), "device_id"].to_numpy(dtype=object),
        dtype=object,
    )
    topo = topology_graph(nodes, links, inventory_index, problems)
    graph, infra_kinds, names, positions = topo.graph, topo.infra_kinds, topo.names, topo.positions
    single, graph_cameras, candidates = topo.single, topo.graph_cameras, topo.candidates
    extra_ids = list(
        dict.fromkeys(candidates[positions_in(candidates, inventory_index) < 0].tolist())
    )
    if extra_ids:
        problems.append(topology_only_problem(extra_ids))
    skipped, repeated = _repeated_rows(padded)
    if repeated:
        problems.append(repeated_problem(repeated))
    node_index = pd.Index(list(graph.nodes), dtype=object)
    in_graph = sorted(graph_cameras)
    rules = AttachRules(
        node_names=np.array(list(graph.nodes), dtype=object),
        uplink_nodes=len(node_index),
        link_cameras=np.array([*single["camera"].tolist(), *in_graph], dtype=object),
        link_node=np.concatenate(
            [
                positions_in(single["other"].to_numpy(dtype=object), node_index),
                positions_in(np.array(in_graph, dtype=object), node_index),
            ]
        ).astype(np.int64),
        link_a=np.array([*single["link_a"].tolist(), *([None] * len(in_graph))], dtype=object),
        link_b=np.array([*single["link_b"].tolist(), *([None] * len(in_graph))], dtype=object),
        link_capacity=np.concatenate(
            [single["capacity"].to_numpy(dtype=float), np.full(len(in_graph), np.nan)]
        ),
        link_in_graph=np.concatenate(
            [np.zeros(len(single), dtype=bool), np.ones(len(in_graph), dtype=bool)]
        ),
        skipped_rows=skipped,
    )
    return Skeleton(graph, infra_kinds, names, positions, graph_cameras, rules, extra_ids, problems)


def _repeated_rows(padded: pd.DataFrame | None) -> tuple[np.ndarray, list[str]]:
    """The ``camera_id`` of the rows of ``padded`` an earlier row's stripped ID repeats (sorted),
    and their stripped IDs in store order (what :func:`inventory_frame` leaves out of a frame)."""
    if padded is None or len(padded) == 0:
        return np.zeros(0, dtype=np.int64), []
    rows = padded.sort_values("camera_id", kind="stable").reset_index(drop=True)
    repeated: list[str] = []
    kept = inventory_frame(rows, keep_order=True, repeated=repeated)["camera_id"]
    ids = rows["camera_id"].to_numpy(dtype=np.int64)
    return np.sort(ids[~np.isin(ids, kept.to_numpy(dtype=np.int64))]), repeated


def finish_network(
    skeleton: Skeleton,
    parents: list[str],
    parent_of: Mapping[str, str],
    *,
    bitrates: BitrateTable,
    threshold: float,
) -> tuple[Network, Routes, AttachRules, list[dict[str, object]]]:
    """The parent chains walked (``parents`` in the order the inventory first names them,
    ``parent_of`` a device's GB/T 28181 parent), the routes, and the rules every block is then
    reduced with; also the structure problems (islands, platforms) of the final graph."""
    graph = skeleton.graph
    chain_kinds: dict[str, str] = {}
    resolved = [walk_parent_chain(p, parent_of, graph, chain_kinds) for p in parents]
    node_list = list(graph.nodes)
    order = {n: i for i, n in enumerate(node_list)}
    chain_node = np.array([order[r] if r is not None else -1 for r in resolved], dtype=np.int64)
    infra_kinds = skeleton.infra_kinds
    kinds: dict[str, str | None] = {
        n: infra_kinds[n]
        if n in infra_kinds
        else chain_kinds.get(n, "camera" if n in skeleton.graph_cameras else None)
        for n in graph.nodes
    }
    infra_graph = graph.subgraph(n for n in graph.nodes if kinds.get(n) != "camera")
    structure = structure_problems(infra_graph, kinds, nodes_file="nodes")
    network = Network(
        graph=graph,
        kinds=kinds,
        names=skeleton.names,
        positions=skeleton.positions,
        cameras=pd.DataFrame({"attach_idx": np.zeros(0, np.int64), "point_class": []}),
        node_list=node_list,
    )
    routes = routes_from_platforms(network)
    first = skeleton.rules
    rules = dataclasses.replace(  # the skeleton's link rules, with the final graph's routes
        first,
        node_names=np.array(node_list, dtype=object),
        chain_parents=np.array(parents, dtype=object),
        chain_node=chain_node,
        depth=np.asarray(routes.depth, dtype=np.int64),
        platform=np.asarray(routes.platform, dtype=np.int64),
        centre=np.asarray(routes.centre, dtype=np.int64),
        bitrates=bitrates,
        threshold=threshold,
    )
    return network, routes, rules, structure


def topology_only_block(skeleton: Skeleton) -> pd.DataFrame:
    """The camera table's rows of the topology's cameras the inventory lacks (class unknown,
    name and position from the nodes file), after every store row."""
    ids = skeleton.extra_ids
    n = len(ids)
    table = pd.DataFrame(
        {
            "device_id": pd.Series(ids, dtype=object),
            "name": pd.Series([skeleton.names.get(c) for c in ids], dtype=object),
            "point_class": pd.Series([pd.NA] * n, dtype="Int64"),
            "networked": pd.Series([pd.NA] * n, dtype="boolean"),
            "admin_code": pd.Series([None] * n, dtype=object),
            "resolution": pd.Series([pd.NA] * n, dtype="Int64"),
            "uplink": pd.Series([None] * n, dtype=object),
            "parent_id": pd.Series([None] * n, dtype=object),
            "codec": pd.Series([None] * n, dtype=object),
            "lon": [skeleton.positions.get(c, (np.nan, np.nan))[0] for c in ids],
            "lat": [skeleton.positions.get(c, (np.nan, np.nan))[1] for c in ids],
            "camera_id": TOPOLOGY_ONLY_KEY + np.arange(n, dtype=np.int64),
        }
    )
    return class_and_unit(table)


def _reach_frame(part: BlockPart, rules: AttachRules) -> pd.DataFrame:
    """The reach rows (:func:`~sharpeyes.network.reach.camera_reachability`'s columns) of the
    cameras the lists name, in store order."""
    rows = pd.concat([part.without_path, part.with_path], ignore_index=True)
    rows = rows.sort_values("camera_id", kind="stable").reset_index(drop=True)
    idx = rows["_idx"].to_numpy(dtype=np.int64)
    has = idx >= 0
    safe = np.where(has, idx, 0)
    has_path = rows["has_path"].to_numpy(dtype=bool)
    names = np.array([*rules.node_names.tolist(), None], dtype=object)
    hops = rules.depth[safe] + np.where(rows["_in_graph"].to_numpy(dtype=bool), 0, 1)
    return pd.DataFrame(
        {
            "device_id": rows["device_id"].to_numpy(dtype=object),
            "point_class": rows["point_class"].to_numpy(dtype=np.int64),
            "unit": rows["unit"].astype(object).to_numpy(dtype=object),
            "networked": rows["networked"].astype("boolean"),
            "in_inventory": rows["in_inventory"].to_numpy(dtype=bool),
            "attach": names[np.where(has, idx, -1)],
            "attach_via": pd.Categorical.from_codes(
                rows["_via"].to_numpy(dtype=np.int64) - 1, categories=pd.Index(list(VIA_RULES))
            ),
            "has_path": has_path,
            "hops": pd.Series(hops, dtype="Int64").where(has_path),
            "platform": names[np.where(has_path, rules.platform[safe], -1)],
            "centre": names[np.where(has_path, rules.centre[safe], -1)],
        }
    )


def _access_frame(part: BlockPart, threshold: float) -> pd.DataFrame:
    access = part.access.drop(columns=["camera_id", "lon", "lat"]).reset_index(drop=True)
    return with_access_load(access, threshold)


def check_from_parts(
    skeleton: Skeleton,
    network: Network,
    routes: Routes,
    rules: AttachRules,
    structure: list[dict[str, object]],
    part: BlockPart,
) -> NetworkCheck:
    """Every check from the inventory's parts added up (:func:`~sharpeyes.network.blocks.
    combine_parts`, the topology-only cameras' block included): the :class:`NetworkCheck` whose
    document and workbook are :func:`~sharpeyes.network.check.check_network`'s."""
    n = len(network.node_list)
    width = len(CLASS_KEYS)
    flat = np.zeros(n * width, dtype=np.int64)
    flat[part.class_keys] = part.class_counts
    weights = flat.reshape(n, width)
    own = weights.sum(axis=1).astype(np.int64)
    node_mbps = node_loads(part.load_node, part.load_mbps, part.load_cameras, n)
    node_cameras = np.where(routes.depth >= 0, own, 0)
    infra = infrastructure_loads(
        network, routes, node_mbps, node_cameras, threshold=rules.threshold
    )
    cut = cut_off_weights(network, weights)
    problems = list(skeleton.problems)
    if part.bad_uplink_count:
        shown = list(zip(part.bad_uplink["device_id"], part.bad_uplink["uplink"], strict=True))
        problems.append(uplink_problem(part.bad_uplink_count, shown))
    network.problems = problems_frame([*problems, *structure])
    positions: dict[str, tuple[float, float]] = {}
    for d, x, y in part.access[["device_id", "lon", "lat"]].itertuples(index=False):
        if x == x and y == y:
            positions.setdefault(str(d), (float(x), float(y)))
    c = part.counts
    totals = CameraTotals(
        cameras=c["cameras"],
        only_in_topology=c["only_in_topology"],
        with_path=c["with_path"],
        networked_registry=c["networked_registry"],
        unknown_with_path=c["unknown_with_path"],
        via_counts=part.via,
        own=own,
        positions=positions,
    )
    return NetworkCheck(
        network=network,
        routes=routes,
        reach=_reach_frame(part, rules),
        networked_without_path=sorted(part.without_path["device_id"].astype(str)),
        path_but_not_networked=sorted(part.with_path["device_id"].astype(str)),
        rates=rates_from_sums(part.rates),
        spof=single_points_of_failure(network, weights=cut),
        bridges=bridges(network, weights=cut),
        single_uplink=single_uplink_nodes(network, routes, weights=cut),
        link_load=infra,
        access_overloaded=_access_frame(part, rules.threshold),
        centres=cameras_per_centre(network, routes, weights=weights),
        bitrate_assumed=c["resolution_assumed"],
        codec_assumed=c["codec_assumed"],
        bitrates=rules.bitrates,
        threshold=rules.threshold,
        bitrate_mbps=np.zeros(0),
        totals=totals,
    )


def first_parents(frames: Iterable[pd.DataFrame]) -> list[str]:
    """The parents of :func:`~sharpeyes.network.blocks.rule3_parents` frames (blocks, counties),
    in the order the inventory first names them."""
    kept = [f for f in frames if len(f)]
    if not kept:
        return []
    frame = pd.concat(kept, ignore_index=True).groupby("parent_id", sort=False)["camera_id"].min()
    return [str(p) for p in frame.sort_values(kind="stable").index]
