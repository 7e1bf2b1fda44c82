"""Property-based: whatever rows arrive, an import loses none and a second import changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharpeyes.store import Store
from tests.store._frames import camera_frame, device_id

_TEXT = st.one_of(st.none(), st.text(max_size=12))
_ROW = st.fixed_dictionaries(
    {
        "serial": st.one_of(st.none(), st.integers(0, 15)),
        "name": _TEXT,
        "address": _TEXT,
        "point_class": st.one_of(st.none(), st.sampled_from([1, 2, 3, 4, 9])),
        "lon": st.one_of(st.none(), st.floats(73, 136)),
        "networked": st.one_of(st.none(), st.booleans()),
        "stream_password": _TEXT,
    }
)


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = camera_frame(len(rows))
    for i, row in enumerate(rows):
        serial = row["serial"]
        frame.loc[i, "device_id"] = None if serial is None else device_id(int(serial))  # type: ignore[call-overload]
        for column in ("name", "address", "point_class", "lon", "networked", "stream_password"):
            frame.loc[i, column] = row[column]
    return frame


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(_ROW, max_size=25), st.lists(_ROW, max_size=25))
def test_no_row_lost_and_reimport_is_a_no_op(
    first_rows: list[dict[str, object]], second_rows: list[dict[str, object]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 's.db'}")
        try:
            for source, rows in (("a", first_rows), ("b", second_rows)):
                frame = _frame(rows)
                keyed = frame["device_id"].dropna()
                result = store.import_cameras(frame, None, source=source, file=f"{source}.csv")
                assert result.accepted + result.refused == len(frame)
                assert result.refused == len(frame) - len(keyed)
                assert result.inserted + result.updated + result.unchanged == keyed.nunique()
                cameras = store.cameras(include_credentials=True)
                assert cameras["device_id"].is_unique
                assert set(keyed) <= set(cameras["device_id"])
                # the last non-null value of a field in this file is the stored one
                for camera_id, group in frame.dropna(subset=["device_id"]).groupby("device_id"):
                    stored = cameras.set_index("device_id").loc[camera_id]
                    for column in ("name", "address", "stream_password"):
                        given_values = group[column].dropna()
                        if len(given_values):
                            assert stored[column] == given_values.iloc[-1]
                before = store.cameras(include_credentials=True)
                changes = len(store.changes())
                again = store.import_cameras(frame, None, source=source, file=f"{source}.csv")
                assert again.inserted == 0 and again.updated == 0
                assert len(store.changes()) == changes
                pd.testing.assert_frame_equal(store.cameras(include_credentials=True), before)
        finally:
            store.close()
