"""Topology readers: CSV (UTF-8 and GBK), XLSX and GeoJSON, Chinese headers, and every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sharpeyes._errors import InputError
from sharpeyes.ingest.topology import parse_node_kind, topology_from_files
from sharpeyes.model.columns import LINK_COLUMNS, NODE_COLUMNS

NODES_CSV = """节点编号,节点类型,名称,经度,纬度
P,平台,铁岭市视频共享平台,123.84,42.29
C1,监控中心,银州分局监控中心,123.85,42.30
C2,center,清河分局监控中心,124.1,42.5
G1,汇聚,铜钟街道汇聚,123.86,42.31
A1,接入交换机,新华村接入,123.87,42.32
A1,接入交换机,新华村接入(重复),123.87,42.32
G1,access,冲突,123.86,42.31
X1,接入,孤岛村,abc,42.4
,接入,无编号,123.9,42.4
Q,frobnicator,怪节点,123.9,42.4
P2,平台,第二平台,123.9,42.4
"""

LINKS_CSV = """起点,终点,带宽(Mbps),介质,长度(米)
C1,P,10000,光纤,1200
C2,P,10000,光纤,
C1,C2,1000,光纤,
G1,C1,1000,光纤,
A1,G1,,光纤,
G1,A1,100,光纤,
A1,A1,100,光纤,
A1,NOWHERE,100,光纤,
21120200001320000001,A1,100,网线,
cam-x,A1,100,网线,
Q,P2,-5,光纤,
"""


def _write(tmp_path: Path, nodes: str, links: str, encoding: str = "utf-8") -> tuple[Path, Path]:
    nodes_path = tmp_path / "nodes.csv"
    links_path = tmp_path / "links.csv"
    nodes_path.write_bytes(nodes.encode(encoding))
    links_path.write_bytes(links.encode(encoding))
    return nodes_path, links_path


def _by(problems: pd.DataFrame, code: str) -> pd.DataFrame:
    return problems[problems["problem"] == code]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_every_bad_input_reported(tmp_path: Path, encoding: str) -> None:
    nodes, links, problems = topology_from_files(
        *_write(tmp_path, NODES_CSV, LINKS_CSV, encoding), camera_ids=["cam-x"]
    )
    assert tuple(nodes.columns) == NODE_COLUMNS and tuple(links.columns) == LINK_COLUMNS
    kinds = dict(zip(nodes["node_id"], nodes["kind"], strict=True))
    # first kind kept for G1 (row 5); unreadable kind kept as unknown for Q
    assert kinds["G1"] == "aggregation" and kinds["C2"] == "centre" and pd.isna(kinds["Q"])
    assert list(nodes["node_id"]).count("A1") == 1
    conflict = _by(problems, "conflicting_kind").iloc[0]
    assert (conflict["file"], conflict["row"], conflict["column"]) == ("nodes.csv", 8, "kind")
    assert "G1" in conflict["reason"] and "row 5" in conflict["reason"]
    assert _by(problems, "duplicate_node").iloc[0]["row"] == 7
    assert _by(problems, "missing_node_id").iloc[0]["row"] == 10
    assert _by(problems, "unknown_kind").iloc[0]["value"] == "frobnicator"
    bad_lon = _by(problems, "bad_value")
    assert ("nodes.csv", 9, "lon") in set(
        bad_lon[["file", "row", "column"]].itertuples(index=False, name=None)
    )
    assert np.isnan(nodes.set_index("node_id").loc["X1", "lon"])

    # links: the self-loop and the unknown end refused, not invented; A1–G1 twice merged
    pairs = {frozenset((a, b)) for a, b in links[["a", "b"]].itertuples(index=False)}
    assert frozenset(("A1", "NOWHERE")) not in pairs and "NOWHERE" not in set(nodes["node_id"])
    assert not any(len(p) == 1 for p in pairs)
    unknown = _by(problems, "unknown_node").iloc[0]
    assert (unknown["file"], unknown["row"], unknown["column"], unknown["value"]) == (
        "links.csv",
        9,
        "b",
        "NOWHERE",
    )
    assert _by(problems, "self_loop").iloc[0]["row"] == 8
    duplicate = _by(problems, "duplicate_link").iloc[0]
    assert duplicate["row"] == 7 and "row 6" in duplicate["reason"]
    # merged link keeps the first known capacity (row 7's 100), not zero
    merged = links[links[["a", "b"]].apply(frozenset, axis=1) == frozenset(("A1", "G1"))]
    assert merged["capacity_mbps"].tolist() == [100.0]
    # a GB/T 28181 camera ID and an inventory camera attach by their link
    assert (
        frozenset(("21120200001320000001", "A1")) in pairs and frozenset(("cam-x", "A1")) in pairs
    )
    # -5 Mbit/s is not a capacity: kept as unknown, reported
    neg = links[links["a"] == "Q"]["capacity_mbps"]
    assert neg.isna().all()
    assert ("links.csv", 12, "capacity_mbps") in set(
        _by(problems, "bad_value")[["file", "row", "column"]].itertuples(index=False, name=None)
    )
    # graph-level: X1 and the Q–P2 piece are islands? P2 is a platform, so only X1 is
    islands = _by(problems, "island")
    assert len(islands) == 1 and "X1" in islands.iloc[0]["reason"]
    assert islands.iloc[0]["row"] == 9
    platforms = _by(problems, "multiple_platforms")
    assert len(platforms) == 1 and platforms.iloc[0]["row"] == 12


def test_missing_capacity_is_unknown_not_zero(tmp_path: Path) -> None:
    nodes = "node_id,kind\nP,platform\nA,access\nB,access\n"
    links = "a,b,capacity_mbps\nA,P,\nB,P,1000\n21120200001320000001,A,\n21120200001320000002,A,\n"
    _, frame, problems = topology_from_files(*_write(tmp_path, nodes, links))
    assert np.isnan(frame.loc[frame["a"] == "A", "capacity_mbps"].iloc[0])
    missing = _by(problems, "missing_capacity")
    # one row for the infrastructure link, one summary line for the camera links
    assert list(missing["row"]) == [2, 4]
    assert "2 camera access links" in missing.iloc[1]["reason"]


def test_no_platform_reported(tmp_path: Path) -> None:
    _, _, problems = topology_from_files(
        *_write(tmp_path, "node_id,kind\nA,access\nB,access\n", "a,b\nA,B\n")
    )
    assert "no_platform" in set(problems["problem"])


def test_xlsx_and_geojson(tmp_path: Path) -> None:
    nodes = pd.DataFrame(
        {
            "节点编号": ["P", "A"],
            "节点类型": ["平台", "接入交换机"],
            "名称": ["平台", "接入"],
            "经度": [123.8, 123.9],
            "纬度": [42.3, 42.4],
        }
    )
    nodes.to_excel(tmp_path / "nodes.xlsx", index=False, sheet_name="节点")
    pd.DataFrame({"起点": ["A", "A"], "终点": ["P", "Z"], "带宽": [1000, 10]}).to_excel(
        tmp_path / "links.xlsx", index=False, sheet_name="链路"
    )
    out_nodes, out_links, problems = topology_from_files(
        tmp_path / "nodes.xlsx", tmp_path / "links.xlsx"
    )
    assert list(out_nodes["kind"]) == ["platform", "access"]
    assert out_links["capacity_mbps"].tolist() == [1000.0]
    bad = problems.iloc[0]
    assert (bad["file"], bad["sheet"], bad["row"], bad["column"]) == ("links.xlsx", "链路", 3, "b")

    geo_nodes = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [123.8, 42.3]},
                "properties": {"node_id": "P", "kind": "platform"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [123.9, 42.4]},
                "properties": {"node_id": "A", "kind": "access"},
            },
        ],
    }
    geo_links = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[123.9, 42.4], [123.8, 42.3]]},
                "properties": {"a": "A", "b": "P", "capacity_mbps": 100},
            }
        ],
    }
    (tmp_path / "n.geojson").write_text(json.dumps(geo_nodes))
    (tmp_path / "l.geojson").write_text(json.dumps(geo_links))
    out_nodes, out_links, problems = topology_from_files(
        tmp_path / "n.geojson", tmp_path / "l.geojson"
    )
    assert out_nodes.set_index("node_id").loc["A", ["lon", "lat"]].tolist() == [123.9, 42.4]
    assert len(out_links) == 1 and problems.empty


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "n.csv").write_text("id_wrong,kind\nP,platform\n")
    (tmp_path / "l.csv").write_text("a,b\n")
    with pytest.raises(InputError, match=r"n\.csv.*node_id"):
        topology_from_files(tmp_path / "n.csv", tmp_path / "l.csv")
    (tmp_path / "t.txt.shp").write_text("")
    with pytest.raises(InputError, match="unsupported"):
        topology_from_files(tmp_path / "t.txt.shp", tmp_path / "l.csv")
    with pytest.raises(FileNotFoundError):
        topology_from_files(tmp_path / "absent.csv", tmp_path / "l.csv")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("平台", "platform"),
        ("监控中心", "centre"),
        ("Center", "centre"),
        ("汇聚交换机", "aggregation"),
        ("NVR", "access"),
        ("摄像机", "camera"),
        ("router?", None),
        (None, None),
    ],
)
def test_parse_node_kind(text: str | None, kind: str | None) -> None:
    assert parse_node_kind(text) == kind
