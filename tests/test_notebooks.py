"""The source notebooks: committed clean, thin, and runnable top to bottom with their defaults."""

from __future__ import annotations

import ast
import shutil
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
    """A parameters cell and a few calls into analysis: no functions, loops or other imports.

    Cells tagged ``reviewer`` are the only place a notebook computes (assignments,
    pandas, if/else: the method written out for reviewers), still without
    functions, classes, loops or imports other than pandas.
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "parameters" in tags:
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.For | ast.While | ast.Lambda
            )
            if "reviewer" in tags:
                if isinstance(node, ast.Import):
                    assert [a.name for a in node.names] == ["pandas"], "reviewer cells import pandas only"
                assert not isinstance(node, ast.ImportFrom), "reviewer cells do not import from the package"
                continue
            assert not isinstance(node, ast.If | ast.IfExp | ast.Assert | ast.Raise), cell.source
            if isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] == "analysis", node.module
            assert not isinstance(node, ast.Import), "import analysis modules with from-imports only"
        if "reviewer" not in tags:
            assert len([line for line in cell.source.splitlines() if line.strip()]) <= 4, cell.source


def test_the_measure_notebook_works_the_method_out_for_reviewers_without_calling_it():
    """The measure notebook ends with the method in plain pandas, status and SPC checked against their tables."""
    nb = nbformat.read(Path(NOTEBOOKS[0]).with_name("measure.ipynb"), as_version=4)
    reviewer = [i for i, c in enumerate(nb.cells) if "reviewer" in c.metadata.get("tags", [])]
    assert reviewer and reviewer == list(range(reviewer[0], len(nb.cells))), "the reviewer cells come last"
    assert nb.cells[reviewer[0]].cell_type == "markdown"
    code = "\n".join(nb.cells[i].source for i in reviewer if nb.cells[i].cell_type == "code")
    assert "analysis" not in code and "method_check" not in code
    assert "page.data" in code and 'status_row["status"]' in code and 'points["point_type"]' in code
    assert "2.66" in code and "m.lag" in code
    for name in ("dashboard.ipynb", "strategic-assessment.ipynb"):
        nb = nbformat.read(Path(NOTEBOOKS[0]).with_name(name), as_version=4)
        last = nb.cells[-1]
        assert "reviewer" in last.metadata.get("tags", []) and ".data." in last.source, name


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


def _executed_outputs(nb) -> str:
    """The text of every output of a notebook's reviewer cells."""
    texts = []
    for cell in nb.cells:
        if "reviewer" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                texts.append(output.get("text", ""))
                texts += [str(v) for v in output.get("data", {}).values()]
    return "\n".join(texts)


@pytest.mark.slow
def test_every_measure_notebook_of_the_demo_works_its_status_out_and_agrees(built_demo):
    import pandas as pd

    quarter = "2015-16-Q1"
    status = pd.read_csv(built_demo / "data" / "processed" / quarter / "measure_status.csv")
    notebooks = sorted((built_demo / "reports" / quarter / "measures").glob("*.ipynb"))
    assert {p.stem for p in notebooks} == set(status["measure_id"])
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"], path.stem
        shown = _executed_outputs(nb)
        assert "status worked out here" in shown and "profiled target" in shown, path.stem
        expected = status.loc[status["measure_id"] == path.stem, "status"].iloc[0]
        assert shown.count(expected) >= 2, f"{path.stem}: {expected} worked out and in the table"


@pytest.mark.slow
def test_a_tampered_status_table_makes_the_measure_notebook_fail(built_demo, tmp_path):
    import pandas as pd

    quarter = "2015-16-Q1"
    processed = tmp_path / quarter
    shutil.copytree(built_demo / "data" / "processed" / quarter, processed)
    table = processed / "measure_status.csv"
    status = pd.read_csv(table, dtype=str, keep_default_na=False)
    row = status.index[status["status"].isin(["green", "amber", "red"])][0]
    measure_id, was = status.at[row, "measure_id"], status.at[row, "status"]
    status.at[row, "status"] = "red" if was != "red" else "green"
    status.to_csv(table, index=False)
    out = tmp_path / "measure.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(
            str(Path(NOTEBOOKS[0]).with_name("measure.ipynb")),
            str(out),
            parameters={"quarter": quarter, "measure_id": measure_id, "processed_dir": str(processed)},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )
    assert failed.value.ename == "ValueError"
    assert "measure_status.csv disagree" in failed.value.evalue and measure_id in failed.value.evalue
