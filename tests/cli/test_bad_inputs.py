"""No tracebacks, anywhere (issue 12, item 9): every command that reads input files, on empty, 0-byte,
header-only, binary and truncated files, ends with one line naming the file and the fix, exit 1."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import typer

from sharpeyes.cli import command
from sharpeyes.cli._common import JsonOption
from sharpeyes.cli._run import prepare, run
from tests.cli.conftest import TinyCity, sharpeyes

#: Commands reading input files: how to put the bad file in, and which of the tiny city's files
#: gives the header (and the whole for truncation).
COMMANDS: dict[str, tuple[Callable[[str, TinyCity], list[str]], str]] = {
    "import": (lambda f, c: ["import", f], "cameras"),
    "units import": (lambda f, c: ["units", "import", f], "units"),
    "places import": (lambda f, c: ["places", "import", f], "places"),
    "roads import": (lambda f, c: ["roads", "import", f], "roads"),
    "network import (nodes)": (lambda f, c: ["network", "import", f, str(c.links)], "nodes"),
    "network import (links)": (lambda f, c: ["network", "import", str(c.nodes), f], "links"),
    "network import (both)": (lambda f, c: ["network", "import", f, f], "nodes"),
    "plan --candidates": (
        lambda f, c: [
            "plan",
            "-o",
            str(Path(f).parent / "plan.csv"),
            "--budget",
            "1",
            "--candidates",
            f,
        ],
        "places",
    ),
}
KINDS = ("zero-bytes", "blank", "header-only", "binary", "truncated")
SUFFIXES = (".csv", ".xlsx", ".geojson")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def bad_file(folder: Path, source: Path, kind: str, suffix: str) -> Path:
    """A file of ``kind`` with ``suffix``, modelled on the good file ``source``."""
    target = folder / f"{kind}{suffix}"
    if suffix == ".geojson":
        good = (
            source.read_bytes()
            if source.suffix == ".geojson"
            else b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
            b'"properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": [123, 42]}}]}'
        )
        header = b'{"type": "FeatureCollection", "features": []}'
    elif suffix == ".xlsx":
        rows = _csv_rows(source) if source.suffix == ".csv" else [["code", "name"], ["1", "a"]]
        good, header = _xlsx(rows), _xlsx(rows[:1])
    else:
        good = source.read_bytes() if source.suffix == ".csv" else b"code,name\n219901,a\n"
        header = good.splitlines(keepends=True)[0]
    content = {
        "zero-bytes": b"",
        "blank": b"\n \n\t\n",
        "header-only": header,
        "binary": bytes(range(256)) * 8 + os.urandom(512),
        "truncated": good[: max(1, len(good) // 2)],
    }[kind]
    target.write_bytes(content)
    return target


def _cases() -> list[tuple[str, str, str]]:
    return [(name, kind, suffix) for name in COMMANDS for kind in KINDS for suffix in SUFFIXES]


@pytest.mark.parametrize(("name", "kind", "suffix"), _cases())
def test_bad_input_file_is_one_line_naming_it(
    name: str,
    kind: str,
    suffix: str,
    tiny_city: TinyCity,
    tiny_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHARPEYES_LOG_DIR", str(tmp_path / "logs"))
    build, model = COMMANDS[name]
    bad = bad_file(tmp_path, getattr(tiny_city, model), kind, suffix)
    args = [*build(str(bad), tiny_city), "--db", str(tiny_store)]
    with pytest.raises(SystemExit) as ended:
        run(command(), args)
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert "unexpected" not in stderr, stderr  # a known kind of bad file, not a crash
    assert ended.value.code == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("sharpeyes: error:")]
    assert len(errors) == 1, stderr
    assert bad.name in errors[0], errors[0]
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["network", "import", "{nodes_header}", "{links_header}"], "no data rows"),
        (["units", "import", "{zero}"], "empty (0 bytes)"),
        (["places", "import", "{zero}"], "empty (0 bytes)"),
        (["roads", "import", "{zero}"], "empty (0 bytes)"),
        (["network", "import", "{zero}", "{zero}"], "empty (0 bytes)"),
        (["places", "import", "{places_header}"], "no data rows"),
        (["health", "probe", "rtsp://a:b@[::1"], "not a valid stream URL"),
    ],
)
def test_the_reported_cases_at_the_entry_point(
    args: list[str], says: str, tiny_city: TinyCity, tiny_store: Path, tmp_path: Path
) -> None:
    zero = tmp_path / "zero.csv"
    zero.write_bytes(b"")
    headers = {}
    for name in ("nodes", "links", "places"):
        path = tmp_path / f"{name}_header.csv"
        path.write_bytes(getattr(tiny_city, name).read_bytes().splitlines(keepends=True)[0])
        headers[f"{name}_header"] = str(path)
    filled = [a.format(zero=zero, **headers) for a in args]
    out = sharpeyes(*filled, "--db", str(tiny_store), cwd=tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert says in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert ":b@" not in out.stderr  # the password of the URL is masked


def test_cors_star_is_accepted_and_a_bad_origin_refused(tiny_store: Path, tmp_path: Path) -> None:
    from sharpeyes.settings import load_settings

    os.environ["SHARPEYES_CORS_ORIGINS"] = "*"
    try:
        assert load_settings().cors_origins == ["*"]
        os.environ["SHARPEYES_CORS_ORIGINS"] = "https://a.example, http://b.example:8080"
        assert load_settings().cors_origins == ["https://a.example", "http://b.example:8080"]
    finally:
        del os.environ["SHARPEYES_CORS_ORIGINS"]
    out = sharpeyes(
        "serve", "--db", str(tiny_store), cwd=tmp_path, env={"SHARPEYES_CORS_ORIGINS": "a/b"}
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "SHARPEYES_CORS_ORIGINS" in out.stderr and "'a/b'" in out.stderr


def test_max_upload_must_be_positive(tiny_store: Path, tmp_path: Path) -> None:
    out = sharpeyes(
        "serve", "--db", str(tiny_store), cwd=tmp_path, env={"SHARPEYES_MAX_UPLOAD_MB": "-1"}
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "SHARPEYES_MAX_UPLOAD_MB (given '-1')" in out.stderr and "greater than 0" in out.stderr


def test_an_unexpected_error_is_one_line_and_a_log_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a command is told in one line naming a log file that holds the traceback (URL
    credentials masked); under --json stdout stays empty."""
    monkeypatch.setenv("SHARPEYES_LOG_DIR", str(tmp_path / "logs"))
    app = typer.Typer()

    @app.command("boom")
    def boom(as_json: JsonOption = False) -> None:
        """Fail as a bug would."""
        raise KeyError("rtsp://admin:Secret1@10.0.0.1/live")

    @app.command("other")
    def other() -> None:
        """A second command, so that the app is a group."""

    for args in (["boom"], ["boom", "--json"]):
        with pytest.raises(SystemExit) as ended:
            run(prepare(typer.main.get_command(app)), args)
        captured = capfd.readouterr()
        assert ended.value.code == 1
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "unexpected KeyError" in lines[0], captured.err
        assert "Secret1" not in captured.err
        log = Path(lines[0].split("traceback in ")[1].split(";")[0])
        text = log.read_text(encoding="utf-8")
        assert "Traceback" in text and "raise KeyError" in text and "Secret1" not in text
        assert captured.out == ""
