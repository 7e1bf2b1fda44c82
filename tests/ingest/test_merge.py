"""The merge and conflict rules alone, on small hand-made frames (no database)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sharpeyes.ingest.merge import (
    MASK,
    Rows,
    incoming_rows,
    merge_cameras,
    merge_duplicate_rows,
    merged_state,
    take,
)
from tests.store._frames import camera_frame, device_id


def _rows(frame: pd.DataFrame, source: str) -> Rows:
    rows, no_key, _ = incoming_rows(frame, source=None)
    rows["source"][:] = source
    return take(rows, ~no_key)


def _state(*imports: tuple[pd.DataFrame, str]) -> Rows | None:
    state: Rows | None = None
    for frame, source in imports:
        state = merged_state(state, merge_cameras(_rows(frame, source), state))
    return state


def _at(state: Rows, camera: str, field: str) -> Any:
    return state[field][list(state["device_id"]).index(camera)]


def test_into_nothing_everything_is_new_and_nothing_is_logged() -> None:
    result = merge_cameras(_rows(camera_frame(3), "a"), None)
    assert result.new.tolist() == [True, True, True]
    assert result.changes.empty and not result.conflicts
    assert (result.updated, result.unchanged) == (0, 0)


def test_nulls_never_blank_a_value() -> None:
    stored = _state((camera_frame(2), "a"))
    blank = camera_frame(2, address=None, name=None, stream_password=None)
    result = merge_cameras(_rows(blank, "a"), stored)
    assert result.changes.empty and result.updated == 0 and result.unchanged == 2
    after = merged_state(stored, result)
    assert _at(after, device_id(1), "address") == "银州区 街道 1 号"
    assert _at(after, device_id(1), "stream_password") == "secret1"


def test_a_value_changed_by_another_source_is_a_conflict_and_logged() -> None:
    stored = _state((camera_frame(2), "contractor"))
    renamed = camera_frame(2, name=["铁岭 点位 0", "改名"])
    result = merge_cameras(_rows(renamed, "platform"), stored)
    assert list(result.conflicts) == [device_id(1)]
    assert "name was '铁岭 点位 1' from contractor" in result.conflicts[device_id(1)][0]
    log = result.changes.set_index(["device_id", "field"])
    assert log.loc[(device_id(1), "name"), "before"] == "铁岭 点位 1"
    assert log.loc[(device_id(1), "name"), "after"] == "改名"
    # both cameras gain the second source; only camera 1 changed a value
    assert set(log.index.get_level_values("field")) == {"name", "source"}
    after = merged_state(stored, result)
    assert _at(after, device_id(1), "source") == "contractor; platform"
    assert "conflict with another source" in _at(after, device_id(1), "warnings")
    assert _at(after, device_id(1), "provenance")["name"] == "platform"


def test_the_same_source_correcting_itself_is_no_conflict() -> None:
    stored = _state((camera_frame(1), "a"))
    result = merge_cameras(_rows(camera_frame(1, name="新名"), "a"), stored)
    assert not result.conflicts and result.updated == 1
    assert result.changes["field"].tolist() == ["name"]


def test_re_merging_gives_no_changes_even_between_two_sources_in_turn() -> None:
    first, second = camera_frame(3), camera_frame(3, name="改名", address=None)
    stored = _state((first, "a"), (second, "b"))
    assert stored is not None
    for frame, source in ((first, "a"), (second, "b"), (first, "a")):
        result = merge_cameras(_rows(frame, source), stored)
        assert result.changes.empty, source
        assert (result.updated, result.unchanged) == (0, 3)
        stored = merged_state(stored, result)
    assert _at(stored, device_id(2), "name") == "改名"


def test_credentials_are_compared_but_logged_masked() -> None:
    stored = _state((camera_frame(1), "a"))
    result = merge_cameras(_rows(camera_frame(1, stream_password="new"), "a"), stored)
    row = result.changes.set_index("field").loc["stream_password"]
    assert (row["before"], row["after"]) == (MASK, MASK)
    assert result.credentials["stream_password"].tolist() == ["new"]


def test_extra_is_a_dict_merge_new_keys_win() -> None:
    old = camera_frame(1)
    old.loc[0, "extra"] = '{"品牌": "海康", "楼层": 3}'
    stored = _state((old, "a"))
    new = camera_frame(1)
    new.loc[0, "extra"] = '{"楼层": 4}'
    result = merge_cameras(_rows(new, "a"), stored)
    change = result.changes.set_index("field").loc["extra"]
    assert change["before"] == {"品牌": "海康", "楼层": 3}
    assert change["after"] == {"品牌": "海康", "楼层": 4}


def test_rows_of_one_camera_in_one_file_merge_later_non_null_wins() -> None:
    frame = camera_frame(3)
    frame.loc[2, "device_id"] = device_id(0)
    frame.loc[2, "address"] = None
    frame.loc[0, "warnings"] = "first doubt"
    frame.loc[2, "warnings"] = "second doubt"
    rows = merge_duplicate_rows(_rows(frame, "a"))
    assert rows["device_id"].tolist() == [device_id(1), device_id(0)]
    assert rows["name"][1] == "铁岭 点位 2"
    assert rows["address"][1] == "银州区 街道 0 号"
    assert rows["warnings"][1] == "first doubt; second doubt"


def test_incoming_rows_refuse_rows_without_a_key() -> None:
    frame = camera_frame(3)
    frame.loc[1, "device_id"] = "  "
    rows, no_key, rejects = incoming_rows(frame, source="s")
    assert no_key.tolist() == [False, True, False]
    assert rejects["column"].tolist() == ["device_id"]
    assert np.all(rows["source"] == "s")
