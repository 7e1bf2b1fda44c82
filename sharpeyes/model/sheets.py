"""Cells that stay data: no formula reaches a spreadsheet from an export or a report.

A camera named ``=HYPERLINK("http://…"&A2,"click")`` must reach the user as that text, never as a live
formula (CSV injection, OWASP). Two rules, applied by every writer of CSV and XLSX:

- CSV (:func:`write_csv`): a text value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
  quote in front (OWASP's rule), unless the whole text is a plain number (``-12.5`` stays as it is,
  it cannot be a formula); numeric columns are never touched.
- XLSX: every text cell is written as a string cell (openpyxl makes a string starting with ``=`` a
  formula otherwise); numbers stay numbers.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pandas as pd

#: First characters that make a spreadsheet read a CSV value as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as safe in a CSV cell: a formula-looking text gets a leading ``'``; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are :func:`csv_cell`-safe (column names too); numeric,
    boolean and date columns are left as they are."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        text = series.astype("string")
        risky = text.str.match(r"[=+\-@\t\r]").fillna(False).to_numpy(dtype=bool)
        if risky.any():
            values = series.astype(object).to_numpy(copy=True)
            values[risky] = [csv_cell(v) for v in values[risky]]
            out[column] = pd.Series(values, index=out.index, dtype=series.dtype)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Any) -> None:
    """Write ``frame`` as CSV for spreadsheets: :func:`csv_safe` cells, UTF-8 with BOM (Excel shows
    the Chinese), CRLF line ends (RFC 4180), so that a carriage return inside a value is quoted and
    cannot start a new row whose first cell would be a formula."""
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def xlsx_text(cell: Any) -> Any:
    """Make an openpyxl cell that holds a formula-looking text a string cell; returns the cell."""
    if cell.data_type == "f" and isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_value(worksheet: Any, value: Any) -> Any:
    """``value`` for ``worksheet.append`` (write-only sheets too): a string cell if it is a text
    starting with ``=``, else ``value`` itself."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        return xlsx_text(WriteOnlyCell(worksheet, value=value))
    return value


def xlsx_safe(worksheet: Any) -> int:
    """Turn every formula cell of an (ordinary, not write-only) openpyxl worksheet into a string
    cell, as after ``DataFrame.to_excel``: our writers never mean a formula. Returns how many."""
    count = 0
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                xlsx_text(cell)
                count += 1
    return count


def frames_to_xlsx(sheets: dict[str, pd.DataFrame], path: Any) -> None:
    """Write each frame to its own sheet of a new workbook at ``path``, every text a string cell."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            xlsx_safe(writer.sheets[name])


__all__ = [
    "FORMULA_STARTS",
    "csv_cell",
    "csv_safe",
    "frames_to_xlsx",
    "write_csv",
    "xlsx_safe",
    "xlsx_text",
    "xlsx_value",
]
