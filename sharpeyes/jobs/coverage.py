"""Coverage jobs: import units, places and roads into the store; compute the report and the gaps
from what the store holds and keep them as results (``"report"``, ``"gaps"``); write them to files.

Each job returns a plain dict (JSON-ready) that the CLI prints and the API returns.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes._errors import AnalysisError, InputError
from sharpeyes.coverage.gaps import Gaps, find_gaps
from sharpeyes.coverage.gaps import write_gaps as _write_gap_files
from sharpeyes.coverage.kpis import CoverageInputs, kpis_by_unit, prepare_inputs
from sharpeyes.coverage.levels import unit_levels
from sharpeyes.coverage.report import (
    check_lang,
    filter_rows,
    presented_rows,
    report_rows,
    write_report_csv,
    write_report_json,
    write_report_xlsx,
)
from sharpeyes.coverage.report_sheets import gap_sheets
from sharpeyes.health.resolution import (
    MISMATCH_COLUMNS,
    resolution_mismatches,
    with_stream_resolution,
)
from sharpeyes.ingest.files import check_input_file, reading
from sharpeyes.ingest.places import places_from_file, roads_from_file
from sharpeyes.ingest.unit_codes import check_hierarchy
from sharpeyes.ingest.units import UNIT_PROBLEM_COLUMNS, missing_parents, units_from_file
from sharpeyes.jobs.grids import grid_gap_sheet, grid_part
from sharpeyes.jobs.report_beside import beside_kpis
from sharpeyes.jobs.report_beside import listed_records as _records
from sharpeyes.model.codes import HD_MIN_LINES
from sharpeyes.model.columns import UNIT_COLUMNS, UNIT_OPTIONAL_COLUMNS, WGS84
from sharpeyes.model.divisions import LEVELS
from sharpeyes.model.frames import obj_array
from sharpeyes.store import Store
from sharpeyes.store.health_extra import finished_results

log = logging.getLogger(__name__)

__all__ = [
    "camera_fields_of_view",
    "compute_gaps",
    "compute_report",
    "import_places",
    "import_roads",
    "import_units",
    "write_gaps",
    "write_report",
]


def import_units(
    store: Store,
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    kind_field: str | None = None,
    crs: str = "wgs84",
) -> dict[str, Any]:
    """Read units from ``path`` and put them in the store.

    The units of the levels the file holds replace those levels in the store; other levels stay
    (so counties from a GeoJSON and townships and villages from code lists can be imported one after
    the other). Returns counts (``village_kinds``: administrative villages, communities, virtual
    units), the problems found (repaired geometry, missing parents, codes or parents that disagree
    with the digit rules, sibling overlaps and gaps) and the metric CRS areas will be measured in.
    A parent cycle between the file and the stored units is refused like one inside the file.
    """
    from sharpeyes.model.crs import metric_crs

    if level == "grid":  # 网格: their own reader and table (sharpeyes.jobs.grids)
        from sharpeyes.jobs.grids import import_grids

        return import_grids(
            store,
            path,
            code_field=code_field,
            name_field=name_field,
            parent_field=parent_field,
            crs=crs,
        )
    check_input_file(path, "units file")
    with reading(path, "units file"):
        layer = units_from_file(
            path,
            level=level,
            code_field=code_field,
            name_field=name_field,
            parent_field=parent_field,
            kind_field=kind_field,
            crs=crs,
        )
    new = layer.units
    existing = store.units()
    if len(existing):
        levels_new = set(new["level"].dropna())
        keep = ~existing["level"].isin(levels_new) & ~existing["code"].isin(set(new["code"]))
        columns = [*UNIT_COLUMNS, *UNIT_OPTIONAL_COLUMNS]
        kept = existing[keep.to_numpy(dtype=bool)].reindex(columns=columns)
        combined = pd.concat([kept, new.reindex(columns=columns)], ignore_index=True)
        combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=WGS84)
        check_hierarchy(combined, file=f"{path} with the stored units", parent_field=parent_field)
    else:
        combined = new
    problems = layer.problems
    stale = problems["kind"] == "missing_parent"
    problems = pd.concat(
        [
            problems[~stale],
            pd.DataFrame(
                [
                    p
                    for p in missing_parents(combined, file=str(path))
                    if p["code"] in set(new["code"])
                ],
                columns=list(UNIT_PROBLEM_COLUMNS),
            ),
        ],
        ignore_index=True,
    )
    order = {lvl: i for i, lvl in enumerate(LEVELS)}
    combined = combined.iloc[
        np.argsort([order.get(v, 9) for v in combined["level"]], kind="stable")
    ].reset_index(drop=True)
    store.replace_units(combined)
    with_geo = combined[~(combined.geometry.isna() | combined.geometry.is_empty)]
    return {
        "file": str(path),
        "imported": len(new),
        "levels": {str(k): int(v) for k, v in new["level"].value_counts().items()},
        "units_in_store": {str(k): int(v) for k, v in combined["level"].value_counts().items()},
        "with_geometry": int((~(new.geometry.isna() | new.geometry.is_empty)).sum()),
        "village_kinds": _village_kind_counts(new),
        "problems": {str(k): int(v) for k, v in problems["kind"].value_counts().items()},
        "problem_rows": _records(problems),
        "metric_crs": metric_crs(with_geo).to_string() if len(with_geo) else None,
    }


def _village_kind_counts(units: pd.DataFrame) -> dict[str, int]:
    """Village-level units by kind (``village``, ``community``, ``virtual``, ``unknown``)."""
    villages = units[obj_array(units["level"]) == "village"]
    if not len(villages):
        return {}
    kinds = villages["village_kind"].astype(object).fillna("unknown")
    return {str(k): int(v) for k, v in kinds.value_counts().items()}


def import_places(
    store: Store, path: str | Path, *, category_field: str | None = None, crs: str = "wgs84"
) -> dict[str, Any]:
    """Read key places and replace the store's places with them."""
    check_input_file(path, "key places file")
    with reading(path, "key places file"):
        layer = places_from_file(path, category_field=category_field, crs=crs)
    store.replace_places(layer.frame)
    return {
        "file": str(path),
        "imported": len(layer.frame),
        "categories": {str(k): int(v) for k, v in layer.frame["category"].value_counts().items()},
        "refused": len(layer.rejects),
        "rejects": _records(layer.rejects),
    }


def import_roads(
    store: Store, path: str | Path, *, class_field: str | None = None, crs: str = "wgs84"
) -> dict[str, Any]:
    """Read key roads and replace the store's roads with them."""
    from sharpeyes.model.crs import metric_crs

    check_input_file(path, "key roads file")
    with reading(path, "key roads file"):
        layer = roads_from_file(path, class_field=class_field, crs=crs)
    store.replace_roads(layer.frame)
    km = 0.0
    if len(layer.frame):
        km = float(layer.frame.to_crs(metric_crs(layer.frame)).length.sum() / 1000.0)
    return {
        "file": str(path),
        "imported": len(layer.frame),
        "classes": {str(k): int(v) for k, v in layer.frame["road_class"].value_counts().items()},
        "length_km": round(km, 3),
        "refused": len(layer.rejects),
        "rejects": _records(layer.rejects),
    }


def camera_fields_of_view(
    store: Store, device_ids: list[str], *, hd_min_lines: int = HD_MIN_LINES
) -> gpd.GeoDataFrame:
    """Field-of-view sectors of the cameras ``device_ids`` (as the map draws them).

    Returns ``device_id, point_class, geometry`` in EPSG:4326 (sectors are built in the cameras'
    metric CRS by :func:`~sharpeyes.coverage.fov.fov_sectors`, then reprojected); cameras without
    a position are left out.
    """
    from sharpeyes.coverage.fov import fov_sectors

    cameras = store.cameras(device_ids=device_ids)
    sectors = fov_sectors(cameras, hd_min_lines=hd_min_lines).to_crs(WGS84)
    frame = gpd.GeoDataFrame(
        {"device_id": cameras["device_id"].astype(str), "point_class": cameras["point_class"]},
        geometry=sectors.values,
        crs=WGS84,
    )
    return frame[frame.geometry.notna()]


def _inputs(
    store: Store, *, hd_min_lines: int, hd_source: str = "registry"
) -> tuple[CoverageInputs, gpd.GeoDataFrame, gpd.GeoDataFrame, int | None]:
    units = store.units()
    if len(units) == 0:
        raise AnalysisError(
            "no administrative units in the store: run `sharpeyes units import FILE` first"
        )
    cameras = store.cameras()
    # the last *finished* run: a run killed half-way, or still going, is not what a report reads
    run_id, health = finished_results(store)
    if hd_source == "stream":
        cameras = with_stream_resolution(cameras, health)
    places = store.places()
    roads = store.roads()
    inputs = prepare_inputs(
        cameras,
        units,
        health=health if len(health) else None,
        places=places if len(places) else None,
        roads=roads if len(roads) else None,
        hd_min_lines=hd_min_lines,
    )
    return inputs, units, places, run_id


def _placement_lists(p: Any) -> dict[str, Any]:
    return {
        "placement": p.summary(),
        "outside": _records(p.outside),
        "id_mismatches": _records(p.mismatches),
        "unplaced": _records(p.unplaced),
    }


def _kpis(store: Store, *, dask_address: str | None, workers: int, **opts: Any) -> tuple[Any, ...]:
    """The KPI table, the placement, the health run, the inputs (``None`` on Dask), the units,
    places and the Dask run (or ``None``): per county on Dask when it can split, else here."""
    if dask_address:
        from sharpeyes.jobs.partitioned import report_on_dask

        on_dask = report_on_dask(store, dask_address, **opts)
        if on_dask is not None:  # the hierarchy is read here, never the inventory
            placement = on_dask.camera_placement()
            return (
                on_dask.kpis,
                placement,
                on_dask.run_id,
                None,
                store.units(),
                store.places(),
                on_dask,
            )
    inputs, units, places, run_id = _inputs(
        store, hd_min_lines=opts["hd_min_lines"], hd_source=opts["hd_source"]
    )
    df = kpis_by_unit(
        None,  # type: ignore[arg-type]
        units,
        inputs=inputs,
        area=opts["area"],
        cell_m=opts["cell_m"],
        workers=workers,
    )
    return df, inputs.placement, run_id, inputs, units, places, None


def compute_report(
    store: Store,
    *,
    hd_min_lines: int = HD_MIN_LINES,
    area: str = "exact",
    cell_m: float = 10.0,
    workers: int = 1,
    dask_address: str | None = None,
    _inputs_out: list[Any] | None = None,
    hd_source: str = "registry",
    period: str | None = None,
) -> dict[str, Any]:
    """Compute the KPIs per unit and class from the store and save them as result ``"report"`` of
    ``period`` (``YYYY-MM``, default this month; it supersedes an earlier run of that period).

    ``hd_source``: ``registry`` (the HD ratio from the registry's ``resolution``/``is_hd``) or
    ``stream`` (from the size of the stream each camera really sent in the last finished health
    run; cameras not probed are of unknown resolution). Either way the document lists the cameras
    whose stream contradicts the registry (``resolution_mismatches``).

    The saved document: ``rows`` (one JSON row per unit and class, keys in
    :data:`~sharpeyes.coverage.kpis.KPI_KEYS` first), ``metric_crs``, ``generated_at``,
    ``hd_min_lines``, ``area_method``, ``health_run`` (``None`` before any health run),
    ``placement`` counts and the ``outside`` / ``id_mismatches`` / ``unplaced`` camera lists,
    ``period``. Returns a summary with ``result_id`` and ``period``.
    """
    from sharpeyes.coverage.trend import current_period, parse_period

    period = parse_period(period) if period is not None else current_period()
    if area not in ("exact", "fast", "none"):
        raise InputError(f"unknown area method {area!r}: use exact, fast or none", field="area")
    if hd_source not in ("registry", "stream"):
        raise InputError(
            f"unknown HD source {hd_source!r}: use registry or stream", field="hd_source"
        )
    df, placement, run_id, inputs, units, places, on_dask = _kpis(
        store,
        hd_min_lines=hd_min_lines,
        area=area,
        cell_m=cell_m,
        workers=workers,
        dask_address=dask_address,
        hd_source=hd_source,
    )
    crs_name = str(df.attrs["metric_crs"])  # before the merges beside the KPIs drop attrs
    df, disagreements, grid_rows, grid_gaps = beside_kpis(
        store,
        df,
        inputs,
        area=area,
        cell_m=cell_m,
        prepare=lambda: _inputs(store, hd_min_lines=hd_min_lines, hd_source=hd_source)[0],
    )
    rows = report_rows(df)
    document: dict[str, Any] = {
        "rows": rows,
        "metric_crs": crs_name,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "period": period,
        "hd_min_lines": hd_min_lines,
        "area_method": area if area != "fast" else f"fast ({cell_m:g} m raster)",
        "health_run": run_id,
        "platform_probe_disagreements": disagreements,
        "hd_source": hd_source,
        "resolution_mismatches": _records(on_dask.resolution_mismatches)
        if on_dask is not None
        else _mismatches(store, hd_min_lines=hd_min_lines),
        **_placement_lists(placement),
        "grid_rows": grid_rows,
    }
    result_id = store.save_result("report", document, period=period)
    if _inputs_out is not None:
        _inputs_out.extend([inputs, units, places, document, grid_gaps, placement])
    top = [r for r in rows if r["point_class"] == "all" and r["level"] in ("city", "county")]
    return {
        "result_id": result_id,
        "period": period,
        "rows": len(rows),
        "units": int((df["point_class"] == "all").sum()),
        "metric_crs": document["metric_crs"],
        "health_run": run_id,
        "hd_source": hd_source,
        "resolution_mismatches": len(document["resolution_mismatches"]),
        **({"grids": len(grid_rows)} if grid_rows else {}),
        **placement.summary(),
        **({"dask": on_dask.dask_summary()} if on_dask is not None else {}),
        "top": top[:10],
    }


def _mismatches(store: Store, *, hd_min_lines: int) -> list[dict[str, Any]]:
    """Cameras whose stream (last finished health run) contradicts the registry's resolution."""
    _, health = finished_results(store)
    if health.empty:
        return []
    cameras = pd.DataFrame(store.cameras().drop(columns="geometry", errors="ignore"))
    frame = resolution_mismatches(cameras, health, hd_min_lines=hd_min_lines)
    return _records(frame)


def compute_gaps(
    store: Store,
    *,
    h3_resolution: int = 8,
    hd_min_lines: int = HD_MIN_LINES,
    inputs: tuple[CoverageInputs, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame | None]
    | None = None,
    dask_address: str | None = None,
) -> tuple[Gaps, int]:
    """Find the gaps and save them as result ``"gaps"``: ``villages``, ``places``, ``roads``,
    ``cells`` (GeoJSON FeatureCollections, WGS-84), ``summary`` (counts), ``metric_crs``,
    ``h3_resolution``, ``generated_at``. ``dask_address``: one task per county
    (:mod:`sharpeyes.jobs.partitioned_gaps`) unless the store cannot be split so."""
    gaps = None
    if inputs is None and dask_address:
        from sharpeyes.jobs.partitioned_gaps import gaps_on_dask

        gaps = gaps_on_dask(
            store, dask_address, h3_resolution=h3_resolution, hd_min_lines=hd_min_lines
        )
    if gaps is None:
        if inputs is None:
            prepared, units, places, _ = _inputs(store, hd_min_lines=hd_min_lines)
            grid_gaps = grid_part(store, prepared, None, area="none", cell_m=10.0)[2]
        else:
            prepared, units, places, grid_gaps = inputs
        gaps = find_gaps(
            prepared, units, places=places if len(places) else None, h3_resolution=h3_resolution
        )
        gaps.grids = grid_gaps
    from sharpeyes.jobs.gaps_document import save_gaps

    return gaps, save_gaps(
        store, gaps, generated_at=datetime.now(UTC).isoformat(timespec="seconds")
    )


def _checked_report_options(fmt: str, level: str | None, lang: str) -> str:
    """The report's format (lower case), once format, level and language are known to be valid."""
    fmt = fmt.lower()
    if fmt not in ("xlsx", "csv", "json"):
        raise InputError(f"unknown report format {fmt!r}: use xlsx, csv or json", field="format")
    if level is not None and level not in LEVELS:
        raise InputError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}", field="level")
    check_lang(lang)
    return fmt


def _report_meta(document: dict[str, Any], levels: dict[str, Any]) -> dict[str, Any]:
    """What the report's notes (说明, the JSON header) say: method, CRS, time, missing levels."""
    keys = ("metric_crs", "generated_at", "hd_min_lines", "area_method", "health_run", "hd_source")
    return {k: v for k, v in document.items() if k in keys} | {
        k: levels[k] for k in ("missing_levels", "levels_without_polygons")
    }


def _write_csv_files(
    out: Path,
    rows: list[dict[str, Any]],
    grid_rows: list[dict[str, Any]],
    *,
    only_grids: bool,
    lang: str,
) -> None:
    """The CSV report: the unit rows in ``out``, the grid rows beside it (``<stem>_grids.csv``);
    with ``only_grids`` (``--level grid``) the grid rows in ``out`` itself."""
    if only_grids:
        write_report_csv(presented_rows(grid_rows), out, lang=lang)
        return
    write_report_csv(presented_rows(rows), out, lang=lang)
    if grid_rows:
        grids_out = out.with_name(f"{out.stem}_grids{out.suffix}")
        write_report_csv(presented_rows(grid_rows), grids_out, lang=lang)


def write_report(
    store: Store,
    out: str | Path,
    *,
    fmt: str = "xlsx",
    unit: str | None = None,
    level: str | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    area: str = "exact",
    hd_source: str = "registry",
    period: str | None = None,
    compare: str | None = None,
    lang: str = "zh",
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Compute the report (saved as ``"report"`` of ``period``) and write it as xlsx, csv or json
    (``hd_source``, ``period``: see :func:`compute_report`; ``lang``: ``zh`` or ``en``, headers
    and values of xlsx and csv; JSON keeps English keys).

    ``compare`` (a stored period ``YYYY-MM`` or ``previous``) adds, per unit and class, the earlier
    period's KPIs and the changes (:mod:`sharpeyes.jobs.trend`); the workbook gets the 环比 sheet and,
    once two periods are stored, the 趋势 sheet with its line charts.

    The workbook also carries the gap lists (computed and saved as ``"gaps"``) and the camera
    placement findings on their own sheets. ``unit`` keeps that unit and the units inside it;
    ``level`` keeps one level. Every format works on a partial hierarchy (counties only, no
    townships, townships without polygons); the result names the ``missing_levels`` and the
    ``levels_without_polygons``.
    """
    fmt = _checked_report_options(fmt, level, lang)
    from sharpeyes.coverage.trend import current_period, parse_period
    from sharpeyes.jobs import trend

    period = parse_period(period) if period is not None else current_period()
    target = trend.compare_target(store, compare, period=period) if compare else None
    held: list[Any] = []
    filter_level = None if level == "grid" else level
    summary = compute_report(
        store,
        hd_min_lines=hd_min_lines,
        area=area,
        dask_address=dask_address,
        _inputs_out=held,
        hd_source=hd_source,
        period=period,
    )
    inputs, units, places, document, grid_gaps, placement = held
    rows = filter_rows(document["rows"], unit=unit, level=filter_level)
    mom = trend.month_on_month(
        store, rows, period=period, compare_to=target, unit=unit, level=filter_level
    )
    rows = presented_rows(mom.rows)
    out = Path(out)
    levels = unit_levels(units).summary()
    meta = _report_meta(document, levels) | mom.meta
    gaps_summary: dict[str, Any] = {}
    grid_rows = document["grid_rows"] if level in (None, "grid") and not unit else []
    rows = [] if level == "grid" else rows
    if fmt == "json":
        write_report_json(
            rows,
            out,
            meta={**meta, **mom.json_extra(), **({"grid_rows": grid_rows} if grid_rows else {})},
        )
    elif fmt == "csv":
        _write_csv_files(out, mom.csv_rows(), grid_rows, only_grids=level == "grid", lang=lang)
    else:
        held_inputs = None if inputs is None else (inputs, units, places, grid_gaps)
        gaps, gaps_id = compute_gaps(store, inputs=held_inputs, dask_address=dask_address)
        gaps_summary = {"gaps_result_id": gaps_id, **gaps.summary()}
        sheets = gap_sheets(gaps, placement, document["resolution_mismatches"], MISMATCH_COLUMNS)
        sheets.update(grid_gap_sheet(gaps.grids))
        write_report_xlsx(
            rows,
            out,
            meta=meta,
            gap_sheets=sheets,
            lang=lang,
            comparison=mom.comparison,
            trend=mom.trend,
            grid_rows=grid_rows,
        )
    return {
        **summary,
        **mom.summary,
        "out": str(out),
        "format": fmt,
        "lang": lang,
        "rows_written": len(rows),
        **levels,
        **gaps_summary,
    }


def write_gaps(
    store: Store,
    out: str | Path,
    *,
    fmt: str = "geojson",
    h3_resolution: int = 8,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Find the gaps, save them as result ``"gaps"`` and write them (geojson, gpkg or csv).

    ``dask_address``: one Dask task per county (docs/scale.md)."""
    fmt = fmt.lower()
    if fmt not in ("geojson", "gpkg", "csv"):
        raise InputError(f"unknown gaps format {fmt!r}: use geojson, gpkg or csv", field="format")
    gaps, result_id = compute_gaps(store, h3_resolution=h3_resolution, dask_address=dask_address)
    paths = _write_gap_files(gaps, out, fmt=fmt)
    return {
        "result_id": result_id,
        "files": [str(p) for p in paths],
        "format": fmt,
        **gaps.summary(),
    }
