"""Property-based tests: every reader, fed arbitrary rows or bytes, imports or refuses with its own
error, never crashes with anything else, and never loses a row from the count."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharpeyes import InputError
from sharpeyes.ingest import read_cameras
from tests.ingest.conftest import HEADERS_ZH

# Values registries really hold, mixed with arbitrary text.
_REALISTIC = st.sampled_from(
    [
        "21120200001320000001",
        "2112020000132000001",
        "21120200001180000001",
        "211202000013200000A1",
        "00120200001320000001",
        "123.84",
        "42.29",
        "0",
        "-999",
        "1e400",
        "nan",
        "123°50'30\"E",
        "一类",
        "III",
        "球机",
        "东南",
        "全向",
        "1920x1080",
        "4MP",
        "已联网",
        "1",
        "在用",
        "2019/5/1",
        "45123",
        "rtsp://admin:pw@10.0.0.1/s",
        "rtsp://u:p%40@h/x",
        "",
        " ",
        "\u3000",
        "³",
        "１",
        "٣٤",
        "²/³",
    ]
)
_ALPHABET = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Zl", "Zp"),
) | st.sampled_from([" ", "\t", "\n", ",", ";", '"', "\\", "\u3000"])
_CELL = _REALISTIC | st.text(alphabet=_ALPHABET, max_size=12)
_ROW = st.lists(_CELL, min_size=len(HEADERS_ZH), max_size=len(HEADERS_ZH))
_ROWS = st.lists(_ROW, min_size=1, max_size=25)

#: More examples for a deep run: SHARPEYES_HYPOTHESIS_EXAMPLES=500 pytest tests/ingest/test_properties.py
_EXAMPLES = int(os.environ.get("SHARPEYES_HYPOTHESIS_EXAMPLES", "40"))
_SETTINGS = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _non_empty(rows: list[list[str]]) -> int:
    return sum(1 for row in rows if any(cell.strip() for cell in row))


def _check(path: Path, rows_read: int) -> None:
    try:
        cameras, rejects = read_cameras(path)
    except InputError:
        return
    refused = rejects.dropna(subset=["row"]).drop_duplicates(["sheet", "row"])
    assert len(cameras) + len(refused) == rows_read
    assert cameras.crs.to_epsg() == 4326
    assert not cameras.stream_url.fillna("").str.contains("pw@").any()


@_SETTINGS
@given(
    rows=_ROWS,
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_csv_rows_are_imported_or_refused_never_lost(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADERS_ZH)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prop.csv"
        path.write_bytes(data)
        _check(path, _non_empty(rows))


@_SETTINGS
@given(rows=_ROWS)
def test_xlsx_rows_are_imported_or_refused_never_lost(rows: list[list[str]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADERS_ZH))
    clean = [[c.replace("\x00", "") for c in row] for row in rows]
    for row in clean:
        sheet.append([c if c.strip() else None for c in row])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prop.xlsx"
        try:
            workbook.save(path)
        except (ValueError, openpyxl.utils.exceptions.IllegalCharacterError):
            return
        _check(path, _non_empty(clean))


_TAGS = ("Name", "Longitude", "Latitude", "Status", "Address", "CivilCode", "ParentID")


@_SETTINGS
@given(
    items=st.lists(
        st.tuples(_REALISTIC, st.dictionaries(st.sampled_from(_TAGS), _CELL, max_size=5)),
        min_size=1,
        max_size=15,
    )
)
def test_catalog_items_are_imported_or_refused_never_lost(
    items: list[tuple[str, dict[str, str]]],
) -> None:
    body = "".join(
        "<Item><DeviceID>{}</DeviceID>{}<Info><PTZType>1</PTZType></Info></Item>".format(
            escape(device_id),
            "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()),
        )
        for device_id, fields in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><CmdType>Catalog</CmdType><SN>1</SN>'
        f"<DeviceID>21120000002000000001</DeviceID><SumNum>{len(items)}</SumNum>"
        f'<DeviceList Num="{len(items)}">{body}</DeviceList></Response>'
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prop.xml"
        path.write_bytes(xml.encode("utf-8"))
        try:
            cameras, rejects = read_cameras(path)
        except InputError:
            return
        refused = rejects.dropna(subset=["row"]).drop_duplicates(["sheet", "row"])
        assert len(cameras) + len(refused) == len(items)


@_SETTINGS
@given(
    nodes=st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False, min_value=-200, max_value=200),
            st.floats(allow_nan=False, allow_infinity=False, min_value=-100, max_value=100),
            st.dictionaries(
                st.sampled_from(["camera:type", "camera:direction", "surveillance:type", "name"]),
                _CELL,
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_overpass_elements_are_imported_or_refused_never_lost(
    nodes: list[tuple[float, float, dict[str, str]]],
) -> None:
    elements = [
        {
            "type": "node",
            "id": i + 1,
            "lon": lon,
            "lat": lat,
            "tags": {"man_made": "surveillance", **tags},
        }
        for i, (lon, lat, tags) in enumerate(nodes)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prop.json"
        path.write_text(json.dumps({"elements": elements}), encoding="utf-8")
        _check(path, len(nodes))


_PREFIXES = [
    b"",
    b"\xef\xbb\xbf\xe8\xae\xbe\xe5\xa4\x87\xe7\xbc\x96\xe7\xa0\x81,\xe7\xbb\x8f\xe5\xba\xa6,\xe7\xba\xac\xe5\xba\xa6\n",
    b"device_id,lon,lat\n",
    b'<?xml version="1.0" encoding="GB2312"?><Response><CmdType>Catalog</CmdType><DeviceList>',
    b"MESSAGE sip:x SIP/2.0\r\n\r\n<Response>",
    b'{"elements": [',
    b'{"type": "FeatureCollection", "features": [',
    b"PK\x03\x04",
    b"SQLite format 3\x00",
    b"<osm version='0.6'>",
]
_SUFFIXES = [
    ".csv",
    ".txt",
    ".xlsx",
    ".xml",
    ".sip",
    ".json",
    ".geojson",
    ".gpkg",
    ".osm",
    ".osm.pbf",
    ".dat",
]


@settings(max_examples=_EXAMPLES * 4, deadline=None)
@given(
    prefix=st.sampled_from(_PREFIXES),
    payload=st.binary(max_size=400),
    suffix=st.sampled_from(_SUFFIXES),
)
def test_arbitrary_bytes_import_or_raise_input_error(
    prefix: bytes, payload: bytes, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"junk{suffix}"
        path.write_bytes(prefix + payload)
        try:
            cameras, rejects = read_cameras(path)
        except InputError:
            return
        assert cameras.crs.to_epsg() == 4326
        assert list(rejects.columns) == ["file", "sheet", "row", "column", "value", "reason"]


@pytest.mark.parametrize("suffix", _SUFFIXES)
def test_zero_bytes_is_an_input_error_for_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"zero{suffix}"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="zero"):
        read_cameras(path)


_URL_PART = st.text(alphabet=st.sampled_from([*"ab1:@/?#% .+-_", "\t", "中"]), max_size=8)


@settings(max_examples=_EXAMPLES * 5, deadline=None)
@given(
    urls=st.lists(
        st.builds(
            lambda scheme, userinfo, rest, at: f"{scheme}://{userinfo}{'@' if at else ''}{rest}",
            st.sampled_from(["rtsp", "http", "r+s.t-p", "1x", "rt_sp", ""]),
            _URL_PART,
            _URL_PART,
            st.booleans(),
        )
        | _URL_PART,
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_credential_split_agrees_with_split_credentials(urls: list[str]) -> None:
    import pandas as pd

    from sharpeyes.model.urls import split_credentials, split_credentials_series

    bare, user, password = split_credentials_series(pd.Series(urls, dtype="string"))
    for i, url in enumerate(urls):
        expected = split_credentials(url.strip()) if url.strip() else (None, None, None)
        got = tuple(None if pd.isna(s.iloc[i]) else s.iloc[i] for s in (bare, user, password))
        assert got == expected, url
