"""What a reader sees of a table, in Chinese and in English: one table of columns, one of sheets,
one of texts.

Every column a report, a gap list or a plan shows has a :class:`Column` in :data:`COLUMNS`: its
header in each language, the *kind* of its values (how they are written: a code stays text, an
``int`` is an integer, a ``rate`` a percentage, ``km2`` and ``density`` carry their unit) and,
where its values are codes of a table of :mod:`sharpeyes.model.codes`, that table (its labels
replace the codes). A part that adds a column, a sheet or a note adds an entry here; nothing else
changes. JSON keeps the English keys and the raw values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from sharpeyes.model.codes import (
    ADMIN_LEVELS,
    CAMERA_TYPES,
    PLACE_CATEGORIES,
    ROAD_CLASSES,
    STATUSES,
    VERDICTS,
    Code,
)
from sharpeyes.model.police import POLICE_LEVELS

__all__ = [
    "COLUMNS",
    "KINDS",
    "LANGS",
    "PREFIXED",
    "SHEETS",
    "TEXTS",
    "Column",
    "Lang",
    "cell_value",
    "column",
    "header",
    "sheet_title",
    "text",
]

Lang = Literal["zh", "en"]
LANGS: Final = ("zh", "en")
#: How values of a column are written: ``code``/``text`` as text, ``int`` as integers, ``rate`` as a
#: percentage (fraction 0–1), ``km2``, ``km``, ``m`` and ``density`` (per km²) with their unit,
#: ``float`` as a number, ``flag`` as met/missed, ``bool`` as yes/no.
KINDS: Final = ("code", "text", "int", "rate", "km2", "km", "m", "density", "float", "flag", "bool")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: headers, how its values are written, and the code table of its values."""

    zh: str
    en: str
    kind: str = "text"
    values: Mapping[Any, Code] | None = None


def _codes(*codes: Code) -> dict[Any, Code]:
    return {c.code: c for c in codes}


#: Point classes as a report row names them (``all`` and the classes 1–3, short English labels).
CLASS_VALUES: Final = _codes(
    Code("all", "全部", "all classes"),
    Code(1, "一类", "class I"),
    Code(2, "二类", "class II"),
    Code(3, "三类", "class III"),
    Code(4, "公安内部", "police internal"),
    Code(9, "其他", "other"),
)
#: Where a camera's placement went wrong (the 落点问题 sheet).
PLACEMENT_PROBLEMS: Final = _codes(
    Code("outside", "不在任何行政区内", "outside every unit"),
    Code("id_mismatch", "编码区县与所在区县不符", "county in the ID differs"),
    Code("unplaced", "无坐标,按编码计入", "no position, counted by code"),
)
#: Month on month: a row's status, and how a target flag changed since the earlier period.
COMPARE_STATUSES: Final = _codes(
    Code("new", "本期新增", "new this period"),
    Code("removed", "本期已无", "gone this period"),
)
FLAG_CHANGES: Final = _codes(
    Code("newly_met", "新达标", "newly met"),
    Code("newly_missed", "新未达标", "newly missed"),
)
#: Where candidate sites of a plan come from.
SITE_KINDS: Final = _codes(
    Code("intersection", "道路交叉口", "intersection"),
    Code("entrance", "重点部位出入口", "key-place entrance"),
    Code("village", "村庄", "village"),
    Code("grid", "网格点", "grid point"),
    Code("file", "候选点文件", "candidate file"),
    Code("existing", "现有点位", "existing site"),
)

#: Levels of both hierarchies (administrative, police) as a row names them.
LEVEL_VALUES: Final[dict[Any, Code]] = {**ADMIN_LEVELS, **POLICE_LEVELS}

_C, _I, _R = "code", "int", "rate"

COLUMNS: Final[dict[str, Column]] = {
    # -- report rows (KPIs per unit and class)
    "unit_code": Column("区划代码", "unit code", _C),
    "unit_name": Column("单位名称", "unit", "text"),
    "level": Column("层级", "level", "text", LEVEL_VALUES),
    "point_class": Column("点位类型", "point class", "text", CLASS_VALUES),
    "cameras": Column("摄像机总数", "cameras", _I),
    "networked": Column("联网数", "networked", _I),
    "networking_rate": Column("联网率", "networking rate", _R),
    "hd": Column("高清数", "HD", _I),
    "hd_unknown": Column("分辨率未知数", "resolution unknown", _I),
    "hd_ratio": Column("高清率", "HD ratio", _R),
    "online_rate": Column("在线率", "online rate", _R),
    "platform_online_rate": Column("平台在线率", "platform online rate", _R),
    "platform_channels": Column("平台上报状态数", "platform channels", _I),
    "platform_online": Column("平台在线数", "platform online", _I),
    "platform_online_probe_offline": Column(
        "平台在线但巡检离线数", "platform online, probe offline", _I
    ),
    "platform_offline_probe_online": Column(
        "平台离线但巡检在线数", "platform offline, probe online", _I
    ),
    "intact_rate": Column("完好率", "intact rate", _R),
    "village_coverage": Column("行政村覆盖率", "village coverage", _R),
    "community_coverage": Column("社区覆盖率", "community coverage", _R),
    "area_coverage": Column("面积覆盖率", "area coverage", _R),
    "place_coverage": Column("重点部位覆盖率", "key-place coverage", _R),
    "road_coverage": Column("重点道路覆盖率", "key-road coverage", _R),
    "density_km2": Column("密度(个/km²)", "density (per km²)", "density"),
    "parent_code": Column("上级代码", "parent code", _C),
    "area_km2": Column("面积(km²)", "area (km²)", "km2"),
    "population": Column("人口", "population", _I),
    "density_per_1000": Column("每千人摄像机数", "cameras per 1,000 residents", "float"),
    "online": Column("在线数", "online", _I),
    "intact": Column("完好数", "intact", _I),
    "probed": Column("巡检数", "probed", _I),
    "not_probed": Column("未巡检", "not probed", _I),
    "villages": Column("行政村数", "villages", _I),
    "villages_covered": Column("已覆盖行政村数", "villages covered", _I),
    "communities": Column("社区数", "communities", _I),
    "communities_covered": Column("已覆盖社区数", "communities covered", _I),
    "places": Column("重点部位数", "key places", _I),
    "places_covered": Column("已覆盖重点部位数", "key places covered", _I),
    "road_km": Column("重点道路长度(km)", "key roads (km)", "km"),
    "road_covered_km": Column("已覆盖道路长度(km)", "key roads covered (km)", "km"),
    "target_coverage_met": Column("重点区域全覆盖达标", "key areas fully covered", "flag"),
    "target_networking_met": Column("联网率达标(100%)", "networking target (100%)", "flag"),
    "target_hd_met": Column("高清率达标(100%)", "HD target (100%)", "flag"),
    "target_intact_met": Column("完好率达标(≥98%/≥95%)", "intact target (≥98%/≥95%)", "flag"),
    "targets_met": Column("全部达标", "all targets met", "flag"),
    "compare_status": Column("环比状态", "compared", "text", COMPARE_STATUSES),
    # -- grids (网格): per unit, and the 网格 sheet's own columns
    "grids": Column("网格数", "grids", _I),
    "grids_covered": Column("已覆盖网格数", "grids covered", _I),
    "grid_coverage": Column("网格覆盖率", "grid coverage", _R),
    "cameras_without_grid": Column("未划入网格摄像机数", "cameras in no grid", _I),
    "covered": Column("有联网摄像机", "has a networked camera", "bool"),
    "village_name": Column("所属村社区", "village", "text"),
    # -- gap lists, placement findings, resolution mismatches
    "code": Column("区划代码", "unit code", _C),
    "name": Column("名称", "name", "text"),
    "county": Column("区县", "county", _C),
    "township": Column("乡镇街道", "township", _C),
    "village": Column("村社区", "village", _C),
    "networked_cameras": Column("联网摄像机数", "networked cameras", _I),
    "place_id": Column("编号", "place ID", _C),
    "category": Column("类别", "category", "text", PLACE_CATEGORIES),
    "lon": Column("经度", "longitude", "float"),
    "lat": Column("纬度", "latitude", "float"),
    "road_id": Column("道路编号", "road ID", _C),
    "road_class": Column("道路等级", "road class", "text", ROAD_CLASSES),
    "length_m": Column("未覆盖长度(m)", "uncovered length (m)", "m"),
    "device_id": Column("设备编码", "device ID", _C),
    "problem": Column("问题", "problem", "text", PLACEMENT_PROBLEMS),
    "id_county": Column("编码区县", "county in the ID", _C),
    "management_unit": Column("维护单位", "maintained by", "text"),
    "registry_lines": Column("台账分辨率(行)", "registry resolution (lines)", _I),
    "registry_hd": Column("台账高清", "HD in the registry", "bool"),
    "stream_width_px": Column("实测宽(像素)", "stream width (px)", _I),
    "stream_height_px": Column("实测高(像素)", "stream height (px)", _I),
    "codec": Column("编码格式", "codec", _C),
    "status": Column("设备状态", "status", "text", STATUSES),
    "verdict": Column("诊断结论", "verdict", "text", VERDICTS),
    # -- expansion plan (sites, curve, figures before and after)
    "rank": Column("建设顺序", "order", _I),
    "id": Column("候选点编号", "site ID", _C),
    "kind": Column("候选来源", "source", "text", SITE_KINDS),
    "camera_type": Column("摄像机类型", "camera type", "text", CAMERA_TYPES),
    "heading_deg": Column("监视方位角(度)", "heading (°)", "float"),
    "fov_deg": Column("水平视场角(度)", "field of view (°)", "float"),
    "range_m": Column("监视距离(m)", "range (m)", "m"),
    "cost": Column("造价", "cost", "float"),
    "weight": Column("权重", "weight", "float"),
    "marginal_gain": Column("新增覆盖权重", "added weight", "float"),
    "cumulative_weight": Column("累计覆盖权重", "cumulative weight", "float"),
    "cumulative_share": Column("累计覆盖率", "cumulative share", _R),
    "covered_weight": Column("覆盖权重", "covered weight", "float"),
    "coverage_share": Column("覆盖率", "coverage", _R),
    "metric": Column("指标", "figure", "text"),
    "before": Column("现状", "today", "float"),
    "after": Column("规划后", "after the plan", "float"),
    "population_coverage": Column("人口覆盖率", "population coverage", _R),
    "weighted_coverage": Column("加权覆盖率", "weighted coverage", _R),
}

#: Columns named after a code (``place_coverage_school``): prefix, code table, zh and en headers.
PREFIXED: Final = (
    ("place_coverage_", PLACE_CATEGORIES, "{}覆盖率", "{} coverage", _R),
    ("road_coverage_", ROAD_CLASSES, "{}覆盖率", "{} coverage", _R),
)

#: Sheet titles (at most 31 characters).
SHEETS: Final[dict[str, tuple[str, str]]] = {
    "city": ("市", "city"),
    "county": ("区县", "counties"),
    "township": ("乡镇街道", "townships"),
    "village": ("村社区", "villages"),
    "grid": ("网格", "grids"),
    "gaps_villages": ("未联网行政村", "villages not networked"),
    "gaps_places": ("未覆盖重点部位", "key places not covered"),
    "gaps_roads": ("未覆盖道路", "roads not covered"),
    "placement": ("落点问题", "placement problems"),
    "resolution": ("分辨率不符", "resolution mismatches"),
    "notes": ("说明", "notes"),
    "plan_sites": ("规划点位", "planned sites"),
    "plan_curve": ("覆盖曲线", "coverage curve"),
    "plan_figures": ("指标对比", "figures before and after"),
}

#: Words of the reports that are not headers.
TEXTS: Final[dict[str, tuple[str, str]]] = {
    "met": ("达标", "met"),
    "missed": ("未达标", "missed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无", "none"),
    "area_exact": ("精确(矢量求并)", "exact (vector union)"),
    "area_fast": ("快速({cell} 米栅格)", "fast ({cell} m raster)"),
    "area_none": ("不计算", "not computed"),
    "hd_stream": ("实测视频流分辨率", "resolution of the streams"),
    "hd_registry": ("台账分辨率", "resolution in the registry"),
    "levels_missing": ("未导入的层级", "levels not imported"),
    "levels_without_polygons": ("无边界的层级(按编码计数)", "levels without polygons (by code)"),
    "no_villages": ("未导入村社区,无行政村可列", "no villages imported: none to list"),
    "all_levels": ("各层级均已导入", "every level imported"),
}


def column(key: str) -> Column:
    """The :class:`Column` of ``key`` (prefixed per-code columns too); an unknown key is its own
    header in both languages, as text."""
    found = COLUMNS.get(key)
    if found is not None:
        return found
    flag = COLUMNS.get(key.removesuffix("_change"))
    if key.endswith("_change") and flag is not None and flag.kind == "flag":
        return Column(f"{flag.zh}变化", f"{flag.en}, change", "text", FLAG_CHANGES)
    for prefix, table, zh, en, kind in PREFIXED:
        if key.startswith(prefix):
            code = key[len(prefix) :]
            entry = table.get(code)
            return Column(
                zh.format(entry.zh if entry else code), en.format(entry.en if entry else code), kind
            )
    return Column(key, key)


def header(key: str, lang: str = "zh") -> str:
    """The header of column ``key`` in ``lang``."""
    col = column(key)
    return col.zh if lang == "zh" else col.en


def sheet_title(key: str, lang: str = "zh") -> str:
    """The title of sheet ``key`` in ``lang``, cut to Excel's 31 characters."""
    zh, en = SHEETS.get(key, (key, key))
    return (zh if lang == "zh" else en)[:31]


def text(key: str, lang: str = "zh", **values: Any) -> str:
    """The text ``key`` in ``lang``, with ``values`` filled in."""
    zh, en = TEXTS.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**values)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pd.NA compares to NA
        return True


def cell_value(key: str, value: Any, lang: str = "zh") -> Any:
    """``value`` of column ``key`` as a reader sees it in ``lang``: a code's label, met/missed,
    yes/no, an integer as ``int``; ``None`` for missing. Numbers otherwise stay numbers (their
    unit and percentage are the sheet's number format, or the header's)."""
    if _missing(value):
        return None
    col = column(key)
    if col.values is not None:
        entry = col.values.get(value) if isinstance(value, (int, str)) else None
        if entry is None and isinstance(value, float) and value.is_integer():
            entry = col.values.get(int(value))
        return value if entry is None else (entry.zh if lang == "zh" else entry.en)
    if col.kind == "flag":
        return text("met" if value else "missed", lang)
    if col.kind == "bool":
        return text("yes" if value else "no", lang)
    if col.kind == "int" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value))
    return value
