"""Unit codes, levels and parents of a unit frame: what the data gives wins, the digit rules of
:mod:`sharpeyes.model.divisions` fill only what is missing, and the hierarchy is a tree.

- A code is any non-empty text (grid codes, police codes, alphanumerics); digit codes are normalised.
- A level comes from the data (``--level`` or a level column), else from a statistical code's length,
  else from the level of the unit's parent in the same frame (the level below it).
- A parent comes from the data (a parent column), else from a statistical code's prefix.
- Where the data and the digit rules disagree (a village code of 5 digits, a parent that is not the
  code's prefix), the data is kept and the disagreement is a warning row (``bad_code``,
  ``parent_conflict``).
- A unit that is its own parent, or a cycle of parents, is refused with an :class:`InputError` naming
  file, row, field and the codes: a cycle would count the same cameras twice in every roll-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.model.columns import WGS84
from sharpeyes.model.divisions import (
    CODE_LENGTHS,
    LEVELS,
    code_fits_level,
    level_from_code,
    parent_from_code,
    unit_code,
)

__all__ = [
    "UNIT_PROBLEM_COLUMNS",
    "check_hierarchy",
    "problem",
    "resolve_codes",
]

UNIT_PROBLEM_COLUMNS: Final = ("file", "row", "code", "level", "kind", "reason", "area_m2")

#: Cycles named in one error at most (the count of the others follows).
_MAX_NAMED: Final = 5


def problem(
    file: str | None,
    row: int | None,
    code: str | None,
    level: str | None,
    kind: str,
    reason: str,
    area_m2: float | None = None,
) -> dict[str, object]:
    """One problem row (:data:`UNIT_PROBLEM_COLUMNS`)."""
    return {
        "file": file,
        "row": row,
        "code": code,
        "level": level,
        "kind": kind,
        "reason": reason,
        "area_m2": area_m2,
    }


def row_number(value: object) -> int | None:
    """A source row number, ``None`` when unknown."""
    return None if value is None or value != value else int(value)  # type: ignore[call-overload]


@dataclass
class _Rows:
    """The frame's code, level and parent columns as lists, filled in place."""

    codes: list[str | None]
    levels: list[str | None]
    parents: list[str | None]
    given_parent: list[bool]
    rows: list[object]


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    return list(frame[name]) if name in frame else [None] * len(frame)


def _read_rows(frame: pd.DataFrame) -> _Rows:
    levels = [v if isinstance(v, str) and v in LEVELS else None for v in _column(frame, "level")]
    parents = [unit_code(v) for v in _column(frame, "parent_code")]
    return _Rows(
        codes=[unit_code(v) for v in _column(frame, "code")],
        levels=levels,
        parents=parents,
        given_parent=[p is not None for p in parents],
        rows=list(frame["_row"]),
    )


def _level_warning(code: str, level: str) -> str:
    lengths = " or ".join(map(str, CODE_LENGTHS[level]))
    return (
        f"a statistical {level} code has {lengths} digits, got {len(code)}: kept as a {level} "
        "(the level the data gives), no parent derived from its digits"
    )


def _levels_from_parents(rows: _Rows) -> None:
    """Levels of units the data and the digits leave open: the level below their parent's."""
    index = {c: i for i, c in enumerate(rows.codes) if c is not None}
    changed = True
    while changed:
        changed = False
        for i, (code, lvl, parent) in enumerate(
            zip(rows.codes, rows.levels, rows.parents, strict=True)
        ):
            if code is None or lvl is not None or parent is None or parent not in index:
                continue
            above = rows.levels[index[parent]]
            if above is not None and LEVELS.index(above) + 1 < len(LEVELS):
                rows.levels[i] = LEVELS[LEVELS.index(above) + 1]
                changed = True


def _refusal(code: str | None, level: str | None) -> str | None:
    if code is None:
        return "unit code is missing"
    if level is None:
        return (
            f"cannot tell the level of code {code!r}: give --level, a level column, or a parent "
            "whose level is known"
        )
    return None


def resolve_codes(
    frame: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    """Rows with a code and a level, parents completed (module docstring); the rows whose code is
    missing or whose level cannot be told are refused into ``problems`` (kind ``bad_code``)."""
    rows = _read_rows(frame)
    given_level = [lvl is not None for lvl in rows.levels]
    for i, code in enumerate(rows.codes):
        if code is not None and rows.levels[i] is None:
            rows.levels[i] = level_from_code(code)
    _levels_from_parents(rows)
    known = {c for c in rows.codes if c is not None}
    keep = np.ones(len(frame), dtype=bool)
    for i, (code, lvl) in enumerate(zip(rows.codes, rows.levels, strict=True)):
        refused = _refusal(code, lvl)
        if refused is not None:
            problems.append(problem(file, row_number(rows.rows[i]), code, lvl, "bad_code", refused))
            keep[i] = False
            continue
        assert code is not None and lvl is not None
        _complete_parent(rows, i, known, given_level=given_level[i], file=file, problems=problems)
    return gpd.GeoDataFrame(
        {
            "code": rows.codes,
            "name": frame["name"].astype(object).to_numpy() if "name" in frame else None,
            "level": rows.levels,
            "parent_code": rows.parents,
            "population": pd.to_numeric(frame.get("population"), errors="coerce")
            if "population" in frame
            else np.nan,
            **(
                {"village_kind": frame["village_kind"].to_numpy()}
                if "village_kind" in frame
                else {}
            ),
            "_row": rows.rows,
        },
        geometry=frame.geometry.to_numpy(),
        crs=WGS84,
    )[keep].reset_index(drop=True)


def _complete_parent(
    rows: _Rows,
    i: int,
    known: set[str],
    *,
    given_level: bool,
    file: str | None,
    problems: list[dict[str, object]],
) -> None:
    """Fill row ``i``'s parent from its code where the data gives none; warn where they disagree."""
    code, lvl, given = rows.codes[i], rows.levels[i], rows.parents[i]
    assert code is not None and lvl is not None
    row = row_number(rows.rows[i])
    fits = code_fits_level(code, lvl)
    if given_level and not fits and lvl in CODE_LENGTHS and code.isascii() and code.isdigit():
        problems.append(problem(file, row, code, lvl, "bad_code", _level_warning(code, lvl)))
    derived = parent_from_code(code, lvl, known)
    if given is None:
        rows.parents[i] = derived
    elif derived is not None and given != derived and given != code:
        problems.append(
            problem(
                file,
                row,
                code,
                lvl,
                "parent_conflict",
                f"parent {given} given, the code's digits say {derived}: {given} is used",
            )
        )


def _cycles(codes: Sequence[str], parents: Sequence[str | None]) -> list[list[str]]:
    """Every cycle of the parent links among ``codes`` (a self-parent is a cycle of one)."""
    parent = {c: p for c, p in zip(codes, parents, strict=True) if p is not None}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []
    for start in codes:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur in parent and state.get(cur) is None:
            state[cur] = 1
            path.append(cur)
            cur = parent[cur]
        if cur is not None and state.get(cur) == 1:
            found.append(path[path.index(cur) :])
        for c in path:
            state[c] = 2
    return found


def check_hierarchy(
    units: pd.DataFrame, *, file: str | None = None, parent_field: str | None = None
) -> None:
    """Refuse a unit that is its own parent and any cycle of parents (:class:`InputError`).

    The error names the file, the first offending row (``_row`` when the frame has it), the parent
    field and every cycle (up to five, then how many more), so all of them can be fixed at once.
    """
    codes = [str(c) for c in units["code"]]
    parents = [None if pd.isna(p) else str(p) for p in units["parent_code"]]
    cycles = _cycles(codes, parents)
    if not cycles:
        return
    rows = list(units["_row"]) if "_row" in units else [None] * len(codes)
    row_of = dict(zip(codes, rows, strict=True))
    named = [
        f"{c[0]} is its own parent"
        if len(c) == 1
        else "parents in a cycle " + " → ".join([*c, c[0]])
        for c in cycles[:_MAX_NAMED]
    ]
    more = f" (and {len(cycles) - _MAX_NAMED} more)" if len(cycles) > _MAX_NAMED else ""
    first = min(cycles[0], key=lambda c: row_number(row_of[c]) or 0)
    raise InputError(
        f"a unit cannot be its own parent or ancestor: {'; '.join(named)}{more}; fix the parent "
        "codes (a cycle would count the same cameras twice)",
        file=file,
        row=row_number(row_of[first]),
        field=parent_field or "parent_code",
        value=first,
    )
