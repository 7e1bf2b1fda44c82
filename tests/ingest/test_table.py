"""CSV and workbook registries: encodings, delimiters, headers, validation, rejects."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sharpeyes import InputError
from sharpeyes.ingest import cameras_from_table, read_cameras
from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    CAMERA_DTYPES,
    CAMERA_SIDE_COLUMNS,
    REJECT_COLUMNS,
)
from sharpeyes.model.crs import wgs84_to_bd09, wgs84_to_gcj02
from tests.ingest.conftest import HEADERS_ZH, camera_row, write_csv, write_xlsx

MakeCsv = Callable[..., Path]


def _warnings(cameras: object, i: int) -> str:
    value = cameras.loc[i, "warnings"]  # type: ignore[attr-defined]
    return "" if value is None or value is np.nan or str(value) == "<NA>" else str(value)


def test_gbk_csv_with_chinese_headers(make_csv: MakeCsv) -> None:
    path = make_csv("台账.csv", [camera_row(i) for i in range(6)], encoding="gbk")
    cameras, rejects = read_cameras(path)
    assert len(cameras) == 6 and len(rejects) == 0
    first = cameras.iloc[0]
    assert first["device_id"] == "21120200001320000000"
    assert first["name"] == "银州区点位0"
    assert first["point_class"] == 1
    assert first["camera_type"] == 1
    assert first["heading_deg"] == 90.0
    assert first["resolution"] == 1080 and bool(first["is_hd"]) is True
    assert bool(first["networked"]) is True
    assert first["status"] == "in_use"
    assert first["admin_code"] == "211202"
    assert first["police_unit"] == "211202000000"
    assert first["install_date"] == "2019-05-01"
    assert first["source"] == "台账.csv"
    assert first["owner_unit"] == "公安"
    assert first["uplink"] == "SW-YZ-00"
    assert json.loads(first["extra"]) == {"备注": "note 0"}
    # 全向 → sees 360°
    assert cameras.iloc[2]["fov_deg"] == 360.0
    assert np.isnan(cameras.iloc[2]["heading_deg"])
    # 720P is not HD at the default 1080-line threshold
    assert bool(cameras.iloc[1]["is_hd"]) is False
    assert bool(cameras.iloc[1]["networked"]) is False


def test_frame_has_canonical_columns_and_dtypes(make_csv: MakeCsv) -> None:
    cameras, _ = read_cameras(make_csv("a.csv", [camera_row(1)]))
    assert list(cameras.columns) == [*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS, "geometry"]
    for column, dtype in CAMERA_DTYPES.items():
        assert str(cameras[column].dtype) == dtype, column
    assert cameras.crs.to_epsg() == 4326
    point = cameras.geometry.iloc[0]
    assert point.x == pytest.approx(cameras.lon.iloc[0]) and point.y == pytest.approx(
        cameras.lat.iloc[0]
    )


def test_credentials_are_split_from_stream_urls(make_csv: MakeCsv) -> None:
    cameras, _ = read_cameras(make_csv("a.csv", [camera_row(3)]))
    row = cameras.iloc[0]
    assert row["stream_url"] == "rtsp://10.1.3.2:554/h264"
    assert row["stream_user"] == "admin" and row["stream_password"] == "secret3"
    assert "secret" not in "".join(str(v) for v in cameras.drop(columns="stream_password").iloc[0])


@pytest.mark.parametrize(
    ("encoding", "delimiter", "newline"),
    [
        ("utf-8", ",", "\n"),
        ("utf-8-sig", ",", "\r\n"),
        ("utf-8", ";", "\n"),
        ("gb18030", "\t", "\r\n"),
        ("utf-8", "|", "\n"),
    ],
)
def test_encodings_and_delimiters(
    make_csv: MakeCsv, encoding: str, delimiter: str, newline: str
) -> None:
    rows = [camera_row(i, 安装地址=f"银州区, 工人街 {i}; 号") for i in range(5)]
    path = make_csv("r.csv", rows, encoding=encoding, delimiter=delimiter, newline=newline)
    cameras, rejects = read_cameras(path)
    assert len(cameras) == 5 and rejects.empty
    assert cameras.address.iloc[4] == "银州区, 工人街 4; 号"


def test_swapped_lon_lat_is_fixed_and_warned(make_csv: MakeCsv) -> None:
    rows = [camera_row(0), camera_row(1, 经度="42.2900", 纬度="123.8100")]
    cameras, rejects = read_cameras(make_csv("s.csv", rows))
    assert rejects.empty
    assert cameras.lon.iloc[1] == pytest.approx(123.81)
    assert cameras.lat.iloc[1] == pytest.approx(42.29)
    assert "swapped" in _warnings(cameras, 1)
    assert "swapped" not in _warnings(cameras, 0)


def test_19_digit_id_kept_on_other_key_else_refused(make_csv: MakeCsv) -> None:
    short = "2112020000132000001"
    rows = [
        camera_row(0, 设备编码=short),  # name + coordinates: kept, flagged
        camera_row(1, 设备编码=short + "9", 设备名称=None, 经度=None, 纬度=None, 视频流地址=None),
        camera_row(2, 设备编码="211202000013200000", 设备名称=None, 视频流地址=None),
    ]
    cameras, rejects = read_cameras(make_csv("ids.csv", rows))
    assert len(cameras) == 2
    kept = cameras[cameras.device_id == short].iloc[0]
    assert bool(kept["id_valid"]) is False
    assert "must be 20 digits, got 19" in kept["warnings"]
    assert len(rejects) == 1
    refused = rejects.iloc[0]
    assert refused["row"] == 4 and refused["column"] == "设备编码"
    assert refused["value"] == "211202000013200000"
    assert "20 digits" in refused["reason"] and "no other stable key" in refused["reason"]


def test_id_with_letters(make_csv: MakeCsv) -> None:
    rows = [
        camera_row(0, 设备编码="21120200001320000A01"),
        camera_row(1, 设备编码="2112020000132OOOOO01", 设备名称=None, 视频流地址=None),
    ]
    cameras, rejects = read_cameras(make_csv("l.csv", rows))
    assert list(cameras.device_id) == ["21120200001320000A01"]
    assert "non-digit" in cameras.warnings.iloc[0]
    assert bool(cameras.id_valid.iloc[0]) is False
    assert list(rejects.row) == [3]
    assert "non-digit" in rejects.reason.iloc[0]


def test_row_without_any_id_keeps_a_stable_synthetic_id(make_csv: MakeCsv) -> None:
    rows = [camera_row(0, 设备编码=None), camera_row(1, 设备编码=None, 视频流地址=None)]
    first, _ = read_cameras(make_csv("n.csv", rows))
    again, _ = read_cameras(make_csv("n.csv", rows))
    assert list(first.device_id) == list(again.device_id)
    assert all(d.startswith("h:") for d in first.device_id)
    assert first.device_id.nunique() == 2


def test_ten_percent_bad_rows(make_csv: MakeCsv) -> None:
    rows = []
    bad_rows = {}
    for i in range(100):
        if i % 10 == 7:
            kind = (i // 10) % 3
            if kind == 0:
                row = camera_row(i, 经度="东经一百二十三度")
                bad_rows[i + 2] = "longitude is not a number"
            elif kind == 1:
                row = camera_row(i, 设备编码=None, 设备名称=None, 视频流地址=None)
                bad_rows[i + 2] = "missing device ID"
            else:
                row = camera_row(i, 经度="523.1", 纬度="342.2")
                bad_rows[i + 2] = "coordinates impossible"
        else:
            row = camera_row(i)
        rows.append(row)
    cameras, rejects = read_cameras(make_csv("bad.csv", rows))
    assert len(cameras) == 90
    assert rejects.row.nunique() == 10
    assert set(rejects.row) == set(bad_rows)
    for _, reject in rejects.iterrows():
        assert bad_rows[reject["row"]] in reject["reason"]
        assert reject["file"] == "bad.csv"
    assert list(rejects.columns) == list(REJECT_COLUMNS)


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_chinese_map_coordinates_are_converted(make_csv: MakeCsv, system: str) -> None:
    lon = np.array([123.84, 123.70, 124.05])
    lat = np.array([42.29, 42.10, 42.55])
    forward = wgs84_to_gcj02 if system == "gcj02" else wgs84_to_bd09
    slon, slat = forward(lon, lat)
    rows = [
        camera_row(i, 经度=f"{x:.9f}", 纬度=f"{y:.9f}")
        for i, (x, y) in enumerate(zip(slon, slat, strict=True))
    ]
    cameras, _ = read_cameras(make_csv("m.csv", rows), crs=system)
    # within 0.1 m: 1e-6 degree is about 0.1 m at this latitude
    assert np.allclose(cameras.lon, lon, atol=1e-6)
    assert np.allclose(cameras.lat, lat, atol=1e-6)
    assert not np.allclose(slon, lon, atol=1e-4)
    plain, _ = read_cameras(make_csv("m.csv", rows))
    assert np.allclose(plain.lon, slon)


def test_zero_missing_out_of_area_points_are_warned(make_csv: MakeCsv) -> None:
    rows = [
        camera_row(0, 经度="0", 纬度="0"),
        camera_row(1, 经度=None, 纬度=None),
        camera_row(2, 经度="2.35", 纬度="48.85"),
        camera_row(3, 监控点位类型="三类", 经度=None, 纬度=None),
    ]
    cameras, rejects = read_cameras(make_csv("z.csv", rows))
    assert rejects.empty and len(cameras) == 4
    assert "(0, 0)" in cameras.warnings.iloc[0]
    assert cameras.geometry.iloc[0] is None and np.isnan(cameras.lon.iloc[0])
    assert "no coordinates" in cameras.warnings.iloc[1]
    assert "class I/II point without coordinates" in cameras.warnings.iloc[1]
    assert "outside the expected area" in cameras.warnings.iloc[2]
    assert "class I/II" not in cameras.warnings.iloc[3]


def test_duplicates_and_admin_mismatch_are_warned(make_csv: MakeCsv) -> None:
    headers = (*HEADERS_ZH, "行政区划代码")
    rows = [
        camera_row(0, 行政区划代码="211202"),
        camera_row(0, 行政区划代码="211202"),
        camera_row(2, 行政区划代码="211221"),
    ]
    cameras, _ = read_cameras(make_csv("d.csv", rows, headers=headers))
    assert "duplicate device ID in this file (also row 3)" in cameras.warnings.iloc[0]
    assert "(also row 2)" in cameras.warnings.iloc[1]
    assert "admin code 211202 does not match admin_code 211221" in cameras.warnings.iloc[2]
    assert cameras.admin_code.iloc[2] == "211221"


def test_networked_direction_per_source(make_csv: MakeCsv, tmp_path: Path) -> None:
    rows = [camera_row(0, 联网属性="1"), camera_row(1, 联网属性="0"), camera_row(2, 联网属性="是")]
    path = make_csv("n.csv", rows)
    default, _ = read_cameras(path)
    assert list(default.networked) == [True, False, True]
    flipped, _ = read_cameras(path, one_means_networked=False)
    assert list(flipped.networked) == [False, True, True]
    mapping = tmp_path / "vendor.toml"
    mapping.write_text("one_means_networked = false\n", encoding="utf-8")
    by_mapping, _ = read_cameras(path, mapping=mapping)
    assert list(by_mapping.networked) == [False, True, True]


def test_mapping_file_renames_columns(tmp_path: Path) -> None:
    headers = ("编号X", "GCJ经度", "GCJ纬度", "点位", "内部说明")
    rows = [
        {
            "编号X": "21120200001320000001",
            "GCJ经度": "123.85",
            "GCJ纬度": "42.30",
            "点位": "A",
            "内部说明": "x",
        }
    ]
    path = write_csv(tmp_path / "odd.csv", rows, headers=headers)
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "crs": "gcj02",
                "source": "县交警队",
                "point_class": 2,
                "columns": {
                    "编号X": "device_id",
                    "GCJ经度": "lon",
                    "GCJ纬度": "lat",
                    "点位": "name",
                    "内部说明": "ignore",
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    cameras, rejects = read_cameras(path, mapping=mapping)
    assert rejects.empty
    row = cameras.iloc[0]
    assert row["device_id"] == "21120200001320000001" and row["name"] == "A"
    assert row["source"] == "县交警队" and row["point_class"] == 2
    assert row["lon"] != pytest.approx(123.85, abs=1e-4)  # converted from GCJ-02
    assert row["extra"] is None or str(row["extra"]) == "<NA>"


def test_unrecognised_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.csv.*no camera columns"):
        read_cameras(path)


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv"):
        read_cameras(empty)
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\r\n  \n")
    with pytest.raises(InputError, match=r"blank\.csv"):
        read_cameras(blank)
    header = write_csv(tmp_path / "header.csv", [])
    with pytest.raises(InputError, match=r"header\.csv: no data rows"):
        read_cameras(header)
    xlsx = write_xlsx(tmp_path / "header.xlsx", {"Sheet1": ([], [])})
    with pytest.raises(InputError, match=r"header\.xlsx"):
        read_cameras(xlsx)


def test_truncated_xlsx_is_an_input_error(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", {"点位": ([], [camera_row(i) for i in range(50)])})
    data = good.read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"truncated\.xlsx"):
        read_cameras(truncated)


def test_xlsx_sheets_title_rows_and_row_numbers(tmp_path: Path) -> None:
    rows_a = [camera_row(i) for i in range(3)] + [camera_row(3, 经度="abc")]
    rows_b = [camera_row(10 + i) for i in range(2)]
    path = write_xlsx(
        tmp_path / "台账.xlsx",
        {
            "银州区": ([["铁岭市银州区视频监控点位台账"], ["填报单位：银州分局"]], rows_a),
            "说明": ([["本表说明"], ["请勿修改表头"]], None),
            "清河区": ([], rows_b),
        },
    )
    cameras, rejects = read_cameras(path)
    assert len(cameras) == 5
    assert set(cameras.source) == {"台账.xlsx"}
    bad = rejects[rejects.reason.str.contains("longitude")].iloc[0]
    # two title rows, the header on row 3, data from row 4: the fourth data row is row 7
    assert bad["sheet"] == "银州区" and bad["row"] == 7 and bad["column"] == "经度"
    skipped = rejects[rejects.sheet == "说明"]
    assert len(skipped) == 1 and skipped.row.isna().all()


def test_xlsx_numeric_cells(tmp_path: Path) -> None:
    row = camera_row(5, 经度=123.81, 纬度=42.3, 监控点位类型=1, 联网属性=1)
    path = write_xlsx(tmp_path / "n.xlsx", {"S": ([], [row])})
    cameras, rejects = read_cameras(path)
    assert rejects.empty
    assert cameras.lon.iloc[0] == pytest.approx(123.81)
    assert cameras.point_class.iloc[0] == 1 and bool(cameras.networked.iloc[0])


def test_blank_lines_and_ragged_rows_keep_row_numbers(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "g.csv", [camera_row(i) for i in range(3)])
    lines = good.read_text(encoding="utf-8").splitlines()
    # blank line after row 2, a short row (trailing fields missing), a row with too many fields
    short = ",".join(lines[2].split(",")[:6])
    text = "\n".join([lines[0], lines[1], "", short, lines[3] + ",extra1,extra2", lines[3]]) + "\n"
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    cameras, rejects = cameras_from_table(path)
    assert len(cameras) == 3
    assert list(rejects.row) == [5]
    assert "fields" in rejects.reason.iloc[0]
    assert list(cameras.device_id) == [camera_row(i)["设备编码"] for i in range(3)]
    assert cameras.address.isna().tolist() == [False, True, False]


def test_white_space_only_rows_are_not_rows(tmp_path: Path) -> None:
    rows = [
        camera_row(0),
        {h: " " for h in HEADERS_ZH},
        {h: "\u3000" for h in HEADERS_ZH},
        camera_row(1),
    ]
    cameras, rejects = read_cameras(write_csv(tmp_path / "w.csv", rows))
    assert len(cameras) == 2 and rejects.empty


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.9, 0.99])
def test_workbook_cut_anywhere_is_an_input_error(tmp_path: Path, fraction: float) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", {"点位": ([], [camera_row(i) for i in range(200)])})
    data = good.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(InputError, match=r"cut\.xlsx"):
        read_cameras(cut)


def test_unknown_format_and_crs_are_refused(tmp_path: Path) -> None:
    from sharpeyes import ConfigError

    path = write_csv(tmp_path / "a.csv", [camera_row(1)])
    with pytest.raises(InputError, match="unknown format"):
        read_cameras(path, fmt="dbf")
    with pytest.raises(ConfigError, match="unknown coordinate system"):
        read_cameras(path, crs="utm")
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\n"经度" = "longitude"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml.*unknown field 'longitude'"):
        read_cameras(path, mapping=bad)
    with pytest.raises(InputError, match="no such file"):
        read_cameras(tmp_path / "missing.csv")


@pytest.mark.slow
def test_big_file_threads_give_the_same_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sharpeyes.ingest.normalize as normalize

    n = 60_000
    rows = [camera_row(i % 5000, 设备编码=f"2112020000132{i:07d}") for i in range(n)]
    rows[7] = camera_row(7, 经度="abc")
    rows[9] = camera_row(9, 设备编码="21120200001320000001")  # duplicate of row 3's ID
    path = write_csv(tmp_path / "big.csv", rows)
    threaded, rejects_t = read_cameras(path)
    monkeypatch.setattr(normalize, "_PARALLEL_ROWS", 10**9)
    serial, rejects_s = read_cameras(path)
    assert len(threaded) == n - 1
    assert threaded.drop(columns="geometry").equals(serial.drop(columns="geometry"))
    assert rejects_t.equals(rejects_s)
    assert "duplicate device ID" in threaded.warnings.iloc[1]


def test_admin_code_that_is_a_name_is_not_used(tmp_path: Path) -> None:
    headers = (*HEADERS_ZH, "行政区划")
    rows = [camera_row(0, 行政区划="银州区"), camera_row(1, 行政区划="211202001")]
    cameras, _ = read_cameras(write_csv(tmp_path / "a.csv", rows, headers=headers))
    assert cameras.admin_code.iloc[0] == "211202"  # from the ID
    assert "'银州区' is not a division code" in cameras.warnings.iloc[0]
    assert cameras.admin_code.iloc[1] == "211202001"


def test_degrees_minutes_seconds_are_read_strictly(make_csv: MakeCsv) -> None:
    rows = [
        camera_row(0, 经度="123°50′30″E", 纬度="42°17′6″N"),  # typographic marks
        camera_row(1, 经度="东经123度50分30秒", 纬度="北纬42度17分6秒"),
        camera_row(2, 经度="123°75′E", 纬度="42.28"),  # 75 minutes is no angle
    ]
    cameras, rejects = read_cameras(make_csv("dms.csv", rows))
    by_id = cameras.set_index("device_id")
    for i in (0, 1):
        row = by_id.loc[f"2112020000132{i:07d}"]
        assert row["lon"] == pytest.approx(123 + 50 / 60 + 30 / 3600)
        assert row["lat"] == pytest.approx(42 + 17 / 60 + 6 / 3600)
    assert "21120200001320000002" not in by_id.index
    assert len(rejects) == 1


def test_a_blank_line_past_the_first_64_kib_keeps_row_numbers(tmp_path: Path) -> None:
    # the fast parse looks for blank lines only in the first 64 KiB of an unquoted file; past that a
    # blank line must still fail the fast parse (not be skipped), so the rows after it keep their numbers
    rows = [camera_row(i) for i in range(520)]
    rows[501] = camera_row(501, 经度=999.0)  # refused: longitude out of range
    lines = write_csv(tmp_path / "g.csv", rows).read_text(encoding="utf-8").splitlines()
    assert '"' not in "\n".join(lines) and len("\n".join(lines[:500]).encode()) > 1 << 16
    text = "\n".join([*lines[:501], "", *lines[501:]]) + "\n"
    path = tmp_path / "late_blank.csv"
    path.write_text(text, encoding="utf-8")
    cameras, rejects = cameras_from_table(path)
    assert list(rejects.row) == [504]  # header, 500 rows, the blank line, row 500, then row 501
    assert len(cameras) == 519
