"""The police hierarchy: city bureau (市公安局) → sub-bureau (分局) → police station (派出所).

Police units are kept apart from administrative units (their 12-digit public-security organisation
codes can equal administrative codes, e.g. ``211200000000``): their own store table, their own
report, their own map layers. Codes are strings, kept as written (no digit rule shortens them).

The KPI machinery (:mod:`sharpeyes.coverage`) knows the administrative levels; a police tree runs
through it with each police level standing in one administrative level's slot
(:data:`POLICE_SLOTS`), and is translated back afterwards (:mod:`sharpeyes.coverage.police`).
"""

from __future__ import annotations

import re
from typing import Final

from sharpeyes.model.codes import Code

__all__ = [
    "HIERARCHIES",
    "POLICE_LEVELS",
    "POLICE_SLOTS",
    "level_from_name",
    "level_from_word",
    "police_code",
]

#: The hierarchies a unit belongs to (``admin``: statistical divisions; ``police``: organisations).
HIERARCHIES: Final = ("admin", "police")

#: Police levels from the top, with their Chinese (sheet names) and English labels.
POLICE_LEVELS: Final = {
    "bureau": Code("bureau", "市公安局", "city public-security bureau"),
    "sub_bureau": Code("sub_bureau", "分局", "sub-bureau"),
    "station": Code("station", "派出所", "police station"),
}

#: The administrative level whose place each police level takes in the KPI machinery.
POLICE_SLOTS: Final = {"bureau": "city", "sub_bureau": "county", "station": "township"}

_LEVEL_WORDS: Final = {
    "bureau": "bureau",
    "city_bureau": "bureau",
    "市公安局": "bureau",
    "公安局": "bureau",
    "市局": "bureau",
    "sub_bureau": "sub_bureau",
    "sub-bureau": "sub_bureau",
    "subbureau": "sub_bureau",
    "branch": "sub_bureau",
    "分局": "sub_bureau",
    "县公安局": "sub_bureau",
    "区公安局": "sub_bureau",
    "县局": "sub_bureau",
    "station": "station",
    "police_station": "station",
    "派出所": "station",
    "所": "station",
}


def _missing(value: object) -> bool:
    """``None``, NaN or ``pandas.NA`` (whose comparison cannot be made a bool)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        return True


def level_from_word(value: object) -> str | None:
    """The police level a level column's word says (``分局``, ``station`` …), else ``None``."""
    if _missing(value):
        return None
    return _LEVEL_WORDS.get(str(value).strip().lower())


def level_from_name(name: object) -> str | None:
    """The police level an organisation's name says by its ending, else ``None``.

    ``…派出所`` is a station; ``…分局`` and a county's ``…县公安局``/``…市公安局`` under a city bureau
    cannot be told apart by name alone, so only ``…分局`` is read as a sub-bureau and ``…公安局`` is
    left to the tree (a root is the bureau, its children sub-bureaux).
    """
    if _missing(name):
        return None
    text = str(name).strip()
    if text.endswith("派出所"):
        return "station"
    if text.endswith("分局"):
        return "sub_bureau"
    return None


def police_code(value: object) -> str | None:
    """An organisation code as text: stripped, a trailing ``.0`` (a number read by a spreadsheet)
    removed; ``None`` when empty. Never shortened: ``211200000000`` stays 12 characters."""
    if _missing(value):
        return None
    text = str(value).strip()
    if re.fullmatch(r"[0-9]+\.0", text):
        text = text[:-2]
    return text or None
