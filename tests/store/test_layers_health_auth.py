"""Reference layers, network, health, results and auth, on SQLite and PostGIS (``store_url``)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from sharpeyes import InputError
from sharpeyes.model.columns import HEALTH_RESULT_COLUMNS
from sharpeyes.store import Store


def _units() -> gpd.GeoDataFrame:
    square = Polygon([(123.7, 42.2), (123.9, 42.2), (123.9, 42.4), (123.7, 42.4)])
    half = Polygon([(123.7, 42.2), (123.8, 42.2), (123.8, 42.4), (123.7, 42.4)])
    return gpd.GeoDataFrame(
        {
            "code": ["211202", "211202001"],
            "name": ["银州区", "红旗街道"],
            "level": ["county", "township"],
            "parent_code": ["211200", "211202"],
            "population": [350_000.0, None],
            "grid_count": [120, 14],
        },
        geometry=[square, half],
        crs="EPSG:4326",
    )


def test_units_round_trip_and_replace(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.units().empty
    assert store.replace_units(_units()) == 2
    got = store.units()
    assert got.crs == "EPSG:4326"
    assert got["code"].tolist() == ["211202", "211202001"]
    assert got["name"].tolist() == ["银州区", "红旗街道"]
    assert got.loc[0, "population"] == 350_000.0 and pd.isna(got.loc[1, "population"])
    assert got["grid_count"].tolist() == [120, 14]  # extra columns kept
    assert got.geometry.iloc[0].equals(_units().geometry.iloc[0])
    assert store.units(level="township")["code"].tolist() == ["211202001"]
    # replacing takes the whole layer
    store.replace_units(_units().iloc[[1]])
    assert store.units()["code"].tolist() == ["211202001"]


def test_units_in_another_crs_are_stored_in_wgs84(store_url: str) -> None:
    store = Store.open(store_url)
    store.replace_units(_units().to_crs(32651))
    got = store.units()
    assert got.geometry.iloc[0].bounds == pytest.approx((123.7, 42.2, 123.9, 42.4), abs=1e-7)


def test_bad_layer_is_refused_and_the_old_one_stays(store_url: str) -> None:
    store = Store.open(store_url)
    store.replace_units(_units())
    duplicated = pd.concat([_units(), _units()], ignore_index=True)
    with pytest.raises(InputError, match="not unique"):
        store.replace_units(duplicated)
    assert len(store.units()) == 2


def test_places_and_roads(store_url: str) -> None:
    store = Store.open(store_url)
    places = gpd.GeoDataFrame(
        {
            "place_id": ["p1", "p2"],
            "name": ["铁岭站", "第一中学"],
            "category": ["station", "school"],
        },
        geometry=[Point(123.84, 42.29), Point(123.85, 42.30).buffer(0.001)],
        crs="EPSG:4326",
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["r1"], "name": ["银州路"], "road_class": ["primary"], "lanes": [4]},
        geometry=[LineString([(123.8, 42.28), (123.9, 42.3)])],
        crs="EPSG:4326",
    )
    store.replace_places(places)
    store.replace_roads(roads)
    got = store.places()
    assert got["category"].tolist() == ["station", "school"]
    assert got.geometry.iloc[1].geom_type == "Polygon"
    assert store.places(category="school")["place_id"].tolist() == ["p2"]
    road = store.roads()
    assert road.loc[0, "lanes"] == 4 and road.geometry.iloc[0].length == pytest.approx(
        roads.geometry.iloc[0].length
    )


def test_network_round_trip(store_url: str) -> None:
    store = Store.open(store_url)
    nodes = pd.DataFrame(
        {
            "node_id": ["hub", "sw1"],
            "kind": ["centre", "switch"],
            "name": ["市局中心", "交换机1"],
            "lon": [123.84, 123.85],
            "lat": [42.29, None],
            "rack": ["A1", None],
        }
    )
    links = pd.DataFrame(
        {
            "a": ["hub"],
            "b": ["sw1"],
            "capacity_mbps": [1000.0],
            "medium": ["fibre"],
            "length_m": [1200.0],
        }
    )
    assert store.replace_network(nodes, links) == (2, 1)
    got_nodes, got_links = store.network()
    assert got_nodes["node_id"].tolist() == ["hub", "sw1"]
    assert got_nodes.loc[0, "rack"] == "A1" and pd.isna(got_nodes.loc[1, "rack"])
    assert pd.isna(got_nodes.loc[1, "lat"])
    assert got_links.loc[0, "capacity_mbps"] == 1000.0
    store.replace_network(nodes.iloc[:1], links.iloc[:0])
    got_nodes, got_links = store.network()
    assert len(got_nodes) == 1 and got_links.empty


def _result(device: str, verdict: str = "ok", **more: object) -> dict[str, object]:
    row: dict[str, object] = {
        "device_id": device,
        "verdict": verdict,
        "faults": [],
        "reason": None,
        "measures": {"brightness": 120.5},
        "started_at": "2026-11-22T01:00:00+00:00",
        "duration_s": 1.5,
        "snapshot_jpeg": b"\xff\xd8jpeg\xff\xd9",
    }
    row.update(more)
    return row


def test_health_runs_resume_and_history(store_url: str) -> None:
    store = Store.open(store_url)
    run = store.start_health_run(night="2026-11-21")
    assert store.start_health_run(night="2026-11-21") == run  # unfinished: resumed
    store.add_health_results(run, [_result("a"), _result("b", "degraded", faults=["blur"])])
    assert store.done_in_run(run) == {"a", "b"}
    # a camera done again in the same run replaces its row
    store.add_health_results(run, pd.DataFrame([_result("b", "offline", reason="timeout")]))
    results = store.health_results()
    assert list(results.columns) == list(HEALTH_RESULT_COLUMNS)
    assert len(results) == 2
    b = results.set_index("device_id").loc["b"]
    assert b["verdict"] == "offline" and b["reason"] == "timeout"
    a = results.set_index("device_id").loc["a"]
    assert a["measures"] == {"brightness": 120.5} and a["snapshot_jpeg"] == b"\xff\xd8jpeg\xff\xd9"
    store.finish_health_run(run, {"ok": 1, "offline": 1})
    runs = store.health_runs()
    assert runs.loc[0, "summary"] == {"ok": 1, "offline": 1} and runs.loc[0, "results"] == 2

    second = store.start_health_run(night="2026-11-21")  # the finished run is not resumed
    assert second != run
    store.add_health_results(second, [_result("a", "degraded", faults=["dark", "noise"])])
    assert store.health_results()["device_id"].tolist() == ["a"]
    assert store.health_results(run)["device_id"].tolist() == ["a", "b"]
    history = store.health_history("a")
    assert history["verdict"].tolist() == ["ok", "degraded"]
    assert history.loc[1, "faults"] == ["dark", "noise"]
    assert history["night"].tolist() == ["2026-11-21", "2026-11-21"]
    assert store.snapshot(run, "a") == b"\xff\xd8jpeg\xff\xd9"
    with pytest.raises(InputError):
        store.add_health_results(999, [_result("a")])


def test_health_results_empty_store(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.health_results().empty
    assert list(store.health_results().columns) == list(HEALTH_RESULT_COLUMNS)
    assert store.start_health_run() >= 1


def test_reference_frames(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.reference_frame("cam") is None
    store.set_reference_frame("cam", b"one")
    store.set_reference_frame("cam", b"two")
    assert store.reference_frame("cam") == b"two"


def test_results_documents(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.latest_result("report") is None
    first = store.save_result("report", {"units": [{"code": "211202", "rate": 0.5}]})
    second = store.save_result("report", {"units": [], "note": "空", "nan": float("nan")})
    assert second > first
    assert store.latest_result("report") == {"units": [], "note": "空", "nan": None}
    assert store.result(first) == {"units": [{"code": "211202", "rate": 0.5}]}
    assert store.results("report")["result_id"].tolist() == [second, first]


def test_users_tokens_audit(store_url: str) -> None:
    store = Store.open(store_url)
    store.add_user("li", "editor", "hash-li")
    store.add_user("wang", "viewer")
    with pytest.raises(InputError, match="exists"):
        store.add_user("li", "admin")
    with pytest.raises(InputError, match="role"):
        store.add_user("zhao", "root")
    user = store.user("li")
    assert user is not None and user["role"] == "editor" and user["password_hash"] == "hash-li"
    assert store.user("nobody") is None
    assert store.users()["name"].tolist() == ["li", "wang"]
    assert "password_hash" not in store.users().columns
    store.add_token("li", "sha256-of-token")
    owner = store.user_for_token("sha256-of-token")
    assert owner is not None and owner["name"] == "li"
    assert store.user_for_token("other") is None
    with pytest.raises(InputError):
        store.add_token("nobody", "x")
    store.set_user("li", role="admin")
    assert store.user("li")["role"] == "admin"  # type: ignore[index]
    assert store.revoke_token("sha256-of-token")
    assert store.user_for_token("sha256-of-token") is None
    store.audit("li", "import", {"file": "a.csv", "accepted": 3})
    store.audit(None, "login failed", "wang")
    log = store.audit_log()
    assert log["action"].tolist() == ["login failed", "import"]
    assert log.loc[1, "detail"] == '{"file": "a.csv", "accepted": 3}'
    assert store.delete_user("wang") and not store.delete_user("wang")
