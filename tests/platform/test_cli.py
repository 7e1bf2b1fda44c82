"""The commands: ``sharpeyes sync wvp URL`` and ``sharpeyes health run --via wvp URL``."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
from typer.testing import CliRunner

from sharpeyes.cli import app
from tests.platform import wvp_data as w
from tests.platform.test_sync_rest import load, rest_url
from tests.platform.wvp_app import PASSWORD


def test_sync_then_health_via_wvp_from_the_command_line(
    wvp_app: httpx.Client, wvp_app_url: str, tmp_path
) -> None:
    devices, channels = w.platform(1, 4)
    load(wvp_app, devices, channels)
    password_file = tmp_path / "wvp.pw"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    env = {"SHARPEYES_WVP_PASSWORD": ""}
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "sync",
            "wvp",
            rest_url(wvp_app_url),
            "--crs",
            "wgs84",
            "--password-file",
            str(password_file),
            "--db",
            db,
            "--json",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["channels"] == 4 and doc["added"] == 4
    assert PASSWORD not in result.output
    before = wvp_app.get("/_test/counts").json()["play"]
    result = runner.invoke(
        app,
        [
            "health",
            "run",
            "--via",
            "wvp",
            rest_url(wvp_app_url),
            "--max-open",
            "1",
            "--password-file",
            str(password_file),
            "--db",
            db,
            "--json",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["via_platform"]["cameras"] == 4 and summary["via_platform"]["max_open"] == 1
    counts = wvp_app.get("/_test/counts").json()
    assert counts["play"] - before == 4 and counts["open"] == {}


def test_wrong_password_exits_1_with_one_line(wvp_app_url: str, tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sharpeyes",
            "sync",
            "wvp",
            rest_url(wvp_app_url),
            "--db",
            str(tmp_path / "s.db"),
        ],
        env={"SHARPEYES_WVP_PASSWORD": "wrong-one", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1].startswith("sharpeyes: error: wvp http://127.0.0.1:")
    )
    assert "用户名或密码错误" in result.stderr and "wrong-one" not in result.stderr
