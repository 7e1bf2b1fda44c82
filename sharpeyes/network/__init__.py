"""Network check: who really reaches the platform, what one failure blinds, which uplinks are full.

Pure functions over frames (no store, no API, no files): from a topology (read by
:func:`sharpeyes.ingest.topology.topology_from_files`), build the graph with the cameras collapsed onto their access nodes
(:func:`build_network`) and run every check (:func:`check_network`). The graph work runs on scipy's
csgraph (:mod:`~sharpeyes.network.collapsed`; :func:`check_arrays` takes arrays alone, for a
province); the plain networkx code it replaced is the reference (:mod:`~sharpeyes.network.reference`).
"""

from sharpeyes.model.topology import PROBLEM_COLUMNS
from sharpeyes.network.check import ENGINES, NetworkCheck, check_network
from sharpeyes.network.collapsed import ArrayCheck, SwitchGraph, check_arrays
from sharpeyes.network.failure import (
    bridges,
    cut_off_arrays,
    cut_off_weights,
    single_points_of_failure,
    single_uplink_nodes,
)
from sharpeyes.network.graph import Network, Routes, build_network, route_of, routes_from_platforms
from sharpeyes.network.load import BitrateTable, camera_bitrates, cameras_per_centre, link_loads
from sharpeyes.network.reach import camera_reachability, networking_rates, registry_mismatches
from sharpeyes.network.report import write_json, write_xlsx

__all__ = [
    "ENGINES",
    "PROBLEM_COLUMNS",
    "ArrayCheck",
    "BitrateTable",
    "Network",
    "NetworkCheck",
    "Routes",
    "SwitchGraph",
    "bridges",
    "build_network",
    "camera_bitrates",
    "camera_reachability",
    "cameras_per_centre",
    "check_arrays",
    "check_network",
    "cut_off_arrays",
    "cut_off_weights",
    "link_loads",
    "networking_rates",
    "registry_mismatches",
    "route_of",
    "routes_from_platforms",
    "single_points_of_failure",
    "single_uplink_nodes",
    "write_json",
    "write_xlsx",
]
