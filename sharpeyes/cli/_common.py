"""What every subcommand shares: ``--db``, ``--json``, output and one-line errors.

``--json`` promise: one JSON document on stdout and nothing else there. While a command runs with
``--json`` the CLI root (:mod:`sharpeyes.cli._run`) points file descriptor 1 at stderr, so that
whatever a library prints (Python ``print`` or C ``printf``, the HiGHS banner) lands on stderr, and
hands the saved real stdout to :func:`emit` through :func:`json_target`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import typer

from sharpeyes._errors import SharpeyesError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="PATH|URL",
        help="SQLite path or SQLAlchemy URL (default: $SHARPEYES_DB, else ./sharpeyes.db)",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there")
]
DaskOption = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS|local:N",
        help="Split the work by county on a Dask cluster (tcp://host:8786) or N local workers",
        show_default=False,
    ),
]
MkdirOption = Annotated[
    bool,
    typer.Option(
        "--mkdir", help="Create the missing folders of -o (without it: only the last one)"
    ),
]

log = logging.getLogger("sharpeyes")

F = TypeVar("F", bound=Callable[..., Any])


class _JsonState:
    """Where ``--json`` output goes while a command runs."""

    stream: IO[str] | None = None


_STATE = _JsonState()


@contextmanager
def json_target(stream: IO[str]) -> Iterator[None]:
    """Send :func:`emit`'s JSON to ``stream`` (the real stdout) for the duration of a command."""
    _STATE.stream = stream
    try:
        yield
    finally:
        _STATE.stream = None


def _default(value: Any) -> Any:
    np = sys.modules.get("numpy")  # a numpy value means numpy is imported; never import it here
    if np is not None:
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return None if np.isnan(value) else float(value)
        if isinstance(value, np.bool_):
            return bool(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def emit(document: dict[str, Any], *, as_json: bool, text: str | None = None) -> None:
    """Print ``document`` as JSON on stdout (``--json``) or ``text`` for people."""
    if as_json:
        out = _STATE.stream or sys.stdout
        out.write(json.dumps(document, ensure_ascii=False, default=_default) + "\n")
        out.flush()
        return
    if text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """Progress and notes for people: always on stderr so ``--json`` stdout stays clean."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def _scrubbed(text: str) -> str:
    """``text`` with URL credentials masked (importing the URL helpers only when it may hold some)."""
    if "@" not in text and "=" not in text:
        return text
    from sharpeyes.model.urls import scrub

    return scrub(text)


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Say ``sharpeyes: error: message`` (URL credentials masked) on stderr; returns the
    :class:`typer.Exit` to raise. Under ``--json`` stdout stays empty on failure: the exit code
    and this line tell it."""
    say(f"sharpeyes: error: {_scrubbed(message)}")
    return typer.Exit(code=code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a :class:`SharpeyesError` into a one-line reason on stderr and exit code 1."""
    try:
        yield
    except SharpeyesError as exc:
        raise fail(str(exc)) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        raise fail(f"{exc.strerror}: {exc.filename}") from None
