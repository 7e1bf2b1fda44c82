"""The record's own rules alone: parent codes, credentials out of URLs, the extra bag."""

from __future__ import annotations

import json

import pandas as pd

from sharpeyes.ingest.record import (
    fill_parent_codes,
    finish_record,
    pack_extra,
    split_stream_credentials,
)
from tests.store._frames import camera_frame


def test_parent_codes_come_from_the_longer_code_only_where_missing() -> None:
    frame = camera_frame(3, admin_code=None, township_code=None)
    frame.loc[0, "township_code"] = "211221001"
    frame.loc[2, "village_code"] = "21x202002003"  # not digits: not used
    out = fill_parent_codes(frame)
    assert out["township_code"].tolist()[:2] == ["211221001", "211202001"]
    assert out["admin_code"].tolist()[:2] == ["211221", "211202"]
    assert pd.isna(out.loc[2, "township_code"]) and pd.isna(out.loc[2, "admin_code"])
    assert frame["admin_code"].isna().all()  # the input is left as it was


def test_credentials_leave_the_url_and_never_overwrite_given_ones() -> None:
    frame = camera_frame(2, stream_user=None, stream_password=None)
    frame.loc[0, "stream_url"] = "rtsp://admin:p%40ss@10.0.0.9:554/ch1"
    frame.loc[1, "stream_url"] = "rtsp://u:pw@10.0.0.8/ch1"
    frame.loc[1, "stream_user"] = "given"
    out = split_stream_credentials(frame)
    assert out["stream_url"].tolist() == ["rtsp://10.0.0.9:554/ch1", "rtsp://10.0.0.8/ch1"]
    assert out["stream_user"].tolist() == ["admin", "given"]
    assert out["stream_password"].tolist() == ["p@ss", "pw"]


def test_other_columns_go_into_extra_without_overwriting_its_keys() -> None:
    frame = camera_frame(2)
    frame.loc[0, "extra"] = '{"品牌": "海康"}'
    frame["品牌"] = ["大华", None]
    frame["楼层"] = [3, None]
    out = pack_extra(frame)
    assert "品牌" not in out.columns and "楼层" not in out.columns
    assert json.loads(out.loc[0, "extra"]) == {"品牌": "海康", "楼层": 3}
    assert pd.isna(out.loc[1, "extra"])


def test_a_finished_frame_is_returned_as_it_is() -> None:
    frame = camera_frame(3)
    finished = finish_record(frame)
    assert finish_record(finished) is finished
