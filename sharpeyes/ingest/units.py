"""Administrative units from files, checked on the way in (:mod:`sharpeyes.ingest.unit_checks`).

Units are county (区县), township/street (乡镇/街道) and village/community (村/社区), plus the city;
codes are any text, and statistical codes (6, 9, 12 digits; a city 4, or 6 ending in ``00``) tell a
missing level or parent (:mod:`sharpeyes.ingest.unit_codes`). The frame is
:data:`sharpeyes.model.columns.UNIT_COLUMNS` (``code, name, level, parent_code, population,
geometry``) in EPSG:4326; a unit may have no geometry (code lists such as the Tieling CSVs).

Every problem found is one row of a problems frame (:data:`UNIT_PROBLEM_COLUMNS`); nothing is
dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import check_archive
from sharpeyes.ingest.reproject import frame_to_wgs84
from sharpeyes.ingest.unit_checks import (
    UNIT_PROBLEM_COLUMNS,
    UnitLayer,
    check_siblings,
    missing_parents,
    normalise_units,
)
from sharpeyes.model.columns import WGS84
from sharpeyes.model.divisions import LEVELS, unit_code

__all__ = [
    "LEVELS",
    "UNIT_PROBLEM_COLUMNS",
    "UnitLayer",
    "check_siblings",
    "missing_parents",
    "normalise_units",
    "units_from_file",
]

_CODE_FIELDS: Final = ("code", "unit_code", "adcode", "区划代码", "代码", "统计用区划代码", "gb")
_NAME_FIELDS: Final = ("name", "unit_name", "名称", "单位名称", "district", "city", "province")
_PARENT_FIELDS: Final = (
    "parent_code",
    "parent",
    "上级代码",
    "上级区划代码",
    "streetCode",
    "areaCode",
    "cityCode",
)
_LEVEL_FIELDS: Final = ("level", "级别", "层级")
_KIND_FIELDS: Final = ("kind", "village_kind", "村居类型", "类型", "类别")
_POPULATION_FIELDS: Final = ("population", "pop", "人口", "户籍人口", "常住人口")

_LEVEL_WORDS: Final = {
    "city": "city",
    "市": "city",
    "地级市": "city",
    "county": "county",
    "district": "county",
    "区县": "county",
    "区": "county",
    "县": "county",
    "县级市": "county",
    "township": "township",
    "town": "township",
    "street": "township",
    "乡镇": "township",
    "乡镇街道": "township",
    "街道": "township",
    "乡": "township",
    "镇": "township",
    "village": "village",
    "community": "village",
    "村": "village",
    "社区": "village",
    "村社区": "village",
    "村/社区": "village",
}


def pick_field(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, file: str
) -> str | None:
    """The column ``wanted`` (refused when the file has none of that name), else the first of
    ``candidates`` the file has (exact, then case-insensitive), else ``None``."""
    if wanted:
        if wanted not in columns:
            raise InputError(
                f"{what} field {wanted!r} is not a column (columns: {', '.join(columns)})",
                file=file,
                field=wanted,
            )
        return wanted
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand in columns:
            return cand
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


# -- reading ---------------------------------------------------------------------------------------


def _read_any(path: Path) -> gpd.GeoDataFrame:
    """A CSV code list (geometry from a ``wkt``/``geometry`` column, else none) or a GIS file."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    check_archive(path)
    if suffix in {".csv", ".txt"}:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        geometry = None
        cols = {c.lower(): c for c in frame.columns}
        if "wkt" in cols or "geometry" in cols:
            col = cols.get("wkt") or cols["geometry"]
            geometry = gpd.GeoSeries.from_wkt(frame[col].fillna(""), on_invalid="warn")
            frame = frame.drop(columns=[col])
        return gpd.GeoDataFrame(
            frame,
            geometry=geometry if geometry is not None else gpd.GeoSeries([None] * len(frame)),
            crs=WGS84,
        )
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds
        raise InputError(f"cannot read as a GIS file: {exc}", file=str(path)) from exc


@dataclass(frozen=True)
class _Fields:
    """The source columns that hold each unit attribute (``None``: not in the file)."""

    code: str
    name: str | None
    parent: str | None
    level: str | None
    population: str | None
    kind: str | None


def _fields(
    raw: gpd.GeoDataFrame,
    *,
    level: str | None,
    code_field: str | None,
    name_field: str | None,
    parent_field: str | None,
    kind_field: str | None,
    file: str,
) -> _Fields:
    columns = [c for c in raw.columns if c != raw.geometry.name]
    code_col = pick_field(columns, code_field, _CODE_FIELDS, "code", file)
    if code_col is None:
        raise InputError(
            f"no code column found (looked for {', '.join(_CODE_FIELDS)}): give --code-field",
            file=file,
        )
    return _Fields(
        code=code_col,
        name=pick_field(columns, name_field, _NAME_FIELDS, "name", file),
        parent=pick_field(columns, parent_field, _PARENT_FIELDS, "parent", file),
        level=None if level else pick_field(columns, None, _LEVEL_FIELDS, "level", file),
        population=pick_field(columns, None, _POPULATION_FIELDS, "population", file),
        kind=pick_field(columns, kind_field, _KIND_FIELDS, "kind", file),
    )


def _names(gdf: gpd.GeoDataFrame, fields: _Fields, *, fill_from_others: bool) -> pd.Series:
    """The name column; without an explicit name field, blanks filled from the other name columns."""
    if fields.name is None:
        return pd.Series([None] * len(gdf), dtype=object)
    names: pd.Series = gdf[fields.name].astype(object)
    if fill_from_others:
        for extra in _NAME_FIELDS:
            if extra in gdf.columns and extra != fields.name:
                names = names.where(names.notna(), gdf[extra].astype(object))
    return names


def _levels(gdf: gpd.GeoDataFrame, fields: _Fields, level: str | None) -> list[str | None]:
    if level:
        return [level] * len(gdf)
    if fields.level is None:
        return [None] * len(gdf)
    return [
        _LEVEL_WORDS.get(str(v).strip().lower()) if pd.notna(v) else None for v in gdf[fields.level]
    ]


def units_from_file(
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    kind_field: str | None = None,
    crs: str = "wgs84",
) -> UnitLayer:
    """Read administrative units from GeoJSON, GeoPackage, Shapefile or a CSV code list.

    Parameters
    ----------
    path
        The file. CSVs may have no geometry (code lists) or a ``wkt``/``geometry`` column.
    level
        Force one level for every row (``county``, ``township``, ``village``, ``city``); default
        from a ``level`` column, else from the code length (6 county, 9 township, 12 village).
    code_field, name_field, parent_field
        Column names; default found among usual names (``code``/``adcode``, ``name``/``district``,
        ``parent_code``/``streetCode``/``areaCode``). Codes are any non-empty text. Without a
        parent field the parent comes from a statistical code's prefix (9 digits for a village, 6
        for a township); a parent the file gives wins over the prefix (a disagreement is a
        ``parent_conflict`` warning).
    kind_field
        The column that says whether a village-level unit is an administrative village (村/村委会),
        a community (社区/居委会) or a virtual unit; default ``kind``/``村居类型``/``类型`` when
        present. Without one, the 12-digit statistical code's last three digits tell, else the
        name's suffix.
    crs
        ``wgs84``/``cgcs2000`` (default), ``gcj02`` or ``bd09`` (converted with
        :mod:`sharpeyes.model.crs`), or any ``EPSG:xxxx`` for files without a CRS. A file that
        states its own CRS is reprojected to WGS-84 from it.

    Returns
    -------
    UnitLayer
        Units in EPSG:4326 (:data:`UNIT_COLUMNS` and ``village_kind``) and the problems found
        (invalid geometry repaired, empty geometry, duplicate codes, codes whose level cannot be
        told, codes or parents that disagree with the digit rules, missing parents, sibling
        overlaps and gaps).

    Raises
    ------
    InputError
        A unit is its own parent or parents form a cycle; a named field is not a column.
    """
    path = Path(path)
    file = str(path)
    raw = _read_any(path)
    fields = _fields(
        raw,
        level=level,
        code_field=code_field,
        name_field=name_field,
        parent_field=parent_field,
        kind_field=kind_field,
        file=file,
    )
    if level is not None and level not in LEVELS:
        raise InputError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}", field="level")
    gdf = frame_to_wgs84(raw, crs, file)
    n = len(gdf)
    frame = gpd.GeoDataFrame(
        {
            "code": [unit_code(v) for v in gdf[fields.code]],
            "name": _names(gdf, fields, fill_from_others=name_field is None).to_numpy(),
            "level": _levels(gdf, fields, level),
            "parent_code": [
                unit_code(v) for v in (gdf[fields.parent] if fields.parent else [None] * n)
            ],
            "population": pd.to_numeric(gdf[fields.population], errors="coerce")
            if fields.population
            else np.full(n, np.nan),
            "village_kind": gdf[fields.kind].astype(object).to_numpy()
            if fields.kind
            else np.full(n, None, dtype=object),
            "_row": np.arange(n) + (2 if path.suffix.lower() in {".csv", ".txt"} else 1),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=WGS84,
    )
    return normalise_units(frame, file=file, parent_field=fields.parent)
