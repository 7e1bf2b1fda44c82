"""The network report document as JSON text, built column by column (docs/network.md).

The document is :meth:`~sharpeyes.network.check.NetworkCheck.document`'s — the same keys and
values as the record-by-record builder kept in :mod:`~sharpeyes.network.document_reference` (a
test compares them on awkward values) — but each list is made from the frames' columns (one
``tolist`` a column, not a conversion a value) and the map's layers (``links``, ``spof``,
``nodes``; WGS-84 lon/lat) are GeoDataFrames written by
:func:`sharpeyes.model.geojson.feature_collection_text` (GEOS's GeoJSON writer and orjson), never
a Python dict a feature. At a province (200,000 switches) the record-by-record build cost the
client 11.7–13.1 CPU-s (docs/scale.md).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.model.columns import WGS84
from sharpeyes.model.geojson import feature_collection_text
from sharpeyes.model.jsonable import dumps_compact
from sharpeyes.network.graph import CLASS_KEYS, subtree_sums

if TYPE_CHECKING:
    from sharpeyes.network.check import NetworkCheck

__all__ = [
    "column_values",
    "document_parts",
    "document_text",
    "joined_text",
    "layer_frames",
    "records",
]

_CLASS_COLUMNS = [f"class_{c}" if c else "class_unknown" for c in CLASS_KEYS]
_CLASS_NAMES = [str(c) if c else "unknown" for c in CLASS_KEYS]


def column_values(series: pd.Series) -> list[Any]:
    """A column as plain Python values, ``None`` for a missing one (NaN, ``pd.NA``, ``None``)."""
    if len(series) == 0:
        return []
    kind = series.dtype.kind
    if isinstance(series.dtype, np.dtype) and kind in "biu":
        return list(series.to_numpy().tolist())
    if isinstance(series.dtype, np.dtype) and kind == "f":
        return [None if v != v else v for v in series.to_numpy().tolist()]
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):  # IDs, names
        return list(series.astype(object).where(series.notna(), None).tolist())
    values = series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return [_plain(v) for v in values.tolist()]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (``None`` for missing), built column-wise."""
    columns = [str(c) for c in frame.columns]
    values = [column_values(frame[c]) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _by_class(frame: pd.DataFrame) -> list[dict[str, int]]:
    """Each row's non-zero per-class counts, keyed by class (``unknown`` for none)."""
    present = [(k, c) for k, c in zip(_CLASS_NAMES, _CLASS_COLUMNS, strict=True) if c in frame]
    columns = [column_values(frame[c]) for _, c in present]
    keys = [k for k, _ in present]
    if not present:
        return [{} for _ in range(len(frame))]
    if all(frame[c].dtype.kind in "iu" for _, c in present):  # Python ints already
        return [
            {k: v for k, v in zip(keys, row, strict=True) if v}
            for row in zip(*columns, strict=True)
        ]
    return [
        {k: int(v) for k, v in zip(keys, row, strict=True) if v}
        for row in zip(*columns, strict=True)
    ]


def _ints(series: pd.Series) -> list[int]:
    return [int(v) for v in column_values(series)]


def _failures(check: NetworkCheck) -> dict[str, list[dict[str, Any]]]:
    """``single_points_of_failure`` and ``bridges``: a record each, with its ``by_class``."""
    spof, bridges = check.spof, check.bridges
    spof_rows = zip(
        column_values(spof["node"]),
        column_values(spof["kind"]),
        column_values(spof["name"]),
        _ints(spof["cameras_cut_off"]),
        _by_class(spof),
        strict=True,
    )
    bridge_rows = zip(
        column_values(bridges["a"]),
        column_values(bridges["b"]),
        column_values(bridges["capacity_mbps"]),
        _ints(bridges["cameras_cut_off"]),
        _by_class(bridges),
        strict=True,
    )
    return {
        "single_points_of_failure": [
            {"node": n, "kind": k, "name": m, "cameras_cut_off": c, "by_class": b}
            for n, k, m, c, b in spof_rows
        ],
        "bridges": [
            {"a": a, "b": b, "capacity_mbps": cap, "cameras_cut_off": c, "by_class": by}
            for a, b, cap, c, by in bridge_rows
        ],
    }


def _overloaded(check: NetworkCheck) -> list[dict[str, Any]]:
    frame = check.overloaded
    rows = zip(
        column_values(frame["a"]),
        column_values(frame["b"]),
        column_values(frame["link"]),
        [round(v, 3) for v in column_values(frame["load_mbps"])],
        column_values(frame["capacity_mbps"]),
        [round(v, 4) for v in column_values(frame["utilisation"])],
        _ints(frame["cameras"]),
        strict=True,
    )
    keys = ("a", "b", "link", "load_mbps", "capacity_mbps", "utilisation", "cameras")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _records_part(check: NetworkCheck) -> dict[str, Any]:
    """Every key of the document but the layers."""
    uplink = check.single_uplink
    return {
        "summary": check.summary(),
        "networked_without_path": check.networked_without_path,
        "path_but_not_networked": check.path_but_not_networked,
        "networking_rates": records(check.rates),
        **_failures(check),
        "single_uplink_nodes": records(uplink[uplink["kind"] != "access"]),
        "overloaded_links": _overloaded(check),
        "cameras_per_centre": records(check.centres),
        "bitrate_table": check.bitrates.as_dict(),
        "problems": records(check.network.problems),
    }


def document_parts(check: NetworkCheck) -> tuple[dict[str, Any], dict[str, str]]:
    """The document but its layers (Python values), and each layer's GeoJSON text."""
    texts = {name: feature_collection_text(frame) for name, frame in layer_frames(check).items()}
    return _records_part(check), texts


def joined_text(records: dict[str, Any], layers: dict[str, str] | None) -> str:
    """The document's JSON text from :func:`document_parts` (compact, NaN ``null``; ``layers``
    last, left out when ``None``)."""
    head = dumps_compact(records)
    if layers is None:
        return head
    joined = ",".join(f"{dumps_compact(name)}:{text}" for name, text in layers.items())
    return f'{head[:-1]},"layers":{{{joined}}}}}'


def document_text(check: NetworkCheck, *, with_layers: bool = True) -> str:
    """The report document's JSON text: the records, then with ``with_layers`` the ``layers``
    written from :func:`layer_frames`."""
    if not with_layers:
        return joined_text(_records_part(check), None)
    return joined_text(*document_parts(check))


class _Positions:
    """The positioned nodes and cameras (WGS-84 lon/lat): a lookup by ID, vectorised."""

    def __init__(self, check: NetworkCheck) -> None:
        pos = dict(check.network.positions)
        for d, xy in check.camera_totals.positions.items():
            pos.setdefault(d, xy)
        self.index = pd.Index(list(pos), dtype=object)
        self.xy = np.array(list(pos.values()), dtype=float).reshape(-1, 2)

    def find(self, ids: list[Any]) -> np.ndarray:
        """Each ID's row in :attr:`xy`, -1 when it has no position."""
        if not len(self.index) or not ids:
            return np.full(len(ids), -1, dtype=np.int64)
        return np.asarray(self.index.get_indexer(pd.Index(ids, dtype=object)), dtype=np.int64)


def _colours(utilisation: list[float | None], threshold: float) -> list[str]:
    return [
        "#9e9e9e"
        if u is None
        else "#d32f2f"
        if u > threshold
        else "#f57c00"
        if u >= 0.5
        else "#388e3c"
        for u in utilisation
    ]


def _layer(columns: dict[str, Any], geometry: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=geometry, crs=WGS84)


def _links(check: NetworkCheck, where: _Positions) -> gpd.GeoDataFrame:
    """A LineString per link (and overloaded camera link) with both ends positioned."""
    frame = pd.concat([check.link_load, check.access_overloaded], ignore_index=True)
    ia, ib = where.find(column_values(frame["a"])), where.find(column_values(frame["b"]))
    keep = (ia >= 0) & (ib >= 0)
    frame = frame[keep]
    util = [None if u is None else round(u, 4) for u in column_values(frame["utilisation"])]
    flags = {c: [bool(v) for v in column_values(frame[c])] for c in ("overloaded", "on_route")}
    columns = {
        "a": column_values(frame["a"]),
        "b": column_values(frame["b"]),
        "load_mbps": [round(v, 3) for v in column_values(frame["load_mbps"])],
        "capacity_mbps": pd.array(column_values(frame["capacity_mbps"]), dtype=object),
        "utilisation": pd.array(util, dtype=object),
        "cameras": _ints(frame["cameras"]),
        **flags,
        "colour": _colours(util, check.threshold),
    }
    ends = np.stack([where.xy[ia[keep]], where.xy[ib[keep]]], axis=1)
    return _layer(columns, shapely.linestrings(ends) if len(ends) else np.array([], dtype=object))


def _spof(check: NetworkCheck, where: _Positions) -> gpd.GeoDataFrame:
    """A Point per positioned single point of failure, ranked, sized by the cameras cut off."""
    spof = check.spof
    at = where.find(column_values(spof["node"]))
    keep = at >= 0
    frame = spof[keep]
    counts = _ints(frame["cameras_cut_off"])
    columns = {
        "node": column_values(frame["node"]),
        "kind": pd.array(column_values(frame["kind"]), dtype=object),
        "name": pd.array(column_values(frame["name"]), dtype=object),
        "rank": (np.flatnonzero(keep) + 1).tolist(),
        "cameras_cut_off": counts,
        "radius_px": [round(4 + 3 * math.log2(1 + c), 1) for c in counts],
        **{c: _ints(frame[c]) for c in _CLASS_COLUMNS},
    }
    return _layer(columns, shapely.points(where.xy[at[keep]]))


def _nodes(check: NetworkCheck, where: _Positions) -> gpd.GeoDataFrame:
    """A Point per positioned infrastructure node, with its cameras and its route to a centre."""
    net, routes = check.network, check.routes
    order = list(net.graph.nodes)
    kinds = [net.kinds.get(n) for n in order]
    at = where.find(order)
    keep = (at >= 0) & np.array([k != "camera" for k in kinds], dtype=bool)
    nodes = [n for n, k in zip(order, keep.tolist(), strict=True) if k]
    v = np.array([net.node_index[n] for n in nodes], dtype=np.int64)
    own = check.camera_totals.own
    reachable = np.zeros(len(routes.node_list), dtype=bool)
    reachable[routes.order] = True
    behind = subtree_sums(routes, own)
    on = reachable[v]
    centre = routes.centre[v]
    names = routes.node_list
    columns = {
        "node": nodes,
        "kind": pd.array([k for k, x in zip(kinds, keep.tolist(), strict=True) if x], dtype=object),
        "name": pd.array([net.names.get(n) for n in nodes], dtype=object),
        "cameras": np.asarray(own)[v].astype(np.int64).tolist(),
        "cameras_behind": np.where(on, behind[v], 0).astype(np.int64).tolist(),
        "has_path": on.tolist(),
        "hops": pd.array(
            [d if o else None for o, d in zip(on.tolist(), routes.depth[v].tolist(), strict=True)],
            dtype=object,
        ),
        "centre": pd.array(
            [names[c] if o and c >= 0 else None for o, c in zip(on, centre.tolist(), strict=True)],
            dtype=object,
        ),
    }
    return _layer(columns, shapely.points(where.xy[at[keep]]))


def layer_frames(check: NetworkCheck) -> dict[str, gpd.GeoDataFrame]:
    """The map's layers (WGS-84): ``links`` (LineStrings), ``spof`` and ``nodes`` (Points), with
    the properties :meth:`~sharpeyes.network.check.NetworkCheck.layers` documents."""
    where = _Positions(check)
    return {
        "links": _links(check, where),
        "spof": _spof(check, where),
        "nodes": _nodes(check, where),
    }
