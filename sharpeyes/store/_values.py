"""Small value helpers shared by the store's repositories."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sharpeyes.model.jsonable import dumps, loads


def na(value: Any) -> bool:
    """A missing scalar (None, NA, NaT, NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def na_scalar(value: Any) -> bool:
    """Missing, and not a list-like (whose emptiness is a value)."""
    return not isinstance(value, (list, tuple, set, np.ndarray)) and na(value)


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def attrs(frame: pd.DataFrame, columns: Sequence[str]) -> list[str | None]:
    """The ``columns`` of each row as one JSON bag (None when all are missing)."""
    if not columns:
        return [None] * len(frame)
    out: list[str | None] = []
    for rec in frame[list(columns)].to_dict("records"):
        bag = {str(k): plain(v) for k, v in rec.items() if not na_scalar(v)}
        out.append(dumps(bag) if bag else None)
    return out


def expand_attrs(frame: pd.DataFrame, bags_text: pd.Series) -> None:
    """Columns back from JSON bags (a column the frame has already is not overwritten)."""
    bags = [loads(a) or {} for a in bags_text]
    keys: dict[str, None] = {}
    for bag in bags:
        for k in bag:
            keys.setdefault(k, None)
    for k in keys:
        if k not in frame.columns:
            frame[k] = [bag.get(k) for bag in bags]
