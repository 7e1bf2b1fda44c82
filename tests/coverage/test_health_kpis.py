"""Online and intact rates from the last *finished* health run, over the cameras it probed, with
the cameras it did not probe counted apart (未巡检); the HD ratio from what streams really send."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sharpeyes.jobs import coverage as jobs
from sharpeyes.store import Store

from .conftest import tiny_cameras, tiny_units

C1, C2, C3 = "21990100001320000001", "21990100001320000002", "21990200001320000003"


def _store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    tiny_units().to_file(tmp_path / "units.gpkg")
    store.import_cameras(tiny_cameras().drop(columns="geometry"), None, source="t", file="t")
    jobs.import_units(store, tmp_path / "units.gpkg")
    return store


def _county(store: Store) -> dict:  # type: ignore[type-arg]
    doc = store.latest_result("report")
    assert doc is not None
    return next(r for r in doc["rows"] if r["unit_code"] == "219901" and r["point_class"] == "all")


def test_rates_over_the_probed_and_the_unfinished_run_is_not_read(tmp_path: Path) -> None:
    store = _store(tmp_path)
    finished = store.start_health_run("2026-11-20")
    store.add_health_results(
        finished,
        [
            {
                "device_id": C1,
                "verdict": "ok",
                "faults": [],
                "measures": {"stream_width_px": 704.0, "stream_height_px": 576.0, "codec": "h264"},
            }
        ],
    )
    store.finish_health_run(finished, {})
    # tonight's run is still going (or was killed half-way): the report must not read it
    going = store.start_health_run("2026-11-21")
    store.add_health_results(going, [{"device_id": C1, "verdict": "offline", "faults": []}])

    summary = jobs.compute_report(store, area="none")
    assert summary["health_run"] == finished
    county = _county(store)
    # county 219901 has two networked cameras (c1, c5 outside every unit does not count; c3 is
    # placed by position in 三村): c1 probed and ok
    assert county["probed"] == 1 and county["online_rate"] == 1.0 and county["intact_rate"] == 1.0
    assert county["not_probed"] == county["networked"] - 1 >= 1  # never counted as offline
    # the registry says 1080 lines for c1, its stream is 704×576
    doc = store.latest_result("report")
    assert doc is not None
    assert [m["device_id"] for m in doc["resolution_mismatches"]] == [C1]
    assert doc["resolution_mismatches"][0]["stream_height_px"] == 576.0
    by_registry = county["hd_ratio"]

    jobs.compute_report(store, area="none", hd_source="stream")
    county = _county(store)
    # registry: c1 and c4 1080 lines, c2 720; streams: c1 576 lines, the others never probed
    assert by_registry == pytest.approx(2 / 3) and county["hd_ratio"] == 0.0
    assert county["hd_unknown"] == county["cameras"] - 1  # cameras never probed: unknown


def test_report_xlsx_lists_the_contradicting_streams(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    store = _store(tmp_path)
    run = store.start_health_run("2026-11-20")
    store.add_health_results(
        run,
        pd.DataFrame(
            {
                "device_id": [C1, C2],
                "verdict": ["ok", "ok"],
                "faults": [[], []],
                "measures": [{"stream_height_px": 576.0}, {"stream_height_px": 720.0}],
            }
        ),
    )
    store.finish_health_run(run, {})
    out = tmp_path / "report.xlsx"
    jobs.write_report(store, out, area="none")
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("分辨率不符").to_python()
    assert rows[0][0] == "设备编码" and [r[0] for r in rows[1:]] == [C1]
