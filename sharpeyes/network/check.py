"""All network checks in one call, and the report document they make.

:func:`check_network` builds the graph (:mod:`~sharpeyes.network.graph`) and runs reachability
(:mod:`~sharpeyes.network.reach`), single points of failure (:mod:`~sharpeyes.network.failure`) and
load (:mod:`~sharpeyes.network.load`). :meth:`NetworkCheck.document` is the JSON report (keys in
``docs/network.md``); :meth:`NetworkCheck.layers` the GeoJSON layers for the map (WGS-84).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from sharpeyes._errors import ConfigError
from sharpeyes.network.failure import (
    bridges,
    cameras_behind,
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
    """The summary's ``attached_by``: camera rows per rule, as ``value_counts`` orders them."""
    codes = np.repeat(np.arange(-1, 3, dtype=np.int8), np.asarray(via_counts, dtype=np.int64))
    counts = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(list(VIA_RULES))))
    return {
        ("none" if not isinstance(k, str) else k): int(v)
        for k, v in counts.value_counts(dropna=False).items()
        if v
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
        ``with_layers``, ``layers`` (``links``, ``spof``, ``nodes`` FeatureCollections)."""
        doc: dict[str, Any] = {
            "summary": self.summary(),
            "networked_without_path": self.networked_without_path,
            "path_but_not_networked": self.path_but_not_networked,
            "networking_rates": frame_records(self.rates),
            "single_points_of_failure": [
                {
                    "node": r["node"],
                    "kind": r["kind"],
                    "name": r["name"],
                    "cameras_cut_off": int(r["cameras_cut_off"]),
                    "by_class": _class_dict(r),
                }
                for r in frame_records(self.spof)
            ],
            "bridges": [
                {
                    "a": r["a"],
                    "b": r["b"],
                    "capacity_mbps": r["capacity_mbps"],
                    "cameras_cut_off": int(r["cameras_cut_off"]),
                    "by_class": _class_dict(r),
                }
                for r in frame_records(self.bridges)
            ],
            "single_uplink_nodes": frame_records(
                self.single_uplink[self.single_uplink["kind"] != "access"]
            ),
            "overloaded_links": [
                {
                    "a": r["a"],
                    "b": r["b"],
                    "link": r["link"],
                    "load_mbps": round(r["load_mbps"], 3),
                    "capacity_mbps": r["capacity_mbps"],
                    "utilisation": round(r["utilisation"], 4),
                    "cameras": int(r["cameras"]),
                }
                for r in frame_records(self.overloaded)
            ],
            "cameras_per_centre": frame_records(self.centres),
            "bitrate_table": self.bitrates.as_dict(),
            "problems": frame_records(self.network.problems),
        }
        if with_layers:
            doc["layers"] = self.layers()
        return doc

    def layers(self) -> dict[str, dict[str, Any]]:
        """GeoJSON FeatureCollections (EPSG:4326 lon/lat) for the map.

        ``links``: infrastructure links (and overloaded camera links) with both ends positioned, as
        LineStrings with ``a, b, load_mbps, capacity_mbps, utilisation, cameras, overloaded,
        on_route, colour`` (green < 50 %, orange < threshold, red above, grey unknown capacity).
        ``spof``: single points of failure as Points with ``node, kind, name, cameras_cut_off,
        radius_px`` (grows with the log of the count) and per-class counts. ``nodes``: infrastructure
        nodes with ``node, kind, name, cameras`` (hanging on it), ``cameras_behind``, ``has_path``,
        ``hops``, ``centre``.
        """
        overloaded_access = self.access_overloaded
        pos = dict(self.network.positions)
        for d, xy in self.camera_totals.positions.items():
            pos.setdefault(d, xy)
        return {
            "links": _collection(self._link_features(pos, overloaded_access)),
            "spof": _collection(self._spof_features(pos)),
            "nodes": _collection(self._node_features(pos)),
        }

    def _link_features(
        self, pos: dict[str, tuple[float, float]], overloaded_access: pd.DataFrame
    ) -> list[dict[str, Any]]:
        """A LineString per link (and overloaded camera link) with both ends positioned."""
        link_features = []
        for r in frame_records(pd.concat([self.link_load, overloaded_access], ignore_index=True)):
            a, b = r["a"], r["b"]
            if a not in pos or b not in pos:
                continue
            util = r["utilisation"]
            link_features.append(
                _feature(
                    {"type": "LineString", "coordinates": [list(pos[a]), list(pos[b])]},
                    {
                        "a": a,
                        "b": b,
                        "load_mbps": round(r["load_mbps"], 3),
                        "capacity_mbps": r["capacity_mbps"],
                        "utilisation": None if util is None else round(util, 4),
                        "cameras": int(r["cameras"]),
                        "overloaded": bool(r["overloaded"]),
                        "on_route": bool(r["on_route"]),
                        "colour": _colour(util, self.threshold),
                    },
                )
            )
        return link_features

    def _spof_features(self, pos: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
        """A Point per positioned single point of failure, ranked, sized by the cameras cut off."""
        spof_features = []
        for rank, r in enumerate(frame_records(self.spof), start=1):
            if r["node"] not in pos:
                continue
            count = int(r["cameras_cut_off"])
            spof_features.append(
                _feature(
                    {"type": "Point", "coordinates": list(pos[r["node"]])},
                    {
                        "node": r["node"],
                        "kind": r["kind"],
                        "name": r["name"],
                        "rank": rank,
                        "cameras_cut_off": count,
                        "radius_px": round(4 + 3 * math.log2(1 + count), 1),
                        **{c: int(r[c]) for c in _CLASS_COLUMNS},
                    },
                )
            )
        return spof_features

    def _node_features(self, pos: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
        """A Point per positioned infrastructure node, with its cameras and its route to a centre."""
        net = self.network
        own = self.camera_totals.own
        behind = cameras_behind(net, self.routes, own)
        depth_of, centre_of = self.routes.depth_of, self.routes.centre_of
        node_features = []
        for node in net.graph.nodes:
            kind = net.kinds.get(node)
            if node not in pos or kind == "camera":
                continue
            node_features.append(
                _feature(
                    {"type": "Point", "coordinates": list(pos[node])},
                    {
                        "node": node,
                        "kind": kind,
                        "name": net.names.get(node),
                        "cameras": int(own[net.node_index[node]]),
                        "cameras_behind": int(behind.get(node, 0)),
                        "has_path": node in depth_of,
                        "hops": depth_of.get(node),
                        "centre": centre_of.get(node),
                    },
                )
            )
        return node_features


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


def _colour(utilisation: float | None, threshold: float) -> str:
    if utilisation is None:
        return "#9e9e9e"
    if utilisation > threshold:
        return "#d32f2f"
    if utilisation >= 0.5:
        return "#f57c00"
    return "#388e3c"


def _class_dict(record: dict[str, Any]) -> dict[str, int]:
    return {
        (str(c) if c else "unknown"): int(record[col])
        for c, col in zip(CLASS_KEYS, _CLASS_COLUMNS, strict=True)
        if record.get(col)
    }


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (``None`` for missing) for JSON."""
    columns = list(frame.columns)
    converted = []
    for c in columns:
        values = (
            frame[c].to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
            if len(frame)
            else []
        )
        converted.append([_plain(v) for v in values] if _needs_plain(frame[c]) else list(values))
    return [dict(zip(columns, row, strict=True)) for row in zip(*converted, strict=True)]


def _needs_plain(series: pd.Series) -> bool:
    return series.dtype.kind in "fiub" or series.dtype == object


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
