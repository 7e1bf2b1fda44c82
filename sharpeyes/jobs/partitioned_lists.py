"""The lists beside the partitioned report's counts (:mod:`sharpeyes.jobs.partitioned`), equal to
the single-process ones (docs/coverage.md, "Scale"):

- **outside every unit**: each county task lists the cameras of its box inside no unit (its local
  units are every unit whose extent meets the box, so *inside no local unit* is *inside no unit*);
  the cameras in no county's extent are read by one more task, :func:`remainder_lists` (a scan:
  few in a province), and placed against the units above the counties;
- **ID–county mismatches**: a camera's county is found by exactly one task; each task tags its
  rows with the store's ``camera_id``, and the client sorts by it — the single-process order;
- **no position**: placed by their codes against the whole hierarchy (every task receives the
  unit table without geometry; a unit outside the task's box is a row without geometry), so each
  gets the county one process gives it whatever task placed it; the first county's task lists them;
- **stream/registry resolution contradictions**
  (:func:`~sharpeyes.health.resolution.resolution_mismatches`): per task over the cameras it read,
  without duplicates, sorted by device ID as one process sorts them.

Only village, township and county polygons place a camera, and each of those has a county, so a
placed camera is counted by exactly one county task.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.coverage.units import CameraPlacement, unit_ancestors
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.frames import obj_array
from sharpeyes.model.urls import mask_url
from sharpeyes.store import Store
from sharpeyes.store import partitions as reads

__all__ = [
    "RemainderTask",
    "TaskLists",
    "county_boxes",
    "reduce_lists",
    "remainder_lists",
    "task_lists",
    "with_hierarchy",
]

_ORDER: Final = "_camera_id"
_EXTENT: Final = ("minx", "miny", "maxx", "maxy")


@dataclass
class TaskLists:
    """A task's lists (``outside`` and ``mismatches`` carry the store's order in ``_camera_id``)."""

    outside: pd.DataFrame = field(default_factory=pd.DataFrame)
    mismatches: pd.DataFrame = field(default_factory=pd.DataFrame)
    resolution: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class RemainderTask:
    """The cameras in no county's extent: the store URL (masked in its ``repr``) and the boxes."""

    store_url: str = field(repr=False)
    boxes: tuple[tuple[float, float, float, float], ...]
    run_id: int | None
    hd_min_lines: int

    def __repr__(self) -> str:
        return f"RemainderTask(boxes={len(self.boxes)}, store={mask_url(self.store_url)!r})"


def polygon_levels(units: pd.DataFrame) -> list[str]:
    """The levels of the unit table (without geometry) that have a polygon (an extent)."""
    has = units["minx"].notna().to_numpy(dtype=bool)
    return sorted({str(v) for v in obj_array(units["level"])[has]})


def with_hierarchy(local: gpd.GeoDataFrame, units: pd.DataFrame) -> gpd.GeoDataFrame:
    """``local`` (units with geometry, WGS-84) plus every other unit of the table as a row without
    geometry, in code order, marked with the whole hierarchy's polygon levels: placing by codes
    then knows every unit, as in one process, and placing by position only the local polygons."""
    rest = units[~units["code"].isin(set(local["code"]))].drop(columns=list(_EXTENT))
    stubs = gpd.GeoDataFrame(
        rest.reset_index(drop=True),
        geometry=gpd.GeoSeries([None] * len(rest), crs=WGS84),
        crs=WGS84,
    )
    frame = pd.concat([local, stubs], ignore_index=True) if len(stubs) else local.copy()
    frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)
    out.attrs["polygon_levels"] = polygon_levels(units)
    return out


def county_boxes(units: pd.DataFrame) -> tuple[tuple[float, float, float, float], ...]:
    """Each county's extent (degrees) from its units' extents: a camera in none of them is inside
    no county's polygon, so no county task counts it."""
    anc = unit_ancestors(units)
    frame = units.assign(_county=anc["county"].to_numpy()).dropna(subset=["_county", "minx"])
    boxes = frame.groupby("_county", sort=True).agg(
        minx=("minx", "min"), miny=("miny", "min"), maxx=("maxx", "max"), maxy=("maxy", "max")
    )
    return tuple(
        (float(a), float(b), float(c), float(d))
        for a, b, c, d in boxes[list(_EXTENT)].itertuples(index=False)
    )


def _resolution(cameras: pd.DataFrame, health: pd.DataFrame | None, hd_min_lines: int) -> Any:
    from sharpeyes.health.resolution import resolution_mismatches

    if health is None or health.empty or cameras.empty:
        return pd.DataFrame()
    frame = pd.DataFrame(cameras.drop(columns="geometry", errors="ignore"))
    return resolution_mismatches(frame, health, hd_min_lines=hd_min_lines)


def _with_order(store: Any, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order = reads.camera_order(store, frame["device_id"].astype(str))
    tagged = frame.assign(**{_ORDER: [order[str(d)] for d in frame["device_id"]]})
    return tagged.reset_index(drop=True)


def task_lists(
    store: Any,
    placement: CameraPlacement,
    *,
    county: str | None,
    registry: pd.DataFrame,
    health: pd.DataFrame | None,
    hd_min_lines: int,
) -> TaskLists:
    """A task's lists from its placement: every camera outside every unit it saw, the mismatches
    of its county (``None``: of none), the contradictions
    among the cameras it read (``registry``: as read, before any stream resolution)."""
    p = placement.placement
    mine = obj_array(p["county"]) == county if county is not None else np.zeros(len(p), bool)
    return TaskLists(
        outside=_with_order(store, placement.outside),
        mismatches=_with_order(store, p[p["id_mismatch"].to_numpy(dtype=bool) & mine]),
        resolution=_resolution(registry, health, hd_min_lines),
    )


def remainder_lists(task: RemainderTask) -> TaskLists:
    """The cameras in no county's extent, placed against the units above the counties (and the
    whole hierarchy by code), read by this task from the store itself."""
    from sharpeyes.coverage.units import assign_cameras

    with contextlib.closing(Store.open(task.store_url)) as store:
        cams = reads.cameras_outside_boxes(store, task.boxes)
        if cams.empty:
            return TaskLists()
        units = reads.unit_table(store)
        above = units[pd.isna(unit_ancestors(units)["county"]).to_numpy() & units["minx"].notna()]
        local = reads.units_by_code(store, above["code"]) if len(above) else None
        if local is None:
            local = gpd.GeoDataFrame(
                {c: [] for c in UNIT_COLUMNS if c != "geometry"},
                geometry=gpd.GeoSeries([], crs=WGS84),
                crs=WGS84,
            )
        placement = assign_cameras(cams, with_hierarchy(local, units))
        health = None
        if task.run_id is not None:
            health = reads.health_of(store, task.run_id, cams["device_id"].astype(str).tolist())
        return task_lists(
            store,
            placement,
            county=None,
            registry=cams,
            health=health,
            hd_min_lines=task.hd_min_lines,
        )


def _in_store_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True).drop_duplicates("device_id")
    out = out.sort_values(_ORDER, kind="stable").drop(columns=_ORDER)
    return out.reset_index(drop=True)


def reduce_lists(lists: list[TaskLists]) -> dict[str, Any]:
    """The tasks' lists in one, each camera once, in the single-process order."""
    res = [f for f in (t.resolution for t in lists) if len(f)]
    resolution = (
        pd.concat(res, ignore_index=True)
        .drop_duplicates("device_id")
        .sort_values("device_id", kind="stable")
        .reset_index(drop=True)
        if res
        else pd.DataFrame()
    )
    return {
        "outside": _in_store_order([t.outside for t in lists]),
        "mismatches": _in_store_order([t.mismatches for t in lists]),
        "resolution": resolution,
    }
