"""Administrative division codes: the levels, and the digit rules that derive a level or a parent.

Codes are strings. Statistical division codes have 6 digits for a county (区县), 9 for a township or
street (乡镇/街道) and 12 for a village or community (村/社区); a city has 4, or 6 ending in ``00``.
The rules here only fill a *missing* level or parent; a parent given by the data wins.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sharpeyes.model.frames import obj_array

__all__ = [
    "LEVELS",
    "level_from_code",
    "normalise_code",
    "normalise_codes",
    "parent_from_code",
]

#: Levels from the top; a unit's parent is at the previous level. ``grid`` (网格) is the 综治
#: platform's finest unit below a village or community: its codes are any string, its parent is
#: always given (never derived from the code), see :mod:`sharpeyes.ingest.grids`.
LEVELS: Final = ("city", "county", "township", "village", "grid")


def normalise_code(value: object) -> str | None:
    """Digits of a division code, with 12-digit padded county/township codes shortened."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not re.fullmatch(r"[0-9]+", text):
        return None
    if len(text) == 12 and text.endswith("000000"):
        text = text[:6]
    elif len(text) == 12 and text.endswith("000"):
        text = text[:9]
    return text


def normalise_codes(values: pd.Series) -> NDArray[np.object_]:
    """:func:`normalise_code` over a column, vectorised (object array, ``None`` where unusable)."""
    text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    ok = text.str.fullmatch(r"[0-9]+").fillna(False).to_numpy(dtype=bool)
    text = text.where(~(text.str.len().eq(12) & text.str.endswith("000000")), text.str[:6])
    text = text.where(~(text.str.len().eq(12) & text.str.endswith("000")), text.str[:9])
    out = obj_array(text)
    out[~ok] = None
    return out


def level_from_code(code: str | None) -> str | None:
    """The level a code's length says (``None`` when it says none)."""
    if code is None:
        return None
    if len(code) == 4 or (len(code) == 6 and code.endswith("00")):
        return "city"
    return {6: "county", 9: "township", 12: "village"}.get(len(code))


def parent_from_code(code: str, level: str) -> str | None:
    """The parent's code by prefix: township of a village, county of a township, city of a county
    (a grid's parent is never derived: ``None``)."""
    if level == "village":
        return code[:9]
    if level == "township":
        return code[:6]
    if level == "county":
        return code[:4] + "00"
    return None
