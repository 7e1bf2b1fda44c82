"""Any value the package produces → plain JSON values, one rule for every output.

numpy and pandas scalars become Python ones; NaN, ±inf, ``pd.NA``, ``pd.NaT`` and ``None`` become
``null``; dates and timestamps ISO 8601 text; bytes base64; sets and tuples lists; geometries their
GeoJSON mapping; keys text. Used by the CLI's ``--json``, the API, the store's result documents and every
JSON file the package writes, so that NaN is ``null`` everywhere (never the invalid token ``NaN``).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

import numpy as np
import orjson
import pandas as pd

__all__ = ["dumps", "dumps_compact", "loads", "to_json"]


def to_json(value: Any) -> Any:
    """``value`` as nested dicts, lists, text, numbers, booleans and ``None`` (see the module)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [to_json(v) for v in items]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, np.ndarray):
        return [to_json(v) for v in value.tolist()]
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "__geo_interface__"):
        return to_json(value.__geo_interface__)
    if isinstance(value, pd.Series | pd.Index):
        return [to_json(v) for v in value.tolist()]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def loads(text: Any) -> Any:
    """The value of JSON ``text``; ``None`` for a missing value (None or NaN, as a frame holds it)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    try:
        return orjson.loads(text)
    except (
        orjson.JSONDecodeError
    ):  # what orjson refuses and the standard library reads (big integers)
        return json.loads(text)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text of ``to_json(value)``: UTF-8 characters kept, never ``NaN``/``Infinity``."""
    return json.dumps(to_json(value), ensure_ascii=False, allow_nan=False, indent=indent)


def dumps_compact(value: Any) -> str:
    """The same JSON as :func:`dumps`, without spaces, written by orjson: several times faster on the
    large documents (a city's gap layers, a province's report) — one rule, the same values.

    A document orjson cannot write as :func:`to_json` would (a key that is not text, an integer
    beyond 64 bits) is written by the standard library instead.
    """
    try:
        return orjson.dumps(value, default=to_json, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(
            to_json(value), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
