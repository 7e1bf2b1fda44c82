"""Each stage of normalize_cameras alone, on a few raw text values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sharpeyes import ConfigError
from sharpeyes.ingest import ReadOptions, read_cameras, stages
from sharpeyes.ingest.options import read_options
from sharpeyes.ingest.parsing import Notes
from sharpeyes.ingest.stages import raw_columns
from sharpeyes.model.codes import PTZTYPE_TO_CAMERA_TYPE

GOOD_ID = "21120200001320000001"


def _warnings(notes: Notes) -> list[str]:
    return [str(w) for w in notes.warnings]


def test_coordinates_refuse_text_swap_back_and_drop_zero() -> None:
    raw = raw_columns(
        {"lon": ["123.8", "abc", "42.3", "0", None], "lat": ["42.3", "42", "123.8", "0", None]},
        headers={"lon": "经度", "lat": "纬度"},
    )
    notes = Notes(raw.n)
    coords = stages.coordinates(raw, notes, crs="wgs84", bbox=(72.0, 0.8, 137.9, 55.9))
    assert notes.refused.tolist() == [False, True, False, False, False]
    assert notes.rejects[0][1:] == ("经度", "abc", "longitude is not a number")
    assert coords.lon[2] == pytest.approx(123.8) and coords.lat[2] == pytest.approx(42.3)
    assert coords.have.tolist() == [True, False, True, False, False]
    assert "swapped" in _warnings(notes)[2]
    assert "(0, 0) dropped" in _warnings(notes)[3]
    assert _warnings(notes)[4] == "no coordinates"


def test_coordinates_convert_gcj02_and_refuse_an_unknown_system() -> None:
    raw = raw_columns({"lon": ["123.8"], "lat": ["42.3"]})
    coords = stages.coordinates(raw, Notes(1), crs="gcj02", bbox=None)
    assert 1e-4 < abs(coords.lon[0] - 123.8) < 0.02  # GCJ-02 is offset by a few hundred metres
    with pytest.raises(ConfigError):
        stages.coordinates(raw, Notes(1), crs="nope", bbox=None)


def test_streams_split_credentials_a_column_wins() -> None:
    raw = raw_columns(
        {"stream_url": ["rtsp://u:p@10.0.0.1/a", "rtsp://10.0.0.2/b"], "stream_user": ["col", None]}
    )
    urls = stages.streams(raw)
    assert urls.url.to_pylist() == ["rtsp://10.0.0.1/a", "rtsp://10.0.0.2/b"]
    assert urls.user.to_pylist() == ["col", None]
    assert urls.password.to_pylist() == ["p", None]


def test_identity_keeps_other_keys_and_refuses_rows_without_any() -> None:
    raw = raw_columns(
        {
            "device_id": [GOOD_ID, "123", None, None],
            "key": [None, "P-1", None, None],
            "stream_url": [None, None, "rtsp://10.0.0.3/c", None],
        }
    )
    notes = Notes(raw.n)
    coords = stages.Coordinates(
        np.full(4, np.nan), np.full(4, np.nan), np.zeros(4, bool), np.zeros(4, bool)
    )
    ident = stages.identity(raw, notes, coords, stages.streams(raw))
    assert notes.refused.tolist() == [False, False, False, True]
    ids = ident.device_id.to_pylist()
    assert ids[0] == GOOD_ID and ids[1] == "123" and ids[2].startswith("h:")
    assert "kept on its key" in _warnings(notes)[1]
    assert ident.id_valid.tolist() == [True, False, False, False]


def test_admin_codes_from_the_id_and_a_mismatch_warned() -> None:
    raw = raw_columns({"device_id": [GOOD_ID, GOOD_ID], "admin_code": [None, "211221"]})
    notes = Notes(2)
    ident = stages.Identity(raw.get("device_id"), raw.get("device_id"), np.array([True, True]))
    assert stages.admin_codes(raw, notes, ident).to_pylist() == ["211202", "211221"]
    assert "does not match" in _warnings(notes)[1] and _warnings(notes)[0] == ""


def test_id_type_codes_and_duplicates_warn() -> None:
    nvr = "21120200001180000001"
    raw = raw_columns({"device_id": [GOOD_ID, nvr, GOOD_ID]})
    notes = Notes(3)
    ident = stages.Identity(raw.get("device_id"), raw.get("device_id"), np.array([True] * 3))
    stages.id_type_codes(ident, notes)
    stages.duplicate_ids(ident.raw_id, np.array([2, 3, 4]), notes)
    warnings = _warnings(notes)
    assert "type code 118" in warnings[1]
    assert "also row 4" in warnings[0] and "also row 2" in warnings[2]


def test_classes_with_a_default_class_and_ptz_type() -> None:
    raw = raw_columns({"point_class": ["一类", None, "五类"], "ptz_type": ["1", "3", None]})
    notes = Notes(3)
    point_class, camera_type = stages.classes(raw, notes, point_class=3)
    assert point_class.tolist() == [1, 3, 3]
    assert "point class '五类' not understood" in _warnings(notes)[2]
    assert list(camera_type[:2]) == [PTZTYPE_TO_CAMERA_TYPE[1], PTZTYPE_TO_CAMERA_TYPE[3]]


def test_angles_direction_fills_heading_and_omni_is_360() -> None:
    raw = raw_columns({"heading_deg": ["400", None, "90"], "direction": [None, "全向", "东"]})
    notes = Notes(3)
    heading, fov, _ = stages.angles(raw, notes)
    assert np.isnan(heading[0]) and "not a bearing" in _warnings(notes)[0]
    assert fov[1] == 360.0
    assert heading[2] == 90.0  # the heading column wins over 监视方位


@pytest.mark.parametrize(("hd_min_lines", "expected"), [(1080, [True, False]), (720, [True, True])])
def test_picture_hd_by_threshold(hd_min_lines: int, expected: list[bool]) -> None:
    raw = raw_columns({"resolution": ["1920x1080", "720P"]})
    lines, is_hd = stages.picture(raw, Notes(2), hd_min_lines=hd_min_lines)
    assert lines.tolist() == [1080, 720]
    assert list(is_hd) == expected


def test_flags_networked_direction_and_status() -> None:
    raw = raw_columns({"networked": ["1", "已联网"], "status": ["在用", "??"]})
    notes = Notes(2)
    networked, _ = stages.flags(raw, notes, one_means_networked=False)
    assert list(networked) == [False, True]
    assert "status '??' not understood" in _warnings(notes)[1]


def test_text_fields_dates_as_iso_unknown_text_kept() -> None:
    raw = raw_columns({"install_date": ["2019/5/1", "去年"], "address": ["a", None]})
    notes = Notes(2)
    out = stages.text_fields(raw, notes)
    assert list(out["install_date"]) == ["2019-05-01", "去年"]
    assert "install date" in _warnings(notes)[1]
    assert out["address"].to_pylist() == ["a", None]


def test_mandatory_coordinates_for_class_i_and_ii() -> None:
    notes = Notes(3)
    stages.mandatory_coordinates(np.array([1, 3, 2]), np.array([False, False, True]), notes)
    assert [bool(w) for w in _warnings(notes)] == [True, False, False]


def test_read_options_fields_as_keywords_and_unknown_refused(tmp_path: Path) -> None:
    base = ReadOptions(crs="gcj02", hd_min_lines=720)
    assert read_options(base, {"source": "s"}) == ReadOptions(
        crs="gcj02", hd_min_lines=720, source="s"
    )
    assert read_options(None, {}) == ReadOptions()
    with pytest.raises(TypeError, match="hd_lines"):
        read_options(None, {"hd_lines": 1})
    path = tmp_path / "a.csv"
    path.write_text(
        "设备编码,经度,纬度,分辨率\n" + GOOD_ID + ",123.8,42.3,720P\n", encoding="utf-8"
    )
    by_object, _ = read_cameras(path, ReadOptions(hd_min_lines=720))
    by_keyword, _ = read_cameras(path, hd_min_lines=720)
    default, _ = read_cameras(path)
    assert bool(by_object.loc[0, "is_hd"]) and bool(by_keyword.loc[0, "is_hd"])
    assert not bool(default.loc[0, "is_hd"])
