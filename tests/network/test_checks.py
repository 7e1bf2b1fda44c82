"""Each check on a small graph whose answer is worked out by hand below.

The hand graph (capacities in Mbit/s)::

            P (platform)
           /  \\
      C1 ———— C2          centres: P–C1, P–C2 and C1–C2 form a ring
      | \\     /
      |  G1 —            G1 aggregation is dual-homed (C1 and C2)
      G2      \\
     /  \\      A1         A1 hangs on G1: cameras a1 a2 a3 e1
    A2   A3               A2: b1 b2, A3: c1 (on G2, whose only uplink is C1)
                          A9: an access switch with no link at all (camera f1)

Cameras (class, resolution, codec → Mbit/s from the default table):
a1 (1, 1080, H.264 → 4), a2 (1, 1080, H.265 → 2), a3 (2, 720 → 2), e1 (unknown class, 1080 → 4),
b1 (3, 576 → 1.5), b2 (3, unknown → counts as 1080: 4), c1 (1, 2160 → 12), d1 (uplink to a node
that does not exist), f1 (on the island A9).
"""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from sharpeyes.network import (
    BitrateTable,
    build_network,
    camera_bitrates,
    check_network,
    cut_off_weights,
    route_of,
    routes_from_platforms,
)


def _nodes(rows: list[tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["node_id", "kind"])
    frame["name"] = frame["node_id"]
    frame["lon"] = 123.8 + np.arange(len(frame)) * 0.01
    frame["lat"] = 42.3
    return frame


def _links(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["a", "b", "capacity_mbps"])
    frame["medium"] = "fibre"
    frame["length_m"] = np.nan
    return frame


@pytest.fixture
def hand() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    nodes = _nodes(
        [
            ("P", "platform"),
            ("C1", "centre"),
            ("C2", "centre"),
            ("G1", "aggregation"),
            ("G2", "aggregation"),
            ("A1", "access"),
            ("A2", "access"),
            ("A3", "access"),
            ("A9", "access"),
        ]
    )
    links = _links(
        [
            ("P", "C1", 10000),
            ("P", "C2", 10000),
            ("C1", "C2", 10000),
            ("C1", "G1", 1000),
            ("C2", "G1", 1000),
            ("C1", "G2", 20),
            ("G1", "A1", 1000),
            ("G2", "A2", 1000),
            ("G2", "A3", 10),
        ]
    )
    cameras = pd.DataFrame(
        [
            ("a1", 1, True, "211202", 1080, "H.264", "A1"),
            ("a2", 1, True, "211202", 1080, "H.265", "A1"),
            ("a3", 2, True, "211202", 720, None, "A1"),
            ("e1", None, None, "211202", 1080, None, "A1"),
            ("b1", 3, True, "211204", 576, None, "A2"),
            ("b2", 3, True, "211204", None, None, "A2"),
            ("c1", 1, False, "211204", 2160, None, "A3"),
            ("d1", 1, True, "211204", 1080, None, "ZZ"),
            ("f1", 2, True, "211202", 1080, None, "A9"),
        ],
        columns=[
            "device_id",
            "point_class",
            "networked",
            "admin_code",
            "resolution",
            "codec",
            "uplink",
        ],
    )
    cameras["networked"] = cameras["networked"].astype("boolean")
    return nodes, links, cameras


def test_reachability_by_hand(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    result = check_network(*hand)
    # d1 names a node that does not exist, f1 hangs on the island A9: both registered networked
    assert result.networked_without_path == ["d1", "f1"]
    # c1 is registered not networked but reaches P; e1 (flag unknown) is in neither list
    assert result.path_but_not_networked == ["c1"]
    reach = result.reach.set_index("device_id")
    assert reach.loc["a1", "hops"] == 4  # a1 → A1 → G1 → C1 → P
    assert reach.loc["c1", "centre"] == "C1"
    assert pd.isna(reach.loc["f1", "hops"])
    assert route_of(result.routes, "A3") == ["A3", "G2", "C1", "P"]
    problems = set(result.network.problems["problem"])
    assert {"camera_uplink_unknown", "island"} <= problems


def test_networking_rates_by_hand(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    rates = check_network(*hand).rates.set_index(["unit", "point_class"])
    # 211202: a1 a2 a3 e1 f1 — registry networked a1 a2 a3 f1 (4/5), with a path a1 a2 a3 e1 (4/5)
    row = rates.loc[("211202", "all")]
    assert (row["cameras"], row["networked_registry"], row["networked_graph"]) == (5, 4, 4)
    assert row["networked_unknown"] == 1
    # 211204: b1 b2 c1 d1 — registry b1 b2 d1 (3/4), graph b1 b2 c1 (3/4); class 1 there: c1 d1
    row = rates.loc[("211204", "1")]
    assert (row["cameras"], row["networked_registry"], row["networked_graph"]) == (2, 1, 1)
    assert row["rate_registry"] == pytest.approx(0.5)
    total = rates.loc[("all", "all")]
    assert (total["cameras"], total["networked_registry"], total["networked_graph"]) == (9, 7, 7)
    assert total["rate_graph"] == pytest.approx(7 / 9)


def test_single_points_of_failure_by_hand(
    hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    result = check_network(*hand)
    spof = result.spof.set_index("node")
    # A1 and G1 each cut a1 a2 a3 e1 (G1 is dual-homed, but A1 hangs on G1 alone); C1 cuts G2's
    # three cameras (G2 has C1 as its only uplink); C2 cuts nothing because C1 reaches P directly.
    assert spof["cameras_cut_off"].to_dict() == {
        "A1": 4,
        "G1": 4,
        "C1": 3,
        "G2": 3,
        "A2": 2,
        "A3": 1,
    }
    assert list(result.spof["node"]) == ["A1", "G1", "C1", "G2", "A2", "A3"]
    assert spof.loc["A1", ["class_1", "class_2", "class_unknown"]].tolist() == [2, 1, 1]
    assert spof.loc["C1", ["class_1", "class_3"]].tolist() == [1, 2]
    assert "P" not in spof.index and "C2" not in spof.index
    bridges = {
        frozenset((a, b)): n
        for a, b, n in result.bridges[["a", "b", "cameras_cut_off"]].itertuples(index=False)
    }
    assert bridges == {
        frozenset(("C1", "G2")): 3,
        frozenset(("G1", "A1")): 4,
        frozenset(("G2", "A2")): 2,
        frozenset(("G2", "A3")): 1,
    }
    # one uplink (one link carries all their paths up): G2 (C1–G2), A1, A2, A3; C1 and C2 are
    # in the P–C1–C2 ring and G1 is dual-homed, so each has two ways up
    uplinks = result.single_uplink.set_index("node")
    assert uplinks["uplink"].to_dict() == {"G2": "C1", "A1": "G1", "A2": "G2", "A3": "G2"}
    assert uplinks["cameras_behind"].to_dict() == {"G2": 3, "A1": 4, "A2": 2, "A3": 1}
    doc = result.document(with_layers=False)
    counts = [item["cameras_cut_off"] for item in doc["single_points_of_failure"]]
    assert counts == sorted(counts, reverse=True)
    assert doc["single_points_of_failure"][0]["by_class"] == {"1": 2, "2": 1, "unknown": 1}


def test_load_by_hand(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    result = check_network(*hand)
    loads = {
        frozenset((a, b)): (load, cap)
        for a, b, load, cap in result.link_load[
            ["a", "b", "load_mbps", "capacity_mbps"]
        ].itertuples(index=False)
    }
    # A1: a1 4 + a2 2 (H.265 half) + a3 2 (720p) + e1 4 = 12
    assert loads[frozenset(("G1", "A1"))][0] == pytest.approx(12)
    # G1 is reached first through C1 (input order), so the ring's C2 side carries nothing
    assert loads[frozenset(("C1", "G1"))][0] == pytest.approx(12)
    assert loads[frozenset(("C2", "G1"))][0] == 0
    assert loads[frozenset(("C1", "C2"))][0] == 0
    # A2: b1 1.5 (SD) + b2 4 (unknown resolution counts as 1080p); A3: c1 12 (4K)
    assert loads[frozenset(("G2", "A2"))][0] == pytest.approx(5.5)
    assert loads[frozenset(("G2", "A3"))][0] == pytest.approx(12)
    assert loads[frozenset(("C1", "G2"))][0] == pytest.approx(17.5)
    assert loads[frozenset(("P", "C1"))][0] == pytest.approx(29.5)
    overloaded = result.document(with_layers=False)["overloaded_links"]
    # G2–A3 12/10 = 120 %, C1–G2 17.5/20 = 87.5 %; nothing else above 80 %
    assert [(o["a"], o["b"], o["utilisation"]) for o in overloaded] == [
        ("G2", "A3", 1.2),
        ("C1", "G2", 0.875),
    ]
    assert overloaded[0]["load_mbps"] == 12 and overloaded[0]["capacity_mbps"] == 10
    assert result.bitrate_assumed == 1  # b2: unknown resolution
    assert result.codec_assumed == 7  # all but a1 and a2 name no codec (H.264 assumed)


def test_cameras_per_centre_by_hand(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    centres = check_network(*hand).centres.set_index("centre")
    # every reachable camera (a1 a2 a3 e1 b1 b2 c1) routes through C1; none through C2
    assert centres.loc["C1", "cameras_home"] == 7
    assert centres.loc["C1", "cameras_through"] == 7
    assert centres.loc["C1", "home_class_1"] == 3  # a1 a2 c1
    assert centres.loc["C2", "cameras_home"] == 0


def test_two_platforms_each_failure_counted() -> None:
    # P1 – C – P2, with A under C (2 cameras) and B only under P2 (1 camera)
    nodes = _nodes(
        [("P1", "platform"), ("P2", "platform"), ("C", "centre"), ("A", "access"), ("B", "access")]
    )
    links = _links([("P1", "C", 100), ("P2", "C", 100), ("C", "A", 100), ("P2", "B", 100)])
    cameras = pd.DataFrame(
        {"device_id": ["x", "y", "z"], "point_class": [1, 1, 2], "uplink": ["A", "A", "B"]}
    )
    result = check_network(nodes, links, cameras)
    spof = result.spof.set_index("node")["cameras_cut_off"].to_dict()
    # C cuts A's two; P2 cuts B's one (P1 still serves C); P1 cuts nothing (P2 serves C)
    assert spof == {"A": 2, "C": 2, "B": 1, "P2": 1}
    assert "multiple_platforms" in set(result.network.problems["problem"])


def test_parent_id_chain_without_topology() -> None:
    platform = "21120000002000000001"
    nvr = "21120000001180000001"
    org = "21120000002160000001"
    unknown_nvr = "21120000001180000009"
    cameras = pd.DataFrame(
        {
            "device_id": [
                "21120200001320000001",
                "21120200001320000002",
                "21120200001320000003",
                nvr,
                org,
            ],
            "point_class": [1, 1, 2, None, None],
            "networked": [True, True, True, None, None],
            "parent_id": [nvr, unknown_nvr, org, platform, nvr],
        }
    )
    empty_nodes = pd.DataFrame(columns=["node_id", "kind", "name", "lon", "lat"])
    empty_links = pd.DataFrame(columns=["a", "b", "capacity_mbps", "medium", "length_m"])
    result = check_network(empty_nodes, empty_links, cameras)
    # the NVR and the virtual organisation are not cameras
    assert len(result.reach) == 3
    reach = result.reach.set_index("device_id")
    # camera 1 → NVR → platform; camera 3 → organisation (walked through) → NVR → platform
    assert reach.loc["21120200001320000001", "platform"] == platform
    assert reach.loc["21120200001320000003", "attach"] == nvr
    # camera 2's NVR is unknown to the inventory: the chain stops there, no path
    assert result.networked_without_path == ["21120200001320000002"]
    assert result.network.kinds[nvr] == "access"
    assert result.network.kinds[platform] == "platform"


def test_link_attachment_and_dual_homed_camera() -> None:
    nodes = _nodes([("P", "platform"), ("S1", "access"), ("S2", "access"), ("cam", "camera")])
    links = _links(
        [
            ("P", "S1", 100),
            ("P", "S2", 100),
            ("cam", "S1", 4),  # a 4 Mbit/s port: the 1080p camera fills 100 %
            ("dual", "S1", 100),
            ("dual", "S2", 100),
        ]
    )
    cameras = pd.DataFrame(
        {"device_id": ["cam", "dual"], "point_class": [1, 1], "resolution": [1080, 1080]}
    )
    result = check_network(nodes, links, cameras)
    reach = result.reach.set_index("device_id")
    assert reach.loc["cam", "attach_via"] == "link" and reach.loc["cam", "attach"] == "S1"
    assert reach.loc["dual", "attach"] == "dual"  # stays in the graph as its own node
    spof = result.spof.set_index("node")["cameras_cut_off"].to_dict()
    assert spof == {"S1": 1}  # S1 cuts cam; dual survives either switch failing
    overloaded = result.document(with_layers=False)["overloaded_links"]
    assert [(o["a"], o["b"], o["link"]) for o in overloaded] == [("cam", "S1", "access")]


def test_missing_capacity_gives_unknown_utilisation() -> None:
    nodes = _nodes([("P", "platform"), ("S", "access")])
    links = _links([("P", "S", np.nan)])
    cameras = pd.DataFrame({"device_id": ["c"], "uplink": ["S"], "resolution": [1080]})
    result = check_network(nodes, links, cameras)
    row = result.link_load.iloc[0]
    assert row["load_mbps"] == 4 and np.isnan(row["utilisation"]) and not row["overloaded"]
    assert result.summary()["links_unknown_capacity"] == 1


def test_bitrate_table_default_and_override(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = pd.Series([288, 576, 720, 1080, 1440, 1944, 2160, None], dtype="Int64")
    codec = pd.Series(["H.264", "h264", None, "HEVC", "H.265", "SVAC", "h264", "mjpeg"])
    rate, res_assumed, codec_assumed = camera_bitrates(lines, codec)
    assert rate.tolist() == [0.5, 1.5, 2.0, 2.0, 3.0, 4.8, 12.0, 12.0]
    assert res_assumed.tolist() == [False] * 7 + [True]
    assert codec_assumed.tolist() == [False, False, True, False, False, False, False, False]
    path = tmp_path / "bitrates.json"
    path.write_text(
        '{"h264_mbps": [[720, 1], [1080, 3]], "above_mbps": 9, "codec_factor": {"h265": 0.4}}'
    )
    table = BitrateTable.from_file(path)
    rate, _, _ = camera_bitrates(
        pd.Series([720, 1080, 2160]), pd.Series([None, "H.265", None]), table
    )
    assert rate.tolist() == [1.0, pytest.approx(1.2), 9.0]


def _brute_force(graph: nx.Graph, platforms: list[str], cameras: dict[str, str]) -> dict[str, int]:
    full = graph.copy()
    full.add_edges_from(cameras.items())

    def reaching(g: nx.Graph) -> int:
        seen: set[str] = set()
        for p in platforms:
            if p in g:
                seen |= nx.node_connected_component(g, p)
        return sum(1 for c in cameras if c in seen)

    before = reaching(full)
    out = {}
    for node in graph.nodes:
        if node in platforms:
            continue
        g = full.copy()
        g.remove_node(node)
        out[node] = before - reaching(g)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_cut_off_matches_removing_each_node(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(5, 40)
    graph = nx.gnm_random_graph(n, rng.randint(n - 1, 2 * n), seed=seed)
    graph = nx.relabel_nodes(graph, {i: f"N{i}" for i in graph.nodes})
    platforms = ["N0"] if seed % 3 else ["N0", "N1"]
    nodes = _nodes([(v, "platform" if v in platforms else "access") for v in graph.nodes])
    links = _links([(a, b, 100) for a, b in graph.edges])
    cams = {f"cam{i}": f"N{rng.randrange(n)}" for i in range(3 * n)}
    cameras = pd.DataFrame({"device_id": list(cams), "uplink": list(cams.values())})
    weights, bridge_weights = cut_off_weights(build_network(nodes, links, cameras))
    ours = {k: int(v.sum()) for k, v in weights.items() if k not in platforms}
    expected = _brute_force(graph, platforms, cams)
    assert {k: v for k, v in ours.items() if v} == {k: v for k, v in expected.items() if v}
    full = graph.copy()
    full.add_edges_from(cams.items())

    def reaching(g: nx.Graph) -> set[str]:
        seen = set(
            itertools.chain.from_iterable(nx.node_connected_component(g, p) for p in platforms)
        )
        return {c for c in cams if c in seen}

    before = reaching(full)
    expected_bridges = {}
    for a, b in nx.bridges(graph):
        g = full.copy()
        g.remove_edge(a, b)
        if lost := len(before - reaching(g)):
            expected_bridges[frozenset((a, b))] = lost
    ours_bridges = {frozenset(k): int(v.sum()) for k, v in bridge_weights.items() if v.sum()}
    assert ours_bridges == expected_bridges


def test_layers_are_wgs84_geojson(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    layers = check_network(*hand).layers()
    assert set(layers) == {"links", "spof", "nodes"}
    links = layers["links"]["features"]
    assert len(links) == 9 and all(f["geometry"]["type"] == "LineString" for f in links)
    hot = next(f for f in links if {f["properties"]["a"], f["properties"]["b"]} == {"G2", "A3"})
    assert hot["properties"]["utilisation"] == 1.2 and hot["properties"]["colour"] == "#d32f2f"
    for f in links:
        for lon, lat in f["geometry"]["coordinates"]:
            assert 73 < lon < 136 and 3 < lat < 54
    spof = layers["spof"]["features"]
    radius = {f["properties"]["node"]: f["properties"]["radius_px"] for f in spof}
    assert radius["A1"] > radius["A2"] > radius["A3"]
    nodes = {f["properties"]["node"]: f["properties"] for f in layers["nodes"]["features"]}
    assert nodes["A9"]["has_path"] is False and nodes["A1"]["cameras"] == 4


def test_routes_are_bfs_tree(hand: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    network = build_network(*hand)
    routes = routes_from_platforms(network)
    assert routes.depth_of == {
        "P": 0,
        "C1": 1,
        "C2": 1,
        "G1": 2,
        "G2": 2,
        "A1": 3,
        "A2": 3,
        "A3": 3,
    }


def test_repeated_camera_link_keeps_camera_a_leaf() -> None:
    nodes = _nodes([("P", "platform"), ("S", "access")])
    links = _links([("P", "S", 100), ("c", "S", 100), ("S", "c", 100)])
    result = check_network(nodes, links, pd.DataFrame({"device_id": ["c"]}))
    reach = result.reach.set_index("device_id")
    assert reach.loc["c", "attach"] == "S" and bool(reach.loc["c", "has_path"])
    assert "camera_multi_homed" not in set(result.network.problems["problem"])
