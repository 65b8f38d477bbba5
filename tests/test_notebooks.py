"""The source notebooks: committed clean, thin, and runnable top to bottom with their defaults."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_are_typed_commented_and_named_like_the_build_passes_them(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    params = papermill.inspect_notebook(str(path))
    assert {"quarter", "processed_dir"} <= set(params)
    assert not {"data_dir", "out_dir"} & set(params), "notebooks read the built tables only"
    for name, spec in params.items():
        assert spec["inferred_type_name"] != "None", f"{name} has no type"
        assert spec["help"], f"{name} has no comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebooks_are_thin(path):
    """A parameters cell and a few calls into analysis: no functions, loops or other imports."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.For | ast.While | ast.If | ast.Lambda)
            if isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] == "analysis", node.module
            assert not isinstance(node, ast.Import), "import analysis modules with from-imports only"
        assert len([line for line in cell.source.splitlines() if line.strip()]) <= 4, cell.source


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory) -> Path:
    """A project root whose ``data/processed/`` holds the demo quarter, as ``csp-report status`` writes it."""
    from analysis.cli import main

    root = tmp_path_factory.mktemp("root")
    demo = Path(__file__).resolve().parents[1] / "data" / "raw"
    assert main(["status", "--quarter", "2015-16-Q1", "--data", str(demo), "--out", str(root)]) == 0
    return root


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_runs_top_to_bottom_with_its_defaults(path, tmp_path, demo_root, monkeypatch):
    """With its defaults a notebook reads the project's ``data/processed/<quarter>`` (here a built copy)."""
    monkeypatch.setenv("CSP_REPORT_ROOT", str(demo_root))  # the kernel's project root
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
