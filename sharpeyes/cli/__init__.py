"""The ``sharpeyes`` command: one subcommand per job (DESIGN.md §5).

Each part of the package registers its own commands from a module of this package; :func:`command`
is the click tree typer builds from them, with the help polished (:mod:`._help`) and every command
guarded (:mod:`._run`: clean ``--json`` stdout, no traceback on the terminal).
"""

from __future__ import annotations

import logging
import os
from importlib import metadata
from typing import Annotated, Any

import typer

from sharpeyes import __version__
from sharpeyes.cli import _api, _coverage, _demo, _health, _ingest, _network, _planning, _sync
from sharpeyes.cli._common import JsonOption, emit
from sharpeyes.cli._help import polish_help
from sharpeyes.cli._run import prepare, run

app = typer.Typer(
    name="sharpeyes",
    help="Inventory, coverage, network and health of a city's public-security video network (雪亮工程).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sharpeyes {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more on stderr")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG
        if verbose
        else getattr(logging, os.environ.get("SHARPEYES_LOG", "WARNING"), 30),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


KEY_DEPENDENCIES = (
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "pandas",
    "numpy",
    "networkx",
    "folium",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "opencv-python-headless",
    "h3",
    "highspy",
    "dask",
    "distributed",
    "osmium",
    "openpyxl",
)


@app.command("versions")
def versions(as_json: JsonOption = False) -> None:
    """Print the versions of sharpeyes and its key dependencies, for bug reports."""
    found: dict[str, str | None] = {}
    for name in KEY_DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    lines = [f"sharpeyes {__version__}"] + [
        f"{name} {version or '(not installed)'}" for name, version in found.items()
    ]
    emit(
        {"sharpeyes": __version__, "dependencies": found},
        as_json=as_json,
        text="\n".join(lines),
    )


for _module in (_demo, _ingest, _coverage, _planning, _network, _health, _sync, _api):
    _module.register(app)


def command() -> Any:
    """The ``sharpeyes`` click command tree, help polished and every command guarded."""
    return prepare(polish_help(typer.main.get_command(app)))


def main() -> None:
    """Console-script entry point."""
    run(command)
