"""Bookkeeping of an import's rows: its rejects, the refused count, counts by class, row tuples."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from sharpeyes.ingest.merge import plain_values
from sharpeyes.model.columns import REJECT_COLUMNS

#: How a reader's rejects reason starts for a catalog item that is not a camera.
NOT_A_CAMERA: Final = "not a camera"


def reject_frame(rejects: pd.DataFrame | None, extra: pd.DataFrame) -> pd.DataFrame:
    """The reader's rejects and the store's own (rows without a key) in one frame."""
    parts = [p for p in (rejects, extra) if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=list(REJECT_COLUMNS))
    return pd.concat([p.reindex(columns=list(REJECT_COLUMNS)) for p in parts], ignore_index=True)


def reject_tuples(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rejects rows as plain tuples in :data:`REJECT_COLUMNS` order."""
    cols = [
        plain_values(frame[c], "int" if c == "row" else "text").tolist() for c in REJECT_COLUMNS
    ]
    return list(zip(*cols, strict=True))


def count_refused(frame: pd.DataFrame) -> tuple[int, int]:
    """(refused input rows, non-camera items) of a rejects frame.

    One per (file, sheet, row); rejects without a row number count one each. Items a catalog lists
    that are not cameras (recorders, platforms, business groups: reason ``not a camera: …``) are
    counted apart: they were never candidate cameras, so they are not refused cameras.
    """
    if not len(frame):
        return 0, 0
    has_row = frame["row"].notna()
    not_camera = frame["reason"].astype(str).str.startswith(NOT_A_CAMERA)
    keys = frame[["file", "sheet", "row"]].astype(str)
    keyed = keys[has_row].drop_duplicates()
    camera_keys = set(map(tuple, keys[has_row & ~not_camera].to_numpy()))
    only_not_camera = sum(1 for k in map(tuple, keyed.to_numpy()) if k not in camera_keys)
    refused = len(keyed) - only_not_camera + int((~has_row & ~not_camera).sum())
    return int(refused), int(only_not_camera + (~has_row & not_camera).sum())


def by_class(point_class: np.ndarray, warned: np.ndarray) -> dict[str, dict[str, int]]:
    """Accepted and warned rows per point class (``unknown`` for none), keyed by ``str()`` of the class."""
    codes, uniques = pd.factorize(np.asarray(point_class, dtype=object), use_na_sentinel=True)
    accepted = np.bincount(codes + 1, minlength=len(uniques) + 1)
    doubtful = np.bincount(
        codes + 1, weights=np.asarray(warned, dtype=bool), minlength=len(uniques) + 1
    )
    counts: dict[str, list[int]] = {}
    for slot, label in enumerate(["unknown", *(str(v) for v in uniques)]):
        if accepted[slot]:
            tally = counts.setdefault(label, [0, 0])
            tally[0] += int(accepted[slot])
            tally[1] += int(doubtful[slot])
    return {k: {"accepted": a, "warned": w} for k, (a, w) in sorted(counts.items())}


def row_tuples(arrays: Sequence[np.ndarray], chunk: int = 50_000) -> Iterator[tuple[Any, ...]]:
    """Rows of equal-length plain-value columns as tuples, made a chunk at a time.

    Only one chunk of each column is held as Python lists at once (not whole-column copies).
    """
    total = len(arrays[0]) if len(arrays) else 0
    for start in range(0, total, chunk):
        yield from zip(*(a[start : start + chunk].tolist() for a in arrays), strict=True)
