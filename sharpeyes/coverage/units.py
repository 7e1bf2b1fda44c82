"""Administrative units in the analyses: the hierarchy of each unit, and which unit each camera is in.

Units are the frame :data:`sharpeyes.model.columns.UNIT_COLUMNS` (``code, name, level,
parent_code, population, geometry``), usually in EPSG:4326, as
:func:`sharpeyes.ingest.units.units_from_file` reads them and the store keeps them. Code rules
(levels, parents by prefix) are in :mod:`sharpeyes.model.divisions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.locate import first_containing
from sharpeyes.model.columns import WGS84
from sharpeyes.model.divisions import (
    LEVELS,
    level_from_code,
    normalise_codes,
    parent_from_code,
    village_kinds,
)
from sharpeyes.model.frames import obj_array
from sharpeyes.model.gb28181 import id_admin_codes

__all__ = [
    "LEVELS",
    "CameraPlacement",
    "assign_cameras",
    "placed_codes",
    "unit_ancestors",
    "unit_village_kinds",
]

#: Levels a camera is placed in, finest first.
_PLACED_LEVELS = ("village", "township", "county")


def unit_ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """For every unit its code at each level of :data:`LEVELS` (``None`` above its level or where
    the chain does not reach): columns ``code`` and one per level, city to village.

    Follows ``parent_code`` and falls back on a statistical code's prefix when a parent is missing;
    a step that does not go up a level ends the chain, and so does a cycle (the readers refuse
    those; frames from elsewhere may have them), so no unit is ever its own ancestor.
    """
    codes = obj_array(units["code"])
    parent = dict(zip(codes, obj_array(units["parent_code"]), strict=True))
    level = dict(zip(codes, obj_array(units["level"]), strict=True))
    known = set(codes)
    rows = [{"code": code, **_chain(code, parent, level, known)} for code in codes]
    return pd.DataFrame(rows, columns=["code", *LEVELS])


def _chain(
    code: str, parent: dict[str, str | None], level: dict[str, str | None], known: set[str]
) -> dict[str, str | None]:
    """The code of each level on the way up from ``code`` (never down or across a level)."""
    found: dict[str, str | None] = dict.fromkeys(LEVELS)
    cur: str | None = code
    cur_level: str | None = level.get(code)
    while cur is not None and cur_level in found and found[cur_level] is None:
        found[cur_level] = cur
        nxt = parent.get(cur)
        if nxt is None:
            nxt = parent_from_code(cur, cur_level, known)
        nxt_level = level.get(nxt) if nxt else None
        if nxt is not None and nxt_level is None:
            nxt_level = level_from_code(nxt)
        if nxt_level is None or LEVELS.index(nxt_level) >= LEVELS.index(cur_level):
            break
        cur, cur_level = nxt, nxt_level
    return found


def unit_village_kinds(units: pd.DataFrame) -> np.ndarray:
    """``village``/``community``/``virtual`` of each village-level unit (``None`` elsewhere, and
    where nothing tells): the stored ``village_kind``, else the statistical code, else the name
    (:func:`~sharpeyes.model.divisions.village_kinds`)."""
    given = units.get("village_kind")
    names = units["name"] if "name" in units else pd.Series([None] * len(units))
    kinds = village_kinds(units["code"], names, given)
    kinds[obj_array(units["level"]) != "village"] = None
    return kinds


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


def _positional_hits(
    lon: np.ndarray, lat: np.ndarray, units: gpd.GeoDataFrame, has_geo: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Unit codes by point in polygon, finest level first; coarser levels only for the points no
    finer unit holds (:func:`~sharpeyes.coverage.locate.first_containing`: on a shared border the
    unit listed first wins, not the tree's order, so that a subset of the units in the same order —
    a county partition — places a point the same). Returns the unit's row per level (-1 none) and which points
    fell inside some unit."""
    n = len(lon)
    geo_all = units.geometry.to_numpy()
    unit_levels = obj_array(units["level"])
    inside_any = np.zeros(n, dtype=bool)
    remaining = np.isfinite(lon) & np.isfinite(lat)
    rows_by_level: dict[str, np.ndarray] = {}
    for lvl in _PLACED_LEVELS:
        found = np.full(n, -1, dtype=np.int64)
        sel = np.flatnonzero((unit_levels == lvl) & has_geo)
        if len(sel) and remaining.any():
            todo = np.flatnonzero(remaining)
            hit = first_containing(lon[todo], lat[todo], geo_all[sel])
            got = hit >= 0
            found[todo[got]] = sel[hit[got]]
            inside_any[todo[got]] = True
            remaining[todo[got]] = False
        rows_by_level[lvl] = found
    return rows_by_level, inside_any


@dataclass
class _Codes:
    """Codes per level twice: as object arrays (``None`` missing) for the few cameras filled one
    by one, and as rows of ``vocab`` (-1 missing) from which the Arrow columns are taken."""

    vocab: np.ndarray  # every code that can appear: the units', then their ancestors' others
    objects: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]

    def patch(self, lvl: str, idx: np.ndarray) -> None:
        """Re-read the rows of ``idx`` from the object codes (after filling them one by one)."""
        where = {c: i for i, c in enumerate(self.vocab)}
        self.rows[lvl][idx] = [
            where.get(c, -1) if c is not None else -1 for c in self.objects[lvl][idx]
        ]

    def column(
        self, lvl: str, dtype: str | pd.StringDtype = "string"
    ) -> pd.api.extensions.ExtensionArray:
        """The codes of ``lvl`` as a string array (one Arrow ``take``, no per-element conversion)."""
        return _taken(self.vocab, self.rows[lvl], dtype)


def _taken(
    vocab: np.ndarray, rows: np.ndarray, dtype: str | pd.StringDtype
) -> pd.api.extensions.ExtensionArray:
    import pyarrow as pa

    taken = pa.array(vocab.astype(object), type=pa.string()).take(pa.array(rows, mask=rows < 0))
    return pd.array(pa.chunked_array([taken], type=pa.string()), dtype=dtype)


def _codes_from_rows(
    rows_by_level: dict[str, np.ndarray], units: gpd.GeoDataFrame, anc: pd.DataFrame
) -> _Codes:
    """Codes per level from the units found; coarser levels from the finest unit found (its
    parent chain, where it has one), so that roll-ups agree."""
    codes = obj_array(units["code"])
    # each unit's own ancestors, row for row (``anc`` is indexed by code, codes are unique)
    up = anc.reindex(pd.Index(codes.astype(str)))
    up_obj = {lvl: obj_array(up[lvl]) for lvl in ("county", "township")}
    extra = sorted({c for v in up_obj.values() for c in v if c is not None} - set(codes))
    vocab = np.array([*codes, *extra], dtype=object)
    where = {c: i for i, c in enumerate(vocab)}
    up_rows = {
        lvl: np.array([where[c] if c is not None else -1 for c in v], dtype=np.int64)
        for lvl, v in up_obj.items()
    }
    rows = {lvl: rows_by_level[lvl].copy() for lvl in _PLACED_LEVELS}
    for fine in ("village", "township"):
        hit = np.flatnonzero(rows_by_level[fine] >= 0)
        for coarse in ("county", "township") if fine == "village" else ("county",):
            vals = up_rows[coarse][rows_by_level[fine][hit]]
            rows[coarse][hit[vals >= 0]] = vals[vals >= 0]
    lookup = np.array([*vocab, None], dtype=object)  # row -1 reads the trailing None
    return _Codes(vocab=vocab, objects={lvl: lookup[r] for lvl, r in rows.items()}, rows=rows)


@dataclass(frozen=True)
class _ByCode:
    """What filling a unit from a camera's own codes needs to know."""

    usable: np.ndarray  # no position, or a position inside some unit
    has_pos: np.ndarray
    poly_levels: set[str]  # levels that have polygons
    known: set[str]  # unit codes
    county_of: dict[str, str | None]  # unit code → its county code
    township_of: dict[str, str | None]  # unit code → its township code

    def targets(self, lvl: str, codes: np.ndarray) -> np.ndarray:
        """Cameras whose ``lvl`` unit comes from codes: no position or no polygons of ``lvl``."""
        by_code = (~self.has_pos) | (lvl not in self.poly_levels)
        return np.flatnonzero(self.usable & by_code & (codes == None))  # noqa: E711


def _own_code_fits(
    code: str | None, lvl: str, i: int, codes_by_level: dict[str, np.ndarray], by: _ByCode
) -> bool:
    """A camera's own village/township code is used when that unit exists and lies in the county
    (and township) found by position."""
    if code is None or code not in by.known:
        return False
    county = codes_by_level["county"][i]
    if county is not None and by.county_of.get(code) not in (None, county):
        return False
    township = codes_by_level["township"][i]
    return not (
        lvl == "village"
        and township is not None
        and by.township_of.get(code) not in (None, township)
    )


def _fill_by_own_codes(
    cameras: pd.DataFrame, codes_by_level: dict[str, np.ndarray], by: _ByCode
) -> None:
    """Villages and townships from the cameras' own codes where position says nothing."""
    for lvl, column in (("village", "village_code"), ("township", "township_code")):
        targets = by.targets(lvl, codes_by_level[lvl])
        # only the cameras position says nothing about (normalising a million codes is slow)
        own = (
            normalise_codes(cameras[column].iloc[targets])
            if column in cameras
            else np.full(len(targets), None)
        )
        for i, code in zip(targets, own, strict=True):
            if code is None and lvl == "township" and codes_by_level["village"][i] is not None:
                code = str(codes_by_level["village"][i])[:9]
            if _own_code_fits(code, lvl, i, codes_by_level, by):
                codes_by_level[lvl][i] = code


def _fill_county(
    cameras: pd.DataFrame,
    codes_by_level: dict[str, np.ndarray],
    id_county: pd.api.extensions.ExtensionArray,
    by: _ByCode,
) -> None:
    """Counties from the township or village found, else ``admin_code``, else the ID's county."""
    targets = by.targets("county", codes_by_level["county"])
    own_admin = (
        normalise_codes(cameras["admin_code"].iloc[targets])
        if "admin_code" in cameras
        else np.full(len(targets), None)
    )
    own_id = obj_array(id_county[targets])
    for i, admin, from_id in zip(targets, own_admin, own_id, strict=True):
        code = None
        for cand in (codes_by_level["township"][i], codes_by_level["village"][i]):
            if cand is not None:
                code = by.county_of.get(cand) or str(cand)[:6]
                break
        if code is None:
            code = admin[:6] if admin else from_id
        if code is not None and code in by.known:
            codes_by_level["county"][i] = code


def _device_ids(cameras: pd.DataFrame) -> object:
    """The ``device_id`` column as a placement column: text stays Arrow text (no per-element copy)."""
    ids = cameras["device_id"]
    return ids.astype("str").array if isinstance(ids.dtype, pd.StringDtype) else ids.to_numpy()


def _placement(
    cameras: pd.DataFrame,
    codes: _Codes,
    id_county: pd.api.extensions.ExtensionArray,
    *,
    has_pos: np.ndarray,
    inside_any: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
) -> CameraPlacement:
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(cameras)
    placement = pd.DataFrame(
        {
            "device_id": _device_ids(cameras) if "device_id" in cameras else np.arange(n),
            "county": codes.column("county"),
            "township": codes.column("township"),
            "village": codes.column("village"),
            "placed": has_pos & inside_any,
            "id_county": id_county,
        },
        index=cameras.index,
    )
    # an ID's county differs from the county found (Arrow compare: null where either is missing)
    differs = pc.fill_null(
        pc.not_equal(pa.array(placement["id_county"].array), pa.array(placement["county"].array)),
        False,
    )
    mism = has_pos & inside_any & np.asarray(differs.to_numpy(zero_copy_only=False), dtype=bool)
    placement["id_mismatch"] = mism
    out = has_pos & ~inside_any
    return CameraPlacement(
        placement=placement,
        outside=placement[out].assign(lon=lon[out], lat=lat[out]),
        mismatches=placement[mism],
        unplaced=placement[~has_pos],
    )


def _polygon_levels(units: pd.DataFrame, levels: np.ndarray, has_geo: np.ndarray) -> set[str]:
    """The placed levels that have polygons: ``units.attrs["polygon_levels"]`` when ``units`` is a
    part of the hierarchy (a county task's, :mod:`sharpeyes.jobs.partitioned`), else found here."""
    given = units.attrs.get("polygon_levels")
    if given is not None:
        return {str(lvl) for lvl in given if lvl in _PLACED_LEVELS}
    return {lvl for lvl in _PLACED_LEVELS if ((levels == lvl) & has_geo).any()}


def assign_cameras(cameras: pd.DataFrame, units: gpd.GeoDataFrame) -> CameraPlacement:
    """Assign every camera to its county, township and village (see :func:`placed_codes`)."""
    return placed_codes(cameras, units)[0]


def placed_codes(cameras: pd.DataFrame, units: gpd.GeoDataFrame) -> tuple[CameraPlacement, _Codes]:
    """Assign every camera to its county, township and village.

    By position (point in polygon, STRtree) at each level that has polygons; coarser levels follow
    the finest unit found (its parent chain), so that roll-ups stay consistent. Levels without
    polygons are filled from the camera's own ``village_code``/``township_code`` when that unit
    exists and lies in the county (and township) found by position. Cameras without coordinates
    are counted in the unit their codes name (``village_code``, ``township_code``, ``admin_code``,
    else the GB/T 28181 ID's county) and marked ``placed=False``. A camera whose position is
    inside no unit is counted nowhere and listed in ``outside``. Units in another CRS are
    reprojected to WGS-84 first.

    Returns
    -------
    CameraPlacement
        ``placement`` (aligned with ``cameras``), ``outside`` (cameras with a position inside no
        unit), ``mismatches`` (ID county ≠ county by position), ``unplaced`` (no position).
    _Codes
        The same ``county``, ``township``, ``village`` codes, as object arrays and as Arrow
        columns (:meth:`_Codes.column`).
    """
    n = len(cameras)
    lon, lat = _camera_xy_wgs84(cameras)
    has_pos = np.isfinite(lon) & np.isfinite(lat)
    units = (
        units if units.crs is None or units.crs.equals(pyproj.CRS(WGS84)) else units.to_crs(WGS84)
    )
    geo_all = units.geometry.to_numpy()
    has_geo = ~(shapely.is_missing(geo_all) | shapely.is_empty(geo_all))
    rows_by_level, inside_any = _positional_hits(lon, lat, units, has_geo)
    anc = unit_ancestors(units).set_index("code")
    codes = _codes_from_rows(rows_by_level, units, anc)
    codes_by_level = codes.objects

    # cameras without a position (or where no level has polygons): their own codes; a camera with
    # a position outside every polygon is listed, not counted by its codes
    id_county = (
        id_admin_codes(cameras["device_id"])
        if "device_id" in cameras
        else pd.array([None] * n, dtype="string")
    )
    levels_arr = obj_array(units["level"])
    by = _ByCode(
        usable=~has_pos | inside_any,
        has_pos=has_pos,
        poly_levels=_polygon_levels(units, levels_arr, has_geo),
        known=set(obj_array(units["code"])),
        county_of={str(k): v for k, v in anc["county"].items()},
        township_of={str(k): v for k, v in anc["township"].items()},
    )
    targets = {lvl: by.targets(lvl, codes_by_level[lvl]) for lvl in _PLACED_LEVELS}
    _fill_by_own_codes(cameras, codes_by_level, by)
    _fill_county(cameras, codes_by_level, id_county, by)
    for lvl, idx in targets.items():
        codes.patch(lvl, idx)
    placement = _placement(
        cameras, codes, id_county, has_pos=has_pos, inside_any=inside_any, lon=lon, lat=lat
    )
    return placement, codes
