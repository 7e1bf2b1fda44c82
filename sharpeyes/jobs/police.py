"""Police-hierarchy jobs: import police jurisdictions, compute the KPIs per police unit (kept as
result ``"police_report"``), write them (xlsx with a sheet per police level, csv, json).

Police units live in their own table (``police_units``): their organisation codes can equal
administrative codes. Each job returns a plain dict (JSON-ready) that the CLI prints and the API
returns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from sharpeyes._errors import AnalysisError, InputError
from sharpeyes.coverage.police import MISMATCH_COLUMNS, PoliceKpis, police_kpis
from sharpeyes.coverage.report import (
    presented_rows,
    report_rows,
    write_report_csv,
    write_report_json,
    write_report_xlsx,
)
from sharpeyes.ingest.files import check_input_file, reading
from sharpeyes.ingest.police import police_units_from_file
from sharpeyes.jobs.report_beside import listed_records as _records
from sharpeyes.model.codes import HD_MIN_LINES
from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.police import POLICE_LEVELS
from sharpeyes.store import Store
from sharpeyes.store.health_extra import finished_results

__all__ = ["compute_police_report", "import_police_units", "write_police_report"]

#: Result kind of the police report (the admin one is ``"report"``).
RESULT_KIND: Final = "police_report"
#: The police report's headers where the admin report's do not fit.
HEADERS_ZH: Final = {
    "unit_code": "机构代码",
    "unit_name": "机构名称",
    "parent_code": "上级机构代码",
}


def import_police_units(
    store: Store,
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    crs: str = "wgs84",
) -> dict[str, Any]:
    """Read police units from ``path`` into the store's police tree.

    The levels the file holds replace those levels (and the same codes) in the store; the other
    levels stay, so a bureau/sub-bureau list and station polygons can come one after the other.
    Administrative units are not touched.
    """
    from sharpeyes.model.crs import metric_crs

    check_input_file(path, "police units file")
    existing = store.police_units()
    known = {str(c): str(lvl) for c, lvl in zip(existing["code"], existing["level"], strict=True)}
    with reading(path, "police units file"):
        layer = police_units_from_file(
            path,
            level=level,
            code_field=code_field,
            name_field=name_field,
            parent_field=parent_field,
            crs=crs,
            known_levels=known,
        )
    new = layer.units
    keep = ~existing["level"].isin(set(new["level"].dropna())) & ~existing["code"].isin(
        set(new["code"])
    )
    combined = gpd.GeoDataFrame(
        pd.concat(
            [existing[keep.to_numpy(dtype=bool)][list(UNIT_COLUMNS)], new[list(UNIT_COLUMNS)]],
            ignore_index=True,
        ),
        geometry="geometry",
        crs=WGS84,
    )
    order = {lvl: i for i, lvl in enumerate(POLICE_LEVELS)}
    combined = combined.sort_values(
        "level", key=lambda s: s.map(order).fillna(9), kind="stable"
    ).reset_index(drop=True)
    store.replace_police_units(combined)
    with_geo = combined[~(combined.geometry.isna() | combined.geometry.is_empty)]
    problems = layer.problems
    return {
        "file": str(path),
        "kind": "police",
        "imported": len(new),
        "levels": {str(k): int(v) for k, v in new["level"].value_counts().items()},
        "units_in_store": {str(k): int(v) for k, v in combined["level"].value_counts().items()},
        "with_geometry": int((~(new.geometry.isna() | new.geometry.is_empty)).sum()),
        "problems": {str(k): int(v) for k, v in problems["kind"].value_counts().items()},
        "problem_rows": _records(problems),
        "metric_crs": metric_crs(with_geo).to_string() if len(with_geo) else None,
    }


def _police_kpis(store: Store, *, hd_min_lines: int, area: str, hd_source: str) -> PoliceKpis:
    from sharpeyes.health.resolution import with_stream_resolution
    from sharpeyes.store.platform import latest_platform_status

    units = store.police_units()
    if len(units) == 0:
        raise AnalysisError(
            "no police units in the store: run `sharpeyes units import FILE --kind police` first"
        )
    cameras = store.cameras()
    _, health = finished_results(store)
    if hd_source == "stream":
        cameras = with_stream_resolution(cameras, health)
    places, roads = store.places(), store.roads()
    return police_kpis(
        cameras,
        units,
        health=health if len(health) else None,
        places=places if len(places) else None,
        roads=roads if len(roads) else None,
        platform_status=latest_platform_status(store),
        hd_min_lines=hd_min_lines,
        area=area,
    )


def compute_police_report(
    store: Store,
    *,
    hd_min_lines: int = HD_MIN_LINES,
    area: str = "exact",
    hd_source: str = "registry",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """KPIs per police unit and class, saved as result ``"police_report"``.

    The document: ``rows`` (as the admin report's, police codes and levels ``bureau``,
    ``sub_bureau``, ``station``), ``hierarchy`` (``"police"``), ``metric_crs``, ``generated_at``,
    ``hd_min_lines``, ``area_method``, ``health_run``, ``placement`` counts and the ``outside``,
    ``unplaced`` and ``police_unit_mismatches`` camera lists. Returns ``(summary, document)``.
    """
    if area not in ("exact", "fast", "none"):
        raise InputError(f"unknown area method {area!r}: use exact, fast or none", field="area")
    result = _police_kpis(store, hd_min_lines=hd_min_lines, area=area, hd_source=hd_source)
    run_id, _ = finished_results(store)
    rows = report_rows(result.kpis)
    document: dict[str, Any] = {
        "hierarchy": "police",
        "rows": rows,
        "metric_crs": result.metric_crs,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "hd_min_lines": hd_min_lines,
        "area_method": area,
        "health_run": run_id,
        "hd_source": hd_source,
        "placement": result.summary(),
        "outside": _records(result.outside),
        "unplaced": _records(result.unplaced),
        "police_unit_mismatches": _records(result.mismatches),
    }
    result_id = store.save_result(RESULT_KIND, document)
    top = [r for r in rows if r["point_class"] == "all" and r["level"] != "station"]
    summary = {
        "result_id": result_id,
        "hierarchy": "police",
        "rows": len(rows),
        "units": len({r["unit_code"] for r in rows}),
        "metric_crs": result.metric_crs,
        "health_run": run_id,
        **result.summary(),
        "top": top[:10],
    }
    return summary, document


def _filtered(
    rows: list[dict[str, Any]], *, unit: str | None, level: str | None
) -> list[dict[str, Any]]:
    """Rows of ``unit`` and the units under it (by parent links), and/or of one police ``level``."""
    if level is not None and level not in POLICE_LEVELS:
        raise InputError(
            f"unknown police level {level!r}: use one of {', '.join(POLICE_LEVELS)}", field="level"
        )
    out = rows
    if unit:
        parent = {str(r["unit_code"]): r.get("parent_code") for r in rows}
        out = [r for r in out if _under(str(r["unit_code"]), unit, parent)]
        if not out:
            raise InputError(f"no police unit with code {unit!r}", field="unit", value=unit)
    if level:
        out = [r for r in out if r["level"] == level]
    return out


def _under(code: str | None, unit: str, parent: dict[str, Any]) -> bool:
    """Whether ``unit`` is ``code`` or on its way up (at most ten steps)."""
    for _ in range(10):
        if code is None:
            return False
        if code == unit:
            return True
        code = parent.get(code)
    return False


def _finding_sheets(document: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The registry's police units that contradict the jurisdiction, and cameras placed nowhere."""
    mism = pd.DataFrame(document["police_unit_mismatches"], columns=list(MISMATCH_COLUMNS))
    placed = [
        pd.DataFrame({"设备编码": [r["device_id"] for r in rows], "问题": what})
        for rows, what in (
            (document["outside"], "不在任何辖区内 (outside every jurisdiction)"),
            (
                document["unplaced"],
                "无坐标,按台账所属派出所计入 (no position, counted by police_unit)",
            ),
        )
        if rows
    ]
    return {
        "辖区不符": mism.rename(
            columns={
                "device_id": "设备编码",
                "police_unit": "台账所属公安机关",
                "station": "所在派出所",
                "sub_bureau": "所在分局",
                "reason": "说明",
            }
        ),
        "落点问题": pd.concat(placed, ignore_index=True)
        if placed
        else pd.DataFrame(columns=["设备编码", "问题"]),
    }


def write_police_report(
    store: Store,
    out: str | Path,
    *,
    fmt: str = "xlsx",
    unit: str | None = None,
    level: str | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    area: str = "exact",
    hd_source: str = "registry",
    lang: str = "zh",
) -> dict[str, Any]:
    """Compute the police report (saved as ``"police_report"``) and write it: xlsx (a sheet per
    police level — 市公安局, 分局, 派出所 — then 辖区不符, 落点问题, 说明), csv or json.
    ``unit`` keeps that unit and the units under it; ``level`` keeps one police level; ``lang``
    the language of xlsx and csv (``zh`` or ``en``)."""
    fmt = fmt.lower()
    if fmt not in ("xlsx", "csv", "json"):
        raise InputError(f"unknown report format {fmt!r}: use xlsx, csv or json", field="format")
    if level is not None and level not in POLICE_LEVELS:
        raise InputError(
            f"unknown police level {level!r}: use one of {', '.join(POLICE_LEVELS)}", field="level"
        )
    summary, document = compute_police_report(
        store, hd_min_lines=hd_min_lines, area=area, hd_source=hd_source
    )
    rows = presented_rows(_filtered(document["rows"], unit=unit, level=level))
    out = Path(out)
    meta = {
        k: document[k]
        for k in ("metric_crs", "generated_at", "hd_min_lines", "area_method", "health_run")
    }
    if fmt == "json":
        write_report_json(rows, out, meta={**meta, "hierarchy": "police"})
    elif fmt == "csv":
        write_report_csv(rows, out, lang=lang, headers=HEADERS_ZH)
    else:
        write_report_xlsx(
            rows,
            out,
            meta=meta,
            gap_sheets=_finding_sheets(document),
            levels={k: v.zh if lang == "zh" else v.en for k, v in POLICE_LEVELS.items()},
            headers=HEADERS_ZH,
            lang=lang,
        )
    return {**summary, "out": str(out), "format": fmt, "rows_written": len(rows)}
