"""``sharpeyes serve --workers N``: N server processes over one store, each answering map tiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import free_port, wait_until_serving


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(c) for c in text)
    return found


def test_serve_runs_workers_that_each_answer(tiny_store: Path, tmp_path: Path) -> None:
    from sharpeyes.jobs.auth import create_token
    from sharpeyes.store import Store

    store = Store.open(f"sqlite:///{tiny_store}")
    name = str(store.users()["name"].iloc[0])
    token = create_token(store, name)
    store.close()
    port = free_port()
    command = [sys.executable, "-m", "sharpeyes", "serve", "--db", str(tiny_store)]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/healthz", timeout_s=120)
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            answers = [client.get("/tiles/cameras/0/0/0.mvt") for _ in range(8)]
            units = client.get("/api/units").json()
        assert all(a.status_code == 200 for a in answers)
        assert len({a.headers["etag"] for a in answers}) == 1  # the same tile from every worker
        assert units["limit"] == 100
        for pid in workers:  # no worker has the store password or any secret on its command line
            assert "password" not in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
