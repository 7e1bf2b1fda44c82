"""Degrees-minutes-seconds as registries write them: ``123°50′30″E``, ``北纬41°17'6"``, ``123度50分30秒``.

A strict, pure parser: minutes and seconds must be below 60 (``123°75′`` is refused, not read as
124.25), only the last part may have decimals, the hemisphere (N/S/E/W, 东/西/南/北, 东经/西经/北纬/南纬)
may come before or after but once, and never beside a sign. Marks: degrees ``°`` ``º`` ``˚`` ``度``;
minutes ``'`` ``′`` ``’`` ``分``; seconds ``"`` ``″`` ``”`` ``''`` ``′′`` ``秒``. Full-width digits are read.
A bare number (``123.5``) is degrees. The result is decimal degrees, negative for S and W.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_WIDE: Final = str.maketrans("０１２３４５６７８９．－＋−", "0123456789.-+-")
_HEMISPHERES: Final = {
    "东经": "E",
    "西经": "W",
    "北纬": "N",
    "南纬": "S",
    "N": "N",
    "S": "S",
    "E": "E",
    "W": "W",
    "东": "E",
    "西": "W",
    "南": "S",
    "北": "N",
}
_HEMI = "|".join(sorted(map(re.escape, _HEMISPHERES), key=len, reverse=True))
_PREFIX = re.compile(rf"^(?:{_HEMI})", re.IGNORECASE)
_SUFFIX = re.compile(rf"(?:{_HEMI})$", re.IGNORECASE)
_PART = re.compile(
    r"\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<mark>[°º˚度]|''|′′|’’|[\"″”秒]|['′’分])?"
)
_UNITS: Final = ("degrees", "minutes", "seconds")
_MARK_UNIT: Final = {
    **dict.fromkeys(("°", "º", "˚", "度"), "degrees"),
    **dict.fromkeys(("'", "′", "’", "分"), "minutes"),
    **dict.fromkeys(('"', "″", "”", "秒", "''", "′′", "’’"), "seconds"),
}


@dataclass(frozen=True)
class Dms:
    """A parse: ``degrees`` (decimal, signed) or ``None`` with the ``reason`` it was refused."""

    degrees: float | None
    reason: str | None = None


def read_dms(text: object) -> Dms:
    """Parse ``text`` as an angle; see the module docstring. Never raises."""
    if text is None:
        return Dms(None, "empty")
    body = str(text).strip().translate(_WIDE)
    if not body:
        return Dms(None, "empty")
    hemisphere, body, problem = _hemisphere(body)
    if problem:
        return Dms(None, problem)
    sign = 1.0
    if body[:1] in "+-":
        if hemisphere:
            return Dms(None, f"both a sign and a hemisphere in {text!r}")
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    parts, problem = _parts(body.strip())
    if problem:
        return Dms(None, f"{problem} in {text!r}")
    values = dict(parts)
    degrees = values.get("degrees", 0.0)
    for unit in ("minutes", "seconds"):
        if values.get(unit, 0.0) >= 60:
            return Dms(None, f"{unit} must be below 60, got {values[unit]:g} in {text!r}")
    limit = 90 if hemisphere in ("N", "S") else 180
    value = degrees + values.get("minutes", 0.0) / 60 + values.get("seconds", 0.0) / 3600
    if value > limit:
        return Dms(None, f"{value:g}° is beyond {limit}° in {text!r}")
    if hemisphere in ("S", "W"):
        sign = -1.0
    return Dms(sign * value)


def parse_dms(text: object) -> float | None:
    """Decimal degrees of ``text`` (``123°50′30″E`` → 123.841667), or ``None`` when it is not a
    valid angle (:func:`read_dms` tells why)."""
    return read_dms(text).degrees


def _hemisphere(body: str) -> tuple[str | None, str, str | None]:
    """(N/S/E/W or None, the rest, a problem)."""
    found = []
    prefix = _PREFIX.search(body)
    if prefix:
        found.append(_HEMISPHERES[prefix.group(0).upper()])
        body = body[prefix.end() :].strip()
    suffix = _SUFFIX.search(body)
    if suffix:
        found.append(_HEMISPHERES[suffix.group(0).upper()])
        body = body[: suffix.start()].strip()
    if len(found) == 2:
        return None, body, f"hemisphere given twice ({found[0]} and {found[1]})"
    if not body:
        return None, body, "no number"
    return (found[0] if found else None), body, None


def _parts(body: str) -> tuple[list[tuple[str, float]], str | None]:
    """[(unit, value)] in the order degrees, minutes, seconds, or a problem."""
    parts: list[tuple[str, float]] = []
    decimals = []
    at = 0
    while at < len(body):
        match = _PART.match(body, at)
        if not match or match.end() == at:
            return [], f"unexpected {body[at:]!r}"
        at = match.end()
        mark = match.group("mark")
        expected = _UNITS[len(parts)] if len(parts) < 3 else None
        unit = _MARK_UNIT[mark] if mark else expected
        if mark is None and at < len(body.rstrip()):
            return [], f"no mark after {match.group('number')!r}"
        if unit is None or unit != expected:
            if not parts and unit is not None:
                return [], f"{unit} without degrees"
            return [], f"{unit or 'a part'} out of order"
        parts.append((unit, float(match.group("number"))))
        decimals.append("." in match.group("number"))
    if not parts:
        return [], "no number"
    if any(decimals[:-1]):
        return [], "only the last part may have decimals"
    return parts, None


__all__ = ["Dms", "parse_dms", "read_dms"]
