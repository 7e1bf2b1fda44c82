"""The synthetic province's units are near-square, as its spec says (``village_m`` on a side),
not slivers: a village 6 m wide and 321 km tall made every field of view cross dozens of
villages, and one full-size county's exact area cost 100× a compact one's."""

from __future__ import annotations

import math

import numpy as np
import shapely

from sharpeyes.demo.province import ProvinceSpec, province_units


def test_villages_are_about_village_m_on_a_side() -> None:
    spec = ProvinceSpec.scaled(0.01)
    units = province_units(spec).units
    lat = math.radians(spec.origin[1])
    for level, count in (("village", spec.villages), ("county", spec.counties)):
        b = shapely.bounds(units[units["level"] == level].geometry.to_numpy())
        width_m = (b[:, 2] - b[:, 0]) * 111_320.0 * math.cos(lat)
        height_m = (b[:, 3] - b[:, 1]) * 111_320.0
        ratio = np.maximum(width_m, height_m) / np.minimum(width_m, height_m)
        assert ratio.max() < 2.5, (level, ratio.max())
        if level == "village":
            side_m = np.sqrt(width_m * height_m)
            assert np.allclose(side_m, spec.village_m, rtol=0.2), (side_m.min(), side_m.max())
        assert len(b) == count
