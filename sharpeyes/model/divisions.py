"""Administrative division codes: the levels, the digit rules that derive a level or a parent, and
the kind of a village-level unit (administrative village, community, virtual unit).

Codes are strings, any non-empty text (grid codes, police codes, other countries' codes). Statistical
division codes have 6 digits for a county (区县), 9 for a township or street (乡镇/街道) and 12 for a
village or community (村/社区); a city has 4, or 6 ending in ``00``. The digit rules here only fill a
*missing* level or parent; a level or parent given by the data wins, and a unit is never its own
parent.

In a 12-digit statistical code, digits 10–12 say what a village-level unit is: 001–199 a residents'
committee (居民委员会, a community), 200–399 a villagers' committee (村民委员会, an administrative
village), 400–599 units set up like one of them in industrial parks, farms and the like (virtual units,
counted as neither).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sharpeyes.model.frames import obj_array

__all__ = [
    "CODE_LENGTHS",
    "LEVELS",
    "VILLAGE_KINDS",
    "code_fits_level",
    "level_from_code",
    "normalise_code",
    "normalise_codes",
    "parent_from_code",
    "unit_code",
    "village_kind_from_code",
    "village_kind_from_name",
    "village_kind_from_word",
    "village_kinds",
]

#: Levels from the top; a unit's parent is at a previous level. ``grid`` (网格) is the 综治
#: platform's finest unit below a village or community: its codes are any string, its parent is
#: always given (never derived from the code), see :mod:`sharpeyes.ingest.grids`.
LEVELS: Final = ("city", "county", "township", "village", "grid")

#: Digits a statistical code of each level has (levels not named here have no digit rule).
CODE_LENGTHS: Final = {"city": (4, 6), "county": (6,), "township": (9,), "village": (12,)}

#: Kinds of a village-level unit: 村民委员会, 居民委员会, a virtual unit.
VILLAGE_KINDS: Final = ("village", "community", "virtual")

# longest suffix first: 村民委员会 and 居民委员会 both end in 委员会
_NAME_SUFFIXES: Final = (
    ("村民委员会", "village"),
    ("居民委员会", "community"),
    ("家属委员会", "community"),
    ("村委会", "village"),
    ("居委会", "community"),
    ("家委会", "community"),
    ("虚拟社区", "virtual"),
    ("虚拟村", "virtual"),
    ("社区", "community"),
    ("嘎查", "village"),
    ("村", "village"),
)

_KIND_WORDS: Final = {
    "village": "village",
    "administrative village": "village",
    "villagers' committee": "village",
    "村": "village",
    "行政村": "village",
    "村委会": "village",
    "村民委员会": "village",
    "community": "community",
    "residents' committee": "community",
    "社区": "community",
    "居委会": "community",
    "居民委员会": "community",
    "virtual": "virtual",
    "虚拟": "virtual",
    "虚拟单位": "virtual",
    "虚拟社区": "virtual",
    "虚拟村": "virtual",
}


def unit_code(value: object) -> str | None:
    """A unit code as text: any non-empty string, stripped; digit codes as :func:`normalise_code`.

    ``12.0`` (a spreadsheet's float) reads as ``12``; blanks and NaN are ``None``.
    """
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    if re.fullmatch(r"[0-9]+\.0", text):
        text = text[:-2]
    if not text:
        return None
    return normalise_code(text) if text.isascii() and text.isdigit() else text


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


def _digits(code: str) -> bool:
    return code.isascii() and code.isdigit()


def code_fits_level(code: str, level: str) -> bool:
    """Whether ``code`` is a statistical code of ``level`` (digits of that level's length)."""
    lengths = CODE_LENGTHS.get(level)
    return lengths is not None and _digits(code) and len(code) in lengths


def level_from_code(code: str | None) -> str | None:
    """The level a statistical code's length says (``None`` when it says none, or not digits)."""
    if code is None or not _digits(code):
        return None
    if len(code) == 4 or (len(code) == 6 and code.endswith("00")):
        return "city"
    return {6: "county", 9: "township", 12: "village"}.get(len(code))


def parent_from_code(code: str, level: str, known: Collection[str] = ()) -> str | None:
    """The parent's code by prefix: township of a village, county of a township, city of a county
    (a grid's parent is never derived: ``None``).

    Only for a statistical code of its level (:func:`code_fits_level`); never ``code`` itself. A
    county's city is ``code[:4] + "00"``, or the 4-digit ``code[:4]`` when that one is in ``known``
    or the county code itself ends in ``00``.
    """
    if not code_fits_level(code, level):
        return None
    if level == "village":
        return code[:9]
    if level == "township":
        return code[:6]
    if level == "county":
        six = code[:4] + "00"
        return code[:4] if six == code or (code[:4] in known and six not in known) else six
    return None


def village_kind_from_code(code: str | None) -> str | None:
    """``village``/``community``/``virtual`` from a 12-digit statistical code's last three digits."""
    if code is None or len(code) != 12 or not _digits(code):
        return None
    tail = int(code[9:])
    if 1 <= tail <= 199:
        return "community"
    if 200 <= tail <= 399:
        return "village"
    if 400 <= tail <= 599:
        return "virtual"
    return None


def village_kind_from_name(name: object) -> str | None:
    """The kind a unit's name says by its suffix (…村民委员会/村委会/村, …居民委员会/居委会/社区)."""
    if not isinstance(name, str):
        return None
    text = name.strip()
    for suffix, kind in _NAME_SUFFIXES:
        if text.endswith(suffix):
            return kind
    return None


def village_kind_from_word(word: object) -> str | None:
    """The kind a ``kind`` column's value names (村/行政村/village, 社区/居委会/community, 虚拟/virtual)."""
    if not isinstance(word, str):
        return None
    text = word.strip().lower()
    return text if text in VILLAGE_KINDS else _KIND_WORDS.get(text)


def _committee_kind(code: str | None, name: object) -> str | None:
    """The kind by code, else by name; a name that says the other committee wins over the code."""
    by_code = village_kind_from_code(code)
    by_name = village_kind_from_name(name)
    committees = ("village", "community")
    if by_code in committees and by_name in committees:
        return by_name
    return by_code or by_name


def village_kinds(
    codes: pd.Series, names: pd.Series, given: pd.Series | None = None
) -> NDArray[np.object_]:
    """The kind of each village-level unit: the ``given`` kind, else by statistical code, else by name.

    Where a 12-digit code and the name's suffix name opposite committees (…村 on a 001–199 code,
    …社区 on a 200–399 one: local and hand-made lists often number villages from 001), the name
    wins; on the national code lists the two agree. ``None`` where nothing tells; callers count
    such units as administrative villages (their level says village).
    """
    out = np.full(len(codes), None, dtype=object)
    given_arr = obj_array(given) if given is not None else out
    for i, (code, name, word) in enumerate(
        zip(obj_array(codes), obj_array(names), given_arr, strict=True)
    ):
        out[i] = village_kind_from_word(word) or _committee_kind(
            None if code is None else str(code), name
        )
    return out
