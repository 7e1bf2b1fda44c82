"""Problems of a network topology: the frame every topology problem is a row of, the problem codes,
and the whole-graph rules (islands, platforms) that both the topology reader and the network check
report.

The canonical topology itself is two frames, :data:`sharpeyes.model.columns.NODE_COLUMNS` and
:data:`~sharpeyes.model.columns.LINK_COLUMNS`; positions are WGS-84 degrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import networkx as nx
import pandas as pd

from sharpeyes.model.columns import REJECT_COLUMNS

__all__ = [
    "PROBLEM_CODES",
    "PROBLEM_COLUMNS",
    "empty_problems",
    "problems_frame",
    "structure_problems",
]

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
    "duplicate_camera": "台账设备编码重复(去空格后相同,保留第一条)",
}


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
    platforms = sorted(n for n in graph if kinds.get(n) == "platform")
    base: dict[str, object] = {"file": nodes_file, "sheet": nodes_sheet}
    out: list[dict[str, object]] = []
    if not platforms and graph.number_of_nodes():
        out.append(
            base
            | {
                "column": "kind",
                "reason": "no node of kind platform: no camera can reach a platform",
                "problem": "no_platform",
            }
        )
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
        out.extend(base | island for island in _islands(graph, kinds, rows))
    return out


def _islands(
    graph: nx.Graph, kinds: Mapping[str, object], rows: Mapping[str, Any]
) -> Iterable[dict[str, object]]:
    for component in nx.connected_components(graph):
        if any(kinds.get(n) == "platform" for n in component):
            continue
        members = sorted(component)
        shown = ", ".join(members[:5]) + (", …" if len(members) > 5 else "")
        yield {
            "row": min((int(rows[m]) for m in members if m in rows), default=None),
            "column": "node_id",
            "value": members[0],
            "reason": f"island of {len(members)} node(s) with no link to a platform: {shown}",
            "problem": "island",
        }
