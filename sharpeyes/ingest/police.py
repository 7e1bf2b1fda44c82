"""Police jurisdictions from files: city bureau → sub-bureau (分局) → police station (派出所).

A file holds polygons (GeoJSON, GeoPackage, Shapefile, a CSV with ``wkt``) or a code list with
parents and no polygons. The frame is :data:`sharpeyes.model.columns.UNIT_COLUMNS` in EPSG:4326
with ``level`` one of :data:`~sharpeyes.model.police.POLICE_LEVELS`. Codes are kept as written
(:func:`~sharpeyes.model.police.police_code`): no administrative digit rule applies to them.

A row's level is, in this order: ``--level``; a level column (``分局``, ``派出所``, ``station`` …);
the name's ending (``…派出所``, ``…分局``); its place in the tree (a root is the bureau, a bureau's
child a sub-bureau, a sub-bureau's child a station). Every problem is one row of the problems frame
(:data:`~sharpeyes.ingest.unit_checks.UNIT_PROBLEM_COLUMNS`); refused rows say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.reproject import frame_to_wgs84
from sharpeyes.ingest.unit_checks import (
    UNIT_PROBLEM_COLUMNS,
    UnitLayer,
    _repaired_geometry,
    check_siblings,
)
from sharpeyes.ingest.units import (
    _NAME_FIELDS,
    _PARENT_FIELDS,
    _POPULATION_FIELDS,
    _read_any,
    pick_field,
)
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.police import POLICE_LEVELS, level_from_name, level_from_word, police_code

__all__ = ["police_units_from_file", "police_units_from_frame"]

_CODE_FIELDS: Final = (
    "code",
    "police_code",
    "org_code",
    "机构代码",
    "单位代码",
    "组织机构代码",
    "公安机关机构代码",
    "代码",
    "unit_code",
)
_POLICE_NAME_FIELDS: Final = ("name", "机构名称", "单位名称", "名称", *_NAME_FIELDS)
_POLICE_PARENT_FIELDS: Final = ("parent_code", "上级机构代码", "上级单位代码", *_PARENT_FIELDS)
_LEVEL_FIELDS: Final = ("level", "级别", "层级", "机构层级", "kind", "类型")
_ORDER: Final = tuple(POLICE_LEVELS)


def _problem(
    file: str | None, row: object, code: str | None, level: str | None, kind: str, reason: str
) -> dict[str, object]:
    return {
        "file": file,
        "row": None if row is None or row != row else int(row),  # type: ignore[call-overload]
        "code": code,
        "level": level,
        "kind": kind,
        "reason": reason,
        "area_m2": None,
    }


def police_units_from_file(
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    crs: str = "wgs84",
    known_levels: Mapping[str, str] | None = None,
) -> UnitLayer:
    """Read police units (jurisdiction polygons or a code list with parents).

    Parameters
    ----------
    path
        The file; CSVs may have no geometry or a ``wkt``/``geometry`` column.
    level
        ``bureau``, ``sub_bureau`` or ``station`` for every row; default as the module says.
    code_field, name_field, parent_field
        Column names; default found among usual names (``code``/``机构代码``, ``name``/``机构名称``,
        ``parent_code``/``上级机构代码``).
    crs
        As :func:`~sharpeyes.ingest.reproject.frame_to_wgs84`: ``wgs84``/``cgcs2000``, ``gcj02``,
        ``bd09`` or ``EPSG:xxxx`` for files without a CRS.
    known_levels
        Levels of police units already stored, by code: a parent outside the file still places
        its children in the tree.
    """
    path = Path(path)
    file = str(path)
    if level is not None and level not in POLICE_LEVELS:
        raise InputError(
            f"unknown police level {level!r}: use one of {', '.join(POLICE_LEVELS)}", field="level"
        )
    raw = _read_any(path)
    columns = [c for c in raw.columns if c != raw.geometry.name]
    code_col = pick_field(columns, code_field, _CODE_FIELDS, "code", file)
    if code_col is None:
        raise InputError(
            f"no code column found (looked for {', '.join(_CODE_FIELDS)}): give --code-field",
            file=file,
        )
    name_col = pick_field(columns, name_field, _POLICE_NAME_FIELDS, "name", file)
    parent_col = pick_field(columns, parent_field, _POLICE_PARENT_FIELDS, "parent", file)
    level_col = None if level else pick_field(columns, None, _LEVEL_FIELDS, "level", file)
    pop_col = pick_field(columns, None, _POPULATION_FIELDS, "population", file)
    gdf = frame_to_wgs84(raw, crs, file)
    n = len(gdf)
    frame = gpd.GeoDataFrame(
        {
            "code": [police_code(v) for v in gdf[code_col]],
            "name": gdf[name_col].astype(object).to_numpy() if name_col else [None] * n,
            "level": [level] * n if level else _column_levels(gdf, level_col),
            "parent_code": [police_code(v) for v in gdf[parent_col]] if parent_col else [None] * n,
            "population": pd.to_numeric(gdf[pop_col], errors="coerce")
            if pop_col
            else np.full(n, np.nan),
            "_row": np.arange(n) + (2 if path.suffix.lower() in {".csv", ".txt"} else 1),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=WGS84,
    )
    return police_units_from_frame(frame, file=file, known_levels=known_levels)


def _column_levels(gdf: gpd.GeoDataFrame, level_col: str | None) -> list[str | None]:
    if level_col is None:
        return [None] * len(gdf)
    return [level_from_word(v) for v in gdf[level_col]]


def police_units_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    file: str | None = None,
    known_levels: Mapping[str, str] | None = None,
) -> UnitLayer:
    """Check and complete a police unit frame in EPSG:4326 (``code, name, level, parent_code,
    population, geometry`` and optionally ``_row``): codes, self-parents, cycles, levels, geometry
    repair, sibling overlaps and gaps."""
    problems: list[dict[str, object]] = []
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(len(frame)) + 1)
    index = frame.index
    frame = frame.assign(
        code=_objects((police_code(v) for v in frame["code"]), index),
        parent_code=_objects((police_code(v) for v in frame["parent_code"]), index),
        level=_objects(
            (v if isinstance(v, str) and v in POLICE_LEVELS else None for v in frame["level"]),
            index,
        ),
        name=_objects((None if police_code(v) is None else str(v) for v in frame["name"]), index),
    )
    frame = _with_codes(frame.reset_index(drop=True), file, problems)
    frame = _without_cycles(frame, file, problems)
    frame = _with_levels(frame, file, problems, dict(known_levels or {}))
    frame = _repaired_geometry(frame, file, problems)
    out = frame[list(UNIT_COLUMNS)].astype(
        {"code": "string", "level": "string", "parent_code": "string", "name": "string"}
    )
    units = gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84).reset_index(drop=True)
    sib = check_siblings(units, file=file)
    table = pd.DataFrame(problems, columns=list(UNIT_PROBLEM_COLUMNS))
    if len(sib):
        table = pd.concat([table, sib], ignore_index=True)
    return UnitLayer(units=units, problems=table)


def _objects(values: Iterable[str | None], index: pd.Index) -> pd.Series:
    """An object column whose missing values are ``None`` (a list of strings would become a
    string column, whose missing values are NaN)."""
    return pd.Series(list(values), dtype=object, index=index)


def _with_codes(
    frame: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    """Rows with a code, each code once, never its own parent; the others refused."""
    keep = np.ones(len(frame), dtype=bool)
    seen: set[str] = set()
    for i, (code, parent, row) in enumerate(
        zip(frame["code"], frame["parent_code"], frame["_row"], strict=True)
    ):
        if code is None:
            problems.append(_problem(file, row, None, None, "bad_code", "unit code is missing"))
        elif code in seen:
            problems.append(
                _problem(
                    file,
                    row,
                    code,
                    None,
                    "duplicate_code",
                    "code appears more than once: the first row is kept",
                )
            )
        elif parent == code:
            problems.append(
                _problem(
                    file,
                    row,
                    code,
                    None,
                    "self_parent",
                    f"unit {code} names itself as its parent: row not imported",
                )
            )
        else:
            seen.add(code)
            continue
        keep[i] = False
    return frame[keep].reset_index(drop=True)


def _without_cycles(
    frame: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    """Units whose parent chain comes back to themselves refused (each named, with the cycle)."""
    parent = dict(zip(frame["code"], frame["parent_code"], strict=True))
    in_cycle: dict[str, list[str]] = {}
    for start in parent:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur in parent and cur not in path and cur not in in_cycle:
            path.append(cur)
            cur = parent[cur]
        if cur is not None and cur in path:
            cycle = path[path.index(cur) :]
            for code in cycle:
                in_cycle[code] = cycle
    if not in_cycle:
        return frame
    for code, row in zip(frame["code"], frame["_row"], strict=True):
        if code in in_cycle:
            chain = " → ".join([*in_cycle[code], in_cycle[code][0]])
            problems.append(
                _problem(
                    file, row, code, None, "cycle", f"parents go round ({chain}): row not imported"
                )
            )
    return frame[~frame["code"].isin(set(in_cycle))].reset_index(drop=True)


def _with_levels(
    frame: gpd.GeoDataFrame,
    file: str | None,
    problems: list[dict[str, object]],
    known: dict[str, str],
) -> gpd.GeoDataFrame:
    """Levels given, else by name, else by the parent's level; rows without one refused."""
    codes = list(frame["code"])
    parents = dict(zip(codes, frame["parent_code"], strict=True))
    level: dict[str, str | None] = {
        c: given or level_from_name(name)
        for c, given, name in zip(codes, frame["level"], frame["name"], strict=True)
    }

    def resolve(code: str, depth: int = 0) -> str | None:
        if level.get(code) is not None or depth > len(codes):
            return level.get(code)
        parent = parents.get(code)
        if parent is None:
            found: str | None = "bureau"
        else:
            above = resolve(parent, depth + 1) if parent in level else known.get(parent)
            found = None if above is None else _ORDER[min(_ORDER.index(above) + 1, 2)]
        level[code] = found
        return found

    for code in codes:
        resolve(code)
    keep = np.ones(len(frame), dtype=bool)
    for i, (code, row) in enumerate(zip(codes, frame["_row"], strict=True)):
        lvl, parent = level[code], parents[code]
        above = level.get(parent) if parent in level else known.get(parent or "")
        if lvl is None:
            keep[i] = False
            problems.append(
                _problem(
                    file,
                    row,
                    code,
                    None,
                    "bad_code",
                    f"cannot tell the police level of {code!r} (parent {parent} unknown): "
                    "give --level or a level column",
                )
            )
        elif parent is not None and above is None:
            problems.append(
                _problem(
                    file,
                    row,
                    code,
                    lvl,
                    "missing_parent",
                    f"parent {parent} is not a known police unit: {code} is counted as a root",
                )
            )
        elif above is not None and _ORDER.index(above) >= _ORDER.index(lvl):
            problems.append(
                _problem(
                    file,
                    row,
                    code,
                    lvl,
                    "level_order",
                    f"a {lvl} under a {above} ({parent}): kept, check the levels",
                )
            )
    out = frame.assign(level=[level[c] for c in codes])
    return out[keep].reset_index(drop=True)
