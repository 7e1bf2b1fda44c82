"""The csgraph checks equal the networkx reference on random small topologies (hypothesis).

Each example is a random infrastructure graph (0–3 platforms, centres, rings, islands, repeated
and self links), cameras on random switches by ``uplink`` or by a link (some on two links, kept in
the graph; some naming no node), random classes, resolutions and codecs. Both engines of
:func:`sharpeyes.network.check_network` must give the same reachability, the same cameras cut off by
every single failure (nodes and bridges, by class, in the same order) and the same uplink loads to
the bit; the report documents must be equal.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharpeyes._errors import InputError
from sharpeyes.network import (
    build_network,
    camera_bitrates,
    check_network,
    cut_off_weights,
    routes_from_platforms,
)
from sharpeyes.network.collapsed import (
    SwitchGraph,
    bfs_routes,
    check_arrays,
    cut_off,
    tree_subtree_sums,
)
from sharpeyes.network.graph import CLASS_KEYS, class_weights
from sharpeyes.network.reference import (
    cut_off_weights_networkx,
    routes_networkx,
    subtree_sums_loop,
)

_KINDS = ("centre", "aggregation", "access", "access")


@st.composite
def topologies(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 24))
    platforms = draw(st.integers(0, min(3, n)))
    kinds = ["platform"] * platforms + [draw(st.sampled_from(_KINDS)) for _ in range(n - platforms)]
    names = [f"N{i}" for i in draw(st.permutations(range(n)))]
    nodes = pd.DataFrame({"node_id": names, "kind": kinds, "name": names})
    nodes["lon"] = 123.0 + np.arange(n) * 0.01
    nodes["lat"] = 42.0
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    capacity = st.sampled_from([10.0, 100.0, 1000.0, np.nan])
    rows = [(names[a], names[b], draw(capacity)) for a, b in pairs]
    cameras = draw(st.integers(0, 4 * n))
    attach = [draw(st.integers(-1, n - 1)) for _ in range(cameras)]
    by_link = [draw(st.integers(0, 3)) for _ in range(cameras)]  # 0 uplink, 1 link, 2 two links
    device = [f"cam{i}" for i in range(cameras)]
    uplink: list[str | None] = []
    for i, (node, how) in enumerate(zip(attach, by_link, strict=True)):
        target = names[node] if node >= 0 else "missing"
        uplink.append(target if how in (0, 3) else None)
        if how in (1, 2) and node >= 0:
            rows.append((device[i], target, draw(capacity)))
        if how == 2:
            rows.append((device[i], names[draw(st.integers(0, n - 1))], draw(capacity)))
    links = pd.DataFrame(rows, columns=["a", "b", "capacity_mbps"])
    links["medium"] = "fibre"
    links["length_m"] = np.nan
    inventory = pd.DataFrame(
        {
            "device_id": device,
            "point_class": [draw(st.sampled_from([1, 2, 3, 4, 9, None])) for _ in device],
            "networked": pd.array(
                [draw(st.sampled_from([True, False, None])) for _ in device], dtype="boolean"
            ),
            "admin_code": [draw(st.sampled_from(["211202", "211204"])) for _ in device],
            "resolution": [draw(st.sampled_from([576, 720, 1080, 2160, None])) for _ in device],
            "codec": [draw(st.sampled_from(["H.264", "H.265", "SVAC", None])) for _ in device],
            "uplink": uplink,
        }
    )
    return nodes, links, inventory


_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(topologies())
def test_csgraph_checks_equal_networkx_reference(
    topology: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    fast = check_network(*topology)
    ref = check_network(*topology, engine="networkx")
    # reachability: every camera's path, hops, platform and centre
    pd.testing.assert_frame_equal(fast.reach, ref.reach)
    assert fast.networked_without_path == ref.networked_without_path
    assert fast.path_but_not_networked == ref.path_but_not_networked
    # single failures: nodes and bridges, counts by class, ranking
    pd.testing.assert_frame_equal(fast.spof, ref.spof)
    pd.testing.assert_frame_equal(fast.bridges, ref.bridges)
    pd.testing.assert_frame_equal(fast.single_uplink, ref.single_uplink)
    # uplink loads, exactly
    pd.testing.assert_frame_equal(fast.link_load, ref.link_load, check_exact=True)
    pd.testing.assert_frame_equal(fast.access_load, ref.access_load, check_exact=True)
    pd.testing.assert_frame_equal(fast.centres, ref.centres)
    assert json.dumps(fast.document()) == json.dumps(ref.document())


@_SETTINGS
@given(topologies())
def test_graph_arrays_equal_reference(
    topology: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    network = build_network(*topology)
    fast, ref = routes_from_platforms(network), routes_networkx(network)
    for name in ("order", "parent", "depth", "platform", "centre"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name))
    nodes, bridges = cut_off_weights(network)
    ref_nodes, ref_bridges = cut_off_weights_networkx(network)
    assert list(nodes) == list(ref_nodes) and list(bridges) == list(ref_bridges)
    assert all(np.array_equal(nodes[k], ref_nodes[k]) for k in nodes)
    assert all(np.array_equal(bridges[k], ref_bridges[k]) for k in bridges)
    values = np.random.default_rng(len(network.node_list)).random((len(network.node_list), 2))
    np.testing.assert_array_equal(
        tree_subtree_sums(fast, values * 3.7), subtree_sums_loop(ref, values * 3.7)
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_switch_graph_from_edges_is_the_networkx_graph(data: st.DataObject) -> None:
    """The array constructor (the benchmark's, and a partition's) gives the graph networkx builds."""
    n = data.draw(st.integers(1, 30))
    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            max_size=3 * n,
            unique_by=lambda p: frozenset(p),
        )
    )
    platforms = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=3)))
    names = [f"N{i:02d}" for i in range(n)]
    nodes = pd.DataFrame(
        {"node_id": names, "kind": ["platform" if i in platforms else "access" for i in range(n)]}
    )
    links = pd.DataFrame({"a": [names[a] for a, _ in pairs], "b": [names[b] for _, b in pairs]})
    attach = data.draw(st.lists(st.integers(-1, n - 1), max_size=40))
    cameras = pd.DataFrame(
        {
            "device_id": [f"c{i}" for i in range(len(attach))],
            "uplink": [names[a] if a >= 0 else None for a in attach],
        }
    )
    network = build_network(nodes, links, cameras)
    edges = np.array(pairs, dtype=np.int32).reshape(-1, 2)
    graph = SwitchGraph.from_edges(
        n, edges[:, 0], edges[:, 1], platforms=np.array(platforms, dtype=np.int32)
    )
    np.testing.assert_array_equal(graph.indptr, network.switch_graph.indptr)
    np.testing.assert_array_equal(graph.indices, network.switch_graph.indices)
    ours = cut_off(graph, class_weights(network))
    ref_nodes, _ = cut_off_weights_networkx(network)
    assert {names[i]: int(ours.nodes[i].sum()) for i in np.flatnonzero(ours.reachable)} == {
        k: int(v.sum()) for k, v in ref_nodes.items()
    }
    tree = bfs_routes(graph)
    np.testing.assert_array_equal(tree.depth, routes_networkx(network).depth)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topologies())
def test_check_arrays_equals_check_network(
    topology: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    """The array entry point (no frame, no name) gives the report's figures."""
    result = check_network(*topology)
    network = result.network
    cams = network.cameras
    leaf = ~cams["in_graph"].to_numpy(dtype=bool)  # the array model has cameras as leaves only
    node = np.where(leaf, cams["attach_idx"].to_numpy(dtype=np.int64), -1).astype(np.int32)
    position = {c: i for i, c in enumerate(CLASS_KEYS)}
    class_pos = np.array([position[c] for c in cams["point_class"]], dtype=np.int8)
    rate, _, _ = camera_bitrates(cams["resolution"], cams["codec"])
    graph = network.switch_graph
    capacity = np.array(
        [d["capacity_mbps"] for *_, d in network.graph.edges(data=True)], dtype=float
    )
    arrays = check_arrays(
        graph,
        node,
        class_pos,
        rate.to_numpy(dtype=float),
        capacity_mbps=capacity,
        classes=len(CLASS_KEYS),
        threshold=0.8,
    )
    np.testing.assert_array_equal(arrays.has_path[leaf], result.reach["has_path"].to_numpy()[leaf])
    hops = result.reach["hops"].fillna(-1).to_numpy(dtype=np.int64)
    np.testing.assert_array_equal(arrays.hops[leaf], hops[leaf])
    if leaf.all():  # no dual-homed camera: the same cameras, so the same loads and cut-offs
        load = result.link_load
        np.testing.assert_array_equal(arrays.load_mbps, load["load_mbps"].to_numpy())
        np.testing.assert_array_equal(arrays.cameras, load["cameras"].to_numpy())
        np.testing.assert_array_equal(arrays.overloaded, load["overloaded"].to_numpy())
        nodes, _ = cut_off_weights(network)
        for name, vector in nodes.items():
            np.testing.assert_array_equal(arrays.cut_off.nodes[network.node_index[name]], vector)


def test_array_inputs_that_do_not_fit_are_named() -> None:
    platforms = np.array([0], dtype=np.int32)
    with pytest.raises(InputError, match=r"row 2, field 'edge_b': must be between 0 and 2"):
        SwitchGraph.from_edges(3, np.array([0, 1, 1]), np.array([1, 2, 3]), platforms=platforms)
    with pytest.raises(InputError, match=r"row 1, field 'edge_a': the same link again"):
        SwitchGraph.from_edges(3, np.array([0, 1]), np.array([1, 0]), platforms=platforms)
    with pytest.raises(InputError, match=r"row 0, field 'edge_b': a link from a node to itself"):
        SwitchGraph.from_edges(3, np.array([2]), np.array([2]), platforms=platforms)
    graph = SwitchGraph.from_edges(3, np.array([0, 1]), np.array([1, 2]), platforms=platforms)
    good = {"capacity_mbps": np.array([10.0, 10.0]), "classes": 6, "threshold": 0.8}
    with pytest.raises(InputError, match=r"row 1, field 'camera_node'.*value 7"):
        check_arrays(graph, np.array([2, 7]), np.zeros(2, int), np.ones(2), **good)  # type: ignore[arg-type]
    result = check_arrays(graph, np.array([2, -1]), np.zeros(2, int), np.ones(2), **good)  # type: ignore[arg-type]
    assert result.has_path.tolist() == [True, False] and result.hops.tolist() == [3, -1]
    assert result.load_mbps.tolist() == [1.0, 1.0] and result.cut_off.nodes[1].sum() == 1
