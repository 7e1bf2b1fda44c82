"""The registries a bureau really receives, written from the demo inventory.

Each camera goes to the registry its ``source`` names (:mod:`sharpeyes.demo.cameras`):

=================================  ====================================  =======  ======
file (under ``<workdir>/registries``)  what                                format   crs
=================================  ====================================  =======  ======
``catalog_class1_platform.sip``    class I on the city platform: GB/T    gb28181  wgs84
                                   28181 Catalog responses (SIP MESSAGE
                                   texts, GB2312 declared, GBK bytes,
                                   split over several messages)
``gis_checkpoints_pilot.geojson``  class I checkpoints and the video-     geojson  wgs84
                                   inspection pilot (stream URLs)
``class2_industry_units.xlsx``     class II from industry units, Chinese  xlsx     gcj02
                                   headers, points read off Amap
``class3_social_resources.csv``    class III compounds, shops,            csv      wgs84
                                   enterprises: GBK, Chinese headers
``class3_villages_bd09.csv``       class III village "Sharp Eyes" points  csv      bd09
                                   from the township centres: GBK, read
                                   off Baidu maps
=================================  ====================================  =======  ======

A small share of rows is broken on purpose, as in real registries (IDs with 19 digits or a
letter, swapped longitude/latitude, missing or (0, 0) coordinates, the same ID twice in a file, one
ID in two sources with conflicting attributes); each is listed in ``RegistryFile.planted`` with
the row where it is.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.demo.cameras import (
    SOURCE_CATALOG,
    SOURCE_GIS,
    SOURCE_INDUSTRY,
    SOURCE_SOCIAL,
    SOURCE_VILLAGES,
)
from sharpeyes.demo.city import CITY_CODE, CITY_NAME
from sharpeyes.model.codes import CAMERA_TYPES, DIRECTION_HEADING_DEG, DIRECTIONS, STATUSES
from sharpeyes.model.crs import wgs84_to_bd09, wgs84_to_gcj02
from sharpeyes.model.gb28181 import make_device_id
from sharpeyes.model.urls import join_credentials

#: The city platform (SIP server, type 200) that answers the catalog query, and the querying one.
PLATFORM_ID: Final = make_device_id(CITY_CODE + "00", type_code=200, network_id=0, serial=1)
REQUESTER_ID: Final = make_device_id(CITY_CODE + "00", type_code=200, network_id=0, serial=2)
#: Catalog items per SIP MESSAGE (fewer when the catalog is small: always at least 3 messages).
ITEMS_PER_MESSAGE: Final = 200

_FIXED_ZIP_TIME: Final = (2024, 1, 1, 0, 0, 0)
#: What :func:`write_registries` may break in a table row (besides ``duplicate_in_file``).
PLANTED_KINDS: Final = (
    "id_19_digits",
    "id_letters",
    "id_19_digits_no_position",
    "swapped_lonlat",
    "missing_coordinates",
    "zero_coordinates",
    "coordinate_text",
    "coordinate_typo",
)
_MANUFACTURERS: Final = (
    ("Hikvision", "DS-2DE7423IW"),
    ("Dahua", "DH-IPC-HFW4443M"),
    ("Uniview", "IPC2124LR3"),
)
_HEADING_TO_DIRECTION: Final = {h: d for d, h in DIRECTION_HEADING_DEG.items()}


@dataclass(frozen=True)
class PlantedProblem:
    """A row broken on purpose: where it is, what is wrong, what the import should make of it.

    ``row`` is the spreadsheet row (the header row counted; title rows too) for CSV/XLSX, the
    1-based feature number for GeoJSON and the 1-based item number in the catalog file (NVRs,
    business groups and virtual organisations counted, as a reader numbers them).
    ``expect`` is ``refused`` (in the rejects), ``warned`` (kept, with a warning),
    ``refused_or_warned`` (either is right: an invalid ID is kept when the row has another stable
    key, such as a name with coordinates) or ``store`` (seen only when two sources meet in the
    store: the same ID with conflicting attributes).
    """

    kind: str
    row: int
    device_id: str
    expect: str
    detail: str = ""


@dataclass(frozen=True)
class RegistryFile:
    """One registry file written for the demo, and how to import it.

    ``fmt`` and ``crs`` are the values of ``sharpeyes import --format/--crs``; ``source`` the
    registry's name (``--source``); ``rows`` the camera rows written (catalog: camera items only);
    ``other_items`` the catalog's items that are not cameras (NVRs, business groups, virtual
    organisations), which a reader lists as "not a camera".
    """

    path: Path
    fmt: str
    crs: str
    source: str
    rows: int = 0
    planted: tuple[PlantedProblem, ...] = field(default_factory=tuple)
    other_items: int = 0


# -- helpers -----------------------------------------------------------------------------------------
def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _direction_code(heading: object) -> int | None:
    if heading is None or heading is pd.NA or (isinstance(heading, float) and np.isnan(heading)):
        return None
    return _HEADING_TO_DIRECTION.get(float(str(heading)) % 360.0)


def _direction_word(heading: object, camera_type: int) -> str:
    code = _direction_code(heading)
    if code is None:
        return "全向" if camera_type == 1 else ""
    return DIRECTIONS[code].zh


def _resolution_text(lines: object, style: str) -> str:
    if lines is None or lines is pd.NA:
        return ""
    n = int(str(lines))
    if style == "wxh":
        return {
            576: "D1",
            720: "1280×720",
            1080: "1920×1080",
            1440: "2560×1440",
            2160: "3840×2160",
        }[n]
    return {576: "D1", 720: "100万", 1080: "200万", 1440: "400万", 2160: "800万"}[n]


def _status_zh(status: object) -> str:
    return STATUSES[str(status)].zh


def _broken_ids(device_id: str) -> dict[str, str]:
    """Realistic typing errors of a 20-digit ID: one digit dropped, letter O for a zero."""
    dropped = device_id[:9] + device_id[10:]
    zero = device_id.rfind("0", 10)
    letter = device_id[:zero] + "O" + device_id[zero + 1 :] if zero >= 0 else device_id[:-1] + "O"
    return {"id_19_digits": dropped, "id_letters": letter}


def _pick_rows(n: int, k: int, rng: np.random.Generator, taken: set[int]) -> list[int]:
    """``k`` distinct row indices in ``range(n)`` not in ``taken`` (fewer if the frame is small)."""
    free = np.array(sorted(set(range(n)) - taken), dtype=int)
    if len(free) == 0:
        return []
    chosen = sorted(int(i) for i in rng.choice(free, size=min(k, len(free)), replace=False))
    taken.update(chosen)
    return chosen


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
    items: list[str] = []
    planted: list[PlantedProblem] = []
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
    n = len(cameras)
    taken: set[int] = set()
    no_coords = _pick_rows(n, 2, rng, taken)
    rows: Iterable[Any] = cameras.itertuples(index=False)
    for number, row in enumerate(rows, start=1):
        maker, model = _MANUFACTURERS[number % len(_MANUFACTURERS)]
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
        items.append(
            _item(
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
        )
    return items, planted


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


# -- tables ------------------------------------------------------------------------------------------
_XLSX_HEADERS: Final = (
    "序号", "设备编码", "设备名称", "监控点位类型", "摄像机类型", "经度", "纬度", "监视方位",
    "分辨率", "联网属性", "设备状态", "安装地址", "行政区划代码", "乡镇街道代码", "村社区代码",
    "所属单位", "行业类别", "所属辖区公安机关", "管理单位", "安装时间", "上联设备",
)  # fmt: skip
_SECTOR_ZH: Final = {
    "11": "教育",
    "09": "卫生",
    "51": "金融",
    "07": "交通",
    "44": "能源",
    "08": "城市管理",
}
_SOCIAL_HEADERS: Final = (
    "点位编号", "国标编码", "点位名称", "点位类型", "摄像机类型", "经度", "纬度", "监视方向", "像素",
    "是否联网", "状态", "安装位置", "行政区划", "乡镇代码", "村代码", "权属单位", "辖区派出所",
    "维护单位", "建设日期", "上联交换机",
)  # fmt: skip
_VILLAGE_HEADERS: Final = (
    "设备编码", "设备名称", "监控点位类型", "摄像机类型", "经度(百度)", "纬度(百度)", "监视方位",
    "分辨率", "联网状态", "设备状态", "安装地址", "行政区划代码", "乡镇街道代码", "村社区代码",
    "建设单位", "所属辖区公安机关", "管理单位", "安装日期", "上联设备",
)  # fmt: skip


def _table_rows(
    cameras: pd.DataFrame, kind: str, lon: np.ndarray, lat: np.ndarray
) -> list[list[object]]:
    rows: list[list[object]] = []
    records: Iterable[Any] = cameras.itertuples(index=False)
    for i, row in enumerate(records):
        cam_type = int(row.camera_type)
        x, y = (
            (None if np.isnan(lon[i]) else round(float(lon[i]), 6)),
            (None if np.isnan(lat[i]) else round(float(lat[i]), 6)),
        )
        if kind == "industry":
            rows.append(
                [
                    i + 1, row.device_id, row.name, "二类", CAMERA_TYPES[cam_type].zh, x, y,
                    _direction_word(row.heading_deg, cam_type), _resolution_text(row.resolution, "wxh"),
                    "已联网" if row.networked else "未联网", _status_zh(row.status), row.address,
                    row.admin_code, row.township_code, row.village_code, row.owner_unit,
                    _SECTOR_ZH.get(str(row.device_id)[8:10], "其他"), row.police_unit,
                    row.management_unit, date.fromisoformat(str(row.install_date)), _text(row.uplink),
                ]
            )  # fmt: skip
        elif kind == "social":
            rows.append(
                [
                    f"SH-{i + 1:06d}", row.device_id, row.name, "三类", cam_type, x, y,
                    _direction_word(row.heading_deg, cam_type), _resolution_text(row.resolution, "mp"),
                    1 if row.networked else 0, _status_zh(row.status), row.address, row.admin_code,
                    row.township_code, row.village_code, row.owner_unit, row.police_unit,
                    row.management_unit, str(row.install_date).replace("-", "/"), _text(row.uplink),
                ]
            )  # fmt: skip
        else:
            rows.append(
                [
                    row.device_id, row.name, "三类点", CAMERA_TYPES[cam_type].zh, x, y,
                    _direction_word(row.heading_deg, cam_type), _resolution_text(row.resolution, "wxh"),
                    "已联网" if row.networked else "未联网", _status_zh(row.status), row.address,
                    row.admin_code, row.township_code, row.village_code, row.owner_unit,
                    row.police_unit, row.management_unit, str(row.install_date), _text(row.uplink),
                ]
            )  # fmt: skip
    return rows


def _plant_table_problems(
    rows: list[list[object]],
    headers: tuple[str, ...],
    *,
    first_row: int,
    rng: np.random.Generator,
    counts: dict[str, int],
    protect: frozenset[int] = frozenset(),
) -> list[PlantedProblem]:
    """Break some rows in place (and append duplicates); returns what was planted and where.

    Rows in ``protect`` (0-based) are left intact."""
    id_col = next(i for i, h in enumerate(headers) if h in {"设备编码", "国标编码"})
    lon_col = next(i for i, h in enumerate(headers) if h.startswith("经度"))
    lat_col = lon_col + 1
    has_key = headers[0] == "点位编号"
    taken: set[int] = set(protect)
    planted: list[PlantedProblem] = []
    n = len(rows)
    for kind in PLANTED_KINDS:
        for i in _pick_rows(n, counts.get(kind, 0), rng, taken):
            device_id = str(rows[i][id_col])
            expect = "refused_or_warned"
            detail = ""
            if kind in {"id_19_digits", "id_letters", "id_19_digits_no_position"}:
                device_id = _broken_ids(device_id)[
                    "id_letters" if kind == "id_letters" else "id_19_digits"
                ]
                rows[i][id_col] = device_id
                if kind == "id_19_digits_no_position":
                    rows[i][lon_col] = rows[i][lat_col] = None
                    expect = "warned" if has_key else "refused"
                    detail = "no valid ID, no coordinates" + (
                        ", kept on its 点位编号" if has_key else ""
                    )
            elif kind == "swapped_lonlat":
                rows[i][lon_col], rows[i][lat_col] = rows[i][lat_col], rows[i][lon_col]
                expect = "warned"
            elif kind == "missing_coordinates":
                rows[i][lon_col] = rows[i][lat_col] = None
                expect = "warned"
            elif kind == "zero_coordinates":
                rows[i][lon_col] = rows[i][lat_col] = 0
                expect = "warned"
            elif kind == "coordinate_text":
                rows[i][lon_col] = "待补充"
                expect = "refused"
                detail = "longitude is text (待补充, to be filled in)"
            elif kind == "coordinate_typo":
                value = rows[i][lon_col]
                rows[i][lon_col] = (
                    round(float(value) * 10, 5) if isinstance(value, float) else 1238.5
                )
                expect = "refused"
                detail = "decimal point slipped: longitude beyond 180°"
            planted.append(PlantedProblem(kind, first_row + i, device_id, expect, detail))
    for i in _pick_rows(n, counts.get("duplicate_in_file", 0), rng, taken):
        rows.append(list(rows[i]))
        if has_key:
            rows[-1][0] = f"SH-{len(rows):06d}"
        planted.append(
            PlantedProblem(
                "duplicate_in_file", first_row + len(rows) - 1, str(rows[i][id_col]), "warned",
                f"same ID as row {first_row + i}",
            )
        )  # fmt: skip
    return planted


_DEMO_TIME: Final = datetime(2024, 1, 1)
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def _xlsx_bytes(
    sheet: str, title: str, headers: tuple[str, ...], rows: list[list[object]]
) -> bytes:
    """A one-sheet workbook as Excel writes a registry: a title row merged over the columns, a bold
    header row in 宋体, dates formatted yyyy-mm-dd — written with openpyxl, then re-packed with
    fixed timestamps so that the same rows give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    bold = Font(name="宋体", size=11, bold=True)
    ws.append([title])
    ws.append(list(headers))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for cell in (*ws[1], *ws[2]):
        cell.font = bold
    for values in rows:
        ws.append([_xlsx_value(value) for value in values])
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    book.properties.creator = "sharpeyes demo"
    book.properties.title = title
    book.properties.created = _DEMO_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _repack_fixed(buffer.getvalue())


def _xlsx_value(value: object) -> object:
    """A cell value openpyxl writes as it is: numpy scalars as Python ones, NaN and NA as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, bool | int | float | date):
        return value
    return str(value)


def _repack_fixed(data: bytes) -> bytes:
    """The same zip with every entry dated ``_FIXED_ZIP_TIME`` and the workbook's modified time fixed."""
    stamp = _DEMO_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(
                    b'<dcterms:modified xsi:type="dcterms:W3CDTF">'
                    + stamp
                    + b"</dcterms:modified>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            target.writestr(fixed, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _write_xlsx(cameras: pd.DataFrame, path: Path, rng: np.random.Generator) -> RegistryFile:
    gcj_lon, gcj_lat = wgs84_to_gcj02(
        cameras["lon"].to_numpy(float), cameras["lat"].to_numpy(float)
    )
    rows = _table_rows(cameras, "industry", gcj_lon, gcj_lat)
    planted = _plant_table_problems(
        rows,
        _XLSX_HEADERS,
        first_row=3,
        rng=rng,
        counts={
            "id_19_digits": 2,
            "id_letters": 1,
            "id_19_digits_no_position": 1,
            "swapped_lonlat": 2,
            "missing_coordinates": 2,
            "coordinate_text": 1,
        },
        protect=frozenset({len(cameras) // 2}),
    )
    title = f"{CITY_NAME}重点行业和领域二类视频监控点位登记表(坐标取自高德地图)"
    path.write_bytes(_xlsx_bytes("二类点位", title, _XLSX_HEADERS, rows))
    return RegistryFile(path, "xlsx", "gcj02", SOURCE_INDUSTRY, len(rows), tuple(planted))


def _write_csv(
    cameras: pd.DataFrame,
    path: Path,
    *,
    kind: str,
    crs: str,
    source: str,
    rng: np.random.Generator,
    counts: dict[str, int],
) -> RegistryFile:
    lon, lat = cameras["lon"].to_numpy(float), cameras["lat"].to_numpy(float)
    if crs == "bd09":
        lon, lat = wgs84_to_bd09(lon, lat)
    headers = _SOCIAL_HEADERS if kind == "social" else _VILLAGE_HEADERS
    rows = _table_rows(cameras, kind, lon, lat)
    planted = _plant_table_problems(rows, headers, first_row=2, rng=rng, counts=counts)
    frame = pd.DataFrame(rows, columns=list(headers))
    text = frame.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk"))
    return RegistryFile(path, "csv", crs, source, len(rows), tuple(planted))


def _write_geojson(cameras: pd.DataFrame, conflict: pd.DataFrame, path: Path) -> RegistryFile:
    features = []
    planted: list[PlantedProblem] = []
    props = (
        "device_id", "name", "point_class", "camera_type", "heading_deg", "fov_deg", "range_m",
        "resolution", "networked", "status", "address", "admin_code", "township_code",
        "village_code", "owner_unit", "police_unit", "management_unit", "install_date",
        "stream_url", "uplink",
    )  # fmt: skip

    def feature(row: pd.Series) -> dict[str, object]:
        properties: dict[str, object] = {}
        for name in props:
            value = row[name]
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                properties[name] = None
            elif isinstance(value, (bool, np.bool_)):
                properties[name] = bool(value)
            elif isinstance(value, (int, np.integer)):
                properties[name] = int(value)
            elif isinstance(value, (float, np.floating)):
                properties[name] = float(value)
            else:
                properties[name] = str(value)
        url = properties.get("stream_url")
        if url and not pd.isna(row["stream_user"]):
            properties["stream_url"] = join_credentials(
                str(url), str(row["stream_user"]), str(row["stream_password"])
            )
        return {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
        }

    for _, row in cameras.iterrows():
        features.append(feature(row))
    for _, row in conflict.iterrows():
        changed = row.copy()
        changed["name"] = f"{row['name']}(GIS图层旧名)"
        changed["networked"] = not bool(row["networked"])
        features.append(feature(changed))
        planted.append(
            PlantedProblem(
                "conflict_across_sources", len(features), str(row["device_id"]), "store",
                "also in the class II workbook, with another name and networked flag",
            )
        )  # fmt: skip
    document = {
        "type": "FeatureCollection",
        "name": "tieling_gis_cameras",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=None), encoding="utf-8")
    return RegistryFile(path, "geojson", "wgs84", SOURCE_GIS, len(features), tuple(planted))


def write_registries(
    cameras: gpd.GeoDataFrame,
    workdir: Path | str,
    *,
    seed: int = 0,
    names: dict[str, str] | None = None,
) -> list[RegistryFile]:
    """Write ``cameras`` (from :func:`sharpeyes.demo.cameras.build_cameras`) as the registries a
    bureau receives, under ``<workdir>/registries``; each camera goes to the registry its ``source``
    names. Deterministic for a ``seed`` (which rows get broken). ``names`` maps unit codes to names
    (for the catalog's business groups and virtual organisations); the codes stand in without it.

    Returns the files in import order: catalog, GIS GeoJSON, class II workbook, class III CSVs.
    """
    folder = Path(workdir) / "registries"
    folder.mkdir(parents=True, exist_ok=True)
    names = names or {}
    rng = np.random.default_rng([seed, 2112, 23])
    frame = pd.DataFrame(cameras.drop(columns=cameras.geometry.name))
    by_source = {
        s: frame[frame["source"] == s].reset_index(drop=True) for s in frame["source"].unique()
    }
    empty = frame.iloc[:0]
    industry = by_source.get(SOURCE_INDUSTRY, empty)
    conflict = (
        industry.iloc[len(industry) // 2 : len(industry) // 2 + 1] if len(industry) else empty
    )
    return [
        _write_catalog(
            by_source.get(SOURCE_CATALOG, empty), folder / "catalog_class1_platform.sip", names, rng
        ),
        _write_geojson(
            by_source.get(SOURCE_GIS, empty), conflict, folder / "gis_checkpoints_pilot.geojson"
        ),
        _write_xlsx(industry, folder / "class2_industry_units.xlsx", rng),
        _write_csv(
            by_source.get(SOURCE_SOCIAL, empty),
            folder / "class3_social_resources.csv",
            kind="social",
            crs="wgs84",
            source=SOURCE_SOCIAL,
            rng=rng,
            counts={
                "id_19_digits": 2,
                "id_letters": 1,
                "swapped_lonlat": 1,
                "missing_coordinates": 2,
                "coordinate_typo": 1,
                "duplicate_in_file": 1,
            },
        ),
        _write_csv(
            by_source.get(SOURCE_VILLAGES, empty),
            folder / "class3_villages_bd09.csv",
            kind="village",
            crs="bd09",
            source=SOURCE_VILLAGES,
            rng=rng,
            counts={
                "swapped_lonlat": 1,
                "zero_coordinates": 1,
                "id_19_digits": 1,
                "id_19_digits_no_position": 1,
                "coordinate_text": 1,
            },
        ),
    ]


__all__ = ["ITEMS_PER_MESSAGE", "PLATFORM_ID", "PlantedProblem", "RegistryFile", "write_registries"]
