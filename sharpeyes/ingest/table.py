"""Camera registries as tables: CSV (any of UTF-8, UTF-8 with BOM, GBK/GB18030; comma, semicolon,
tab or ``|`` separated) and workbooks (.xlsx, .xlsm, .xls, .ods through python-calamine).

The header row is the first row, among the first 20, in which most headers are recognised (title
rows above it, as bureaus often put, are skipped). Row numbers in rejects are spreadsheet row
numbers counting the header row and the title rows: the first data row under a header on row 1 is
row 2. Rows with no value at all are not camera rows and are not counted.

Big CSV files are read by pyarrow (all columns as text, in parallel); a file with blank lines or
rows whose field count differs from the header's is read by Python's csv module instead, so that
every row keeps its own number and a row with too many fields is refused, not lost.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, Unpack

import numpy as np
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import check_archive
from sharpeyes.ingest.mapping import ColumnMapping
from sharpeyes.ingest.options import ReadOptions, ReadOptionsFields
from sharpeyes.model.urls import is_credential_header

HEADER_SCAN_ROWS: Final = 20
#: A CSV field longer than this (characters) refuses its row (no registry field is this long).
MAX_FIELD_CHARS: Final = 1 << 20
_DELIMITERS: Final = (",", ";", "\t", "|")
_SAMPLE_BYTES: Final = 1 << 20


@dataclass
class RawSheet:
    """Raw text cells of one sheet: ``frame`` (source headers), 1-based ``rows``, sheet name."""

    frame: pd.DataFrame
    rows: np.ndarray
    sheet: str | None
    refused: list[dict[str, object]]


# -- encodings ------------------------------------------------------------------------------------


def detect_encoding(data: bytes, *, file: str) -> str:
    """``utf-8-sig``, ``utf-8``, ``utf-16`` or ``gb18030`` (a superset of GBK and GB2312).

    UTF-8 is tried first (on the first MiB; a multi-byte character cut at the end is fine), then
    GB18030; raises :class:`sharpeyes.InputError` naming the file when neither decodes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:_SAMPLE_BYTES]
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(sample, final=len(sample) == len(data))
        except UnicodeDecodeError:
            continue
        return encoding
    raise InputError(
        "cannot read the text: it is neither UTF-8 nor GBK/GB18030 (save it as UTF-8 CSV)",
        file=file,
    )


def decode(data: bytes, encoding: str, *, file: str) -> str:
    """Decode all of ``data``; an undecodable byte later in the file is an :class:`InputError`."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding.startswith("utf-8"):
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"byte {exc.start} cannot be decoded as {encoding} (nor GB18030)", file=file, row=line
        ) from None


# -- header detection -----------------------------------------------------------------------------


def _recognised(cells: Sequence[object], mapping: ColumnMapping) -> int:
    seen = set()
    for cell in cells:
        if cell is None or str(cell).strip() == "":
            continue
        target = mapping.target_of(cell)
        if target is not None and target not in {"extra", "ignore"}:
            seen.add(target)
    return len(seen)


def find_header(
    rows: Sequence[Sequence[object]], mapping: ColumnMapping, *, file: str, sheet: str | None
) -> int:
    """Index of the header row among the first rows: the one with most recognised headers."""
    best, best_score = -1, 0
    for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _recognised(cells, mapping)
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        first = next((r for r in rows if any(str(c).strip() for c in r if c is not None)), [])
        shown = ", ".join(str(c) for c in list(first)[:12] if c is not None and str(c).strip())
        raise InputError(
            "no camera columns recognised in the first "
            f"{HEADER_SCAN_ROWS} rows (first row: {shown or 'empty'}); name the columns with "
            "a mapping file (--mapping) or use the canonical names (device_id, name, lon, lat …)",
            file=file if sheet is None else f"{file} [{sheet}]",
        )
    return best


def dedupe_headers(headers: Sequence[object]) -> list[str]:
    """Unique, non-empty header names (``备注``, ``备注.2``; an empty header becomes ``column_N``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = "" if h is None else str(h).strip()
        if not name:
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 1)
        out.append(name)
    return out


# -- CSV ------------------------------------------------------------------------------------------


def _sniff(text_head: str, mapping: ColumnMapping, *, file: str) -> tuple[str, int, list[str]]:
    """(delimiter, header record index, header cells) from the first records of the text."""
    best: tuple[int, int, str, int, list[str]] | None = None
    for delimiter in _DELIMITERS:
        try:
            records = list(_head_records(text_head, delimiter))
        except csv.Error:
            continue
        for i, cells in enumerate(records):
            score = _recognised(cells, mapping)
            if score == 0:
                continue
            candidate = (score, len(cells), delimiter, i, cells)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    if best is None:
        first = text_head.splitlines()[0] if text_head.strip() else ""
        raise InputError(
            "no camera columns recognised in the first "
            f"{HEADER_SCAN_ROWS} rows (first line: {first[:200]!r}); name the columns with a "
            "mapping file (--mapping) or use the canonical names (device_id, name, lon, lat …)",
            file=file,
        )
    return best[2], best[3], best[4]


def _head_records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for i, record in enumerate(reader):
        if i >= HEADER_SCAN_ROWS:
            return
        yield record


def read_csv_sheet(path: Path, mapping: ColumnMapping, *, file: str) -> RawSheet:
    """Read a CSV file's cells as text, with 1-based spreadsheet row numbers."""
    data = path.read_bytes()
    if not data[:65536].strip() and not data.strip():
        raise InputError("the file is empty", file=file)
    encoding = detect_encoding(data, file=file)
    head_bytes = data[: 64 * 1024]
    head = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head_bytes)
    # drop a last partial line of the sample
    if len(head_bytes) < len(data) and "\n" in head:
        head = head[: head.rindex("\n")]
    delimiter, header_index, header_cells = _sniff(head, mapping, file=file)
    headers = dedupe_headers(header_cells)
    sheet = None
    fast = _read_csv_fast(data, encoding, delimiter, header_index, headers)
    if fast is not None:
        frame, first_row = fast
        rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
        result = RawSheet(frame, rows, sheet, [])
    else:
        text = decode(data, encoding, file=file)
        result = _read_csv_slow(text, delimiter, header_index, headers, file=file)
    if len(result.frame) == 0 and not result.refused:
        raise InputError(f"no data rows under the header (row {header_index + 1})", file=file)
    return _drop_empty(result)


def _read_csv_fast(
    data: bytes, encoding: str, delimiter: str, header_index: int, headers: list[str]
) -> tuple[pd.DataFrame, int] | None:
    """pyarrow's parallel reader when the file is regular; ``None`` when it is not."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    first_line = data[: data.find(b"\n", 0, 1 << 16) + 1]
    blank_line = b"\n\r\n" if first_line.endswith(b"\r\n") else b"\n\n"
    quoted = b'"' in data
    # a blank line is looked for in the whole file only where the parse would not refuse it: in
    # quoted text or with one column; else it fails the parse (an empty line is a row of one
    # value where the header has more, `ignore_empty_lines` off), which takes the slow path too
    whole = quoted or len(headers) < 2
    if data.find(blank_line, 0, end if whole else min(end, 1 << 16)) >= 0:
        return None  # blank lines: keep exact row numbers on the slow path
    if encoding == "utf-16":
        return None
    start = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    body = pa.py_buffer(data).slice(start, end - start)  # the trailing line ends left out
    read = pacsv.ReadOptions(
        column_names=headers,
        skip_rows=header_index + 1,
        encoding="utf8" if encoding.startswith("utf-8") else encoding,
        block_size=8 << 20,
    )
    parse = pacsv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        newlines_in_values=quoted,
        ignore_empty_lines=whole,
    )
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(headers, pa.large_string()),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    try:
        table = pacsv.read_csv(
            body, read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, pa.ArrowException):
        return None
    frame = table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = headers
    return frame, header_index + 2


def _read_csv_slow(
    text: str, delimiter: str, header_index: int, headers: list[str], *, file: str
) -> RawSheet:
    """Python's csv module: exact record numbers, short rows padded, long rows refused."""
    width = len(headers)
    records: list[list[str | None]] = []
    numbers: list[int] = []
    refused: list[dict[str, object]] = []
    csv.field_size_limit(sys.maxsize)  # one huge field refuses its row below, not the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if number <= header_index + 1:
                continue
            if not any(cell.strip() for cell in record):
                continue
            huge = next((j for j, cell in enumerate(record) if len(cell) > MAX_FIELD_CHARS), None)
            if huge is not None:
                refused.append(_huge_field(record, huge, headers, number, file=file))
                continue
            if len(record) > width:
                if any(cell.strip() for cell in record[width:]):
                    refused.append(
                        {
                            "file": file,
                            "row": number,
                            "value": delimiter.join(_masked(record, headers))[:200],
                            "reason": f"row has {len(record)} fields, the header has {width}",
                        }
                    )
                    continue
                record = record[:width]
            cells: list[str | None] = [c if c.strip() else None for c in record]
            cells.extend([None] * (width - len(cells)))
            records.append(cells)
            numbers.append(number)
    except csv.Error as exc:
        raise InputError(f"cannot parse CSV: {exc}", file=file, row=number + 1) from None
    frame = (
        pd.DataFrame(records, columns=headers, dtype="string")
        if records
        else (pd.DataFrame({h: pd.Series(dtype="string") for h in headers}))
    )
    return RawSheet(frame, np.asarray(numbers, dtype=np.int64), None, refused)


def _huge_field(
    record: list[str], column: int, headers: list[str], number: int, *, file: str
) -> dict[str, object]:
    """The rejects row of a record with a field over :data:`MAX_FIELD_CHARS`."""
    header = headers[column] if column < len(headers) else f"field {column + 1}"
    size = len(record[column])
    return {
        "file": file,
        "row": number,
        "column": header,
        "value": f"{record[column][:40]}… ({size:,} characters)",
        "reason": f"field has {size:,} characters, more than the limit of {MAX_FIELD_CHARS:,}",
    }


def _masked(record: list[str], headers: list[str]) -> list[str]:
    """A raw record for a rejects file: the cells of credential columns as ``***``."""
    return [
        "***" if i < len(headers) and is_credential_header(headers[i]) and cell else cell
        for i, cell in enumerate(record)
    ]


def _drop_empty(sheet: RawSheet) -> RawSheet:
    """Rows without a single value are not rows of the registry."""
    if len(sheet.frame) == 0:
        return sheet
    stripped = sheet.frame
    empty = stripped.isna().all(axis=1).to_numpy()
    if empty.any():
        keep = ~empty
        # whitespace-only cells count as empty too
        sheet = RawSheet(
            sheet.frame[keep].reset_index(drop=True), sheet.rows[keep], sheet.sheet, sheet.refused
        )
    return sheet


# -- workbooks ------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _open_workbook(path: Path, mapping: ColumnMapping, *, file: str) -> tuple[Any, list[str]]:
    """The workbook (refused when empty or a zip bomb) and the names of the sheets to read."""
    from python_calamine import CalamineError, CalamineWorkbook

    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=file)
    check_archive(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(
            f"cannot open the workbook (damaged or truncated?): {exc}", file=file
        ) from None
    if mapping.sheet is not None:
        if mapping.sheet not in names:
            raise InputError(f"no sheet {mapping.sheet!r}; sheets: {', '.join(names)}", file=file)
        names = [mapping.sheet]
    return workbook, names


def _sheet_below_header(cells: list[list[Any]], header_index: int, name: str) -> RawSheet:
    """The rows under the header row ``header_index`` as text columns, with spreadsheet row numbers."""
    headers = dedupe_headers(cells[header_index])
    width = len(headers)
    body = cells[header_index + 1 :]
    numbers = np.arange(header_index + 2, header_index + 2 + len(body), dtype=np.int64)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for record in body:
        for j in range(width):
            columns[j].append(_cell_text(record[j]) if j < len(record) else None)
    frame = pd.DataFrame({h: pd.Series(columns[j], dtype="string") for j, h in enumerate(headers)})
    if len(frame) != len(numbers):  # no data rows: width 0 frames
        frame = frame.reindex(range(len(numbers)))
    return RawSheet(frame, numbers, name, [])


def read_workbook_sheets(
    path: Path, mapping: ColumnMapping, *, file: str, progress: bool = False
) -> tuple[list[RawSheet], list[dict[str, object]]]:
    """Every sheet with recognised camera columns (or only ``mapping.sheet``).

    Returns the sheets and notes for sheets skipped because no camera header was found in them
    (each a rejects row without a row number, so that no sheet is dropped unseen).
    """
    from python_calamine import CalamineError

    workbook, names = _open_workbook(path, mapping, file=file)
    sheets: list[RawSheet] = []
    skipped: list[dict[str, object]] = []
    errors: list[InputError] = []
    iterator: Any = names
    if progress:
        from tqdm import tqdm

        iterator = tqdm(names, desc=f"{file}: sheets", unit="sheet", file=None, leave=False)
    for name in iterator:
        try:
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise InputError(f"cannot read sheet {name!r}: {exc}", file=file) from None
        non_empty = [r for r in cells if any(c not in (None, "") for c in r)]
        if not non_empty:
            continue
        try:
            header_index = find_header(cells, mapping, file=file, sheet=name)
        except InputError as exc:
            errors.append(exc)
            skipped.append(
                {
                    "file": file,
                    "sheet": name,
                    "row": None,
                    "reason": f"sheet not read: no camera columns recognised ({len(non_empty)} "
                    "non-empty rows); name its columns in a mapping file to read it",
                }
            )
            continue
        sheets.append(_drop_empty(_sheet_below_header(cells, header_index, name)))
    if not sheets:
        if errors:
            raise errors[0]
        raise InputError("the workbook has no data rows", file=file)
    if all(len(s.frame) == 0 for s in sheets):
        raise InputError("no data rows under the header", file=file)
    return sheets, skipped


# -- the public reader ----------------------------------------------------------------------------

_WORKBOOK_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def cameras_from_table(
    path: str | Path,
    options: ReadOptions | None = None,
    *,
    fmt: str = "auto",
    **overrides: Unpack[ReadOptionsFields],
) -> tuple[Any, pd.DataFrame]:
    """Cameras from a CSV file or a workbook (every sheet with camera columns).

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` file (UTF-8, UTF-8 with BOM or GBK/GB18030, delimiter sniffed)
        or a workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``).
    fmt
        ``auto`` (by extension; a workbook is also recognised by its zip/OLE signature), ``csv`` or
        ``xlsx``.
    options
        :class:`~sharpeyes.ingest.options.ReadOptions` (crs, mapping, source, hd_min_lines,
        one_means_networked, progress); keywords named as its fields override it.

    Returns
    -------
    (cameras, rejects)
        The canonical GeoDataFrame (EPSG:4326) and one rejects row per problem of each refused
        row. Raises :class:`sharpeyes.InputError` naming the file for an empty, header-only,
        unreadable or truncated file.
    """
    from sharpeyes.ingest.normalize import (
        SourceInfo,
        concat_results,
        normalize_cameras,
        rejects_rows,
    )
    from sharpeyes.ingest.options import loaded_mapping, options_for, read_options

    read = read_options(options, overrides)
    p = Path(path)
    file = p.name
    cmap = loaded_mapping(read)
    resolved = options_for(read, cmap)
    if not p.exists():
        raise InputError("no such file", file=str(p))
    kind = fmt.lower()
    if kind == "auto":
        kind = "xlsx" if _is_workbook(p) else "csv"
    if kind in {"xlsx", "xls", "excel"}:
        sheets, skipped = read_workbook_sheets(p, cmap, file=file, progress=read.progress)
    elif kind == "csv":
        sheets, skipped = [read_csv_sheet(p, cmap, file=file)], []
    else:
        raise InputError(f"cameras_from_table reads csv or xlsx, not {fmt!r}", file=file)
    parts = []
    sheet_ids: dict[str | None, Any] = {}
    for sheet in sheets:
        where = SourceInfo(file=file, rows=sheet.rows, sheet=sheet.sheet)
        parts.append(normalize_cameras(sheet.frame, where, resolved))
        if len(sheets) > 1:
            sheet_ids[sheet.sheet] = parts[-1][0]
        if sheet.refused:
            parts.append((parts[-1][0].iloc[0:0], rejects_rows(sheet.refused)))
    if skipped:
        parts.append((parts[0][0].iloc[0:0], rejects_rows(skipped)))
    if len(sheet_ids) > 1:
        _warn_duplicates_across_sheets(sheet_ids, sheets, cmap)
    return concat_results(parts)


def _warn_duplicates_across_sheets(
    by_sheet: dict[str | None, Any], sheets: list[RawSheet], mapping: ColumnMapping
) -> None:
    """Warn on every camera whose device ID is also on another sheet of the workbook (the store
    merges them, as within a sheet), naming that sheet and row."""
    seen: dict[str, list[str | None]] = {}
    for name, frame in by_sheet.items():
        for value in frame["device_id"].dropna().astype(str).unique():
            seen.setdefault(value, []).append(name)
    shared = {k: v for k, v in seen.items() if len(v) > 1}
    if not shared:
        return
    rows = {s.sheet: _raw_id_rows(s, mapping) for s in sheets}
    for own, cameras in by_sheet.items():
        ids = cameras["device_id"].astype("string")
        hit = ids.isin(list(shared)).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(hit):
            value = str(ids.iloc[i])
            others = []
            for name in shared[value]:
                if name != own:
                    row = rows[name].get(value)
                    others.append(f"sheet {name!r}" + (f" row {row}" if row else ""))
            message = f"duplicate device ID in this file (also {', '.join(others[:5])})"
            old = cameras["warnings"].iloc[i]
            text = message if pd.isna(old) or not old else f"{old}; {message}"
            cameras.iloc[i, cameras.columns.get_loc("warnings")] = text


def _raw_id_rows(sheet: RawSheet, mapping: ColumnMapping) -> dict[str, int]:
    """First row number of each raw device ID (stripped) of a sheet."""
    for header in sheet.frame.columns:
        if mapping.target_of(header) == "device_id":
            values = sheet.frame[header].astype("string").str.strip()
            out: dict[str, int] = {}
            for value, row in zip(values, sheet.rows, strict=True):
                if not pd.isna(value):
                    out.setdefault(str(value), int(row))
            return out
    return {}


def _is_workbook(path: Path) -> bool:
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return True
    with path.open("rb") as fh:
        magic = fh.read(8)
    return magic.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
