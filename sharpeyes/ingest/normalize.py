"""One canonicalisation for every reader: raw source columns → canonical camera frame + rejects.

Every reader (table, catalog, GIS file, OSM) hands :func:`normalize_cameras` a frame of raw text
values (one row per source row, the source's own headers) and the 1-based row number of each row
in its source. Everything from there is vectorised (numpy/pandas string operations; code tables are
applied once per distinct value, not per row); per-row Python runs only for rows already known to
be bad, to write their messages.

A row is **refused** (one rejects row per problem, :data:`sharpeyes.model.columns.REJECT_COLUMNS`)
when it cannot be one camera:

- it has no valid GB/T 28181 ID and no other stable key (a ``key`` column such as 点位编号, a stream
  URL, or a name together with coordinates);
- its longitude or latitude is text that is not a number, or a number that is impossible even with
  longitude and latitude swapped (|lon| > 180 or |lat| > 90).

A row is **kept with warnings** (``warnings``, "; "-joined) for: an invalid ID kept on another key
(``id_valid`` False), the ID's admin code not matching the row's ``admin_code``, an ID whose type
code is not a camera's, a duplicate ID in the same file, swapped longitude/latitude (fixed), (0, 0)
or missing coordinates, a point outside the expected area, a class I/II point without coordinates
(mandatory in GB/T 28181-2022), and any code value that is not understood (class, camera type,
联网属性, status, direction, resolution, HD flag, date, heading, angles).

Coordinates are converted to WGS-84 here and nowhere else, with :func:`sharpeyes.model.crs.to_wgs84`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from sharpeyes.ingest import _arrow as ax
from sharpeyes.ingest import stages
from sharpeyes.ingest.options import CHINA_BBOX, Options, resolve_options
from sharpeyes.ingest.parsing import Notes
from sharpeyes.ingest.record import fill_parent_codes
from sharpeyes.ingest.stages import Coordinates, RawColumns
from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    CAMERA_DTYPES,
    CAMERA_SIDE_COLUMNS,
    REJECT_COLUMNS,
    WGS84,
    empty_cameras,
    empty_rejects,
)


@dataclass(frozen=True)
class SourceInfo:
    """Where a raw frame came from, for rejects and warnings.

    ``file`` the file name shown in rejects; ``sheet`` a sheet/layer/message per row (or one for
    all); ``rows`` the 1-based row number of every raw row in its source (spreadsheet row numbers
    including the header for tables; feature or item ordinals for other formats); ``notes`` the
    reader's own warnings per row ("" for none), put first in ``warnings``; ``duplicates`` the
    duplicate-ID warnings of a part of a file, told over the whole file.
    """

    file: str
    rows: np.ndarray
    sheet: np.ndarray | str | None = None
    notes: np.ndarray | None = None
    #: when the frame is a part of a file: each row's duplicate-ID warning told over the whole
    #: file ("" for none; :func:`sharpeyes.ingest.stages.duplicate_messages`), else ``None``
    duplicates: np.ndarray | None = None


# -- the one canonicalisation ---------------------------------------------------------------------
def normalize_cameras(
    raw: pd.DataFrame,
    where: SourceInfo,
    options: Options | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Canonical cameras and rejects from one raw frame of source rows.

    A pipeline of the pure stages of :mod:`sharpeyes.ingest.stages` (coordinates, streams, identity,
    codes from the ID, code columns, angles, picture, flags, text fields), then the record's own
    rules (:func:`sharpeyes.ingest.record.fill_parent_codes`).

    Parameters
    ----------
    raw
        One row per source row, the source's own column names, values as text (anything else is
        turned into text). Columns are recognised through the built-in header table and
        ``options.mapping``; unrecognised columns are kept as JSON text in ``extra``.
    where
        File name, 1-based source row numbers (``len(where.rows) == len(raw)``) and sheet(s), used
        in rejects.
    options
        Source coordinate system (``wgs84|cgcs2000|gcj02|bd09``), mapping, source name (default:
        the file name), HD threshold in lines, 联网属性 0/1 direction, expected area.

    Returns
    -------
    cameras
        GeoDataFrame with :data:`~sharpeyes.model.columns.CAMERA_COLUMNS` and
        :data:`~sharpeyes.model.columns.CAMERA_SIDE_COLUMNS` in
        :data:`~sharpeyes.model.columns.CAMERA_DTYPES`; ``lon``/``lat`` in WGS-84 degrees and Point
        geometry in EPSG:4326 (None where the row has no coordinates). ``heading_deg`` 0 = north,
        clockwise; ``fov_deg`` degrees (360 for 全向); ``range_m`` metres; ``resolution`` lines.
    rejects
        One row per problem of every refused row (:data:`~sharpeyes.model.columns.REJECT_COLUMNS`).
        Every raw row is either a camera or has at least one rejects row.
    """
    opts = options or Options()
    if len(where.rows) != len(raw):
        raise ValueError("normalize_cameras: one row number per raw row is needed")
    if len(raw) == 0:
        return empty_cameras(), empty_rejects()
    columns, extra = _raw_columns(raw, opts)
    columns, extra, where = _drop_blank_rows(columns, extra, where)
    n = columns.n
    if n == 0:
        return empty_cameras(), empty_rejects()
    notes = _notes_with_readers(n, where)
    # two independent column jobs run on the pool for big frames while the stages go on
    pool = _executor() if n >= _PARALLEL_ROWS else None
    raw_id = columns.get("device_id")
    later_dup = pool.submit(ax.duplicated, raw_id) if pool and where.duplicates is None else None
    extra_inputs = {**extra, **({"key": columns.values["key"]} if columns.has("key") else {})}
    later_json = pool.submit(ax.json_objects, extra_inputs, n) if pool else None

    out, coords, urls, ident = _run_stages(
        columns,
        notes,
        opts,
        where,
        raw_id=raw_id,
        later_dup=later_dup,
    )
    out.update(
        {
            "lon": coords.lon,
            "lat": coords.lat,
            "id_valid": pd.array(ident.id_valid, dtype="boolean"),
            "parent_id": columns.get("parent_id"),
            "contact": columns.get("contact"),
            "stream_user": urls.user,
            "stream_password": urls.password,
            "extra": later_json.result() if later_json else ax.json_objects(extra_inputs, n),
            "warnings": _warning_column(notes) if notes.any_warning else ax.nulls(n),
        }
    )
    cameras = fill_parent_codes(_assemble(out, coords, ~notes.refused))
    if opts.source_rows:  # each camera's source row, for warnings told by row
        cameras["row"] = pd.array(np.asarray(where.rows)[~notes.refused], dtype="Int64")
    return cameras, _rejects_frame(notes.rejects, where)


def _notes_with_readers(n: int, where: SourceInfo) -> Notes:
    """Notes for ``n`` rows, starting with the reader's own warnings (``where.notes``)."""
    notes = Notes(n)
    if where.notes is not None:
        given = np.asarray(where.notes, dtype=object) != ""
        notes.warn(given, np.asarray(where.notes, dtype=object))
    return notes


def _run_stages(
    columns: RawColumns,
    notes: Notes,
    opts: Options,
    where: SourceInfo,
    *,
    raw_id: Any,
    later_dup: Future[Any] | None,
) -> tuple[dict[str, Any], Coordinates, stages.Streams, stages.Identity]:
    """The pure stages in order, each adding its problems to ``notes``: the output columns so far,
    and the coordinates, streams and identity the caller still needs.

    ``raw_id`` is the raw ``device_id`` column; ``later_dup`` its duplicate flags being computed
    on the pool (waited for only when the duplicate stage needs them), or ``None``.
    """
    coords = stages.coordinates(columns, notes, crs=opts.crs, bbox=opts.bbox)
    urls = stages.streams(columns)
    ident = stages.identity(columns, notes, coords, urls)
    out: dict[str, Any] = {"device_id": ident.device_id, "name": columns.get("name")}
    out["admin_code"] = stages.admin_codes(columns, notes, ident)
    stages.id_type_codes(ident, notes)
    if where.duplicates is not None:  # a part of a file: told over the whole file
        notes.warn(where.duplicates != "", where.duplicates)
    else:
        stages.duplicate_ids(
            raw_id, where.rows, notes, later_dup.result() if later_dup is not None else None
        )
    out["point_class"], out["camera_type"] = stages.classes(
        columns, notes, point_class=opts.point_class
    )
    out["heading_deg"], out["fov_deg"], out["range_m"] = stages.angles(columns, notes)
    out["resolution"], out["is_hd"] = stages.picture(columns, notes, hd_min_lines=opts.hd_min_lines)
    out["networked"], out["status"] = stages.flags(
        columns, notes, one_means_networked=opts.one_means_networked
    )
    out.update(stages.text_fields(columns, notes))
    out["stream_url"] = urls.url
    out["source"] = pd.Series(
        opts.source or where.file, index=pd.RangeIndex(columns.n), dtype="string"
    )
    stages.mandatory_coordinates(out["point_class"], coords.have, notes)
    return out, coords, urls, ident


def raw_ids(raw: pd.DataFrame, opts: Options) -> pa.ChunkedArray | None:
    """The raw ``device_id`` column of ``raw`` as :func:`normalize_cameras` reads it (``None``
    when no column is one)."""
    targets = opts.mapping.resolve(raw.columns)
    positions = [k for k, target in enumerate(targets.values()) if target == "device_id"]
    return ax.text(raw.iloc[:, positions[-1]]) if positions else None


def _raw_columns(raw: pd.DataFrame, opts: Options) -> tuple[RawColumns, dict[str, pa.ChunkedArray]]:
    """The raw frame as text columns by canonical target, and the unrecognised (``extra``) ones."""
    targets = opts.mapping.resolve(raw.columns)
    wanted = [
        (position, header, target)
        for position, (header, target) in enumerate(targets.items())
        if target != "ignore"
    ]
    texts = _parallel(ax.text, [raw.iloc[:, position] for position, _, _ in wanted], len(raw))
    values: dict[str, pa.ChunkedArray] = {}
    extra: dict[str, pa.ChunkedArray] = {}
    for (_, header, target), column in zip(wanted, texts, strict=True):
        if target == "extra":
            extra[header] = column
        else:
            values[target] = column
    headers: dict[str, str] = {}
    for header, target in targets.items():
        headers.setdefault(target, header)
    return RawColumns(len(raw), values, headers), extra


def _drop_blank_rows(
    columns: RawColumns, extra: dict[str, pa.ChunkedArray], where: SourceInfo
) -> tuple[RawColumns, dict[str, pa.ChunkedArray], SourceInfo]:
    """Rows without a single value (blank or white space only) are not rows of the registry."""
    filled = np.zeros(columns.n, dtype=bool)
    for values in (*columns.values.values(), *extra.values()):
        filled |= ax.present(values)
    if filled.all():
        return columns, extra, where
    keep = pa.array(filled)
    kept = RawColumns(
        int(filled.sum()), {k: v.filter(keep) for k, v in columns.values.items()}, columns.headers
    )
    where = SourceInfo(
        file=where.file,
        rows=where.rows[filled],
        sheet=where.sheet[filled] if isinstance(where.sheet, np.ndarray) else where.sheet,
        notes=None if where.notes is None else np.asarray(where.notes)[filled],
        duplicates=None if where.duplicates is None else where.duplicates[filled],
    )
    return kept, {k: v.filter(keep) for k, v in extra.items()}, where


def _assemble(out: dict[str, Any], coords: Coordinates, keep: np.ndarray) -> gpd.GeoDataFrame:
    """The kept rows of the stage outputs as the canonical GeoDataFrame (EPSG:4326)."""
    everything = bool(keep.all())
    keep_arrow = pa.array(keep)
    kept_index = pd.RangeIndex(int(keep.sum()))
    data: dict[str, Any] = {}
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        value = out[c]
        dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
        if isinstance(value, np.ndarray) and value.dtype == object:
            value = ax.from_objects(value)
        if isinstance(value, pa.ChunkedArray):
            column = ax.series(value if everything else value.filter(keep_arrow), kept_index)
        elif isinstance(value, pd.Series):
            column = pd.Series(value.array if everything else value.array[keep], index=kept_index)
        else:
            column = pd.Series(value if everything else value[keep], index=kept_index)
        data[c] = column if str(column.dtype) == dtype else column.astype(dtype)  # type: ignore[call-overload]
    frame = pd.DataFrame(data, index=kept_index, copy=False)
    kept_have = coords.have[keep]
    at = np.flatnonzero(keep)[kept_have]
    geometry = np.full(len(kept_have), None, dtype=object)
    with _no_gc():  # a million new geometry objects would set off full collections on the way
        geometry[kept_have] = shapely.points(coords.lon[at], coords.lat[at])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Python's cyclic collector paused while a block makes many objects that hold no cycles (each
    full collection would walk every object of the process: ≈ 2/3 of the time of 1M points)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


#: Frames at least this long are worked on by a few threads (pyarrow kernels release the GIL).
_PARALLEL_ROWS: Final = 50_000
_POOL: dict[int, ThreadPoolExecutor] = {}


def _executor() -> ThreadPoolExecutor:
    """The pool of this process (a forked child makes its own: the parent's threads are gone)."""
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(
            max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="ingest"
        )
    return _POOL[pid]


def _parallel(func: Callable[[Any], Any], items: Sequence[Any], n: int) -> list[Any]:
    """``[func(x) for x in items]``, on the thread pool for big frames."""
    if n < _PARALLEL_ROWS or len(items) < 2:
        return [func(x) for x in items]
    return list(_executor().map(func, items))


def _warning_column(notes: Notes) -> pa.ChunkedArray:
    """The rows' warnings as text (null where none): the few texts taken into place in Arrow."""
    texts = notes.warnings
    given = np.flatnonzero(texts != "")
    at = np.zeros(len(texts), dtype=np.int64)
    at[given] = np.arange(1, len(given) + 1)
    table = pa.array([None, *texts[given].tolist()], ax.TEXT)
    return pa.chunked_array([table.take(pa.array(at))])


def _rejects_frame(
    rejects: list[tuple[int, str | None, object, str]], where: SourceInfo
) -> pd.DataFrame:
    if not rejects:
        return empty_rejects()
    idx = np.array([r[0] for r in rejects], dtype=np.int64)
    if isinstance(where.sheet, np.ndarray):
        sheets: Any = where.sheet[idx]
    else:
        sheets = where.sheet
    frame = pd.DataFrame(
        {
            "file": where.file,
            "sheet": sheets,
            "row": where.rows[idx],
            "column": [r[1] for r in rejects],
            "value": [r[2] for r in rejects],
            "reason": [r[3] for r in rejects],
        }
    )
    frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    return frame.astype({c: ("Int64" if c == "row" else "string") for c in REJECT_COLUMNS})[
        list(REJECT_COLUMNS)
    ]


def concat_results(
    parts: Sequence[tuple[gpd.GeoDataFrame, pd.DataFrame]],
    *,
    sort_rows: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Concatenate several (cameras, rejects) pairs (sheets, messages) keeping dtypes and CRS.

    ``sort_rows`` orders the rejects by row number (for formats whose rows are numbered across
    the whole file).
    """
    cams = [c for c, _ in parts if len(c)]
    rejs = [r for _, r in parts if len(r)]
    if len(cams) == 1:
        cameras = cams[0]
    elif cams:
        cameras = gpd.GeoDataFrame(
            pd.concat(cams, ignore_index=True), geometry="geometry", crs=WGS84
        )
    else:
        cameras = empty_cameras()
    rejects = pd.concat(rejs, ignore_index=True) if rejs else empty_rejects()
    if sort_rows and len(rejs) > 1:
        rejects = rejects.sort_values(["row"], kind="stable", na_position="last").reset_index(
            drop=True
        )
    return cameras, rejects


def rejects_rows(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A rejects frame from plain dicts (used by readers for rows refused before normalisation)."""
    if not rows:
        return empty_rejects()
    frame = pd.DataFrame([{c: r.get(c) for c in REJECT_COLUMNS} for r in rows])
    return frame.astype({c: ("Int64" if c == "row" else "string") for c in REJECT_COLUMNS})


__all__ = [
    "CHINA_BBOX",
    "Options",
    "SourceInfo",
    "concat_results",
    "normalize_cameras",
    "rejects_rows",
    "resolve_options",
]
