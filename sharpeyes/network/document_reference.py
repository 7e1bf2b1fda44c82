"""The network report document as it was built before the column-wise builder
(:mod:`sharpeyes.network.document`): a Python dict per record and per feature. Kept as the
reference the tests and ``benchmarks/network.py`` compare the new document with, value by value
(as :mod:`~sharpeyes.network.reference` is for the graph checks)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sharpeyes.network.check import _CLASS_COLUMNS, NetworkCheck
from sharpeyes.network.failure import cameras_behind
from sharpeyes.network.graph import CLASS_KEYS

__all__ = ["document_reference", "layers_reference"]


def document_reference(check: NetworkCheck, *, with_layers: bool = True) -> dict[str, Any]:
    """The JSON report: ``summary``, ``networked_without_path``, ``path_but_not_networked``,
    ``networking_rates``, ``single_points_of_failure``, ``bridges``, ``single_uplink_nodes``,
    ``overloaded_links``, ``cameras_per_centre``, ``bitrate_table``, ``problems`` and, with
    ``with_layers``, ``layers`` (``links``, ``spof``, ``nodes`` FeatureCollections)."""
    doc: dict[str, Any] = {
        "summary": check.summary(),
        "networked_without_path": check.networked_without_path,
        "path_but_not_networked": check.path_but_not_networked,
        "networking_rates": frame_records(check.rates),
        "single_points_of_failure": [
            {
                "node": r["node"],
                "kind": r["kind"],
                "name": r["name"],
                "cameras_cut_off": int(r["cameras_cut_off"]),
                "by_class": _class_dict(r),
            }
            for r in frame_records(check.spof)
        ],
        "bridges": [
            {
                "a": r["a"],
                "b": r["b"],
                "capacity_mbps": r["capacity_mbps"],
                "cameras_cut_off": int(r["cameras_cut_off"]),
                "by_class": _class_dict(r),
            }
            for r in frame_records(check.bridges)
        ],
        "single_uplink_nodes": frame_records(
            check.single_uplink[check.single_uplink["kind"] != "access"]
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
            for r in frame_records(check.overloaded)
        ],
        "cameras_per_centre": frame_records(check.centres),
        "bitrate_table": check.bitrates.as_dict(),
        "problems": frame_records(check.network.problems),
    }
    if with_layers:
        doc["layers"] = layers_reference(check)
    return doc


def layers_reference(check: NetworkCheck) -> dict[str, dict[str, Any]]:
    """GeoJSON FeatureCollections (EPSG:4326 lon/lat) for the map.

    ``links``: infrastructure links (and overloaded camera links) with both ends positioned, as
    LineStrings with ``a, b, load_mbps, capacity_mbps, utilisation, cameras, overloaded,
    on_route, colour`` (green < 50 %, orange < threshold, red above, grey unknown capacity).
    ``spof``: single points of failure as Points with ``node, kind, name, cameras_cut_off,
    radius_px`` (grows with the log of the count) and per-class counts. ``nodes``: infrastructure
    nodes with ``node, kind, name, cameras`` (hanging on it), ``cameras_behind``, ``has_path``,
    ``hops``, ``centre``.
    """
    overloaded_access = check.access_overloaded
    pos = dict(check.network.positions)
    for d, xy in check.camera_totals.positions.items():
        pos.setdefault(d, xy)
    return {
        "links": _collection(_link_features(check, pos, overloaded_access)),
        "spof": _collection(_spof_features(check, pos)),
        "nodes": _collection(_node_features(check, pos)),
    }


def _link_features(
    check: NetworkCheck, pos: dict[str, tuple[float, float]], overloaded_access: pd.DataFrame
) -> list[dict[str, Any]]:
    """A LineString per link (and overloaded camera link) with both ends positioned."""
    link_features = []
    for r in frame_records(pd.concat([check.link_load, overloaded_access], ignore_index=True)):
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
                    "colour": _colour(util, check.threshold),
                },
            )
        )
    return link_features


def _spof_features(
    check: NetworkCheck, pos: dict[str, tuple[float, float]]
) -> list[dict[str, Any]]:
    """A Point per positioned single point of failure, ranked, sized by the cameras cut off."""
    spof_features = []
    for rank, r in enumerate(frame_records(check.spof), start=1):
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


def _node_features(
    check: NetworkCheck, pos: dict[str, tuple[float, float]]
) -> list[dict[str, Any]]:
    """A Point per positioned infrastructure node, with its cameras and its route to a centre."""
    net = check.network
    own = check.camera_totals.own
    behind = cameras_behind(net, check.routes, own)
    depth_of, centre_of = check.routes.depth_of, check.routes.centre_of
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


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


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
    """Rows as dicts of plain Python values (``None`` for missing), a conversion a value."""
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
