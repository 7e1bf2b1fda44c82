"""Values named more than once, told by their hashes and then exactly (a hash shared by different
values never makes them duplicates); the default parts of a big file (small first and last)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sharpeyes.ingest.hashes import duplicated, text_hashes
from sharpeyes.ingest.parts import MIN_PART_ROWS, PART_COUNT, part_bounds

VALUES = ["21120200001310000001", None, "a", "b", "a", "", "", None, "b ", "设备", "设备", "c"]


def _expected(values: list[str | None]) -> np.ndarray:
    named = pd.Series(values, dtype=object)
    return np.asarray(named.duplicated(keep=False) & named.notna(), dtype=bool)


def _column(values: list[str | None]) -> pa.ChunkedArray:
    half = len(values) // 2
    return pa.chunked_array(
        [pa.array(values[:half], pa.large_string()), pa.array(values[half:], pa.large_string())]
    )


def test_duplicated_is_exact() -> None:
    assert duplicated(_column(VALUES)).tolist() == _expected(VALUES).tolist()
    assert duplicated(_column([])).tolist() == []


@pytest.mark.parametrize("buckets", [1, 2, 3])
def test_a_shared_hash_is_not_a_duplicate(buckets: int) -> None:
    # every value's hash in one of a few buckets: equal values still hash alike
    hashes = np.array([0 if v is None else len(v) % buckets for v in VALUES], dtype=np.uint64)
    assert duplicated(_column(VALUES), hashes).tolist() == _expected(VALUES).tolist()


def test_text_hashes_tell_values_apart_by_every_byte() -> None:
    values = ["", "a", "a\x00", "12345678", "123456789", "123456780", "设备编码设备编码x"]
    hashes = text_hashes(_column(values))
    assert len(set(hashes.tolist())) == len(values)
    assert text_hashes(_column(values)).tolist() == hashes.tolist()  # deterministic


@pytest.mark.parametrize("n", [1, MIN_PART_ROWS, 2 * MIN_PART_ROWS + 1, 10**6, 10**6 + 7])
def test_default_parts_cover_the_rows_in_order(n: int) -> None:
    bounds = part_bounds(n)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert len(bounds) <= PART_COUNT
    sizes = [stop - start for start, stop in bounds]
    if len(bounds) >= 4:  # the first and the last small: the writer starts and ends sooner
        assert sizes[0] < min(sizes[1:-1]) and sizes[-1] < min(sizes[1:-1])
    assert part_bounds(23, 5) == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
