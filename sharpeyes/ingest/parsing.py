"""Raw text values → typed values: numbers (also degrees-minutes-seconds), dates, code columns
parsed once per distinct value, and :class:`Notes`, the per-row warnings and rejects of one frame.

The building blocks of the stages in :mod:`sharpeyes.ingest.stages`; pure, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from sharpeyes.ingest import _arrow as ax
from sharpeyes.model.codes import DIRECTION_HEADING_DEG, PTZTYPE_TO_CAMERA_TYPE, parse_direction
from sharpeyes.model.coords import parse_dms

_HD_WORDS: Final = {
    "是": True,
    "高清": True,
    "hd": True,
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "√": True,
    "否": False,
    "标清": False,
    "sd": False,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "×": False,
}

_NUMBER_CLEAN = re.compile(r"[°度米m\s]+$|^\s+")
#: A value with one of these is an angle written out: read strictly by model.coords.parse_dms.
_ANGLE_MARKS = re.compile(r"[°º˚度'′’分\"″”秒NSEWnsew东西南北]")
_DATE_PATTERNS: Final = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\d{6})?$"),
)
_MONTH_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


# -- small vectorised helpers ---------------------------------------------------------------------


class Parsed:
    """A code column parsed once per distinct value: ``codes`` index ``table`` (-1 = missing)."""

    def __init__(
        self, codes: np.ndarray, table: list[Any], uniques: list[str] | None = None
    ) -> None:
        self.codes = codes
        self.uniques = uniques or []
        self.table = [*table, None]  # index -1: missing
        self.missing_u = np.array([v is None for v in self.table], dtype=bool)
        self.missing = self.missing_u[codes]
        self.unreadable = (codes >= 0) & self.missing

    def objects(self) -> np.ndarray:
        table = np.empty(len(self.table), dtype=object)
        table[:] = self.table
        objects: np.ndarray = table[self.codes]
        return objects

    def texts(self) -> pa.ChunkedArray:
        """The parsed values as a text column (``table`` holds text or ``None``), taken from the
        distinct values in Arrow: no Python object per row."""
        table = pa.array(self.table, ax.TEXT)
        at = np.where(self.codes < 0, len(self.table) - 1, self.codes)
        return pa.chunked_array([table.take(pa.array(at))])

    def ints(self, dtype: str) -> pd.api.extensions.ExtensionArray:
        values = np.array([0 if v is None else int(v) for v in self.table], dtype=np.int64)
        return pd.arrays.IntegerArray(values[self.codes].astype(dtype.lower()), self.missing.copy())

    def bools(self) -> pd.arrays.BooleanArray:
        values = np.array([bool(v) if v is not None else False for v in self.table], dtype=bool)
        return pd.arrays.BooleanArray(values[self.codes], self.missing.copy())


def by_value(values: pa.ChunkedArray, parse: Callable[[str], Any]) -> Parsed:
    """Apply ``parse`` once per distinct value (``None`` from ``parse`` = not understood)."""
    codes, uniques = ax.factorize(values)
    return Parsed(codes, [_safely(parse, v) for v in uniques], uniques)


def _safely(parse: Callable[[str], Any], value: str) -> Any:
    """``parse(NFKC(value))`` (full-width ``１类`` reads as ``1类``); a value a parser chokes on is
    counted as not understood."""
    try:
        return parse(unicodedata.normalize("NFKC", value))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def to_float(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text; returns (float64 array with NaN for missing/bad, not-a-number mask).

    Degree/metre marks and spaces are allowed; the few values that are not plain numbers are tried
    one by one, also as degrees-minutes-seconds (``123°45'30"E``).
    """
    number, other = ax.floats(values)
    if other.any():
        idx = np.flatnonzero(other)
        for i, value in zip(idx, ax.take(values, other), strict=True):
            fixed = parse_number(str(value))
            if fixed is not None:
                number[i] = fixed
                other[i] = False
    return number, other


def parse_number(text: str) -> float | None:
    """A number from registry text: plain (``123.5``, ``50米``, ``1,5``) or degrees-minutes-seconds
    (``123°50′30″E``, strict: minutes and seconds below 60), else ``None``."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if _ANGLE_MARKS.search(cleaned):
        return parse_dms(cleaned)
    cleaned = (
        _NUMBER_CLEAN.sub("", cleaned).replace(",", ".") if cleaned.count(",") == 1 else cleaned
    )
    cleaned = _NUMBER_CLEAN.sub("", cleaned)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def parse_date(text: str) -> str | None:
    t = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                return None
    m = _MONTH_PATTERN.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    if re.fullmatch(r"\d{4}年?", t):
        return t[:4]
    if re.fullmatch(r"\d{5}(\.\d+)?", t):  # Excel serial day number
        serial = float(t)
        if 20000 <= serial <= 80000:
            return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(serial))).date().isoformat()
    return None


def hd_flag(text: str) -> bool | None:
    return _HD_WORDS.get(text.strip().lower())


def ptz_camera_type(text: str) -> int | None:
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    return PTZTYPE_TO_CAMERA_TYPE.get(int(t)) if t.isascii() and t.isdigit() else None


def direction(text: str) -> tuple[float | None, bool] | None:
    """(heading in degrees or None for 全向, omnidirectional?) from a 监视方位 value."""
    code = parse_direction(text)
    if code == 9:
        return None, True
    if code is not None:
        return DIRECTION_HEADING_DEG[code], False
    number = parse_number(text)
    if number is not None and 0.0 <= number <= 360.0:
        return number % 360.0, False
    compass = _COMPASS16.get(text.strip().upper())
    if compass is not None:
        return compass, False
    return None


_COMPASS16: Final = {
    name: i * 22.5
    for i, name in enumerate(
        [
            "N",
            "NNE",
            "NE",
            "ENE",
            "E",
            "ESE",
            "SE",
            "SSE",
            "S",
            "SSW",
            "SW",
            "WSW",
            "W",
            "WNW",
            "NW",
            "NNW",
        ]
    )
}


class Notes:
    """Collects per-row warnings and rejects without per-row Python for clean rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.warnings = np.full(n, "", dtype=object)
        self.any_warning = False
        self.refused = np.zeros(n, dtype=bool)
        self.rejects: list[tuple[int, str | None, object, str]] = []

    def warn(self, mask: np.ndarray, message: str | np.ndarray) -> None:
        if not mask.any():
            return
        self.any_warning = True
        part: Any = message if isinstance(message, str) else message[mask]
        current = self.warnings[mask]
        self.warnings[mask] = np.where(current == "", part, current + "; " + part)

    def refuse(
        self,
        mask: np.ndarray,
        column: str | None,
        values: pa.ChunkedArray | None,
        reason: str | Callable[[int, object], str],
    ) -> None:
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        shown = ax.take(values, mask) if values is not None else [None] * len(idx)
        for i, value in zip(idx, shown, strict=True):
            text = reason(int(i), value) if callable(reason) else reason
            self.rejects.append((int(i), column, None if value is None else str(value), text))
        self.refused |= mask


def codes(values: pa.ChunkedArray, parse: Callable[[str], Any], notes: Notes, label: str) -> Parsed:
    parsed = by_value(values, parse)
    unreadable = parsed.unreadable
    if unreadable.any():
        messages = np.full(len(unreadable), "", dtype=object)
        for i, value in zip(np.flatnonzero(unreadable), ax.take(values, unreadable), strict=True):
            messages[i] = f"{label} {str(value)[:40]!r} not understood"
        notes.warn(unreadable, messages)
    return parsed
