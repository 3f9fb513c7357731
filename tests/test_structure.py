"""The generator's own structure: no import circle between its modules (imports made only
for type hints count too), and no module too long to read whole."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

GENERATOR = ROOT / "generator"
MAX_MODULE_LINES = 620


def imports_of(path: Path) -> set[str]:
    """The `generator.*` modules a module imports, wherever the import statement sits."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "generator":
            found |= {f"generator.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("generator."):
            found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("generator.")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {f"generator.{p.stem}": p for p in GENERATOR.glob("*.py") if p.stem != "__init__"}
    return {name: imports_of(path) & set(modules) for name, path in modules.items()}


def circle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules on it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(edges):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_generator_has_no_import_circle():
    assert circle(graph()) is None, " → ".join(circle(graph()) or [])


def test_the_circle_finder_finds_a_circle():
    assert circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert circle({"a": {"b"}, "b": set()}) is None


def test_no_generator_module_is_too_long_to_read_whole():
    lengths = {p.name: len(p.read_text().splitlines()) for p in GENERATOR.glob("*.py")}
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}
