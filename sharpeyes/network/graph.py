"""The network as the checks see it: an infrastructure graph with cameras collapsed onto it.

Cameras are leaves of the video private network: a camera hangs on one access node (an access
switch, an NVR, an encoder). At a million cameras a graph with one node per camera is too big to
analyse node by node, so :func:`build_network` keeps only the infrastructure in the networkx graph
(access, aggregation, centre and platform nodes — ~20k nodes for a large city) and records for each
camera the node it hangs on (``attach``). The few cameras linked to two or more nodes (dual-homed)
stay in the graph as nodes of their own.

How a camera attaches, first rule that applies:

1. a link between the camera and a node of the topology (``attach_via = "link"``);
2. the camera's ``uplink`` field naming a node of the topology (``"uplink"``);
3. the GB/T 28181 ``parent_id`` chain of the inventory (camera → NVR/encoder → platform): the first
   ID on the chain that is a node of the topology; IDs on the chain that are devices (recorders,
   encoders, gateways, type 200 platforms) but not in the topology join the graph as ``access`` or
   ``platform`` nodes linked along the chain, with unknown capacity (``"parent_id"``). Business groups
   and virtual organisations (types 215/216) are not network devices: the walk goes through them.

A camera with none of these has no attachment and no path. Positions are WGS-84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from sharpeyes.model.topology import empty_problems, problems_frame, structure_problems
from sharpeyes.network.attach import (
    CLASS_KEYS,
    Attachment,
    LinkEnds,
    add_camera_links,
    add_infrastructure_links,
    attach_by_link,
    attach_by_parent_chain,
    attach_by_uplink,
    camera_table,
    inventory_frame,
    link_frame,
    node_tables,
)
from sharpeyes.network.collapsed import SwitchGraph, bfs_routes, tree_subtree_sums
from sharpeyes.network.problems import repeated_problem

__all__ = [
    "CLASS_KEYS",
    "Network",
    "Routes",
    "TopologyGraph",
    "build_network",
    "cameras_on_nodes",
    "class_weights",
    "route_of",
    "routes_from_platforms",
    "subtree_sums",
    "topology_graph",
]


@dataclass
class Network:
    """The infrastructure graph, the cameras attached to it, and the problems found building it.

    Attributes
    ----------
    graph
        Undirected networkx graph of infrastructure nodes (plus dual-homed cameras). Edge attributes:
        ``a``, ``b`` (the link as written in the input), ``capacity_mbps`` (Mbit/s, ``NaN`` unknown),
        ``medium``, ``length_m``.
    kinds, names, positions
        Per graph node: kind (``NODE_KINDS`` key or ``None``), name, ``(lon, lat)`` WGS-84 or absent.
    cameras
        One row per camera (inventory cameras and cameras only the topology knows), columns
        ``device_id, name, point_class (0 = unknown), networked (registry, nullable), unit (county
        code), attach (graph node or None), attach_idx (its position in ``node_list``, -1 none),
        attach_via (link / uplink / parent_id), link_a, link_b, link_capacity_mbps, resolution,
        codec, in_inventory, in_graph, lon, lat``.
    node_list
        Graph nodes in a fixed order; arrays of the checks are indexed by position in it.
    problems
        Problems frame (:data:`sharpeyes.model.topology.PROBLEM_COLUMNS`).
    """

    graph: nx.Graph
    kinds: dict[str, str | None]
    names: dict[str, str]
    positions: dict[str, tuple[float, float]]
    cameras: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=empty_problems)
    node_list: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.node_list:
            self.node_list = list(self.graph.nodes)
        self.node_index = {n: i for i, n in enumerate(self.node_list)}

    @property
    def platforms(self) -> list[str]:
        """Platform nodes, sorted."""
        return sorted(n for n, k in self.kinds.items() if k == "platform" and n in self.graph)

    @cached_property
    def switch_graph(self) -> SwitchGraph:
        """The graph in CSR form for :mod:`~sharpeyes.network.collapsed` (``node_list`` positions):
        each node's neighbours in networkx adjacency order, links in ``graph.edges`` order."""
        index, adj = self.node_index, self.graph.adj
        degree = np.fromiter((len(adj[v]) for v in self.node_list), np.int64, len(self.node_list))
        indptr = np.zeros(len(self.node_list) + 1, dtype=np.int32)
        np.cumsum(degree, out=indptr[1:])
        indices = np.fromiter(
            (index[w] for v in self.node_list for w in adj[v]), np.int32, int(indptr[-1])
        )
        ends = np.fromiter(
            (index[x] for edge in self.graph.edges for x in edge),
            np.int32,
            2 * self.graph.number_of_edges(),
        ).reshape(-1, 2)
        return SwitchGraph(
            node_count=len(self.node_list),
            indptr=indptr,
            indices=indices,
            edge_a=ends[:, 0],
            edge_b=ends[:, 1],
            platforms=np.array([index[p] for p in self.platforms], dtype=np.int32),
            is_centre=np.array([self.kinds.get(v) == "centre" for v in self.node_list], dtype=bool),
        )


@dataclass
class Routes:
    """Shortest-hop routes from every graph node to the nearest platform (a BFS tree).

    Arrays are indexed by position in ``Network.node_list`` (-1 = none): ``order`` the reachable
    nodes, platforms first (BFS order); ``parent`` the next node on the route (-1 for platforms);
    ``depth`` hops to the platform (-1 unreachable); ``platform`` the platform reached; ``centre``
    the nearest monitoring centre on the route (the node itself when a centre). The dicts ``parent``
    … by node name are built from them (``depth_of``, ``parent_of``, ``platform_of``, ``centre_of``).
    Ties between equally short routes go to the neighbour met first in input order. The dicts are
    built on first use (at 200,000 switches they are the largest part of the routes).
    """

    node_list: list[str]
    order: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    platform: np.ndarray
    centre: np.ndarray

    @cached_property
    def depth_of(self) -> dict[str, int]:
        names = self.node_list
        return {names[i]: int(self.depth[i]) for i in self.order.tolist()}

    @cached_property
    def parent_of(self) -> dict[str, str | None]:
        names = self.node_list
        return {
            names[i]: (names[p] if (p := int(self.parent[i])) >= 0 else None)
            for i in self.order.tolist()
        }

    @cached_property
    def platform_of(self) -> dict[str, str]:
        names = self.node_list
        return {names[i]: names[self.platform[i]] for i in self.order.tolist()}

    @cached_property
    def centre_of(self) -> dict[str, str | None]:
        names = self.node_list
        return {
            names[i]: (names[c] if (c := int(self.centre[i])) >= 0 else None)
            for i in self.order.tolist()
        }


@dataclass(frozen=True)
class TopologyGraph:
    """The infrastructure graph of a topology with its camera links, before any camera attaches:
    ``single`` cameras on one access link (``camera, other, link_a, link_b, capacity``),
    ``graph_cameras`` cameras that joined the graph as nodes, ``candidates`` every camera the
    topology names (topology cameras, then single-link, then graph cameras)."""

    graph: nx.Graph
    infra_kinds: dict[str, str | None]
    names: dict[str, str]
    positions: dict[str, tuple[float, float]]
    single: pd.DataFrame
    graph_cameras: set[str]
    candidates: np.ndarray


def topology_graph(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    inventory_index: pd.Index,
    problems: list[dict[str, object]],
) -> TopologyGraph:
    """The :class:`TopologyGraph` of canonical ``nodes`` and ``links``, link ends told apart by
    ``inventory_index`` (the inventory's camera device IDs); bad links are reported in
    ``problems``. Shared by :func:`build_network` and the streamed store path."""
    kinds_all, names, positions = node_tables(nodes)
    topo_cameras = [n for n, k in kinds_all.items() if k == "camera"]
    infra_kinds = {n: k for n, k in kinds_all.items() if k != "camera"}
    graph = nx.Graph()
    graph.add_nodes_from(infra_kinds)
    frame = link_frame(links)
    ends = LinkEnds.of(
        frame, pd.Index(list(infra_kinds), dtype=object), inventory_index, set(topo_cameras)
    )
    usable = add_infrastructure_links(graph, frame, ends, problems)
    single, graph_cameras = add_camera_links(graph, frame, ends, usable, problems)
    candidates = np.array(
        [*topo_cameras, *pd.unique(single["camera"]).tolist(), *sorted(graph_cameras)], dtype=object
    )
    return TopologyGraph(graph, infra_kinds, names, positions, single, graph_cameras, candidates)


def build_network(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    cameras: pd.DataFrame | None = None,
) -> Network:
    """Build the :class:`Network` from canonical nodes, links and the camera inventory.

    Parameters
    ----------
    nodes, links
        Canonical topology frames (see :mod:`sharpeyes.ingest.topology`), e.g. from the store.
    cameras
        The inventory (canonical camera frame; ``parent_id`` and ``extra`` side columns used when
        present). ``None`` when only the topology is known.

    Returns
    -------
    Network
        Links to unknown nodes and self-loops are left out and reported, as are cameras whose
        ``uplink`` names no node, topology cameras missing from the inventory, and inventory rows
        repeating an earlier row's device ID once stripped (the first row is kept).
    """
    problems: list[dict[str, object]] = []
    repeated: list[str] = []
    devices = inventory_frame(cameras, repeated=repeated)
    is_camera = devices["is_camera"].to_numpy(dtype=bool)
    inventory = devices[is_camera].reset_index(drop=True) if not is_camera.all() else devices
    inventory_index = pd.Index(inventory["device_id"].to_numpy(dtype=object), dtype=object)
    topo = topology_graph(nodes, links, inventory_index, problems)
    graph, infra_kinds, names, positions = topo.graph, topo.infra_kinds, topo.names, topo.positions
    single, graph_cameras = topo.single, topo.graph_cameras
    table, extra_ids = camera_table(
        inventory, inventory_index, topo.candidates, names, positions, problems
    )
    if repeated:
        problems.append(repeated_problem(repeated))
    node_index = pd.Index(list(graph.nodes), dtype=object)
    att = Attachment.none(len(table))
    attach_by_link(
        att,
        table,
        single,
        graph_cameras,
        node_index=node_index,
        inventory_index=inventory_index,
        extra_ids=extra_ids,
    )
    attach_by_uplink(att, table, node_index=node_index, problems=problems)
    chain_kinds = attach_by_parent_chain(att, table, devices, graph)
    node_list = list(graph.nodes)
    _attachment_columns(table, att, node_list)

    kinds: dict[str, str | None] = {
        n: infra_kinds[n]
        if n in infra_kinds
        else chain_kinds.get(n, "camera" if n in graph_cameras else None)
        for n in graph.nodes
    }
    infra_graph = graph.subgraph(n for n in graph.nodes if kinds.get(n) != "camera")
    problems.extend(structure_problems(infra_graph, kinds, nodes_file="nodes"))
    return Network(
        graph=graph,
        kinds=kinds,
        names=names,
        positions=positions,
        cameras=table.reset_index(drop=True),
        problems=problems_frame(problems),
        node_list=node_list,
    )


def _attachment_columns(table: pd.DataFrame, att: Attachment, node_list: list[str]) -> None:
    """``attach_idx, attach, attach_via, link_a, link_b, link_capacity_mbps, in_graph`` into
    ``table``."""
    node_array = np.array([*node_list, None], dtype=object)
    attached_to = node_array[att.attach_idx]  # -1 picks the trailing None
    att.link_b[att.via == 3] = attached_to[att.via == 3]
    table["attach_idx"] = att.attach_idx
    table["attach"] = pd.Series(attached_to, index=table.index, dtype=object)
    table["attach_via"] = pd.Categorical.from_codes(
        att.via - 1,  # type: ignore[call-overload]
        categories=["link", "uplink", "parent_id"],
    )
    table["link_a"] = pd.Series(att.link_a, index=table.index, dtype=object)
    table["link_b"] = pd.Series(att.link_b, index=table.index, dtype=object)
    table["link_capacity_mbps"] = att.link_cap
    table["in_graph"] = att.in_graph


def routes_from_platforms(network: Network) -> Routes:
    """Shortest-hop routes to the nearest platform for every reachable graph node (multi-source BFS).

    Rings: a BFS tree keeps one route per node, so in a ring traffic takes the shorter side and the
    ring's far link carries none in normal operation (it is the protection path). The single points of
    failure check, not this one, accounts for the ring's redundancy. Computed on scipy's csgraph
    (:func:`sharpeyes.network.collapsed.bfs_routes`); the networkx reference is
    :func:`sharpeyes.network.reference.routes_networkx`.
    """
    tree = bfs_routes(network.switch_graph)
    return Routes(
        node_list=network.node_list,
        order=tree.order,
        parent=tree.parent,
        depth=tree.depth,
        platform=tree.platform,
        centre=tree.centre,
    )


def route_of(routes: Routes, node: str) -> list[str]:
    """The node list from ``node`` up to its platform (empty when ``node`` has no route)."""
    if node not in routes.parent_of:
        return []
    path = [node]
    while (up := routes.parent_of[path[-1]]) is not None:
        path.append(up)
    return path


def cameras_on_nodes(network: Network) -> np.ndarray:
    """Cameras hanging on each graph node (``node_list`` order)."""
    idx = network.cameras["attach_idx"].to_numpy(dtype=np.int64)
    return np.bincount(idx[idx >= 0], minlength=len(network.node_list)).astype(np.int64)


def subtree_sums(routes: Routes, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (per node, ``node_list`` order, any trailing shape) over each node's BFS
    subtree: what flows through a node on the routes to the platform (level by level, the same sums
    to the bit as :func:`sharpeyes.network.reference.subtree_sums_loop`)."""
    return tree_subtree_sums(routes, values)


def class_weights(network: Network) -> np.ndarray:
    """Matrix (graph nodes in ``node_list`` order × :data:`CLASS_KEYS`) of cameras hanging on each
    node, by point class."""
    weights = np.zeros((len(network.node_list), len(CLASS_KEYS)), dtype=np.int64)
    idx = network.cameras["attach_idx"].to_numpy(dtype=np.int64)
    has = idx >= 0
    if not has.any():
        return weights
    class_pos = np.zeros(10, dtype=np.int64)
    for i, c in enumerate(CLASS_KEYS):
        class_pos[c] = i
    width = len(CLASS_KEYS)
    cols = class_pos[network.cameras["point_class"].to_numpy(dtype=np.int64)[has]]
    flat = np.bincount(idx[has] * width + cols, minlength=weights.size)
    return flat.reshape(weights.shape).astype(np.int64)
