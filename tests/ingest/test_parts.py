"""A registry read in parts (for the store to write one while the next is validated) is the same
registry: concatenated, the parts are what the whole-file reader returns, duplicate IDs included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sharpeyes.ingest import read_cameras
from sharpeyes.ingest.normalize import concat_results
from sharpeyes.ingest.parts import camera_parts
from tests.ingest.conftest import camera_row, write_xlsx


def _rows() -> list[dict[str, object]]:
    """23 rows: an ID given in the first and the last part, one given twice in the middle part,
    a refused row, a warned one and a blank one."""
    rows = [camera_row(i) for i in range(20)]
    rows[4] = camera_row(4, 经度="东经abc")  # refused: the longitude is not a number
    rows[6] = camera_row(6, 经度="0", 纬度="0")  # warned: (0, 0) dropped
    rows[9] = dict.fromkeys(rows[9], " ")  # blank row
    rows.append(camera_row(1, 设备名称="row 1 again"))  # ID of row 1, far away
    rows.append(camera_row(12, 设备名称="row 12 again"))  # next to row 12's part
    rows.append(camera_row(21, 设备编码="ABC"))  # kept on its stream URL, with a warning
    return rows


def _same(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]], whole: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    cameras, rejects = concat_results(parts)
    pd.testing.assert_frame_equal(pd.DataFrame(cameras), pd.DataFrame(whole[0]))
    pd.testing.assert_frame_equal(rejects, whole[1])


@pytest.mark.parametrize("part_rows", [1, 5, 8, 100])
def test_parts_of_a_csv_are_the_whole_file(make_csv: Callable[..., Path], part_rows: int) -> None:
    path = make_csv("registry.csv", _rows())
    whole = read_cameras(path, source_rows=True)
    parts = list(camera_parts(path, part_rows=part_rows, source_rows=True))
    assert len(parts) == (1 if part_rows >= 23 else -(-23 // part_rows))
    _same(parts, whole)
    warnings = whole[0].set_index("row")["warnings"]
    # told over the whole file: rows 3 (ID of the 2nd data row) and 22 name each other
    assert "also row 22" in str(warnings.loc[3]) and "also row 3" in str(warnings.loc[22])
    assert whole[1]["row"].tolist() == [6]


def test_a_workbook_is_one_part(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "registry.xlsx", {"cameras": ((), _rows())})
    parts = list(camera_parts(path, part_rows=5))
    assert len(parts) == 1
    _same(parts, read_cameras(path))
