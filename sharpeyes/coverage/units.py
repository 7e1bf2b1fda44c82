"""Administrative units: reading, hierarchy, repair, sibling checks, and camera assignment.

Units are county (区县, 6-digit code), township/street (乡镇/街道, 9 digits) and village/community
(村/社区, 12 digits), plus the city (4 digits, or 6 ending in ``00``). The frame is
:data:`sharpeyes.model.columns.UNIT_COLUMNS` (``code, name, level, parent_code, population,
geometry``) in EPSG:4326; a unit may have no geometry (code lists such as the Tieling CSVs).

Every problem found is one row of a problems frame (:data:`UNIT_PROBLEM_COLUMNS`): file, row,
code, level, kind (``repaired``, ``empty_geometry``, ``missing_parent``, ``duplicate_code``,
``bad_code``, ``overlap``, ``gap``), reason, area_m2. Nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes._errors import InputError
from sharpeyes.coverage._frames import obj_array
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.crs import to_wgs84
from sharpeyes.model.gb28181 import decode_ids

__all__ = [
    "LEVELS",
    "UNIT_PROBLEM_COLUMNS",
    "CameraPlacement",
    "UnitLayer",
    "assign_cameras",
    "check_siblings",
    "missing_parents",
    "normalise_units",
    "unit_ancestors",
    "units_from_file",
]

#: Levels from the top; a unit's parent is at the previous level.
LEVELS: Final = ("city", "county", "township", "village")

UNIT_PROBLEM_COLUMNS: Final = ("file", "row", "code", "level", "kind", "reason", "area_m2")

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


@dataclass
class UnitLayer:
    """Units read from a file (or several) and every problem found on the way."""

    units: gpd.GeoDataFrame
    problems: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UNIT_PROBLEM_COLUMNS))
    )

    def summary(self) -> dict[str, object]:
        """Counts per level and per problem kind, for job and CLI output."""
        levels = self.units["level"].value_counts().to_dict() if len(self.units) else {}
        kinds = self.problems["kind"].value_counts().to_dict() if len(self.problems) else {}
        with_geometry = int((~(self.units.geometry.isna() | self.units.geometry.is_empty)).sum())
        return {
            "units": len(self.units),
            "levels": {str(k): int(v) for k, v in levels.items()},
            "with_geometry": with_geometry,
            "problems": {str(k): int(v) for k, v in kinds.items()},
        }


def _problem(
    file: str | None,
    row: int | None,
    code: str | None,
    level: str | None,
    kind: str,
    reason: str,
    area_m2: float | None = None,
) -> dict[str, object]:
    return {
        "file": file,
        "row": row,
        "code": code,
        "level": level,
        "kind": kind,
        "reason": reason,
        "area_m2": area_m2,
    }


def _row_problem(
    file: str | None,
    units: gpd.GeoDataFrame,
    i: int,
    kind: str,
    reason: str,
    area_m2: float | None = None,
) -> dict[str, object]:
    """A problem about the unit in row ``i`` of ``units`` (a frame with ``_row``, ``code``, ``level``)."""
    return _problem(
        file,
        _row_number(units["_row"].iat[i]),
        units["code"].iat[i],
        units["level"].iat[i],
        kind,
        reason,
        area_m2,
    )


def _pick(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, file: str
) -> str | None:
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


def _normalise_code(value: object) -> str | None:
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


def _normalise_codes(values: pd.Series) -> np.ndarray:
    """:func:`_normalise_code` over a column, vectorised (object array, ``None`` where unusable)."""
    text = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    ok = text.str.fullmatch(r"[0-9]+").fillna(False).to_numpy(dtype=bool)
    text = text.where(~(text.str.len().eq(12) & text.str.endswith("000000")), text.str[:6])
    text = text.where(~(text.str.len().eq(12) & text.str.endswith("000")), text.str[:9])
    out = obj_array(text)
    out[~ok] = None
    return out


def _row_number(value: object) -> int | None:
    return None if value is None or value != value else int(value)  # type: ignore[call-overload]


def _level_from_code(code: str | None) -> str | None:
    if code is None:
        return None
    if len(code) == 4 or (len(code) == 6 and code.endswith("00")):
        return "city"
    return {6: "county", 9: "township", 12: "village"}.get(len(code))


def _parent_from_code(code: str, level: str) -> str | None:
    if level == "village":
        return code[:9]
    if level == "township":
        return code[:6]
    if level == "county":
        return code[:4] + "00"
    return None


def _read_any(path: Path, crs: str) -> gpd.GeoDataFrame:
    from sharpeyes.ingest.archives import check_archive

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
        gdf = gpd.GeoDataFrame(
            frame,
            geometry=geometry if geometry is not None else gpd.GeoSeries([None] * len(frame)),
            crs=WGS84,
        )
        return gdf
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds
        raise InputError(f"cannot read as a GIS file: {exc}", file=str(path)) from exc
    return gdf


def _to_wgs84(gdf: gpd.GeoDataFrame, crs: str, file: str) -> gpd.GeoDataFrame:
    key = crs.strip().lower().replace("-", "").replace("_", "")
    if key in {"gcj02", "bd09"}:
        if gdf.crs is not None and not gdf.crs.is_geographic:
            raise InputError(f"--crs {crs} given but the file is in projected {gdf.crs}", file=file)
        geo = gdf.geometry.to_numpy()

        def _shift(coords: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(coords[:, 0], coords[:, 1], key)
            return np.column_stack([lon, lat])

        gdf = gdf.set_geometry(shapely.transform(geo, _shift)).set_crs(WGS84, allow_override=True)
        return gdf
    if key in {"wgs84", "cgcs2000", "epsg4326", "epsg4490"}:
        if gdf.crs is None:
            bounds = gdf.geometry.total_bounds if len(gdf) else np.zeros(4)
            if np.isfinite(bounds).all() and (np.abs(bounds[[0, 2]]) > 180).any():
                raise InputError(
                    "the file has no CRS and its coordinates are not degrees: give --crs EPSG:xxxx",
                    file=file,
                )
            return gdf.set_crs(WGS84)
        return gdf.to_crs(WGS84)
    try:
        user = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(f"unknown CRS {crs!r}", file=file, field="crs") from exc
    if gdf.crs is None:
        gdf = gdf.set_crs(user)
    return gdf.to_crs(WGS84)


def units_from_file(
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
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
        ``parent_code``/``streetCode``/``areaCode``). Without a parent field the parent comes from
        the code prefix (9 digits for a village, 6 for a township).
    crs
        ``wgs84``/``cgcs2000`` (default), ``gcj02`` or ``bd09`` (converted with
        :mod:`sharpeyes.model.crs`), or any ``EPSG:xxxx`` for files without a CRS. A file that
        states its own CRS is reprojected to WGS-84 from it.

    Returns
    -------
    UnitLayer
        Units in EPSG:4326 (:data:`UNIT_COLUMNS`) and the problems found (invalid geometry
        repaired, empty geometry, duplicate or unreadable codes, missing parents, sibling
        overlaps and gaps).
    """
    path = Path(path)
    file = str(path)
    raw = _read_any(path, crs)
    columns = [c for c in raw.columns if c != raw.geometry.name]
    code_col = _pick(columns, code_field, _CODE_FIELDS, "code", file)
    if code_col is None:
        raise InputError(
            f"no code column found (looked for {', '.join(_CODE_FIELDS)}): give --code-field",
            file=file,
        )
    name_col = _pick(columns, name_field, _NAME_FIELDS, "name", file)
    parent_col = _pick(columns, parent_field, _PARENT_FIELDS, "parent", file)
    level_col = None if level else _pick(columns, None, _LEVEL_FIELDS, "level", file)
    pop_col = _pick(columns, None, _POPULATION_FIELDS, "population", file)
    if level is not None and level not in LEVELS:
        raise InputError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}", field="level")
    gdf = _to_wgs84(raw, crs, file)

    names = pd.Series([None] * len(gdf), dtype=object)
    if name_col is not None:
        names = gdf[name_col].astype(object)
        if name_field is None:
            for extra in _NAME_FIELDS:
                if extra in gdf.columns and extra != name_col:
                    names = names.where(names.notna(), gdf[extra].astype(object))
    frame = gpd.GeoDataFrame(
        {
            "code": [_normalise_code(v) for v in gdf[code_col]],
            "name": names.to_numpy(),
            "level": [
                level
                if level
                else (
                    _LEVEL_WORDS.get(str(v).strip().lower()) if level_col and pd.notna(v) else None
                )
                for v in (gdf[level_col] if level_col else [None] * len(gdf))
            ],
            "parent_code": [
                _normalise_code(v) for v in (gdf[parent_col] if parent_col else [None] * len(gdf))
            ],
            "population": pd.to_numeric(gdf[pop_col], errors="coerce")
            if pop_col
            else np.full(len(gdf), np.nan),
            "_row": np.arange(len(gdf)) + (2 if path.suffix.lower() in {".csv", ".txt"} else 1),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=WGS84,
    )
    return normalise_units(frame, file=file)


def normalise_units(frame: gpd.GeoDataFrame, *, file: str | None = None) -> UnitLayer:
    """Check and complete a unit frame already in EPSG:4326: levels, parents, geometry repair,
    duplicates and sibling overlaps/gaps. ``frame`` may carry a ``_row`` column (source row)."""
    problems: list[dict[str, object]] = []
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(len(frame)) + 1)
    keep = np.ones(len(frame), dtype=bool)
    levels = list(frame["level"]) if "level" in frame else [None] * len(frame)
    parents = list(frame["parent_code"]) if "parent_code" in frame else [None] * len(frame)
    codes = list(frame["code"])
    rows = list(frame["_row"])
    for i, code in enumerate(codes):
        code = _normalise_code(code)
        codes[i] = code
        if code is None:
            problems.append(
                _problem(
                    file,
                    _row_number(rows[i]),
                    None,
                    None,
                    "bad_code",
                    "unit code is missing or not digits",
                )
            )
            keep[i] = False
            continue
        lvl = levels[i] if levels[i] in LEVELS else _level_from_code(code)
        if lvl is None:
            problems.append(
                _problem(
                    file,
                    _row_number(rows[i]),
                    code,
                    None,
                    "bad_code",
                    f"cannot tell the level of code {code!r} ({len(code)} digits): give --level",
                )
            )
            keep[i] = False
            continue
        expected = {"county": (6,), "township": (9,), "village": (12,), "city": (4, 6)}[lvl]
        if len(code) not in expected:
            problems.append(
                _problem(
                    file,
                    _row_number(rows[i]),
                    code,
                    lvl,
                    "bad_code",
                    f"a {lvl} code has {' or '.join(map(str, expected))} digits, got {len(code)}: row not imported",
                )
            )
            keep[i] = False
            continue
        levels[i] = lvl
        parent = _normalise_code(parents[i])
        if parent is None or parent == code:
            parent = _parent_from_code(code, lvl)
        parents[i] = parent
    out = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": frame["name"].astype(object).to_numpy() if "name" in frame else None,
            "level": levels,
            "parent_code": parents,
            "population": pd.to_numeric(frame.get("population"), errors="coerce")
            if "population" in frame
            else np.nan,
            "_row": rows,
        },
        geometry=frame.geometry.to_numpy(),
        crs=WGS84,
    )[keep].reset_index(drop=True)

    dup = out["code"].duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy()).tolist():
        problems.append(
            _row_problem(
                file,
                out,
                i,
                "duplicate_code",
                "code appears more than once: the first row is kept",
            )
        )
    out = out[~dup.to_numpy()].reset_index(drop=True)

    geo = out.geometry.to_numpy()
    empty = shapely.is_missing(geo) | shapely.is_empty(geo)
    has_rows = len(out) > 0
    polygonal = np.isin(shapely.get_type_id(geo), [3, 6]) | empty
    for i in np.flatnonzero(~polygonal).tolist():
        problems.append(
            _row_problem(
                file,
                out,
                i,
                "empty_geometry",
                f"geometry is a {geo[i].geom_type}, expected a Polygon or MultiPolygon: "
                "geometry dropped, unit kept as a code",
            )
        )
    geo = np.where(polygonal, geo, None)
    empty = shapely.is_missing(geo) | shapely.is_empty(geo)
    if has_rows and file is not None and not (empty.all()):
        for i in np.flatnonzero(empty).tolist():
            problems.append(
                _row_problem(
                    file,
                    out,
                    i,
                    "empty_geometry",
                    "unit has no geometry: counted by code only (no area, no positional assignment)",
                )
            )
    invalid = ~empty & ~shapely.is_valid(geo)
    for i in np.flatnonzero(invalid).tolist():
        reason = shapely.is_valid_reason(geo[i])
        fixed = shapely.make_valid(geo[i])
        polys = [g for g in shapely.get_parts(fixed) if shapely.get_type_id(g) in (3, 6)]
        fixed = shapely.multipolygons(polys) if polys else None
        if fixed is not None and len(polys) == 1:
            fixed = polys[0]
        geo[i] = fixed  # type: ignore[index]
        problems.append(
            _row_problem(
                file,
                out,
                i,
                "repaired",
                f"invalid geometry ({reason}) repaired with make_valid",
            )
        )
    out = out.set_geometry(gpd.GeoSeries(geo, crs=WGS84))

    problems.extend(missing_parents(out, file=file))
    out = out[["code", "name", "level", "parent_code", "population", "geometry"]]
    out = out.astype({"code": "string", "level": "string", "parent_code": "string"})
    out["name"] = out["name"].astype("string")
    problems_frame = pd.DataFrame(problems, columns=list(UNIT_PROBLEM_COLUMNS))
    layer = UnitLayer(
        units=gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84), problems=problems_frame
    )
    sib = check_siblings(layer.units, file=file)
    if len(sib):
        layer.problems = pd.concat([layer.problems, sib], ignore_index=True)
    assert tuple(layer.units.columns) == UNIT_COLUMNS
    return layer


def missing_parents(units: pd.DataFrame, *, file: str | None = None) -> list[dict[str, object]]:
    """Problem rows for villages and townships whose parent is not in ``units`` although that
    level is present (a file with villages only is not short of townships)."""
    codes = obj_array(units["code"])
    levels = obj_array(units["level"])
    parents = obj_array(units["parent_code"])
    rows = units["_row"].to_numpy() if "_row" in units else np.full(len(units), None)
    known = set(codes)
    present = set(levels)
    out = []
    for code, lvl, parent, row in zip(codes, levels, parents, rows, strict=True):
        above = {"village": "township", "township": "county"}.get(lvl)
        if above is None or parent is None or above not in present or parent in known:
            continue
        out.append(
            _problem(
                file,
                None if row is None else int(row),
                code,
                lvl,
                "missing_parent",
                f"parent {parent} is not among the {above} units: rolled up by code prefix",
            )
        )
    return out


def check_siblings(
    units: gpd.GeoDataFrame,
    *,
    file: str | None = None,
    min_area_m2: float = 1000.0,
    min_share: float = 0.001,
) -> pd.DataFrame:
    """Overlaps between sibling units and gaps between a parent and its children, as problem rows.

    Areas in m² measured in :func:`~sharpeyes.model.crs.metric_crs` of the units. An overlap or
    gap is reported when it is larger than ``min_area_m2`` and than ``min_share`` of the smaller
    unit (parent for gaps), so digitising slivers stay quiet.
    """
    from sharpeyes.model.crs import metric_crs

    has_geo = ~(units.geometry.isna() | units.geometry.is_empty)
    polys = units[has_geo]
    if len(polys) < 2:
        return pd.DataFrame(columns=list(UNIT_PROBLEM_COLUMNS))
    crs = metric_crs(polys)
    m = polys.to_crs(crs)
    geo = m.geometry.to_numpy()
    codes = obj_array(m["code"])
    levels = obj_array(m["level"])
    parents = m["parent_code"].to_numpy(dtype=object, na_value="")
    area = shapely.area(geo)
    rows: list[dict[str, object]] = []
    tree = shapely.STRtree(geo)
    a, b = tree.query(geo, predicate="intersects")
    pair = (a < b) & (levels[a] == levels[b]) & (parents[a] == parents[b])
    a, b = a[pair], b[pair]
    if len(a):
        inter = shapely.area(shapely.intersection(geo[a], geo[b]))
        for i, j, ov in zip(a, b, inter, strict=True):
            if ov > min_area_m2 and ov > min_share * min(area[i], area[j]):
                rows.append(
                    _problem(
                        file,
                        None,
                        f"{codes[i]}/{codes[j]}",
                        str(levels[i]),
                        "overlap",
                        f"siblings {codes[i]} and {codes[j]} overlap by {ov / 1e6:.3f} km²",
                        float(ov),
                    )
                )
    index = {c: k for k, c in enumerate(codes)}
    children: dict[str, list[int]] = {}
    for k, p in enumerate(parents):
        if p and p in index:
            children.setdefault(p, []).append(k)
    for p, kids in children.items():
        k = index[p]
        covered = shapely.union_all(geo[kids])
        gap = shapely.area(shapely.difference(geo[k], covered))
        if gap > min_area_m2 and gap > min_share * area[k]:
            rows.append(
                _problem(
                    file,
                    None,
                    str(p),
                    str(levels[k]),
                    "gap",
                    f"{gap / 1e6:.3f} km² of {p} lies in none of its {len(kids)} children",
                    float(gap),
                )
            )
    return pd.DataFrame(rows, columns=list(UNIT_PROBLEM_COLUMNS))


def unit_ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """For every unit its city, county, township and village code (``None`` above its level).

    Follows ``parent_code`` and falls back on code prefixes when a parent is missing.
    """
    codes = obj_array(units["code"])
    parent = dict(zip(codes, obj_array(units["parent_code"]), strict=True))
    level = dict(zip(codes, obj_array(units["level"]), strict=True))
    rows = []
    for code in codes:
        found: dict[str, str | None] = {
            "city": None,
            "county": None,
            "township": None,
            "village": None,
        }
        cur: str | None = code
        cur_level: str | None = level.get(code)
        for _ in range(6):
            if cur is None or cur_level is None:
                break
            if cur_level in found:
                found[cur_level] = cur
            nxt = parent.get(cur)
            if nxt is None and cur_level in ("village", "township", "county"):
                nxt = _parent_from_code(cur, cur_level)
            nxt_level = level.get(nxt) if nxt else None
            if nxt is not None and nxt_level is None:
                nxt_level = _level_from_code(nxt)
            if nxt_level is not None and LEVELS.index(nxt_level) >= LEVELS.index(cur_level):
                break
            cur, cur_level = nxt, nxt_level
        rows.append({"code": code, **found})
    return pd.DataFrame(rows, columns=["code", "city", "county", "township", "village"])


@dataclass
class CameraPlacement:
    """Where each camera stands: one row per camera, plus the findings.

    ``placement`` columns: ``device_id, county, township, village`` (codes or ``<NA>``),
    ``placed`` (True when found by position), ``id_county`` (the 6-digit code inside a valid
    GB/T 28181 ID), ``id_mismatch`` (that code differs from the county it stands in).
    """

    placement: pd.DataFrame
    outside: pd.DataFrame
    mismatches: pd.DataFrame
    unplaced: pd.DataFrame

    def summary(self) -> dict[str, int]:
        return {
            "cameras": len(self.placement),
            "placed": int(self.placement["placed"].sum()),
            "outside_every_unit": len(self.outside),
            "unplaced_no_position": len(self.unplaced),
            "id_county_mismatch": len(self.mismatches),
        }


def _camera_xy_wgs84(cameras: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(cameras, gpd.GeoDataFrame) and cameras.geometry.name in cameras:
        geo = cameras.geometry
        if geo.crs is not None and not geo.crs.equals(pyproj.CRS(WGS84)):
            geo = geo.to_crs(WGS84)
        arr = geo.to_numpy()
        ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
        x = np.full(len(arr), np.nan)
        y = np.full(len(arr), np.nan)
        x[ok] = shapely.get_x(arr[ok])
        y[ok] = shapely.get_y(arr[ok])
        return x, y
    lon = pd.to_numeric(cameras["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(cameras["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return lon, lat


def assign_cameras(cameras: pd.DataFrame, units: gpd.GeoDataFrame) -> CameraPlacement:
    """Assign every camera to its county, township and village.

    By position (point in polygon, STRtree) at each level that has polygons; coarser levels follow
    the finest unit found (its parent chain), so that roll-ups stay consistent. Levels without
    polygons are filled from the camera's own ``village_code``/``township_code`` when that unit
    exists and lies in the county (and township) found by position. Cameras without coordinates are counted in the unit their
    codes name (``village_code``, ``township_code``, ``admin_code``, else the GB/T 28181 ID's
    county) and marked ``placed=False``. A camera whose position is inside no unit is counted
    nowhere and listed in ``outside``. Units in another CRS are reprojected to WGS-84 first.

    Returns
    -------
    CameraPlacement
        ``placement`` (aligned with ``cameras``), ``outside`` (cameras with a position inside no
        unit), ``mismatches`` (ID county ≠ county by position), ``unplaced`` (no position).
    """
    n = len(cameras)
    lon, lat = _camera_xy_wgs84(cameras)
    has_pos = np.isfinite(lon) & np.isfinite(lat)
    units = (
        units if units.crs is None or units.crs.equals(pyproj.CRS(WGS84)) else units.to_crs(WGS84)
    )
    codes_by_level: dict[str, np.ndarray] = {}
    geo_all = units.geometry.to_numpy()
    has_geo = ~(shapely.is_missing(geo_all) | shapely.is_empty(geo_all))
    points = shapely.points(np.where(has_pos, lon, 0.0), np.where(has_pos, lat, 0.0))
    inside_any = np.zeros(n, dtype=bool)
    unit_levels = obj_array(units["level"])
    unit_codes = obj_array(units["code"])
    remaining = has_pos.copy()
    # finest level first; coarser levels only for the points no finer unit holds
    for lvl in ("village", "township", "county"):
        found = np.full(n, None, dtype=object)
        sel = np.flatnonzero((unit_levels == lvl) & has_geo)
        if len(sel) and remaining.any():
            todo = np.flatnonzero(remaining)
            tree = shapely.STRtree(geo_all[sel])
            pi, ui = tree.query(points[todo], predicate="intersects")
            pos_idx = todo[pi]
            # first hit wins for points on shared borders
            order = np.argsort(pos_idx, kind="stable")
            pos_idx, ui = pos_idx[order], ui[order]
            first = np.r_[True, pos_idx[1:] != pos_idx[:-1]] if len(pos_idx) else np.zeros(0, bool)
            found[pos_idx[first]] = unit_codes[sel][ui[first]]
            inside_any[pos_idx[first]] = True
            remaining[pos_idx[first]] = False
        codes_by_level[lvl] = found

    anc = unit_ancestors(units).set_index("code")
    # fill coarser levels from the finest positional hit (keeps roll-ups consistent)
    for fine in ("village", "township"):
        hits = codes_by_level[fine]
        mask = np.array([h is not None for h in hits])
        if mask.any():
            looked = anc.reindex(pd.Index(hits[mask].astype(str)))
            for coarse in ("county", "township") if fine == "village" else ("county",):
                vals = looked[coarse].to_numpy(dtype=object)
                ok = np.array([v is not None and v == v for v in vals])
                tgt = np.flatnonzero(mask)[ok]
                codes_by_level[coarse][tgt] = vals[ok]

    # cameras without a position (or outside every polygon): their own codes
    ids = decode_ids(cameras["device_id"]) if "device_id" in cameras else None
    id_county = obj_array(ids["admin_code"]) if ids is not None else np.full(n, None)

    def _col(name: str) -> np.ndarray:
        if name not in cameras:
            return np.full(n, None, dtype=object)
        return _normalise_codes(cameras[name])

    own_village = _col("village_code")
    own_township = _col("township_code")
    own_admin = _col("admin_code")
    known = set(obj_array(units["code"]))
    levels_arr = obj_array(units["level"])
    poly_levels = {
        lvl for lvl in ("county", "township", "village") if ((levels_arr == lvl) & has_geo).any()
    }
    anc_county = anc["county"].to_dict()
    anc_township = anc["township"].to_dict()
    # a camera with a position outside every polygon is listed, not counted by its codes
    usable = ~has_pos | inside_any
    for lvl, own in (("village", own_village), ("township", own_township)):
        by_code = (~has_pos) | (lvl not in poly_levels)
        tgt = np.flatnonzero(usable & by_code & (codes_by_level[lvl] == None))  # noqa: E711
        for i in tgt:
            code = own[i]
            if code is None and lvl == "township" and codes_by_level["village"][i] is not None:
                code = str(codes_by_level["village"][i])[:9]
            if code is None or code not in known:
                continue
            county = codes_by_level["county"][i]
            if county is not None and anc_county.get(code) not in (None, county):
                continue
            township = codes_by_level["township"][i]
            if (
                lvl == "village"
                and township is not None
                and anc_township.get(code) not in (None, township)
            ):
                continue
            codes_by_level[lvl][i] = code
    by_code = (~has_pos) | ("county" not in poly_levels)
    tgt = np.flatnonzero(usable & by_code & (codes_by_level["county"] == None))  # noqa: E711
    for i in tgt:
        code = None
        for cand in (codes_by_level["township"][i], codes_by_level["village"][i]):
            if cand is not None:
                code = anc_county.get(cand) or str(cand)[:6]
                break
        if code is None:
            code = own_admin[i][:6] if own_admin[i] else id_county[i]
        if code is not None and code in known:
            codes_by_level["county"][i] = code

    placement = pd.DataFrame(
        {
            "device_id": cameras["device_id"].to_numpy()
            if "device_id" in cameras
            else np.arange(n),
            "county": pd.array(codes_by_level["county"], dtype="string"),
            "township": pd.array(codes_by_level["township"], dtype="string"),
            "village": pd.array(codes_by_level["village"], dtype="string"),
            "placed": has_pos & inside_any,
            "id_county": pd.array(id_county, dtype="string"),
        },
        index=cameras.index,
    )
    mism = (
        has_pos
        & inside_any
        & placement["id_county"].notna().to_numpy()
        & placement["county"].notna().to_numpy()
        & (
            placement["id_county"].fillna("").to_numpy()
            != placement["county"].fillna("").to_numpy()
        )
    )
    placement["id_mismatch"] = mism
    outside = placement[has_pos & ~inside_any].assign(
        lon=lon[has_pos & ~inside_any], lat=lat[has_pos & ~inside_any]
    )
    mismatches = placement[mism]
    unplaced = placement[~has_pos]
    return CameraPlacement(
        placement=placement, outside=outside, mismatches=mismatches, unplaced=unplaced
    )
