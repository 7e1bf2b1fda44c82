"""The coverage report a bureau hands up: Excel (a sheet per level, Chinese headers, targets met or
missed highlighted, gap lists on their own sheets), CSV, and JSON rows.

JSON rows (:func:`report_rows`) carry :data:`~sharpeyes.coverage.kpis.KPI_KEYS` first, then the
extra columns; rates are fractions in [0, 1] and ``null`` where a rate has no denominator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.coverage.kpis import KPI_KEYS, TARGETS
from sharpeyes.model.codes import ADMIN_LEVELS, PLACE_CATEGORIES, ROAD_CLASSES
from sharpeyes.model.sheets import write_csv, xlsx_text, xlsx_value

if TYPE_CHECKING:
    from sharpeyes.coverage.trend import Comparison

__all__ = [
    "REPORT_HEADERS_ZH",
    "filter_rows",
    "plain_value",
    "report_rows",
    "write_report_csv",
    "write_report_json",
    "write_report_xlsx",
]

#: Chinese column headers of the report.
REPORT_HEADERS_ZH: Final = {
    "unit_code": "区划代码",
    "unit_name": "单位名称",
    "level": "层级",
    "point_class": "点位类型",
    "cameras": "摄像机总数",
    "networked": "联网数",
    "networking_rate": "联网率",
    "hd": "高清数",
    "hd_unknown": "分辨率未知数",
    "hd_ratio": "高清率",
    "online_rate": "在线率",
    "platform_online_rate": "平台在线率",
    "platform_channels": "平台上报状态数",
    "platform_online": "平台在线数",
    "platform_online_probe_offline": "平台在线但巡检离线数",
    "platform_offline_probe_online": "平台离线但巡检在线数",
    "intact_rate": "完好率",
    "village_coverage": "行政村覆盖率",
    "community_coverage": "社区覆盖率",
    "area_coverage": "面积覆盖率",
    "place_coverage": "重点部位覆盖率",
    "road_coverage": "重点道路覆盖率",
    "density_km2": "密度(台/平方公里)",
    "parent_code": "上级代码",
    "area_km2": "面积(平方公里)",
    "population": "人口",
    "density_per_1000": "每千人摄像机数",
    "online": "在线数",
    "intact": "完好数",
    "probed": "巡检数",
    "not_probed": "未巡检",
    "villages": "行政村数",
    "villages_covered": "已覆盖行政村数",
    "communities": "社区数",
    "communities_covered": "已覆盖社区数",
    "places": "重点部位数",
    "places_covered": "已覆盖重点部位数",
    "road_km": "重点道路长度(公里)",
    "road_covered_km": "已覆盖道路长度(公里)",
    "target_coverage_met": "重点区域全覆盖达标",
    "target_networking_met": "联网率达标(100%)",
    "target_hd_met": "高清率达标(100%)",
    "target_intact_met": "完好率达标(≥98%/≥95%)",
    "targets_met": "全部达标",
    "grids": "网格数",
    "grids_covered": "已覆盖网格数",
    "grid_coverage": "网格覆盖率",
    "cameras_without_grid": "未划入网格摄像机数",
    "covered": "有联网摄像机",
    "village_name": "所属村社区",
}

_CLASS_ZH: Final = {"all": "全部", 1: "一类", 2: "二类", 3: "三类"}
_RATE_KEYS: Final = {
    "networking_rate",
    "platform_online_rate",
    "hd_ratio",
    "online_rate",
    "intact_rate",
    "village_coverage",
    "community_coverage",
    "area_coverage",
    "place_coverage",
    "road_coverage",
    "grid_coverage",
}
#: which rate each target flag judges (highlighted with it)
_FLAG_RATE: Final = {
    "target_coverage_met": "place_coverage",
    "target_networking_met": "networking_rate",
    "target_hd_met": "hd_ratio",
    "target_intact_met": "intact_rate",
}


def _header(key: str) -> str:
    if key in REPORT_HEADERS_ZH:
        return REPORT_HEADERS_ZH[key]
    from sharpeyes.coverage.trend_xlsx import compare_header  # month-on-month columns

    if (compared := compare_header(key)) is not None:
        return compared
    for prefix, table, suffix in (
        ("place_coverage_", PLACE_CATEGORIES, "覆盖率"),
        ("road_coverage_", ROAD_CLASSES, "覆盖率"),
    ):
        if key.startswith(prefix):
            code = key[len(prefix) :]
            entry = table.get(code)
            return f"{entry.zh if entry else code}{suffix}"
    return key


def plain_value(value: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value for JSON (``None`` for NA and NaN)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    return value


def report_rows(kpis: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (plain Python values, ``None`` for missing) in the frame's column order."""
    cols = list(kpis.columns)
    missing = [k for k in KPI_KEYS if k not in cols]
    if missing:
        raise InputError(f"KPI frame lacks {', '.join(missing)}")
    records = kpis.astype(object).to_numpy()
    return [{c: plain_value(v) for c, v in zip(cols, row, strict=True)} for row in records]


def filter_rows(
    rows: list[dict[str, Any]], *, unit: str | None = None, level: str | None = None
) -> list[dict[str, Any]]:
    """Rows of ``unit`` and the units inside it (by code prefix), and/or of one ``level``."""
    out = rows
    if unit:
        out = [r for r in out if str(r["unit_code"]).startswith(unit)]
        if not out:
            raise InputError(f"no unit with code {unit!r} in the report", field="unit", value=unit)
    if level:
        if level not in ADMIN_LEVELS:
            raise InputError(
                f"unknown level {level!r}: use one of {', '.join(map(str, ADMIN_LEVELS))}",
                field="level",
            )
        out = [r for r in out if r["level"] == level]
    return out


def write_report_json(rows: list[dict[str, Any]], out: Path, *, meta: dict[str, Any]) -> Path:
    """``{"metric_crs": …, "generated_at": …, "rows": [...]}`` as UTF-8 JSON."""
    document = {**meta, "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def write_report_csv(rows: list[dict[str, Any]], out: Path) -> Path:
    """One CSV (UTF-8 with BOM so that Excel opens it), English keys as headers."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(pd.DataFrame(rows), out)
    return out


def write_report_xlsx(
    rows: list[dict[str, Any]],
    out: Path,
    *,
    meta: dict[str, Any],
    gap_sheets: dict[str, pd.DataFrame] | None = None,
    comparison: Comparison | None = None,
    trend: pd.DataFrame | None = None,
    levels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    grid_rows: list[dict[str, Any]] | None = None,
) -> Path:
    """The workbook: a sheet per level (市, 区县, 乡镇街道, 村社区) with Chinese headers, rates as
    percentages, targets met in green and missed in red; with a ``comparison``, the 环比 sheet, and
    with a ``trend`` the 趋势 sheet (:mod:`sharpeyes.coverage.trend_xlsx`); then one sheet per gap
    list; then 说明 (method, CRS, targets, time). ``levels`` (level → sheet name) and ``headers``
    (key → header) serve another hierarchy (the police one: 市公安局, 分局, 派出所)."""
    from sharpeyes.coverage import trend_xlsx

    wb = _styled_workbook()
    trend_xlsx.add_trend_styles(wb)
    frame = pd.DataFrame(rows)
    sheet_names = levels or {str(k): v.zh for k, v in ADMIN_LEVELS.items()}
    for level, title in sheet_names.items():
        part = frame[frame["level"] == level] if len(frame) else frame
        if len(part) == 0:
            continue
        _write_level_sheet(wb.create_sheet(title), part, headers or {})
    if grid_rows:  # 网格: one row per grid, all classes (sharpeyes.coverage.grids)
        _write_level_sheet(wb.create_sheet("网格"), pd.DataFrame(grid_rows), headers or {})
    if comparison is not None:
        trend_xlsx.write_compare_sheet(
            wb.create_sheet(trend_xlsx.COMPARE_SHEET), comparison, _styled
        )
    if trend is not None and len(trend):
        trend_xlsx.write_trend_sheet(wb.create_sheet(trend_xlsx.TREND_SHEET), trend, _styled)
    for title, sheet in (gap_sheets or {}).items():
        _write_gap_sheet(wb.create_sheet(title[:31]), sheet)
    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 36
    notes.column_dimensions["B"].width = 60
    for key, value in [*_notes_lines(meta), *trend_xlsx.trend_notes(meta)]:
        notes.append([key, xlsx_value(notes, value)])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _styled_workbook() -> Any:
    """A write-only workbook with the report's named styles (header, percentage, met/missed fills).

    Write-only mode and named styles: a city of 1,500 villages × 4 classes in a few seconds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill

    wb = Workbook(write_only=True)
    fills = {
        "ok": PatternFill("solid", fgColor="C6EFCE"),
        "bad": PatternFill("solid", fgColor="FFC7CE"),
    }
    wb.add_named_style(
        NamedStyle(
            "se_header",
            font=Font(bold=True),
            alignment=Alignment(wrap_text=True, vertical="center"),
        )
    )
    wb.add_named_style(NamedStyle("se_pct", number_format="0.0%"))
    for key, fill in fills.items():
        wb.add_named_style(NamedStyle(f"se_pct_{key}", number_format="0.0%", fill=fill))
        wb.add_named_style(NamedStyle(f"se_{key}", fill=fill))
    return wb


def _styled(ws: Any, value: Any, style: str) -> Any:
    """A write-only cell holding ``value`` in the named ``style``."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return xlsx_text(cell)


def _write_level_sheet(ws: Any, part: pd.DataFrame, headers: Mapping[str, str]) -> None:
    """One level's rows: Chinese headers, frozen panes, rates coloured by their target flag."""
    from openpyxl.utils import get_column_letter

    cols = [c for c in part.columns if c not in ("level",)]
    ws.freeze_panes = "C2"
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(j)].width = 14 if c != "unit_name" else 20
    ws.append([_styled(ws, headers.get(c) or _header(c), "se_header") for c in cols])
    is_rate = [c in _RATE_KEYS or c.startswith(("place_coverage_", "road_coverage_")) for c in cols]
    for record in part.to_dict("records"):
        ws.append(_level_row(ws, record, cols, is_rate))


def _level_row(ws: Any, record: dict[Any, Any], cols: list[str], is_rate: list[bool]) -> list[Any]:
    """The cells of one report row: class in Chinese, 达标/未达标 flags, rates as percentages."""
    from sharpeyes.coverage.trend_xlsx import compare_cell, is_compare_column

    judged = {rate: flag for flag, rate in _FLAG_RATE.items()}
    values: list[Any] = []
    for c, rate in zip(cols, is_rate, strict=True):
        v = plain_value(record[c])
        if is_compare_column(c):  # month-on-month columns, styled by coverage.trend_xlsx
            values.append(compare_cell(ws, c, record))
        elif c == "point_class":
            values.append(_CLASS_ZH.get(v, v))
        elif c.startswith("target"):
            values.append(
                v
                if v is None
                else _styled(ws, "达标" if v else "未达标", "se_ok" if v else "se_bad")
            )
        elif rate:
            flag = plain_value(record.get(judged[c])) if c in judged else None
            style = "se_pct" if flag is None else ("se_pct_ok" if flag else "se_pct_bad")
            values.append(_styled(ws, v, style))
        else:
            values.append(xlsx_value(ws, v))
    return values


def _write_gap_sheet(ws: Any, sheet: pd.DataFrame) -> None:
    """One gap list, with Chinese headers where the report has them."""
    ws.append(
        [
            _styled(ws, _header(c) if c in REPORT_HEADERS_ZH else c, "se_header")
            for c in sheet.columns
        ]
    )
    for line in sheet.itertuples(index=False):
        ws.append([xlsx_value(ws, plain_value(v)) for v in line])


def _notes_lines(meta: dict[str, Any]) -> list[tuple[str, Any]]:
    """The 说明 sheet: generation time, metric CRS, methods, data sources and targets."""
    return [
        ("生成时间", meta.get("generated_at") or datetime.now(UTC).isoformat(timespec="seconds")),
        ("面积/长度量算坐标系 (metric CRS)", meta.get("metric_crs")),
        ("面积覆盖率计算方法", meta.get("area_method")),
        ("高清门限(线)", meta.get("hd_min_lines")),
        ("健康检测批次(最近一次完成的)", meta.get("health_run") or "无(在线率、完好率留空)"),
        (
            "在线率、完好率口径",
            "在线数/巡检数、完好数/巡检数(联网摄像机);未巡检的单列为「未巡检」,不计为离线",
        ),
        (
            "高清率依据",
            {"stream": "实测视频流分辨率"}.get(str(meta.get("hd_source")), "台账分辨率"),
        ),
        ("目标依据", "《关于加强公共安全视频监控建设联网应用工作的若干意见》(2015)"),
        ("重点公共区域覆盖率、联网率目标", f"{TARGETS['networking']:.0%}"),
        ("新建改建高清率目标", f"{TARGETS['hd']:.0%}"),
        (
            "完好率目标(重点公共区域/重点行业)",
            f"{TARGETS['intact_key_public_areas']:.0%} / {TARGETS['intact_key_industries']:.0%}",
        ),
        ("率的口径", "比例 0–1;分母为零时留空"),
    ]
