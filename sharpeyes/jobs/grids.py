"""Grid jobs (网格): import a grid file into the store, and the grid part of the report, the gaps
and the worklist, from what the store holds.

``sharpeyes units import FILE --level grid`` lands in :func:`import_grids`; the report job calls
:func:`grid_report` to add the 网格 rows and each unit's share of grids covered; the worklist calls
:func:`camera_grids` to name each camera's grid and who to call there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.coverage.grids import (
    GRID_UNIT_COLUMNS,
    assign_grids,
    grid_coverage_by_unit,
    grid_kpis,
    uncovered_grids,
)
from sharpeyes.coverage.inputs import CoverageInputs
from sharpeyes.coverage.report import report_rows
from sharpeyes.coverage.units import assign_cameras
from sharpeyes.ingest.files import check_input_file, reading
from sharpeyes.ingest.grids import grids_from_file
from sharpeyes.model.frames import obj_array
from sharpeyes.store.grids import read_grid_workers, read_grids, replace_grids

__all__ = [
    "camera_grids",
    "grid_gap_sheet",
    "grid_part",
    "grid_people",
    "grid_report",
    "grids",
    "import_grids",
    "with_grid_columns",
]

_MAX_LISTED = 200


def import_grids(
    store: Any,
    path: str | Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    crs: str = "wgs84",
) -> dict[str, Any]:
    """Read grids (and their leaders and workers) from ``path`` and replace the store's grids.

    A grid whose parent is not among the store's villages/communities is kept (and counted by its
    own figures) and reported as ``missing_parent``. Returns counts and the problem rows, never a
    name or a phone.
    """
    from sharpeyes.jobs.report_beside import listed_records as _records

    check_input_file(path, "grid file")
    with reading(path, "grid file"):
        layer = grids_from_file(
            path, code_field=code_field, name_field=name_field, parent_field=parent_field, crs=crs
        )
    villages = set(store.units(level="village")["code"].astype(str))
    problems = layer.problems
    if villages:
        orphan = ~layer.grids["parent_code"].astype(str).isin(villages).to_numpy()
        extra = pd.DataFrame(
            {
                "file": str(path),
                "row": None,
                "code": obj_array(layer.grids["code"])[orphan],
                "level": "grid",
                "kind": "missing_parent",
                "reason": [
                    f"parent {p} is not among the villages/communities in the store"
                    for p in obj_array(layer.grids["parent_code"])[orphan]
                ],
                "area_m2": None,
            }
        )
        problems = pd.concat([problems, extra], ignore_index=True) if len(extra) else problems
    replace_grids(store, layer.grids, layer.workers)
    summary = layer.summary()
    return {
        "file": str(path),
        "imported": len(layer.grids),
        "levels": {"grid": len(layer.grids)},
        "units_in_store": {"grid": len(layer.grids)},
        "with_geometry": summary["with_geometry"],
        "villages_with_grids": summary["villages"],
        "leaders": summary["leaders"],
        "workers": summary["workers"],
        "problems": {str(k): int(v) for k, v in problems["kind"].value_counts().items()},
        "problem_rows": _records(problems, _MAX_LISTED),
        "metric_crs": None,
    }


def grid_report(
    store: Any,
    inputs: CoverageInputs,
    cameras: pd.DataFrame,
    kpis: pd.DataFrame,
    *,
    area: str = "exact",
    cell_m: float = 10.0,
) -> tuple[pd.DataFrame, list[dict[str, Any]], gpd.GeoDataFrame | None]:
    """``kpis`` with :data:`GRID_UNIT_COLUMNS` appended (when the store has grids), the all-class
    grid rows (JSON-ready, ``village_name`` added) and the gaps layer of grids with no networked
    camera (``None`` without grids). ``cameras`` are the store's cameras ``inputs`` was made from."""
    grids = read_grids(store)
    if not len(grids):
        return kpis, [], None
    villages = obj_array(inputs.cameras["village"])
    known = obj_array(inputs.units["code"][inputs.units["level"] == "village"])
    grid_of = assign_grids(cameras, grids, villages=villages, known_villages=known)
    rows = grid_kpis(inputs, grids, grid_of, area=area, cell_m=cell_m)  # type: ignore[arg-type]
    per_unit = grid_coverage_by_unit(rows, inputs.units, inputs.cameras, grid_of)
    out = kpis.merge(per_unit, on=["unit_code", "point_class"], how="left")
    for c in ("grids", "grids_covered", "cameras_without_grid"):
        out[c] = out[c].fillna(0).astype(np.int64)
    names = dict(zip(inputs.units["code"].astype(str), inputs.units["name"], strict=True))
    allc = rows[rows["point_class"] == "all"].copy()
    at = list(allc.columns).index("parent_code") + 1
    allc.insert(at, "village_name", [names.get(str(p)) for p in allc["parent_code"]])
    gaps = uncovered_grids(rows, grids, {k: str(v) for k, v in names.items()})
    return out[[*kpis.columns, *GRID_UNIT_COLUMNS]], report_rows(allc), gaps


def camera_grids(store: Any, cameras: pd.DataFrame) -> pd.DataFrame:
    """``device_id, grid_code, grid_name`` of every camera in a grid (empty without grids): the
    camera placed in its village first (:func:`~sharpeyes.coverage.units.assign_cameras`), then in
    a grid of that village by position or by its own ``grid_code``."""
    grids = read_grids(store)
    cols = ["device_id", "grid_code", "grid_name"]
    if not len(grids) or not len(cameras):
        return pd.DataFrame(columns=cols)
    units = store.units()
    villages = None
    known: list[str] = []
    if len(units):
        placement = assign_cameras(cameras, units).placement
        villages = obj_array(placement["village"])
        known = list(units["code"][units["level"] == "village"].astype(str))
    grid_of = assign_grids(cameras, grids, villages=villages, known_villages=known)
    names = dict(zip(obj_array(grids["code"]), obj_array(grids["name"]), strict=True))
    frame = pd.DataFrame(
        {
            "device_id": cameras["device_id"].astype(str).to_numpy(),
            "grid_code": grid_of,
            "grid_name": [names.get(g) if g is not None else None for g in grid_of],
        }
    )
    return frame[frame["grid_code"].notna()].reset_index(drop=True)


def _people(workers: pd.DataFrame, *, phones: bool) -> dict[str, str]:
    """Grid code → ``张三(网格长) 139…；李四 139…`` (names only without ``phones``)."""
    out: dict[str, list[str]] = {}
    for rec in workers.itertuples(index=False):
        who = str(rec.name or "") + ("(网格长)" if rec.role == "leader" else "")
        if phones and isinstance(rec.phone, str) and rec.phone:
            who = f"{who} {rec.phone}"
        out.setdefault(str(rec.grid_code), []).append(who.strip())
    return {k: "；".join(v) for k, v in out.items()}


def with_grid_columns(
    store: Any, rows: pd.DataFrame, cameras: pd.DataFrame, *, phones: bool
) -> pd.DataFrame:
    """Worklist ``rows`` with ``grid_code``, ``grid_name`` and ``grid_workers`` (the leader and
    workers to call; their phones only with ``phones``, for editors and admins)."""
    out = rows.copy()
    found = (
        camera_grids(store, cameras[cameras["device_id"].astype(str).isin(set(rows["device_id"]))])
        if len(rows)
        else pd.DataFrame(columns=["device_id", "grid_code", "grid_name"])
    )
    by = found.set_index("device_id") if len(found) else None
    ids = out["device_id"].astype(str)
    out["grid_code"] = ids.map(by["grid_code"]) if by is not None else None
    out["grid_name"] = ids.map(by["grid_name"]) if by is not None else None
    codes = sorted({str(c) for c in out["grid_code"].dropna()})
    people = _people(read_grid_workers(store, codes), phones=phones) if codes else {}
    out["grid_workers"] = [
        people.get(str(c), "") if isinstance(c, str) else "" for c in out["grid_code"]
    ]
    for c in ("grid_code", "grid_name"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def grids(
    store: Any,
    *,
    parent: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    codes: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """The store's grids (EPSG:4326): all, one village's, those in ``bbox``, or ``codes``."""
    return read_grids(store, parent, bbox=bbox, codes=codes)


def grid_people(store: Any, code: str, *, phones: bool) -> list[dict[str, Any]]:
    """The leader and workers of grid ``code`` (``role, name`` and, with ``phones``, ``phone``)."""
    frame = read_grid_workers(store, [code])
    keep = ["role", "name", "phone"] if phones else ["role", "name"]
    return [{k: rec[k] for k in keep} for rec in frame.to_dict("records")]


def grid_part(
    store: Any, inputs: CoverageInputs, df: pd.DataFrame | None, *, area: str, cell_m: float
) -> tuple[pd.DataFrame, list[dict[str, Any]], gpd.GeoDataFrame | None]:
    """For the report job: ``df`` with each unit's share of grids covered, the grid rows and the
    grid gaps (``df`` unchanged, no rows, ``None`` without grids; ``df=None``: gaps only)."""
    df = pd.DataFrame(columns=["unit_code", "point_class"]) if df is None else df
    if not len(read_grids(store)):
        return df, [], None
    cameras = store.cameras()
    order = pd.Index(cameras["device_id"].astype(str)).get_indexer(
        inputs.cameras["device_id"].astype(str)
    )
    cameras = cameras.iloc[order].reset_index(drop=True)
    return grid_report(store, inputs, cameras, df, area=area, cell_m=cell_m)


def grid_gap_sheet(gaps: gpd.GeoDataFrame | None) -> dict[str, pd.DataFrame]:
    """The workbook's 无联网摄像机网格 sheet (Chinese headers, no geometry); none without grids."""
    if gaps is None:
        return {}
    sheet = pd.DataFrame(gaps.drop(columns="geometry")).rename(
        columns={
            "code": "网格编码",
            "name": "网格名称",
            "village": "所属村社区代码",
            "cameras": "摄像机数",
            "networked_cameras": "联网摄像机数",
        }
    )
    return {"无联网摄像机网格": sheet}
