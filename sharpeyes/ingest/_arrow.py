"""Vectorised text columns on pyarrow compute: the fast path of normalisation.

Every column is held as a ``large_string`` ChunkedArray (what pandas' ``string[pyarrow]`` keeps
inside), so that a pandas column goes in and comes out without a copy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sharpeyes.ingest.hashes import duplicated as duplicated

TEXT = pa.large_string()

_NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def text(values: Any) -> pa.ChunkedArray:
    """A column as trimmed ``large_string`` with empty text as null (Unicode white space trimmed,
    U+3000 ideographic space included)."""
    if isinstance(values, pa.ChunkedArray):
        arr = values
    elif isinstance(values, pa.Array):
        arr = pa.chunked_array([values])
    elif isinstance(values, pd.Series) and hasattr(values.array, "__arrow_array__"):
        arr = values.array.__arrow_array__()
        if isinstance(arr, pa.Array):
            arr = pa.chunked_array([arr])
    else:
        series = pd.Series(values)
        obj = series.astype(object).where(series.notna(), None)
        arr = pa.chunked_array([pa.array([None if v is None else str(v) for v in obj], TEXT)])
    if arr.type != TEXT:
        arr = (
            arr.cast(TEXT)
            if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
            else pa.chunked_array(
                [pa.array([None if v is None else str(v) for v in arr.to_pylist()], TEXT)]
            )
        )
    trimmed = pc.utf8_trim_whitespace(arr)
    blank = pc.equal(trimmed, "")
    if not pc.any(blank).as_py():
        return trimmed
    return pc.if_else(blank, pa.scalar(None, TEXT), trimmed)


def nulls(n: int) -> pa.ChunkedArray:
    """An all-null text column of length ``n``."""
    return pa.chunked_array([pa.nulls(n, TEXT)])


def present(arr: pa.ChunkedArray) -> np.ndarray:
    """True where the column has a value."""
    return np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)


def bools(arr: pa.ChunkedArray) -> np.ndarray:
    """A boolean column as numpy, null → False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def valid_gb_ids(arr: pa.ChunkedArray) -> np.ndarray:
    """True where the value is 20 ASCII digits not starting with ``00`` (GB/T 28181 ID)."""
    ok = pc.and_(
        pc.and_(pc.equal(pc.binary_length(arr), 20), pc.ascii_is_decimal(arr)),
        pc.invert(pc.starts_with(arr, "00")),
    )
    return bools(ok)


def matches(arr: pa.ChunkedArray, pattern: str) -> np.ndarray:
    """True where the value matches the RE2 ``pattern`` (null → False)."""
    return bools(pc.match_substring_regex(arr, pattern))


def objects(arr: pa.ChunkedArray) -> np.ndarray:
    """Python objects (str or None); use only for the few rows already known to be bad."""
    return np.asarray(arr.to_pylist(), dtype=object)


def take(arr: pa.ChunkedArray, mask: np.ndarray) -> list[Any]:
    """Values of the rows in ``mask`` as Python objects."""
    return list(arr.filter(pa.array(mask)).to_pylist())


def floats(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(float64 with NaN for missing or bad, mask of values that are text but not plain numbers)."""
    has = present(arr)
    if not has.any():
        return np.full(len(arr), np.nan), np.zeros(len(arr), dtype=bool)
    try:
        cast = pc.cast(arr, pa.float64())
        other = np.zeros(len(arr), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        plain = pc.match_substring_regex(arr, _NUMBER)
        cast = pc.cast(pc.if_else(plain, arr, pa.scalar(None, TEXT)), pa.float64())
        other = has & ~bools(plain)
    number = np.array(cast.to_numpy(zero_copy_only=False), dtype=np.float64, copy=True)
    finite = np.isfinite(number)
    other |= has & ~finite & ~other  # "nan", "inf"
    number[~finite] = np.nan
    return number, other


def factorize(arr: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """(codes with -1 for null, distinct values)."""
    encoded = pc.dictionary_encode(arr).combine_chunks()
    if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - pyarrow version differences
        encoded = (
            encoded.chunk(0)
            if encoded.num_chunks
            else pa.array([], pa.dictionary(pa.int32(), TEXT))
        )
    indices = np.asarray(
        pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    return indices, [str(v) for v in encoded.dictionary.to_pylist()]


def series(arr: pa.ChunkedArray | np.ndarray | Sequence[Any], index: pd.Index) -> pd.Series:
    """A pandas ``string`` column (pyarrow storage) without copying an arrow column."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.type != TEXT:
            arr = arr.cast(TEXT)
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=index)
    return pd.Series(list(arr), index=index, dtype="string")


def from_objects(values: np.ndarray) -> pa.ChunkedArray:
    """Text column from an object array of str/None."""
    return pa.chunked_array([pa.array(list(values), TEXT)])


def where(mask: np.ndarray, a: pa.ChunkedArray, b: pa.ChunkedArray) -> pa.ChunkedArray:
    """``a`` where ``mask``, else ``b``."""
    return pc.if_else(pa.array(mask), a, b)


def fill(a: pa.ChunkedArray, b: pa.ChunkedArray) -> pa.ChunkedArray:
    """``a``, with nulls filled from ``b``."""
    return pc.coalesce(a, b)


def json_objects(columns: dict[str, pa.ChunkedArray], n: int) -> pa.ChunkedArray:
    """One JSON object (text) per row from named text columns; nulls left out; all-null → null."""
    if not columns:
        return nulls(n)
    members = []
    for name, arr in columns.items():
        key = pa.scalar(json.dumps(str(name), ensure_ascii=False) + ':"', TEXT)
        value = arr
        if pc.any(pc.match_substring_regex(value, r'[\\"\x00-\x1f]')).as_py():
            for old, new in (
                ("\\", "\\\\"),
                ('"', '\\"'),
                ("\n", "\\n"),
                ("\r", "\\r"),
                ("\t", "\\t"),
            ):
                value = pc.replace_substring(value, old, new)
            odd = matches(value, _CONTROL)
        else:
            odd = np.zeros(1, dtype=bool)
        if odd.any():
            fixed = objects(value)
            for i in np.flatnonzero(odd):
                fixed[i] = json.dumps(fixed[i], ensure_ascii=False)[1:-1]
            value = from_objects(fixed)
        # ',"name":"value"' or '' (pyarrow's null_handling="skip" drops all-null rows: avoid it)
        member = pc.binary_join_element_wise(
            pa.scalar("," + key.as_py(), TEXT), value, pa.scalar('"', TEXT), pa.scalar("", TEXT)
        )
        members.append(pc.fill_null(member, pa.scalar("", TEXT)))
    joined = (
        members[0]
        if len(members) == 1
        else pc.binary_join_element_wise(*members, pa.scalar("", TEXT))
    )
    wrapped = pc.binary_join_element_wise(
        pa.scalar("{", TEXT),
        pc.utf8_slice_codeunits(joined, 1),
        pa.scalar("}", TEXT),
        pa.scalar("", TEXT),
    )
    return pc.if_else(pc.equal(wrapped, "{}"), pa.scalar(None, TEXT), wrapped)
