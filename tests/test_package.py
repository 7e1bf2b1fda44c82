"""The public API of the package is what ``__all__`` says, and the CLI answers."""

from __future__ import annotations

import subprocess
import sys

import sharpeyes


def test_all_is_sorted_and_importable() -> None:
    assert list(sharpeyes.__all__) == sorted(sharpeyes.__all__)
    for name in sharpeyes.__all__:
        assert hasattr(sharpeyes, name), name


def test_version_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sharpeyes", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"sharpeyes {sharpeyes.__version__}"
