"""The report in the reader's language (issue 14, item 5), read back from the files: no English
word in a Chinese sheet (codes and numbers excepted), integers as integers, units on areas and
densities, an autofilter on every table, an empty rate for a class without networked cameras."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from sharpeyes._errors import InputError
from sharpeyes.jobs import coverage as jobs
from sharpeyes.model.labels import COLUMNS, header
from sharpeyes.store import Store
from tests.cli.conftest import write_tiny_city

from .conftest import tiny_cameras

#: an ASCII word: two letters or more
WORD = re.compile(r"[A-Za-z]{2,}")
#: what may stay ASCII in a Chinese sheet: units, a CRS code
ALLOWED = re.compile(r"km²|km|\(m\)|EPSG:\d+")
#: headers of the columns whose values are codes or identifiers
CODE_HEADERS = {c.zh for c in COLUMNS.values() if c.kind == "code"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("lang")
    city = write_tiny_city(folder / "city")
    store = Store.open(f"sqlite:///{folder / 'db.sqlite'}")
    cams = tiny_cameras()
    store.import_cameras(cams.drop(columns="geometry"), None, source="t", file="t")
    jobs.import_units(store, city.units)
    jobs.import_places(store, city.places)
    jobs.import_roads(store, city.roads)
    return store


def _english_words(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    return WORD.findall(ALLOWED.sub("", value))


def test_no_english_in_a_chinese_workbook(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    jobs.write_report(store, out)
    book = CalamineWorkbook.from_path(str(out))
    found = []
    for name in book.sheet_names:
        assert not _english_words(name), name
        rows = book.get_sheet_by_name(name).to_python()
        head = rows[0] if name != "说明" else []
        found += [(name, "header", h) for h in head if _english_words(h)]
        for row in rows[1:] if head else rows:
            for j, value in enumerate(row):
                if j < len(head) and head[j] in CODE_HEADERS:
                    continue
                found += [(name, j, value) for _ in _english_words(value)[:1]]
    assert found == []
    # the values really are translated, not dropped
    places = book.get_sheet_by_name("未覆盖重点部位").to_python()
    assert places[1][places[0].index("类别")] == "医院"
    roads = book.get_sheet_by_name("未覆盖道路").to_python()
    assert roads[1][roads[0].index("道路等级")] == "县道/次干道"


def test_a_foreign_word_in_a_chinese_sheet_is_caught() -> None:
    """The check above can fail: an English category, a class written ``all``, a gloss."""
    assert _english_words("hospital") and _english_words("all") and _english_words("县 (county)")
    assert not _english_words("面积(km²)") and not _english_words("EPSG:32651")
    assert not _english_words(12.5) and not _english_words("219901001")


def test_formats_autofilters_and_empty_rates(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    jobs.write_report(store, out)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        if ws.title != "说明":
            assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    ws = wb["区县"]
    head = [c.value for c in ws[1]]
    rows = {(r[0].value, r[head.index("点位类型")].value): r for r in ws.iter_rows(min_row=2)}
    county = rows[("219901", "全部")]
    assert county[head.index("面积(km²)")].number_format == '0.00" km²"'
    assert county[head.index("密度(个/km²)")].number_format == '0.00" 个/km²"'
    cameras = county[head.index("摄像机总数")]
    assert cameras.number_format == "0" and cameras.value == 4 and isinstance(cameras.value, int)
    # class 2 has one camera and none networked: the networked rates are empty, not 0 %
    class2 = rows[("219901", "二类")]
    assert class2[head.index("联网数")].value == 0
    assert class2[head.index("联网率")].value == 0  # networking rate itself is a true 0
    for rate in ("行政村覆盖率", "重点部位覆盖率", "重点道路覆盖率"):
        assert class2[head.index(rate)].value is None, rate
    assert rows[("219901", "一类")][head.index("行政村覆盖率")].value == pytest.approx(0.25)


def test_csv_in_chinese_and_in_english(store: Store, tmp_path: Path) -> None:
    jobs.write_report(store, tmp_path / "zh.csv", fmt="csv")
    zh = pd.read_csv(tmp_path / "zh.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(zh.columns[:4]) == ["区划代码", "单位名称", "层级", "点位类型"]
    assert set(zh["点位类型"]) == {"全部", "一类", "二类", "三类"}
    assert set(zh["层级"]) == {"区县", "乡镇街道", "村社区"}
    assert {v for v in zh["全部达标"] if v} <= {"达标", "未达标"}
    for key, col in COLUMNS.items():  # integers as integers: no "417192.0"
        if col.kind == "int" and col.zh in zh:
            assert not any(v.endswith(".0") for v in zh[col.zh]), key
    assert set(zh.loc[zh["层级"] == "村社区", "人口"]) == {"1000", "2000", "500"}
    texts = [v for c in zh.columns if c not in CODE_HEADERS for v in zh[c]]
    assert [v for v in texts if _english_words(v)] == []

    jobs.write_report(store, tmp_path / "en.csv", fmt="csv", lang="en")
    en = pd.read_csv(tmp_path / "en.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(en.columns[:4]) == ["unit_code", "unit_name", "level", "point_class"]
    assert set(en["point_class"]) == {"all", "1", "2", "3"}
    assert not any(v.endswith(".0") for v in en["cameras"])


def test_an_english_workbook(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    jobs.write_report(store, out, lang="en")
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:3] == ["counties", "townships", "villages"]
    rows = book.get_sheet_by_name("counties").to_python()
    assert rows[0][:4] == [
        header(k, "en") for k in ("unit_code", "unit_name", "point_class", "cameras")
    ]
    assert rows[1][2] == "all classes" and rows[2][2] == "class I"
    assert "met" in rows[1] or "missed" in rows[1]
    wb = load_workbook(out)
    density = next(c for c in wb["counties"][1] if c.value == header("density_km2", "en"))
    assert wb["counties"].cell(2, density.column).number_format == '0.00" per km²"'
    with pytest.raises(InputError, match="unknown language"):
        jobs.write_report(store, tmp_path / "x.xlsx", lang="fr")
