"""All network checks in one call, and the report document they make.

:func:`check_network` builds the graph (:mod:`~sharpeyes.network.graph`) and runs reachability
(:mod:`~sharpeyes.network.reach`), single points of failure (:mod:`~sharpeyes.network.failure`) and
load (:mod:`~sharpeyes.network.load`). :meth:`NetworkCheck.document` is the JSON report (keys in
``docs/network.md``); :meth:`NetworkCheck.layers` the GeoJSON layers for the map (WGS-84).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sharpeyes._errors import ConfigError
from sharpeyes.model.geojson import feature_collection
from sharpeyes.model.jsonable import loads
from sharpeyes.network.document import document_text, layer_frames, records
from sharpeyes.network.failure import (
    bridges,
    cut_off_weights,
    single_points_of_failure,
    single_uplink_nodes,
)
from sharpeyes.network.graph import (
    CLASS_KEYS,
    Network,
    Routes,
    build_network,
    cameras_on_nodes,
    routes_from_platforms,
)
from sharpeyes.network.load import (
    OVERLOAD_THRESHOLD,
    BitrateTable,
    access_loads,
    camera_bitrates,
    cameras_per_centre,
    link_loads,
)
from sharpeyes.network.reach import camera_reachability, networking_rates, registry_mismatches
from sharpeyes.network.reference import cut_off_weights_networkx, routes_networkx

#: Implementations of the graph checks (see :func:`check_network`).
ENGINES = ("csgraph", "networkx")

_CLASS_COLUMNS = [f"class_{c}" if c else "class_unknown" for c in CLASS_KEYS]

#: The attachment rules, in the order of ``attach_via``'s categories ("none" before them).
VIA_RULES = ("link", "uplink", "parent_id")


@dataclass
class CameraTotals:
    """What the report needs of the cameras beyond the per-node figures: the summary's counts
    (inventory cameras, topology-only ones, with a path, registry-networked, flag unknown but with
    a path), the camera table's rows per rule (``via_counts``: none, link, uplink, parent_id), the
    cameras on each node (``own``, ``node_list`` order) and the lon/lat (WGS-84) of the cameras
    on overloaded access links. Summed over blocks or county tasks for a province."""

    cameras: int
    only_in_topology: int
    with_path: int
    networked_registry: int
    unknown_with_path: int
    via_counts: np.ndarray
    own: np.ndarray
    positions: dict[str, tuple[float, float]]

    @classmethod
    def of(
        cls, network: Network, reach: pd.DataFrame, overloaded_access: pd.DataFrame
    ) -> CameraTotals:
        """From the per-camera frames of :func:`check_network`."""
        inventory = reach["in_inventory"].to_numpy(dtype=bool)
        has_path = reach["has_path"].to_numpy(dtype=bool)
        unknown = inventory & reach["networked"].isna().to_numpy(dtype=bool)
        codes = np.asarray(pd.Categorical(reach["attach_via"], categories=VIA_RULES).codes)
        positions: dict[str, tuple[float, float]] = {}
        if len(overloaded_access):
            cams = network.cameras
            chosen = cams[cams["device_id"].isin(overloaded_access["device_id"].tolist())]
            for d, x, y in chosen[["device_id", "lon", "lat"]].itertuples(index=False):
                if x == x and y == y:
                    positions.setdefault(str(d), (float(x), float(y)))
        return cls(
            cameras=int(inventory.sum()),
            only_in_topology=int((~inventory).sum()),
            with_path=int((has_path & inventory).sum()),
            networked_registry=int(
                reach.loc[inventory, "networked"].astype("boolean").fillna(False).sum()
            ),
            unknown_with_path=int((unknown & has_path).sum()),
            via_counts=np.bincount(codes.astype(np.int64) + 1, minlength=4),
            own=cameras_on_nodes(network),
            positions=positions,
        )


def attached_by(via_counts: np.ndarray) -> dict[str, int]:
    """The summary's ``attached_by``: camera rows per rule, most first, ties in the rules' order
    ("none" last) — the order ``value_counts`` of the cameras' rules gave, from the four counts
    (no array of a row per camera)."""
    counts = np.asarray(via_counts, dtype=np.int64)
    by_rule = pd.Series(counts[[1, 2, 3, 0]], index=[*VIA_RULES, "none"])
    return {
        str(k): int(v) for k, v in by_rule.sort_values(ascending=False, kind="stable").items() if v
    }


@dataclass
class NetworkCheck:
    """Results of every check, as frames (see each module for the columns)."""

    network: Network
    routes: Routes
    reach: pd.DataFrame
    networked_without_path: list[str]
    path_but_not_networked: list[str]
    rates: pd.DataFrame
    spof: pd.DataFrame
    bridges: pd.DataFrame
    single_uplink: pd.DataFrame
    link_load: pd.DataFrame
    access_overloaded: pd.DataFrame
    centres: pd.DataFrame
    bitrate_assumed: int
    codec_assumed: int
    bitrates: BitrateTable
    threshold: float
    bitrate_mbps: np.ndarray
    totals: CameraTotals | None = None

    @cached_property
    def camera_totals(self) -> CameraTotals:
        """The cameras' counts (given by a streamed or partitioned check, else from the frames)."""
        if self.totals is not None:
            return self.totals
        return CameraTotals.of(self.network, self.reach, self.access_overloaded)

    @cached_property
    def access_load(self) -> pd.DataFrame:
        """Every camera's own access link that reaches a platform (built on first use: a row per
        camera; the report needs only :attr:`access_overloaded`)."""
        idx = self.network.cameras["attach_idx"].to_numpy(dtype=np.int64)
        reach = idx >= 0
        reach[reach] = self.routes.depth[idx[reach]] >= 0
        return access_loads(self.network, self.bitrate_mbps, reach, threshold=self.threshold)

    @property
    def overloaded(self) -> pd.DataFrame:
        """Overloaded links (infrastructure and camera access links), highest utilisation first."""
        infra = self.link_load[self.link_load["overloaded"]].assign(link="infrastructure")
        access = self.access_overloaded.assign(link="access")
        columns = ["a", "b", "link", "load_mbps", "capacity_mbps", "utilisation", "cameras"]
        frame = pd.concat([infra[columns], access[columns]], ignore_index=True)
        return frame.sort_values("utilisation", ascending=False, kind="stable").reset_index(
            drop=True
        )

    def summary(self) -> dict[str, Any]:
        """Headline counts."""
        t = self.camera_totals
        kinds = pd.Series(list(self.network.kinds.values()), dtype="object").fillna("unknown")
        return {
            "cameras": t.cameras,
            "cameras_only_in_topology": t.only_in_topology,
            "cameras_with_path": t.with_path,
            "cameras_networked_registry": t.networked_registry,
            "cameras_networked_unknown_with_path": t.unknown_with_path,
            "networked_without_path": len(self.networked_without_path),
            "path_but_not_networked": len(self.path_but_not_networked),
            "attached_by": attached_by(t.via_counts),
            "nodes_by_kind": {str(k): int(v) for k, v in kinds.value_counts().items()},
            "links": int(self.network.graph.number_of_edges()),
            "links_unknown_capacity": int(self.link_load["capacity_mbps"].isna().sum()),
            "platforms": self.network.platforms,
            "single_points_of_failure": len(self.spof),
            "bridges": len(self.bridges),
            "single_uplink_by_kind": {
                str(k): int(v)
                for k, v in self.single_uplink["kind"].fillna("unknown").value_counts().items()
            },
            "overloaded_links": len(self.overloaded),
            "overload_threshold": self.threshold,
            "resolution_assumed": self.bitrate_assumed,
            "codec_assumed": self.codec_assumed,
            "problems": len(self.network.problems),
        }

    def document(self, *, with_layers: bool = True) -> dict[str, Any]:
        """The JSON report: ``summary``, ``networked_without_path``, ``path_but_not_networked``,
        ``networking_rates``, ``single_points_of_failure``, ``bridges``, ``single_uplink_nodes``,
        ``overloaded_links``, ``cameras_per_centre``, ``bitrate_table``, ``problems`` and, with
        ``with_layers``, ``layers`` (``links``, ``spof``, ``nodes`` FeatureCollections): the values
        of :meth:`document_text`."""
        document: dict[str, Any] = loads(self.document_text(with_layers=with_layers))
        return document

    def document_text(self, *, with_layers: bool = True) -> str:
        """:meth:`document` as compact JSON text, built column-wise without a Python dict a
        feature (:mod:`~sharpeyes.network.document`): what the store keeps."""
        return document_text(self, with_layers=with_layers)

    def layers(self) -> dict[str, dict[str, Any]]:
        """GeoJSON FeatureCollections (EPSG:4326 lon/lat) for the map.

        ``links``: infrastructure links (and overloaded camera links) with both ends positioned, as
        LineStrings with ``a, b, load_mbps, capacity_mbps, utilisation, cameras, overloaded,
        on_route, colour`` (green < 50 %, orange < threshold, red above, grey unknown capacity).
        ``spof``: single points of failure as Points with ``node, kind, name, rank,
        cameras_cut_off, radius_px`` (grows with the log of the count) and per-class counts.
        ``nodes``: infrastructure nodes with ``node, kind, name, cameras`` (hanging on it),
        ``cameras_behind``, ``has_path``, ``hops``, ``centre``.
        """
        return {name: feature_collection(frame) for name, frame in layer_frames(self).items()}


def check_network(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    cameras: pd.DataFrame | None = None,
    *,
    bitrates: BitrateTable | None = None,
    threshold: float = OVERLOAD_THRESHOLD,
    engine: str = "csgraph",
) -> NetworkCheck:
    """Run every network check on a topology and the camera inventory.

    Parameters
    ----------
    nodes, links
        Canonical topology frames (:mod:`sharpeyes.ingest.topology`); positions WGS-84 degrees.
    cameras
        The camera inventory (canonical frame), or ``None``.
    bitrates
        Bitrate table (Mbit/s by resolution and codec); the documented default when ``None``.
    threshold
        Utilisation (load / capacity, 0–1) above which a link is overloaded.
    engine
        ``"csgraph"`` (scipy's csgraph on the collapsed graph, :mod:`~sharpeyes.network.collapsed`)
        or ``"networkx"`` (the plain-Python reference, :mod:`~sharpeyes.network.reference`): the
        same report; the reference is kept for the tests and the benchmark's baseline.
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    table = bitrates or BitrateTable()
    network = build_network(nodes, links, cameras)
    if engine == "networkx":
        routes = routes_networkx(network)
        weights = cut_off_weights_networkx(network)
    else:
        routes = routes_from_platforms(network)
        weights = cut_off_weights(network)
    reach = camera_reachability(network, routes)
    without, with_path = registry_mismatches(reach)
    rate, assumed, codec_assumed = camera_bitrates(
        network.cameras["resolution"], network.cameras["codec"], table
    )
    infra_load, access_over = link_loads(
        network, routes, rate, threshold=threshold, overloaded_access_only=True
    )
    return NetworkCheck(
        network=network,
        routes=routes,
        reach=reach,
        networked_without_path=without,
        path_but_not_networked=with_path,
        rates=networking_rates(reach),
        spof=single_points_of_failure(network, weights=weights),
        bridges=bridges(network, weights=weights),
        single_uplink=single_uplink_nodes(network, routes, weights=weights),
        link_load=infra_load,
        access_overloaded=access_over,
        centres=cameras_per_centre(network, routes),
        bitrate_assumed=int(assumed.sum()),
        codec_assumed=int(codec_assumed.sum()),
        bitrates=table,
        threshold=threshold,
        bitrate_mbps=rate.to_numpy(dtype=float),
    )


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (``None`` for missing) for JSON."""
    return records(frame)
