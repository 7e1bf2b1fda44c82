"""Network check: who really reaches the platform, what one failure blinds, which uplinks are full.

Pure functions over frames (no store, no API, no files): from a topology (read by
:func:`sharpeyes.ingest.topology.topology_from_files`), build the graph with the cameras collapsed onto their access nodes
(:func:`build_network`) and run every check (:func:`check_network`).
"""

from sharpeyes.model.topology import PROBLEM_COLUMNS
from sharpeyes.network.check import NetworkCheck, check_network
from sharpeyes.network.failure import (
    bridges,
    cut_off_weights,
    single_points_of_failure,
    single_uplink_nodes,
)
from sharpeyes.network.graph import Network, Routes, build_network, route_of, routes_from_platforms
from sharpeyes.network.load import BitrateTable, camera_bitrates, cameras_per_centre, link_loads
from sharpeyes.network.reach import camera_reachability, networking_rates, registry_mismatches
from sharpeyes.network.report import write_json, write_xlsx

__all__ = [
    "PROBLEM_COLUMNS",
    "BitrateTable",
    "Network",
    "NetworkCheck",
    "Routes",
    "bridges",
    "build_network",
    "camera_bitrates",
    "camera_reachability",
    "cameras_per_centre",
    "check_network",
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
