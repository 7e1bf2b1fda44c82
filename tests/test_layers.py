"""No module imports a private (``_name``) name or module of another subpackage.

The layers themselves are checked by import-linter (``lint-imports``, contracts in pyproject.toml);
this guards what it cannot see: names. A helper two packages share is public in one of them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sharpeyes"

#: Known exceptions (``file: name``), each to be removed by the change its TODO names.
KNOWN: frozenset[str] = frozenset()


def _private_imports(path: Path, package: Path = PACKAGE) -> list[str]:
    """``file:line: name`` of every private name imported from another top-level subpackage."""
    here = path.relative_to(package.parent).with_suffix("").parts
    own = here[1] if len(here) > 1 else ""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("sharpeyes."):
            continue
        parts = node.module.split(".")  # type: ignore[union-attr]
        if parts[1] in (own, "_errors"):
            continue
        for alias in node.names:
            if any(p.startswith("_") for p in parts[2:]) or alias.name.startswith("_"):
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}: {alias.name}")
    return found


def test_no_private_name_crosses_a_package() -> None:
    found = [f for path in sorted(PACKAGE.rglob("*.py")) for f in _private_imports(path)]
    assert [f for f in found if re.sub(r":\d+:", ":", f) not in KNOWN] == []


def test_the_check_sees_private_names_and_modules(tmp_path: Path) -> None:
    package = tmp_path / "sharpeyes"
    (package / "jobs").mkdir(parents=True)
    module = package / "jobs" / "report.py"
    module.write_text(
        "from sharpeyes.network.check import _plain, records\n"
        "from sharpeyes.ingest._arrow import text\n"
        "from sharpeyes.jobs._common import _own\n"
        "from sharpeyes._errors import InputError\n",
        encoding="utf-8",
    )
    assert _private_imports(module, package) == [
        "sharpeyes/jobs/report.py:1: _plain",
        "sharpeyes/jobs/report.py:2: text",
    ]
