"""How the ``sharpeyes`` command runs: ``--json`` stdout kept clean, no traceback on the terminal.

:func:`prepare` walks the click command tree that typer built from the app and wraps every
command that takes ``--json``: while it runs with ``--json``, file descriptor 1 points at stderr
(what any library prints, in Python or in C, goes there) and :func:`~sharpeyes.cli._common.emit`
writes the one JSON document to the saved real stdout. :func:`run` turns an unexpected exception
into one line on stderr naming a log file that holds the traceback, exit code 1.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import typer

from sharpeyes.cli._common import fail, json_target, say

#: Exceptions that are how typer/click end a command on purpose.
_CONTROL = (typer.Exit, typer.Abort, typer.TyperException)


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the click tree with its path (``("network", "import")``)."""
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    for name, child in children.items():
        yield from walk(child, (*path, name))


def json_param(command: Any) -> str | None:
    """Name of the command's ``--json`` parameter (``as_json``), or ``None``."""
    for param in command.params:
        if "--json" in getattr(param, "opts", ()):
            return str(param.name)
    return None


def _flush_c_stdio() -> None:
    """Flush C-level stdio buffers (a library's ``printf`` waiting in libc's buffer)."""
    with contextlib.suppress(OSError, AttributeError):  # no POSIX libc: nothing to flush
        ctypes.CDLL(None).fflush(None)


@contextmanager
def stdout_to_stderr() -> Iterator[IO[str]]:
    """Point file descriptor 1 at stderr; yield a text stream on the real stdout."""
    sys.stdout.flush()
    _flush_c_stdio()
    saved = os.dup(1)
    os.dup2(2, 1)
    real = os.fdopen(os.dup(saved), "w", encoding="utf-8", closefd=True)
    try:
        yield real
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        real.flush()
        os.dup2(saved, 1)
        os.close(saved)
        real.close()


def _guard(callback: Callable[..., Any], json_name: str | None) -> Callable[..., Any]:
    """``callback`` guarded; the command's own function stays reachable as ``.inner`` (the guard
    calls whatever ``.inner`` holds, so a test can make any command fail unexpectedly)."""

    @functools.wraps(callback)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        inner = guarded.inner  # type: ignore[attr-defined]
        if json_name is None or not kwargs.get(json_name):
            return _call(inner, args, kwargs)
        with stdout_to_stderr() as real, json_target(real):
            return _call(inner, args, kwargs)

    guarded.inner = callback  # type: ignore[attr-defined]
    return guarded


def _call(callback: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    try:
        return callback(*args, **kwargs)
    except _CONTROL:
        raise
    except Exception as exc:
        raise fail(crash_message(exc)) from None


def prepare(command: Any) -> Any:
    """Wrap every leaf command of ``command`` (see the module docstring); returns ``command``."""
    for _path, leaf in walk(command):
        if leaf.callback is not None and not getattr(leaf.callback, "_sharpeyes_guarded", False):
            leaf.callback = _guard(leaf.callback, json_param(leaf))
            leaf.callback._sharpeyes_guarded = True
    return command


def crash_log_dir() -> Path:
    """Where tracebacks of unexpected errors go: ``$SHARPEYES_LOG_DIR``, else
    ``$XDG_STATE_HOME/sharpeyes`` (``~/.local/state/sharpeyes``), else the temp folder."""
    given = os.environ.get("SHARPEYES_LOG_DIR")
    if given:
        return Path(given)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "sharpeyes"


def write_crash_log(exc: BaseException) -> Path | None:
    """Write ``exc``'s traceback (credentials masked) to a new log file; its path, or ``None``."""
    from sharpeyes import __version__
    from sharpeyes.model.urls import scrub

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = (
        f"sharpeyes {__version__}, {stamp}, pid {os.getpid()}\n"
        f"command: sharpeyes {' '.join(scrub(a) for a in sys.argv[1:])}\n\n"
        + scrub("".join(traceback.format_exception(exc)))
    )
    for folder in (crash_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"sharpeyes-crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def crash_message(exc: BaseException) -> str:
    """One line for an unexpected error: what it was and where its traceback was written."""
    path = write_crash_log(exc)
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    where = f"traceback in {path}" if path else "no log file could be written"
    return f"unexpected {type(exc).__name__}: {first} ({where}; please report it with that file)"


def run(command: Any, args: Sequence[str] | None = None) -> None:
    """Run the prepared ``command`` as the console script does; never show a traceback.

    ``command`` may also be a function that builds it (the console script passes
    :func:`sharpeyes.cli.command`), so that an error while importing the commands is caught too.
    """
    try:
        if not hasattr(command, "main"):
            command = command()
        command.main(args=args, prog_name="sharpeyes")
    except _CONTROL:
        raise
    except Exception as exc:
        from sharpeyes.model.urls import scrub

        say(f"sharpeyes: error: {scrub(crash_message(exc))}")
        sys.exit(1)
