"""What every subcommand shares: ``--db``, ``--json``, output and one-line errors."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import typer

from sharpeyes._errors import SharpeyesError

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLite path or SQLAlchemy URL (default $SHARPEYES_DB or ./sharpeyes.db)"
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there")
]

log = logging.getLogger("sharpeyes")

F = TypeVar("F", bound=Callable[..., Any])


def _default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
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
        sys.stdout.write(json.dumps(document, ensure_ascii=False, default=_default) + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """Progress and notes for people: always on stderr so ``--json`` stdout stays clean."""
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a :class:`SharpeyesError` into a one-line reason on stderr and exit code 1."""
    try:
        yield
    except SharpeyesError as exc:
        say(f"sharpeyes: error: {exc}")
        raise typer.Exit(code=1) from None
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        say(f"sharpeyes: error: {exc.strerror}: {exc.filename}")
        raise typer.Exit(code=1) from None
