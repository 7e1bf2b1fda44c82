"""The reads a county task starts with, from the store itself: its box, its units and their
neighbours, its cameras (shared by the report's tasks, :mod:`sharpeyes.jobs.partitioned`, and the
gaps', :mod:`sharpeyes.jobs.partitioned_gaps`). Boxes are in degrees (WGS-84, EPSG:4326); extents
and margins in metres of the task's metric CRS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.units import unit_ancestors
from sharpeyes.jobs.partitioned_lists import polygon_levels, with_hierarchy
from sharpeyes.model.divisions import normalise_codes
from sharpeyes.model.frames import obj_array
from sharpeyes.store import partitions as reads
from sharpeyes.store.versions import data_versions

__all__ = ["CountyRead", "read_county"]

#: Degrees added around a box read from the store (a float's rounding in the projection back).
_MARGIN_DEG: Final = 1e-7


def _read_box(
    own: pd.DataFrame, units_geo: Any, crs: pyproj.CRS, max_range_m: float
) -> tuple[tuple[float, float, float, float], np.ndarray]:
    """The box (degrees) a county task reads, and the county's metric extent widened by the longest
    range: a superset of the single-process ``county_partitions`` covering box."""
    metric = units_geo.to_crs(crs).geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(metric)
    widened = shapely.buffer(shapely.box(minx, miny, maxx, maxy), max_range_m, join_style="mitre")
    to_deg = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    bx0, by0, bx1, by1 = (float(v) for v in shapely.bounds(widened))
    x0, y0, x1, y1 = to_deg.transform_bounds(bx0, by0, bx1, by1, densify_pts=64)
    box = (
        min(x0, float(own["minx"].min())) - _MARGIN_DEG,
        min(y0, float(own["miny"].min())) - _MARGIN_DEG,
        max(x1, float(own["maxx"].max())) + _MARGIN_DEG,
        max(y1, float(own["maxy"].max())) + _MARGIN_DEG,
    )
    return box, np.array([minx, miny, maxx, maxy])


def _local_units(units: pd.DataFrame, anc: pd.DataFrame, county: str, box: Any) -> list[str]:
    """Codes a county task places things against: its county's units, every unit whose extent
    meets ``box``, and the ancestors of both."""
    in_county = (anc["county"] == county).to_numpy(dtype=bool)
    near = np.zeros(len(units), bool)
    if box is not None:
        x0, y0, x1, y1 = box
        near = (
            (units["maxx"] >= x0)
            & (units["minx"] <= x1)
            & (units["maxy"] >= y0)
            & (units["miny"] <= y1)
        ).to_numpy(dtype=bool)
    chosen = anc[in_county | near]
    codes = set(chosen["code"])
    for c in ("city", "county", "township", "village"):
        codes.update(str(v) for v in chosen[c].dropna())
    return sorted(codes)


#: The unit table and its ancestors last read by this process, by (store, units version): a worker
#: runs one county task after another on the same store, and a province's table (61,000 units)
#: costs seconds to read and walk up.
_HIERARCHY: dict[tuple[str, str], tuple[pd.DataFrame, pd.DataFrame]] = {}


def unit_hierarchy(store: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit table without geometry (:func:`~sharpeyes.store.partitions.unit_table`) and its
    :func:`unit_ancestors`, read once per process while the store's units stay the same (the
    units stamp of :func:`~sharpeyes.store.versions.data_versions`: a units import changes it)."""
    key = (
        store.engine.url.render_as_string(hide_password=True),
        data_versions(store.db)["units"],
    )
    if key not in _HIERARCHY:
        units = reads.unit_table(store)
        _HIERARCHY.clear()
        _HIERARCHY[key] = (units, unit_ancestors(units))
    units, anc = _HIERARCHY[key]
    return units.copy(), anc.copy()


#: The cameras without a position last read by this process, by (store, cameras version): every
#: county task reads them all, and on PostgreSQL ``lat IS NULL`` walks the whole lon/lat index
#: (0.4 s of server time a task at 10,000,000 cameras, for a province that has none).
_POSITIONLESS: dict[tuple[str, str], pd.DataFrame] = {}


def cameras_without_position(store: Any) -> pd.DataFrame:
    """:func:`~sharpeyes.store.partitions.cameras_without_position`, read once per process while
    the store's cameras stay the same (the cameras stamp of :func:`data_versions`)."""
    key = (
        store.engine.url.render_as_string(hide_password=True),
        data_versions(store.db)["cameras"],
    )
    if key not in _POSITIONLESS:
        _POSITIONLESS.clear()
        _POSITIONLESS[key] = reads.cameras_without_position(store)
    return _POSITIONLESS[key].copy()


def _named_or_above(units: pd.DataFrame, cameras: pd.DataFrame) -> np.ndarray:
    """The units a task's placement can reach besides its polygons: every unit above the villages
    (counties' and townships' codes are derived from the cameras' and IDs' codes), and the villages
    the cameras' own codes name (normalised as placing by codes normalises them). Every other
    village is outside the task's box and named by none of its cameras: leaving it out changes no
    camera's placement, and spares walking a province's 60,000 villages several times a task."""
    named: set[str] = set()
    for column in ("village_code", "township_code", "admin_code"):
        if column in cameras and len(cameras):
            values = pd.Series(pd.unique(cameras[column].dropna().astype(str)), dtype="string")
            named.update(str(c) for c in normalise_codes(values) if c is not None)
    level = obj_array(units["level"])
    return np.asarray((level != "village") | units["code"].isin(named).to_numpy(dtype=bool))


def _box_key(box: Any, hd_min_lines: int) -> str:
    if box is None:
        return "none"
    return "_".join(f"{v:.7f}" for v in box) + f"_{hd_min_lines}"


@dataclass(frozen=True)
class CountyRead:
    """What a county task reads from the store itself: the unit table (no geometry) and its
    ancestors (:func:`unit_ancestors`; :func:`unit_hierarchy`), the county's read box (its extent
    grown by ``margin_m``, in the task's metric CRS) and metric extent, its units and their
    neighbours with geometry (``local_units``, with the units above the villages and those the
    cameras name as rows without geometry), and the cameras in the box plus those with no position
    (cached per box on SQLite)."""

    units: pd.DataFrame
    ancestors: pd.DataFrame
    box: Any
    extent: Any
    local_units: pd.DataFrame
    cameras: pd.DataFrame


def read_county(
    store: Any, county: str, crs: pyproj.CRS, margin_m: float, hd_min_lines: int, *, key: str = ""
) -> CountyRead:
    """The reads every county task starts with (:class:`CountyRead`), shared by the report's and
    the gaps' tasks; ``key`` prefixes the SQLite cache file's name."""
    units, anc = unit_hierarchy(store)
    in_county = (anc["county"] == county).to_numpy(dtype=bool)
    own = units[in_county & units["minx"].notna().to_numpy(dtype=bool)]
    box = extent = None
    if len(own):
        box, extent = _read_box(own, reads.units_by_code(store, own["code"]), crs, margin_m)
    local_geo = reads.units_by_code(store, _local_units(units, anc, county, box))

    def cameras() -> Any:
        positionless = cameras_without_position(store)
        if box is None:
            return positionless
        found = reads.cameras_in_box(store, box)
        return pd.concat([found, positionless], ignore_index=True) if len(positionless) else found

    cache_key = f"{key}{county}-{_box_key(box, hd_min_lines)}"
    cams = reads.cached_frame(store, cache_key, cameras)
    local_units = with_hierarchy(local_geo, units[_named_or_above(units, cams)])
    local_units.attrs["polygon_levels"] = polygon_levels(units)  # the whole hierarchy's
    return CountyRead(units, anc, box, extent, local_units, cams)
