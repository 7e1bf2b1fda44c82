"""Generate the synthetic province (:mod:`sharpeyes.demo.province`) into a store, county by county.

The units, places, roads and the network topology replace those layers; the cameras are streamed
into ``cameras`` by the bulk path (``COPY`` on PostGIS, :func:`sharpeyes.store.loads.load_cameras`),
one county's block at a time, so the whole inventory is never held in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import geopandas as gpd
import pandas as pd

from sharpeyes._errors import AnalysisError
from sharpeyes.demo.province import (
    ProvinceSpec,
    county_parts,
    province_roads,
    province_units,
    upper_network,
)
from sharpeyes.model.columns import WGS84
from sharpeyes.store import Store
from sharpeyes.store.loads import load_cameras

__all__ = ["generate_province"]


def generate_province(
    store: Store,
    spec: ProvinceSpec,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the province of ``spec`` into ``store`` (whose ``cameras`` table must be empty).

    Returns the counts written (``cities`` … ``villages``, ``cameras``, ``places``, ``roads``,
    ``nodes``, ``links``, ``access_switches``) and ``seconds`` per stage (``units``, ``cameras``,
    ``layers``).
    """
    say = progress or (lambda _message: None)
    if store.count_cameras() > 0:
        raise AnalysisError(
            "the store already holds cameras: generate the synthetic province into an empty store"
        )
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    units = province_units(spec)
    store.replace_units(units.units)
    seconds["units"] = time.perf_counter() - start
    say(f"units: {len(units.units):,} in {seconds['units']:.1f} s")
    places: list[gpd.GeoDataFrame] = []
    nodes: list[pd.DataFrame] = []
    links: list[pd.DataFrame] = []

    def blocks() -> Iterator[pd.DataFrame]:
        for part in county_parts(units):
            places.append(part.places)
            nodes.append(part.nodes)
            links.append(part.links)
            yield part.cameras

    start = time.perf_counter()
    cameras = load_cameras(
        store.db,
        blocks(),
        on_block=lambda n: say(f"cameras: {n:,} ({time.perf_counter() - start:.0f} s)"),
    )
    seconds["cameras"] = time.perf_counter() - start
    start = time.perf_counter()
    all_places = gpd.GeoDataFrame(pd.concat(places, ignore_index=True), crs=WGS84)
    store.replace_places(all_places)
    roads = province_roads(units)
    store.replace_roads(roads)
    up_nodes, up_links = upper_network(units)
    all_nodes = pd.concat([up_nodes, *nodes], ignore_index=True)
    all_links = pd.concat([up_links, *links], ignore_index=True)
    store.replace_network(all_nodes, all_links)
    seconds["layers"] = time.perf_counter() - start
    levels = units.units["level"].value_counts()
    return {
        **{plural: int(levels.get(level, 0)) for level, plural in _LEVELS},
        "cameras": cameras,
        "places": len(all_places),
        "roads": len(roads),
        "nodes": len(all_nodes),
        "links": len(all_links),
        "access_switches": int((all_nodes["kind"] == "access").sum()),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


_LEVELS = (
    ("city", "cities"),
    ("county", "counties"),
    ("township", "townships"),
    ("village", "villages"),
)
