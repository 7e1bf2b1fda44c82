"""The demo inventory: counts per class, IDs, positions, coverage gaps, streams, determinism."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes.demo.cameras import (
    CLASS_COUNTS,
    RTSP_PASSWORD,
    SOURCE_CATALOG,
    SOURCE_GIS,
    build_cameras,
)
from sharpeyes.demo.city import build_units, is_community, is_street
from sharpeyes.model.codes import STATUSES
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, WGS84
from sharpeyes.model.gb28181 import decode_ids


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return build_units(seed=0)


@pytest.fixture(scope="module")
def full(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return build_cameras(units, seed=0, scale=1.0)


@pytest.fixture(scope="module")
def small(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return build_cameras(units, seed=0, scale=0.02)


def test_canonical_frame(small: gpd.GeoDataFrame) -> None:
    assert tuple(small.columns[: len(CAMERA_COLUMNS)]) == CAMERA_COLUMNS
    for column in CAMERA_COLUMNS:
        assert str(small[column].dtype) == CAMERA_DTYPES[column], column
    assert small.crs == WGS84
    assert np.allclose(small.geometry.x, small["lon"]) and np.allclose(
        small.geometry.y, small["lat"]
    )
    assert small["device_id"].is_unique
    assert small["status"].isin(list(STATUSES)).all()


def test_counts_by_class_at_full_scale(full: gpd.GeoDataFrame) -> None:
    counts = full["point_class"].value_counts().to_dict()
    assert counts == CLASS_COUNTS
    one = full[full["point_class"] == 1]
    assert one["networked"].all()
    assert one["is_hd"].all()
    two = full[full["point_class"] == 2]
    three = full[full["point_class"] == 3]
    assert 0.8 < two["networked"].mean() < 0.97
    assert 0.6 < three["networked"].mean() < 0.85
    assert 0.4 < three["is_hd"].mean() < 0.7  # partly SD
    assert three["resolution"].isna().any()  # unknown stays unknown
    assert three["is_hd"].isna().sum() == three["resolution"].isna().sum()


def test_counts_scale(small: gpd.GeoDataFrame) -> None:
    counts = small["point_class"].value_counts().to_dict()
    assert counts == {c: round(n * 0.02) for c, n in CLASS_COUNTS.items()}


def test_ids_are_valid_and_name_their_county(
    full: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> None:
    decoded = decode_ids(full["device_id"])
    assert decoded["valid"].all()
    assert decoded["is_camera"].all()
    assert (decoded["admin_code"] == full["admin_code"]).all()
    counties = units[units["level"] == "county"][["code", "geometry"]]
    joined = gpd.sjoin(full[["device_id", "geometry"]], counties, predicate="within")
    joined = joined.drop_duplicates("device_id").set_index("device_id")
    assert len(joined) == len(full)
    assert (joined["code"] == full.set_index("device_id").loc[joined.index, "admin_code"]).all()
    cls = full["point_class"].to_numpy()
    net = decoded["network_id"].to_numpy()
    assert ((net[cls == 1] >= 0) & (net[cls == 1] <= 4)).all()
    assert (net[cls == 2] == 6).all()
    assert (net[cls == 3] == 8).all()
    assert set(decoded["type_code"].unique()) <= {131, 132}


def test_codes_nest_and_positions_lie_in_their_village(
    full: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> None:
    assert (full["township_code"].str[:6] == full["admin_code"]).all()
    assert (full["village_code"].str[:9] == full["township_code"]).all()
    assert full["police_unit"].str.fullmatch(r"[0-9]{12}").all()
    assert (full["police_unit"].str[:6] == full["admin_code"]).all()
    cells = units.set_index("code").geometry
    geoms = cells.loc[full["village_code"]].to_numpy()
    inside = shapely.intersects(geoms, full.geometry.to_numpy())
    assert inside.all()


def test_some_villages_stay_without_a_networked_camera(
    full: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> None:
    villages = units[units["level"] == "village"]
    covered = villages["code"].isin(full.loc[full["networked"].astype(bool), "village_code"])
    assert 0.78 < covered.mean() < 0.92
    proper = ~is_community(villages["code"])
    assert covered[~proper].mean() > 0.95  # communities are urban: covered
    dark = villages.loc[~covered, "code"]
    in_dark = full[full["village_code"].isin(dark)]
    assert len(in_dark) > 0  # some villages built cameras that are not networked yet
    assert not in_dark["networked"].any()
    assert (in_dark["point_class"] == 3).all()


def test_cameras_are_denser_in_streets(full: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> None:
    townships = units[units["level"] == "township"].copy()
    townships["km2"] = townships.to_crs(32651).area / 1e6
    per = full.groupby("township_code").size()
    townships["density"] = per.reindex(townships["code"]).fillna(0).to_numpy() / townships["km2"]
    streets = is_street(townships["name"].astype(str))
    assert (
        townships.loc[streets, "density"].median()
        > 10 * townships.loc[~streets, "density"].median()
    )


def test_streams(full: gpd.GeoDataFrame) -> None:
    urls = full["stream_url"].dropna()
    files = urls[urls.str.startswith("streams/")]
    rtsp = urls[urls.str.startswith("rtsp://")]
    assert len(files) == 60
    assert len(rtsp) == 5
    assert (files == "streams/" + full.loc[files.index, "device_id"] + ".mp4").all()
    streamed = full.loc[urls.index]
    assert (streamed["point_class"] == 1).all()
    assert streamed["admin_code"].nunique() == 7
    assert (streamed["source"] == SOURCE_GIS).all()
    assert not rtsp.str.contains("@").any()  # credentials are kept apart
    assert (full.loc[rtsp.index, "stream_password"] == RTSP_PASSWORD).all()
    assert full.loc[files.index, "stream_password"].isna().all()


def test_sources_split_the_inventory(full: gpd.GeoDataFrame) -> None:
    one = full[full["point_class"] == 1]
    assert one["source"].isin([SOURCE_CATALOG, SOURCE_GIS]).all()
    catalog = full[full["source"] == SOURCE_CATALOG]
    assert catalog["parent_id"].str[10:13].eq("118").all()  # each hangs on an NVR
    assert catalog.groupby("parent_id").size().max() <= 32
    assert full.loc[full["source"] != SOURCE_CATALOG, "parent_id"].isna().all()
    assert full.loc[full["networked"].astype(bool), "uplink"].notna().all()
    assert full.loc[~full["networked"].astype(bool), "uplink"].isna().all()


def test_same_seed_same_cameras(units: gpd.GeoDataFrame, small: gpd.GeoDataFrame) -> None:
    again = build_cameras(units, seed=0, scale=0.02)
    pd.testing.assert_frame_equal(pd.DataFrame(small), pd.DataFrame(again))
    other = build_cameras(units, seed=5, scale=0.02)
    assert not np.allclose(other["lon"].to_numpy()[:50], small["lon"].to_numpy()[:50])


def test_scale_must_be_positive(units: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="scale"):
        build_cameras(units, scale=0)
