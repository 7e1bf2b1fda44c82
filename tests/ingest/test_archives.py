"""Decompression bombs: zip inputs are measured before any reader inflates them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import ArchiveLimits, check_archive

_MIB = 1 << 20


def _bomb(path: Path, member: str, size: int, *, extra: tuple[str, ...] = ()) -> Path:
    """A zip holding ``size`` bytes of zeros in ``member`` (deflated about a thousand times), plus
    small ``extra`` members; written as a stream, never held in memory."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name in extra:
            archive.writestr(name, "x")
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as stream:
            chunk = bytes(_MIB)
            for _ in range(size // _MIB):
                stream.write(chunk)
    return path


_WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}


def _workbook_bomb(path: Path, size: int) -> Path:
    """A valid workbook whose one sheet holds about ``size`` bytes of identical rows of text cells
    (what calamine would hold in memory), compressed several hundred times."""
    row = '<row><c t="inlineStr"><is><t>' + "x" * 200 + "</t></is></c></row>"
    block = (row * (_MIB // len(row))).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _WORKBOOK_PARTS.items():
            archive.writestr(name, text)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as stream:
            stream.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for _ in range(size // len(block)):
                stream.write(block)
            stream.write(b"</sheetData></worksheet>")
    return path


def test_a_high_ratio_member_is_refused_naming_file_member_and_sizes(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "registry.xlsx", "xl/worksheets/sheet1.xml", 64 * _MIB)
    assert bomb.stat().st_size < _MIB
    with pytest.raises(InputError) as caught:
        check_archive(bomb)
    message = str(caught.value)
    assert "registry.xlsx" in message and "xl/worksheets/sheet1.xml" in message
    assert "64.0 MiB" in message and "decompression bomb" in message


def test_the_total_is_capped(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "roads.zip", "roads.shp", 24 * _MIB, extra=("roads.dbf",))
    limits = ArchiveLimits(max_total_bytes=16 * _MIB, max_ratio=1e9)
    with pytest.raises(InputError, match=r"more than 16\.0 MiB.*'roads\.shp'"):
        check_archive(bomb, limits=limits)
    assert check_archive(bomb, limits=ArchiveLimits(max_total_bytes=32 * _MIB, max_ratio=1e9)) > 0


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(50):
            archive.writestr(f"m{i}.txt", "")
    with pytest.raises(InputError, match="50 members"):
        check_archive(path, limits=ArchiveLimits(max_members=20))


def test_plain_files_and_ordinary_workbooks_pass(tmp_path: Path) -> None:
    import pandas as pd

    csv = tmp_path / "a.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    assert check_archive(csv) == 0
    book = tmp_path / "a.xlsx"
    pd.DataFrame({"设备编码": ["34020000001320000001"] * 2000}).to_excel(book, index=False)
    assert check_archive(book) > 0


def test_a_corrupt_member_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"A" * 4096)
    data = bytearray(path.read_bytes())
    at = data.index(b"A" * 64)
    data[at : at + 8] = b"B" * 8  # the stored CRC no longer matches the bytes
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"broken\.xlsx"):
        check_archive(path)


@pytest.mark.parametrize(
    ("name", "member", "reader"),
    [
        ("cameras.xlsx", "xl/worksheets/sheet1.xml", "cameras"),
        ("cameras.zip", "cameras.shp", "cameras"),
        ("cameras.gpkg.zip", "cameras.gpkg", "cameras"),
        ("villages.zip", "villages.shp", "units"),
        ("places.zip", "places.geojson", "places"),
        ("nodes.xlsx", "xl/worksheets/sheet1.xml", "network"),
    ],
)
def test_every_reader_refuses_the_bomb(tmp_path: Path, name: str, member: str, reader: str) -> None:
    bomb = _bomb(tmp_path / name, member, 8 * _MIB)
    with pytest.raises(InputError, match="decompression bomb"):
        if reader == "cameras":
            from sharpeyes.ingest import read_cameras

            read_cameras(bomb)
        elif reader == "units":
            from sharpeyes.ingest.units import units_from_file

            units_from_file(bomb)
        elif reader == "places":
            from sharpeyes.ingest.places import places_from_file

            places_from_file(bomb)
        else:
            from sharpeyes.ingest.topology import topology_from_files

            topology_from_files(bomb, bomb)


_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from sharpeyes._errors import InputError
    from sharpeyes.ingest import read_cameras

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        read_cameras(sys.argv[1])
        print("READ")
    except InputError as exc:
        print("REFUSED", exc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before, after)
    """
)


@pytest.mark.parametrize(
    ("size_mib", "env"),
    [(256, {}), (160, {"SHARPEYES_MAX_ARCHIVE_MB": "128", "SHARPEYES_MAX_ARCHIVE_RATIO": "1e9"})],
)
def test_a_bomb_is_refused_before_any_large_allocation(
    tmp_path: Path, size_mib: int, env: dict[str, str]
) -> None:
    """Peak RSS of a fresh process reading the bomb grows by less than 32 MiB. The bomb is a valid
    workbook of hundreds of MiB of rows: unchecked, calamine inflates it (a 64 MiB one grew the peak
    RSS by 141 MiB before the reader refused it for having no camera columns)."""
    bomb = _workbook_bomb(tmp_path / "bomb.xlsx", size_mib * _MIB)
    assert bomb.stat().st_size < 2 * _MIB
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(bomb)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env},
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("REFUSED") and "bomb.xlsx" in lines[0], done.stdout + done.stderr
    before_kib, after_kib = map(int, lines[-1].split())
    assert after_kib - before_kib < 32 * 1024
