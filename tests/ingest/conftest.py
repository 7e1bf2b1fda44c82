"""Small real registry files written into ``tmp_path`` (CSV in several encodings, real .xlsx)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest

#: Chinese headers as contractors' sheets have them.
HEADERS_ZH = (
    "设备编码",
    "设备名称",
    "监控点位类型",
    "摄像机类型",
    "经度",
    "纬度",
    "监视方位",
    "分辨率",
    "联网属性",
    "设备状态",
    "安装地址",
    "所属辖区公安机关",
    "管理单位",
    "联系方式",
    "安装时间",
    "视频流地址",
    "上联设备",
    "所属部门",
    "备注",
)


def camera_row(i: int, **overrides: object) -> dict[str, object]:
    """One good row for Tieling's Yinzhou district (211202), WGS-84."""
    row: dict[str, object] = {
        "设备编码": f"2112020000132{i:07d}",
        "设备名称": f"银州区点位{i}",
        "监控点位类型": ("一类", "二类", "三类")[i % 3],
        "摄像机类型": ("球机", "枪机", "半球")[i % 3],
        "经度": f"{123.80 + (i % 100) * 0.001:.6f}",
        "纬度": f"{42.28 + (i % 50) * 0.001:.6f}",
        "监视方位": ("东", "东南", "全向")[i % 3],
        "分辨率": ("1920x1080", "720P", "4MP")[i % 3],
        "联网属性": ("已联网", "未联网")[i % 2],
        "设备状态": "在用",
        "安装地址": f"银州区工人街{i}号",
        "所属辖区公安机关": "211202000000",
        "管理单位": "铁岭市公安局银州分局",
        "联系方式": "024-7222000",
        "安装时间": "2019/5/1",
        "视频流地址": f"rtsp://admin:secret{i}@10.1.{i % 250}.2:554/h264",
        "上联设备": f"SW-YZ-{i % 20:02d}",
        "所属部门": "公安",
        "备注": f"note {i}",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: Sequence[dict[str, object]],
    *,
    headers: Sequence[str] = HEADERS_ZH,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\n",
) -> Path:
    """Write rows as CSV (values quoted when they hold the delimiter or quotes)."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if delimiter in text or '"' in text or "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(headers)]
    lines += [delimiter.join(cell(r.get(h)) for h in headers) for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_xlsx(
    path: Path,
    sheets: dict[str, tuple[Sequence[Sequence[object]], Sequence[dict[str, object]] | None]],
    *,
    headers: Sequence[str] = HEADERS_ZH,
) -> Path:
    """A real workbook: per sheet (title rows above the header, data rows or None for no header)."""
    workbook = openpyxl.Workbook()
    first = True
    for name, (titles, rows) in sheets.items():
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name
        first = False
        for title in titles:
            sheet.append(list(title))
        if rows is None:
            continue
        sheet.append(list(headers))
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    workbook.save(path)
    return path


@pytest.fixture
def make_csv(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str, rows: Sequence[dict[str, object]], **kwargs: object) -> Path:
        return write_csv(tmp_path / name, rows, **kwargs)  # type: ignore[arg-type]

    return make
