"""Checks of a unit frame: codes, levels and parents, duplicates, geometry repair, sibling overlaps
and gaps. Every problem is one row of a problems frame (:data:`UNIT_PROBLEM_COLUMNS`): file, row,
code, level, kind (``repaired``, ``empty_geometry``, ``missing_parent``, ``duplicate_code``,
``bad_code``, ``overlap``, ``gap``), reason, area_m2. Nothing is dropped silently.

The reader is :func:`sharpeyes.ingest.units.units_from_file`; these checks also serve frames that
come from elsewhere (:func:`normalise_units`) and the job that merges a file into the stored units
(:func:`missing_parents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.ingest.unit_codes import (
    UNIT_PROBLEM_COLUMNS,
    check_hierarchy,
    problem,
    resolve_codes,
    row_number,
)
from sharpeyes.model.columns import UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS, WGS84
from sharpeyes.model.crs import metric_crs
from sharpeyes.model.divisions import LEVELS, village_kind_from_word, village_kinds
from sharpeyes.model.frames import obj_array

__all__ = [
    "UNIT_PROBLEM_COLUMNS",
    "UnitLayer",
    "check_siblings",
    "missing_parents",
    "normalise_units",
]


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


def _row_problem(
    file: str | None,
    units: gpd.GeoDataFrame,
    i: int,
    kind: str,
    reason: str,
    area_m2: float | None = None,
) -> dict[str, object]:
    """A problem about the unit in row ``i`` of ``units`` (a frame with ``_row``, ``code``, ``level``)."""
    return problem(
        file,
        row_number(units["_row"].iat[i]),
        units["code"].iat[i],
        units["level"].iat[i],
        kind,
        reason,
        area_m2,
    )


def _without_duplicates(
    out: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    dup = out["code"].duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy()).tolist():
        problems.append(
            _row_problem(
                file, out, i, "duplicate_code", "code appears more than once: the first row is kept"
            )
        )
    return out[~dup.to_numpy()].reset_index(drop=True)


def _repaired_geometry(
    out: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    """Polygons only (other types dropped, the unit kept as a code), invalid ones made valid."""
    geo: np.ndarray = out.geometry.to_numpy()
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
    geo = geo.copy()
    geo[~polygonal] = None
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
        geo[i] = _polygonal_part(shapely.make_valid(geo[i]))
        problems.append(
            _row_problem(
                file, out, i, "repaired", f"invalid geometry ({reason}) repaired with make_valid"
            )
        )
    return out.set_geometry(gpd.GeoSeries(geo, crs=WGS84))


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a ``make_valid`` result: one polygon, a multipolygon, or ``None``."""
    polys = [g for g in shapely.get_parts(geometry) if shapely.get_type_id(g) in (3, 6)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def _with_village_kinds(
    out: gpd.GeoDataFrame, file: str | None, problems: list[dict[str, object]]
) -> gpd.GeoDataFrame:
    """``village_kind`` of village-level rows (:func:`~sharpeyes.model.divisions.village_kinds`:
    the file's kind column, else the statistical code, else the name); other levels ``None``."""
    given = out.get("village_kind")
    kinds = village_kinds(out["code"], out["name"], given)
    if given is not None:
        unread = np.array(
            [v is not None and village_kind_from_word(v) is None for v in obj_array(given)],
            dtype=bool,
        )
        for i in np.flatnonzero(unread).tolist():
            problems.append(
                _row_problem(
                    file,
                    out,
                    i,
                    "bad_kind",
                    f"kind {given.iat[i]!r} is not 村/village, 社区/community or 虚拟/virtual: "
                    "the kind is told by the code or the name instead",
                )
            )
    kinds[obj_array(out["level"]) != "village"] = None
    return out.assign(village_kind=pd.array(kinds, dtype="string"))


def normalise_units(
    frame: gpd.GeoDataFrame, *, file: str | None = None, parent_field: str | None = None
) -> UnitLayer:
    """Check and complete a unit frame already in EPSG:4326: codes, levels, parents
    (:mod:`sharpeyes.ingest.unit_codes`), village kinds, geometry repair, duplicates and sibling
    overlaps/gaps. ``frame`` may carry a ``_row`` column (source row) and a ``village_kind`` column.

    Raises
    ------
    InputError
        A unit is its own parent, or parents form a cycle (naming file, row and ``parent_field``).
    """
    problems: list[dict[str, object]] = []
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(len(frame)) + 1)
    out = resolve_codes(frame, file, problems)
    out = _without_duplicates(out, file, problems)
    check_hierarchy(out, file=file, parent_field=parent_field)
    out = _repaired_geometry(out, file, problems)
    out = _with_village_kinds(out, file, problems)
    problems.extend(missing_parents(out, file=file))
    out = out[[*UNIT_COLUMNS[:-1], *UNIT_OPTIONAL_COLUMNS, "geometry"]]
    out = out.astype({"code": "string", "level": "string", "parent_code": "string"})
    out["name"] = out["name"].astype("string")
    problems_frame = pd.DataFrame(problems, columns=list(UNIT_PROBLEM_COLUMNS))
    layer = UnitLayer(
        units=gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84), problems=problems_frame
    )
    sib = check_siblings(layer.units, file=file)
    if len(sib):
        layer.problems = pd.concat([layer.problems, sib], ignore_index=True)
    return layer


def missing_parents(units: pd.DataFrame, *, file: str | None = None) -> list[dict[str, object]]:
    """Problem rows for units below the county whose parent is not in ``units`` although the level
    above is present (a file with villages only is not short of townships), or who have no parent
    at all (none given, none told by the code's digits) while that level is present."""
    codes = obj_array(units["code"])
    levels = obj_array(units["level"])
    parents = obj_array(units["parent_code"])
    rows = units["_row"].to_numpy() if "_row" in units else np.full(len(units), None)
    known = set(codes)
    present = set(levels)
    out = []
    for code, lvl, parent, row in zip(codes, levels, parents, rows, strict=True):
        rank = LEVELS.index(lvl) if lvl in LEVELS else 0
        above = LEVELS[rank - 1] if rank > 1 else None
        if above is None or above not in present or parent in known:
            continue
        reason = (
            f"parent {parent} is not among the {above} units: rolled up by code prefix"
            if parent is not None
            else f"no parent given and none told by the code: not rolled up into a {above}"
        )
        out.append(problem(file, row_number(row), code, lvl, "missing_parent", reason))
    return out


def _overlaps(
    geo: np.ndarray,
    codes: np.ndarray,
    levels: np.ndarray,
    parents: np.ndarray,
    *,
    file: str | None,
    min_area_m2: float,
    min_share: float,
) -> list[dict[str, object]]:
    area = shapely.area(geo)
    rows: list[dict[str, object]] = []
    a, b = shapely.STRtree(geo).query(geo, predicate="intersects")
    pair = (a < b) & (levels[a] == levels[b]) & (parents[a] == parents[b])
    a, b = a[pair], b[pair]
    if not len(a):
        return rows
    inter = shapely.area(shapely.intersection(geo[a], geo[b]))
    for i, j, ov in zip(a, b, inter, strict=True):
        if ov > min_area_m2 and ov > min_share * min(area[i], area[j]):
            rows.append(
                problem(
                    file,
                    None,
                    f"{codes[i]}/{codes[j]}",
                    str(levels[i]),
                    "overlap",
                    f"siblings {codes[i]} and {codes[j]} overlap by {ov / 1e6:.3f} km²",
                    float(ov),
                )
            )
    return rows


def _gaps(
    geo: np.ndarray,
    codes: np.ndarray,
    levels: np.ndarray,
    parents: np.ndarray,
    *,
    file: str | None,
    min_area_m2: float,
    min_share: float,
) -> list[dict[str, object]]:
    area = shapely.area(geo)
    rows: list[dict[str, object]] = []
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
                problem(
                    file,
                    None,
                    str(p),
                    str(levels[k]),
                    "gap",
                    f"{gap / 1e6:.3f} km² of {p} lies in none of its {len(kids)} children",
                    float(gap),
                )
            )
    return rows


def check_siblings(
    units: gpd.GeoDataFrame,
    *,
    file: str | None = None,
    min_area_m2: float = 1000.0,
    min_share: float = 0.001,
) -> pd.DataFrame:
    """Overlaps between sibling units and gaps between a parent and its children, as problem rows.

    Areas in m² measured in :func:`~sharpeyes.model.crs.metric_crs` of the units. An overlap or gap is reported when it
    is larger than ``min_area_m2`` and than ``min_share`` of the smaller unit (parent for gaps), so
    digitising slivers stay quiet.
    """
    has_geo = ~(units.geometry.isna() | units.geometry.is_empty)
    polys = units[has_geo]
    if len(polys) < 2:
        return pd.DataFrame(columns=list(UNIT_PROBLEM_COLUMNS))
    m = polys.to_crs(metric_crs(polys))
    args = (
        m.geometry.to_numpy(),
        obj_array(m["code"]),
        obj_array(m["level"]),
        m["parent_code"].to_numpy(dtype=object, na_value=""),
    )
    rows = _overlaps(*args, file=file, min_area_m2=min_area_m2, min_share=min_share)
    rows += _gaps(*args, file=file, min_area_m2=min_area_m2, min_share=min_share)
    return pd.DataFrame(rows, columns=list(UNIT_PROBLEM_COLUMNS))
