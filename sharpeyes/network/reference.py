"""The reference implementations of the graph checks, in plain Python over the networkx graph.

These are the checks as they were written first (a Python BFS over the networkx adjacency, Tarjan's
low-link DFS from a virtual root, subtree sums by a loop over the BFS order). The package computes
the same figures on scipy's csgraph (:mod:`sharpeyes.network.collapsed`); these stay as the
reference the tests compare it with, and as the baseline of ``benchmarks/network.py``
(``check_network(..., engine="networkx")`` takes its routes and cut-offs from here). Definitions are in :mod:`sharpeyes.network.failure`
and :mod:`sharpeyes.network.graph`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from sharpeyes.network.attach import CLASS_KEYS

if TYPE_CHECKING:
    from sharpeyes.network.graph import Network, Routes

__all__ = ["cut_off_weights_networkx", "routes_networkx", "subtree_sums_loop"]


def routes_networkx(network: Network) -> Routes:
    """Fewest-hop routes to the nearest platform: a multi-source BFS over the networkx adjacency."""
    from sharpeyes.network.graph import Routes

    names, index, kinds = network.node_list, network.node_index, network.kinds
    n = len(names)
    adjacency = [[index[w] for w in network.graph.adj[v]] for v in names]
    is_centre = [kinds.get(v) == "centre" for v in names]
    parent = np.full(n, -1, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)
    platform = np.full(n, -1, dtype=np.int64)
    centre = np.full(n, -1, dtype=np.int64)
    order: list[int] = []
    queue: deque[int] = deque()
    for name in network.platforms:
        p = index[name]
        depth[p], platform[p] = 0, p
        centre[p] = p if is_centre[p] else -1
        queue.append(p)
    while queue:
        v = queue.popleft()
        order.append(v)
        dv, pv, cv = depth[v] + 1, platform[v], centre[v]
        for w in adjacency[v]:
            if depth[w] < 0:
                depth[w], parent[w], platform[w] = dv, v, pv
                centre[w] = w if is_centre[w] else cv
                queue.append(w)
    return Routes(
        node_list=names,
        order=np.array(order, dtype=np.int64),
        parent=parent,
        depth=depth,
        platform=platform,
        centre=centre,
    )


def subtree_sums_loop(routes: Routes, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over each node's BFS subtree, one node at a time (reverse BFS order)."""
    out = values.copy()
    parent = routes.parent
    for v in routes.order[::-1].tolist():
        p = parent[v]
        if p >= 0:
            out[p] += out[v]
    return out


def cut_off_weights_networkx(
    network: Network,
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]]:
    """What each node and each bridge alone cuts off: one Tarjan DFS from a virtual root.

    Long because the iterative DFS keeps its whole state in one loop (it is the reference).
    """
    from sharpeyes.network.graph import class_weights

    graph = network.graph
    names = network.node_list
    index = network.node_index
    n = len(names)
    root = n
    adjacency: list[list[int]] = [[index[w] for w in graph.adj[v]] for v in names]
    adjacency.append([index[p] for p in network.platforms])
    for platform_name in network.platforms:
        adjacency[index[platform_name]].append(root)
    own = np.zeros((n + 1, len(CLASS_KEYS)), dtype=np.int64)
    own[:n] = class_weights(network)
    subtree = own.copy()
    separated = np.zeros_like(own)
    disc = [-1] * (n + 1)
    low = [0] * (n + 1)
    parent = [-1] * (n + 1)
    bridges_idx: list[tuple[int, int]] = []
    disc[root] = low[root] = 0
    counter = 1
    stack: list[tuple[int, int]] = [(root, 0)]
    while stack:
        v, position = stack[-1]
        neighbours = adjacency[v]
        advanced = False
        while position < len(neighbours):
            w = neighbours[position]
            position += 1
            if disc[w] == -1:
                stack[-1] = (v, position)
                parent[w] = v
                disc[w] = low[w] = counter
                counter += 1
                stack.append((w, 0))
                advanced = True
                break
            if w != parent[v] and disc[w] < low[v]:
                low[v] = disc[w]
        if advanced:
            continue
        stack.pop()
        p = parent[v]
        if p < 0:
            continue
        if low[v] < low[p]:
            low[p] = low[v]
        subtree[p] += subtree[v]
        if p != root and low[v] >= disc[p]:
            separated[p] += subtree[v]
            if low[v] > disc[p]:
                bridges_idx.append((p, v))
    nodes_out = {names[i]: own[i] + separated[i] for i in range(n) if disc[i] != -1}
    bridges_out = {(names[p], names[c]): subtree[c] for p, c in bridges_idx}
    return nodes_out, bridges_out
