"""Fixtures of the platform tests: a fresh MariaDB database (``SHARPEYES_TEST_MYSQL_URL``), a fresh
PostgreSQL one (``pg_url``), and the stand-in wvp REST app running as its own process on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, unavailable

HERE = Path(__file__).parent


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A fresh MariaDB database for this test (dropped afterwards)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = os.environ.get("SHARPEYES_TEST_MYSQL_URL")
    if not base:
        unavailable("MariaDB (set SHARPEYES_TEST_MYSQL_URL)")
    assert base is not None
    admin = sa.create_engine(make_url(base).set(database=None), isolation_level="AUTOCOMMIT")
    name = f"wvp_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except sa.exc.OperationalError as exc:
        unavailable(f"MariaDB at {make_url(base).render_as_string()} ({exc.orig})")
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture(params=["mariadb", "postgresql"])
def wvp_db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind wvp runs on."""
    return str(request.getfixturevalue("mysql_url" if request.param == "mariadb" else "pg_url"))


@pytest.fixture(scope="session")
def wvp_app_url() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of the stand-in wvp platform (a separate uvicorn process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "wvp_app.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "READY" not in line:
        process.kill()
        pytest.fail(
            f"the wvp stand-in did not start: {process.stderr.read() if process.stderr else ''}"
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def wvp_app(wvp_app_url: str) -> Iterator[httpx.Client]:
    """A client of the stand-in's ``/_test`` routes, its misbehaviour reset before and after."""
    reset = {"slow_path": None, "slow_s": 0, "html_path": None, "rtsp": {}, "play_delay_s": 0}
    with httpx.Client(base_url=wvp_app_url, timeout=30) as client:
        client.post("/_test/state", json=reset)
        yield client
        client.post("/_test/state", json=reset)
