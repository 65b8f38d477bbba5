"""No function of the package runs over 80 lines without a written reason beside it.

A long function is usually several jobs; where it is one job that reads best
whole, the comment just above it says so, starting ``# Over 80 lines``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
LIMIT = 80
REASON = "# Over 80 lines"


def long_functions(source: str) -> list[tuple[str, int, int]]:
    """Each function over :data:`LIMIT` lines without the reason comment above it: (name, first line, lines).

    >>> body = "\\n".join(f"    x{i} = {i}" for i in range(81))
    >>> long_functions(f"def f():\\n{body}\\n"), long_functions(f"{REASON}: one job.\\ndef f():\\n{body}\\n")
    ([('f', 1, 82)], [])
    """
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = [line.strip() for line in lines[max(0, first - 4) : first - 1]]
            if length > LIMIT and not any(line.startswith(REASON) for line in above):
                found.append((node.name, node.lineno, length))
    return found


def test_every_long_function_says_why_it_is_long():
    found = [
        f"{path.relative_to(PACKAGE.parent)}, line {line}: {name} is {length} lines "
        f"(split it, or say why not in a comment above it starting {REASON!r})"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)
