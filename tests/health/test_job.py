"""The nightly job on a real SQLite store: every camera one row, dead streams cannot hold it,
resume after the job process is killed, the same results on a Dask LocalCluster, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from sharpeyes.demo.streams import make_demo_streams
from sharpeyes.jobs.health import camera_history, offline_nights, run_nightly, set_references
from sharpeyes.model.columns import empty_cameras
from sharpeyes.store import Store
from tests.health.conftest import Misbehaving, free_port


def add_cameras(store: Store, urls: dict[str, str]) -> None:
    rows = [
        {
            "device_id": device_id,
            "name": device_id[-4:],
            "lon": 123.84 + i * 0.001,
            "lat": 42.29,
            "stream_url": url,
            "admin_code": "211202" if i % 2 else "211204",
            "management_unit": f"contractor-{i % 3}",
            "point_class": 1,
            "networked": True,
        }
        for i, (device_id, url) in enumerate(urls.items())
    ]
    frame = pd.concat([pd.DataFrame(empty_cameras()), pd.DataFrame(rows)], ignore_index=True)
    cameras = gpd.GeoDataFrame(
        frame, geometry=[Point(r["lon"], r["lat"]) for r in rows], crs="EPSG:4326"
    )
    store.import_cameras(cameras, None, source="test", file=None)


def device(i: int) -> str:
    return f"211202000013200{i:05d}"


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Store, dict[str, list[str]], str]:
    paths = {device(i): tmp_path / "streams" / f"{device(i)}.mp4" for i in range(16)}
    expected = make_demo_streams(paths, seed=1)
    url = f"sqlite:///{tmp_path / 'h.db'}"
    store = Store.open(url)
    add_cameras(store, {d: str(p) for d, p in paths.items()})
    return store, expected, url


def test_run_rows_summary_prometheus_and_history(
    demo: tuple[Store, dict[str, list[str]], str], tmp_path: Path, misbehaving: type[Misbehaving]
) -> None:
    store, expected, _ = demo
    silent = misbehaving("silent")
    add_cameras(
        store,
        {
            device(90): f"rtsp://admin:pw9@127.0.0.1:{silent.port}/x",
            device(91): f"rtsp://127.0.0.1:{free_port()}/x",
        },
    )
    t0 = time.monotonic()
    summary = run_nightly(
        store, concurrency=4, deadline_s=3, snapshot_dir=tmp_path / "snaps", progress=False
    )
    assert time.monotonic() - t0 < 60
    results = store.health_results()
    assert sorted(results["device_id"]) == sorted([*expected, device(90), device(91)])
    by_id = results.set_index("device_id")
    assert (
        by_id.at[device(90), "reason"] == "timeout" and by_id.at[device(91), "reason"] == "refused"
    )
    for dev, faults in expected.items():
        if faults == ["offline"]:
            assert by_id.at[dev, "verdict"] == "offline"
        elif not faults:
            assert by_id.at[dev, "verdict"] == "ok", (dev, by_id.loc[dev].to_dict())
    assert summary["checked"] == 18 and summary["max_camera_s"] < 3 + 2
    assert 0 < summary["online_rate"] < 1 and summary["intact_rate"] < summary["online_rate"]
    assert set(summary["by"]["management_unit"]) == {"contractor-0", "contractor-1", "contractor-2"}
    prom = (tmp_path / "snaps" / "health.prom").read_text()
    assert "sharpeyes_health_online_rate" in prom and 'fault="black"' in prom
    assert (tmp_path / "snaps" / f"{device(0)}.jpg").exists() or by_id.at[
        device(0), "verdict"
    ] == "offline"
    assert store.latest_result("health")["run_id"] == summary["run_id"]
    assert "pw9" not in json.dumps(summary, default=str)
    for night in ("2026-01-02", "2026-01-03"):
        run_nightly(
            store, night=night, deadline_s=3, progress=False, device_ids=[device(90), device(0)]
        )
    assert offline_nights(store, nights=3)["device_id"].tolist() == [device(90)]
    assert camera_history(store, device(90))["offline_streak"] == 3


def test_resume_after_the_job_is_killed(
    demo: tuple[Store, dict[str, list[str]], str], tmp_path: Path
) -> None:
    store, expected, url = demo
    script = (
        "import sys; from sharpeyes.store import Store; from sharpeyes.jobs.health import run_nightly;"
        f"run_nightly(Store.open({url!r}), concurrency=1, deadline_s=5, progress=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 60
    run_id = None
    while time.monotonic() < deadline:
        runs = store.health_runs()
        if not runs.empty and int(runs["results"].iloc[-1]) >= 5:
            run_id = int(runs["run_id"].iloc[-1])
            break
        time.sleep(0.02)  # a fast job: poll often enough to kill it part-way
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert run_id is not None
    partial = store.done_in_run(run_id)
    assert 5 <= len(partial) < len(expected)
    summary = run_nightly(store, concurrency=4, resume=True, deadline_s=5, progress=False)
    assert summary["run_id"] == run_id and summary["resumed_skipped"] == len(partial)
    results = store.health_results(run_id)
    assert len(results) == len(expected) and results["device_id"].is_unique


@pytest.mark.dask
@pytest.mark.slow
def test_dask_gives_the_same_results(demo: tuple[Store, dict[str, list[str]], str]) -> None:
    from dask.distributed import LocalCluster

    store, _, _ = demo
    local = run_nightly(
        store, night="2026-02-01", deadline_s=10, progress=False, auto_reference=False
    )
    with LocalCluster(
        n_workers=1,
        threads_per_worker=4,
        processes=True,
        dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken
    ) as cluster:
        remote = run_nightly(
            store,
            night="2026-02-02",
            dask_address=cluster.scheduler_address,
            deadline_s=10,
            progress=False,
            auto_reference=False,
        )
    a = store.health_results(local["run_id"]).set_index("device_id").sort_index()
    b = store.health_results(remote["run_id"]).set_index("device_id").sort_index()
    assert list(a.index) == list(b.index)
    assert a["verdict"].tolist() == b["verdict"].tolist()
    assert a["faults"].tolist() == b["faults"].tolist()
    for x, y in zip(a["measures"], b["measures"], strict=True):
        assert {k: v for k, v in x.items() if not k.endswith("_s")} == {
            k: v for k, v in y.items() if not k.endswith("_s")
        }
    assert local["faults"] == remote["faults"] and local["online_rate"] == remote["online_rate"]


def test_reference_then_scene_change(tmp_path: Path) -> None:
    import numpy as np

    from sharpeyes.demo.streams import write_clip
    from sharpeyes.health.synthetic import apply_fault
    from tests.health.conftest import street_frames

    clip = write_clip(tmp_path / "cam.avi", street_frames())
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    add_cameras(store, {device(1): str(clip)})
    assert set_references(store)["set"] == [device(1)]
    assert run_nightly(store, night="2026-03-01", progress=False)["intact"] == 1
    write_clip(
        clip, apply_fault(street_frames(), "scene_change", "moderate", np.random.default_rng(3))
    )
    summary = run_nightly(store, night="2026-03-02", progress=False)
    assert summary["faults"]["scene_change"] == 1


def test_cli_probe_and_run(
    demo: tuple[Store, dict[str, list[str]], str], clips: dict[str, Path]
) -> None:
    from typer.testing import CliRunner

    from sharpeyes.cli import app

    _, _, url = demo
    runner = CliRunner()
    out = runner.invoke(app, ["health", "probe", str(clips["black"]), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "degraded" and doc["faults"] == ["black"] and "reason" in doc
    out = runner.invoke(
        app, ["health", "run", "--db", url, "--json", "--concurrency", "4", "--deadline-s", "5"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["checked"] == 16
    out = runner.invoke(app, ["health", "history", device(0), "--db", url, "--json"])
    assert json.loads(out.stdout)["runs"]
    out = runner.invoke(app, ["health", "run", "--db", url, "--concurrency", "0"])
    assert out.exit_code == 1 and "--concurrency" in out.output
