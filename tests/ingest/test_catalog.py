"""GB/T 28181 catalog responses: SIP messages, encodings, SumNum, device types, hostile XML."""

from __future__ import annotations

import json
import resource
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from sharpeyes import InputError, RefusedInput
from sharpeyes.ingest import cameras_from_catalog, detect_format, read_cameras

PLATFORM = "21120000002000000001"


def item(
    device_id: str,
    *,
    name: str = "银州区工人街与银州路交叉口",
    lon: str | None = "123.842",
    lat: str | None = "42.290",
    parent: str = PLATFORM,
    info: str = "",
    extra: str = "",
) -> str:
    coords = ""
    if lon is not None:
        coords += f"<Longitude>{lon}</Longitude>"
    if lat is not None:
        coords += f"<Latitude>{lat}</Latitude>"
    return (
        "<Item>"
        f"<DeviceID>{device_id}</DeviceID><Name>{name}</Name><Manufacturer>Hikvision</Manufacturer>"
        "<Model>DS-2DE4425IW</Model><Owner>铁岭市公安局</Owner><CivilCode>211202</CivilCode>"
        "<Address>银州区工人街</Address><Parental>0</Parental>"
        f"<ParentID>{parent}</ParentID><SafetyWay>0</SafetyWay><RegisterWay>1</RegisterWay>"
        "<Secrecy>0</Secrecy><IPAddress>10.1.2.3</IPAddress><Port>5060</Port>"
        f"<Password>devpass</Password><Status>ON</Status>{coords}{extra}"
        f"<Info>{info}</Info>"
        "</Item>"
    )


INFO_2016 = (
    "<PTZType>1</PTZType><PositionType>4</PositionType><RoomType>1</RoomType><UseType>1</UseType>"
    "<SupplyLightType>2</SupplyLightType><DirectionType>5</DirectionType>"
    "<Resolution>4/6</Resolution><BusinessGroupID>21120000002150000001</BusinessGroupID>"
    "<DownloadSpeed>1/2/4</DownloadSpeed><SVCSpaceSupportMode>0</SVCSpaceSupportMode>"
    "<SVCTimeSupportMode>0</SVCTimeSupportMode>"
)
INFO_2022 = INFO_2016 + (
    "<HorizontalFieldAngle>62.5</HorizontalFieldAngle><VerticalFieldAngle>35</VerticalFieldAngle>"
    "<MaxViewDistance>150</MaxViewDistance><GrassrootsCode>211202001001</GrassrootsCode>"
    "<PointType>1</PointType><PointCommonName>工人街口</PointCommonName><MAC>00-11-22-33-44-55</MAC>"
    "<FunctionType>1/2</FunctionType><EncodeType>2</EncodeType>"
    "<InstallTime>2021-06-30T00:00:00</InstallTime><ManagementUnit>银州分局</ManagementUnit>"
    "<ContactInfo>024-7222000</ContactInfo><RecordSaveDays>90</RecordSaveDays>"
    "<IndustrialClassification>01</IndustrialClassification>"
)


def message(
    items: Sequence[str],
    *,
    sn: int = 17430,
    sum_num: int | None = None,
    encoding: str = "UTF-8",
    sip: bool = True,
) -> bytes:
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n'
        f"<SN>{sn}</SN>\r\n<DeviceID>{PLATFORM}</DeviceID>\r\n"
        f"<SumNum>{sum_num if sum_num is not None else len(items)}</SumNum>\r\n"
        f'<DeviceList Num="{len(items)}">\r\n'
        + "\r\n".join(items)
        + "\r\n</DeviceList>\r\n</Response>\r\n"
    )
    codec = "gb18030" if encoding.upper() in {"GB2312", "GBK"} else "utf-8"
    data = body.encode(codec)
    if not sip:
        return data
    head = (
        f"MESSAGE sip:21120000002000000002@2112000000 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK{sn}\r\n"
        f"From: <sip:{PLATFORM}@2112000000>;tag={sn}\r\n"
        "To: <sip:21120000002000000002@2112000000>\r\n"
        f"Call-ID: {sn}@10.0.0.1\r\nCSeq: 20 MESSAGE\r\n"
        "Content-Type: Application/MANSCDP+xml\r\nMax-Forwards: 70\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode("ascii") + data


def cam_id(serial: int, type_code: int = 132) -> str:
    return f"2112020000{type_code:03d}0{serial:06d}"


def test_catalog_across_sip_messages_with_sumnum(tmp_path: Path) -> None:
    items = [item(cam_id(i), info=INFO_2022, lon=f"{123.84 + i * 0.001:.4f}") for i in range(5)]
    nvr = item(cam_id(90, 118), name="银州NVR-1", lon=None, lat=None)
    group = item("21120000002150000001", name="业务分组", lon=None, lat=None)
    data = message([*items[:3], nvr], sum_num=7) + message(
        [*items[3:], group], sum_num=7, encoding="GB2312"
    )
    path = tmp_path / "catalog.sip"
    path.write_bytes(data)
    assert detect_format(path) == "gb28181"
    cameras, rejects = read_cameras(path)
    assert len(cameras) == 5
    assert len(cameras) + rejects.row.dropna().nunique() == 7
    reasons = dict(zip(rejects.value, rejects.reason, strict=True))
    assert reasons[cam_id(90, 118)].startswith("not a camera: type 118 NVR")
    assert reasons["21120000002150000001"].startswith("not a camera: type 215")
    cam = cameras.iloc[0]
    assert cam["device_id"] == cam_id(0)
    assert cam["name"] == "银州区工人街与银州路交叉口"  # GB2312 body read right too
    assert cameras.name.iloc[4] == "银州区工人街与银州路交叉口"
    assert cam["parent_id"] == PLATFORM
    assert cam["camera_type"] == 1  # PTZType 1 球机
    assert cam["heading_deg"] == 135.0  # DirectionType 5 东南
    assert cam["fov_deg"] == 62.5 and cam["range_m"] == 150.0
    assert cam["resolution"] == 1080 and bool(cam["is_hd"])
    assert cam["point_class"] == 1
    assert cam["status"] == "in_use"
    assert cameras["networked"].eq(True).all()  # listed by the platform, so networked
    assert cam["owner_unit"] == "铁岭市公安局"
    assert cam["management_unit"] == "银州分局" and cam["contact"] == "024-7222000"
    assert cam["install_date"] == "2021-06-30"
    assert cam["admin_code"] == "211202"
    assert cam["stream_password"] == "devpass"
    extra = json.loads(cam["extra"])
    for field in (
        "PositionType",
        "RoomType",
        "UseType",
        "SupplyLightType",
        "MAC",
        "GrassrootsCode",
        "VerticalFieldAngle",
        "RecordSaveDays",
        "BusinessGroupID",
        "Manufacturer",
        "IPAddress",
    ):
        assert field in extra, field
    assert "devpass" not in cam["extra"]


def test_xml_body_alone_and_incomplete_sumnum(tmp_path: Path) -> None:
    path = tmp_path / "body.xml"
    path.write_bytes(message([item(cam_id(1), info=INFO_2016)], sum_num=3, sip=False))
    cameras, rejects = cameras_from_catalog(path)
    assert len(cameras) == 1
    note = rejects[rejects.column == "SumNum"].iloc[0]
    assert "SumNum says 3 items, the file holds 1" in note["reason"]
    assert np.isnan(float(cameras.fov_deg.iloc[0]))


def test_catalog_without_coordinates_class_one_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "c.xml"
    info = "<PointType>1</PointType>"
    path.write_bytes(message([item(cam_id(2), lon=None, lat=None, info=info)]))
    cameras, _ = cameras_from_catalog(path)
    assert "mandatory in GB/T 28181-2022" in cameras.warnings.iloc[0]


def test_truncated_message_items_are_reported(tmp_path: Path) -> None:
    whole = message([item(cam_id(1)), item(cam_id(2))])
    cut = message([item(cam_id(3)), item(cam_id(4))])
    path = tmp_path / "cut.sip"
    path.write_bytes(whole + cut[: len(cut) - 200])
    cameras, rejects = cameras_from_catalog(path)
    assert len(cameras) == 2
    assert set(rejects.row.dropna()) == {3, 4}
    assert rejects.reason.str.contains("truncated").all()


def test_malformed_and_empty_catalogs_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        b"<Response><CmdType>Catalog</CmdType><DeviceList><Item></DeviceList></Response>"
    )
    with pytest.raises(InputError, match=r"bad\.xml"):
        cameras_from_catalog(bad)
    none = tmp_path / "none.xml"
    none.write_bytes(b"<foo/>")
    with pytest.raises(InputError, match=r"none\.xml"):
        cameras_from_catalog(none)
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.xml"):
        read_cameras(empty)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>21120000002000000001</DeviceID>
<SumNum>1</SumNum><DeviceList Num="1"><Item><DeviceID>21120200001320000001</DeviceID>
<Name>&lol9;</Name></Item></DeviceList></Response>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>
<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceList Num="1"><Item>
<DeviceID>21120200001320000001</DeviceID><Name>&xxe;&net;</Name></Item></DeviceList></Response>"""


@pytest.mark.parametrize(
    ("name", "payload"), [("lol.xml", BILLION_LAUGHS), ("xxe.xml", EXTERNAL_ENTITY)]
)
def test_hostile_catalogs_are_refused_at_once(tmp_path: Path, name: str, payload: bytes) -> None:
    path = tmp_path / name
    # as a SIP message too: the DTD after the SIP headers must be found as well
    path.write_bytes(
        b"MESSAGE sip:x@y SIP/2.0\r\nContent-Type: Application/MANSCDP+xml\r\n\r\n" + payload
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(RefusedInput, match="DTD or entities") as info:
        read_cameras(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert name in str(info.value)
    assert peak < 2_000_000, peak  # bytes: the entities were never expanded
    assert elapsed < 5.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KiB
    assert isinstance(info.value, InputError)


def test_entity_reference_without_dtd_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "ref.xml"
    path.write_bytes(message([item(cam_id(1), name="&lol9;")], sip=False))
    with pytest.raises(InputError, match=r"ref\.xml"):
        cameras_from_catalog(path)
