"""The code stays in pieces a reader takes in at once: short modules, short use-case functions."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "safeops"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# Where a command reads as its list of steps and guards: a long function there hides one.
SHORT_FUNCTIONS_IN = ("workflows", "cli")


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_source_tree_is_found() -> None:
    assert len(_modules()) > 100
    assert all((SRC / package).is_dir() for package in SHORT_FUNCTIONS_IN)


def test_no_module_is_over_300_lines() -> None:
    long = {
        str(path.relative_to(SRC)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, "split these modules by purpose"


def test_no_function_in_workflows_or_cli_is_over_60_lines() -> None:
    long = {}
    for package in SHORT_FUNCTIONS_IN:
        for path in sorted((SRC / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        long[f"{path.relative_to(SRC)}:{node.name}"] = lines
    assert long == {}, "split these functions into named steps"
