"""Single points of failure: which one node or link, failing alone, blinds how many cameras.

Definitions (over the graph of :mod:`sharpeyes.network.graph`, with a virtual root joined to every
platform, so that "reaching a platform" means "connected to the root"):

* the **cameras cut off** by a node v are the cameras connected to some platform now and to none once
  v is removed — the cameras hanging on v itself plus every camera in a part of the graph that only
  reaches the platforms through v. v is a single point of failure when that number is above zero
  (an articulation point of the full graph, in which cameras are leaves). Platforms count only when
  there are two or more (with one platform, its failure blinds everything by definition);
* a **bridge** is an infrastructure link whose removal cuts cameras off the same way; camera access
  links (each cutting off its one camera) are left out;
* a node has a **single uplink** when exactly one of its neighbours is nearer (in hops) to a platform.

Method: one depth-first search from the root (Tarjan's low-link), on scipy's csgraph
(:func:`sharpeyes.network.collapsed.cut_off`; the plain-Python reference is
:func:`sharpeyes.network.reference.cut_off_weights_networkx`). For a DFS child c of v whose
subtree has no back edge above v (``low[c] >= disc[v]``), removing v separates c's whole subtree
from the root, so v cuts off the sum of the camera weights of those subtrees plus its own cameras;
the link (v, c) is a bridge when ``low[c] > disc[v]`` and cuts off c's subtree. Weights are vectors
by point class, so one pass gives every node's count by class: O(nodes + links), instead of
removing each node and recounting components (O(nodes × (nodes + links))).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sharpeyes.network.collapsed import CutOff, cut_off
from sharpeyes.network.graph import (
    CLASS_KEYS,
    Network,
    Routes,
    cameras_on_nodes,
    class_weights,
    subtree_sums,
)


def _by_class(vector: np.ndarray) -> dict[str, int]:
    return {str(c): int(v) for c, v in zip(CLASS_KEYS, vector, strict=True) if v}


def cut_off_weights(
    network: Network, class_matrix: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]]:
    """Cameras (by class, :data:`CLASS_KEYS` order) each node and each link alone would cut off.

    Computed on scipy's csgraph (:func:`cut_off_arrays`); the same dicts, in the same order, as the
    networkx reference :func:`sharpeyes.network.reference.cut_off_weights_networkx`.

    Returns
    -------
    nodes, bridges
        ``nodes[v]`` for every node reachable from a platform (zero vectors included);
        ``bridges[(upper, lower)]`` for every bridge, ``upper`` the end on the platform side.
    """
    result = cut_off_arrays(network, class_matrix)
    names = network.node_list
    nodes_out = {names[i]: result.nodes[i] for i in np.flatnonzero(result.reachable).tolist()}
    bridges_out = {
        (names[p], names[c]): result.bridges[k]
        for k, (p, c) in enumerate(
            zip(result.bridge_upper.tolist(), result.bridge_lower.tolist(), strict=True)
        )
    }
    return nodes_out, bridges_out


def cut_off_arrays(network: Network, class_matrix: np.ndarray | None = None) -> CutOff:
    """:func:`cut_off_weights` as arrays indexed by ``network.node_list`` position
    (:class:`~sharpeyes.network.collapsed.CutOff`); ``class_matrix`` the cameras on each node by
    class (:func:`~sharpeyes.network.graph.class_weights` when not given)."""
    weights = class_weights(network) if class_matrix is None else class_matrix
    return cut_off(network.switch_graph, weights)


def single_points_of_failure(
    network: Network,
    *,
    weights: tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Nodes whose failure alone cuts cameras off every platform, most cameras first.

    Columns: ``node, kind, name, cameras_cut_off`` and one column per point class
    (``class_1`` … ``class_9``, ``class_unknown``). Camera nodes (dual-homed cameras) are left out;
    platforms are kept only when there are two or more.
    """
    node_weights = (weights or cut_off_weights(network))[0]
    several_platforms = len(network.platforms) > 1
    rows: list[tuple[object, ...]] = []
    for node, vector in node_weights.items():
        kind = network.kinds.get(node)
        if kind == "camera" or (kind == "platform" and not several_platforms):
            continue
        total = int(vector.sum())
        if total:
            rows.append((node, kind, network.names.get(node), total, *map(int, vector)))
    return _ranked(rows, ["node", "kind", "name"])


def bridges(
    network: Network,
    *,
    weights: tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Infrastructure links whose failure alone cuts cameras off, most cameras first.

    Columns: ``a, b`` (as written in the input), ``upper`` (the end on the platform side),
    ``capacity_mbps``, ``cameras_cut_off`` and the per-class columns.
    """
    link_weights = (weights or cut_off_weights(network))[1]
    rows: list[tuple[object, ...]] = []
    for (upper, lower), vector in link_weights.items():
        if network.kinds.get(lower) == "camera" or network.kinds.get(upper) == "camera":
            continue
        total = int(vector.sum())
        if not total:
            continue
        data = network.graph.edges[upper, lower]
        rows.append(
            (
                data.get("a", lower),
                data.get("b", upper),
                upper,
                data.get("capacity_mbps"),
                total,
                *map(int, vector),
            )
        )
    return _ranked(rows, ["a", "b", "upper", "capacity_mbps"])


def _ranked(rows: list[tuple[object, ...]], keys: list[str]) -> pd.DataFrame:
    class_columns = [f"class_{c}" if c else "class_unknown" for c in CLASS_KEYS]
    frame = pd.DataFrame(rows, columns=[*keys, "cameras_cut_off", *class_columns])
    frame["cameras_cut_off"] = frame["cameras_cut_off"].astype("int64")
    frame = frame.sort_values(
        ["cameras_cut_off", keys[0]], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    return frame


def single_uplink_nodes(
    network: Network,
    routes: Routes,
    *,
    weights: tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Reachable nodes that hang on one uplink: a single link carries all their paths to a platform.

    That is, the link between the node and its ``uplink`` is a bridge on the platform side of the
    node (a node in a ring has two ways up and is not listed, whatever its hop count). Columns:
    ``node, kind, name, uplink`` and ``cameras_behind`` (cameras cut off when that link fails,
    the node's own included). Platforms and cameras are left out. Access switches usually hang on
    one uplink by design; reports show centres and aggregation nodes first.
    """
    link_weights = (weights or cut_off_weights(network))[1]
    rows: list[tuple[object, ...]] = []
    for (upper, lower), vector in link_weights.items():
        kind = network.kinds.get(lower)
        if kind in ("platform", "camera"):
            continue
        rows.append((lower, kind, network.names.get(lower), upper, int(vector.sum())))
    frame = pd.DataFrame(rows, columns=["node", "kind", "name", "uplink", "cameras_behind"])
    rank = {"centre": 0, "aggregation": 1, "access": 2}
    frame["_rank"] = frame["kind"].map(rank).fillna(3)
    frame = frame.sort_values(["_rank", "cameras_behind", "node"], ascending=[True, False, True])
    return frame.drop(columns="_rank").reset_index(drop=True)


def cameras_behind(
    network: Network, routes: Routes, own: np.ndarray | None = None
) -> dict[str, int]:
    """Cameras whose route (BFS tree) to the platform passes through each reachable node
    (``own``: the cameras on each node, counted from ``network.cameras`` when not given)."""
    behind = subtree_sums(routes, cameras_on_nodes(network) if own is None else own)
    return {network.node_list[v]: int(behind[v]) for v in routes.order.tolist()}
