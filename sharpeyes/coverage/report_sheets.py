"""The report's side sheets as frames keyed by column (the writer puts headers and values into the
reader's language): gap lists, camera placement findings, resolution mismatches, and the 说明 lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from sharpeyes.coverage.gaps import Gaps
from sharpeyes.coverage.kpis import TARGETS
from sharpeyes.coverage.units import CameraPlacement
from sharpeyes.model.codes import ADMIN_LEVELS, label
from sharpeyes.model.frames import obj_array
from sharpeyes.model.labels import text

__all__ = ["gap_sheets", "notes_lines", "placement_sheet"]

PLACEMENT_COLUMNS = ("device_id", "problem", "id_county", "county")


def gap_sheets(
    gaps: Gaps,
    placement: CameraPlacement,
    resolution_rows: list[dict[str, Any]],
    resolution_columns: tuple[str, ...],
) -> dict[str, pd.DataFrame]:
    """The workbook's side sheets, by :data:`~sharpeyes.model.labels.SHEETS` key: villages without a
    networked camera, key places and roads outside every field of view (place positions WGS-84,
    6 decimals), placement findings, streams whose resolution contradicts the registry."""
    places = pd.DataFrame(gaps.places.drop(columns="geometry"))
    if len(gaps.places):
        points = gaps.places.geometry.representative_point()
        places = places.assign(lon=points.x.round(6).to_numpy(), lat=points.y.round(6).to_numpy())
    else:
        places = places.assign(lon=[], lat=[])
    return {
        "gaps_villages": pd.DataFrame(gaps.villages.drop(columns="geometry")),
        "gaps_places": places,
        "gaps_roads": pd.DataFrame(gaps.roads.drop(columns="geometry")),
        "placement": placement_sheet(placement),
        "resolution": pd.DataFrame(resolution_rows, columns=list(resolution_columns)),
    }


def placement_sheet(p: CameraPlacement) -> pd.DataFrame:
    """Cameras outside every unit, whose ID names another county, or placed by code only."""
    frames = [
        pd.DataFrame(
            {
                "device_id": frame["device_id"].astype(str).to_numpy(),
                "problem": problem,
                "id_county": obj_array(frame["id_county"]),
                "county": obj_array(frame["county"]),
            }
        )
        for frame, problem in (
            (p.outside, "outside"),
            (p.mismatches, "id_mismatch"),
            (p.unplaced, "unplaced"),
        )
        if len(frame)
    ]
    if not frames:
        return pd.DataFrame(columns=list(PLACEMENT_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _levels(levels: list[str] | None, lang: str) -> str:
    return "、".join(label(ADMIN_LEVELS, lvl, lang=lang) for lvl in levels or [])


def _area_method(meta: dict[str, Any], lang: str) -> str:
    method = str(meta.get("area_method") or "exact")
    if method.startswith("fast"):
        cell = method.partition("(")[2].split(" ")[0] or "10"
        return text("area_fast", lang, cell=cell)
    return text(f"area_{method}", lang) if method in ("exact", "none") else method


def _generated(meta: dict[str, Any]) -> datetime:
    """The generation time as a naive UTC datetime (Excel keeps no time zone)."""
    given = meta.get("generated_at")
    when = datetime.fromisoformat(given) if given else datetime.now(UTC)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def notes_lines(meta: dict[str, Any], lang: str = "zh") -> list[tuple[str, Any]]:
    """The 说明 sheet: generation time, metric CRS, methods, targets, and the levels missing."""
    zh = lang == "zh"
    missing = meta.get("missing_levels") or []
    undrawn = meta.get("levels_without_polygons") or []
    run = meta.get("health_run")
    lines: list[tuple[str, Any]] = [
        ("生成时间(协调世界时)" if zh else "generated (UTC)", _generated(meta)),
        ("面积/长度量算坐标系" if zh else "metric CRS (areas, lengths)", meta.get("metric_crs")),
        ("面积覆盖率计算方法" if zh else "area coverage method", _area_method(meta, lang)),
        ("高清门限(线)" if zh else "HD threshold (lines)", meta.get("hd_min_lines")),
        (
            "健康检测批次(最近一次完成的)" if zh else "health run (last finished)",
            run if run is not None else ("无(在线率、完好率留空)" if zh else "none (rates empty)"),
        ),
        (
            text("levels_missing", lang),
            _levels(missing, lang) if missing else text("all_levels", lang),
        ),
        (
            text("levels_without_polygons", lang),
            _levels(undrawn, lang) if undrawn else text("none", lang),
        ),
        (
            "在线率、完好率口径" if zh else "online and intact rates",
            "在线数/巡检数、完好数/巡检数(联网摄像机);未巡检的单列为「未巡检」,不计为离线"
            if zh
            else "online / probed, intact / probed (networked cameras); not probed is counted "
            "apart, never as offline",
        ),
        (
            "高清率依据" if zh else "HD ratio from",
            text("hd_stream" if meta.get("hd_source") == "stream" else "hd_registry", lang),
        ),
        (
            "目标依据" if zh else "targets from",
            "《关于加强公共安全视频监控建设联网应用工作的若干意见》(2015)",
        ),
        (
            "重点公共区域覆盖率、联网率目标" if zh else "key-area coverage and networking target",
            f"{TARGETS['networking']:.0%}",
        ),
        ("新建改建高清率目标" if zh else "HD target (new cameras)", f"{TARGETS['hd']:.0%}"),
        (
            "完好率目标(重点公共区域/重点行业)"
            if zh
            else "intact target (public areas / industries)",
            f"{TARGETS['intact_key_public_areas']:.0%} / {TARGETS['intact_key_industries']:.0%}",
        ),
        (
            "率的口径" if zh else "rates",
            "百分比;分母为零时留空;无联网摄像机的类别,其联网口径的率留空"
            if zh
            else "percentages; empty where the denominator is zero, and for a class without "
            "networked cameras",
        ),
    ]
    return lines
