"""The checks on the collapsed graph, in arrays: scipy's csgraph on the switch graph, cameras as counts.

Cameras are leaves: each is one ``int32`` index of the switch (access node) it hangs on, so every
per-camera figure is an array lookup and every per-switch figure a ``bincount``. The graph work runs
on the switches alone (about 200,000 for a province), in CSR form, with a virtual root (index
``node_count``) joined to every platform:

* **routes** (reachability, hops, the platform and nearest centre on the route): one breadth-first
  order from the root (:func:`scipy.sparse.csgraph.breadth_first_order`); its predecessors are the
  BFS tree of :func:`sharpeyes.network.graph.routes_from_platforms`. Depth, platform and centre come
  from the predecessors by pointer doubling (O(nodes × log depth));
* **cut-offs** (single points of failure, bridges): one depth-first order from the root
  (:func:`scipy.sparse.csgraph.depth_first_order`, a true DFS in CSR order). In a DFS tree every
  non-tree link joins a node to one of its ancestors, so a child c's subtree reaches above its parent
  v only when ``low[c] < pre[v]``, ``low[c]`` being the smallest preorder number a link from c's
  subtree reaches. Subtrees are intervals of the preorder: ``low`` is a range minimum (sparse table)
  and the camera weights of a subtree a difference of prefix sums. O((nodes + links) × log nodes);
* **loads**: sums over the BFS tree's subtrees, level by level from the deepest, each parent adding
  its children in the order of :func:`sharpeyes.network.reference.subtree_sums_loop` (so floating
  sums are bit for bit those of the reference).

Every function takes and returns numpy arrays (indices ``int32``/``int64``, -1 = none). The networkx
implementations they replace are in :mod:`sharpeyes.network.reference`; the tests check both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
from scipy.sparse import csgraph, csr_matrix

from sharpeyes._errors import InputError

__all__ = [
    "ArrayCheck",
    "CutOff",
    "RouteArrays",
    "SwitchGraph",
    "Tree",
    "bfs_routes",
    "check_arrays",
    "class_matrix",
    "cut_off",
    "edge_lower_ends",
    "nearest_marked_ancestor",
    "tree_depth",
    "tree_subtree_sums",
]

_NULL = -9999  # scipy's "no predecessor"


@dataclass
class SwitchGraph:
    """An undirected switch graph in CSR form, plus its edge list and node roles.

    ``indptr``/``indices`` list each node's neighbours, in the order that decides ties between equally
    short routes; ``edge_a``/``edge_b`` are the links (per-link results are in this order);
    ``platforms`` the platform nodes in the order the routes start from; ``is_centre`` marks
    monitoring centres. All indices are node positions ``0 … node_count - 1``.
    """

    node_count: int
    indptr: np.ndarray
    indices: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    platforms: np.ndarray
    is_centre: np.ndarray

    @classmethod
    def from_edges(
        cls,
        node_count: int,
        edge_a: np.ndarray,
        edge_b: np.ndarray,
        *,
        platforms: np.ndarray,
        is_centre: np.ndarray | None = None,
    ) -> SwitchGraph:
        """From a link list (no repeats, no self-loops): each node's neighbours in link order.

        Raises :class:`~sharpeyes._errors.InputError` naming the first bad link (its position).
        """
        a = np.asarray(edge_a, dtype=np.int64)
        b = np.asarray(edge_b, dtype=np.int64)
        _check_links(node_count, a, b)
        _check_range("platforms", np.asarray(platforms, dtype=np.int64), 0, node_count)
        a, b = a.astype(np.int32), b.astype(np.int32)
        rows = np.column_stack([a, b]).ravel()
        cols = np.column_stack([b, a]).ravel()
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(node_count + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=node_count), out=indptr[1:])
        return cls(
            node_count=node_count,
            indptr=indptr,
            indices=cols[order].astype(np.int32),
            edge_a=a,
            edge_b=b,
            platforms=np.asarray(platforms, dtype=np.int32),
            is_centre=np.zeros(node_count, dtype=bool) if is_centre is None else is_centre,
        )

    @cached_property
    def rooted(self) -> csr_matrix:
        """The CSR matrix with the virtual root (row ``node_count``) linked to every platform."""
        n = self.node_count
        indptr = np.append(self.indptr, self.indptr[-1] + len(self.platforms)).astype(np.int32)
        indices = np.concatenate([self.indices, self.platforms]).astype(np.int32)
        data = np.ones(len(indices), dtype=np.float64)
        return csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))


@dataclass
class RouteArrays:
    """Fewest-hop routes to the nearest platform (the BFS tree), indexed by node (-1 = none).

    ``order`` the reachable nodes in BFS order (platforms first), ``parent`` the next node up,
    ``depth`` hops to the platform, ``platform`` the platform reached, ``centre`` the nearest
    monitoring centre on the route (the node itself when a centre).
    """

    order: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    platform: np.ndarray
    centre: np.ndarray


class Tree(Protocol):
    """A BFS tree: ``order`` (BFS order), ``parent`` and ``depth`` per node (-1 = none)."""

    order: np.ndarray
    parent: np.ndarray
    depth: np.ndarray


@dataclass
class CutOff:
    """What each node and each bridge alone cuts off (camera weights, one column per class).

    ``nodes``: (node_count × classes) for every node, zero rows included; ``reachable`` which nodes
    reach a platform (only those have a meaningful row); ``bridge_upper``/``bridge_lower`` the ends
    of each bridge (the upper on the platform side), in the order a depth-first search finishes
    them; ``bridges`` their weights.
    """

    nodes: np.ndarray
    reachable: np.ndarray
    bridge_upper: np.ndarray
    bridge_lower: np.ndarray
    bridges: np.ndarray


def _first(bad: np.ndarray) -> int | None:
    where = np.flatnonzero(bad)
    return int(where[0]) if where.size else None


def _check_range(field: str, values: np.ndarray, low: int, high: int) -> None:
    """Every value in ``[low, high)``, else an error naming the first position outside."""
    if (row := _first((values < low) | (values >= high))) is not None:
        raise InputError(
            f"must be between {low} and {high - 1}", field=field, row=row, value=int(values[row])
        )


def _check_links(node_count: int, a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise InputError(f"{len(a)} link starts but {len(b)} link ends", field="edge_b")
    _check_range("edge_a", a, 0, node_count)
    _check_range("edge_b", b, 0, node_count)
    if (row := _first(a == b)) is not None:
        raise InputError("a link from a node to itself", field="edge_b", row=row, value=int(b[row]))
    pair = np.minimum(a, b) * node_count + np.maximum(a, b)
    _, first = np.unique(pair, return_index=True)
    repeated = np.ones(len(pair), dtype=bool)
    repeated[first] = False
    if (row := _first(repeated)) is not None:
        raise InputError(
            "the same link again (merge repeated links first)", field="edge_a", row=row
        )


def nearest_marked_ancestor(parent: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """For each node of a forest (``parent``, -1 at roots), the nearest marked node among itself and
    its ancestors (-1 none), by pointer doubling: O(nodes × log depth)."""
    best = np.where(marked, np.arange(len(parent)), -1)
    jump = parent.astype(np.int64, copy=True)
    while True:
        need = np.flatnonzero((best < 0) & (jump >= 0))
        if not need.size:
            return best
        up = jump[need]
        best[need] = best[up]
        jump[need] = jump[up]


def tree_depth(parent: np.ndarray) -> np.ndarray:
    """Links from each node of a forest up to its root (list ranking by pointer doubling)."""
    depth = (parent >= 0).astype(np.int64)
    jump = parent.astype(np.int64, copy=True)
    while True:
        live = np.flatnonzero(jump >= 0)
        if not live.size:
            return depth
        up = jump[live]
        depth[live] += depth[up]
        jump[live] = jump[up]


def bfs_routes(graph: SwitchGraph) -> RouteArrays:
    """Multi-source BFS from the platforms (in ``graph.platforms`` order), ties to the neighbour met
    first in CSR order: the tree of the reference, computed by csgraph."""
    n = graph.node_count
    order, pred = csgraph.breadth_first_order(
        graph.rooted, n, directed=True, return_predecessors=True
    )
    order = order[1:].astype(np.int64)  # the root first
    parent = pred[:n].astype(np.int64)
    parent[(parent == _NULL) | (parent == n)] = -1
    reached = np.zeros(n, dtype=bool)
    reached[order] = True
    depth = tree_depth(parent)
    depth[~reached] = -1
    is_platform = np.zeros(n, dtype=bool)
    is_platform[graph.platforms] = True
    platform = nearest_marked_ancestor(parent, is_platform)
    centre = nearest_marked_ancestor(parent, graph.is_centre)
    platform[~reached] = -1
    centre[~reached] = -1
    return RouteArrays(order=order, parent=parent, depth=depth, platform=platform, centre=centre)


def tree_subtree_sums(routes: Tree, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (per node, any trailing shape) over each node's BFS subtree.

    Level by level from the deepest; within a level nodes go in reverse BFS order, so each parent
    adds its children in the reference's order and floating sums are the reference's to the bit.
    """
    out = values.copy()
    order, parent = routes.order, routes.parent
    if not len(order):
        return out
    levels = routes.depth[order]
    bounds = np.searchsorted(levels, np.arange(int(levels[-1]) + 2), side="left")
    for level in range(int(levels[-1]), 0, -1):
        nodes = order[bounds[level] : bounds[level + 1]][::-1]
        np.add.at(out, parent[nodes], out[nodes])
    return out


def class_matrix(
    camera_node: np.ndarray, camera_class_pos: np.ndarray, node_count: int, classes: int
) -> np.ndarray:
    """Cameras per (node, class column): ``camera_node`` -1 = not attached."""
    has = camera_node >= 0
    flat = np.bincount(
        camera_node[has].astype(np.int64) * classes + camera_class_pos[has],
        minlength=node_count * classes,
    )
    return flat.reshape(node_count, classes).astype(np.int64)


def _subtree_ends(order: np.ndarray, pred: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """One past the last preorder position of each node's DFS subtree (indexed by node)."""
    size = len(pred)
    children = order[1:]
    parents = pred[children]
    by_parent = children[np.argsort(pre[parents], kind="stable")]  # children in preorder per parent
    next_pre = np.full(size, -1, dtype=np.int64)
    same = pred[by_parent[:-1]] == pred[by_parent[1:]]
    next_pre[by_parent[:-1][same]] = pre[by_parent[1:][same]]
    root = order[0]
    next_pre[root] = len(order)
    up = np.where(pred >= 0, pred, -1).astype(np.int64)
    owner = nearest_marked_ancestor(up, next_pre >= 0)
    return np.where(owner >= 0, next_pre[np.maximum(owner, 0)], -1)


def _range_min(values: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``min(values[start:stop])`` for each pair (``stop > start``), by a sparse table."""
    table = [values]
    width = 1
    while 2 * width <= len(values):
        last = table[-1]
        table.append(np.minimum(last[: len(last) - width], last[width:]))
        width *= 2
    length = stop - start
    level = np.floor(np.log2(np.maximum(length, 1))).astype(np.int64)
    out = np.empty(len(start), dtype=values.dtype)
    for j in np.unique(level).tolist():
        sel = np.flatnonzero(level == j)
        row = table[j]
        out[sel] = np.minimum(row[start[sel]], row[stop[sel] - (1 << j)])
    return out


def cut_off(graph: SwitchGraph, weights: np.ndarray) -> CutOff:
    """Camera weights (rows per node, ``weights``) that each node and each bridge alone cuts off.

    A node v cuts off its own cameras plus the subtree of every DFS child c with ``low[c] >= pre[v]``;
    the link (v, c) is a bridge when ``low[c] > pre[v]`` and cuts off c's subtree. The root is not a
    node of the network; a platform linked to it through the graph has a way up without the
    others, which is how two platforms back each other up.
    """
    n = graph.node_count
    root = n
    order, pred = csgraph.depth_first_order(
        graph.rooted, root, directed=True, return_predecessors=True
    )
    order = order.astype(np.int64)
    pred = np.where(pred == _NULL, -1, pred).astype(np.int64)
    pre = np.full(n + 1, -1, dtype=np.int64)
    pre[order] = np.arange(len(order))
    # smallest preorder number reached by a link of each node, the link to its DFS parent excepted
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(graph.indptr))
    cols = graph.indices.astype(np.int64)
    keep = (pre[rows] >= 0) & (cols != pred[rows])
    reach_up = pre.copy()
    np.minimum.at(reach_up, rows[keep], pre[cols[keep]])
    reach_up[graph.platforms] = 0  # every platform is linked to the root
    reach_up[root] = 0
    end = _subtree_ends(order, pred, pre)
    width = weights.shape[1]
    own = np.zeros((n + 1, width), dtype=np.int64)
    own[:n] = weights
    prefix = np.zeros((len(order) + 1, width), dtype=np.int64)
    np.cumsum(own[order], axis=0, out=prefix[1:])
    children = order[1:]
    sub = prefix[end[children]] - prefix[pre[children]]
    low = _range_min(reach_up[order], pre[children], end[children])
    parents = pred[children]
    inner = parents != root
    separated = np.zeros_like(own)
    cut = inner & (low >= pre[parents])
    np.add.at(separated, parents[cut], sub[cut])
    bridge = inner & (low > pre[parents])
    # the reference lists bridges as its DFS finishes their lower end: postorder
    depth = tree_depth(pred)
    post = pre[children] - depth[children] + (end[children] - pre[children]) - 1
    finish = np.argsort(post[bridge], kind="stable")
    reachable = pre[:n] >= 0
    return CutOff(
        nodes=(own + separated)[:n],
        reachable=reachable,
        bridge_upper=parents[bridge][finish],
        bridge_lower=children[bridge][finish],
        bridges=sub[bridge][finish],
    )


def edge_lower_ends(graph: SwitchGraph, parent: np.ndarray) -> np.ndarray:
    """For each link, its end farther from the platform when the link is on the BFS tree, else -1."""
    a = graph.edge_a.astype(np.int64)
    b = graph.edge_b.astype(np.int64)
    return np.where(parent[b] == a, b, np.where(parent[a] == b, a, -1))


@dataclass
class ArrayCheck:
    """Every graph check on arrays (:func:`check_arrays`); per camera, per node, per link.

    ``has_path``/``hops`` per camera (hops include the camera's own link, -1 none);
    ``cut_off`` the single failures (:class:`CutOff`); per link (``graph.edge_a`` order)
    ``lower`` (-1 off the routes), ``load_mbps``, ``cameras``, ``utilisation`` (NaN when the
    capacity is unknown), ``overloaded``; per node ``cameras_home`` (cameras whose nearest centre on
    the route it is) and ``cameras_through`` (whose route crosses it).
    """

    routes: RouteArrays
    has_path: np.ndarray
    hops: np.ndarray
    cut_off: CutOff
    lower: np.ndarray
    load_mbps: np.ndarray
    cameras: np.ndarray
    utilisation: np.ndarray
    overloaded: np.ndarray
    cameras_home: np.ndarray
    cameras_through: np.ndarray


def check_arrays(
    graph: SwitchGraph,
    camera_node: np.ndarray,
    camera_class_pos: np.ndarray,
    bitrate_mbps: np.ndarray,
    *,
    capacity_mbps: np.ndarray,
    classes: int,
    threshold: float,
) -> ArrayCheck:
    """Reachability, single failures and link loads from arrays alone, no frame and no name.

    Parameters
    ----------
    graph
        The switch graph (cameras not in it).
    camera_node
        Per camera, the node it hangs on (-1 none); ``camera_class_pos`` its class column
        (0 … ``classes - 1``); ``bitrate_mbps`` its stream (Mbit/s).
    capacity_mbps
        Per link (``graph.edge_a`` order), Mbit/s, NaN unknown.
    threshold
        Utilisation (0–1) above which a link is overloaded.

    Raises :class:`~sharpeyes._errors.InputError` naming the first camera or link that does not fit.
    """
    n = graph.node_count
    count_cameras = len(camera_node)
    for field, values in (("camera_class_pos", camera_class_pos), ("bitrate_mbps", bitrate_mbps)):
        if len(values) != count_cameras:
            raise InputError(f"{len(values)} values for {count_cameras} cameras", field=field)
    if len(capacity_mbps) != len(graph.edge_a):
        raise InputError(
            f"{len(capacity_mbps)} capacities for {len(graph.edge_a)} links", field="capacity_mbps"
        )
    _check_range("camera_node", camera_node, -1, n)
    _check_range("camera_class_pos", camera_class_pos, 0, classes)
    routes = bfs_routes(graph)
    node = camera_node.astype(np.int64, copy=False)
    attached = node >= 0
    depth = np.where(attached, routes.depth[np.maximum(node, 0)], -1)
    has_path = depth >= 0
    hops = np.where(has_path, depth + 1, -1).astype(np.int32)
    cut = cut_off(graph, class_matrix(camera_node, camera_class_pos, n, classes))
    on_path = node[has_path]
    load = tree_subtree_sums(
        routes, np.bincount(on_path, weights=bitrate_mbps[has_path], minlength=n)
    )
    count = tree_subtree_sums(routes, np.bincount(on_path, minlength=n).astype(np.int64))
    lower = edge_lower_ends(graph, routes.parent)
    on_route = lower >= 0
    link_load = np.where(on_route, load[np.maximum(lower, 0)], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = link_load / capacity_mbps
    home = routes.centre[on_path]
    return ArrayCheck(
        routes=routes,
        has_path=has_path,
        hops=hops,
        cut_off=cut,
        lower=lower,
        load_mbps=link_load,
        cameras=np.where(on_route, count[np.maximum(lower, 0)], 0),
        utilisation=utilisation,
        overloaded=np.nan_to_num(utilisation, nan=0.0) > threshold,
        cameras_home=np.bincount(home[home >= 0], minlength=n).astype(np.int64),
        cameras_through=count,
    )
