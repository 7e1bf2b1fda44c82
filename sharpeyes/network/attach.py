"""How cameras attach to the infrastructure graph: the stages of
:func:`sharpeyes.network.graph.build_network` (rules in that module's docstring).

Inputs are the canonical topology frames and the camera inventory; positions are WGS-84 degrees.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx
import numpy as np
import pandas as pd

from sharpeyes.model.codes import CAMERA_DEVICE_TYPES
from sharpeyes.network.lean import arrow_device_flags, is_lean, lean_county, lean_text
from sharpeyes.network.problems import topology_only_problem, uplink_problem

#: Point-class columns of the by-class breakdowns; 0 stands for "class unknown".
CLASS_KEYS: Final = (1, 2, 3, 4, 9, 0)

#: GB/T 28181 type codes that are not network devices (organisation tree only).
ORGANISATION_TYPES: Final = frozenset({215, 216})

#: GB/T 28181 type codes of recorders, encoders, gateways: they join the graph as ``access`` nodes.
RECORDER_TYPES: Final = frozenset({111, 112, 113, 115, 118, 119, 209})

_CODEC_KEYS: Final = ("codec", "VideoCodec", "video_codec", "编码格式", "视频编码", "编码方式")


def _text(series: pd.Series) -> pd.Series:
    """Stripped text as an object Series of ``str`` with ``None`` for blanks (fast hash lookups)."""
    out = series.astype("string").str.strip()
    out = out.where(out != "")
    values = out.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return pd.Series(values, index=series.index, dtype=object)


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


def inventory_frame(
    cameras: pd.DataFrame | None,
    *,
    keep_order: bool = False,
    repeated: list[str] | None = None,
) -> pd.DataFrame:
    """The inventory's columns the checks use, typed; ``is_camera`` false for recorders, platforms
    and organisations (GB/T 28181 type code not a camera's); one row per device ID as stripped
    (the first row of an ID is kept; the stripped IDs of the rows left out are appended to
    ``repeated`` when given). ``keep_order`` also keeps the store's ``camera_id`` (a block's rows
    in store order)."""
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
    lean_ids = "device_id" in cameras and is_lean(cameras["device_id"])
    if lean_ids:
        ids_text, is_camera, first = arrow_device_flags(cameras["device_id"])
        frame["is_camera"] = is_camera
        frame["_first"] = first
    elif "device_id" in cameras:
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
            frame[column] = (
                ids_text if column == "device_id" and lean_ids else _typed(values, column, dtype)
            )
        else:
            frame[column] = pd.Series(
                np.nan
                if dtype == "float64"
                else (None if dtype in ("string", "object") else pd.NA),
                index=frame.index,
                dtype="object" if dtype == "string" else dtype,
            )
    if keep_order:
        frame["camera_id"] = cameras["camera_id"].to_numpy(dtype=np.int64)
    if "codec" not in cameras and "extra" in cameras:
        frame["codec"] = _codec_from_extra(cameras["extra"].reset_index(drop=True))
    keep = frame["device_id"].notna().to_numpy(dtype=bool)
    if "_first" in frame:
        first = frame.pop("_first").to_numpy(dtype=bool)
        if repeated is not None:
            repeated.extend(
                str(d) for d in frame["device_id"].to_numpy(dtype=object)[keep & ~first]
            )
        keep = keep & first
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def _typed(values: pd.Series, column: str, dtype: str) -> pd.Series:
    """One inventory column as the checks take it (text stripped, blanks missing; see
    :func:`inventory_frame`); Arrow or categorical text stays categorical (:mod:`.lean`)."""
    if dtype == "string" and is_lean(values) and column != "device_id":
        return lean_text(values) if column != "admin_code" else values
    if dtype == "string":
        return values.astype("string") if column == "admin_code" else _text(values)
    if dtype == "object":
        return values.astype(object)
    if dtype == "boolean":
        return values.astype("boolean")
    if dtype == "Int64":
        if values.dtype.kind not in "iu":
            values = pd.to_numeric(values, errors="coerce")
        return values.astype("Int64")
    if values.dtype.kind != "f":
        values = pd.to_numeric(values, errors="coerce")
    return values.astype("float64")


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def positions_in(values: np.ndarray, index: pd.Index) -> np.ndarray:
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


def is_camera_id(value: object) -> bool:
    text = str(value)
    code = _type_code(text)
    return code is not None and text[:2] != "00" and code in CAMERA_DEVICE_TYPES


def walk_parent_chain(
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


def node_tables(
    nodes: pd.DataFrame,
) -> tuple[dict[str, str | None], dict[str, str], dict[str, tuple[float, float]]]:
    """Kind, name and ``(lon, lat)`` of each node of the topology (first row of a repeated ID)."""
    node_ids = _text(nodes["node_id"]) if len(nodes) else pd.Series([], dtype=object)
    kind_series = (_text(nodes["kind"]) if len(nodes) else pd.Series([], dtype=object)).reindex(
        node_ids.index
    )
    kinds: dict[str, str | None] = {}
    names: dict[str, str] = {}
    positions: dict[str, tuple[float, float]] = {}
    lon = pd.to_numeric(nodes.get("lon", pd.Series(np.nan, index=nodes.index)), errors="coerce")
    lat = pd.to_numeric(nodes.get("lat", pd.Series(np.nan, index=nodes.index)), errors="coerce")
    name_col = nodes.get("name", pd.Series(pd.NA, index=nodes.index))
    for node_id, kind, name, x, y in zip(node_ids, kind_series, name_col, lon, lat, strict=True):
        if node_id is None or node_id in kinds:
            continue
        kinds[node_id] = None if kind is None else str(kind)
        if name is not None and name is not pd.NA and str(name) != "nan":
            names[node_id] = str(name)
        if x == x and y == y:
            positions[node_id] = (float(x), float(y))
    return kinds, names, positions


def link_frame(links: pd.DataFrame) -> pd.DataFrame:
    """Links with both ends named: ``a, b, capacity_mbps`` (Mbit/s, NaN unknown), ``medium``,
    ``length_m``."""
    if not len(links):
        columns = ("a", "b", "capacity_mbps", "medium", "length_m")
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame = pd.DataFrame(
        {
            "a": _text(links["a"]),
            "b": _text(links["b"]),
            "capacity_mbps": _numbers(links, "capacity_mbps"),
            "medium": links.get("medium"),
            "length_m": _numbers(links, "length_m"),
        }
    ).reset_index(drop=True)
    return frame[frame["a"].notna() & frame["b"].notna()]


@dataclass
class LinkEnds:
    """For each link, whether each end is an infrastructure node or a camera."""

    a_infra: np.ndarray
    b_infra: np.ndarray
    a_cam: np.ndarray
    b_cam: np.ndarray

    @classmethod
    def of(
        cls,
        links: pd.DataFrame,
        infra: pd.Index,
        inventory_index: pd.Index,
        topo_cameras: set[str],
    ) -> LinkEnds:
        """A camera end is in the inventory, a topology camera, or a valid GB/T 28181 camera ID."""

        def known_camera(values: np.ndarray) -> np.ndarray:
            known = positions_in(values, inventory_index) >= 0
            if topo_cameras:
                known |= np.fromiter((v in topo_cameras for v in values), bool, len(values))
            rest = ~known
            if rest.any():
                known[rest] = np.fromiter(
                    (is_camera_id(v) for v in values[rest]), bool, int(rest.sum())
                )
            return known

        ends = []
        for end in ("a", "b"):
            values = links[end].to_numpy(dtype=object)
            on_infra = positions_in(values, infra) >= 0
            camera = np.zeros(len(values), dtype=bool)
            camera[~on_infra] = known_camera(values[~on_infra])
            ends += [on_infra, camera]
        return cls(a_infra=ends[0], a_cam=ends[1], b_infra=ends[2], b_cam=ends[3])


def add_infrastructure_links(
    graph: nx.Graph, links: pd.DataFrame, ends: LinkEnds, problems: list[dict[str, object]]
) -> np.ndarray:
    """Links between infrastructure nodes into ``graph``; unknown ends, self-loops and repeats
    reported. Returns which links are usable (known ends, no self-loop)."""
    self_loop = (links["a"] == links["b"]).to_numpy(dtype=bool)
    unknown = ~(ends.a_infra | ends.a_cam) | ~(ends.b_infra | ends.b_cam)
    row: Any
    for row in links[unknown | self_loop].itertuples(index=False):
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
    usable: np.ndarray = ~unknown & ~self_loop
    for row in links[usable & ends.a_infra & ends.b_infra].itertuples(index=False):
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
    return usable


def add_camera_links(
    graph: nx.Graph,
    links: pd.DataFrame,
    ends: LinkEnds,
    usable: np.ndarray,
    problems: list[dict[str, object]],
) -> tuple[pd.DataFrame, set[str]]:
    """Camera access links: a camera on one link attaches by it (``single``: one row per camera,
    ``camera, other, link_a, link_b, capacity``); a camera on two or more links, or linked to
    another camera, joins ``graph`` as a node (the returned set)."""
    cam_mask = usable & ~(ends.a_infra & ends.b_infra)
    cam_links = links[cam_mask]
    a_is_cam = ends.a_cam[cam_mask]
    b_is_cam = ends.b_cam[cam_mask]
    a_end = cam_links["a"].to_numpy(dtype=object)
    b_end = cam_links["b"].to_numpy(dtype=object)
    per_camera = pd.DataFrame(
        {
            "camera": np.where(a_is_cam, a_end, b_end),
            "other": np.where(a_is_cam, b_end, a_end),
            "link_a": a_end,
            "link_b": b_end,
            "capacity": cam_links["capacity_mbps"].to_numpy(dtype=float),
            "both_cam": a_is_cam & b_is_cam,
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
    in_graph = per_camera["camera"].isin(list(graph_cameras))
    for cam in sorted(graph_cameras):
        graph.add_node(cam)
    for row in per_camera[in_graph].itertuples(index=False):
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
    return per_camera[~in_graph].drop_duplicates("camera"), graph_cameras


def camera_table(
    inventory: pd.DataFrame,
    inventory_index: pd.Index,
    candidates: np.ndarray,
    names: Mapping[str, str],
    positions: Mapping[str, tuple[float, float]],
    problems: list[dict[str, object]],
) -> tuple[pd.DataFrame, list[str]]:
    """The inventory's cameras, then the topology's cameras it lacks (class unknown), with
    ``point_class`` (0 unknown) and ``unit`` (county code from ``admin_code`` or the ID).
    ``inventory_index`` is the inventory's device IDs (built once: its hash table is reused)."""
    extra_ids = list(
        dict.fromkeys(candidates[positions_in(candidates, inventory_index) < 0].tolist())
    )
    if extra_ids:
        problems.append(topology_only_problem(extra_ids))
        topo_only = pd.DataFrame({"device_id": pd.Series(extra_ids, dtype=object)})
        topo_only["name"] = pd.Series([names.get(c) for c in extra_ids], dtype=object)
        topo_only["lon"] = [positions.get(c, (np.nan, np.nan))[0] for c in extra_ids]
        topo_only["lat"] = [positions.get(c, (np.nan, np.nan))[1] for c in extra_ids]
        table = pd.concat(
            [inventory.assign(in_inventory=True), topo_only.assign(in_inventory=False)],
            ignore_index=True,
        )
    else:  # the columns shared with ``inventory`` (replaced below, never written in place)
        table = inventory.copy(deep=False)
        table.index = pd.RangeIndex(len(table))
        table["in_inventory"] = True
    return class_and_unit(table), extra_ids


def class_and_unit(table: pd.DataFrame) -> pd.DataFrame:
    """``point_class`` (0 unknown) and ``unit`` (county code from ``admin_code`` stripped, as the
    report reads it, or the ID) into ``table`` (the camera table's last step, also run on each block of a streamed inventory)."""
    table["point_class"] = table["point_class"].fillna(0).astype("int64")
    table.loc[~table["point_class"].isin(CLASS_KEYS), "point_class"] = 0
    if isinstance(table["admin_code"].dtype, pd.CategoricalDtype):
        table["unit"] = lean_county(table["admin_code"], table["device_id"])
        return table
    admin = table["admin_code"].astype("string").str.strip().str[:6]
    admin = admin.where(admin.str.len() == 6)
    missing = admin.isna()
    if missing.any():
        ids = table.loc[missing, "device_id"].astype("string")
        valid = ids.str.fullmatch(r"[0-9]{20}").fillna(False).astype(bool)
        admin[missing] = ids.str[:6].where(valid)
    table["unit"] = _text(admin)
    return table


@dataclass
class Attachment:
    """Per camera row: the graph node position (-1 none), the rule (0 none, 1 link, 2 uplink,
    3 parent_id), the link's two ends and its capacity (Mbit/s), and whether it is a graph node."""

    attach_idx: np.ndarray
    via: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray
    link_cap: np.ndarray
    in_graph: np.ndarray

    @classmethod
    def none(cls, count: int) -> Attachment:
        return cls(
            attach_idx=np.full(count, -1, dtype=np.int64),
            via=np.zeros(count, dtype=np.int64),
            link_a=np.full(count, None, dtype=object),
            link_b=np.full(count, None, dtype=object),
            link_cap=np.full(count, np.nan, dtype=float),
            in_graph=np.zeros(count, dtype=bool),
        )


def attach_by_link(
    att: Attachment,
    table: pd.DataFrame,
    single: pd.DataFrame,
    graph_cameras: set[str],
    *,
    node_index: pd.Index,
    inventory_index: pd.Index,
    extra_ids: list[str],
) -> None:
    """Rule 1: the camera's one access link; graph cameras attach to themselves. ``table`` rows
    are the inventory (``inventory_index``) then ``extra_ids``."""
    n_inventory = len(inventory_index)
    single_cameras = single["camera"].to_numpy(dtype=object)
    rows_of_single = positions_in(single_cameras, inventory_index)
    if extra_ids:
        outside = rows_of_single < 0
        rows_of_single[outside] = n_inventory + positions_in(
            single_cameras[outside], pd.Index(extra_ids, dtype=object)
        )
    if len(rows_of_single):
        att.attach_idx[rows_of_single] = positions_in(
            single["other"].to_numpy(dtype=object), node_index
        )
        att.via[rows_of_single] = 1
        att.link_a[rows_of_single] = single["link_a"].to_numpy(dtype=object)
        att.link_b[rows_of_single] = single["link_b"].to_numpy(dtype=object)
        att.link_cap[rows_of_single] = single["capacity"].to_numpy(dtype=float)
    if graph_cameras:
        device = table["device_id"].to_numpy(dtype=object)
        att.in_graph = table["device_id"].isin(list(graph_cameras)).to_numpy(dtype=bool)
        att.attach_idx[att.in_graph] = positions_in(device[att.in_graph], node_index)
        att.via[att.in_graph] = 1


def attach_by_uplink(
    att: Attachment,
    table: pd.DataFrame,
    *,
    node_index: pd.Index,
    problems: list[dict[str, object]],
) -> None:
    """Rule 2: the ``uplink`` field naming a node; an uplink that names none is reported."""
    device = table["device_id"].to_numpy(dtype=object)
    uplink = table["uplink"].to_numpy(dtype=object)
    need = (att.attach_idx < 0) & table["uplink"].notna().to_numpy(dtype=bool)
    codes = positions_in(uplink[need], node_index)
    ok = np.zeros(len(table), dtype=bool)
    ok[np.flatnonzero(need)[codes >= 0]] = True
    att.attach_idx[ok] = codes[codes >= 0]
    att.via[ok] = 2
    att.link_a[ok] = device[ok]
    att.link_b[ok] = uplink[ok]
    bad_uplink = need & ~ok
    if not bad_uplink.any():
        return
    shown = list(zip(device[bad_uplink][:5], uplink[bad_uplink][:5], strict=True))
    problems.append(uplink_problem(int(bad_uplink.sum()), shown))


def attach_by_parent_chain(
    att: Attachment, table: pd.DataFrame, devices: pd.DataFrame, graph: nx.Graph
) -> dict[str, str]:
    """Rule 3: the GB/T 28181 ``parent_id`` chain; devices met on it join ``graph``. Returns the
    kinds of the devices added."""
    chain_kinds: dict[str, str] = {}
    need = (att.attach_idx < 0) & table["parent_id"].notna().to_numpy(dtype=bool)
    if not need.any():
        return chain_kinds
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
    resolved = [walk_parent_chain(pid, parent_of, graph, chain_kinds) for pid in unique]
    order = {n: i for i, n in enumerate(graph.nodes)}
    resolved_idx = np.array([order[r] if r is not None else -1 for r in resolved], dtype=np.int64)
    chain_idx = resolved_idx[pd.Index(unique, dtype=object).get_indexer(parents)]
    got = np.flatnonzero(need)[chain_idx >= 0]
    att.attach_idx[got] = chain_idx[chain_idx >= 0]
    att.via[got] = 3
    att.link_a[got] = table["device_id"].to_numpy(dtype=object)[got]
    return chain_kinds
