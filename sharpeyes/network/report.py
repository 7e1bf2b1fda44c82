"""Writing the network report: JSON document and an Excel workbook with Chinese headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pandas as pd

from sharpeyes.model.codes import NODE_KINDS, label
from sharpeyes.model.sheets import frames_to_xlsx
from sharpeyes.model.topology import PROBLEM_CODES
from sharpeyes.network.check import NetworkCheck

_CLASS_ZH: Final = {
    "class_1": "一类",
    "class_2": "二类",
    "class_3": "三类",
    "class_4": "公安内部",
    "class_9": "其他",
    "class_unknown": "类型未知",
}

HEADERS_ZH: Final = (
    {
        "device_id": "设备编码",
        "point_class": "监控点位类型",
        "unit": "行政区划代码",
        "networked": "登记联网属性",
        "attach": "接入节点",
        "attach_via": "接入依据",
        "has_path": "实际可达平台",
        "hops": "跳数",
        "platform": "平台",
        "centre": "所属监控中心",
        "finding": "核对结论",
        "cameras": "摄像机数",
        "networked_registry": "登记已联网",
        "networked_unknown": "联网属性未知",
        "networked_graph": "拓扑可达",
        "rate_registry": "登记联网率",
        "rate_graph": "拓扑联网率",
        "node": "节点编号",
        "kind": "节点类型",
        "name": "名称",
        "cameras_cut_off": "故障时失联摄像机数",
        "a": "端点A",
        "b": "端点B",
        "upper": "上联端",
        "link": "链路类别",
        "capacity_mbps": "带宽(Mbit/s)",
        "load_mbps": "负载(Mbit/s)",
        "utilisation": "利用率",
        "overloaded": "超过阈值",
        "on_route": "承载业务",
        "uplink": "唯一上联节点",
        "cameras_behind": "下挂摄像机数",
        "cameras_home": "归属摄像机数",
        "cameras_through": "经由摄像机数",
        "file": "文件",
        "sheet": "工作表",
        "row": "行号",
        "column": "字段",
        "value": "值",
        "reason": "原因",
        "problem": "问题类型",
        "item": "项目",
    }
    | _CLASS_ZH
    | {f"home_{k}": f"归属{v}" for k, v in _CLASS_ZH.items()}
)

_SUMMARY_ZH: Final = {
    "cameras": "台账摄像机数",
    "cameras_only_in_topology": "仅在拓扑中的摄像机数",
    "cameras_with_path": "可达平台的摄像机数",
    "cameras_networked_registry": "登记已联网摄像机数",
    "cameras_networked_unknown_with_path": "联网属性未知但可达",
    "networked_without_path": "登记联网但不可达",
    "path_but_not_networked": "可达但登记未联网",
    "links": "基础链路数",
    "links_unknown_capacity": "带宽未知链路数",
    "platforms": "平台",
    "single_points_of_failure": "单点故障节点数",
    "bridges": "单点故障链路数",
    "overloaded_links": "超负荷链路数",
    "overload_threshold": "负荷告警阈值",
    "resolution_assumed": "分辨率未知(按默认计)摄像机数",
    "codec_assumed": "编码格式未知(按默认计)摄像机数",
    "problems": "拓扑问题数",
}


def write_json(document: dict[str, Any], path: str | Path) -> Path:
    """Write the report document as UTF-8 JSON."""
    target = Path(path)
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def _zh(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "kind" in out:
        out["kind"] = out["kind"].map(lambda k: label(NODE_KINDS, k) if isinstance(k, str) else "")
    if "attach_via" in out:
        out["attach_via"] = out["attach_via"].map(
            {"link": "链路", "uplink": "上联节点字段", "parent_id": "国标父节点"}
        )
    if "problem" in out:
        out["problem"] = out["problem"].map(lambda p: PROBLEM_CODES.get(str(p), p))
    return out.rename(columns=HEADERS_ZH)


def write_xlsx(check: NetworkCheck, path: str | Path) -> Path:
    """Write the report as an Excel workbook with Chinese headers, one sheet per check.

    Sheets: 概要, 联网核对 (networked without path / path but not networked), 联网率 (per county and
    class), 单点故障节点, 单点故障链路, 单上联节点, 链路负载 (infrastructure links, then overloaded
    camera links), 监控中心, 拓扑问题. Utilisation is a fraction (1.0 = 100 %).
    """
    target = Path(path)
    summary = check.summary()
    summary_rows = [
        (_SUMMARY_ZH.get(k, k), ", ".join(v) if isinstance(v, list) else str(v))
        for k, v in summary.items()
        if not isinstance(v, dict)
    ]
    reach = check.reach
    without = reach[reach["device_id"].isin(set(check.networked_without_path))].assign(
        finding="登记联网但无到平台的路径"
    )
    extra = reach[reach["device_id"].isin(set(check.path_but_not_networked))].assign(
        finding="有到平台的路径但登记未联网"
    )
    mismatch = pd.concat([without, extra], ignore_index=True).drop(columns=["in_inventory"])
    mismatch["networked"] = mismatch["networked"].map(
        lambda v: "" if v is pd.NA else ("已联网" if v else "未联网")
    )
    loads = pd.concat(
        [
            check.link_load.assign(link="基础链路"),
            check.access_overloaded.assign(link="摄像机接入链路"),
        ],
        ignore_index=True,
    )[
        [
            "a",
            "b",
            "link",
            "upper",
            "capacity_mbps",
            "load_mbps",
            "utilisation",
            "cameras",
            "on_route",
            "overloaded",
        ]
    ]
    sheets = {
        "概要": pd.DataFrame(summary_rows, columns=["项目", "值"]),
        "联网核对": _zh(mismatch),
        "联网率": _zh(check.rates),
        "单点故障节点": _zh(check.spof),
        "单点故障链路": _zh(check.bridges),
        "单上联节点": _zh(check.single_uplink),
        "链路负载": _zh(loads.sort_values("utilisation", ascending=False, na_position="last")),
        "监控中心": _zh(check.centres),
        "拓扑问题": _zh(check.network.problems),
    }
    frames_to_xlsx(sheets, target)
    return target
