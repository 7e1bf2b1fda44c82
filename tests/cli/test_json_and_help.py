"""Every command that takes ``--json`` prints one JSON document on stdout and nothing else; every
command's help reads like a CLI. Both walk the CLI's own command tree, so a command added later
without an entry here fails the test instead of being forgotten."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.cli import command
from sharpeyes.cli._run import json_param, walk
from tests.cli.conftest import TinyCity, sharpeyes
from tests.conftest import free_port, wait_until_serving

#: How to run each command with --json on the tiny city ({name} filled from TinyCity and paths).
JSON_RUNS: dict[str, list[str]] = {
    "versions": [],
    "import": ["{cameras}"],
    "report": ["-o", "{out}/report.xlsx"],
    "gaps": ["-o", "{out}/gaps.geojson"],
    "plan": ["-o", "{out}/plan.csv", "--budget", "2"],
    "cameras export": ["-o", "{out}/cameras.xlsx", "--with-warnings"],
    "units import": ["{units}"],
    "places import": ["{places}"],
    "roads import": ["{roads}"],
    "network import": ["{nodes}", "{links}"],
    "network check": ["-o", "{out}/network.xlsx"],
    "health run": ["--concurrency", "2"],
    "health probe": ["{clip}"],
    "health reference": ["--device-id", "21990100001320000001"],
    "health history": ["21990100001320000001"],
    "health worklist": ["-o", "{out}/worklist.xlsx"],
    "users add": ["viewer1", "--role", "viewer"],
    "tokens create": ["admin"],
    "tokens list": [],
    "tokens revoke": ["--user", "admin"],
    "users list": [],
    "users remove": ["admin"],
    "users passwd": ["admin"],
}
#: What a command reads on stdin.
STDIN = {"users passwd": "a long enough password\n"}
#: Commands that need their own harness: ``serve`` (below), ``demo`` (minutes; tests/cli/test_demo.py
#: parses its whole stdout), ``sync wvp`` (a video platform; tests/platform/test_cli.py).
SPECIAL = {"serve", "demo", "sync wvp"}
#: Commands without --db.
NO_DB = {"versions"}


def _leaves() -> dict[str, Any]:
    return {" ".join(path): leaf for path, leaf in walk(command())}


def test_every_json_command_has_a_run_here() -> None:
    with_json = {name for name, leaf in _leaves().items() if json_param(leaf)}
    assert with_json - SPECIAL == set(JSON_RUNS), (
        "a command with --json has no entry in JSON_RUNS (or an entry names no such command)"
    )


def _args(name: str, city: TinyCity, out: Path, db: Path) -> list[str]:
    fill = {**{k: str(v) for k, v in vars(city).items()}, "out": str(out)}
    args = [*name.split(), *(a.format(**fill) for a in JSON_RUNS[name]), "--json"]
    return args if name in NO_DB else [*args, "--db", str(db)]


def _one_document(out: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    document = json.loads(out.stdout)  # the whole of stdout is one JSON document
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("name", sorted(JSON_RUNS))
def test_json_stdout_is_one_document(
    name: str, tiny_city: TinyCity, tiny_store: Path, tmp_path: Path
) -> None:
    args = _args(name, tiny_city, tmp_path, tiny_store)
    out = sharpeyes(*args, cwd=tmp_path, stdin=STDIN.get(name, ""))
    document = _one_document(out)
    if name == "versions":
        assert document["sharpeyes"] and "numpy" in document["dependencies"]
    if name == "plan":
        assert document["selected"]  # the solver ran; its banner, if any, went to stderr


def test_json_on_failure_leaves_stdout_empty(tmp_path: Path) -> None:
    out = sharpeyes("report", "-o", str(tmp_path / "r.docx"), "--json", cwd=tmp_path)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith("sharpeyes: error: -o ")


def _serve(db: Path, cwd: Path, *extra: str) -> tuple[str, str]:
    """Run ``sharpeyes serve`` until it answers, stop it; its stdout and stderr."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sharpeyes", "serve", "--db", str(db), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/healthz", timeout_s=120)
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=60)
    return stdout, stderr


def test_serve_json_and_login_hint(tiny_store: Path, tmp_path: Path) -> None:
    stdout, stderr = _serve(tiny_store, tmp_path, "--json")
    document = json.loads(stdout)
    assert document["url"].endswith("/map")
    assert document["token"] is None
    assert document["create_token"] == f"sharpeyes tokens create NAME --db {tiny_store}"
    assert "Traceback" not in stderr


def test_serve_prints_the_demo_token(tiny_store: Path, tmp_path: Path) -> None:
    from sharpeyes.jobs.auth import ensure_admin_token
    from sharpeyes.jobs.demo import _keep_token
    from sharpeyes.store import Store

    store = Store.open(f"sqlite:///{tiny_store}")
    token = ensure_admin_token(store, name="demo-admin")
    token_file = _keep_token(tmp_path, token)
    store.save_result("demo", {"user": "demo-admin", "token_file": str(token_file)})
    store.close()
    assert token_file.stat().st_mode & 0o077 == 0  # only the owner reads it
    _, stderr = _serve(tiny_store, tmp_path)
    assert "http://127.0.0.1:" in stderr and "/map" in stderr
    assert token in stderr and "Authorization: Bearer" in stderr


# -- help ------------------------------------------------------------------------------------

_TYPE_LABEL = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\]|[a-z]+)>")


def _help_text(root: Any, path: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        root.main(args=[*path, "--help"], prog_name="sharpeyes", standalone_mode=False)
    return buffer.getvalue()


def test_help_reads_like_a_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    root = command()
    problems: list[str] = []
    groups = [(name,) for name, child in root.commands.items() if hasattr(child, "commands")]
    for path in [(), *groups, *(p for p, _ in walk(root))]:
        shown = " ".join(path) or "(root)"
        text = _help_text(root, path)
        assert f"Usage: sharpeyes {' '.join(path)}".rstrip() in text, shown
        for bad in ("<bool>", "<str>", "{"):
            if bad in text:
                problems.append(f"{shown}: help shows {bad!r}")
        label = _TYPE_LABEL.search(text)
        if label:
            problems.append(f"{shown}: help shows the type {label.group(0)}")
    for path, leaf in walk(root):
        for param in leaf.params:
            if not (param.help or "").strip():
                problems.append(f"{' '.join(path)}: {param.opts[0]} has no help text")
            if getattr(param, "is_flag", False) and param.metavar:
                problems.append(f"{' '.join(path)}: flag {param.opts[0]} shows a value")
    assert not problems, "\n".join(problems)


def test_help_shows_flags_arguments_and_choices(tmp_path: Path) -> None:
    out = sharpeyes("import", "--help", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "Usage: sharpeyes import [OPTIONS] FILE..." in out.stdout
    assert re.search(r"--dry-run\s+Validate", out.stdout)
    assert "auto|csv|xlsx|gb28181|geojson|gpkg|shp|osm" in out.stdout
    network = sharpeyes("network", "import", "--help", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "Usage: sharpeyes network import [OPTIONS] NODES LINKS" in network.stdout
    probe = sharpeyes("health", "probe", "--help", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "URL_OR_FILE" in probe.stdout and "[default: 20.0]" in probe.stdout
