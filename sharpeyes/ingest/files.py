"""Checks of an input file before a reader opens it, and reader errors told as one line.

A reader meeting a 0-byte file, a CSV with only its header, binary bytes where text belongs or a
workbook cut short raises whatever its library raises (pandas' ``EmptyDataError``, a zip error, a
GDAL error). :func:`check_input_file` refuses those files first, and :func:`reading` turns the
library errors that remain into :class:`~sharpeyes.InputError` naming the file and the fix.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final
from xml.etree.ElementTree import ParseError

from sharpeyes._errors import InputError

#: Extensions read as text: their first bytes must not hold NUL bytes.
TEXT_SUFFIXES: Final = frozenset(
    {".csv", ".tsv", ".txt", ".json", ".geojson", ".xml", ".sip", ".osm", ".toml"}
)
#: Extensions read as a table of rows under one header line.
TABLE_SUFFIXES: Final = frozenset({".csv", ".tsv", ".txt"})
#: Leading bytes of binary formats, by extension.
MAGIC: Final = {
    ".xlsx": (b"PK\x03\x04",),
    ".xlsm": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".gpkg": (b"SQLite format 3\x00",),
    ".shp": (b"\x00\x00\x27\x0a",),
}
_WHAT: Final = {
    ".xlsx": "an Excel workbook",
    ".xlsm": "an Excel workbook",
    ".zip": "a zip archive",
    ".xls": "an Excel 97 workbook",
    ".gpkg": "a GeoPackage",
    ".shp": "a Shapefile",
}
_HEAD_BYTES: Final = 64 * 1024
#: Libraries whose own exceptions, met while reading a file, mean the file is malformed.
_READER_LIBRARIES: Final = frozenset({"pyogrio", "openpyxl", "fiona", "python_calamine"})


def check_input_file(path: str | Path, kind: str) -> Path:
    """Refuse a file no reader can use, with one line naming the file and what to do.

    Parameters
    ----------
    path
        The file given by the user.
    kind
        What the file should hold, for the message (``"camera registry"``, ``"units file"``).

    Returns
    -------
    Path
        ``path``, resolved.

    Raises
    ------
    InputError
        Missing, a folder, unreadable, 0 bytes, only blank lines, binary where text belongs, not the
        binary format its extension names, or a table with a header row and no data rows.
    """
    p = Path(path).expanduser()
    name = str(path)
    if not p.exists():
        raise InputError(f"no such file: give the path of the {kind}", file=name)
    if p.is_dir():
        raise InputError(f"is a folder: give the {kind} file inside it", file=name)
    try:
        with p.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror}): check its permissions", file=name
        ) from None
    if not head:
        raise InputError(f"the file is empty (0 bytes): give a {kind} with data", file=name)
    suffix = p.suffix.lower()
    if suffix in MAGIC:
        if not head.startswith(MAGIC[suffix]):
            raise InputError(
                f"is not {_WHAT[suffix]} (its first bytes say otherwise): save the {kind} again "
                f"as {suffix} or give it the extension of its real format",
                file=name,
            )
        if suffix in (".xlsx", ".xlsm") and _workbook_rows(p) == 0:
            raise InputError(
                f"has no data rows under its header (in any sheet): add the {kind}'s rows",
                file=name,
            )
        return p.resolve()
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError(f"holds only blank lines: give a {kind} with data", file=name)
    if suffix in TEXT_SUFFIXES and b"\x00" in head and not _utf16(head):
        raise InputError(
            f"holds binary bytes, not text: give the {kind} as {suffix} text (e.g. CSV in UTF-8)",
            file=name,
        )
    if suffix in TABLE_SUFFIXES and not _utf16(head):
        if _data_lines(p) == 0:
            raise InputError(
                f"has a header row but no data rows: add the {kind}'s rows under the header",
                file=name,
            )
        short = _cut_short(p, head)
        if short:
            raise InputError(
                f"looks cut short: {short} and no line end; copy or export the {kind} again",
                file=name,
            )
    return p.resolve()


def _utf16(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _data_lines(path: Path) -> int:
    """Non-blank lines after the first non-blank one (0 or 1 is enough to know)."""
    lines = 0
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip(b" \t\r\n,;\xef\xbb\xbf"):
                lines += 1
                if lines > 1:
                    return lines - 1
    return max(lines - 1, 0)


def _workbook_rows(path: Path) -> int:
    """Data rows (non-blank, after the first non-blank one) of the fullest sheet, counted up to 1;
    1 when the workbook cannot be opened here (the reader then says why)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a damaged workbook: the reader reports it, with its own words
        return 1
    try:
        for sheet in book.worksheets:
            filled = 0
            for row in sheet.iter_rows(values_only=True):
                if any(v is not None and str(v).strip() for v in row):
                    filled += 1
                    if filled > 1:
                        return 1
        return 0
    finally:
        book.close()


def _cut_short(path: Path, head: bytes) -> str | None:
    """Why a table looks cut off mid-row (its last line has no line end and fewer fields than
    the header), or ``None``."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - _HEAD_BYTES))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return None
    header = next((line for line in head.splitlines() if line.strip()), b"")
    last = tail.splitlines()[-1] if tail.splitlines() else b""
    if last == header:
        return None
    delimiter = max((b",", b"\t", b";", b"|"), key=header.count)
    expected, got = header.count(delimiter) + 1, last.count(delimiter) + 1
    if got < expected:
        return f"its last row has {got} of {expected} fields"
    return None


@contextmanager
def reading(path: str | Path, kind: str) -> Iterator[None]:
    """Turn what a reader's library raises for a malformed file into one :class:`InputError`."""
    import pandas as pd

    try:
        yield
    except InputError:
        raise
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise InputError(
            f"cannot be read as a table ({_first_line(exc)}): give the {kind} as CSV with a "
            "header row",
            file=str(path),
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not text in a known encoding ({exc.reason} at byte {exc.start}): save the "
            f"{kind} as UTF-8",
            file=str(path),
        ) from None
    except (zipfile.BadZipFile, EOFError) as exc:
        raise InputError(
            f"is damaged or cut short ({_first_line(exc)}): copy or export the {kind} again",
            file=str(path),
        ) from None
    except (json.JSONDecodeError, ParseError) as exc:
        raise InputError(
            f"is not well-formed ({_first_line(exc)}): export the {kind} again",
            file=str(path),
        ) from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] not in _READER_LIBRARIES:
            raise
        raise InputError(
            f"cannot be read ({type(exc).__name__}: {_first_line(exc)}): check that the {kind} "
            "is complete and in a format its extension names",
            file=str(path),
        ) from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
