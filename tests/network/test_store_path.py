"""`network check` on a store reads the inventory's columns as Arrow (no Python object per camera)
and gives the same report — JSON, Excel, problems — as the checks on the canonical frame.

The inventory is the synthetic province's (:mod:`sharpeyes.demo.province`), plus cameras for the
other attachment rules: GB/T 28181 parent chains through a recorder the topology lacks, an uplink
naming no node, an access link in the links file, a dual-homed camera, a topology camera the
inventory lacks, a codec in ``extra``, a county from the device ID, a stray space, no flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from sharpeyes.demo.province import ProvinceSpec
from sharpeyes.jobs import network as jobs
from sharpeyes.jobs.province import generate_province
from sharpeyes.model.columns import empty_cameras, empty_rejects
from sharpeyes.network import check_network, write_xlsx
from sharpeyes.store import Store
from sharpeyes.store.network_reads import network_cameras

SPEC = ProvinceSpec(cities=2, counties=3, townships=6, villages=30, cameras=3_000, switches=90)
NVR = "21010200001180000001"  # a recorder (type 118) the topology does not know
PLATFORM = "21000000002000000001"


def _extra_cameras(switches: list[str]) -> pd.DataFrame:
    ids = [f"2101020000132{k:07d}" for k in range(9_000_000, 9_000_008)]
    rows = pd.DataFrame(
        {
            "device_id": [*ids, NVR, PLATFORM],
            "point_class": [1, 2, 3, 4, 9, 1, None, 2, None, None],
            "networked": [True, True, False, None, True, True, False, True, None, None],
            "admin_code": [
                None,
                "210102",
                "210102",
                " 210102",
                None,
                "2101",
                "210102",
                None,
                None,
                None,
            ],
            "resolution": [1080, 2160, None, 720, 1080, 576, 1080, 4000, None, None],
            "uplink": [
                None,
                "NO-SUCH-SWITCH",
                switches[0],
                f" {switches[1]} ",
                None,
                None,
                None,
                switches[2],
                None,
                None,
            ],
            "parent_id": [
                NVR,
                NVR,
                None,
                None,
                "99999999999999999999",
                None,
                None,
                None,
                PLATFORM,
                None,
            ],
            "extra": [
                json.dumps({"codec": "H.265"}),
                None,
                json.dumps({"视频编码": "SVAC"}),
                json.dumps({"note": "codec unknown"}),
                None,
                None,
                None,
                json.dumps({"VideoCodec": "mjpeg"}),
                None,
                None,
            ],
            "lon": [123.1] * 10,
            "lat": [41.1] * 10,
        }
    )
    frame = pd.concat([empty_cameras(), rows], ignore_index=True)
    for column, dtype in empty_cameras().dtypes.items():
        if column != "geometry" and column in rows:
            frame[column] = frame[column].astype(dtype)
    return frame


def _seeded(url: str) -> Store:
    store = Store.open(url)
    generate_province(store, SPEC)
    nodes, links = store.network()
    switches = nodes.loc[nodes["kind"] == "access", "node_id"].astype(str).tolist()
    store.import_cameras(_extra_cameras(switches), empty_rejects(), source="test", file="extra.csv")
    cam = "2101020000132{:07d}"
    more_links = pd.DataFrame(
        {
            "a": [
                cam.format(9000005),
                cam.format(9000006),
                cam.format(9000006),
                "21010200001310000077",
            ],
            "b": [switches[3], switches[4], switches[5], switches[6]],
            "capacity_mbps": [1.0, 100.0, 100.0, None],
        }
    )
    more_nodes = pd.DataFrame({"node_id": ["21010200001310000077"], "kind": ["camera"]})
    store.replace_network(
        pd.concat([nodes, more_nodes], ignore_index=True),
        pd.concat([links, more_links], ignore_index=True),
    )
    return store


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_store_path_gives_the_frame_paths_report(store_url: str, tmp_path: Path) -> None:
    store = _seeded(store_url)
    lean = network_cameras(store.db)
    assert isinstance(lean["uplink"].dtype, pd.CategoricalDtype)
    assert lean["device_id"].dtype == pd.StringDtype("pyarrow")
    assert len(lean) == SPEC.cameras + 10

    document = jobs.check(store, out=tmp_path / "store.xlsx", fmt="xlsx")
    nodes, links = store.network()
    result = check_network(nodes, links, store.cameras())
    expected = result.document()
    assert document == expected
    plain = store.cameras()
    plain = plain.astype({c: object for c in ("device_id", "admin_code", "uplink", "parent_id")})
    assert check_network(nodes, links, plain).document() == expected  # text as Python objects
    write_xlsx(result, tmp_path / "frame.xlsx")
    assert _sheets(tmp_path / "store.xlsx") == _sheets(tmp_path / "frame.xlsx")

    summary = document["summary"]
    assert summary["cameras"] == SPEC.cameras + 8  # the recorder and platform are devices
    assert set(summary["attached_by"]) == {"link", "uplink", "parent_id", "none"}
    problems = {p["problem"] for p in document["problems"]}
    assert {"camera_uplink_unknown", "camera_multi_homed", "camera_not_in_inventory"} <= problems
    assert summary["codec_assumed"] < summary["cameras"] + 1
    units = {r["unit"] for r in document["networking_rates"]}
    assert "210102" in units and "all" in units
