"""Code tables read the spellings registries use."""

from __future__ import annotations

import pandas as pd
import pytest

from sharpeyes.model import codes
from sharpeyes.model.gb28181 import decode_ids, id_problem, make_device_id, parse_device_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        ("I", 1),
        ("一类", 1),
        ("一类点", 1),
        ("II", 2),
        ("二类点位", 2),
        ("3", 3),
        (3.0, 3),
        ("class III", 3),
        ("其他", 9),
        ("x", None),
        (None, None),
    ],
)
def test_point_class(value: object, expected: int | None) -> None:
    assert codes.parse_point_class(value) == expected


@pytest.mark.parametrize(
    ("value", "flip", "expected"),
    [
        ("已联网", False, True),
        ("未联网", False, False),
        ("是", False, True),
        ("1", False, True),
        (1, True, False),
        ("0", True, True),
        ("maybe", False, None),
    ],
)
def test_networked_respects_the_source_direction(
    value: object, flip: bool, expected: bool | None
) -> None:
    assert codes.parse_networked(value, one_means_networked=not flip) == expected


@pytest.mark.parametrize(
    ("value", "lines"),
    [
        ("1920x1080", 1080),
        ("1080P", 1080),
        ("D1", 576),
        ("4MP", 1440),
        ("200万", 1080),
        ("5/6", 1080),
        ("720p", 720),
        ("", None),
        ("abc", None),
    ],
)
def test_resolution_lines(value: str, lines: int | None) -> None:
    assert codes.parse_resolution_lines(value) == lines


def test_device_id_round_trip() -> None:
    dev = make_device_id("211202", type_code=132, network_id=8, serial=42)
    parsed = parse_device_id(dev)
    assert (parsed.admin_code, parsed.type_code, parsed.network_id, parsed.is_camera) == (
        "211202",
        132,
        8,
        True,
    )


@pytest.mark.parametrize("bad", ["2112020000132000001", "21120200001320000A12", "", None])
def test_bad_ids_say_why(bad: object) -> None:
    assert id_problem(bad)


def test_decode_ids_vectorised() -> None:
    out = decode_ids(pd.Series(["21120200001320000001", "123", None]))
    assert out["valid"].tolist() == [True, False, False]
    assert out.loc[0, "admin_code"] == "211202"
    assert bool(out.loc[0, "is_camera"])
