"""The network as the checks see it: an infrastructure graph with cameras collapsed onto it.

Cameras are leaves of the video private network: a camera hangs on one access node (an access
switch, an NVR, an encoder). At a million cameras a graph with one node per camera is too big to
analyse node by node, so :func:`build_network` keeps only the infrastructure in the networkx graph
(access, aggregation, centre and platform nodes — ~20k nodes for a large city) and records for each
camera the node it hangs on (``attach``). The few cameras linked to two or more nodes (dual-homed)
stay in the graph as nodes of their own.

How a camera attaches, first rule that applies:

1. a link between the camera and a node of the topology (``attach_via = "link"``);
2. the camera's ``uplink`` field naming a node of the topology (``"uplink"``);
3. the GB/T 28181 ``parent_id`` chain of the inventory (camera → NVR/encoder → platform): the first
   ID on the chain that is a node of the topology; IDs on the chain that are devices (recorders,
   encoders, gateways, type 200 platforms) but not in the topology join the graph as ``access`` or
   ``platform`` nodes linked along the chain, with unknown capacity (``"parent_id"``). Business groups
   and virtual organisations (types 215/216) are not network devices: the walk goes through them.

A camera with none of these has no attachment and no path. Positions are WGS-84 degrees.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx
import numpy as np
import pandas as pd

from sharpeyes.model.codes import CAMERA_DEVICE_TYPES
from sharpeyes.model.topology import empty_problems, problems_frame, structure_problems

#: Point-class columns of the by-class breakdowns; 0 stands for "class unknown".
CLASS_KEYS: Final = (1, 2, 3, 4, 9, 0)

#: GB/T 28181 type codes that are not network devices (organisation tree only).
ORGANISATION_TYPES: Final = frozenset({215, 216})

#: GB/T 28181 type codes of recorders, encoders, gateways: they join the graph as ``access`` nodes.
RECORDER_TYPES: Final = frozenset({111, 112, 113, 115, 118, 119, 209})

_CODEC_KEYS: Final = ("codec", "VideoCodec", "video_codec", "编码格式", "视频编码", "编码方式")


@dataclass
class Network:
    """The infrastructure graph, the cameras attached to it, and the problems found building it.

    Attributes
    ----------
    graph
        Undirected networkx graph of infrastructure nodes (plus dual-homed cameras). Edge attributes:
        ``a``, ``b`` (the link as written in the input), ``capacity_mbps`` (Mbit/s, ``NaN`` unknown),
        ``medium``, ``length_m``.
    kinds, names, positions
        Per graph node: kind (``NODE_KINDS`` key or ``None``), name, ``(lon, lat)`` WGS-84 or absent.
    cameras
        One row per camera (inventory cameras and cameras only the topology knows), columns
        ``device_id, name, point_class (0 = unknown), networked (registry, nullable), unit (county
        code), attach (graph node or None), attach_idx (its position in ``node_list``, -1 none),
        attach_via (link / uplink / parent_id), link_a, link_b, link_capacity_mbps, resolution,
        codec, in_inventory, in_graph, lon, lat``.
    node_list
        Graph nodes in a fixed order; arrays of the checks are indexed by position in it.
    problems
        Problems frame (:data:`sharpeyes.model.topology.PROBLEM_COLUMNS`).
    """

    graph: nx.Graph
    kinds: dict[str, str | None]
    names: dict[str, str]
    positions: dict[str, tuple[float, float]]
    cameras: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=empty_problems)
    node_list: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.node_list:
            self.node_list = list(self.graph.nodes)
        self.node_index = {n: i for i, n in enumerate(self.node_list)}

    @property
    def platforms(self) -> list[str]:
        """Platform nodes, sorted."""
        return sorted(n for n, k in self.kinds.items() if k == "platform" and n in self.graph)


@dataclass
class Routes:
    """Shortest-hop routes from every graph node to the nearest platform (a BFS tree).

    Arrays are indexed by position in ``Network.node_list`` (-1 = none): ``order`` the reachable
    nodes, platforms first (BFS order); ``parent`` the next node on the route (-1 for platforms);
    ``depth`` hops to the platform (-1 unreachable); ``platform`` the platform reached; ``centre``
    the nearest monitoring centre on the route (the node itself when a centre). The dicts ``parent``
    … by node name are built from them (``depth_of``, ``parent_of``, ``platform_of``, ``centre_of``).
    Ties between equally short routes go to the neighbour met first in input order.
    """

    node_list: list[str]
    order: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    platform: np.ndarray
    centre: np.ndarray

    def __post_init__(self) -> None:
        names = self.node_list
        self.depth_of: dict[str, int] = {names[i]: int(self.depth[i]) for i in self.order}
        self.parent_of: dict[str, str | None] = {
            names[i]: (names[p] if (p := int(self.parent[i])) >= 0 else None) for i in self.order
        }
        self.platform_of: dict[str, str] = {names[i]: names[self.platform[i]] for i in self.order}
        self.centre_of: dict[str, str | None] = {
            names[i]: (names[c] if (c := int(self.centre[i])) >= 0 else None) for i in self.order
        }


def _text(series: pd.Series) -> pd.Series:
    """Stripped text as an object Series of ``str`` with ``None`` for blanks (fast hash lookups)."""
    out = series.astype("string").str.strip()
    out = out.where(out != "")
    values = out.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return pd.Series(values, index=series.index, dtype=object)  # type: ignore[arg-type]


def _codec_from_extra(extra: pd.Series) -> pd.Series:
    """Codec words from the ``extra`` JSON text of the inventory, only where a codec key appears."""
    text = extra.astype("string")
    mask = text.str.contains("|".join(_CODEC_KEYS), regex=True).fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=extra.index, dtype="string")
    for idx, value in text[mask].items():
        try:
            doc = json.loads(str(value))
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(doc, dict):
            for key in _CODEC_KEYS:
                if doc.get(key):
                    out.loc[idx] = str(doc[key])  # type: ignore[call-overload]
                    break
    return out


def _inventory_frame(cameras: pd.DataFrame | None) -> pd.DataFrame:
    columns = {
        "device_id": "string",
        "name": "object",
        "point_class": "Int64",
        "networked": "boolean",
        "admin_code": "string",
        "resolution": "Int64",
        "uplink": "string",
        "parent_id": "string",
        "codec": "object",
        "lon": "float64",
        "lat": "float64",
    }
    if cameras is None or len(cameras) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype="object" if t == "string" else t) for c, t in columns.items()}
            | {"is_camera": pd.Series(dtype=bool)}
        )
    frame = pd.DataFrame(index=pd.RangeIndex(len(cameras)))
    if "device_id" in cameras:
        # recorders, platforms and organisations (GB/T 28181 type code not a camera's) are devices
        # that only extend parent chains
        ids = cameras["device_id"].reset_index(drop=True).astype("string").str.strip()
        code = ids.str[10:13]
        other_device = (
            (ids.str.len() == 20)
            & code.str.isdigit()
            & ~code.isin([f"{c:03d}" for c in CAMERA_DEVICE_TYPES])
        )
        frame["is_camera"] = ~other_device.fillna(False).to_numpy(dtype=bool)
        frame["_first"] = ~ids.duplicated(keep="first").to_numpy(dtype=bool)
    for column, dtype in columns.items():
        if column in cameras:
            values = cameras[column].reset_index(drop=True)
            if dtype == "string" and column == "admin_code":
                frame[column] = values.astype("string")
            elif dtype == "string":
                frame[column] = _text(values)
            elif dtype == "object":
                frame[column] = values.astype(object)
            elif dtype == "boolean":
                frame[column] = values.astype("boolean")
            elif dtype == "Int64":
                if values.dtype.kind not in "iu":
                    values = pd.to_numeric(values, errors="coerce")
                frame[column] = values.astype("Int64")
            else:
                if values.dtype.kind != "f":
                    values = pd.to_numeric(values, errors="coerce")
                frame[column] = values.astype("float64")
        else:
            frame[column] = pd.Series(
                np.nan
                if dtype == "float64"
                else (None if dtype in ("string", "object") else pd.NA),
                index=frame.index,
                dtype="object" if dtype == "string" else dtype,
            )
    if "codec" not in cameras and "extra" in cameras:
        frame["codec"] = _codec_from_extra(cameras["extra"].reset_index(drop=True))
    keep = frame["device_id"].notna().to_numpy(dtype=bool)
    if "_first" in frame:
        keep = keep & frame.pop("_first").to_numpy(dtype=bool)
    return frame[keep].reset_index(drop=True)


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _positions(values: np.ndarray, index: pd.Index) -> np.ndarray:
    """Position of each value in ``index`` (unique), -1 when absent or missing (one hash pass)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(index) >= len(values):
        return np.asarray(index.get_indexer(values), dtype=np.int64)  # type: ignore[arg-type]
    codes, uniques = pd.factorize(values)
    found = np.append(np.asarray(index.get_indexer(uniques), dtype=np.int64), -1)  # type: ignore[arg-type]
    return found[codes]


def _type_code(device_id: str) -> int | None:
    if len(device_id) == 20 and device_id.isdigit():
        return int(device_id[10:13])
    return None


def build_network(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    cameras: pd.DataFrame | None = None,
) -> Network:
    """Build the :class:`Network` from canonical nodes, links and the camera inventory.

    Parameters
    ----------
    nodes, links
        Canonical topology frames (see :mod:`sharpeyes.ingest.topology`), e.g. from the store.
    cameras
        The inventory (canonical camera frame; ``parent_id`` and ``extra`` side columns used when
        present). ``None`` when only the topology is known.

    Returns
    -------
    Network
        Links to unknown nodes and self-loops are left out and reported, as are cameras whose
        ``uplink`` names no node and topology cameras missing from the inventory.
    """
    problems: list[dict[str, object]] = []
    node_ids = _text(nodes["node_id"]) if len(nodes) else pd.Series([], dtype=object)
    kind_series = (_text(nodes["kind"]) if len(nodes) else pd.Series([], dtype=object)).reindex(
        node_ids.index
    )
    kinds_all: dict[str, str | None] = {}
    names: dict[str, str] = {}
    positions: dict[str, tuple[float, float]] = {}
    lon = pd.to_numeric(nodes.get("lon", pd.Series(np.nan, index=nodes.index)), errors="coerce")
    lat = pd.to_numeric(nodes.get("lat", pd.Series(np.nan, index=nodes.index)), errors="coerce")
    name_col = nodes.get("name", pd.Series(pd.NA, index=nodes.index))
    for node_id, kind, name, x, y in zip(node_ids, kind_series, name_col, lon, lat, strict=True):
        if node_id is None or node_id in kinds_all:
            continue
        kinds_all[node_id] = None if kind is None else str(kind)
        if name is not None and name is not pd.NA and str(name) != "nan":
            names[node_id] = str(name)
        if x == x and y == y:
            positions[node_id] = (float(x), float(y))

    devices = _inventory_frame(cameras)
    is_camera = devices["is_camera"].to_numpy(dtype=bool)
    inventory = devices[is_camera].reset_index(drop=True) if not is_camera.all() else devices
    topo_cameras = [n for n, k in kinds_all.items() if k == "camera"]
    infra_kinds = {n: k for n, k in kinds_all.items() if k != "camera"}

    # -- links: split infrastructure links from camera access links -------------------------------
    graph = nx.Graph()
    graph.add_nodes_from(infra_kinds)
    if len(links):
        link_frame = pd.DataFrame(
            {
                "a": _text(links["a"]),
                "b": _text(links["b"]),
                "capacity_mbps": _numbers(links, "capacity_mbps"),
                "medium": links.get("medium"),
                "length_m": _numbers(links, "length_m"),
            }
        ).reset_index(drop=True)
        link_frame = link_frame[link_frame["a"].notna() & link_frame["b"].notna()]
    else:
        link_frame = pd.DataFrame(
            {
                c: pd.Series(dtype="object")
                for c in ("a", "b", "capacity_mbps", "medium", "length_m")
            }
        )
    inventory_index = pd.Index(inventory["device_id"].to_numpy(dtype=object), dtype=object)
    topo_camera_set = set(topo_cameras)

    def known_camera(values: np.ndarray) -> np.ndarray:
        known = _positions(values, inventory_index) >= 0
        if topo_camera_set:
            known |= np.fromiter((v in topo_camera_set for v in values), bool, len(values))
        rest = ~known
        if rest.any():
            known[rest] = np.fromiter(
                (_is_camera_id(v) for v in values[rest]), bool, int(rest.sum())
            )
        return known

    infra_index = pd.Index(list(infra_kinds), dtype=object)
    a_values = link_frame["a"].to_numpy(dtype=object)
    b_values = link_frame["b"].to_numpy(dtype=object)
    a_infra = _positions(a_values, infra_index) >= 0
    b_infra = _positions(b_values, infra_index) >= 0
    a_cam = np.zeros(len(a_values), dtype=bool)
    b_cam = np.zeros(len(b_values), dtype=bool)
    a_cam[~a_infra] = known_camera(a_values[~a_infra])
    b_cam[~b_infra] = known_camera(b_values[~b_infra])
    self_loop = (link_frame["a"] == link_frame["b"]).to_numpy(dtype=bool)
    unknown = ~(a_infra | a_cam) | ~(b_infra | b_cam)
    row: Any
    for row in link_frame[unknown | self_loop].itertuples(index=False):
        problems.append(
            {
                "file": "links",
                "column": "a",
                "value": f"{row.a} – {row.b}",
                "reason": "self-loop (left out)"
                if row.a == row.b
                else "link to a node that is not in the topology or the inventory (left out)",
                "problem": "self_loop" if row.a == row.b else "unknown_node",
            }
        )
    usable = ~unknown & ~self_loop
    infra_mask = usable & a_infra & b_infra
    for row in link_frame[infra_mask].itertuples(index=False):
        if graph.has_edge(row.a, row.b):
            problems.append(
                {
                    "file": "links",
                    "column": "a",
                    "value": f"{row.a} – {row.b}",
                    "reason": "duplicate link: merged into the first one",
                    "problem": "duplicate_link",
                }
            )
            continue
        graph.add_edge(
            row.a,
            row.b,
            a=row.a,
            b=row.b,
            capacity_mbps=float(row.capacity_mbps)
            if row.capacity_mbps == row.capacity_mbps
            else np.nan,
            medium=None if row.medium is None or row.medium is pd.NA else str(row.medium),
            length_m=float(row.length_m) if row.length_m == row.length_m else np.nan,
        )

    # camera links: (camera, neighbour)
    cam_mask = usable & ~(a_infra & b_infra)
    cam_links = link_frame[cam_mask]
    a_is_cam = a_cam[cam_mask]
    b_is_cam = b_cam[cam_mask]
    camera_end = np.where(
        a_is_cam, cam_links["a"].to_numpy(dtype=object), cam_links["b"].to_numpy(dtype=object)
    )
    other_end = np.where(
        a_is_cam, cam_links["b"].to_numpy(dtype=object), cam_links["a"].to_numpy(dtype=object)
    )
    both_cam = a_is_cam & b_is_cam
    per_camera = pd.DataFrame(
        {
            "camera": camera_end,
            "other": other_end,
            "link_a": cam_links["a"].to_numpy(dtype=object),
            "link_b": cam_links["b"].to_numpy(dtype=object),
            "capacity": cam_links["capacity_mbps"].to_numpy(dtype=float),
            "both_cam": both_cam,
        }
    )
    # a camera–camera link makes both ends graph cameras
    per_camera = per_camera.drop_duplicates(["camera", "other"]).reset_index(drop=True)
    both_cam = per_camera["both_cam"].to_numpy(dtype=bool)
    counts = per_camera.groupby("camera", sort=False).size()
    graph_cameras = set(counts.index[counts > 1])
    if both_cam.any():
        graph_cameras |= set(per_camera.loc[both_cam, "camera"]) | set(
            per_camera.loc[both_cam, "other"]
        )
    graph_camera_list = list(graph_cameras)
    single = per_camera[~per_camera["camera"].isin(graph_camera_list)].drop_duplicates("camera")
    for cam in sorted(graph_cameras):
        graph.add_node(cam)
    for row in per_camera[per_camera["camera"].isin(graph_camera_list)].itertuples(index=False):
        if not graph.has_edge(row.camera, row.other):
            graph.add_edge(
                row.camera,
                row.other,
                a=row.link_a,
                b=row.link_b,
                capacity_mbps=row.capacity,
                medium=None,
                length_m=np.nan,
            )
    if graph_cameras:
        problems.append(
            {
                "file": "links",
                "column": "a",
                "value": sorted(graph_cameras)[0],
                "reason": f"{len(graph_cameras)} camera(s) linked to more than one node (dual-homed): "
                "kept in the graph as nodes",
                "problem": "camera_multi_homed",
            }
        )

    # -- the camera table ---------------------------------------------------------------------
    candidates = np.array(
        [*topo_cameras, *pd.unique(single["camera"]).tolist(), *sorted(graph_cameras)], dtype=object
    )
    extra_ids = list(
        dict.fromkeys(candidates[_positions(candidates, inventory_index) < 0].tolist())
    )
    if extra_ids:
        problems.append(
            {
                "file": "nodes",
                "column": "node_id",
                "value": extra_ids[0],
                "reason": f"{len(extra_ids)} camera(s) of the topology are not in the inventory "
                f"({', '.join(extra_ids[:5])}{', …' if len(extra_ids) > 5 else ''}): counted with "
                "class unknown",
                "problem": "camera_not_in_inventory",
            }
        )
        topo_only = pd.DataFrame({"device_id": pd.Series(extra_ids, dtype=object)})
        topo_only["name"] = pd.Series([names.get(c) for c in extra_ids], dtype=object)
        topo_only["lon"] = [positions.get(c, (np.nan, np.nan))[0] for c in extra_ids]
        topo_only["lat"] = [positions.get(c, (np.nan, np.nan))[1] for c in extra_ids]
        table = pd.concat(
            [inventory.assign(in_inventory=True), topo_only.assign(in_inventory=False)],
            ignore_index=True,
        )
    else:
        table = inventory.assign(in_inventory=True).reset_index(drop=True)
    table["point_class"] = table["point_class"].fillna(0).astype("int64")
    table.loc[~table["point_class"].isin(CLASS_KEYS), "point_class"] = 0
    admin = table["admin_code"].astype("string").str[:6]
    admin = admin.where(admin.str.len() == 6)
    missing = admin.isna()
    if missing.any():
        ids = table.loc[missing, "device_id"].astype("string")
        valid = ids.str.fullmatch(r"[0-9]{20}").fillna(False).astype(bool)
        admin[missing] = ids.str[:6].where(valid)
    table["unit"] = _text(admin)

    # attachment as integer positions in the graph's node order (one hash pass per rule)
    count = len(table)
    node_index = pd.Index(list(graph.nodes), dtype=object)
    device = table["device_id"].to_numpy(dtype=object)
    attach_idx = np.full(count, -1, dtype=np.int64)
    via = np.zeros(count, dtype=np.int64)  # 0 none, 1 link, 2 uplink, 3 parent_id
    link_a = np.full(count, None, dtype=object)
    link_b = np.full(count, None, dtype=object)
    link_cap = np.full(count, np.nan, dtype=float)
    single_cameras = single["camera"].to_numpy(dtype=object)
    rows_of_single = _positions(single_cameras, inventory_index)
    if extra_ids:
        outside = rows_of_single < 0
        rows_of_single[outside] = len(inventory) + _positions(
            single_cameras[outside], pd.Index(extra_ids, dtype=object)
        )
    if len(rows_of_single):
        attach_idx[rows_of_single] = _positions(single["other"].to_numpy(dtype=object), node_index)
        via[rows_of_single] = 1
        link_a[rows_of_single] = single["link_a"].to_numpy(dtype=object)
        link_b[rows_of_single] = single["link_b"].to_numpy(dtype=object)
        link_cap[rows_of_single] = single["capacity"].to_numpy(dtype=float)
    in_graph = np.zeros(count, dtype=bool)
    if graph_cameras:
        in_graph = table["device_id"].isin(graph_camera_list).to_numpy(dtype=bool)
        attach_idx[in_graph] = _positions(device[in_graph], node_index)
        via[in_graph] = 1

    # uplink field
    uplink = table["uplink"].to_numpy(dtype=object)
    need = (attach_idx < 0) & table["uplink"].notna().to_numpy(dtype=bool)
    codes = _positions(uplink[need], node_index)
    ok = np.zeros(count, dtype=bool)
    ok[np.flatnonzero(need)[codes >= 0]] = True
    attach_idx[ok] = codes[codes >= 0]
    via[ok] = 2
    link_a[ok] = device[ok]
    link_b[ok] = uplink[ok]
    bad_uplink = need & ~ok
    if bad_uplink.any():
        shown = list(zip(device[bad_uplink][:5], uplink[bad_uplink][:5], strict=True))
        problems.append(
            {
                "file": "cameras",
                "column": "uplink",
                "value": str(shown[0][1]),
                "reason": f"{int(bad_uplink.sum())} camera(s) name an uplink node that is not in the "
                "topology ("
                + ", ".join(f"{d} → {u}" for d, u in shown)
                + (", …" if bad_uplink.sum() > 5 else "")
                + "): tried the GB/T 28181 parent chain instead",
                "problem": "camera_uplink_unknown",
            }
        )

    # GB/T 28181 parent chain
    chain_kinds: dict[str, str] = {}
    need = (attach_idx < 0) & table["parent_id"].notna().to_numpy(dtype=bool)
    if need.any():
        with_parent = devices["parent_id"].notna()
        parent_of = dict(
            zip(
                devices.loc[with_parent, "device_id"],
                devices.loc[with_parent, "parent_id"],
                strict=True,
            )
        )
        parents = table["parent_id"].to_numpy(dtype=object)[need]
        unique = pd.unique(parents)
        resolved = [_walk_parent_chain(pid, parent_of, graph, chain_kinds) for pid in unique]
        order = {n: i for i, n in enumerate(graph.nodes)}
        resolved_idx = np.array(
            [order[r] if r is not None else -1 for r in resolved], dtype=np.int64
        )
        chain_idx = resolved_idx[pd.Index(unique, dtype=object).get_indexer(parents)]
        rows = np.flatnonzero(need)
        got = rows[chain_idx >= 0]
        attach_idx[got] = chain_idx[chain_idx >= 0]
        via[got] = 3
        link_a[got] = device[got]
    node_list = list(graph.nodes)
    node_array = np.array([*node_list, None], dtype=object)
    attached_to = node_array[attach_idx]  # -1 picks the trailing None
    link_b[via == 3] = attached_to[via == 3]
    table["attach_idx"] = attach_idx
    table["attach"] = pd.Series(attached_to, index=table.index, dtype=object)
    table["attach_via"] = pd.Categorical.from_codes(
        via - 1,  # type: ignore[call-overload]
        categories=["link", "uplink", "parent_id"],
    )
    table["link_a"] = pd.Series(link_a, index=table.index, dtype=object)
    table["link_b"] = pd.Series(link_b, index=table.index, dtype=object)
    table["link_capacity_mbps"] = link_cap
    table["in_graph"] = in_graph

    kinds: dict[str, str | None] = {
        n: infra_kinds[n]
        if n in infra_kinds
        else chain_kinds.get(n, "camera" if n in graph_cameras else None)
        for n in graph.nodes
    }
    infra_graph = graph.subgraph(n for n in graph.nodes if kinds.get(n) != "camera")
    problems.extend(structure_problems(infra_graph, kinds, nodes_file="nodes"))
    return Network(
        graph=graph,
        kinds=kinds,
        names=names,
        positions=positions,
        cameras=table.reset_index(drop=True),
        problems=problems_frame(problems),
        node_list=node_list,
    )


def _is_camera_id(value: object) -> bool:
    text = str(value)
    code = _type_code(text)
    return code is not None and text[:2] != "00" and code in CAMERA_DEVICE_TYPES


def _walk_parent_chain(
    start: str,
    parent_of: Mapping[str, str],
    graph: nx.Graph,
    chain_kinds: dict[str, str],
) -> str | None:
    """The graph node a camera with GB/T 28181 parent ``start`` attaches to, adding chain devices."""
    chain: list[str] = []
    seen: set[str] = set()
    current: str | None = start
    attach_to: str | None = None
    while current is not None and current not in seen:
        seen.add(current)
        if current in graph:
            if chain:
                graph.add_edge(
                    chain[-1],
                    current,
                    a=chain[-1],
                    b=current,
                    capacity_mbps=np.nan,
                    medium="gb28181",
                    length_m=np.nan,
                )
            attach_to = attach_to or current
            break
        code = _type_code(current)
        if code is not None and code not in ORGANISATION_TYPES and code not in CAMERA_DEVICE_TYPES:
            kind = "platform" if code == 200 else "access"
            graph.add_node(current)
            chain_kinds[current] = kind
            if chain:
                graph.add_edge(
                    chain[-1],
                    current,
                    a=chain[-1],
                    b=current,
                    capacity_mbps=np.nan,
                    medium="gb28181",
                    length_m=np.nan,
                )
            chain.append(current)
            attach_to = attach_to or current
            if kind == "platform":
                break
        current = parent_of.get(current)
    return attach_to


def routes_from_platforms(network: Network) -> Routes:
    """Shortest-hop routes to the nearest platform for every reachable graph node (multi-source BFS).

    Rings: a BFS tree keeps one route per node, so in a ring traffic takes the shorter side and the
    ring's far link carries none in normal operation (it is the protection path). The single points of
    failure check, not this one, accounts for the ring's redundancy.
    """
    names, index, kinds = network.node_list, network.node_index, network.kinds
    n = len(names)
    adjacency = [[index[w] for w in network.graph.adj[v]] for v in names]
    is_centre = [kinds.get(v) == "centre" for v in names]
    parent = np.full(n, -1, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)
    platform = np.full(n, -1, dtype=np.int64)
    centre = np.full(n, -1, dtype=np.int64)
    order: list[int] = []
    queue: deque[int] = deque()
    for name in network.platforms:
        p = index[name]
        depth[p], platform[p] = 0, p
        centre[p] = p if is_centre[p] else -1
        queue.append(p)
    while queue:
        v = queue.popleft()
        order.append(v)
        dv, pv, cv = depth[v] + 1, platform[v], centre[v]
        for w in adjacency[v]:
            if depth[w] < 0:
                depth[w], parent[w], platform[w] = dv, v, pv
                centre[w] = w if is_centre[w] else cv
                queue.append(w)
    return Routes(
        node_list=names,
        order=np.array(order, dtype=np.int64),
        parent=parent,
        depth=depth,
        platform=platform,
        centre=centre,
    )


def route_of(routes: Routes, node: str) -> list[str]:
    """The node list from ``node`` up to its platform (empty when ``node`` has no route)."""
    if node not in routes.parent_of:
        return []
    path = [node]
    while (up := routes.parent_of[path[-1]]) is not None:
        path.append(up)
    return path


def cameras_on_nodes(network: Network) -> np.ndarray:
    """Cameras hanging on each graph node (``node_list`` order)."""
    idx = network.cameras["attach_idx"].to_numpy(dtype=np.int64)
    return np.bincount(idx[idx >= 0], minlength=len(network.node_list)).astype(np.int64)


def subtree_sums(routes: Routes, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (per node, ``node_list`` order, any trailing shape) over each node's BFS
    subtree: what flows through a node on the routes to the platform."""
    out = values.copy()
    parent = routes.parent
    for v in routes.order[::-1].tolist():
        p = parent[v]
        if p >= 0:
            out[p] += out[v]
    return out


def class_weights(network: Network) -> np.ndarray:
    """Matrix (graph nodes in ``node_list`` order × :data:`CLASS_KEYS`) of cameras hanging on each
    node, by point class."""
    weights = np.zeros((len(network.node_list), len(CLASS_KEYS)), dtype=np.int64)
    idx = network.cameras["attach_idx"].to_numpy(dtype=np.int64)
    has = idx >= 0
    if not has.any():
        return weights
    class_pos = np.zeros(10, dtype=np.int64)
    for i, c in enumerate(CLASS_KEYS):
        class_pos[c] = i
    width = len(CLASS_KEYS)
    cols = class_pos[network.cameras["point_class"].to_numpy(dtype=np.int64)[has]]
    flat = np.bincount(idx[has] * width + cols, minlength=weights.size)
    return flat.reshape(weights.shape).astype(np.int64)
