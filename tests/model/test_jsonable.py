"""One JSON rule for every output: missing is null, numbers are numbers, time is ISO text."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from sharpeyes.model.jsonable import dumps, dumps_compact, to_json


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf"), np.nan, np.float32("nan"), pd.NA, pd.NaT, None],
)
def test_every_kind_of_missing_is_null(value: object) -> None:
    assert to_json(value) is None
    assert dumps({"x": value}) == '{"x": null}'


def test_numpy_and_pandas_scalars_become_python_values() -> None:
    doc = to_json(
        {
            "i": np.int64(3),
            "f": np.float32(1.5),
            "b": np.bool_(True),
            "ts": pd.Timestamp("2026-12-01 02:03:04"),
            "d": date(2026, 12, 1),
            "dt": datetime(2026, 12, 1, 2, 3),
            "arr": np.array([1, 2]),
            "path": Path("/tmp/x"),
            "geom": Point(123.8, 42.3),
            "bytes": b"\xff\xd8",
            7: {"nested": (np.int8(1), {np.int64(2)})},
        }
    )
    assert doc == {
        "i": 3,
        "f": 1.5,
        "b": True,
        "ts": "2026-12-01T02:03:04",
        "d": "2026-12-01",
        "dt": "2026-12-01T02:03:00",
        "arr": [1, 2],
        "path": "/tmp/x",
        "geom": {"type": "Point", "coordinates": [123.8, 42.3]},
        "bytes": "/9g=",
        "7": {"nested": [1, [2]]},
    }
    assert type(doc["i"]) is int and type(doc["b"]) is bool


def test_chinese_text_stays_readable() -> None:
    assert dumps({"名称": "铁岭"}) == '{"名称": "铁岭"}'


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_any_nested_value_round_trips_with_non_finite_as_null(value: object) -> None:
    def expected(v: object) -> object:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        if isinstance(v, list):
            return [expected(x) for x in v]
        if isinstance(v, dict):
            return {k: expected(x) for k, x in v.items()}
        return v

    assert json.loads(dumps(value)) == expected(value)


def test_compact_json_holds_the_same_values_as_dumps() -> None:
    value = {
        "f": [1.5, float("nan"), np.float64(2.25), np.float64("inf")],
        "i": [np.int64(3), 2**40],
        "ts": pd.Timestamp("2026-12-01 02:03:04"),
        "set": {"b", "a"},
        "geom": Point(123.8, 42.3),
        "名称": "铁岭",
    }
    assert json.loads(dumps_compact(value)) == json.loads(dumps(value))
    assert ", " not in dumps_compact(value) and "铁岭" in dumps_compact(value)


def test_compact_json_falls_back_for_what_orjson_cannot_write_alike() -> None:
    # keys that are not text, an integer beyond 64 bits: the standard library writes them
    for value in ({7: "x", None: 1}, {"big": 2**70}):
        assert json.loads(dumps_compact(value)) == json.loads(dumps(value))
