"""Grids on a city: the Tieling demo's real villages with a few thousand generated grids nested in
them (synthetic, :mod:`sharpeyes.demo.grids`), and the same grids as a code list only; through the
real jobs and store (SQLite, and PostGIS for the import), the report's 网格 sheet read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from sharpeyes.demo.city import build_units, write_units
from sharpeyes.demo.grids import build_grids, grid_code_list, write_grids
from sharpeyes.jobs import coverage as jobs
from sharpeyes.jobs.ingest import import_files
from sharpeyes.store import Store
from sharpeyes.store.grids import read_grid_workers, read_grids
from tests.api.city import cameras as city_cameras


@pytest.fixture(scope="module")
def tieling(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("tieling")
    units = build_units(seed=0)
    grids = build_grids(units, seed=0)
    county = units[units["code"] == "211202"].geometry.iloc[0]
    west, south, east, north = county.bounds
    cams = city_cameras(2500, seed=3, west=west, south=south, east=east, north=north)
    return {
        "units": write_units(units, folder),
        "grids": write_grids(grids, folder),
        "code_list": grid_code_list(grids, folder / "grids.csv"),
        "cameras": cams,
        "n_grids": len(grids),
        "n_villages": int((units["level"] == "village").sum()),
    }


def _sheet(path: Path, name: str) -> pd.DataFrame:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_grid_import_on_both_back_ends(store_url: str, tieling: dict[str, object]) -> None:
    store = Store.open(store_url)
    jobs.import_units(store, tieling["units"])  # type: ignore[arg-type]
    got = jobs.import_units(store, tieling["grids"], level="grid", parent_field="parent_code")  # type: ignore[arg-type]
    assert got["imported"] == tieling["n_grids"] > 3000  # a few thousand grids
    assert got["villages_with_grids"] == tieling["n_villages"]
    assert got["problems"] == {}
    assert "13900" not in str(got)  # the job's answer has no phone
    grids = read_grids(store)
    assert len(grids) == tieling["n_grids"] and grids.geometry.notna().all()
    workers = read_grid_workers(store)
    assert set(workers["role"]) == {"leader", "worker"}
    assert (workers.groupby("grid_code")["role"].apply(lambda r: (r == "leader").sum()) == 1).all()
    # other levels stay: the villages are still there, the grids are not units
    assert len(store.units(level="village")) == tieling["n_villages"]


def test_grid_sheet_adds_up_to_villages(
    sqlite_url: str, tieling: dict[str, object], tmp_path: Path
) -> None:
    store = Store.open(sqlite_url)
    store.import_cameras(tieling["cameras"].drop(columns="geometry"), None, source="t", file="t")  # type: ignore[union-attr]
    jobs.import_units(store, tieling["units"])  # type: ignore[arg-type]
    jobs.import_units(store, tieling["grids"], level="grid", parent_field="parent_code")  # type: ignore[arg-type]
    out = tmp_path / "report.xlsx"
    summary = jobs.write_report(store, out, area="none")
    assert summary["grids"] == tieling["n_grids"]
    grid = _sheet(out, "网格")
    village = _sheet(out, "村社区")
    village = village[village["点位类型"] == "全部"].set_index("区划代码")
    assert len(grid) == tieling["n_grids"]
    per_village = grid.groupby("上级代码")["摄像机总数"].sum()
    with_cameras = village[village["摄像机总数"] > 0]
    assert len(with_cameras) > 20
    for code, row in with_cameras.iterrows():
        assert per_village.get(code, 0) + row["未划入网格摄像机数"] == row["摄像机总数"], code
    # every camera placed by position is in a grid: the grids tile their villages
    assert village["未划入网格摄像机数"].sum() < village["摄像机总数"].sum() * 0.2
    # the share of a village's grids covered
    covered = grid.groupby("上级代码")["有联网摄像机"].apply(lambda s: float((s == "是").mean()))
    some = with_cameras.index[0]
    assert village.loc[some, "网格覆盖率"] == pytest.approx(covered[some])
    # the gaps: grids with no networked camera, as a sheet and as a layer
    gaps = _sheet(out, "无联网摄像机网格")
    assert len(gaps) == int((grid["有联网摄像机"] != "是").sum()) > 0
    layer = store.latest_result("gaps")["grids"]  # type: ignore[index]
    assert len(layer["features"]) == len(gaps)
    assert layer["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_grids_as_a_code_list_and_cameras_by_grid_code(
    sqlite_url: str, tieling: dict[str, object], tmp_path: Path
) -> None:
    """No grid polygons: cameras are counted in the grid their registry row names (网格编码)."""
    store = Store.open(sqlite_url)
    jobs.import_units(store, tieling["units"])  # type: ignore[arg-type]
    got = jobs.import_units(store, tieling["code_list"], level="grid", parent_field="所属村社区")  # type: ignore[arg-type]
    assert got["imported"] == tieling["n_grids"] and got["with_geometry"] == 0
    grids = read_grids(store)
    rng = np.random.default_rng(5)
    pick = grids.iloc[rng.choice(len(grids), 40, replace=False)]
    registry = pd.DataFrame(
        {
            "设备编码": [f"2112020000132{i:07d}" for i in range(80)],
            "设备名称": [f"点位{i}" for i in range(80)],
            "监控点位类型": 3,
            "联网属性": ["是" if i < 40 else "否" for i in range(80)],
            "村社区代码": list(pick["parent_code"]) * 2,
            "所属网格": list(pick["code"]) * 2,
        }
    )
    path = tmp_path / "registry.csv"
    registry.to_csv(path, index=False, encoding="utf-8-sig")
    assert import_files(store, [path], progress=False)["accepted"] == 80
    jobs.write_report(store, tmp_path / "r.xlsx", area="none")
    rows = {r["unit_code"]: r for r in store.latest_result("report")["grid_rows"]}  # type: ignore[index]
    for code in pick["code"]:
        assert rows[code]["cameras"] == 2
        assert rows[code]["networked"] == 1
        assert rows[code]["covered"] is True
    assert sum(r["cameras"] for r in rows.values()) == 80
