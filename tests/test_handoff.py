"""The hand-off from the build to the notebooks: each notebook reads its own built tables, strictly.

The notebooks are given ``processed_dir``, the folder of the quarter's built
tables (a partnership's own folder in ``build-all``). A missing or malformed
table is an error naming the file, never a recomputation from the inputs, and
the executed notebooks record relative paths only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.core.paths import PROJECT_ROOT
from analysis.processed.quarter import ProcessedTableError, load_quarter
from analysis.processed.tables import quarter_tables, write_tables
from analysis.processed.versions import walk_files

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
Q = "2015-16-Q1"


@pytest.fixture(scope="module")
def built_tables(tmp_path_factory) -> Path:
    """The demo quarter's processed tables, as ``csp-report status`` writes them."""
    out = tmp_path_factory.mktemp("status")
    assert main(["status", "--quarter", Q, "--data", str(DEMO), "--out", str(out)]) == 0
    return out / "data" / "processed" / Q


@pytest.fixture
def tables(built_tables: Path, tmp_path: Path) -> Path:
    """A private copy of the built tables that a test may break."""
    target = tmp_path / Q
    shutil.copytree(built_tables, target)
    return target


def test_load_quarter_reads_the_folder_it_is_given(tables):
    data = load_quarter(Q, processed_dir=tables)
    assert data.folder == tables
    assert data.manifest["quarter"] == Q
    assert set(data.exceptions["measure_id"]) == {
        *data.status.loc[data.status["status"].isin(["amber", "red"]), "measure_id"],
        "serious-acquisitive-crime",  # monitored, and significantly worse than last year
    }
    assert data.family_group_position()["partnership"] == "Safer Plymouth"
    assert data.change_on_last_year("asb-incidents")["verdict"].startswith("a significant")


def test_a_folder_that_was_never_built_is_an_error_not_a_recomputation(tmp_path):
    folder = tmp_path / "data" / "processed" / Q
    with pytest.raises(ProcessedTableError, match="csp-report build") as err:
        load_quarter(Q, processed_dir=folder)
    assert str(folder) in str(err.value)


@pytest.mark.parametrize(
    "name",
    [
        "measure_status.csv",
        "changes.csv",
        "exceptions.csv",
        "family_group_position.csv",
        "register.json",
        "manifest.json",
    ],
    ids=["status", "changes", "exceptions", "family-position", "register", "manifest"],
)
def test_a_missing_table_is_named(tables, name):
    (tables / name).unlink()
    with pytest.raises(ProcessedTableError, match="csp-report build") as err:
        load_quarter(Q, processed_dir=tables)
    assert name in str(err.value)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "old", "new", "words"),
    [
        ("measure_status.csv", ",amber,", ",purple,", "status"),
        ("spc.csv", "common_cause", "common", "point_type"),
        ("family_group_rank.csv", ",yes\n", ",maybe\n", "is_partnership"),
        ("measure_series.csv", "\nasb-incidents,2014,", "\nasb-incidents,twenty,", "cannot be read"),
        ("exceptions.csv", "measure_id,status,reason", "measure_id,state,reason", "state"),
        ("changes.csv", "previous_build", "previous", "kind"),
    ],
    ids=["status-code", "spc-point-type", "family-flag", "number-as-text", "renamed-column", "change-kind"],
)
def test_a_malformed_table_is_named_with_its_column(tables, name, old, new, words):
    _edit(tables / name, old, new)
    with pytest.raises(ProcessedTableError, match="csp-report build") as err:
        load_quarter(Q, processed_dir=tables)
    assert name in str(err.value) and words in str(err.value)


def test_a_table_breaking_its_schema_is_never_written(tmp_path):
    from analysis.core.periods import parse_quarter
    from analysis.inputs.tables import load_inputs

    files = quarter_tables(load_inputs(DEMO), parse_quarter(Q))
    files["spc.csv"] = files["spc.csv"].replace("common_cause", "ordinary", 1)
    with pytest.raises(ProcessedTableError, match=r"spc\.csv"):
        write_tables(files, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# build-all: every partnership's pages come from its own tables

# Built one after another in this order: the first revises a figure, so whatever of it leaked into the build after
# it would show there.
PARTNERSHIPS = {"alpha": ("Alpha Partnership", 100), "beta": ("Beta Partnership", 400)}
REVISED = "alpha"


def _months(fy: int) -> list[str]:
    return [f"{fy + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]


def _partnership(folder: Path, name: str, scale: int) -> None:
    folder.mkdir(parents=True)
    (folder / "measures.yml").write_text(
        f"partnership: {name}\n"
        "measures:\n"
        "  - id: burglary\n"
        "    title: Reduce burglary\n"
        "    priority: Acquisitive crime\n"
        "    polarity: lower\n"
        "    frequency: monthly\n"
        f"    targets: {{2015-16: {scale * 12}}}\n",
        encoding="utf-8",
    )
    rows = [f"burglary,{p},{scale + i % 5}" for i, p in enumerate(_months(2014) + _months(2015)[:6])]
    (folder / "actuals.csv").write_text("measure_id,period,value\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _page(out: Path, slug: str, quarter: str, page: str) -> str:
    return (out / "_site" / slug / quarter / page).read_text(encoding="utf-8")


@pytest.mark.slow
def test_build_all_hands_each_partnership_its_own_tables(tmp_path):
    from analysis.pipeline.area import build_all

    root, out = tmp_path / "area", tmp_path / "out"
    for slug, (name, scale) in PARTNERSHIPS.items():
        _partnership(root / slug, name, scale)
    first = build_all(root, out, "2015-16-Q1", jobs=2, renderer="builtin", progress=False)
    assert all(o.ok for o in first), [(o.slug, o.error) for o in first]
    # alpha revises April's figure; beta does not
    _edit(root / REVISED / "actuals.csv", "burglary,2015-04,102", "burglary,2015-04,777")
    second = build_all(root, out, "2015-16-Q2", jobs=2, renderer="builtin", progress=False)
    assert all(o.ok for o in second), [(o.slug, o.error) for o in second]

    for slug, (name, _) in PARTNERSHIPS.items():
        dashboard = _page(out, slug, "2015-16-Q2", "index.html")
        assert "No comparison was made" not in dashboard
        assert "Compared with the report for 2015-16-Q1" in dashboard
        revised = "Figures revised since they were reported" in dashboard
        assert revised == (slug == REVISED), slug
        assert ("777" in dashboard) == (slug == REVISED), slug
        method = _page(out, slug, "2015-16-Q2", "notebooks/method.html")  # the data log is for the notebook's reader
        assert "computed in memory" not in method
        assert f"{name}, 2015-16-Q2: built from the inputs below" in method
        actuals = hashlib.sha256((root / slug / "actuals.csv").read_bytes()).hexdigest()[:16]
        assert actuals in method

    # the executed notebooks record relative paths, never this machine's folders
    notebooks = [p for p in walk_files(out / "reports") if p.suffix == ".ipynb"]  # through each quarter's link
    assert len(notebooks) >= 8
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        for absolute in (str(tmp_path), str(PROJECT_ROOT)):
            assert absolute not in text, f"{path.relative_to(out)} holds {absolute}"
        nb = json.loads(text)
        slug, quarter = path.relative_to(out / "reports").parts[:2]
        assert nb["metadata"]["papermill"]["parameters"]["processed_dir"] == f"data/processed/{slug}/{quarter}"


def test_a_relative_folder_is_read_from_the_current_folder_or_else_the_project(tables, monkeypatch, tmp_path):
    from analysis.processed.quarter import processed_folder

    monkeypatch.chdir(tables.parent)
    assert processed_folder(Q, Q) == tables
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr("analysis.processed.quarter.PROJECT_ROOT", tables.parent)
    assert processed_folder(Q, Q) == tables.parent / Q
    assert processed_folder(Q, "") == tables.parent / "data" / "processed" / Q
