from __future__ import annotations

import json
from pathlib import Path

from sharpeyes.demo.places import write_places_and_roads
from sharpeyes.ingest.places import places_from_file, roads_from_file

from .conftest import tiny_units


def test_demo_places_and_roads_are_labelled_and_deterministic(tmp_path: Path) -> None:
    units = tiny_units()
    a = write_places_and_roads(units, tmp_path / "a", seed=3)
    b = write_places_and_roads(units, tmp_path / "b", seed=3)
    assert a[0].read_bytes() == b[0].read_bytes() and a[1].read_bytes() == b[1].read_bytes()
    places = places_from_file(a[0]).frame
    roads = roads_from_file(a[1]).frame
    assert {
        "station",
        "school",
        "hospital",
        "government",
        "bank",
        "square",
        "mall",
        "scenic",
    } <= set(places["category"])
    assert places["name"].str.endswith("（模拟）").all()
    assert "secondary" in set(roads["road_class"])
    doc = json.loads(a[0].read_text(encoding="utf-8"))
    assert "SYNTHETIC" in doc["description"]
    assert all(f["properties"]["source"] == "synthetic" for f in doc["features"])
    # every place lies inside the units
    assert places.within(units.union_all()).all()
