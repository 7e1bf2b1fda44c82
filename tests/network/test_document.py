"""The report document built column-wise (``network/document.py``) has the values of the
record-by-record builder it replaced (``network/document_reference.py``), key for key, number
type for number type: on a seeded city with NaN capacities and names, nodes and cameras without
a position, Chinese names and overloaded camera links, and on hypothesis' random topologies."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given

from sharpeyes.model.jsonable import dumps_compact, loads
from sharpeyes.network import check_network
from sharpeyes.network.check import NetworkCheck
from sharpeyes.network.document_reference import document_reference
from tests.network.test_csgraph_properties import _SETTINGS, topologies


def _canonical(document: Any) -> str:
    """The document's values as text with sorted keys (``1`` and ``1.0`` differ)."""
    return json.dumps(loads(dumps_compact(document)), sort_keys=True, ensure_ascii=False)


def _awkward_city(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    switches = [f"S{i}" for i in range(40)]
    ids = ["P0", "C0", "C1", "I0", "I1", *switches]  # I0–I1: an island, no path to a platform
    kinds = ["platform", "centre", "centre", "aggregation", "access"]
    kinds += list(rng.choice(["aggregation", "access"], 40))
    names: list[Any] = ["省级平台", "中心机房（东）", "中心机房（西）", "孤岛汇聚", "孤岛接入"]
    names += [f"接入交换机-{i}号" if i % 5 else np.nan for i in range(40)]
    nodes = pd.DataFrame({"node_id": ids, "kind": kinds, "name": names})
    nodes.loc[10, "kind"] = None  # a node of no known kind
    nodes["lon"] = 123.0 + rng.random(len(ids)) / 3
    nodes["lat"] = 41.0 + rng.random(len(ids)) / 3
    nodes.loc[[7, 12, 23], ["lon", "lat"]] = np.nan  # no position: no feature, still in the lists
    a = ["C0", "C1", "C0", "I1", *switches]
    b = ["P0", "P0", "C1", "I0"] + [str(rng.choice(["C0", "C1", *switches[:i]])) for i in range(40)]
    capacity = [10000.0, 10000.0, 1000.0, 100.0]
    capacity += list(rng.choice([1000.0, 40.0, 8.0, np.nan], 40))
    cameras = 300
    device = [f"3402000000132{i:07d}" for i in range(cameras)]
    uplink = rng.choice(["I1", *switches], cameras)
    by_link = rng.random(cameras) < 0.3
    a += [d for d, k in zip(device, by_link, strict=True) if k]
    b += [str(u) for u, k in zip(uplink, by_link, strict=True) if k]
    capacity += list(rng.choice([2.0, 100.0, np.nan], int(by_link.sum())))  # some overloaded
    links = pd.DataFrame({"a": a, "b": b, "capacity_mbps": capacity, "medium": "fibre"})
    links["length_m"] = np.nan
    lon = 123.0 + rng.random(cameras) / 3
    lon[::7] = np.nan  # cameras without a position
    inventory = pd.DataFrame(
        {
            "device_id": device,
            "name": [f"东大街{i}号路口" for i in range(cameras)],
            "point_class": rng.choice(np.array([1, 2, 3, 4, 9, None], dtype=object), cameras),
            "networked": pd.array(rng.choice([True, False, None], cameras), dtype="boolean"),
            "admin_code": rng.choice(["211202", "211204"], cameras),
            "resolution": rng.choice(np.array([720, 1080, 2160, None], dtype=object), cameras),
            "codec": rng.choice(np.array(["H.264", "H.265", None], dtype=object), cameras),
            "uplink": pd.array(
                [None if k else str(u) for u, k in zip(uplink, by_link, strict=True)], "string"
            ),
            "lon": lon,
            "lat": 41.0 + rng.random(cameras) / 3,
        }
    )
    return nodes, links, inventory


def _same_document(result: NetworkCheck) -> dict[str, Any]:
    new = result.document()
    assert _canonical(new) == _canonical(document_reference(result))
    assert loads(result.document_text(with_layers=False)) == {
        k: v for k, v in new.items() if k != "layers"
    }
    assert result.layers() == new["layers"]
    return new


def test_document_equals_the_record_by_record_one_on_awkward_values() -> None:
    for seed in range(4):
        document = _same_document(check_network(*_awkward_city(seed), threshold=0.5))
        layers = document["layers"]
        # the awkward values are there: NaN capacity as null, unpositioned nodes left out,
        # Chinese names as text, overloaded camera links drawn
        assert any(f["properties"]["capacity_mbps"] is None for f in layers["links"]["features"])
        assert any(r["link"] == "access" for r in document["overloaded_links"])
        drawn = {f["properties"]["node"] for f in layers["nodes"]["features"]}
        assert "S2" not in drawn and "S0" in drawn
        assert "中心机房（东）" in {f["properties"]["name"] for f in layers["nodes"]["features"]}
        assert any(f["properties"]["name"] is None for f in layers["nodes"]["features"])
        assert any(f["properties"]["hops"] is None for f in layers["nodes"]["features"])
        assert all(f["geometry"] is not None for c in layers.values() for f in c["features"])


@_SETTINGS
@given(topologies())
def test_document_equals_the_record_by_record_one_on_random_topologies(
    topology: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    _same_document(check_network(*topology))
