"""The morning worklist on a real SQLite store: one sheet per contractor, network faults to the
carrier, nights in a row, thumbnails in the workbook, the summary against 98 % / 95 %; the CLI and
``/api/health/worklist`` with its roles; a run still going is not what it reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from sharpeyes.demo.streams import write_clip
from sharpeyes.health.synthetic import apply_fault
from sharpeyes.health.worklist import CARRIER
from sharpeyes.jobs.health import run_nightly
from sharpeyes.jobs.worklist import write_worklist
from sharpeyes.store import Store
from tests.health.conftest import Misbehaving, free_port, street_frames
from tests.health.test_job import add_cameras, device


@pytest.fixture
def nights(tmp_path: Path, misbehaving: type[Misbehaving]) -> Iterator[tuple[Store, str]]:
    """Two finished nights: 6 cameras of 3 contractors with streams (healthy, black, blur, a
    refused port, a silent server), one networked camera without a stream."""
    base = street_frames()
    rng = np.random.default_rng(0)
    clips = {
        "healthy": write_clip(tmp_path / "healthy.avi", base),
        "black": write_clip(tmp_path / "black.avi", apply_fault(base, "black", "moderate", rng)),
        "blur": write_clip(tmp_path / "blur.avi", apply_fault(base, "blur", "moderate", rng)),
    }
    silent = misbehaving("silent")
    urls = {
        device(0): str(clips["healthy"]),  # contractor-0
        device(1): str(clips["black"]),  # contractor-1
        device(2): str(clips["blur"]),  # contractor-2
        device(3): f"rtsp://127.0.0.1:{free_port()}/x",  # contractor-0: refused, the network
        device(4): f"rtsp://admin:pw4@127.0.0.1:{silent.port}/x",  # contractor-1: the stream
        device(5): str(clips["healthy"]),  # contractor-2
    }
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store.open(url)
    add_cameras(store, urls)
    add_cameras(store, {device(6): ""})  # contractor-0: networked, no stream: 未巡检
    for night in ("2026-11-20", "2026-11-21"):
        run_nightly(store, night=night, deadline_s=3, progress=False)
    yield store, url


def test_workbook_sheets_pictures_streaks_and_summary(
    nights: tuple[Store, str], tmp_path: Path
) -> None:
    store, _ = nights
    # a third night still going must not be what the worklist reads
    going = store.start_health_run("2026-11-22")
    store.add_health_results(going, [{"device_id": device(0), "verdict": "offline"}])
    out = tmp_path / "worklist.xlsx"
    doc = write_worklist(store, out)
    assert doc["night"] == "2026-11-21" and doc["cameras"] == 4
    assert doc["routes"] == {CARRIER: 1, "contractor-1": 2, "contractor-2": 1}
    book = load_workbook(out)
    assert book.sheetnames[0] == "汇总"
    assert set(book.sheetnames[1:]) == {CARRIER, "contractor-1", "contractor-2"}
    one = book["contractor-1"]
    header = [c.value for c in one[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=False)) for r in one.iter_rows(min_row=2)]
    by_id = {r["设备编码"]: r for r in rows}
    assert by_id[device(1)]["故障"] == "黑屏" and by_id[device(1)]["故障类别"] == "图像故障"
    assert by_id[device(4)]["故障类别"] == "视频流故障" and by_id[device(4)]["离线原因"] == "超时"
    assert all(r["连续天数"] == 2 and r["始于"] == "2026-11-20" for r in rows)
    # the black camera's snapshot is in the sheet; the silent one has none
    assert len(one._images) == 1
    assert "pw4" not in json.dumps(rows, default=str)
    carrier = book[CARRIER]
    assert carrier["A2"].value == device(3) and carrier["G2"].value == "网络故障"
    summary = {r[0].value: [c.value for c in r] for r in book["汇总"].iter_rows(min_row=3)}
    head = [c.value for c in book["汇总"][2]]
    c0 = dict(zip(head, summary["contractor-0"], strict=True))
    # contractor-0: 2 probed (healthy ok, refused), 1 intact; the camera without stream apart
    assert (c0["巡检数"], c0["完好数"], c0["完好率"], c0["未巡检"]) == (2, 1, 0.5, 1)
    assert c0["一类目标"] == 0.98 and c0["达标"] is False
    c2 = dict(zip(head, summary["contractor-2"], strict=True))
    assert (c2["巡检数"], c2["完好数"], c2["图像故障"]) == (2, 1, 1)


def test_csv_json_cli_and_api(nights: tuple[Store, str], tmp_path: Path) -> None:
    import httpx
    from typer.testing import CliRunner

    from sharpeyes.api import create_app
    from sharpeyes.cli import app
    from sharpeyes.jobs.auth import add_user, create_token
    from sharpeyes.settings import Settings
    from tests.api.conftest import serve

    store, url = nights
    runner = CliRunner()
    out = runner.invoke(
        app,
        ["health", "worklist", "-o", str(tmp_path / "w.json"), "--format", "json", "--db", url],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert {r["device_id"] for r in doc["sheets"]["contractor-1"]} == {device(1), device(4)}
    out = runner.invoke(
        app, ["health", "worklist", "-o", str(tmp_path / "w.csv"), "--format", "csv", "--db", url]
    )
    assert out.exit_code == 0 and "contractor-1 2" in out.output
    assert device(3) in (tmp_path / "w.csv").read_text(encoding="utf-8-sig")
    out = runner.invoke(
        app, ["health", "worklist", "-o", str(tmp_path / "x"), "--night", "2026-01-01", "--db", url]
    )
    assert out.exit_code == 1 and "no finished health run" in out.output

    add_user(store, "v1", "viewer", password="viewer-password")
    token = create_token(store, "v1")
    for base in serve(create_app(Settings(), store)):
        assert httpx.get(f"{base}/api/health/worklist").status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        got = httpx.get(f"{base}/api/health/worklist", headers=auth, timeout=30)
        assert got.status_code == 200 and got.json()["night"] == "2026-11-21"
        xlsx = httpx.get(f"{base}/api/health/worklist?format=xlsx", headers=auth, timeout=30)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
        assert "attachment" in xlsx.headers["content-disposition"]
        missing = httpx.get(f"{base}/api/health/worklist?night=2020-01-01", headers=auth)
        assert missing.status_code == 404
