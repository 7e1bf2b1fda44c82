"""Which source column is which canonical field: the built-in header table and user mapping files.

Headers are recognised after a light clean-up (Unicode NFKC so that full-width characters match,
lower case, no white space, no leading ``*`` of required-field marks, no trailing ``:``); a header
that still does not match is tried once more without any bracketed part (``经度(WGS84)``,
``监视距离（米）``).

Targets are the canonical camera columns (:data:`sharpeyes.model.columns.CAMERA_COLUMNS`), the side
columns (``parent_id``, ``contact``, ``stream_user``, ``stream_password``) and a few reader fields that
:mod:`sharpeyes.ingest.normalize` turns into canonical ones:

``direction``   监视方位 as a word (东, 东南, NE, 全向) or a GB/T 28181 DirectionType code 1–9
``ptz_type``    GB/T 28181 PTZType code 1–7 (mapped onto ``camera_type``)
``hd``          an explicit HD flag (是否高清: 是/否, 高清/标清, yes/no)
``key``         a stable key of the source other than the GB/T 28181 ID (点位编号, 资产编号, OSM id)
``ignore``      drop the column (only through a user mapping)

Any other column is kept, value by value, as JSON text in ``extra``.

A user mapping file (TOML or JSON) says what the built-in table cannot::

    # mapping.toml
    source = "县交警队 2024 台账"    # source name (default: the file name)
    crs = "gcj02"                    # wgs84 | cgcs2000 | gcj02 | bd09 (used when the call gives none)
    one_means_networked = false      # this vendor codes 0 = networked, 1 = not networked
    point_class = 2                  # class of rows that give none
    hd_min_lines = 1080              # HD threshold in lines
    bbox = [118.0, 40.0, 126.0, 44.0]  # expected area (lon/lat WGS-84); points outside are warned
    sheet = "一类点位"                 # only this sheet of a workbook
    layer = "cameras"                # only this layer of a GeoPackage
    [columns]                        # source header = canonical field (or "ignore" / "extra")
    "点位编号(自编)" = "key"
    "GCJ经度" = "lon"
    "GCJ纬度" = "lat"
    "备注" = "ignore"

The same as JSON: ``{"crs": "gcj02", "columns": {"GCJ经度": "lon"}}``.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from sharpeyes._errors import ConfigError
from sharpeyes.model.codes import POINT_CLASSES
from sharpeyes.model.columns import CAMERA_COLUMNS
from sharpeyes.model.crs import SOURCE_CRS

#: Reader fields that normalisation turns into canonical columns (see the module docstring).
READER_FIELDS: Final = ("direction", "ptz_type", "hd", "key")
#: Side columns a source may fill directly.
SIDE_FIELDS: Final = ("parent_id", "contact", "stream_user", "stream_password")
#: Every target a header may map to (``ignore`` and ``extra`` only through a user mapping).
TARGETS: Final = frozenset(
    (set(CAMERA_COLUMNS) - {"source"}) | set(SIDE_FIELDS) | set(READER_FIELDS) | {"ignore", "extra"}
)

_BUILTIN: Final[dict[str, tuple[str, ...]]] = {
    "device_id": (
        "设备编码",
        "国标编码",
        "设备国标编码",
        "编码",
        "设备id",
        "设备编号",
        "国标id",
        "国标编号",
        "摄像机编码",
        "摄像机编号",
        "监控点编码",
        "监控点位编码",
        "点位编码",
        "gb编码",
        "gb28181编码",
        "视频监控设备编码",
        "deviceid",
        "device_id",
        "gbid",
        "gb_id",
    ),
    "name": (
        "设备名称",
        "点位名称",
        "监控点名称",
        "监控点位名称",
        "摄像机名称",
        "名称",
        "点位名",
        "name",
        "devicename",
        "device_name",
    ),
    "point_class": (
        "监控点位类型",
        "点位类型",
        "点位类别",
        "监控点类型",
        "点位级别",
        "点位分类",
        "摄像机点位类型",
        "pointtype",
        "point_class",
        "class",
    ),
    "camera_type": (
        "摄像机类型",
        "相机类型",
        "摄像机形态",
        "摄像机型式",
        "设备类型",
        "camera_type",
        "cameratype",
    ),
    "ptz_type": ("ptztype", "ptz_type", "云台类型"),
    "lon": (
        "经度",
        "x坐标",
        "经度坐标",
        "gps经度",
        "坐标经度",
        "lon",
        "lng",
        "long",
        "longitude",
        "x",
    ),
    "lat": ("纬度", "y坐标", "纬度坐标", "gps纬度", "坐标纬度", "lat", "latitude", "y"),
    "heading_deg": (
        "方位角",
        "监视方位角",
        "朝向角",
        "朝向",
        "拍摄方位角",
        "heading",
        "heading_deg",
        "azimuth",
        "direction_deg",
    ),
    "direction": (
        "监视方位",
        "监视方向",
        "拍摄方向",
        "拍摄方位",
        "方向",
        "方位",
        "directiontype",
        "direction",
    ),
    "fov_deg": (
        "水平视场角",
        "视场角",
        "可视角度",
        "水平视角",
        "fov",
        "fov_deg",
        "horizontalfieldangle",
    ),
    "range_m": (
        "监视距离",
        "可视距离",
        "最大监视距离",
        "拍摄距离",
        "最大可视距离",
        "range",
        "range_m",
        "maxviewdistance",
    ),
    "resolution": ("分辨率", "像素", "最大分辨率", "resolution"),
    "hd": ("是否高清", "高清", "高标清", "高清标清", "is_hd", "hd"),
    "networked": ("联网属性", "是否联网", "联网状态", "联网情况", "是否接入", "networked"),
    "status": ("设备状态", "状态", "使用状态", "运行状态", "建设状态", "status"),
    "address": (
        "安装地址",
        "安装位置",
        "地址",
        "点位地址",
        "详细地址",
        "安装点位",
        "位置",
        "address",
    ),
    "admin_code": (
        "行政区划代码",
        "行政区划",
        "行政区域",
        "行政区域代码",
        "区划代码",
        "所属区县代码",
        "admin_code",
        "civilcode",
    ),
    "township_code": ("乡镇代码", "乡镇街道代码", "街道代码", "乡镇编码", "township_code"),
    "village_code": ("村社区代码", "社区代码", "村代码", "村居代码", "village_code"),
    "grid_code": ("网格编码", "所属网格", "网格代码", "网格编号", "grid_code"),
    "owner_unit": (
        "所属部门",
        "所属行业",
        "所属部门/行业",
        "所属部门行业",
        "所属行业/部门",
        "建设单位",
        "权属单位",
        "所属单位",
        "owner_unit",
        "owner",
    ),
    "police_unit": (
        "所属辖区公安机关",
        "辖区公安机关",
        "所属公安机关",
        "所属派出所",
        "辖区派出所",
        "police_unit",
    ),
    "management_unit": (
        "管理单位",
        "维护单位",
        "运维单位",
        "管理部门",
        "management_unit",
        "managementunit",
    ),
    "contact": (
        "联系方式",
        "联系电话",
        "管理单位联系方式",
        "联系人电话",
        "维护电话",
        "contact",
        "contactinfo",
    ),
    "install_date": (
        "安装时间",
        "建设时间",
        "安装日期",
        "建设日期",
        "启用时间",
        "启用日期",
        "建成时间",
        "install_date",
        "installtime",
    ),
    "stream_url": (
        "视频流地址",
        "取流地址",
        "rtsp地址",
        "视频地址",
        "流地址",
        "播放地址",
        "stream_url",
        "streamurl",
        "rtsp",
        "url",
    ),
    "uplink": (
        "上联设备",
        "上联交换机",
        "上联节点",
        "接入交换机",
        "上联设备编码",
        "uplink",
    ),
    "parent_id": ("parentid", "parent_id", "上级编码", "父设备编码"),
    "stream_user": ("用户名", "登录用户名", "视频用户名", "stream_user"),
    "stream_password": ("密码", "登录密码", "视频密码", "stream_password"),
    "key": ("点位编号", "资产编号", "自编号", "本地编号", "local_id", "key", "osm_id"),
}

_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_SPACE = re.compile(r"\s+")


def header_key(header: object) -> str:
    """The comparable form of a header: NFKC, lower case, no spaces, no ``*`` mark, no ``:``."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = _SPACE.sub("", text).lstrip("*").rstrip(":")
    return text


def _builtin_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for target, names in _BUILTIN.items():
        for name in names:
            table[header_key(name)] = target
    return table


BUILTIN_HEADERS: Final = _builtin_table()


@dataclass(frozen=True)
class ColumnMapping:
    """A source's column renames and defaults, from a user mapping file (all optional).

    ``columns`` maps source headers (compared after :func:`header_key`) to targets; ``crs`` the
    source coordinate system; ``one_means_networked`` how the source codes 0/1 in 联网属性;
    ``point_class`` the class of rows that give none; ``bbox`` the expected area as
    (min lon, min lat, max lon, max lat) in WGS-84 degrees; ``sheet``/``layer`` restrict which
    sheet of a workbook or layer of a GIS file is read.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    crs: str | None = None
    one_means_networked: bool | None = None
    point_class: int | None = None
    hd_min_lines: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    sheet: str | None = None
    layer: str | None = None
    path: str | None = None

    def under(self, defaults: Mapping[str, str]) -> ColumnMapping:
        """This mapping on top of a reader's own ``defaults`` renames (the user's win)."""
        return replace(self, columns={**defaults, **dict(self.columns)})

    def target_of(self, header: object) -> str | None:
        """Target field of a source header: user mapping first, then the built-in table."""
        key = header_key(header)
        user = {header_key(k): v for k, v in self.columns.items()}
        if key in user:
            return user[key]
        if key in BUILTIN_HEADERS:
            return BUILTIN_HEADERS[key]
        bare = _BRACKETS.sub("", key)
        if bare != key:
            if bare in user:
                return user[bare]
            return BUILTIN_HEADERS.get(bare)
        return None

    def resolve(self, headers: Iterable[object]) -> dict[str, str]:
        """Source header → target for every header; unknown ones and second claimants → ``extra``.

        The first column that claims a target wins; a later column claiming the same target is
        kept in ``extra`` under its own header, so no value is lost.
        """
        out: dict[str, str] = {}
        taken: set[str] = set()
        for header in headers:
            name = str(header)
            target = self.target_of(header)
            if target is None or target == "extra" or (target != "ignore" and target in taken):
                out[name] = "extra"
                continue
            out[name] = target
            if target != "ignore":
                taken.add(target)
        return out


_KEYS: Final = frozenset(
    {
        "columns",
        "source",
        "crs",
        "one_means_networked",
        "point_class",
        "hd_min_lines",
        "bbox",
        "sheet",
        "layer",
    }
)


def _check(doc: Mapping[str, Any], where: str) -> ColumnMapping:
    unknown = set(doc) - _KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown mapping keys {sorted(unknown)}; allowed: {sorted(_KEYS)}"
        )
    columns = doc.get("columns", {}) or {}
    if not isinstance(columns, Mapping):
        raise ConfigError(f"{where}: 'columns' must be a table of source header = field")
    for header, target in columns.items():
        if target not in TARGETS:
            raise ConfigError(
                f"{where}: column {header!r} maps to unknown field {target!r}; "
                f"use one of {', '.join(sorted(TARGETS))}"
            )
    crs = doc.get("crs")
    if crs is not None and str(crs).lower().replace("-", "") not in SOURCE_CRS:
        raise ConfigError(f"{where}: crs {crs!r} is not one of {', '.join(SOURCE_CRS)}")
    onm = doc.get("one_means_networked")
    if onm is not None and not isinstance(onm, bool):
        raise ConfigError(f"{where}: one_means_networked must be true or false, got {onm!r}")
    pc = doc.get("point_class")
    if pc is not None and pc not in POINT_CLASSES:
        raise ConfigError(f"{where}: point_class must be one of 1, 2, 3, 4, 9, got {pc!r}")
    hd = doc.get("hd_min_lines")
    if hd is not None and (not isinstance(hd, int) or hd <= 0):
        raise ConfigError(f"{where}: hd_min_lines must be a positive integer, got {hd!r}")
    bbox = doc.get("bbox")
    box: tuple[float, float, float, float] | None = None
    if bbox is not None:
        if (
            not isinstance(bbox, (list, tuple))
            or len(bbox) != 4
            or not all(isinstance(v, (int, float)) for v in bbox)
            or not (bbox[0] < bbox[2] and bbox[1] < bbox[3])
        ):
            raise ConfigError(
                f"{where}: bbox must be [min_lon, min_lat, max_lon, max_lat], got {bbox!r}"
            )
        box = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    return ColumnMapping(
        columns={str(k): str(v) for k, v in columns.items()},
        source=None if doc.get("source") is None else str(doc["source"]),
        crs=None if crs is None else str(crs).lower().replace("-", ""),
        one_means_networked=onm,
        point_class=pc,
        hd_min_lines=hd,
        bbox=box,
        sheet=None if doc.get("sheet") is None else str(doc["sheet"]),
        layer=None if doc.get("layer") is None else str(doc["layer"]),
        path=where,
    )


def load_mapping(
    mapping: str | Path | Mapping[str, Any] | ColumnMapping | None,
) -> ColumnMapping:
    """A :class:`ColumnMapping` from a TOML/JSON file path, a dict, or ``None`` (built-in table only).

    Raises :class:`sharpeyes.ConfigError` naming the file and key when the mapping is wrong.
    """
    if mapping is None:
        return ColumnMapping()
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, Mapping):
        return _check(mapping, "mapping")
    path = Path(mapping)
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read mapping file: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            doc = json.loads(raw.decode("utf-8-sig"))
        else:
            doc = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where}: not a valid TOML/JSON mapping file: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: a mapping file must hold a table/object at the top")
    return _check(doc, where)
