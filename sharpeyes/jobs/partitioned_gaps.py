"""The gaps on a Dask cluster, one task per county, each reading its county from the store itself
(``sharpeyes gaps --dask ADDRESS|local:N``; docs/coverage.md "Scale", docs/scale.md).

Python API (``benchmarks/province.py`` calls it)::

    with dask_client("local:2") as client:
        gaps = run_gaps_partitioned(store_url, client, h3_resolution=8)   # a Gaps, as find_gaps

**Who takes what, exactly once** (decided from the units' and layers' extents, degrees): a county's
*zone* is its extent grown by :data:`ZONE_M` (``zone_deg`` degrees, never more than that many
metres); ties go to the first county in code order.

- villages: the county's own administrative villages (every camera of a village is its county's);
- key places: those the county's polygons hold, and those outside every unit whose point lies in
  the county's zone first;
- roads: those whose whole extent lies in the county's zone first;
- H3 cells: those whose centre lies in the county's zone first.

A county task reads the cameras within ``ZONE_M`` + 3 cell sizes (twice the average H3 edge) +
the longest field-of-view range of its extent: every camera that can make one of its cells exist,
fall in it or see into it, see one of its places or roads. One more task, *the rest*, reads the
cameras in no zone shrunk by that margin (the cells and places in no zone) and those within the
longest range of each road no zone holds (long roads across counties; bounded by those roads'
extents, not the province). Uncovered stretches and cell coverage union the sectors in camera
order (:mod:`sharpeyes.coverage.gaps`), so a task cuts exactly what one process cuts; the client
sorts each layer as one process lists it (units, places and roads in the store's order, cells by
index) and the totals add the same numbers in the same order.

The grids layer (网格) is not partitioned: a store with grids runs its gaps in one process (a
warning says so).
"""

from __future__ import annotations

import contextlib
import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.gaps import Gaps, find_gaps
from sharpeyes.coverage.inputs import CLASSES, prepare_inputs
from sharpeyes.coverage.levels import unit_levels
from sharpeyes.coverage.units import unit_ancestors
from sharpeyes.jobs.county_reads import read_county
from sharpeyes.jobs.dask_gather import gather_in_order
from sharpeyes.jobs.partitioned import (
    PartitionPlan,
    ReportOptions,
    partition_plan,
)
from sharpeyes.jobs.partitioned_lists import county_boxes, with_hierarchy
from sharpeyes.jobs.task_url import task_store_url
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.frames import obj_array
from sharpeyes.model.urls import mask_url
from sharpeyes.store import Store
from sharpeyes.store import partitions as reads

__all__ = [
    "ZONE_M",
    "GapsTask",
    "corridor_boxes",
    "county_gaps",
    "eroded_boxes",
    "gaps_on_dask",
    "run_gaps_partitioned",
]

#: How far beyond a county's extent its zone reaches (m): places outside every unit and roads
#: crossing the border by less than this go to the county.
ZONE_M: Final = 1000.0
#: Metres in a degree, at most (latitude; longitude is never more): degrees from metres, short.
_M_PER_DEG_MAX: Final = 112_000.0

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class GapsTask:
    """A county's gaps (``county``; ``""``: the rest): the store URL (masked in its ``repr``),
    the zones of every county, the ids it takes, and scalars."""

    store_url: str = field(repr=False)
    county: str
    crs: str
    max_range_m: float
    margin_m: float  # ZONE_M + 3 cell sizes + the longest range
    zones: tuple[tuple[str, Box], ...] = field(repr=False)
    places: tuple[str, ...] = field(repr=False)  # ids zoned to it (outside every unit)
    roads: tuple[str, ...] = field(repr=False)  # ids it takes
    h3_resolution: int = 8
    hd_min_lines: int = 1080
    village_classes: tuple[int, ...] = CLASSES
    cells: bool = True  # the rest's: whether it takes the cells and places of no zone

    def __repr__(self) -> str:
        what = f"county={self.county!r}" if self.county else f"rest, roads={list(self.roads)!r}"
        return f"GapsTask({what}, store={mask_url(self.store_url)!r})"


def _grow(box: Box, deg: float) -> Box:
    return (box[0] - deg, box[1] - deg, box[2] + deg, box[3] + deg)


def _zone_of(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray, zones: Any) -> Any:
    """The first zone (code order) holding each extent, ``None`` for none."""
    owner = np.full(len(x0), None, dtype=object)
    for county, (a, b, c, d) in zones:
        hit = (owner == None) & (x0 >= a) & (y0 >= b) & (x1 <= c) & (y1 <= d)  # noqa: E711
        owner[hit] = county
    return owner


def _extent(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = (frame[c].to_numpy(dtype=float) for c in ("minx", "miny", "maxx", "maxy"))
    return x0, y0, x1, y1


def _cell_size_m(resolution: int) -> float:
    import h3

    return 2.0 * float(h3.average_hexagon_edge_length(resolution, unit="m"))


def gap_tasks(
    store: Any, store_url: str, plan: PartitionPlan, *, h3_resolution: int, hd_min_lines: int
) -> list[GapsTask]:
    """One task per county and the rest, from the plan and the layers' extents."""
    zone_deg = ZONE_M / _M_PER_DEG_MAX
    boxes = county_boxes(plan.units)
    codes = sorted({str(c) for c in unit_ancestors(plan.units)["county"].dropna()})
    with_extent = _counties_with_extent(plan.units)
    zones = tuple(
        (c, _grow(b, zone_deg)) for c, b in zip(with_extent, boxes, strict=True) if c in codes
    )
    places = reads.layer_extents(store, "places")
    roads = reads.layer_extents(store, "roads")
    p_zone = _zone_of(*_extent(places), zones)
    r_zone = _zone_of(*_extent(roads), zones)
    margin = ZONE_M + 3.0 * _cell_size_m(h3_resolution) + plan.max_range_m

    def task(county: str, zone_key: Any) -> GapsTask:
        return GapsTask(
            store_url=store_url,
            county=county,
            crs=plan.crs.to_string(),
            max_range_m=plan.max_range_m,
            margin_m=margin,
            zones=zones,
            places=tuple(places["id"][p_zone == zone_key]),
            roads=tuple(roads["id"][r_zone == zone_key]),
            h3_resolution=h3_resolution,
            hd_min_lines=hd_min_lines,
        )

    rest = task("", None)
    # the rest, split: the cells and places of no zone, then each long road on its own (a task
    # reads the cameras along its road, never a province's worth)
    by_road = [replace(rest, places=(), roads=(r,), cells=False) for r in rest.roads]
    return [task(c, c) for c in plan.counties] + [replace(rest, roads=()), *by_road]


def _counties_with_extent(units: pd.DataFrame) -> list[str]:
    """The counties :func:`county_boxes` gives a box, in its order."""
    anc = unit_ancestors(units)
    frame = units.assign(_county=anc["county"].to_numpy()).dropna(subset=["_county", "minx"])
    return sorted({str(c) for c in frame["_county"]})


def _in_zone(points_lonlat: tuple[np.ndarray, np.ndarray], task: GapsTask) -> np.ndarray:
    lon, lat = points_lonlat
    if not len(lon):
        return np.zeros(0, bool)
    owner = _zone_of(lon, lat, lon, lat, task.zones)
    return np.asarray(owner == (task.county or None), dtype=bool)


def _keep_cells(task: GapsTask) -> Any:
    import h3

    def keep(cells: np.ndarray) -> np.ndarray:
        if not task.cells:
            return np.zeros(len(cells), bool)
        centres = np.array([h3.cell_to_latlng(str(c)) for c in cells], dtype=float).reshape(-1, 2)
        return _in_zone((centres[:, 1], centres[:, 0]), task)

    return keep


def county_gaps(task: GapsTask) -> Gaps:
    """One county's gaps (or the rest's), read from the store by the task itself."""
    with contextlib.closing(Store.open(task.store_url)) as store:
        if task.county:
            inputs, units, places = _county_side(store, task)
        else:
            inputs, units, places = _rest_side(store, task)
    return find_gaps(
        inputs,
        units,
        places=places if len(places) else None,
        village_classes=task.village_classes,
        h3_resolution=task.h3_resolution,
        keep_cells=_keep_cells(task),
    )


def _county_side(store: Any, task: GapsTask) -> tuple[Any, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The county's inputs (every camera within the margin of its extent), its units, the places
    it takes (as read, row for row with the inputs')."""
    crs = pyproj.CRS.from_user_input(task.crs)
    county = read_county(store, task.county, crs, task.margin_m, task.hd_min_lines, key="gaps-")
    box, geo_units, cams = county.box, county.local_units, county.cameras
    places = reads.layer_in_box(store, "places", box) if box is not None else None
    roads = reads.layer_by_ids(store, "roads", task.roads)
    local = prepare_inputs(
        cams,
        geo_units,
        places=places if places is not None and len(places) else None,
        roads=roads if len(roads) else None,
        hd_min_lines=task.hd_min_lines,
        crs=crs,
    )
    pl = local.places
    zoned = np.isin(obj_array(pl["place_id"]).astype(str), list(task.places))
    take = (obj_array(pl["county"]) == task.county) | (pd.isna(pl["county"]).to_numpy() & zoned)
    inputs = replace(local, places=pl[take].reset_index(drop=True))
    kept = places[take].reset_index(drop=True) if places is not None else geo_units.iloc[0:0]
    return inputs, geo_units[_mine(geo_units, task)], kept


def _mine(units: gpd.GeoDataFrame, task: GapsTask) -> np.ndarray:
    return (unit_ancestors(units)["county"] == task.county).to_numpy(dtype=bool)


def _rest_side(store: Any, task: GapsTask) -> tuple[Any, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cameras in no zone shrunk by the margin and near the long roads; the places in no zone."""
    lat_max = max((max(abs(b[1]), abs(b[3])) for _, b in task.zones), default=0.0)
    per_deg = 111_320.0 * max(math.cos(math.radians(min(lat_max + 1.0, 89.0))), 0.01)
    frames = []
    if task.cells:  # within the margin of no zone: outside the zones' union shrunk by it
        inner = eroded_boxes([b for _, b in task.zones], (task.margin_m - ZONE_M) / per_deg)
        frames.append(reads.cameras_outside_boxes(store, inner))
    roads = reads.layer_by_ids(store, "roads", task.roads)
    if len(roads):  # within the longest range of each road, piece by piece
        reach = (task.max_range_m * 1.01 + 1.0) / per_deg
        piece = max(4.0 * task.max_range_m, 500.0) / per_deg
        frames += [reads.cameras_in_box(store, b) for b in corridor_boxes(roads, reach, piece)]
    if not frames:
        frames.append(reads.cameras_in_box(store, (0.0, 0.0, -1.0, -1.0)))
    cams = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    cams = cams.drop_duplicates("device_id").reset_index(drop=True)
    if len(cams):  # the store's order, as one process holds them
        order = reads.camera_order(store, cams["device_id"].astype(str))
        rank = [order[str(d)] for d in cams["device_id"]]
        cams = cams.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    places = reads.layer_by_ids(store, "places", task.places)
    empty = gpd.GeoDataFrame(
        {c: [] for c in UNIT_COLUMNS if c != "geometry"},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )
    units = with_hierarchy(empty, reads.unit_table(store))
    inputs = prepare_inputs(
        cams,
        units,
        places=places if len(places) else None,
        roads=roads if len(roads) else None,
        hd_min_lines=task.hd_min_lines,
        crs=pyproj.CRS.from_user_input(task.crs),
    )
    return inputs, units.iloc[0:0], places


def eroded_boxes(zones: list[Box], shrink_deg: float) -> list[Box]:
    """Boxes (degrees) whose union is the zones' union shrunk by ``shrink_deg`` (a square's
    erosion: a point in a box is farther than that from every point in no zone). The shrunk
    union of axis-aligned boxes is rectilinear: cut into slabs between its vertices' latitudes,
    each slab's pieces are rectangles; a piece that is not (rounding) is left out, which only
    reads more cameras."""
    if not zones:
        return []
    union = shapely.union_all([shapely.box(*b) for b in zones])
    shrunk = shapely.buffer(union, -shrink_deg, join_style="mitre")
    if shapely.is_empty(shrunk):
        return []
    x0, _, x1, _ = shapely.bounds(shrunk)
    ys = np.unique(shapely.get_coordinates(shrunk)[:, 1])
    eps = 1e-9
    out: list[Box] = []
    for y0, y1 in itertools.pairwise(ys.tolist()):
        if y1 - y0 <= 2 * eps:
            continue
        slab = shapely.intersection(shrunk, shapely.box(x0 - 1.0, y0, x1 + 1.0, y1))
        for part in shapely.get_parts(slab):
            a, b, c, d = (float(v) for v in shapely.bounds(part))
            if shapely.get_type_id(part) == 3 and shapely.area(part) >= (c - a) * (d - b) * (
                1 - 1e-9
            ):
                out.append((a + eps, b + eps, c - eps, d - eps))
    return [b for b in out if b[0] < b[2] and b[1] < b[3]]


def corridor_boxes(roads: gpd.GeoDataFrame, reach_deg: float, piece_deg: float) -> list[Box]:
    """Boxes (degrees) holding every point within ``reach_deg`` of the roads: each road cut into
    pieces no longer than ``piece_deg``, each piece's extent grown by the reach (a long diagonal
    road's own extent would be most of a province)."""
    lines = shapely.segmentize(roads.geometry.to_numpy(), piece_deg)
    out: list[Box] = []
    for line in shapely.get_parts(lines):
        xy = shapely.get_coordinates(line)
        a, b = (xy[:-1], xy[1:]) if len(xy) > 1 else (xy, xy)
        low, high = np.minimum(a, b) - reach_deg, np.maximum(a, b) + reach_deg
        out += [tuple(map(float, (*lo, *hi))) for lo, hi in zip(low, high, strict=True)]  # type: ignore[misc]
    return out


def _ranked(frames: list[gpd.GeoDataFrame], key: str, order: dict[str, int]) -> gpd.GeoDataFrame:
    """The tasks' rows of one layer in the one-process order (stable within a key)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0]
    out = pd.concat(full, ignore_index=True)
    rank = [order.get(str(v), -1) for v in out[key]] if order else list(out[key].astype(str))
    out = out.iloc[np.argsort(np.asarray(rank), kind="stable")].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def run_gaps_partitioned(
    store_url: str, client: Any, *, plan: PartitionPlan | None = None, **options: Any
) -> Gaps:
    """Every gap layer (as :func:`~sharpeyes.coverage.gaps.find_gaps` over the whole store), one
    Dask task per county and one for the rest (module docstring). ``options``: ``h3_resolution``
    (8), ``hd_min_lines`` (1080). Raises :class:`~sharpeyes._errors.AnalysisError` when the
    hierarchy cannot be split by county."""
    from sharpeyes._errors import AnalysisError

    h3_resolution = int(options.get("h3_resolution", 8))
    hd_min_lines = int(options.get("hd_min_lines", 1080))
    if not 0 <= h3_resolution <= 15:
        from sharpeyes._errors import InputError

        raise InputError(f"H3 resolution must be 0–15, got {h3_resolution}", field="h3_resolution")
    with contextlib.closing(Store.open(store_url)) as store:
        if plan is None:
            plan, why = partition_plan(store, ReportOptions(hd_min_lines=hd_min_lines))
            if plan is None:
                raise AnalysisError(f"the work cannot be split by county: {why}")
        place_order = {v: i for i, v in enumerate(reads.layer_extents(store, "places")["id"])}
        road_order = {v: i for i, v in enumerate(reads.layer_extents(store, "roads")["id"])}
        with task_store_url(store_url) as url:  # the tasks carry no password
            tasks = gap_tasks(
                store, url, plan, h3_resolution=h3_resolution, hd_min_lines=hd_min_lines
            )
            parts: list[Gaps] = gather_in_order(client, county_gaps, tasks)
    unit_order = {str(c): i for i, c in enumerate(plan.units["code"])}
    has = plan.units["minx"].notna().to_numpy(dtype=bool)
    drawn = gpd.GeoSeries([shapely.Point(0, 0) if h else None for h in has], crs=WGS84)
    levels = gpd.GeoDataFrame(plan.units[["code", "level"]], geometry=drawn.values, crs=WGS84)
    return Gaps(
        villages=_ranked([g.villages for g in parts], "code", unit_order),
        places=_ranked([g.places for g in parts], "place_id", place_order),
        roads=_ranked([g.roads for g in parts], "road_id", road_order),
        cells=_ranked([g.cells for g in parts], "h3", {}),
        metric_crs=plan.crs.to_string(),
        h3_resolution=h3_resolution,
        levels=unit_levels(levels),
    )


def gaps_on_dask(store: Any, address: Any, **options: Any) -> Gaps | None:
    """:func:`run_gaps_partitioned` on the cluster at ``address`` for an open store; ``None``
    (and a warning) when it cannot split (no county hierarchy, or grids in the store)."""
    import logging

    from sharpeyes.jobs.partitioned import planned_on_dask
    from sharpeyes.store.grids import read_grids

    if len(read_grids(store)):
        logging.getLogger(__name__).warning(
            "--dask: the store has grids (网格), not split by county; gaps run in one process"
        )
        return None
    return planned_on_dask(
        store,
        address,
        ReportOptions(hd_min_lines=options.get("hd_min_lines", 1080)),
        "the gaps run",
        lambda url, client, plan: run_gaps_partitioned(url, client, plan=plan, **options),
    )
