"""Help that reads like a CLI, applied once to the click tree typer builds from the app.

The installed typer renders every parameter's Python type (``--dry-run <bool>``, ``<str>``,
``<path>``) and wraps required arguments in braces (``{files}...``). :func:`polish_help` walks the
tree and gives flags no value column, arguments their metavar (``FILE...``, ``NODES LINKS``) and
options without an explicit metavar one named after their type (``PATH``, ``N``, ``TEXT``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

#: Metavar of an option value by its Python type, where the command gave none.
_BY_TYPE = {Path: "PATH", int: "N", float: "NUMBER", str: "TEXT"}


class _Argument(TyperArgument):
    """An argument shown as its metavar: ``FILE...`` (required), ``[FILE]...`` (optional)."""

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"

    def _rich_display_name(self) -> str:
        name = self.metavar or (self.name or "ARG").upper()
        return f"{name}..." if self.nargs != 1 and not name.endswith("...") else name

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Flag(TyperOption):
    """A flag shows no value (``--dry-run``, not ``--dry-run <bool>``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _help_option(get: Any) -> Any:
    def get_help_option(ctx: Any) -> Any:
        option = get(ctx)
        if isinstance(option, TyperOption):
            option.__class__ = _Flag
        return option

    return get_help_option


def _polish_param(param: Any) -> None:
    if isinstance(param, TyperArgument):
        param.__class__ = _Argument
        if param.metavar is None:
            param.metavar = (param.name or "arg").upper()
        if param.nargs != 1 and not param.metavar.endswith("..."):
            param.metavar += "..."
    elif isinstance(param, TyperOption):
        if param.is_flag or param.count:
            param.__class__ = _Flag
        elif param.metavar is None:
            annotation = param.type_descriptor.annotation
            param.metavar = _BY_TYPE.get(annotation, "VALUE")


def polish_help(command: Any) -> Any:
    """Polish the help of ``command`` and every command under it; returns ``command``."""
    if isinstance(command, (TyperCommand, TyperGroup)) and not getattr(
        command, "_sharpeyes_polished", False
    ):
        target: Any = command
        target.get_help_option = _help_option(command.get_help_option)
        target._sharpeyes_polished = True
    for param in command.params:
        _polish_param(param)
    for child in getattr(command, "commands", {}).values():
        polish_help(child)
    return command
