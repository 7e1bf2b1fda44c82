"""The canonical camera record, code tables, GB/T 28181 IDs and coordinate systems."""

from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    REJECT_COLUMNS,
    WGS84,
    empty_cameras,
    empty_rejects,
)
from sharpeyes.model.gb28181 import DeviceId, decode_ids, id_problem, parse_device_id

__all__ = [
    "CAMERA_COLUMNS",
    "REJECT_COLUMNS",
    "WGS84",
    "DeviceId",
    "decode_ids",
    "empty_cameras",
    "empty_rejects",
    "id_problem",
    "parse_device_id",
]
