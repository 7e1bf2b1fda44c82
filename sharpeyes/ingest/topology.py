"""Topology input: nodes and links of the video private network, read from files and validated.

A topology is two frames:

* nodes, columns :data:`sharpeyes.model.columns.NODE_COLUMNS` (``node_id``, ``kind`` a key of
  :data:`sharpeyes.model.codes.NODE_KINDS` or ``<NA>`` when unreadable, ``name``, ``lon``/``lat`` in
  WGS-84 degrees or ``NaN``);
* links, columns :data:`sharpeyes.model.columns.LINK_COLUMNS` (``a``, ``b`` node IDs, ``capacity_mbps``
  in Mbit/s or ``NaN`` when unknown — never 0 for unknown, ``medium``, ``length_m`` in metres).

Every problem found is a row of a problems frame (:data:`sharpeyes.model.topology.PROBLEM_COLUMNS`:
file, sheet, row, column, value, reason, problem code); nothing is dropped silently. Row numbers are
those a person sees: the header is row 1 of a CSV or sheet, the first data row is row 2; in GeoJSON
the first feature is row 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.topology_files import read_topology_table
from sharpeyes.model.codes import CAMERA_DEVICE_TYPES, NODE_KINDS
from sharpeyes.model.columns import LINK_COLUMNS, NODE_COLUMNS
from sharpeyes.model.topology import PROBLEM_COLUMNS, problems_frame, structure_problems

__all__ = [
    "LINK_HEADER_ALIASES",
    "NODE_HEADER_ALIASES",
    "PROBLEM_COLUMNS",
    "parse_node_kind",
    "topology_from_files",
    "topology_from_frames",
]

#: Header aliases (lower-cased, spaces removed) → canonical node column.
NODE_HEADER_ALIASES: Final = {
    "node_id": "node_id",
    "nodeid": "node_id",
    "id": "node_id",
    "node": "node_id",
    "节点编号": "node_id",
    "节点id": "node_id",
    "节点编码": "node_id",
    "设备编码": "node_id",
    "国标编码": "node_id",
    "编号": "node_id",
    "kind": "kind",
    "type": "kind",
    "节点类型": "kind",
    "类型": "kind",
    "设备类型": "kind",
    "name": "name",
    "名称": "name",
    "节点名称": "name",
    "设备名称": "name",
    "lon": "lon",
    "lng": "lon",
    "longitude": "lon",
    "x": "lon",
    "经度": "lon",
    "lat": "lat",
    "latitude": "lat",
    "y": "lat",
    "纬度": "lat",
}

#: Header aliases (lower-cased, spaces removed) → canonical link column.
LINK_HEADER_ALIASES: Final = {
    "a": "a",
    "from": "a",
    "source": "a",
    "node_a": "a",
    "a端": "a",
    "端点a": "a",
    "起点": "a",
    "起点节点": "a",
    "本端": "a",
    "下联节点": "a",
    "b": "b",
    "to": "b",
    "target": "b",
    "node_b": "b",
    "b端": "b",
    "端点b": "b",
    "终点": "b",
    "终点节点": "b",
    "对端": "b",
    "上联节点": "b",
    "capacity_mbps": "capacity_mbps",
    "capacity": "capacity_mbps",
    "bandwidth": "capacity_mbps",
    "bandwidth_mbps": "capacity_mbps",
    "带宽": "capacity_mbps",
    "带宽(mbps)": "capacity_mbps",
    "带宽(mbit/s)": "capacity_mbps",
    "带宽（mbps）": "capacity_mbps",
    "链路带宽": "capacity_mbps",
    "容量": "capacity_mbps",
    "容量(mbps)": "capacity_mbps",
    "medium": "medium",
    "介质": "medium",
    "传输介质": "medium",
    "链路类型": "medium",
    "length_m": "length_m",
    "length": "length_m",
    "长度": "length_m",
    "长度(米)": "length_m",
    "长度(m)": "length_m",
    "长度（米）": "length_m",
}

#: Spellings of node kinds → ``NODE_KINDS`` key. NVRs, DVRs, encoders and gateways hang cameras on
#: the network the way an access switch does, so they read as ``access``.
_KIND_WORDS: Final = {
    **{str(k): str(k) for k in NODE_KINDS},
    **{c.zh: str(c.code) for c in NODE_KINDS.values()},
    "center": "centre",
    "monitoring centre": "centre",
    "monitoring center": "centre",
    "前端": "camera",
    "摄像头": "camera",
    "ipc": "camera",
    "接入": "access",
    "接入层": "access",
    "接入节点": "access",
    "access switch": "access",
    "switch": "access",
    "交换机": "access",
    "nvr": "access",
    "dvr": "access",
    "编码器": "access",
    "汇聚": "aggregation",
    "汇聚层": "aggregation",
    "汇聚交换机": "aggregation",
    "agg": "aggregation",
    "核心": "centre",
    "中心": "centre",
    "分控中心": "centre",
    "监控分中心": "centre",
    "视频监控中心": "centre",
    "平台": "platform",
    "视频平台": "platform",
    "市级平台": "platform",
    "共享平台": "platform",
    "视频共享平台": "platform",
    "sip server": "platform",
}


def parse_node_kind(value: object) -> str | None:
    """A ``NODE_KINDS`` key from a code or word (摄像机, 接入交换机, 汇聚, 监控中心, 平台, NVR …); ``None`` if unreadable."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip().lower()
    return _KIND_WORDS.get(text) or _KIND_WORDS.get(text.replace(" ", ""))


def _looks_like_camera_id(value: str) -> bool:
    return (
        len(value) == 20
        and value.isascii()
        and value.isdigit()
        and value[:2] != "00"
        and int(value[10:13]) in CAMERA_DEVICE_TYPES
    )


def _canonical_headers(frame: pd.DataFrame, aliases: Mapping[str, str]) -> pd.DataFrame:
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for column in frame.columns:
        key = str(column).strip().lower().replace(" ", "")
        target = aliases.get(key)
        if target is not None and target not in taken:
            renames[column] = target
            taken.add(target)
    return frame.rename(columns=renames)


def topology_from_files(
    nodes_path: str | Path,
    links_path: str | Path,
    *,
    camera_ids: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read and validate a topology from CSV (UTF-8 or GBK), XLSX (first sheet) or GeoJSON files.

    Parameters
    ----------
    nodes_path, links_path
        Files of nodes (``node_id, kind, name, lon, lat``; Chinese headers such as 节点编号, 节点类型,
        名称, 经度, 纬度 accepted; GeoJSON Point geometry gives lon/lat in WGS-84) and of links
        (``a, b, capacity_mbps, medium, length_m``; 起点/终点, 带宽(Mbps), 介质, 长度(米) accepted).
    camera_ids
        Device IDs of the inventory. A link endpoint that is not a node but is one of these, or is a
        valid GB/T 28181 camera ID (type 130–132), is a camera attached by that link (checked against
        the inventory when the network is checked). Any other unknown endpoint refuses the link.

    Returns
    -------
    nodes, links, problems
        Canonical frames (see the module docstring) and every problem, with file, row and field.
    """
    nodes_path, links_path = Path(nodes_path), Path(links_path)
    raw_nodes, node_sheet, node_first = read_topology_table(nodes_path)
    raw_links, link_sheet, link_first = read_topology_table(links_path)
    return topology_from_frames(
        raw_nodes,
        raw_links,
        camera_ids=camera_ids,
        nodes_file=nodes_path.name,
        links_file=links_path.name,
        nodes_sheet=node_sheet,
        links_sheet=link_sheet,
        nodes_first_row=node_first,
        links_first_row=link_first,
    )


@dataclass(frozen=True)
class _Source:
    """Where the rows of one table came from, for the problems found in them."""

    file: str
    sheet: str | None

    def problem(
        self, row: object, column: str, reason: str, code: str, value: object = None
    ) -> dict[str, object]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": None if row is None else int(row),  # type: ignore[call-overload]
            "column": column,
            "value": value,
            "reason": reason,
            "problem": code,
        }


def _require(frame: pd.DataFrame, raw: pd.DataFrame, columns: tuple[str, ...], file: str) -> None:
    for needed in columns:
        if needed not in frame:
            raise InputError(
                f"no {needed!r} column (headers: {', '.join(map(str, raw.columns))})",
                file=file,
                field=needed,
            )


# -- nodes ------------------------------------------------------------------------------------------


def _nodes_with_ids(
    nodes: pd.DataFrame, src: _Source, problems: list[dict[str, object]]
) -> pd.DataFrame:
    ids = nodes["node_id"].astype("string").str.strip()
    nodes["node_id"] = ids.where(ids != "")
    for row in nodes.loc[nodes["node_id"].isna(), "_row"]:
        problems.append(src.problem(row, "node_id", "node without ID refused", "missing_node_id"))
    return nodes[nodes["node_id"].notna()]


def _nodes_with_kinds(
    nodes: pd.DataFrame, src: _Source, problems: list[dict[str, object]]
) -> pd.DataFrame:
    raw_kind = nodes["kind"]
    nodes["kind"] = raw_kind.map(parse_node_kind).astype("string")
    unread = nodes["kind"].isna()
    for row, value in zip(nodes.loc[unread, "_row"], raw_kind[unread], strict=True):
        problems.append(
            src.problem(
                row,
                "kind",
                "unreadable node kind (expected camera, access, aggregation, centre or "
                "platform): kept as a transit node of unknown kind",
                "unknown_kind",
                value,
            )
        )
    return nodes


def _nodes_with_positions(
    nodes: pd.DataFrame, src: _Source, problems: list[dict[str, object]]
) -> pd.DataFrame:
    for column in ("lon", "lat"):
        if column not in nodes:
            nodes[column] = np.nan
            continue
        parsed = pd.to_numeric(nodes[column], errors="coerce")
        bad = parsed.isna() & nodes[column].notna() & (nodes[column].astype("string") != "")
        for row, value in zip(nodes.loc[bad, "_row"], nodes.loc[bad, column], strict=True):
            problems.append(
                src.problem(row, column, "not a number: position left empty", "bad_value", value)
            )
        nodes[column] = parsed.astype("float64")
    if "name" not in nodes:
        nodes["name"] = pd.NA
    return nodes


def _merge_duplicate_nodes(
    nodes: pd.DataFrame, src: _Source, problems: list[dict[str, object]]
) -> pd.DataFrame:
    """The first row of a repeated node ID is kept; another kind in a later row is a conflict."""
    duplicated = nodes["node_id"].duplicated(keep="first")
    if not duplicated.any():
        return nodes
    firsts = nodes.drop_duplicates("node_id").set_index("node_id")
    first_kind, first_row = firsts["kind"], firsts["_row"]
    for node_id, kind, row in zip(
        nodes.loc[duplicated, "node_id"],
        nodes.loc[duplicated, "kind"],
        nodes.loc[duplicated, "_row"],
        strict=True,
    ):
        kept = first_kind[node_id]
        if pd.notna(kind) and pd.notna(kept) and kind != kept:
            reason = (
                f"node {node_id} has two kinds: {kept} (row {first_row[node_id]}, kept) and {kind}"
            )
            problems.append(src.problem(row, "kind", reason, "conflicting_kind", kind))
        else:
            reason = f"node listed again (first at row {first_row[node_id]}): merged"
            problems.append(src.problem(row, "node_id", reason, "duplicate_node", node_id))
    return nodes[~duplicated]


# -- links ------------------------------------------------------------------------------------------


def _endpoint_test(
    kind_of: Mapping[str, str | None], camera_ids: Iterable[str] | None
) -> Callable[[object], bool]:
    """Whether a link end is a node, an inventory camera, or a valid GB/T 28181 camera ID."""
    known_cameras = set(camera_ids) if camera_ids is not None else None

    def endpoint_known(value: object) -> bool:
        if value is None or value is pd.NA:
            return False
        text = str(value)
        if text in kind_of:
            return True
        if known_cameras is not None and text in known_cameras:
            return True
        return _looks_like_camera_id(text)

    return endpoint_known


def _links_with_known_ends(
    links: pd.DataFrame,
    endpoint_known: Callable[[object], bool],
    src: _Source,
    problems: list[dict[str, object]],
) -> pd.DataFrame:
    """Links to unknown nodes and self-loops refused (never a node invented)."""
    for end in ("a", "b"):
        values = links[end].astype("string").str.strip()
        links[end] = values.where(values != "")
    keep = np.ones(len(links), dtype=bool)
    rows = zip(links["a"].tolist(), links["b"].tolist(), links["_row"].tolist(), strict=True)
    for i, (a, b, row) in enumerate(rows):
        for end, value in (("a", a), ("b", b)):
            if endpoint_known(value):
                continue
            keep[i] = False
            blank = value is None or value is pd.NA
            reason = (
                "link end is empty (link refused)"
                if blank
                else "link refers to a node that is not in the nodes file (link refused, "
                "node not invented)"
            )
            problems.append(src.problem(row, end, reason, "unknown_node", None if blank else value))
        if keep[i] and a == b:
            keep[i] = False
            reason = "self-loop: a link from a node to itself (refused)"
            problems.append(src.problem(row, "b", reason, "self_loop", b))
    return links[keep]


def _links_with_capacities(
    links: pd.DataFrame, src: _Source, problems: list[dict[str, object]]
) -> tuple[pd.DataFrame, pd.Series]:
    """Capacities in Mbit/s (``NaN`` unknown, never 0), lengths and media; and which links have no
    capacity at all (an unreadable one is reported apart)."""
    if "capacity_mbps" in links:
        capacity = pd.to_numeric(links["capacity_mbps"], errors="coerce").astype("float64")
        present = links["capacity_mbps"].notna() & (
            links["capacity_mbps"].astype("string").str.strip() != ""
        )
        bad = (capacity.isna() & present) | (capacity <= 0)
        for row, value in zip(links.loc[bad, "_row"], links.loc[bad, "capacity_mbps"], strict=True):
            reason = "capacity is not a positive number of Mbit/s: load on this link unknown"
            problems.append(src.problem(row, "capacity_mbps", reason, "bad_value", value))
        capacity = capacity.where(~bad)
        missing = capacity.isna() & ~bad
        links["capacity_mbps"] = capacity
    else:
        links["capacity_mbps"] = np.nan
        missing = pd.Series(True, index=links.index)
    if "length_m" in links:
        links["length_m"] = pd.to_numeric(links["length_m"], errors="coerce").astype("float64")
    else:
        links["length_m"] = np.nan
    if "medium" not in links:
        links["medium"] = pd.NA
    return links, missing


def _merge_duplicate_links(
    links: pd.DataFrame, missing: pd.Series, src: _Source, problems: list[dict[str, object]]
) -> tuple[pd.DataFrame, pd.Series]:
    """A repeated link (either direction) merged into the first, keeping the first known capacity."""
    a_arr = links["a"].to_numpy(dtype=object)
    b_arr = links["b"].to_numpy(dtype=object)
    a_first = a_arr <= b_arr
    first = np.where(a_first, a_arr, b_arr)
    second = np.where(a_first, b_arr, a_arr)
    links["_pair"] = pd.Series(first, index=links.index).astype(str) + "\x1f" + second.astype(str)
    dup = links["_pair"].duplicated(keep="first")
    if not dup.any():
        return links, missing
    firsts = links[~dup].set_index("_pair")
    best_capacity = links.groupby("_pair", sort=False)["capacity_mbps"].first()
    for pair, row in zip(links.loc[dup, "_pair"], links.loc[dup, "_row"], strict=True):
        reason = f"the same link as row {firsts.loc[pair, '_row']}: merged into it"
        problems.append(
            src.problem(row, "a", reason, "duplicate_link", pair.replace("\x1f", " – "))
        )
    links = links[~dup].copy()
    links["capacity_mbps"] = links["_pair"].map(best_capacity).astype("float64")
    missing = links["capacity_mbps"].isna() & missing.reindex(links.index, fill_value=False)
    return links, missing


def _missing_capacity_problems(
    links: pd.DataFrame,
    missing: pd.Series,
    kind_of: Mapping[str, str | None],
    src: _Source,
) -> list[dict[str, object]]:
    """One problem per infrastructure link without capacity; one line for all camera links."""
    is_camera_link = links["a"].map(lambda v: kind_of.get(v, "camera") == "camera") | links[
        "b"
    ].map(lambda v: kind_of.get(v, "camera") == "camera")
    out = [
        src.problem(
            row,
            "capacity_mbps",
            "no capacity: the load on this link is unknown (not zero)",
            "missing_capacity",
        )
        for row in links.loc[missing & ~is_camera_link, "_row"]
    ]
    camera_missing = links.loc[missing & is_camera_link, "_row"]
    if len(camera_missing):
        shown = ", ".join(str(r) for r in camera_missing.head(5))
        reason = (
            f"{len(camera_missing)} camera access links have no capacity (rows "
            f"{shown}{', …' if len(camera_missing) > 5 else ''}): their load is unknown"
        )
        out.append(src.problem(camera_missing.iloc[0], "capacity_mbps", reason, "missing_capacity"))
    return out


def topology_from_frames(
    raw_nodes: pd.DataFrame,
    raw_links: pd.DataFrame,
    *,
    camera_ids: Iterable[str] | None = None,
    nodes_file: str = "nodes",
    links_file: str = "links",
    nodes_sheet: str | None = None,
    links_sheet: str | None = None,
    nodes_first_row: int = 2,
    links_first_row: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Validate raw node and link tables (any header spelling of the aliases) into canonical frames.

    Rules, each reported as a problem with file/row/field:

    * a node without ID is refused; a repeated node ID with the same kind is merged; with another kind
      (``conflicting_kind``) the first row's kind is kept; an unreadable kind is kept as ``<NA>``
      (the node still carries traffic, it is just not counted as any kind);
    * a link to an unknown node is refused (``unknown_node``), never invented; a self-loop is refused;
      a repeated link (either direction) is merged into the first one (``duplicate_link``), keeping the
      first known capacity;
    * a link without a readable capacity keeps ``NaN`` (``missing_capacity``): its load is unknown, not
      zero. Camera access links without capacity are reported in one line (there may be millions);
    * infrastructure nodes in a connected piece without a platform (``island``), more than one
      platform (``multiple_platforms``) and no platform at all (``no_platform``) are reported.
    """
    problems: list[dict[str, object]] = []
    nodes = _canonical_headers(raw_nodes.copy(), NODE_HEADER_ALIASES)
    links = _canonical_headers(raw_links.copy(), LINK_HEADER_ALIASES)
    _require(nodes, raw_nodes, ("node_id", "kind"), nodes_file)
    _require(links, raw_links, ("a", "b"), links_file)
    nodes["_row"] = np.arange(len(nodes)) + nodes_first_row
    links["_row"] = np.arange(len(links)) + links_first_row
    node_src, link_src = _Source(nodes_file, nodes_sheet), _Source(links_file, links_sheet)

    nodes = _nodes_with_ids(nodes, node_src, problems)
    nodes = _nodes_with_kinds(nodes, node_src, problems)
    nodes = _nodes_with_positions(nodes, node_src, problems)
    nodes = _merge_duplicate_nodes(nodes, node_src, problems)
    kind_of: dict[str, str | None] = {
        str(n): (None if pd.isna(k) else str(k))
        for n, k in zip(nodes["node_id"], nodes["kind"], strict=True)
    }

    links = _links_with_known_ends(links, _endpoint_test(kind_of, camera_ids), link_src, problems)
    links, missing = _links_with_capacities(links, link_src, problems)
    links, missing = _merge_duplicate_links(links, missing, link_src, problems)
    problems.extend(_missing_capacity_problems(links, missing, kind_of, link_src))

    problems.extend(
        structure_problems(
            [n for n, k in kind_of.items() if k != "camera"],
            kind_of,
            links[["a", "b"]].itertuples(index=False, name=None),
            node_rows=dict(zip(nodes["node_id"], nodes["_row"], strict=True)),
            nodes_file=nodes_file,
            nodes_sheet=nodes_sheet,
        )
    )
    out_nodes = nodes[list(NODE_COLUMNS)].reset_index(drop=True)
    out_nodes["node_id"] = out_nodes["node_id"].astype("string")
    out_nodes["name"] = out_nodes["name"].astype("string")
    out_links = links[list(LINK_COLUMNS)].reset_index(drop=True)
    for c in ("a", "b", "medium"):
        out_links[c] = out_links[c].astype("string")
    return out_nodes, out_links, problems_frame(problems)
