"""The report's KPIs on a Dask cluster, one task per county, each reading its own county from the
store (``sharpeyes report --dask ADDRESS|local:N``; docs/scale.md, docs/coverage.md).

Python API (stable; ``benchmarks/province.py`` calls it)::

    with dask_client("local:2") as client:            # or "tcp://scheduler:8786", or a Client
        result = run_report_partitioned(store_url, client, area="exact")
    result.kpis          # the DataFrame kpis_by_unit returns, equal to the last digit
    result.placement     # cameras / placed / outside / unplaced / ID-county mismatch counts
    result.tasks         # per county: cameras read, counted, covering, seconds, peak RSS

**What a task receives**: a :class:`CountyTask` — the store URL (masked in its ``repr``), a county
code and a few scalars decided centrally from small queries (the metric CRS from the units' extent,
the longest field-of-view range from a ``GROUP BY``, the health run, the place categories and road
classes). **What a task reads itself**: the unit table without geometry (codes and extents: the
hierarchy), its county's units and the units whose extent meets its box (with geometry), the
cameras in its box — the county's extent widened by the longest range, which is what the
single-process path's ``county_partitions`` lets see into a county — and the cameras without a
position (placed by their codes), their health results, places and roads in the box. On SQLite the
cameras come from a Parquet file per county under ``<store>.cache/`` (written by the first run,
per store version); on PostGIS from the GiST index each time.

**Same figures, to the last digit**: a task places its cameras, places and roads with
:func:`~sharpeyes.coverage.inputs.prepare_inputs` against every unit that can hold them (its
county's units, every unit whose extent meets the box and their ancestors, in the store's order);
a point lies in the same polygons either way, and a point on a shared border goes to the unit
listed first (:func:`~sharpeyes.coverage.units.assign_cameras`), so every camera is counted in the
county the single-process path puts it in. Its partition (counted cameras, covering cameras in the
store's order, leaves, villages, places, roads) is the single-process one, and its counts are
:func:`~sharpeyes.coverage.counts.partial_counts`; the reduction concatenates them in the
single-process order (largest partition first) before :func:`rates_from_counts`, so even float sums
add in the same order. Memory per worker: the largest county's cameras plus the unit table
without geometry.

Needs a hierarchy in which every township and village has a county and some unit has a polygon;
otherwise :func:`partition_plan` says why and the caller runs in one process.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.coverage.counts import Partition, partial_counts
from sharpeyes.coverage.fov import fov_defaults
from sharpeyes.coverage.inputs import CLASSES, CoverageInputs, prepare_inputs
from sharpeyes.coverage.kpis import rates_from_counts
from sharpeyes.coverage.units import CameraPlacement, unit_ancestors
from sharpeyes.jobs.county_reads import read_county
from sharpeyes.jobs.dask_gather import gather_in_order
from sharpeyes.jobs.partitioned_lists import (
    RemainderTask,
    TaskLists,
    county_boxes,
    reduce_lists,
    remainder_lists,
    task_lists,
)
from sharpeyes.model.codes import HD_MIN_LINES, PLACE_CATEGORIES, ROAD_CLASSES
from sharpeyes.model.crs import metric_crs
from sharpeyes.model.frames import obj_array
from sharpeyes.model.urls import mask_url
from sharpeyes.store import Store
from sharpeyes.store import partitions as reads

__all__ = [
    "CountyResult",
    "CountyTask",
    "PartitionPlan",
    "PartitionedReport",
    "ReportOptions",
    "county_counts",
    "county_tasks",
    "dask_client",
    "partition_plan",
    "run_report_partitioned",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ReportOptions:
    """The options of the KPI computation (as :func:`~sharpeyes.coverage.kpis.kpis_by_unit`)."""

    hd_min_lines: int = HD_MIN_LINES
    area: str = "exact"
    cell_m: float = 10.0
    area_by_class: bool = True
    village_classes: tuple[int, ...] = CLASSES
    hd_source: str = "registry"


@dataclass(frozen=True)
class CountyTask:
    """Everything a county task receives: no frame, no camera (its ``repr`` masks the URL)."""

    store_url: str = field(repr=False)
    county: str
    crs: str
    max_range_m: float
    run_id: int | None
    place_categories: tuple[str, ...]
    road_classes: tuple[str, ...]
    options: ReportOptions

    def __repr__(self) -> str:
        return f"CountyTask(county={self.county!r}, store={mask_url(self.store_url)!r})"


@dataclass
class CountyResult:
    """A county task's additive counts and findings (small: one row per unit and class)."""

    county: str
    size: int  # covering + counted cameras: the single-process path's partition order
    counts: pd.DataFrame
    placed: int = 0
    id_mismatch: int = 0
    lists: TaskLists = field(default_factory=TaskLists)
    unplaced: pd.DataFrame = field(default_factory=pd.DataFrame)
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class PartitionPlan:
    """What the central step decides from small queries before any task runs."""

    units: pd.DataFrame  # the unit table without geometry (codes, names, extents)
    counties: list[str]
    crs: pyproj.CRS
    max_range_m: float
    run_id: int | None
    has_health: bool
    place_categories: list[str]
    road_classes: list[str]
    cameras: int
    unplaced: int


@dataclass
class PartitionedReport:
    """The KPI table (as :func:`~sharpeyes.coverage.kpis.kpis_by_unit`), placement counts and lists,
    and what each county task did."""

    kpis: pd.DataFrame
    placement: dict[str, int]
    outside: pd.DataFrame
    mismatches: pd.DataFrame
    unplaced: pd.DataFrame
    metric_crs: str
    run_id: int | None
    tasks: pd.DataFrame
    resolution_mismatches: pd.DataFrame = field(default_factory=pd.DataFrame)

    def camera_placement(self) -> CameraPlacement:
        """The placement findings as :class:`~sharpeyes.coverage.units.CameraPlacement` (the lists;
        its counts are :attr:`placement`)."""
        return _Placement(
            placement=pd.DataFrame(columns=["device_id", "placed"]),
            outside=self.outside,
            mismatches=self.mismatches,
            unplaced=self.unplaced,
            counts=self.placement,
        )

    def dask_summary(self) -> dict[str, Any]:
        """What the tasks did: counties, cameras read, the slowest and the largest task."""
        t = self.tasks
        if t.empty:
            return {"counties": 0}
        return {
            "counties": len(t),
            "cameras_read": int(t["cameras_read"].sum()),
            "largest_county_cameras": int(t["counted"].max()),
            "slowest_task_s": float(t["seconds"].max()),
            "peak_rss_mb_max": float(t["peak_rss_mb"].max()),
        }


@dataclass
class _Placement(CameraPlacement):
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return dict(self.counts)


def report_on_dask(store: Any, address: Any, **options: Any) -> PartitionedReport | None:
    """:func:`run_report_partitioned` on the cluster at ``address`` (see :func:`dask_client`) for
    an open store; ``None`` (and a warning on the log) when the hierarchy cannot be split by
    county, for the caller to run in one process."""
    return planned_on_dask(
        store,
        address,
        ReportOptions(**options),
        "the report runs",
        lambda url, client, plan: run_report_partitioned(url, client, plan=plan, **options),
    )


def planned_on_dask(
    store: Any,
    address: Any,
    options: ReportOptions,
    what: str,
    run: Callable[[str, Any, PartitionPlan], T],
) -> T | None:
    """The shape every ``--dask`` path shares: the plan from small queries, then ``run(store URL,
    client, plan)`` on the cluster at ``address`` (:func:`dask_client`); ``None`` and a warning
    (``--dask: <why>; <what> in one process``) when the work cannot be split by county."""
    plan, why = partition_plan(store, options)
    if plan is None:
        log.warning("--dask: %s; %s in one process", why, what)
        return None
    url = store.engine.url.render_as_string(hide_password=False)
    with dask_client(address) as client:
        return run(url, client, plan)


@contextlib.contextmanager
def dask_client(address: Any) -> Iterator[Any]:
    """A ``dask.distributed.Client``: ``local:N`` starts a LocalCluster of N worker processes
    (closed on exit), any other text is a scheduler address, a ``Client`` is used as it is."""
    from dask.distributed import Client, LocalCluster

    if not isinstance(address, str):
        yield address
        return
    if address.startswith("local:"):
        try:
            n = int(address.split(":", 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            from sharpeyes._errors import InputError

            raise InputError(
                f"--dask local:N needs a number of workers ≥ 1, got {address!r}", field="dask"
            )
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken
            silence_logs=logging.WARNING,
        )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    with Client(address) as client:
        yield client


def _max_range_m(store: Any, hd_min_lines: int) -> float:
    """The longest filled field-of-view range of the inventory (m), from a ``GROUP BY``."""
    groups = reads.range_groups(store)
    if groups.empty:
        return 0.0
    given = groups[groups["range_m"].notna()]
    blank = groups[groups["blank"].astype(int) == 1].assign(range_m=None)
    cases = pd.concat([given, blank], ignore_index=True).drop(columns="blank")
    for c in ("fov_deg", "heading_deg", "range_m"):
        cases[c] = pd.to_numeric(cases[c], errors="coerce").astype(float)
    cases["camera_type"] = pd.to_numeric(cases["camera_type"], errors="coerce")
    cases["is_hd"] = cases["is_hd"].astype("boolean")
    filled = fov_defaults(cases, hd_min_lines=hd_min_lines)
    return float(np.nanmax(filled["range_m"].to_numpy(dtype=float)))


def _ordered(values: list[Any], table: Any) -> list[str]:
    """Categories as :func:`prepare_inputs` lists them: blank is ``other``, the code table's order
    first, unknown ones after, sorted."""
    found = {"other" if v is None else str(v) for v in values}
    known = [str(c) for c in table if c in found]
    return known + sorted(found - set(known))


def partition_plan(store: Any, options: ReportOptions) -> tuple[PartitionPlan | None, str]:
    """The plan, or ``None`` and why the work cannot be split by county."""
    from sharpeyes.store.health_extra import last_finished_run

    units = reads.unit_table(store)
    if units.empty:
        return None, "no administrative units in the store"
    anc = unit_ancestors(units)
    level = obj_array(units["level"])
    below = np.isin(level, ["township", "village"])
    no_county = below & pd.isna(anc["county"]).to_numpy()
    if no_county.any():
        return None, f"{int(no_county.sum())} townships or villages belong to no county"
    extent = units.dropna(subset=["minx", "miny", "maxx", "maxy"])
    if extent.empty:
        return None, "no unit has a polygon"
    box = shapely.box(
        extent["minx"].min(), extent["miny"].min(), extent["maxx"].max(), extent["maxy"].max()
    )
    import geopandas as gpd

    crs = metric_crs(gpd.GeoSeries([box], crs="EPSG:4326"))
    run_id = last_finished_run(store)
    has_health = run_id is not None and reads.health_count(store, run_id) > 0
    counties = sorted({str(c) for c in anc["county"].dropna()})
    places = reads.distinct_values(store, "places", "category")
    roads = reads.distinct_values(store, "roads", "road_class")
    plan = PartitionPlan(
        units=units,
        counties=counties,
        crs=crs,
        max_range_m=_max_range_m(store, options.hd_min_lines),
        run_id=run_id,
        has_health=has_health,
        place_categories=_ordered(places, PLACE_CATEGORIES) if places else [],
        road_classes=_ordered(roads, ROAD_CLASSES) if roads else [],
        cameras=reads.camera_count(store),
        unplaced=reads.count_without_position(store),
    )
    return plan, ""


def run_report_partitioned(
    store_url: str, client: Any, *, plan: PartitionPlan | None = None, **options: Any
) -> PartitionedReport:
    """The KPIs of every unit and class, one Dask task per county (module docstring).

    ``options``: the fields of :class:`ReportOptions` (``hd_min_lines``, ``area`` exact|fast|none,
    ``cell_m``, ``area_by_class``, ``village_classes``, ``hd_source`` registry|stream). Raises
    :class:`~sharpeyes._errors.AnalysisError` when the hierarchy cannot be split by county.
    """
    from sharpeyes._errors import AnalysisError

    opts = ReportOptions(**options)
    if plan is None:
        with contextlib.closing(Store.open(store_url)) as store:
            plan, why = partition_plan(store, opts)
        if plan is None:
            raise AnalysisError(f"the work cannot be split by county: {why}")
    from sharpeyes.jobs.task_url import task_store_url

    with task_store_url(store_url) as url:  # the tasks carry no password
        rest = RemainderTask(url, county_boxes(plan.units), plan.run_id, opts.hd_min_lines)
        remainder = client.submit(remainder_lists, rest, pure=False)
        tasks = county_tasks(url, plan, opts)
        results: list[CountyResult] = gather_in_order(client, county_counts, tasks)
        return _reduce(results, plan, remainder.result())


def county_tasks(store_url: str, plan: PartitionPlan, options: ReportOptions) -> list[CountyTask]:
    """One task per county of the plan: the URL, the county code and the plan's scalars."""
    return [
        CountyTask(
            store_url=store_url,
            county=c,
            crs=plan.crs.to_string(),
            max_range_m=plan.max_range_m,
            run_id=plan.run_id,
            place_categories=tuple(plan.place_categories),
            road_classes=tuple(plan.road_classes),
            options=options,
        )
        for c in plan.counties
    ]


def _reduce(
    results: list[CountyResult], plan: PartitionPlan, remainder: TaskLists
) -> PartitionedReport:
    """One KPI table from the counties' counts, added in the single-process order."""
    # county order, then largest partition first (a stable sort, as county_partitions + kpis do)
    ordered = sorted(sorted(results, key=lambda r: r.county), key=lambda r: -r.size)
    frames = [r.counts for r in ordered if len(r.counts)]
    counts = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["unit_code", "point_class"])
    )
    units = plan.units.drop(columns=["minx", "miny", "maxx", "maxy"])
    kpis = rates_from_counts(
        counts,
        units,
        has_health=plan.has_health,
        place_categories=plan.place_categories,
        road_classes=plan.road_classes,
    )
    kpis.attrs["metric_crs"] = plan.crs.to_string()
    lists = reduce_lists([*(r.lists for r in results), remainder])
    placed = sum(r.placed for r in results)
    placement = {
        "cameras": plan.cameras,
        "placed": placed,
        "outside_every_unit": len(lists["outside"]),
        "unplaced_no_position": plan.unplaced,
        "id_county_mismatch": sum(r.id_mismatch for r in results),
    }
    return PartitionedReport(
        kpis=kpis,
        placement=placement,
        outside=lists["outside"],
        mismatches=lists["mismatches"],
        unplaced=next((r.unplaced for r in results if len(r.unplaced)), pd.DataFrame()),
        metric_crs=plan.crs.to_string(),
        run_id=plan.run_id,
        tasks=pd.DataFrame([{"county": r.county, **r.stats} for r in results]),
        resolution_mismatches=lists["resolution"],
    )


# -- the task -----------------------------------------------------------------------------------
def county_counts(task: CountyTask) -> CountyResult:
    """One county's additive counts, read from the store by the task itself (module docstring)."""
    started = time.perf_counter()
    with contextlib.closing(Store.open(task.store_url)) as store:
        local, box, cams, health = _county_inputs(store, task)
        lists = task_lists(
            store,
            local.placement,
            county=task.county,
            registry=cams,
            health=health,
            hd_min_lines=task.options.hd_min_lines,
        )
    part = _partition(local, task, box)
    opts = task.options
    counts = pd.DataFrame(columns=["unit_code", "point_class"])
    # the single-process path has no partition for a county without leaves and without cameras
    if len(part.leaves) or len(part.cameras):
        counts = partial_counts(
            part,
            area=opts.area,  # type: ignore[arg-type]
            cell_m=opts.cell_m,
            area_by_class=opts.area_by_class,
            village_classes=opts.village_classes,
        )
    p = local.placement.placement
    mine = obj_array(p["county"]) == task.county
    return CountyResult(
        county=task.county,
        size=len(part.covering) + len(part.cameras),
        counts=counts,
        placed=int((p["placed"].to_numpy(dtype=bool) & mine).sum()),
        id_mismatch=int((p["id_mismatch"].to_numpy(dtype=bool) & mine).sum()),
        lists=lists,
        unplaced=local.placement.unplaced.reset_index(drop=True)
        if task.county == _first_county(local)
        else pd.DataFrame(),
        stats={
            "cameras_read": len(cams),
            "counted": len(part.cameras),
            "covering": len(part.covering),
            "seconds": round(time.perf_counter() - started, 3),
            "peak_rss_mb": _peak_rss_mb(),
        },
    )


def _first_county(local: CoverageInputs) -> str | None:
    """The task that lists the cameras without a position (every task reads them all): the one of
    the first county in code order."""
    return local.units.attrs.get("first_county")


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def _county_inputs(
    store: Any, task: CountyTask
) -> tuple[CoverageInputs, np.ndarray | None, pd.DataFrame, pd.DataFrame | None]:
    """The county's inputs prepared as :func:`prepare_inputs` prepares the whole store's, its
    metric extent, the cameras read (the registry's, before any stream resolution) and their
    health results."""
    from sharpeyes.health.resolution import with_stream_resolution

    crs = pyproj.CRS.from_user_input(task.crs)
    county = read_county(store, task.county, crs, task.max_range_m, task.options.hd_min_lines)
    box, extent, local_units = county.box, county.extent, county.local_units
    cams = registry = county.cameras
    health = None
    if task.run_id is not None and len(cams):
        health = reads.health_of(store, task.run_id, cams["device_id"].astype(str).tolist())
        if task.options.hd_source == "stream":
            cams = with_stream_resolution(cams, health)
        health = health if len(health) else None
    places = reads.layer_in_box(store, "places", box) if box is not None else None
    roads = reads.layer_in_box(store, "roads", box) if box is not None else None
    local = prepare_inputs(
        cams,
        local_units,
        health=health,
        places=places if places is not None and len(places) else None,
        roads=roads if roads is not None and len(roads) else None,
        hd_min_lines=task.options.hd_min_lines,
        crs=crs,
    )
    first = sorted({str(c) for c in county.ancestors["county"].dropna()})
    local.units.attrs["first_county"] = first[0] if first else None
    return local, extent, registry, health


def _partition(local: CoverageInputs, task: CountyTask, extent: np.ndarray | None) -> Partition:
    """The county's partition exactly as :func:`~sharpeyes.coverage.counts.county_partitions`
    cuts it from the whole store's inputs (with the store's longest range, not the box's)."""
    cam = local.cameras
    county = task.county
    leaves = local.leaves[obj_array(local.leaves["county"]) == county]
    counted = cam[obj_array(cam["county"]) == county]
    covering = cam.iloc[0:0]
    roads = local.roads.iloc[0:0]
    if len(leaves):
        minx, miny, maxx, maxy = shapely.total_bounds(leaves.geometry.to_numpy())
        region = shapely.box(minx, miny, maxx, maxy)
        has_xy = np.isfinite(cam["x"].to_numpy()) & np.isfinite(cam["y"].to_numpy())
        pts = shapely.points(
            np.where(has_xy, cam["x"].to_numpy(), 0.0), np.where(has_xy, cam["y"].to_numpy(), 0.0)
        )
        near = shapely.STRtree(pts).query(
            shapely.buffer(region, task.max_range_m, join_style="mitre")
        )
        near = near[has_xy[near]]
        covering = cam.iloc[np.sort(near)]
        road_geo = local.roads.geometry.to_numpy()
        if len(road_geo):
            hit = shapely.STRtree(road_geo).query(region, predicate="intersects")
            roads = local.roads.iloc[np.sort(hit)]
    return Partition(
        county=county,
        cameras=counted,
        covering=covering,
        leaves=leaves,
        villages=local.villages[obj_array(local.villages["county"]) == county],
        places=local.places[obj_array(local.places["county"]) == county],
        roads=roads,
        place_categories=list(task.place_categories),
        road_classes=list(task.road_classes),
    )
