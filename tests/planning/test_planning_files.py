"""``sharpeyes plan -o plan.gpkg`` / ``plan.geojson``: the planned sites as GIS files (EPSG:4326)
with build order, cost and the weight each covers, as the map's plan layer shows them."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from sharpeyes.cli import app
from sharpeyes.planning.io import GPKG_LAYER
from tests.planning.test_planning_store import _city_store


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_plan_writes_sites_as_a_gis_file(tmp_path: Path, suffix: str) -> None:
    db = tmp_path / "city.db"
    _city_store(f"sqlite:///{db}").close()
    out = tmp_path / f"plan.{suffix}"
    result = CliRunner().invoke(
        app, ["plan", "-o", str(out), "--budget", "4", "--db", str(db), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    kwargs = {"layer": GPKG_LAYER} if suffix == "gpkg" else {}
    sites = gpd.read_file(out, **kwargs)
    assert sites.crs is not None and sites.crs.to_epsg() == 4326
    assert len(sites) == len(doc["selected"]) == 4
    assert sites["rank"].tolist() == [1, 2, 3, 4]
    assert (sites["marginal_gain"] > 0).all() and "cost" in sites.columns
    assert sites.geometry.x.between(123, 124).all()
    # written again: replaced, not appended
    assert (
        CliRunner()
        .invoke(app, ["plan", "-o", str(out), "--budget", "2", "--db", str(db)])
        .exit_code
        == 0
    )
    assert len(gpd.read_file(out, **kwargs)) == 2
