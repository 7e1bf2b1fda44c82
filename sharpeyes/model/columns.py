"""The canonical frames that flow between readers, store, analyses and API.

Every frame is a (Geo)DataFrame whose columns are listed here, in this order. Geometry is always in
WGS-84 (EPSG:4326); analyses project to a metric CRS themselves (see :func:`sharpeyes.model.crs.utm_epsg`).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd

WGS84: Final = "EPSG:4326"

#: The canonical camera record (DESIGN.md §5), in export order.
CAMERA_COLUMNS: Final = (
    "device_id",
    "name",
    "point_class",
    "camera_type",
    "lon",
    "lat",
    "heading_deg",
    "fov_deg",
    "range_m",
    "resolution",
    "is_hd",
    "networked",
    "status",
    "address",
    "admin_code",
    "township_code",
    "village_code",
    "grid_code",
    "owner_unit",
    "police_unit",
    "management_unit",
    "install_date",
    "stream_url",
    "uplink",
    "source",
)

#: pandas dtypes of the canonical camera columns (nullable where a registry may leave a field blank).
CAMERA_DTYPES: Final[dict[str, str]] = {
    "device_id": "string",
    "name": "string",
    "point_class": "Int8",
    "camera_type": "Int16",
    "lon": "float64",
    "lat": "float64",
    "heading_deg": "float64",
    "fov_deg": "float64",
    "range_m": "float64",
    "resolution": "Int16",
    "is_hd": "boolean",
    "networked": "boolean",
    "status": "string",
    "address": "string",
    "admin_code": "string",
    "township_code": "string",
    "village_code": "string",
    "grid_code": "string",
    "owner_unit": "string",
    "police_unit": "string",
    "management_unit": "string",
    "install_date": "string",
    "stream_url": "string",
    "uplink": "string",
    "source": "string",
}

#: Columns kept beside the canonical ones (not exported as canonical columns):
#: ``id_valid`` (the device_id is a valid GB/T 28181 ID), ``parent_id`` (GB/T 28181 ParentID),
#: ``contact`` (management contact), ``stream_user``/``stream_password`` (credentials, stored apart,
#: never exported), ``extra`` (JSON text of the source attributes that have no canonical column),
#: ``warnings`` ("; "-joined doubts about the row).
CAMERA_SIDE_COLUMNS: Final = (
    "id_valid",
    "parent_id",
    "contact",
    "stream_user",
    "stream_password",
    "extra",
    "warnings",
)

#: Chinese headers for the canonical camera columns, used in Excel exports and reports.
CAMERA_HEADERS_ZH: Final = {
    "device_id": "设备编码",
    "name": "设备名称",
    "point_class": "监控点位类型",
    "camera_type": "摄像机类型",
    "lon": "经度",
    "lat": "纬度",
    "heading_deg": "监视方位角(度)",
    "fov_deg": "水平视场角(度)",
    "range_m": "监视距离(米)",
    "resolution": "分辨率(线)",
    "is_hd": "是否高清",
    "networked": "联网属性",
    "status": "设备状态",
    "address": "安装地址",
    "admin_code": "行政区划代码",
    "township_code": "乡镇街道代码",
    "village_code": "村社区代码",
    "grid_code": "所属网格",
    "owner_unit": "所属部门/行业",
    "police_unit": "所属辖区公安机关",
    "management_unit": "管理单位",
    "install_date": "安装日期",
    "stream_url": "视频流地址",
    "uplink": "上联节点",
    "source": "数据来源",
}

#: One row per refused input row: where it was, what was wrong.
REJECT_COLUMNS: Final = ("file", "sheet", "row", "column", "value", "reason")
REJECT_HEADERS_ZH: Final = {
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "column": "字段",
    "value": "值",
    "reason": "原因",
}

#: Administrative units: ``level`` one of city/county/township/village, ``code`` any text (the
#: statistical division code of 6, 9 or 12 digits, or a grid/police/own code), ``parent_code`` the
#: enclosing unit's code,
#: ``population`` residents where known.
UNIT_COLUMNS: Final = ("code", "name", "level", "parent_code", "population", "geometry")
#: Unit columns kept when present: ``village_kind`` (village/community/virtual, village level only).
UNIT_OPTIONAL_COLUMNS: Final = ("village_kind",)

#: Grids (网格, below villages/communities): ``code`` as the 综治 platform writes it (any non-empty
#: string), ``parent_code`` the village or community, ``geometry`` a polygon or ``None`` (code lists).
GRID_COLUMNS: Final = ("code", "name", "parent_code", "population", "geometry")
#: The people of a grid: ``role`` ``leader`` (网格长) or ``worker`` (网格员); ``phone`` is shown to
#: editors and admins only.
GRID_WORKER_COLUMNS: Final = ("grid_code", "role", "name", "phone")

#: Key places (points or polygons): ``category`` a key of ``codes.PLACE_CATEGORIES``.
PLACE_COLUMNS: Final = ("place_id", "name", "category", "geometry")

#: Key roads (lines): ``road_class`` a key of ``codes.ROAD_CLASSES``.
ROAD_COLUMNS: Final = ("road_id", "name", "road_class", "geometry")

#: Network topology: nodes (``kind`` a key of ``codes.NODE_KINDS``) and links.
NODE_COLUMNS: Final = ("node_id", "kind", "name", "lon", "lat")
LINK_COLUMNS: Final = ("a", "b", "capacity_mbps", "medium", "length_m")

#: One row per camera per health run; ``faults`` is a list of ``codes.FAULTS`` keys,
#: ``measures`` a dict of detector name → value.
HEALTH_RESULT_COLUMNS: Final = (
    "run_id",
    "device_id",
    "verdict",
    "faults",
    "reason",
    "measures",
    "started_at",
    "duration_s",
    "snapshot_jpeg",
)


def empty_cameras() -> gpd.GeoDataFrame:
    """An empty canonical camera frame (with side columns), geometry in EPSG:4326."""
    frame = pd.DataFrame({c: pd.Series(dtype=CAMERA_DTYPES[c]) for c in CAMERA_COLUMNS})
    for c in CAMERA_SIDE_COLUMNS:
        frame[c] = pd.Series(dtype="boolean" if c == "id_valid" else "string")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def empty_rejects() -> pd.DataFrame:
    """An empty rejects frame."""
    return pd.DataFrame(
        {c: pd.Series(dtype="Int64" if c == "row" else "string") for c in REJECT_COLUMNS}
    )
