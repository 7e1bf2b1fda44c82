"""The coverage report a bureau hands up: Excel (a sheet per level, targets met or missed
highlighted, gap lists on their own sheets), CSV, and JSON rows.

JSON rows (:func:`report_rows`) carry :data:`~sharpeyes.coverage.kpis.KPI_KEYS` first, then the
extra columns; rates are fractions in [0, 1] and ``null`` where a rate has no denominator.

Excel and CSV are written for a reader in ``lang`` (``zh`` by default, or ``en``): headers and
values from :mod:`sharpeyes.model.labels` (classes, levels, categories, road grades, met/missed),
integers as integers; in Excel rates as percentages, areas in km², densities per km², each table
with an autofilter. The English CSV is the machine form: the JSON keys as headers, codes as values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.coverage.kpis import KPI_KEYS
from sharpeyes.coverage.report_sheets import notes_lines
from sharpeyes.model.codes import ADMIN_LEVELS
from sharpeyes.model.labels import COLUMNS, LANGS, cell_value, column, header, sheet_title
from sharpeyes.model.sheets import write_csv, xlsx_text, xlsx_value

if TYPE_CHECKING:
    from sharpeyes.coverage.trend import Comparison

__all__ = [
    "REPORT_HEADERS_ZH",
    "check_lang",
    "filter_rows",
    "plain_value",
    "presented_rows",
    "report_rows",
    "write_report_csv",
    "write_report_json",
    "write_report_xlsx",
]

#: Chinese column headers of the report (from :data:`sharpeyes.model.labels.COLUMNS`).
REPORT_HEADERS_ZH: Final = {key: col.zh for key, col in COLUMNS.items()}

#: Rates whose numerator is a class's networked cameras: empty on a class row without any.
_NETWORKED_RATES: Final = (
    "online_rate",
    "intact_rate",
    "village_coverage",
    "community_coverage",
    "place_coverage",
    "road_coverage",
    "grid_coverage",
)
#: which rate each target flag judges (highlighted with it)
_FLAG_RATE: Final = {
    "target_coverage_met": "place_coverage",
    "target_networking_met": "networking_rate",
    "target_hd_met": "hd_ratio",
    "target_intact_met": "intact_rate",
}
#: Excel number formats by column kind (``density`` by language); other kinds stay General.
_FORMATS: Final = {
    "int": "0",
    "rate": "0.0%",
    "km2": '0.00" km²"',
    "km": '0.00" km"',
    "m": '0" m"',
}
_DENSITY_FORMATS: Final = {"zh": '0.00" 个/km²"', "en": '0.00" per km²"'}
#: decimals of the Chinese CSV by kind (the English one keeps every digit)
_CSV_DECIMALS: Final = {"rate": 4, "km2": 4, "km": 3, "m": 1, "density": 3, "float": 6}


def _header(key: str, lang: str, headers: Mapping[str, str] | None = None) -> str:
    """The header of ``key`` in ``lang``: ``headers`` first (another hierarchy's names, Chinese),
    then a month-on-month column's (:mod:`sharpeyes.coverage.trend_xlsx`), then the labels."""
    if lang == "zh":
        if headers and key in headers:
            return headers[key]
        if key not in COLUMNS:
            from sharpeyes.coverage.trend_xlsx import compare_header

            if (compared := compare_header(key)) is not None:
                return compared
    return header(key, lang)


def check_lang(lang: str) -> str:
    """``lang`` if it is ``zh`` or ``en``, else an :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: use zh or en", field="lang", value=lang)
    return lang


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


def _networked_rate(key: str) -> bool:
    """A rate of networked cameras (a month-on-month column ``…_prev``/``…_change_pp`` is not)."""
    if key in _NETWORKED_RATES:
        return True
    return key.startswith(("place_coverage_", "road_coverage_")) and not key.endswith(
        ("_prev", "_change_pp", "_change")
    )


def presented_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as every report file shows them: integer columns as ``int`` (a population is
    ``417192``, not ``417192.0``), and on a class row without a networked camera the rates that
    count networked cameras (online, intact, village/place/road coverage) empty, not 0 %."""
    out = []
    for row in rows:
        new = {k: _as_int(v) if column(k).kind == "int" else v for k, v in row.items()}
        if new.get("point_class") != "all" and new.get("networked") == 0:
            for key in new:
                if _networked_rate(key):
                    new[key] = None
        out.append(new)
    return out


def _as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


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
    """``{"metric_crs": …, "generated_at": …, "rows": [...]}`` as UTF-8 JSON (English keys)."""
    document = {**meta, "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _csv_cell(key: str, value: Any, lang: str) -> Any:
    value = cell_value(key, value, lang)
    places = _CSV_DECIMALS.get(column(key).kind)
    if places is not None and isinstance(value, float):
        return round(value, places)
    return value


def write_report_csv(
    rows: list[dict[str, Any]],
    out: Path,
    *,
    lang: str = "zh",
    headers: Mapping[str, str] | None = None,
) -> Path:
    """One CSV (UTF-8 with BOM so that Excel opens it). ``zh``: Chinese headers (``headers``
    first) and values; ``en``: the English keys as headers and the codes as values. Integers as
    integers."""
    check_lang(lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    data: dict[str, Any] = {}
    for key in keys:
        values = [row.get(key) for row in rows]
        if lang == "zh":
            values = [_csv_cell(key, v, lang) for v in values]
        if column(key).kind == "int" and all(v is None or isinstance(v, int) for v in values):
            data[_header(key, lang, headers) if lang == "zh" else key] = pd.array(
                values, dtype="Int64"
            )
        else:
            data[_header(key, lang, headers) if lang == "zh" else key] = pd.Series(
                values, dtype=object
            )
    frame = pd.DataFrame(data)
    write_csv(frame, out)
    return out


def write_report_xlsx(
    rows: list[dict[str, Any]],
    out: Path,
    *,
    meta: dict[str, Any],
    gap_sheets: dict[str, pd.DataFrame] | None = None,
    lang: str = "zh",
    comparison: Comparison | None = None,
    trend: pd.DataFrame | None = None,
    levels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    grid_rows: list[dict[str, Any]] | None = None,
) -> Path:
    """The workbook: a sheet per level (市, 区县, 乡镇街道, 村社区) with headers and values in
    ``lang``, rates as percentages, targets met in green and missed in red; then one sheet per gap
    list (keyed by a :data:`~sharpeyes.model.labels.SHEETS` key or a title, columns by key); then
    说明 (method, CRS, targets, missing levels, time). Every table has an autofilter.

    With a ``comparison``, the 环比 sheet, and with a ``trend`` the 趋势 sheet
    (:mod:`sharpeyes.coverage.trend_xlsx`). ``levels`` (level → sheet title) and ``headers``
    (key → Chinese header) serve another hierarchy (the police one: 市公安局, 分局, 派出所)."""
    from sharpeyes.coverage import trend_xlsx

    check_lang(lang)
    wb = _styled_workbook(lang)
    trend_xlsx.add_trend_styles(wb)
    frame = pd.DataFrame(rows)
    titles = levels or {
        lvl: sheet_title(lvl, lang) for lvl in ("city", "county", "township", "village")
    }
    for level, title in titles.items():
        part = frame[frame["level"] == level] if len(frame) else frame
        if len(part) == 0:
            continue
        _write_level_sheet(wb.create_sheet(title), part, lang, headers)
    if grid_rows:  # 网格: one row per grid, all classes (sharpeyes.coverage.grids)
        _write_level_sheet(
            wb.create_sheet(sheet_title("grid", lang)), pd.DataFrame(grid_rows), lang, headers
        )
    if comparison is not None:
        trend_xlsx.write_compare_sheet(
            wb.create_sheet(trend_xlsx.COMPARE_SHEET), comparison, _styled
        )
    if trend is not None and len(trend):
        trend_xlsx.write_trend_sheet(wb.create_sheet(trend_xlsx.TREND_SHEET), trend, _styled)
    for key, sheet in (gap_sheets or {}).items():
        _write_table(wb.create_sheet(sheet_title(key, lang)), sheet, lang, headers)
    notes = wb.create_sheet(sheet_title("notes", lang))
    notes.column_dimensions["A"].width = 36
    notes.column_dimensions["B"].width = 60
    for key, value in [*notes_lines(meta, lang), *trend_xlsx.trend_notes(meta)]:
        cell = _styled(notes, value, "se_time") if hasattr(value, "tzinfo") else value
        notes.append([key, xlsx_value(notes, cell)])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _styled_workbook(lang: str) -> Any:
    """A write-only workbook with the report's named styles (header, a number format per column
    kind, met/missed fills). Write-only mode and named styles: a city of 1,500 villages × 4 classes
    in a few seconds."""
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
    formats = {**_FORMATS, "density": _DENSITY_FORMATS[lang]}
    for kind, number_format in formats.items():
        wb.add_named_style(NamedStyle(f"se_{kind}", number_format=number_format))
    wb.add_named_style(NamedStyle("se_time", number_format="yyyy-mm-dd hh:mm:ss"))
    wb.add_named_style(NamedStyle("se_pct", number_format="0.0%"))  # the month-on-month cells
    for key, fill in fills.items():
        wb.add_named_style(NamedStyle(f"se_rate_{key}", number_format="0.0%", fill=fill))
        wb.add_named_style(NamedStyle(f"se_{key}", fill=fill))
    return wb


def _styled(ws: Any, value: Any, style: str) -> Any:
    """A write-only cell holding ``value`` in the named ``style``."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.style = style
    return xlsx_text(cell)


def _table_head(
    ws: Any,
    cols: list[str],
    lang: str,
    headers: Mapping[str, str] | None = None,
    *,
    freeze: str = "A2",
) -> None:
    """Header row in ``lang``, column widths, frozen panes."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = freeze
    for j, c in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(j)].width = 20 if c in ("unit_name", "name") else 14
    ws.append([_styled(ws, _header(c, lang, headers), "se_header") for c in cols])


def _autofilter(ws: Any, n_cols: int, n_rows: int) -> None:
    from openpyxl.utils import get_column_letter

    if n_cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows + 1}"


def _write_level_sheet(
    ws: Any, part: pd.DataFrame, lang: str, headers: Mapping[str, str] | None = None
) -> None:
    """One level's rows: headers in ``lang``, frozen panes, rates coloured by their target flag."""
    cols = [c for c in part.columns if c not in ("level",)]
    _table_head(ws, cols, lang, headers, freeze="C2")
    kinds = [column(c).kind for c in cols]
    records = part.to_dict("records")
    for record in records:
        ws.append(_level_row(ws, record, cols, kinds, lang))
    _autofilter(ws, len(cols), len(records))


def _cell(ws: Any, key: str, kind: str, value: Any, lang: str) -> Any:
    """One cell of a table: the value in ``lang``, in the number format of its column's kind."""
    shown = cell_value(key, value, lang)
    if kind == "flag" and shown is not None:
        return _styled(ws, shown, "se_ok" if value else "se_bad")
    if kind in _FORMATS or kind == "density":
        return _styled(ws, shown, f"se_{kind}")
    return xlsx_value(ws, shown)


def _level_row(
    ws: Any, record: dict[Any, Any], cols: list[str], kinds: list[str], lang: str
) -> list[Any]:
    """The cells of one report row; a rate judged by a target is green when met, red when not."""
    from sharpeyes.coverage.trend_xlsx import compare_cell, is_compare_column

    judged = {rate: flag for flag, rate in _FLAG_RATE.items()}
    values: list[Any] = []
    for c, kind in zip(cols, kinds, strict=True):
        v = plain_value(record[c])
        if c not in COLUMNS and is_compare_column(c):  # month-on-month, by coverage.trend_xlsx
            values.append(compare_cell(ws, c, record))
        elif kind == "rate" and c in judged:
            flag = plain_value(record.get(judged[c]))
            style = "se_rate" if flag is None else ("se_rate_ok" if flag else "se_rate_bad")
            values.append(_styled(ws, v, style))
        else:
            values.append(_cell(ws, c, kind, v, lang))
    return values


def _write_table(
    ws: Any, sheet: pd.DataFrame, lang: str, headers: Mapping[str, str] | None = None
) -> None:
    """A gap list or findings table: headers and values in ``lang``, autofilter."""
    cols = [str(c) for c in sheet.columns]
    _table_head(ws, cols, lang, headers)
    kinds = [column(c).kind for c in cols]
    for line in sheet.itertuples(index=False):
        ws.append(
            [
                _cell(ws, c, kind, plain_value(v), lang)
                for c, kind, v in zip(cols, kinds, line, strict=True)
            ]
        )
    _autofilter(ws, len(cols), len(sheet))
