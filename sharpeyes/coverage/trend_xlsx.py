"""Month on month in the workbook: the comparison columns of the level sheets, the 环比 sheet (every
unit and class beside the earlier period, units gone since included) and the 趋势 sheet (each
county's rates over the stored periods, a table and an openpyxl line chart per rate).

Changes are in percentage points; a change is green when its target was newly met, red when it was
newly missed (:mod:`sharpeyes.coverage.trend`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

import pandas as pd

from sharpeyes.coverage.report import REPORT_HEADERS_ZH, plain_value
from sharpeyes.coverage.trend import (
    COMPARED_COUNTS,
    COMPARED_RATES,
    JUDGED_RATE,
    TARGET_FLAGS,
    TREND_RATES,
    Comparison,
)
from sharpeyes.model.codes import ADMIN_LEVELS
from sharpeyes.model.sheets import xlsx_text, xlsx_value

__all__ = [
    "COMPARE_SHEET",
    "TREND_SHEET",
    "add_trend_styles",
    "compare_cell",
    "compare_header",
    "is_compare_column",
    "trend_notes",
    "write_compare_sheet",
    "write_trend_sheet",
]

COMPARE_SHEET: Final = "环比"
TREND_SHEET: Final = "趋势"

_EXTRA_ZH: Final = {
    "community_coverage": "社区覆盖率",
    "compare_status": "环比状态",
}
_STATUS_ZH: Final = {"new": "本期新增", "removed": "本期已无"}
_CHANGE_ZH: Final = {"newly_met": "新达标", "newly_missed": "新未达标"}
_CLASS_ZH: Final = {"all": "全部", 1: "一类", 2: "二类", 3: "三类"}
#: the rates a flag judges, the other way round
_FLAG_OF: Final = {rate: flag for flag, rate in JUDGED_RATE.items()}
#: rows of the 趋势 sheet a chart takes (charts are stacked beside the tables at this pitch)
_CHART_ROWS: Final = 16


def _zh(key: str) -> str:
    return REPORT_HEADERS_ZH.get(key) or _EXTRA_ZH.get(key, key)


@lru_cache(maxsize=1024)
def _split(key: str) -> tuple[str, str] | None:
    """``(base KPI, suffix)`` of a comparison column, or ``None`` for any other column."""
    if key == "compare_status":
        return key, ""
    for suffix, bases in (
        ("_change_pp", COMPARED_RATES),
        ("_prev", (*COMPARED_RATES, *COMPARED_COUNTS)),
        ("_change", (*COMPARED_COUNTS, *TARGET_FLAGS)),
    ):
        if key.endswith(suffix) and key[: -len(suffix)] in bases:
            return key[: -len(suffix)], suffix
    return None


def is_compare_column(key: str) -> bool:
    """Whether ``key`` is one of the comparison columns."""
    return _split(key) is not None


def compare_header(key: str) -> str | None:
    """The Chinese header of a comparison column (上期联网率, 联网率变化(百分点) …), else ``None``."""
    parts = _split(key)
    if parts is None:
        return None
    base, suffix = parts
    return {
        "": _zh(base),
        "_prev": f"上期{_zh(base)}",
        "_change_pp": f"{_zh(base)}变化(百分点)",
        "_change": f"{_zh(base)}变化",
    }[suffix]


def add_trend_styles(wb: Any) -> None:
    """Named styles of the comparison cells: percentage points, green/red when newly met/missed."""
    from openpyxl.styles import NamedStyle, PatternFill

    pp = "+0.0;-0.0;0.0"
    fills = {"ok": "C6EFCE", "bad": "FFC7CE"}
    wb.add_named_style(NamedStyle("se_pp", number_format=pp))
    for key, colour in fills.items():
        wb.add_named_style(
            NamedStyle(f"se_pp_{key}", number_format=pp, fill=PatternFill("solid", fgColor=colour))
        )


def _cell(ws: Any, value: Any, style: str | None) -> Any:
    if style is None or value is None:
        return xlsx_value(ws, value)
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return xlsx_text(cell)


def compare_cell(ws: Any, key: str, record: dict[Any, Any]) -> Any:
    """The cell of comparison column ``key`` in report row ``record`` (a write-only cell)."""
    base, suffix = _split(key) or (key, "")
    value = plain_value(record.get(key))
    if key == "compare_status":
        return _STATUS_ZH.get(value, value)
    if suffix == "_prev" and base in COMPARED_RATES:
        return _cell(ws, value, "se_pct")
    if suffix == "_change_pp":
        change = plain_value(record.get(f"{_FLAG_OF[base]}_change")) if base in _FLAG_OF else None
        style = {"newly_met": "se_pp_ok", "newly_missed": "se_pp_bad"}.get(str(change), "se_pp")
        return _cell(ws, value, style)
    if suffix == "_change" and base in TARGET_FLAGS:
        flag_style = {"newly_met": "se_ok", "newly_missed": "se_bad"}.get(str(value))
        return _cell(ws, _CHANGE_ZH.get(value, value), flag_style)
    return xlsx_value(ws, value)


def write_compare_sheet(ws: Any, comparison: Comparison, styled: Any) -> None:
    """The 环比 sheet: per unit and class, 本期/上期/变化 of each rate, the target changes; rows of
    units gone since the earlier period at the end (状态 本期已无). ``styled(ws, value, style)``
    makes a header cell."""
    rows = pd.concat([comparison.rows, comparison.removed], ignore_index=True)
    lead = [c for c in ("unit_code", "unit_name", "level", "point_class") if c in rows.columns]
    rates = [r for r in COMPARED_RATES if f"{r}_prev" in comparison.columns]
    flags = [f"{f}_change" for f in TARGET_FLAGS if f"{f}_change" in comparison.columns]
    cols = [*lead, "compare_status"]
    for count in COMPARED_COUNTS:
        if f"{count}_prev" in comparison.columns:
            cols += [count, f"{count}_prev", f"{count}_change"]
    for rate in rates:
        cols += [rate, f"{rate}_prev", f"{rate}_change_pp"]
    cols += flags
    header = [REPORT_HEADERS_ZH.get(c) or compare_header(c) or c for c in cols]
    header = [
        f"本期{h}" if c in rates or c in COMPARED_COUNTS else h
        for c, h in zip(cols, header, strict=True)
    ]
    ws.freeze_panes = "C2"
    ws.append([styled(ws, h, "se_header") for h in header])
    for record in rows.to_dict("records"):
        line = []
        for c in cols:
            if c in rates:
                line.append(_cell(ws, plain_value(record.get(c)), "se_pct"))
            elif c == "point_class":
                line.append(_CLASS_ZH.get(plain_value(record.get(c)), record.get(c)))
            elif c == "level":
                entry = ADMIN_LEVELS.get(str(record.get(c)))
                line.append(entry.zh if entry else xlsx_value(ws, plain_value(record.get(c))))
            elif is_compare_column(c):
                line.append(compare_cell(ws, c, record))
            else:
                line.append(xlsx_value(ws, plain_value(record.get(c))))
        ws.append(line)
    ws.auto_filter.ref = f"A1:{_column(len(cols))}{len(rows) + 1}"


def _column(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(max(n, 1)))


def write_trend_sheet(ws: Any, trend: pd.DataFrame, styled: Any) -> int:
    """The 趋势 sheet: per rate, a table (a row per period, a column per unit) and a line chart of it
    (one line per unit) beside the tables; rates empty in every period are left out. Returns the
    number of charts."""
    from openpyxl.chart import LineChart, Reference

    units = trend.drop_duplicates("unit_code")[["unit_code", "unit_name"]]
    periods = sorted(trend["period"].unique())
    ws.column_dimensions["A"].width = 12
    row, charts = 1, 0
    for rate in TREND_RATES:
        if rate not in trend or trend[rate].isna().all():
            continue
        value = {
            (p, c): v
            for p, c, v in zip(trend["period"], trend["unit_code"], trend[rate], strict=True)
        }
        ws.append([styled(ws, _zh(rate), "se_header")])
        names = [n if isinstance(n, str) and n else c for c, n in units.itertuples(index=False)]
        ws.append([styled(ws, "报告期", "se_header"), *[styled(ws, n, "se_header") for n in names]])
        head = row + 1
        for period in periods:
            values = [plain_value(value.get((period, code))) for code in units["unit_code"]]
            ws.append([period, *[_cell(ws, v, "se_pct") for v in values]])
        chart = LineChart()
        chart.title = f"{_zh(rate)}趋势"
        chart.y_axis.title = _zh(rate)
        chart.x_axis.title = "报告期"
        chart.y_axis.number_format = "0%"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.height = 7.5
        chart.width = 16
        data = Reference(
            ws, min_col=2, max_col=1 + len(units), min_row=head, max_row=head + len(periods)
        )
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(
            Reference(ws, min_col=1, min_row=head + 1, max_row=head + len(periods))
        )
        ws.add_chart(chart, f"{_column(len(units) + 3)}{1 + charts * _CHART_ROWS}")
        charts += 1
        ws.append([])
        row = head + len(periods) + 2
    return charts


def trend_notes(meta: dict[str, Any]) -> list[tuple[str, Any]]:
    """Lines of the 说明 sheet about the period and the comparison."""
    lines: list[tuple[str, Any]] = []
    if meta.get("period"):
        lines.append(("报告期", meta["period"]))
    if meta.get("compared_to"):
        lines.append(("环比对照期", meta["compared_to"]))
        lines.append(("变化口径", "本期率 − 上期率,单位:百分点;新达标标绿,新未达标标红"))
    if meta.get("trend_periods"):
        lines.append(("趋势所含报告期", ", ".join(meta["trend_periods"])))
    return lines
