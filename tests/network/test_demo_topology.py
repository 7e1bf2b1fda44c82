"""The demo city's topology: the seed's structure, rings, and the deliberate faults reported."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest

from sharpeyes.demo.topology import write_topology
from sharpeyes.ingest.topology import topology_from_files
from sharpeyes.network import check_network


@pytest.fixture(scope="module")
def city() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    from sharpeyes.demo.cameras import build_cameras
    from sharpeyes.demo.city import build_units

    units = build_units(seed=0)
    return units, build_cameras(units, seed=0, scale=0.2)


@pytest.mark.slow
def test_demo_topology(city: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], tmp_path: Path) -> None:
    units, cameras = city
    nodes_path, links_path = write_topology(cameras, units, tmp_path / "a", seed=0)
    again = write_topology(cameras, units, tmp_path / "b", seed=0)
    assert nodes_path.read_bytes() == again[0].read_bytes()
    assert links_path.read_bytes() == again[1].read_bytes()

    nodes, links, problems = topology_from_files(
        nodes_path, links_path, camera_ids=cameras["device_id"].astype(str)
    )
    kinds = nodes["kind"].value_counts().to_dict()
    townships = int((units["level"] == "township").sum())
    assert kinds["platform"] == 1 and kinds["centre"] == 46
    assert kinds["aggregation"] == townships
    # the only import-time problem is the deliberate island switch
    assert list(problems["problem"]) == ["island"]

    upper = nodes.loc[nodes["kind"].isin(["platform", "centre", "aggregation"]), "node_id"]
    graph = nx.Graph()
    graph.add_edges_from(links[["a", "b"]].itertuples(index=False, name=None))
    assert len(nx.cycle_basis(graph.subgraph(set(upper)))) >= 10  # rings at the upper levels

    result = check_network(nodes, links, cameras)
    doc = result.document(with_layers=False)
    # faults: one FE uplink overloaded, one aggregation node on one uplink, networked cameras on
    # the island and on a switch missing from the topology, five patched-in unregistered cameras
    assert len(doc["overloaded_links"]) == 1
    assert doc["overloaded_links"][0]["capacity_mbps"] in (10.0, 100.0)
    assert doc["overloaded_links"][0]["utilisation"] > 0.8
    assert [u["kind"] for u in doc["single_uplink_nodes"]] == ["aggregation"]
    assert len(doc["networked_without_path"]) >= 2
    assert len(doc["path_but_not_networked"]) == 5
    codes = set(result.network.problems["problem"])
    assert {"island", "camera_uplink_unknown"} <= codes
    # the rings hold: the only centre that alone cuts cameras off is the spur's one uplink
    spur = doc["single_uplink_nodes"][0]
    centres = [s for s in doc["single_points_of_failure"] if s["kind"] == "centre"]
    assert [c["node"] for c in centres] == [spur["uplink"]]
    assert centres[0]["cameras_cut_off"] == spur["cameras_behind"]
    assert doc["summary"]["cameras_with_path"] > 0.7 * doc["summary"]["cameras"]
