"""The demo's GB/T 28181 catalog: business groups, virtual organisations, NVRs and class I
cameras as Catalog responses in SIP MESSAGE texts (GB2312 declared, GBK bytes)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from sharpeyes.demo.cameras import (
    SOURCE_CATALOG,
)
from sharpeyes.demo.city import CITY_CODE
from sharpeyes.demo.registries_base import (
    _MANUFACTURERS,
    ITEMS_PER_MESSAGE,
    PLATFORM_ID,
    REQUESTER_ID,
    PlantedProblem,
    RegistryFile,
    _direction_code,
    _pick_rows,
    _text,
)
from sharpeyes.model.gb28181 import make_device_id


# -- the GB/T 28181 catalog -------------------------------------------------------------------------
def _item(fields: list[tuple[str, object]], info: list[tuple[str, object]] | None = None) -> str:
    parts = ["<Item>"]
    for tag, value in fields:
        parts.append(f"<{tag}>{escape(_text(value))}</{tag}>")
    if info is not None:
        parts.append("<Info>")
        for tag, value in info:
            parts.append(f"<{tag}>{escape(_text(value))}</{tag}>")
        parts.append("</Info>")
    parts.append("</Item>")
    return "".join(parts)


def _catalog_items(
    cameras: pd.DataFrame, names: dict[str, str], rng: np.random.Generator
) -> tuple[list[str], list[PlantedProblem]]:
    """Items: business groups (215) per county, virtual organisations (216) per township, NVRs (118),
    then the cameras (ParentID: their NVR; NVR ParentID: the platform)."""
    items = _group_items(cameras, names)
    planted: list[PlantedProblem] = []
    counties = sorted(cameras["admin_code"].astype(str).unique())
    groups = {c: make_device_id(c, type_code=215, network_id=0, serial=1) for c in counties}
    n = len(cameras)
    taken: set[int] = set()
    no_coords = _pick_rows(n, 2, rng, taken)
    rows: Iterable[Any] = cameras.itertuples(index=False)
    for number, row in enumerate(rows, start=1):
        lon, lat = f"{row.lon:.7f}", f"{row.lat:.7f}"
        if number - 1 in no_coords:
            lon, lat = "0", "0"  # what platforms answer when the installer never set a position
            planted.append(
                PlantedProblem(
                    "zero_coordinates",
                    len(items) + 1,
                    str(row.device_id),
                    "warned",
                    "class I at (0, 0)",
                )
            )
        items.append(_camera_item(row, number, lon, lat, groups))
    return items, planted


def _group_items(cameras: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """Business groups (215) per county, virtual organisations (216) per township, NVRs (118)."""
    items: list[str] = []
    counties = sorted(cameras["admin_code"].astype(str).unique())
    groups = {c: make_device_id(c, type_code=215, network_id=0, serial=1) for c in counties}
    for county in counties:
        items.append(
            _item(
                [
                    ("DeviceID", groups[county]),
                    ("Name", f"{names.get(county, county)}公安视频专网"),
                    ("ParentID", PLATFORM_ID),
                ]
            )
        )
    for township in sorted(cameras["township_code"].astype(str).unique()):
        county = township[:6]
        items.append(
            _item(
                [
                    (
                        "DeviceID",
                        make_device_id(
                            county, type_code=216, network_id=0, serial=int(township[6:9])
                        ),
                    ),
                    ("Name", names.get(township, township)),
                    ("ParentID", groups[county]),
                    ("BusinessGroupID", groups[county]),
                ]
            )
        )
    nvrs = cameras.groupby("parent_id", sort=True)["township_code"].first()
    for k, (nvr, township) in enumerate(nvrs.items()):
        maker, _ = _MANUFACTURERS[k % len(_MANUFACTURERS)]
        items.append(
            _item(
                [
                    ("DeviceID", nvr),
                    ("Name", f"{names.get(str(township), township)}NVR{int(str(nvr)[-3:]):03d}"),
                    ("Manufacturer", maker),
                    ("Model", "NVR-64"),
                    ("Owner", "0"),
                    ("CivilCode", str(nvr)[:6]),
                    ("Address", f"{names.get(str(township), township)}派出所机房"),
                    ("Parental", 1),
                    ("ParentID", PLATFORM_ID),
                    ("SafetyWay", 0),
                    ("RegisterWay", 1),
                    ("Secrecy", 0),
                    ("Status", "ON"),
                ]
            )
        )
    return items


def _camera_item(row: Any, number: int, lon: str, lat: str, groups: dict[str, str]) -> str:
    """One camera's catalog item (WGS-84 ``lon``/``lat`` text), its NVR as ParentID."""
    maker, model = _MANUFACTURERS[number % len(_MANUFACTURERS)]
    direction = _direction_code(row.heading_deg)
    info: list[tuple[str, object]] = [
        ("PTZType", int(row.camera_type)),
        ("PositionType", 10 if "公路" in str(row.name) else 9),
        ("RoomType", 2),
        ("UseType", 1),
        ("SupplyLightType", 1),
        ("DirectionType", direction if direction is not None else ""),
        ("Resolution", "4/5/6"),
        ("BusinessGroupID", groups[str(row.admin_code)]),
        ("DownloadSpeed", "1/2/4"),
        ("SVCSpaceSupportMode", 0),
        ("SVCTimeSupportMode", 0),
        ("PointType", 1),
        ("HorizontalFieldAngle", _text(row.fov_deg if not pd.isna(row.fov_deg) else "")),
        ("MaxViewDistance", _text(row.range_m if not pd.isna(row.range_m) else "")),
        ("ManagementUnit", row.management_unit),
        ("InstallTime", row.install_date),
    ]
    return _item(
        [
            ("DeviceID", row.device_id),
            ("Name", row.name),
            ("Manufacturer", maker),
            ("Model", model),
            ("Owner", row.owner_unit),
            ("CivilCode", row.admin_code),
            ("Block", row.police_unit),
            ("Address", row.address),
            ("Parental", 0),
            ("ParentID", row.parent_id),
            ("SafetyWay", 0),
            ("RegisterWay", 1),
            ("Secrecy", 0),
            ("Status", "ON" if row.status == "in_use" else "OFF"),
            ("Longitude", lon),
            ("Latitude", lat),
        ],
        info,
    )


def _write_catalog(
    cameras: pd.DataFrame, path: Path, names: dict[str, str], rng: np.random.Generator
) -> RegistryFile:
    items, planted = _catalog_items(cameras, names, rng)
    total = len(items)
    messages: list[bytes] = []
    per_message = min(ITEMS_PER_MESSAGE, max(1, -(-total // 3)))  # at least 3 messages
    for k, start in enumerate(range(0, max(total, 1), per_message), start=1):
        chunk = items[start : start + per_message]
        body = (
            '<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n'
            "<CmdType>Catalog</CmdType>\r\n"
            "<SN>17430</SN>\r\n"
            f"<DeviceID>{PLATFORM_ID}</DeviceID>\r\n"
            f"<SumNum>{total}</SumNum>\r\n"
            f'<DeviceList Num="{len(chunk)}">\r\n'
            + "\r\n".join(chunk)
            + "\r\n</DeviceList>\r\n</Response>\r\n"
        ).encode("gbk")
        head = (
            f"MESSAGE sip:{REQUESTER_ID}@10.12.0.10:5060 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 10.12.0.2:5060;rport;branch=z9hG4bK{904000 + k}\r\n"
            f"From: <sip:{PLATFORM_ID}@{CITY_CODE}000000>;tag={381000 + k}\r\n"
            f"To: <sip:{REQUESTER_ID}@{CITY_CODE}000000>\r\n"
            f"Call-ID: {772000 + k}@10.12.0.2\r\n"
            f"CSeq: {20 + k} MESSAGE\r\n"
            "Content-Type: Application/MANSCDP+xml\r\n"
            "Max-Forwards: 70\r\n"
            "User-Agent: TL-VIDEO-PLATFORM V3.2\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        messages.append(head + body)
    path.write_bytes(b"\r\n".join(messages))
    return RegistryFile(
        path,
        "gb28181",
        "wgs84",
        SOURCE_CATALOG,
        len(cameras),
        tuple(planted),
        other_items=total - len(cameras),
    )
