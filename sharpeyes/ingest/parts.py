"""A registry read in consecutive parts of rows, so that a store can write one part while the reader
validates the next (:func:`sharpeyes.store.part_writes.import_camera_parts`).

Concatenated (:func:`sharpeyes.ingest.normalize.concat_results`), the parts are exactly what
:func:`sharpeyes.ingest.read_cameras` returns for the same file: validation is row by row except
the duplicate device IDs, which are told over the whole file before the first part is validated.
A CSV file is parsed whole (pyarrow, both cores), then validated part by part; any other file is
read whole, as one part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Unpack

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from sharpeyes._errors import InputError
from sharpeyes.ingest.options import ReadOptions, ReadOptionsFields

#: A CSV file is validated in this many parts …
PART_COUNT: Final = 8
#: … of at least this many rows (a smaller file is one part).
MIN_PART_ROWS: Final = 50_000

Part = tuple[gpd.GeoDataFrame, pd.DataFrame]
#: Key of a part's ``attrs``: the device IDs given more than once in the whole file
#: (:class:`RepeatedIds`), so that a store writing the parts one by one leaves their rows to the
#: merge of duplicates instead of writing the first and taking it out again.
REPEATED_IDS: Final = "sharpeyes_repeated_ids"


@dataclass(frozen=True)
class RepeatedIds:
    """The device IDs (trimmed, as :func:`~sharpeyes.ingest.read_cameras` keeps them) given more
    than once in a file. Shared by every frame made from a part, never copied (pandas deep-copies
    ``attrs`` into each derived frame)."""

    ids: pa.Array

    def __deepcopy__(self, memo: dict[int, Any]) -> RepeatedIds:
        return self


def camera_parts(
    path: str | Path,
    options: ReadOptions | None = None,
    *,
    fmt: str = "auto",
    part_rows: int | None = None,
    **overrides: Unpack[ReadOptionsFields],
) -> Iterator[Part]:
    """``read_cameras(path, options, fmt=fmt, **overrides)`` as consecutive (cameras, rejects)
    parts of rows, each validated only when it is asked for.

    ``part_rows``: rows per part (default: the file in :data:`PART_COUNT` parts of at least
    :data:`MIN_PART_ROWS` rows). Raises what :func:`~sharpeyes.ingest.read_cameras` raises, when
    the first part is asked for (a problem of a later row: when its part is).
    """
    from sharpeyes.ingest.read import FORMATS, detect_format, read_cameras

    kind = fmt.strip().lower()
    if kind == "auto" and Path(path).exists():
        kind = detect_format(path)
    if kind != "csv" or kind not in FORMATS:
        yield read_cameras(path, options, fmt=fmt, **overrides)
        return
    yield from _csv_parts(Path(path), options, overrides, part_rows)


def _csv_parts(
    p: Path, options: ReadOptions | None, overrides: ReadOptionsFields, part_rows: int | None
) -> Iterator[Part]:
    """The CSV branch of :func:`sharpeyes.ingest.table.cameras_from_table`, validated in parts."""
    from sharpeyes.ingest.normalize import (
        SourceInfo,
        normalize_cameras,
        raw_ids,
        rejects_rows,
    )
    from sharpeyes.ingest.options import loaded_mapping, options_for, read_options
    from sharpeyes.ingest.stages import duplicate_messages
    from sharpeyes.ingest.table import read_csv_sheet
    from sharpeyes.model.columns import empty_cameras

    read = read_options(options, overrides)
    cmap = loaded_mapping(read)
    resolved = options_for(read, cmap)
    if not p.exists():
        raise InputError("no such file", file=str(p))
    sheet = read_csv_sheet(p, cmap, file=p.name)
    n = len(sheet.frame)
    bounds = part_bounds(n, part_rows)
    duplicates = None
    repeated = None
    if len(bounds) > 1:  # told over the whole file, each part gets its rows' warnings
        ids = raw_ids(sheet.frame, resolved)
        if ids is not None:
            duplicates = duplicate_messages(ids, sheet.rows)
        if duplicates is None:
            duplicates = np.full(n, "", dtype=object)
        elif ids is not None:
            repeated = RepeatedIds(ids.filter(pa.array(duplicates != "")).unique())
    for start, stop in bounds:
        where = SourceInfo(
            file=p.name,
            rows=sheet.rows[start:stop],
            sheet=sheet.sheet,
            duplicates=None if duplicates is None else duplicates[start:stop],
        )
        raw = (
            sheet.frame.iloc[start:stop].reset_index(drop=True) if len(bounds) > 1 else sheet.frame
        )
        cameras, rejects = normalize_cameras(raw, where, resolved)
        if repeated is not None:
            cameras.attrs[REPEATED_IDS] = repeated
        yield cameras, rejects
    if sheet.refused:
        yield empty_cameras(), rejects_rows(sheet.refused)


def part_bounds(n: int, part_rows: int | None = None) -> list[tuple[int, int]]:
    """(start, stop) of each part of ``n`` rows: ``part_rows`` rows each when given; by default
    :data:`PART_COUNT` parts of at least :data:`MIN_PART_ROWS` rows, the first and the last a
    quarter of the others' size (the store's writer starts sooner after the first part and
    finishes sooner after the last: its work there overlaps nothing)."""
    if part_rows:
        return [(start, min(n, start + part_rows)) for start in range(0, n, part_rows)]
    size = max(MIN_PART_ROWS, -(-n // PART_COUNT))
    count = -(-n // size)
    if count < 4:
        return [(start, min(n, start + size)) for start in range(0, n, size)]
    edge = size // 4
    middle = -(-(n - 2 * edge) // (count - 2))
    stops = [edge, *range(edge + middle, n - edge, middle), n - edge, n]
    stops = sorted(set(stops))
    return list(zip([0, *stops[:-1]], stops, strict=True))
