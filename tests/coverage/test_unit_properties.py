"""Property test (#14 item 3): on random hierarchies — statistical or alphanumeric codes, parents
given or derived from the digits, levels given or told by the parents, county codes ending in
``00``, parents with and without children — every unit's ``cameras`` equals the cameras inside its
polygon, at every level: no camera is counted twice, none is lost."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharpeyes.coverage.kpis import kpis_by_unit
from sharpeyes.ingest.unit_checks import normalise_units

# A city of 0.2° × 0.1° near Tieling. Children split their parent into equal strips (counties and
# villages along x, townships along y), with one strip left to the parent when it has a remainder:
# borders fall on multiples of 1/144 of the width and 1/12 of the height, cameras never do.
_X0, _Y0, _W, _H = 123.0, 42.0, 0.2, 0.1
_NX, _NY = 144, 12


@dataclass
class _Node:
    code: str
    level: str
    parent: str | None
    box: tuple[float, float, float, float]  # fractions of the city: x0, y0, x1, y1


def _split(box: tuple[float, float, float, float], n: int, *, along_x: bool, remainder: bool):
    x0, y0, x1, y1 = box
    parts = n + int(remainder)
    for k in range(n):
        if along_x:
            yield (x0 + (x1 - x0) * k / parts, y0, x0 + (x1 - x0) * (k + 1) / parts, y1)
        else:
            yield (x0, y0 + (y1 - y0) * k / parts, x1, y0 + (y1 - y0) * (k + 1) / parts)


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[list[_Node], str, str]:
    """Nodes city → counties → townships → villages, and the code style and parent/level mode."""
    style = draw(st.sampled_from(["statistical", "alphanumeric"]))
    mode = draw(
        st.sampled_from(["given", "derived"] if style == "statistical" else ["given", "top"])
    )
    city = draw(st.sampled_from(["2199", "219900"])) if style == "statistical" else "CITY"
    nodes = [_Node(city, "city", None, (0.0, 0.0, 1.0, 1.0))]
    n_counties = draw(st.integers(1, 3))
    # with a 4-digit city, a county may end in 00 (its city is then told by the first 4 digits)
    first = 0 if city == "2199" else 1
    county_numbers = draw(
        st.lists(st.integers(first, 99), min_size=n_counties, max_size=n_counties, unique=True)
    )
    for c, cbox in zip(
        county_numbers, _split(nodes[0].box, n_counties, along_x=True, remainder=False), strict=True
    ):
        ccode = f"2199{c:02d}" if style == "statistical" else f"CO-{c}"
        nodes.append(_Node(ccode, "county", city, cbox))
        n_towns = draw(st.integers(0, 3))
        rest_t = draw(st.booleans())
        for t, tbox in enumerate(_split(cbox, n_towns, along_x=False, remainder=rest_t), start=1):
            tcode = f"{ccode}{t:03d}" if style == "statistical" else f"{ccode}/T{t}"
            nodes.append(_Node(tcode, "township", ccode, tbox))
            n_vill = draw(st.integers(0, 3))
            rest_v = draw(st.booleans())
            tails = draw(
                st.lists(st.integers(1, 599), min_size=n_vill, max_size=n_vill, unique=True)
            )
            for tail, vbox in zip(
                tails, _split(tbox, n_vill, along_x=True, remainder=rest_v), strict=True
            ):
                vcode = f"{tcode}{tail:03d}" if style == "statistical" else f"{tcode}/v{tail}"
                nodes.append(_Node(vcode, "village", tcode, vbox))
    return nodes, style, mode


def _units(nodes: list[_Node], mode: str) -> gpd.GeoDataFrame:
    def geom(b: tuple[float, float, float, float]) -> shapely.Polygon:
        return shapely.box(_X0 + b[0] * _W, _Y0 + b[1] * _H, _X0 + b[2] * _W, _Y0 + b[3] * _H)

    return gpd.GeoDataFrame(
        {
            "code": [n.code for n in nodes],
            "name": [f"u{i}" for i in range(len(nodes))],
            # "derived": levels given (a county may end in 00), parents from the digits;
            # "top": only the city's level, the others told by their parents
            "level": [n.level if mode != "top" or n.level == "city" else None for n in nodes],
            "parent_code": [None if mode == "derived" else n.parent for n in nodes],
        },
        geometry=[geom(n.box) for n in nodes],
        crs="EPSG:4326",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=hierarchies(),
    cells=st.lists(st.tuples(st.integers(0, _NX - 1), st.integers(0, _NY - 1)), max_size=40),
)
def test_every_unit_counts_the_cameras_inside_it_once(
    tree: tuple[list[_Node], str, str], cells: list[tuple[int, int]]
) -> None:
    nodes, _style, mode = tree
    layer = normalise_units(_units(nodes, mode))
    units = layer.units
    assert len(units) == len(nodes)  # every unit imported, whatever its code
    assert not (units["parent_code"] == units["code"]).any()
    x = np.array([_X0 + (i + 0.5) / _NX * _W for i, _ in cells])
    y = np.array([_Y0 + (j + 0.5) / _NY * _H for _, j in cells])
    cameras = gpd.GeoDataFrame(
        {
            "device_id": [f"c{k}" for k in range(len(cells))],
            "networked": pd.array([k % 2 == 0 for k in range(len(cells))], dtype="boolean"),
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:4326",
    )
    kpis = kpis_by_unit(cameras, units, area="none")
    rows = kpis[kpis["point_class"] == "all"].set_index("unit_code")
    assert set(rows.index) == set(units["code"])
    for code, geometry in zip(units["code"], units.geometry, strict=True):
        inside = shapely.contains_xy(geometry, x, y)
        assert rows.loc[code, "cameras"] == inside.sum(), code
        assert rows.loc[code, "networked"] == (inside & (np.arange(len(x)) % 2 == 0)).sum(), code
