"""JSON text as the store keeps it: UTF-8 (no ``\\u`` escapes), NaN/inf as null, numpy/pandas values plain.

One encoder for the camera record's ``extra`` bag, the change log, and the stored documents, so
that a value written by ingest and compared by the store is the same text on both sides.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def _default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, bytes):
        return value.hex()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _clean(value: Any) -> Any:
    """NaN/inf become null so that the text is valid JSON on PostgreSQL too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON text (UTF-8, no NaN; numpy, pandas and date values as plain JSON)."""
    return json.dumps(_clean(value), ensure_ascii=False, default=_default, allow_nan=False)


def loads(text: Any) -> Any:
    """The value of JSON ``text``; ``None`` for a missing value (None or NaN)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    return json.loads(text)
