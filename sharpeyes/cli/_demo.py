"""Commands of sharpeyes.demo (registered on the root `sharpeyes` app)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this part's commands to ``app``."""
