"""The house's size rules (docs/architecture.md), checked on the source: no module over 600 lines,
no class over 300, no function body over 80 lines unless its docstring says why ("Long because …").
A function's own body is counted: a function nested in it (a CLI command in its ``register``) is
measured on its own, and a signature (a typer command's options) is not body. Generated Alembic migrations are left out."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sharpeyes"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations/versions" not in p.as_posix())


def _lines(node: ast.AST) -> int:
    return int(getattr(node, "end_lineno", 0)) - int(getattr(node, "lineno", 0)) + 1


def _own_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of the body (docstring included, signature not: a typer command declares every option
    in its signature), less the functions and classes nested in it."""
    body = int(getattr(node, "end_lineno", 0)) - node.body[0].lineno + 1
    nested = sum(
        _lines(child)
        for child in node.body
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )
    return body - nested


def _name(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PACKAGE).as_posix()}:{getattr(node, 'name', '?')}"


def test_no_module_over_600_lines() -> None:
    lines = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text("utf-8").splitlines())
        for p in _modules()
    }
    assert {p: n for p, n in lines.items() if n > MAX_MODULE_LINES} == {}


def test_no_class_over_300_lines() -> None:
    long = {
        _name(path, node): _lines(node)
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ClassDef) and _lines(node) > MAX_CLASS_LINES
    }
    assert long == {}


def test_long_functions_say_why() -> None:
    unexplained = {
        _name(path, node): _own_lines(node)
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _own_lines(node) > MAX_FUNCTION_LINES
        and "long because" not in (ast.get_docstring(node) or "").lower()
    }
    assert unexplained == {}


def test_the_rules_see_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(90))
    tree = ast.parse(
        f"def f():\n{body}\n\ndef register():\n    def command():\n{body.replace('    ', '        ')}\n"
    )
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert _own_lines(functions[0]) == 90  # long: counted
    assert _own_lines(functions[1]) == 0  # its nested command is measured on its own
