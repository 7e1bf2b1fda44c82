"""Zip-based inputs (xlsx/xlsm/ods workbooks, zipped Shapefiles, GeoPackages or GeoJSON) checked
before any reader opens them, so that a decompression bomb is refused instead of read.

A 1 MB workbook can expand to gigabytes: the readers (calamine, GDAL's ``/vsizip/``) would inflate
it into memory. :func:`check_archive` reads the zip's central directory (a few KB), refuses too many
members, a total uncompressed size over the limit and a member whose compression ratio is above the
limit, then inflates each member as a stream, counting the bytes and stopping at the first byte past
what the directory declared (a directory can lie), so that memory stays at one chunk whatever the
file holds.

Limits: ``SHARPEYES_MAX_ARCHIVE_MB`` (default 1024 MiB in total) and ``SHARPEYES_MAX_ARCHIVE_RATIO``
(default 100 for members over 1 MiB uncompressed), or the arguments of :func:`check_archive`.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sharpeyes._errors import ConfigError, InputError

#: Default cap on the sum of the members' uncompressed sizes, bytes.
DEFAULT_MAX_TOTAL_BYTES: Final = 1 << 30
#: Default cap on uncompressed / compressed size of one member.
DEFAULT_MAX_RATIO: Final = 100.0
#: Members at most this big (uncompressed) are not held to the ratio (tiny XML parts compress well).
RATIO_FLOOR_BYTES: Final = 1 << 20
#: Default cap on the number of members.
DEFAULT_MAX_MEMBERS: Final = 10_000

_CHUNK: Final = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """What a zip input may expand to: ``max_total_bytes`` uncompressed in all, ``max_ratio`` per
    member (over :data:`RATIO_FLOOR_BYTES`), ``max_members`` entries."""

    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES
    max_ratio: float = DEFAULT_MAX_RATIO
    max_members: int = DEFAULT_MAX_MEMBERS


def archive_limits() -> ArchiveLimits:
    """The limits from ``SHARPEYES_MAX_ARCHIVE_MB`` / ``SHARPEYES_MAX_ARCHIVE_RATIO`` (or defaults)."""
    megabytes = _positive("SHARPEYES_MAX_ARCHIVE_MB", DEFAULT_MAX_TOTAL_BYTES / 2**20)
    ratio = _positive("SHARPEYES_MAX_ARCHIVE_RATIO", DEFAULT_MAX_RATIO)
    return ArchiveLimits(max_total_bytes=int(megabytes * 2**20), max_ratio=ratio)


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a number") from None
    if not value > 0:
        raise ConfigError(f"{name}={text!r} must be above 0")
    return value


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def check_archive(
    path: str | Path, *, limits: ArchiveLimits | None = None, verify: bool = True
) -> int:
    """Refuse a zip file that would expand past ``limits`` (default :func:`archive_limits`).

    Files that are not zip files pass (0 is returned). Raises :class:`~sharpeyes.InputError` naming
    the file, the member and the sizes. ``verify`` also inflates every member as a stream (one
    chunk in memory) to catch a central directory that understates the sizes. Returns the total
    uncompressed size in bytes.
    """
    p = Path(path)
    limits = limits or archive_limits()
    if not zipfile.is_zipfile(p):
        return 0
    try:
        with zipfile.ZipFile(p) as archive:
            members = archive.infolist()
            _check_directory(p.name, members, limits)
            if verify:
                for info in members:
                    _check_stream(p.name, archive, info, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise InputError(f"damaged or unsupported zip archive: {exc}", file=p.name) from None
    return sum(i.file_size for i in members)


def _check_directory(file: str, members: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    if len(members) > limits.max_members:
        raise InputError(
            f"zip archive has {len(members):,} members, more than the limit of "
            f"{limits.max_members:,}; refused unread",
            file=file,
        )
    total = 0
    for info in members:
        total += info.file_size
        if total > limits.max_total_bytes:
            raise InputError(
                f"zip archive would expand to more than {_mib(limits.max_total_bytes)} "
                f"(member {info.filename!r}: {_mib(info.file_size)} from "
                f"{_mib(info.compress_size)}; {_mib(total)} so far): refused unread as a "
                "possible decompression bomb (limit SHARPEYES_MAX_ARCHIVE_MB)",
                file=file,
            )
        _check_ratio(file, info.filename, info.file_size, info.compress_size, limits)


def _check_ratio(file: str, member: str, size: int, packed: int, limits: ArchiveLimits) -> None:
    if size <= RATIO_FLOOR_BYTES:
        return
    ratio = size / max(packed, 1)
    if ratio > limits.max_ratio:
        raise InputError(
            f"zip member {member!r} expands {ratio:,.0f} times ({_mib(packed)} to {_mib(size)}), "
            f"more than the limit of {limits.max_ratio:g}: refused unread as a possible "
            "decompression bomb (limit SHARPEYES_MAX_ARCHIVE_RATIO)",
            file=file,
        )


def _check_stream(
    file: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits
) -> None:
    """Inflate one member chunk by chunk; refuse it past its declared size or the limits."""
    if info.is_dir():
        return
    allowed = min(info.file_size, limits.max_total_bytes)
    seen = 0
    with archive.open(info) as stream:
        # zipfile itself stops at the declared size; reading one byte more tells a lie apart
        while chunk := stream.read(_CHUNK):
            seen += len(chunk)
            if seen > allowed:
                break
    if seen > allowed or seen != info.file_size:
        raise InputError(
            f"zip member {info.filename!r} holds {'more than ' if seen > allowed else ''}"
            f"{_mib(seen)} but its directory says {_mib(info.file_size)}: refused as damaged "
            "or crafted",
            file=file,
        )


__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_TOTAL_BYTES",
    "ArchiveLimits",
    "archive_limits",
    "check_archive",
]
