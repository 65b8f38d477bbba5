"""The stages import one way: each module's imports (at the top or inside a function) point back, never forward.

See docs/architecture.md. The order is errors < core < inputs < ingest < method <
processed < report < site < pipeline < cli; the checks read the source with
``ast``, so an import placed inside a function to load it lazily counts the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "analysis"

STAGES = ("errors", "core", "inputs", "ingest", "method", "processed", "report", "site", "pipeline", "cli")
# Never imported by these stages, even though they come earlier.
FORBIDDEN = {"report": {"inputs", "pipeline"}, "site": {"inputs", "pipeline"}}
# Calls that read a file (or list a folder); the method computes from what it is given.
FILE_READS = {
    "open", "read_text", "read_bytes", "read_csv", "read_excel", "read_parquet", "read_json", "read_table",
    "load", "safe_load", "load_workbook", "iterdir", "glob", "rglob", "listdir", "scandir", "urlopen",
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage_of(module: str) -> str:
    """``analysis.report.pages`` -> ``report``; the package itself is a front door, like the command line.

    >>> stage_of("analysis.report.pages"), stage_of("analysis.errors"), stage_of("analysis")
    ('report', 'errors', 'cli')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "cli"


def imports_of(source: str, module: str, is_package: bool = False, known: frozenset[str] = frozenset()) -> set[str]:
    """Every ``analysis`` module that ``source`` imports, wherever the import is written.

    ``from analysis.method import spc`` is an import of ``analysis.method.spc`` when that is a module.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return {name for name in found if name == "analysis" or name.startswith("analysis.")}


def graph() -> dict[str, set[str]]:
    known = frozenset(MODULES)
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known) - {name}
        for name, path in MODULES.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm), each sorted.

    >>> cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    >>> cycles({"a": {"b"}, "b": set()})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_module_is_in_a_known_stage():
    assert {stage_of(m) for m in MODULES} <= set(STAGES)
    assert {"analysis.errors", "analysis.core.vocabulary", "analysis.inputs.register"} <= set(MODULES)


def test_each_stage_imports_only_itself_and_earlier_stages():
    wrong = [
        f"{module} ({stage_of(module)}) imports {target} ({stage_of(target)})"
        for module, targets in graph().items()
        for target in sorted(targets)
        if target in MODULES and STAGES.index(stage_of(target)) > STAGES.index(stage_of(module))
    ]
    assert not wrong, "\n".join(wrong)


def test_report_and_site_never_import_inputs_or_pipeline():
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in sorted(targets)
        if stage_of(target) in FORBIDDEN.get(stage_of(module), set())
    ]
    assert not wrong, "\n".join(wrong)


def test_core_imports_only_core_and_errors_and_errors_imports_nothing():
    edges = graph()
    assert not edges["analysis.errors"]
    wrong = [
        f"{module} imports {target}"
        for module, targets in edges.items()
        if stage_of(module) == "core"
        for target in sorted(targets)
        if stage_of(target) not in ("core", "errors")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_method_reads_no_file():
    wrong = []
    for module, path in MODULES.items():
        if stage_of(module) != "method":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in FILE_READS:
                    wrong.append(f"{path.relative_to(SRC)}, line {node.lineno}: {name}(...)")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules():
    found = cycles(graph())
    assert not found, "\n".join(" <-> ".join(group) for group in found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from analysis.pipeline.build import build_quarter\n", {"analysis.pipeline.build"}),
        ("import analysis.site.render as r\n", {"analysis.site.render"}),
        ("from ..inputs import tables\n", {"analysis.inputs.tables"}),
        ("from . import html\n", {"analysis.report.html"}),
        ("importlib.import_module('analysis.inputs.schemas')\n", {"analysis.inputs.schemas"}),
        ("import pandas\nfrom os import path\n", set()),
    ],
)
def test_imports_are_found_wherever_they_are_written(source, expected):
    known = frozenset({"analysis.inputs.tables", "analysis.report.html"})
    assert imports_of(source, "analysis.report.pages", known=known) == expected
