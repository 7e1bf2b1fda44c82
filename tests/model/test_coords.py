"""The strict degrees-minutes-seconds parser: every mark registries use, nothing out of range."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharpeyes.model.coords import parse_dms, read_dms

_D, _M, _S = 123 + 50 / 60 + 30 / 3600, 41 + 17 / 60, 41 + 17 / 60 + 6 / 3600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123°50′30″", _D),
        ("123°50′30″E", _D),
        ("E123°50′30″", _D),
        ("123° 50′ 30″ E", _D),
        ("123°50'30\"", _D),
        ("123°50'30''", _D),
        ("123°50′30′′", _D),
        ("123º50’30”", _D),
        ("123度50分30秒", _D),
        ("东经123度50分30秒", _D),
        ("123°50′30″东", _D),
        ("１２３°５０′３０″", _D),
        ("123°50′30", _D),
        ("北纬41°17′", _M),
        ("41°17'6\"N", _S),
        ("41°17′6″北", _S),
        ("41°17′6″S", -_S),
        ("南纬41°17′6″", -_S),
        ("W 70°30′", -70.5),
        ("西经70°30′", -70.5),
        ("-70°30′", -70.5),
        ("−70°30′", -70.5),
        ("123°50.5′", 123 + 50.5 / 60),
        ("123°50′30.25″", 123 + 50 / 60 + 30.25 / 3600),
        ("123.8416°", 123.8416),
        ("123.5", 123.5),
        ("0°0′0″", 0.0),
        ("180°", 180.0),
        ("90°N", 90.0),
    ],
)
def test_accepted(text: str, expected: float) -> None:
    result = read_dms(text)
    assert result.reason is None
    assert result.degrees is not None and math.isclose(result.degrees, expected, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("123°75′E", "minutes must be below 60, got 75"),
        ("123°60′", "minutes must be below 60, got 60"),
        ("123°50′60″", "seconds must be below 60, got 60"),
        ("123°50′75.5″", "seconds must be below 60"),
        ("123°50.5′30″", "only the last part may have decimals"),
        ("123.5°30′", "only the last part may have decimals"),
        ("50′30″", "minutes without degrees"),
        ("123°30″", "seconds out of order"),
        ("123°30′20′", "minutes out of order"),
        ("91°N", "beyond 90°"),
        ("181°E", "beyond 180°"),
        ("-33°52′S", "both a sign and a hemisphere"),
        ("N41°17′E", "hemisphere given twice"),
        ("12 34", "no mark after '12'"),
        ("123°50′30″x", "unexpected"),
        ("abc", "unexpected"),
        ("E", "no number"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_refused_with_a_reason(text: str | None, reason: str) -> None:
    result = read_dms(text)
    assert result.degrees is None and parse_dms(text) is None
    assert result.reason is not None and reason in result.reason


_MARKS = st.sampled_from(
    [("°", "′", "″"), ("°", "'", '"'), ("°", "'", "''"), ("度", "分", "秒"), ("º", "’", "”")]
)
_HEMI = st.sampled_from(["", "N", "S", "E", "W", "东", "西", "南", "北", "北纬", "东经"])


@given(
    degrees=st.integers(0, 89),
    minutes=st.integers(0, 59),
    seconds=st.decimals(0, "59.99", places=2),
    marks=_MARKS,
    hemisphere=_HEMI,
    before=st.booleans(),
    spaces=st.sampled_from(["", " "]),
)
def test_every_valid_angle_reads_back(
    degrees: int,
    minutes: int,
    seconds: object,
    marks: tuple[str, str, str],
    hemisphere: str,
    before: bool,
    spaces: str,
) -> None:
    d, m, s = marks
    body = f"{degrees}{d}{spaces}{minutes}{m}{spaces}{seconds}{s}"
    text = f"{hemisphere}{spaces}{body}" if before else f"{body}{spaces}{hemisphere}"
    value = degrees + minutes / 60 + float(str(seconds)) / 3600
    sign = -1 if hemisphere in ("S", "W", "西", "南") else 1
    got = parse_dms(text)
    assert got is not None, (text, read_dms(text).reason)
    assert math.isclose(got, sign * value, abs_tol=1e-9)


@given(degrees=st.integers(0, 89), minutes=st.integers(60, 999), seconds=st.integers(0, 59))
def test_minutes_of_60_or_more_are_never_accepted(degrees: int, minutes: int, seconds: int) -> None:
    assert parse_dms(f"{degrees}°{minutes}′{seconds}″") is None
    assert parse_dms(f"{degrees}°{seconds}′{minutes}″") is None
