"""The demo's table registries: the class II workbook (XLSX, GCJ-02) and the class III CSVs
(GBK; WGS-84 and BD-09), with their planted broken rows; workbooks re-packed to fixed bytes."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.demo.cameras import (
    SOURCE_INDUSTRY,
)
from sharpeyes.demo.city import CITY_NAME
from sharpeyes.demo.registries_base import (
    _FIXED_ZIP_TIME,
    PLANTED_KINDS,
    PlantedProblem,
    RegistryFile,
    _broken_ids,
    _direction_word,
    _pick_rows,
    _resolution_text,
    _status_zh,
    _text,
)
from sharpeyes.model.codes import CAMERA_TYPES
from sharpeyes.model.crs import wgs84_to_bd09, wgs84_to_gcj02

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
