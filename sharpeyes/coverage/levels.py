"""Which levels of the hierarchy a store holds: a new office imports counties first, villages from
a code list later, townships perhaps never. Reports and gap lists say what is missing instead of
failing on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
import shapely

from sharpeyes.model.frames import obj_array

__all__ = ["EXPECTED_LEVELS", "UnitLevels", "unit_levels"]

#: The levels a complete hierarchy has below the city (a city row is optional).
EXPECTED_LEVELS: Final = ("county", "township", "village")


@dataclass(frozen=True)
class UnitLevels:
    """Units per level, the expected levels with no unit, and the levels none of whose units has
    a polygon (their cameras are counted by code only, their area is unknown)."""

    counts: dict[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    without_polygons: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        return {
            "units_by_level": dict(self.counts),
            "missing_levels": list(self.missing),
            "levels_without_polygons": list(self.without_polygons),
        }


def unit_levels(units: pd.DataFrame) -> UnitLevels:
    """The :class:`UnitLevels` of ``units`` (``level`` column, geometry optional)."""
    levels = obj_array(units["level"]) if "level" in units and len(units) else obj_array([])
    counts = {str(k): int(v) for k, v in pd.Series(levels, dtype=object).value_counts().items()}
    missing = tuple(lvl for lvl in EXPECTED_LEVELS if not counts.get(lvl))
    drawn: set[str] = set()
    if len(units) and "geometry" in units:
        geo = units["geometry"].to_numpy()
        has = ~(shapely.is_missing(geo) | shapely.is_empty(geo))
        drawn = {str(v) for v in levels[has]}
    order = ("city", *EXPECTED_LEVELS)
    present = sorted(counts, key=lambda v: order.index(v) if v in order else len(order))
    without = tuple(lvl for lvl in present if lvl not in drawn)
    return UnitLevels(counts=counts, missing=missing, without_polygons=without)
