"""Shared fixtures: a temporary SQLite store path, the PostGIS test URL, and the rule that tests
needing a real server fail instead of skipping when ``SHARPEYES_REQUIRE_SERVERS=1`` (CI)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_SERVERS = os.environ.get("SHARPEYES_REQUIRE_SERVERS") == "1"


def unavailable(what: str) -> None:
    """Skip locally, fail in CI: a test that needs ``what`` must not silently pass by skipping."""
    if REQUIRE_SERVERS:
        pytest.fail(f"{what} is not available but SHARPEYES_REQUIRE_SERVERS=1: CI must provide it")
    pytest.skip(f"{what} is not available")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], url: str, *, timeout_s: float = 60
) -> None:
    """Poll ``url`` (a ``/healthz``) until it answers; fail if ``process`` dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            pass
        if process.poll() is not None:
            err = process.stderr.read() if process.stderr else ""
            pytest.fail(f"the server exited before answering: {str(err)[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer {url} within {timeout_s:g} s")
        time.sleep(0.2)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'sharpeyes.db'}"


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    """URL of the PostgreSQL/PostGIS test database (``SHARPEYES_TEST_PG_URL``)."""
    url = os.environ.get("SHARPEYES_TEST_PG_URL")
    if not url:
        unavailable("PostgreSQL/PostGIS (set SHARPEYES_TEST_PG_URL)")
    assert url is not None
    return url


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A fresh PostGIS database for this test, dropped afterwards (tests may run in parallel)."""
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(pg_base_url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"sharpeyes_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Run a store test on both back ends."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))
