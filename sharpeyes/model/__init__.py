"""The canonical camera record, code tables, GB/T 28181 IDs and coordinate systems.

The names below are loaded on first use (PEP 562), so that importing a light module of this
package (``sharpeyes.model.codes``, ``sharpeyes.model.crs``) does not import geopandas: the CLI
checks its options with them before any heavy import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {
    "CAMERA_COLUMNS": "columns",
    "REJECT_COLUMNS": "columns",
    "WGS84": "columns",
    "empty_cameras": "columns",
    "empty_rejects": "columns",
    "DeviceId": "gb28181",
    "decode_ids": "gb28181",
    "id_problem": "gb28181",
    "parse_device_id": "gb28181",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"sharpeyes.model.{_HOME[name]}"), name)
    raise AttributeError(f"module 'sharpeyes.model' has no attribute {name!r}")
