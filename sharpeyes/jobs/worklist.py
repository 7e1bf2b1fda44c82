"""The morning worklist (派修清单): store → :mod:`sharpeyes.health.worklist` → xlsx / csv / json.

``sharpeyes health worklist -o PATH [--night DATE] [--format xlsx|csv|json]`` and
``GET /api/health/worklist``. The night is a *finished* run (default the newest one); the workbook
has a summary sheet (each contractor's intact rate against the 98 % / 95 % targets), one sheet per
maintenance contractor and one for the carrier (network faults), with the night's snapshot and the
reference view embedded as thumbnails.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.health.worklist import (
    CARRIER,
    contractor_summary,
    fault_streaks,
    worklist_rows,
)
from sharpeyes.jobs.grids import with_grid_columns
from sharpeyes.jobs.health import probe_registry
from sharpeyes.store.health_extra import finished_runs, last_finished_run, references

#: Finished runs looked back over for "nights in a row".
STREAK_NIGHTS = 30
FORMATS = ("xlsx", "csv", "json")

_HEADERS_ZH = {
    "device_id": "设备编码",
    "name": "名称",
    "address": "地址",
    "township": "乡镇街道",
    "management_unit": "维护单位",
    "point_class": "点位类型",
    "fault_kind_zh": "故障类别",
    "faults_zh": "故障",
    "reason_zh": "离线原因",
    "detail": "详情",
    "nights": "连续天数",
    "since": "始于",
    "grid_name": "所属网格",
    "grid_workers": "网格员(可就近查看)",
}
#: The per-grid view (``view="grid"``): whom to ask to look at an offline camera on the spot.
VIEWS = ("contractor", "grid")
_SUMMARY_ZH = {
    "management_unit": "维护单位",
    "probed": "巡检数",
    "online": "在线数",
    "intact": "完好数",
    "online_rate": "在线率",
    "intact_rate": "完好率",
    "intact_rate_class1": "一类完好率",
    "target_class1": "一类目标",
    "intact_rate_class2": "二类完好率",
    "target_class2": "二类目标",
    "target_met": "达标",
    "network_faults": "网络故障",
    "stream_faults": "视频流故障",
    "picture_faults": "图像故障",
    "not_probed": "未巡检",
}


def build_worklist(store: Any, *, night: str | None = None, phones: bool = False) -> dict[str, Any]:
    """The worklist of ``night`` (ISO date; default the newest finished run): ``run_id``, ``night``,
    ``rows`` (DataFrame, :data:`~sharpeyes.health.worklist.ROW_COLUMNS`, then ``grid_code``,
    ``grid_name``, ``grid_workers``: the camera's grid and whom to call there, phones only with
    ``phones`` — for editors and admins), ``summary`` (DataFrame per contractor)."""
    run_id = last_finished_run(store, night=night)
    if run_id is None:
        what = f"for the night {night}" if night else "yet"
        raise InputError(
            f"no finished health run {what}: run `sharpeyes health run`", field="night"
        )
    runs = finished_runs(store)
    runs = runs[runs["run_id"] <= run_id].tail(STREAK_NIGHTS)
    history = [
        (str(night), store.health_results(int(rid), include_snapshots=False))
        for night, rid in zip(runs["night"], runs["run_id"], strict=True)
    ]
    results = history[-1][1]
    cameras = pd.DataFrame(store.cameras().drop(columns="geometry", errors="ignore"))
    townships = store.units(level="township") if hasattr(store, "units") else None
    names = (
        dict(zip(townships["code"].astype(str), townships["name"].astype(str), strict=True))
        if townships is not None and len(townships)
        else {}
    )
    rows = worklist_rows(cameras, results, fault_streaks(history), township_names=names)
    rows = with_grid_columns(store, rows, cameras, phones=phones)
    summary = contractor_summary(cameras, results, registry=probe_registry(store))
    return {
        "run_id": run_id,
        "night": history[-1][0],
        "rows": rows,
        "summary": summary,
    }


def grid_view(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The per-grid view: one entry per grid with a faulty or offline camera (``grid_code``,
    ``grid_name``, ``grid_workers``, ``cameras``), cameras in no grid last under ``grid_code`` null."""
    out = []
    keyed = rows.assign(_g=rows["grid_code"].fillna("\uffff"))
    for _, group in keyed.groupby("_g", sort=True):
        first = group.iloc[0]
        cams = group.drop(columns=["_g", "grid_code", "grid_name", "grid_workers"])
        out.append(
            {
                "grid_code": first["grid_code"],
                "grid_name": first["grid_name"],
                "grid_workers": first["grid_workers"],
                "cameras": json.loads(cams.to_json(orient="records", force_ascii=False)),
            }
        )
    return out


def worklist_document(work: dict[str, Any], *, view: str = "contractor") -> dict[str, Any]:
    """JSON-ready worklist: ``run_id``, ``night``, ``summary`` (list), ``sheets`` (route → rows);
    with ``view="grid"`` also ``grids`` (:func:`grid_view`)."""
    rows: pd.DataFrame = work["rows"]
    sheets: dict[str, list[dict[str, Any]]] = {}
    for route, group in rows.groupby("route", sort=True):
        sheets[str(route)] = json.loads(group.drop(columns="route").to_json(orient="records"))
    return {
        "run_id": work["run_id"],
        "night": work["night"],
        "summary": json.loads(work["summary"].to_json(orient="records")),
        "sheets": sheets,
        "carrier": CARRIER,
        **({"grids": grid_view(rows)} if view == "grid" else {}),
    }


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name).strip() or "_"
    title = title[:28]
    base, n = title, 2
    while title in used:
        title = f"{base[:25]}~{n}"
        n += 1
    used.add(title)
    return title


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None or value != value else value


def _thumbnail(jpeg: bytes | None, *, width_px: int = 160) -> Any:
    if not jpeg:
        return None
    from openpyxl.drawing.image import Image

    image = Image(io.BytesIO(jpeg))
    scale = width_px / max(1, image.width)
    image.width, image.height = width_px, max(1, round(image.height * scale))
    return image


def _write_xlsx(store: Any, work: dict[str, Any], path: Path, *, by_grid: bool = False) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    summary_sheet = book.active
    assert summary_sheet is not None
    summary_sheet.title = "汇总"
    summary: pd.DataFrame = work["summary"]
    summary_sheet.append([f"夜间巡检 {work['night']} (批次 {work['run_id']})"])
    summary_sheet.append([_SUMMARY_ZH.get(c, c) for c in summary.columns])
    for values in summary.itertuples(index=False):
        summary_sheet.append(["" if v is None or v != v else v for v in values])
    for col in ("online_rate", "intact_rate", "intact_rate_class1", "intact_rate_class2"):
        if col in summary.columns:
            letter = get_column_letter(list(summary.columns).index(col) + 1)
            for cell in summary_sheet[letter][2:]:
                cell.number_format = "0.00%"
    used = {"汇总"}
    rows: pd.DataFrame = work["rows"]
    columns = list(_HEADERS_ZH)
    for route, group in rows.groupby("route", sort=True):
        sheet = book.create_sheet(_sheet_title(str(route), used))
        sheet.append([_HEADERS_ZH[c] for c in columns] + ["当夜画面", "参考画面"])
        for i, rec in enumerate(group.to_dict("records"), start=2):
            sheet.append([_cell(rec[c]) for c in columns])
            snap = store.snapshot(work["run_id"], rec["device_id"])
            refs = references(store, rec["device_id"])
            mode = "ir" if rec.get("mode") == "ir" else "day"
            ref = refs.get(mode) or refs.get("ir" if mode == "day" else "day")
            for j, jpeg in enumerate((snap, ref)):
                image = _thumbnail(jpeg)
                if image is not None:
                    sheet.add_image(image, f"{get_column_letter(len(columns) + 1 + j)}{i}")
            sheet.row_dimensions[i].height = 72
        for j in range(2):
            sheet.column_dimensions[get_column_letter(len(columns) + 1 + j)].width = 24
    if by_grid:
        _write_grid_sheet(book, rows)
    book.save(path)


def _write_grid_sheet(book: Any, rows: pd.DataFrame) -> None:
    """The 按网格 sheet: every faulty or offline camera under its grid and the people to call."""
    sheet = book.create_sheet("按网格")
    columns = ["grid_code", "grid_name", "grid_workers", "device_id", "name", "address"]
    columns += ["fault_kind_zh", "faults_zh", "reason_zh", "nights", "management_unit"]
    heads = {"grid_code": "网格编码", **_HEADERS_ZH}
    sheet.append([heads.get(c, c) for c in columns])
    ordered = rows.assign(_g=rows["grid_code"].fillna("\uffff")).sort_values(["_g", "device_id"])
    for rec in ordered.to_dict("records"):
        sheet.append([_cell(rec[c]) for c in columns])


def write_worklist(
    store: Any,
    out: str | Path,
    *,
    night: str | None = None,
    fmt: str = "xlsx",
    view: str = "contractor",
    phones: bool = False,
) -> dict[str, Any]:
    """Write the worklist of ``night`` to ``out`` as xlsx (thumbnails embedded), csv (one file, a
    ``route`` column) or json; returns ``run_id, night, out, format, cameras, routes``.

    ``view="grid"`` adds the per-grid view (a 按网格 sheet, a ``grids`` list in json, rows sorted
    by grid in csv). Grid workers' phones are written only with ``phones`` (editors and admins)."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown worklist format {fmt!r}: use xlsx, csv or json", field="format")
    if view not in VIEWS:
        raise InputError(f"unknown worklist view {view!r}: use contractor or grid", field="view")
    work = build_worklist(store, night=night, phones=phones)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _write_xlsx(store, work, path, by_grid=view == "grid")
    elif fmt == "csv":
        frame = work["rows"].copy()
        frame["faults"] = [",".join(f) for f in frame["faults"]]
        if view == "grid":
            frame = frame.sort_values(["grid_code", "device_id"], na_position="last")
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        path.write_text(
            json.dumps(worklist_document(work, view=view), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    rows: pd.DataFrame = work["rows"]
    return {
        "run_id": work["run_id"],
        "night": work["night"],
        "out": str(path),
        "format": fmt,
        "cameras": len(rows),
        "routes": {str(k): int(v) for k, v in rows["route"].value_counts().sort_index().items()},
    }
