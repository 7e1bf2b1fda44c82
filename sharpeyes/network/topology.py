"""Topology input: nodes and links of the video private network, read and validated.

A topology is two frames:

* nodes, columns :data:`sharpeyes.model.columns.NODE_COLUMNS` (``node_id``, ``kind`` a key of
  :data:`sharpeyes.model.codes.NODE_KINDS` or ``<NA>`` when unreadable, ``name``, ``lon``/``lat`` in
  WGS-84 degrees or ``NaN``);
* links, columns :data:`sharpeyes.model.columns.LINK_COLUMNS` (``a``, ``b`` node IDs, ``capacity_mbps``
  in Mbit/s or ``NaN`` when unknown — never 0 for unknown, ``medium``, ``length_m`` in metres).

Every problem found is a row of a problems frame (:data:`PROBLEM_COLUMNS`: file, sheet, row, column,
value, reason, problem code); nothing is dropped silently. Row numbers are those a person sees: the
header is row 1 of a CSV or sheet, the first data row is row 2; in GeoJSON the first feature is row 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import networkx as nx
import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.model.codes import CAMERA_DEVICE_TYPES, NODE_KINDS
from sharpeyes.model.columns import LINK_COLUMNS, NODE_COLUMNS, REJECT_COLUMNS

#: Columns of the problems frame: where (file/sheet/row/column/value), why, and a stable problem code.
PROBLEM_COLUMNS: Final = (*REJECT_COLUMNS, "problem")

#: Problem codes, with the Chinese label used in reports.
PROBLEM_CODES: Final = {
    "unknown_node": "链路端点不存在",
    "self_loop": "自环链路",
    "duplicate_link": "重复链路(已合并)",
    "duplicate_node": "重复节点(已合并)",
    "conflicting_kind": "节点类型冲突",
    "unknown_kind": "节点类型无法识别",
    "missing_node_id": "节点编号缺失",
    "missing_capacity": "链路带宽缺失(负载未知)",
    "bad_value": "数值无法识别",
    "island": "孤立子网(无法到达平台)",
    "multiple_platforms": "存在多个平台",
    "no_platform": "没有平台节点",
    "camera_not_in_inventory": "拓扑中的摄像机不在台账中",
    "camera_uplink_unknown": "摄像机上联节点不存在",
    "camera_multi_homed": "摄像机多上联",
}

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


def empty_problems() -> pd.DataFrame:
    """An empty problems frame."""
    return pd.DataFrame(
        {c: pd.Series(dtype="Int64" if c == "row" else "string") for c in PROBLEM_COLUMNS}
    )


def problems_frame(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Problems frame from dicts with (some of) :data:`PROBLEM_COLUMNS`."""
    rows = list(records)
    if not rows:
        return empty_problems()
    frame = pd.DataFrame(rows)
    for c in PROBLEM_COLUMNS:
        if c not in frame:
            frame[c] = None
    frame = frame[list(PROBLEM_COLUMNS)]
    frame["row"] = pd.to_numeric(frame["row"], errors="coerce").astype("Int64")
    for c in PROBLEM_COLUMNS:
        if c != "row":
            frame[c] = frame[c].map(_text_or_none).astype("string")
    return frame


def _text_or_none(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _looks_like_camera_id(value: str) -> bool:
    return (
        len(value) == 20
        and value.isascii()
        and value.isdigit()
        and value[:2] != "00"
        and int(value[10:13]) in CAMERA_DEVICE_TYPES
    )


# -- file reading ---------------------------------------------------------------------------------


def _read_table(path: Path) -> tuple[pd.DataFrame, str | None, int]:
    """Raw frame of a CSV/XLSX/GeoJSON file, the sheet name, and the row number of the first record."""
    from sharpeyes.ingest.archives import check_archive

    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    check_archive(path)
    if suffix in {".csv", ".txt"}:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise InputError("cannot decode as UTF-8 or GB18030", file=str(path))
        from io import StringIO

        frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        return frame, None, 2
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        with pd.ExcelFile(path, engine="calamine") as book:
            sheet = str(book.sheet_names[0])
            frame = pd.read_excel(book, sheet_name=sheet, dtype=str)
        return frame, sheet, 2
    if suffix in {".geojson", ".json"}:
        return _read_geojson(path), None, 1
    raise InputError(
        f"unsupported topology file type {suffix!r}: use .csv, .xlsx or .geojson", file=str(path)
    )


def _read_geojson(path: Path) -> pd.DataFrame:
    """Properties of a GeoJSON FeatureCollection; Point geometries give ``lon``/``lat`` (WGS-84)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid GeoJSON: {exc}", file=str(path)) from None
    crs_name = ((document.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs_name and not any(t in crs_name.upper() for t in ("4326", "CRS84", "4490")):
        raise InputError(
            f"GeoJSON CRS {crs_name!r} is not WGS-84: reproject to EPSG:4326 (GeoJSON's only CRS)",
            file=str(path),
            field="crs",
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError("GeoJSON has no 'features' list", file=str(path))
    records: list[dict[str, object]] = []
    for feature in features:
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if len(coords) >= 2:
                props.setdefault("lon", coords[0])
                props.setdefault("lat", coords[1])
        records.append({k: (None if v is None else str(v)) for k, v in props.items()})
    return pd.DataFrame(records, dtype=object)


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
    raw_nodes, node_sheet, node_first = _read_table(nodes_path)
    raw_links, link_sheet, link_first = _read_table(links_path)
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
    for needed in ("node_id", "kind"):
        if needed not in nodes:
            raise InputError(
                f"no {needed!r} column (headers: {', '.join(map(str, raw_nodes.columns))})",
                file=nodes_file,
                field=needed,
            )
    for needed in ("a", "b"):
        if needed not in links:
            raise InputError(
                f"no {needed!r} column (headers: {', '.join(map(str, raw_links.columns))})",
                file=links_file,
                field=needed,
            )
    nodes["_row"] = np.arange(len(nodes)) + nodes_first_row
    links["_row"] = np.arange(len(links)) + links_first_row

    def where(file: str, sheet: str | None) -> dict[str, object]:
        return {"file": file, "sheet": sheet}

    # -- nodes ---------------------------------------------------------------------------------
    ids = nodes["node_id"].astype("string").str.strip()
    nodes["node_id"] = ids.where(ids != "")
    for row in nodes.loc[nodes["node_id"].isna(), "_row"]:
        problems.append(
            where(nodes_file, nodes_sheet)
            | {
                "row": int(row),
                "column": "node_id",
                "reason": "node without ID refused",
                "problem": "missing_node_id",
            }
        )
    nodes = nodes[nodes["node_id"].notna()]
    raw_kind = nodes["kind"]
    nodes["kind"] = raw_kind.map(parse_node_kind).astype("string")
    for row, value in zip(
        nodes.loc[nodes["kind"].isna(), "_row"], raw_kind[nodes["kind"].isna()], strict=True
    ):
        problems.append(
            where(nodes_file, nodes_sheet)
            | {
                "row": int(row),
                "column": "kind",
                "value": value,
                "reason": "unreadable node kind (expected camera, access, aggregation, centre or "
                "platform): kept as a transit node of unknown kind",
                "problem": "unknown_kind",
            }
        )
    for column in ("lon", "lat"):
        if column in nodes:
            parsed = pd.to_numeric(nodes[column], errors="coerce")
            bad = parsed.isna() & nodes[column].notna() & (nodes[column].astype("string") != "")
            for row, value in zip(nodes.loc[bad, "_row"], nodes.loc[bad, column], strict=True):
                problems.append(
                    where(nodes_file, nodes_sheet)
                    | {
                        "row": int(row),
                        "column": column,
                        "value": value,
                        "reason": "not a number: position left empty",
                        "problem": "bad_value",
                    }
                )
            nodes[column] = parsed.astype("float64")
        else:
            nodes[column] = np.nan
    if "name" not in nodes:
        nodes["name"] = pd.NA
    duplicated = nodes["node_id"].duplicated(keep="first")
    if duplicated.any():
        first_kind = nodes.drop_duplicates("node_id").set_index("node_id")["kind"]
        first_row = nodes.drop_duplicates("node_id").set_index("node_id")["_row"]
        for node_id, kind, row in zip(
            nodes.loc[duplicated, "node_id"],
            nodes.loc[duplicated, "kind"],
            nodes.loc[duplicated, "_row"],
            strict=True,
        ):
            kept = first_kind[node_id]
            if pd.notna(kind) and pd.notna(kept) and kind != kept:
                problems.append(
                    where(nodes_file, nodes_sheet)
                    | {
                        "row": int(row),
                        "column": "kind",
                        "value": kind,
                        "reason": f"node {node_id} has two kinds: {kept} (row {first_row[node_id]}, "
                        f"kept) and {kind}",
                        "problem": "conflicting_kind",
                    }
                )
            else:
                problems.append(
                    where(nodes_file, nodes_sheet)
                    | {
                        "row": int(row),
                        "column": "node_id",
                        "value": node_id,
                        "reason": f"node listed again (first at row {first_row[node_id]}): merged",
                        "problem": "duplicate_node",
                    }
                )
        nodes = nodes[~duplicated]
    node_rows = dict(zip(nodes["node_id"], nodes["_row"], strict=True))
    kind_of: dict[str, str | None] = {
        str(n): (None if pd.isna(k) else str(k))
        for n, k in zip(nodes["node_id"], nodes["kind"], strict=True)
    }

    # -- links ---------------------------------------------------------------------------------
    for end in ("a", "b"):
        values = links[end].astype("string").str.strip()
        links[end] = values.where(values != "")
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

    keep = np.ones(len(links), dtype=bool)
    a_values = links["a"].tolist()
    b_values = links["b"].tolist()
    rows = links["_row"].tolist()
    for i, (a, b, row) in enumerate(zip(a_values, b_values, rows, strict=True)):
        for end, value in (("a", a), ("b", b)):
            if not endpoint_known(value):
                keep[i] = False
                problems.append(
                    where(links_file, links_sheet)
                    | {
                        "row": int(row),
                        "column": end,
                        "value": None if value is None or value is pd.NA else value,
                        "reason": "link refers to a node that is not in the nodes file (link refused, "
                        "node not invented)"
                        if value is not None and value is not pd.NA
                        else "link end is empty (link refused)",
                        "problem": "unknown_node",
                    }
                )
        if keep[i] and a == b:
            keep[i] = False
            problems.append(
                where(links_file, links_sheet)
                | {
                    "row": int(row),
                    "column": "b",
                    "value": b,
                    "reason": "self-loop: a link from a node to itself (refused)",
                    "problem": "self_loop",
                }
            )
    links = links[keep]
    if "capacity_mbps" in links:
        capacity = pd.to_numeric(links["capacity_mbps"], errors="coerce").astype("float64")
        present = links["capacity_mbps"].notna() & (
            links["capacity_mbps"].astype("string").str.strip() != ""
        )
        bad = (capacity.isna() & present) | (capacity <= 0)
        for row, value in zip(links.loc[bad, "_row"], links.loc[bad, "capacity_mbps"], strict=True):
            problems.append(
                where(links_file, links_sheet)
                | {
                    "row": int(row),
                    "column": "capacity_mbps",
                    "value": value,
                    "reason": "capacity is not a positive number of Mbit/s: load on this link unknown",
                    "problem": "bad_value",
                }
            )
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

    # merge duplicates (unordered pairs), keeping the first known capacity
    lo = np.where(links["a"].to_numpy(dtype=object) <= links["b"].to_numpy(dtype=object), "a", "b")
    a_arr = links["a"].to_numpy(dtype=object)
    b_arr = links["b"].to_numpy(dtype=object)
    first = np.where(lo == "a", a_arr, b_arr)
    second = np.where(lo == "a", b_arr, a_arr)
    links["_pair"] = pd.Series(first, index=links.index).astype(str) + "\x1f" + second.astype(str)
    dup = links["_pair"].duplicated(keep="first")
    if dup.any():
        firsts = links[~dup].set_index("_pair")
        best_capacity = links.groupby("_pair", sort=False)["capacity_mbps"].first()
        for pair, row in zip(links.loc[dup, "_pair"], links.loc[dup, "_row"], strict=True):
            kept_row = firsts.loc[pair, "_row"]
            problems.append(
                where(links_file, links_sheet)
                | {
                    "row": int(row),
                    "column": "a",
                    "value": pair.replace("\x1f", " – "),
                    "reason": f"the same link as row {kept_row}: merged into it",
                    "problem": "duplicate_link",
                }
            )
        links = links[~dup].copy()
        links["capacity_mbps"] = links["_pair"].map(best_capacity).astype("float64")
        missing = links["capacity_mbps"].isna() & missing.reindex(links.index, fill_value=False)
    is_camera_link = links["a"].map(lambda v: kind_of.get(v, "camera") == "camera") | links[
        "b"
    ].map(lambda v: kind_of.get(v, "camera") == "camera")
    infra_missing = missing & ~is_camera_link
    for row in links.loc[infra_missing, "_row"]:
        problems.append(
            where(links_file, links_sheet)
            | {
                "row": int(row),
                "column": "capacity_mbps",
                "reason": "no capacity: the load on this link is unknown (not zero)",
                "problem": "missing_capacity",
            }
        )
    camera_missing = links.loc[missing & is_camera_link, "_row"]
    if len(camera_missing):
        shown = ", ".join(str(r) for r in camera_missing.head(5))
        problems.append(
            where(links_file, links_sheet)
            | {
                "row": int(camera_missing.iloc[0]),
                "column": "capacity_mbps",
                "reason": f"{len(camera_missing)} camera access links have no capacity (rows "
                f"{shown}{', …' if len(camera_missing) > 5 else ''}): their load is unknown",
                "problem": "missing_capacity",
            }
        )

    # -- graph-level problems ------------------------------------------------------------------
    infra = [n for n, k in kind_of.items() if k != "camera"]
    problems.extend(
        structure_problems(
            infra,
            kind_of,
            links[["a", "b"]].itertuples(index=False, name=None),
            node_rows=node_rows,
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


def structure_problems(
    infra: Iterable[str] | nx.Graph,
    kinds: Mapping[str, object],
    edges: Iterable[tuple[str, str]] = (),
    *,
    node_rows: Mapping[str, Any] | None = None,
    nodes_file: str | None = None,
    nodes_sheet: str | None = None,
) -> list[dict[str, object]]:
    """Islands, several platforms, no platform: problems of the infrastructure graph as a whole.

    An island is a connected piece of infrastructure nodes (cameras left out) with no platform in it.
    ``infra`` is the infrastructure graph, or its nodes with ``edges`` the links among them.
    """
    if isinstance(infra, nx.Graph):
        graph = infra
    else:
        graph = nx.Graph()
        graph.add_nodes_from(infra)
        graph.add_edges_from((a, b) for a, b in edges if a in graph and b in graph)
    rows = node_rows or {}
    out: list[dict[str, object]] = []
    platforms = sorted(n for n in graph if kinds.get(n) == "platform")
    base: dict[str, object] = {"file": nodes_file, "sheet": nodes_sheet}
    if not platforms and graph.number_of_nodes():
        out.append(
            base
            | {
                "column": "kind",
                "reason": "no node of kind platform: no camera can reach a platform",
                "problem": "no_platform",
            }
        )
    if len(platforms) > 1:
        for node in platforms[1:]:
            out.append(
                base
                | {
                    "row": rows.get(node),
                    "column": "kind",
                    "value": node,
                    "reason": f"{len(platforms)} platforms ({', '.join(platforms[:5])}): cameras "
                    "count as reaching the platform when they reach any of them",
                    "problem": "multiple_platforms",
                }
            )
    if platforms:
        for component in nx.connected_components(graph):
            if any(kinds.get(n) == "platform" for n in component):
                continue
            members = sorted(component)
            shown = ", ".join(members[:5]) + (", …" if len(members) > 5 else "")
            out.append(
                base
                | {
                    "row": min((int(rows[m]) for m in members if m in rows), default=None),
                    "column": "node_id",
                    "value": members[0],
                    "reason": f"island of {len(members)} node(s) with no link to a platform: {shown}",
                    "problem": "island",
                }
            )
    return out


__all__ = [
    "LINK_HEADER_ALIASES",
    "NODE_HEADER_ALIASES",
    "PROBLEM_CODES",
    "PROBLEM_COLUMNS",
    "empty_problems",
    "parse_node_kind",
    "problems_frame",
    "structure_problems",
    "topology_from_files",
    "topology_from_frames",
]
