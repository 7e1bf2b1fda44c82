from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sharpeyes._errors import InputError
from sharpeyes.ingest.places import place_category, places_from_file, road_class, roads_from_file

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="42.30" lon="123.84"><tag k="amenity" v="school"/><tag k="name" v="铁岭一中"/></node>
  <node id="2" lat="42.31" lon="123.85"><tag k="amenity" v="hospital"/><tag k="name" v="中心医院"/></node>
  <node id="3" lat="42.32" lon="123.86"><tag k="railway" v="station"/><tag k="name" v="铁岭站"/></node>
  <node id="4" lat="42.33" lon="123.87"><tag k="natural" v="tree"/></node>
  <node id="10" lat="42.30" lon="123.80"/>
  <node id="11" lat="42.30" lon="123.90"/>
  <node id="12" lat="42.35" lon="123.90"/>
  <node id="13" lat="42.36" lon="123.91"/>
  <way id="100"><nd ref="10"/><nd ref="11"/><tag k="highway" v="trunk"/><tag k="ref" v="G102"/></way>
  <way id="101"><nd ref="11"/><nd ref="12"/><tag k="highway" v="secondary_link"/></way>
  <way id="102"><nd ref="12"/><nd ref="13"/><tag k="waterway" v="river"/></way>
</osm>
"""


def test_category_and_class_words() -> None:
    assert place_category("学校") == "school"
    assert place_category("县人民医院") == "hospital"
    assert place_category("bus_station") == "station"
    assert place_category("工商银行") == "bank"
    assert place_category("carwash") == "other"
    assert place_category(None) is None
    assert road_class("国道") == "trunk"
    assert road_class("G102") == "trunk"
    assert road_class("S201") == "primary"
    assert road_class("X015") == "secondary"
    assert road_class("tertiary_link") == "tertiary"
    assert road_class("track") == "other"


def test_places_csv_with_rejects(tmp_path: Path) -> None:
    pd.DataFrame(
        {
            "名称": ["一中", "医院", "无坐标", "未知"],
            "类别": ["学校", "医院", "广场", None],
            "经度": [123.84, 123.85, None, 123.86],
            "纬度": [42.30, 42.31, None, 42.32],
        }
    ).to_csv(tmp_path / "p.csv", index=False)
    layer = places_from_file(tmp_path / "p.csv")
    assert layer.frame["category"].tolist() == ["school", "hospital", "other"]
    assert layer.frame["name"].tolist() == ["一中", "医院", "未知"]
    assert layer.frame["place_id"].tolist() == [
        "p-2",
        "p-3",
        "p-5",
    ]  # file stem and row: no id column
    assert layer.frame.crs.to_epsg() == 4326
    reasons = layer.rejects.set_index("row")["reason"].to_dict()
    assert "no geometry" in reasons[4]
    assert "blank category" in reasons[5]
    with pytest.raises(InputError, match="kind_of"):
        places_from_file(tmp_path / "p.csv", category_field="kind_of")


def test_places_gcj02_are_converted(tmp_path: Path) -> None:
    pd.DataFrame({"name": ["a"], "category": ["bank"], "lon": [123.85], "lat": [42.30]}).to_csv(
        tmp_path / "g.csv", index=False
    )
    wgs = places_from_file(tmp_path / "g.csv").frame.geometry.iloc[0]
    gcj = places_from_file(tmp_path / "g.csv", crs="gcj02").frame.geometry.iloc[0]
    assert 0.001 < wgs.distance(gcj) < 0.01


def test_osm_places_and_highways(tmp_path: Path) -> None:
    path = tmp_path / "city.osm"
    path.write_text(OSM, encoding="utf-8")
    places = places_from_file(path).frame
    assert sorted(places["category"]) == ["hospital", "school", "station"]
    roads = roads_from_file(path).frame
    assert sorted(roads["road_class"]) == ["secondary", "trunk"]
    assert roads.geometry.geom_type.unique().tolist() == ["LineString"]


def test_roads_csv_wkt_and_refused_rows(tmp_path: Path) -> None:
    pd.DataFrame(
        {
            "road_id": ["a", "b", "c"],
            "等级": ["县道", "乡道", "国道"],
            "wkt": ["LINESTRING (123.8 42.3, 123.9 42.3)", "POINT (123.8 42.3)", ""],
        }
    ).to_csv(tmp_path / "r.csv", index=False)
    layer = roads_from_file(tmp_path / "r.csv")
    assert layer.frame["road_class"].tolist() == ["secondary"]
    assert len(layer.rejects) == 2
    assert layer.rejects["row"].tolist() == [3, 4]
