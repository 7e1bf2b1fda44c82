"""Two report runs a month apart on a small real store give the comparison and the trend: the 环比
sheet, the comparison columns of the level sheets, the 趋势 sheet with its line charts (read back with
openpyxl for the charts and python-calamine for the values), checked against the two runs' own
figures; a period with no stored run is refused with the stored periods listed."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from sharpeyes.cli import app
from sharpeyes.coverage.trend import COMPARED_RATES
from sharpeyes.jobs import coverage as jobs
from sharpeyes.store import Store
from sharpeyes.store.results import periods

from .conftest import METRIC, box, tiny_cameras, tiny_units

RATES_ZH = {
    "networking_rate": "联网率",
    "hd_ratio": "高清率",
    "online_rate": "在线率",
    "intact_rate": "完好率",
    "village_coverage": "行政村覆盖率",
    "area_coverage": "面积覆盖率",
}


def _cli(db: str, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _second_month(store: Store, folder: Path) -> None:
    """November: 二村's camera networked, 四村 merged away and a new village 五村, a health run."""
    cams = tiny_cameras()
    cams.loc[1, "networked"] = True
    store.import_cameras(cams.drop(columns="geometry"), None, source="nov", file="nov")
    units = tiny_units()
    villages = units[units["level"] == "village"].copy()
    villages = villages[villages["code"] != "219901002002"]
    extra = gpd.GeoDataFrame(
        {"code": ["219901002003"], "name": ["五村"], "level": ["village"]},
        geometry=[box(3000, 0, 4000, 2000)],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    pd.concat([villages, extra], ignore_index=True).to_file(folder / "villages_nov.gpkg")
    jobs.import_units(store, folder / "villages_nov.gpkg")
    run = store.start_health_run("2026-11-20")
    store.add_health_results(
        run,
        pd.DataFrame(
            {
                "device_id": cams["device_id"].head(3),
                "verdict": ["ok", "ok", "offline"],
                "faults": [[], [], []],
            }
        ),
    )
    store.finish_health_run(run, {})


@pytest.fixture
def two_months(tmp_path: Path) -> dict[str, Any]:
    """The tiny city reported in 2026-10, changed, reported in 2026-11 compared with the previous."""
    db = str(tmp_path / "store.db")
    store = Store.open(f"sqlite:///{db}")
    tiny_units().to_file(tmp_path / "units.gpkg")
    cams = tiny_cameras()
    store.import_cameras(cams.drop(columns="geometry"), None, source="oct", file="oct")
    jobs.import_units(store, tmp_path / "units.gpkg")
    october = _cli(db, "report", "-o", str(tmp_path / "oct.xlsx"), "--period", "2026-10")
    _second_month(store, tmp_path)
    out = tmp_path / "nov.xlsx"
    november = _cli(db, "report", "-o", str(out), "--period", "2026-11", "--compare", "previous")
    return {
        "db": db,
        "store": store,
        "out": out,
        "october": october,
        "november": november,
        "docs": {
            "2026-10": store.result(october["result_id"]),
            "2026-11": store.result(november["result_id"]),
        },
    }


def _keyed(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(r["unit_code"]), str(r["point_class"])): r for r in doc["rows"]}


def _sheet(book: Any, name: str) -> list[dict[str, Any]]:
    rows = book.get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


CLASS_OF = {"全部": "all", "一类": "1", "二类": "2", "三类": "3"}


def test_two_runs_a_month_apart_give_the_comparison_sheet(two_months: dict[str, Any]) -> None:
    from python_calamine import CalamineWorkbook

    assert two_months["november"]["compared_to"] == "2026-10"
    book = CalamineWorkbook.from_path(str(two_months["out"]))
    assert {"环比", "趋势"} <= set(book.sheet_names)
    before = _keyed(two_months["docs"]["2026-10"])
    now = _keyed(two_months["docs"]["2026-11"])
    lines = _sheet(book, "环比")
    checked = 0
    for line in lines:
        key = (str(line["区划代码"]), CLASS_OF[line["点位类型"]])
        if line["环比状态"] == "本期已无":
            assert key in before and key not in now
            continue
        if line["环比状态"] == "本期新增":
            assert key in now and key not in before
            assert _empty(line["上期联网率"]) and _empty(line["联网率变化(百分点)"])
            continue
        for rate, zh in RATES_ZH.items():
            was, cur = before[key][rate], now[key][rate]
            change = line[f"{zh}变化(百分点)"]
            if was is None or cur is None:  # an empty KPI on either side: no change shown
                assert _empty(change), (key, rate)
            else:
                assert line[f"上期{zh}"] == pytest.approx(was)
                assert change == pytest.approx((cur - was) * 100), (key, rate)
                checked += 1
    assert checked > 50
    status = {(str(x["区划代码"]), x["点位类型"]): x["环比状态"] for x in lines}
    assert status[("219901002002", "全部")] == "本期已无"  # 四村 merged away
    assert status[("219901002003", "全部")] == "本期新增"  # 五村
    assert two_months["november"]["removed_rows"] == 4 and two_months["november"]["new_rows"] == 4
    # online rate: empty in October (no health run), a value now: no change, and said so
    county = next(x for x in lines if x["区划代码"] == "219901" and x["点位类型"] == "全部")
    assert _empty(county["上期在线率"]) and county["本期在线率"] == pytest.approx(2 / 3)
    assert _empty(county["在线率变化(百分点)"])


def test_level_sheets_carry_the_comparison_and_highlight_targets(
    two_months: dict[str, Any],
) -> None:
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(two_months["out"]))
    rows = book.get_sheet_by_name("乡镇街道").to_python()
    header = rows[0]
    west = next(
        i
        for i, r in enumerate(rows)
        if r[0] == "219901001" and r[header.index("点位类型")] == "全部"
    )
    line = dict(zip(header, rows[west], strict=True))
    before = _keyed(two_months["docs"]["2026-10"])[("219901001", "all")]
    now = _keyed(two_months["docs"]["2026-11"])[("219901001", "all")]
    assert line["上期联网率"] == pytest.approx(before["networking_rate"]) == pytest.approx(0.5)
    assert line["联网率变化(百分点)"] == pytest.approx(
        (now["networking_rate"] - before["networking_rate"]) * 100
    )
    assert before["target_networking_met"] is False and now["target_networking_met"] is True
    assert line["联网率达标(100%)变化"] == "新达标"
    sheet = load_workbook(two_months["out"])["乡镇街道"]
    change = sheet.cell(row=west + 1, column=header.index("联网率变化(百分点)") + 1)
    assert change.fill.fgColor.rgb.endswith("C6EFCE")  # newly met: green
    flag = sheet.cell(row=west + 1, column=header.index("联网率达标(100%)变化") + 1)
    assert flag.fill.fgColor.rgb.endswith("C6EFCE")
    notes = dict((r[0], r[1]) for r in book.get_sheet_by_name("说明").to_python())
    assert notes["报告期"] == "2026-11" and notes["环比对照期"] == "2026-10"


def test_the_trend_sheet_has_a_line_chart_per_rate(two_months: dict[str, Any]) -> None:
    from openpyxl import load_workbook
    from openpyxl.chart import LineChart
    from python_calamine import CalamineWorkbook

    sheet = load_workbook(two_months["out"])["趋势"]
    charts = sheet._charts
    assert charts and all(isinstance(c, LineChart) for c in charts)
    titles = ["".join(r.t for p in c.title.tx.rich.p for r in (p.r or [])) for c in charts]
    assert "联网率趋势" in titles
    networking = charts[titles.index("联网率趋势")]
    [series] = networking.series  # one county, one line
    assert series.val.numRef.f.startswith("'趋势'!")
    rows = CalamineWorkbook.from_path(str(two_months["out"])).get_sheet_by_name("趋势").to_python()
    start = next(i for i, r in enumerate(rows) if r[0] == "联网率")
    assert rows[start + 1][:2] == ["报告期", "县"]
    table = {r[0]: r[1] for r in rows[start + 2 : start + 4]}
    docs = two_months["docs"]
    for period in ("2026-10", "2026-11"):
        expected = _keyed(docs[period])[("219901", "all")]["networking_rate"]
        assert table[period] == pytest.approx(expected)
    assert table["2026-11"] > table["2026-10"]


def test_json_and_csv_carry_the_comparison(two_months: dict[str, Any], tmp_path: Path) -> None:
    db = two_months["db"]
    _cli(
        db, "report", "-o", str(tmp_path / "r.json"), "--period", "2026-11", "--compare", "2026-10"
    )
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["period"] == "2026-11" and doc["compared_to"] == "2026-10"
    row = next(r for r in doc["rows"] if r["unit_code"] == "219901" and r["point_class"] == "all")
    for rate in COMPARED_RATES:
        if rate in row:
            assert f"{rate}_prev" in row and f"{rate}_change_pp" in row
    assert {r["unit_code"] for r in doc["removed_rows"]} == {"219901002002"}
    assert {t["period"] for t in doc["trend"]} == {"2026-10", "2026-11"}
    _cli(
        db,
        "report",
        "-o",
        str(tmp_path / "r.csv"),
        "--compare",
        "2026-10",
        "--period",
        "2026-12",
        "--lang",
        "en",
    )  # the English CSV: the JSON keys as headers
    csv = pd.read_csv(tmp_path / "r.csv", dtype={"unit_code": str})
    assert "networking_rate_change_pp" in csv.columns
    gone = csv[csv["compare_status"] == "removed"]
    assert set(gone["unit_code"]) == {"219901002002"}
    # the Chinese CSV says it in Chinese: 本期已无, 新达标/新未达标
    _cli(
        db, "report", "-o", str(tmp_path / "zh.csv"), "--compare", "2026-10", "--period", "2026-12"
    )
    zh = pd.read_csv(tmp_path / "zh.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(zh.loc[zh["环比状态"] != "", "环比状态"]) <= {"本期新增", "本期已无"}
    assert "本期已无" in set(zh["环比状态"]) and "联网率变化(百分点)" in zh.columns
    changes = {v for c in zh.columns if c.endswith("达标变化") for v in zh[c] if v}
    assert changes <= {"新达标", "新未达标"}


def test_a_rerun_supersedes_its_period(two_months: dict[str, Any], tmp_path: Path) -> None:
    store: Store = two_months["store"]
    cams = tiny_cameras()
    cams["networked"] = True
    store.import_cameras(cams.drop(columns="geometry"), None, source="fix", file="fix")
    again = _cli(two_months["db"], "report", "-o", str(tmp_path / "r.json"), "--period", "2026-11")
    table = periods(store)
    assert list(table["period"]) == ["2026-10", "2026-11"]
    assert table.set_index("period").loc["2026-11", "runs"] == 2
    assert table.set_index("period").loc["2026-11", "result_id"] == again["result_id"]
    dec = _cli(
        two_months["db"], "report", "-o", str(tmp_path / "d.json"), "--period", "2026-12",
        "--compare", "previous",
    )  # fmt: skip
    assert dec["compared_result_id"] == again["result_id"]  # the newest run of 2026-11


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--period", "2026-11", "--compare", "2026-07"], ["2026-07", "2026-10, 2026-11"]),
        (["--period", "2026-11", "--compare", "2026-11"], ["itself"]),
        (["--period", "2026-13"], ["YYYY-MM"]),
        (["--period", "2026-09", "--compare", "previous"], ["before 2026-09", "2026-10, 2026-11"]),
    ],
)
def test_comparisons_that_cannot_be_made_are_one_line_errors(
    two_months: dict[str, Any], tmp_path: Path, args: list[str], words: list[str]
) -> None:
    before = periods(two_months["store"])
    result = CliRunner().invoke(
        app, ["report", "-o", str(tmp_path / "x.xlsx"), *args, "--db", two_months["db"]]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr
    assert len(periods(two_months["store"])) == len(before)  # nothing computed, nothing saved
    assert not (tmp_path / "x.xlsx").exists()


def test_a_store_without_periods_says_so(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    units = gpd.GeoDataFrame(
        {"code": ["219901"], "name": ["县"], "level": ["county"]},
        geometry=[shapely.box(123.0, 42.0, 123.1, 42.1)],
        crs="EPSG:4326",
    )
    units.to_file(tmp_path / "u.geojson")
    jobs.import_units(store, tmp_path / "u.geojson")
    with pytest.raises(Exception, match=r"stored periods: none"):
        jobs.write_report(store, tmp_path / "r.json", fmt="json", compare="previous")
