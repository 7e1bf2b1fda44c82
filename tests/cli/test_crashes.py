"""No command ever ends in a traceback (issue 14, item 4): an unexpected error in *any* command of
the real ``sharpeyes`` tree is one line on stderr naming a log file that holds the traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.cli import command
from sharpeyes.cli._run import json_param, run, walk


def _required_args(leaf: Any, tmp_path: Path) -> list[str]:
    """Values for the command's required parameters (parsing must succeed: the fault is inside)."""
    args: list[str] = []
    for param in leaf.params:
        if not param.required:
            continue
        value = str(tmp_path / f"{param.name}.txt")
        if param.param_type_name == "argument":
            args.append(value)
        else:
            args.extend([param.opts[0], value])
    return args


def _log_of(line: str) -> Path:
    return Path(line.split("traceback in ")[1].split(";")[0])


LEAVES = [(path, leaf) for path, leaf in walk(command())]


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_turns_a_bug_into_one_line_and_a_log(
    path: tuple[str, ...],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHARPEYES_LOG_DIR", str(tmp_path / "logs"))
    tree = command()
    leaf = dict(walk(tree))[path]

    def bug(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("rtsp://admin:Secret1@10.0.0.1/live went wrong")

    monkeypatch.setattr(leaf.callback, "inner", bug)
    as_json = ["--json"] if json_param(leaf) else []
    with pytest.raises(SystemExit) as ended:
        run(tree, [*path, *_required_args(leaf, tmp_path), *as_json])
    captured = capfd.readouterr()
    assert ended.value.code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("sharpeyes: error: unexpected ZeroDivisionError"), lines[0]
    assert "Traceback" not in captured.err and "Secret1" not in captured.err
    assert captured.out == ""
    text = _log_of(lines[0]).read_text(encoding="utf-8")
    assert "Traceback" in text and "in bug" in text and "Secret1" not in text


def test_the_console_script_logs_a_bug_deep_in_a_job(tmp_path: Path, tiny_store: Path) -> None:
    """The real entry point, a fault far below the command (in the gaps step of the report)."""
    code = (
        "import sys\n"
        "import sharpeyes.jobs.coverage as jobs\n"
        "def broken(*a, **k):\n"
        "    raise KeyError('code')\n"
        "jobs.find_gaps = broken\n"
        "from sharpeyes.cli import main\n"
        "sys.argv = ['sharpeyes', *sys.argv[1:]]\n"
        "main()\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "report",
            "-o",
            str(tmp_path / "r.xlsx"),
            "--db",
            str(tiny_store),
        ],
        capture_output=True,
        text=True,
        env={"SHARPEYES_LOG_DIR": str(tmp_path / "logs"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("sharpeyes: error:")]
    assert len(errors) == 1 and "unexpected KeyError: 'code'" in errors[0]
    log = _log_of(errors[0])
    assert log.parent == tmp_path / "logs"
    assert "in broken" in log.read_text(encoding="utf-8")


def test_a_failure_while_building_the_commands_is_caught(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_LOG_DIR", str(tmp_path / "logs"))

    def build() -> Any:
        raise ImportError("a broken install")

    with pytest.raises(SystemExit) as ended:
        run(build, ["versions"])
    lines = capfd.readouterr().err.strip().splitlines()
    assert ended.value.code == 1 and len(lines) == 1
    assert "unexpected ImportError: a broken install" in lines[0]
