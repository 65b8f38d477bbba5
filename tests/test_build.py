"""End to end: a quarter built from the demo inputs, its notebooks, cache and atomic publishing."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from compare import assert_same
from partnership import NOTEBOOKS

from analysis.cli import main
from analysis.pipeline.build import build_quarter

# Every test here builds the demo quarter (or uses the session's build): not in `make quick`.
pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"
Q = "2015-16-Q1"
MEASURES = [
    "closing-the-gap", "all-crime", "da-reporting", "da-referrals", "dash-training",
    "asb-incidents", "hate-incidents", "serious-acquisitive-crime",
]  # fmt: skip
# A page per theme group (seed 001): every lead the demo's register names.
LEADS = ["asb-delivery-group", "domestic-abuse-partnership", "hate-crime-delivery-group",
         "reducing-reoffending-group", "safer-plymouth-partnership-board"]  # fmt: skip
PUBLISHED_WORDS = {
    "da-reporting": "Some concerns about performance in this area",
    "da-referrals": "Area of significant concern",
    "asb-incidents": "Generally satisfied with performance",
    "serious-acquisitive-crime": "Monitoring only - no performance measure",
}


def _outputs(nb) -> str:
    return "".join(
        o.get("data", {}).get("text/html", "")
        if isinstance(o.get("data", {}).get("text/html", ""), str)
        else "".join(o["data"]["text/html"])
        for c in nb.cells
        for o in c.get("outputs", [])
    )


def test_one_executed_notebook_per_measure_plus_the_quarter_pages(built_demo):
    reports = built_demo / "reports" / Q
    names = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.ipynb"))
    assert names == sorted(
        ["dashboard.ipynb", "strategic-assessment.ipynb", "method.ipynb", "glossary.ipynb",
         *(f"measures/{m}.ipynb" for m in MEASURES),
         *(f"leads/{lead}.ipynb" for lead in LEADS)]
    )  # fmt: skip


@pytest.mark.parametrize("name", ["dashboard", "strategic-assessment", "method", *(f"measures/{m}" for m in MEASURES)])
def test_executed_notebooks_have_no_errors_and_show_their_parameters(built_demo, name):
    nb = nbformat.read(built_demo / "reports" / Q / f"{name}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert "parameters" in tags and "injected-parameters" in tags
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'quarter = "{Q}"' in injected.source
    assert ".csp-build-" not in injected.source, "the published notebook must name the published folders"


@pytest.mark.parametrize(("measure_id", "words"), PUBLISHED_WORDS.items(), ids=PUBLISHED_WORDS.keys())
def test_measure_notebook_shows_the_published_status_in_the_registers_words(built_demo, measure_id, words):
    nb = nbformat.read(built_demo / "reports" / Q / "measures" / f"{measure_id}.ipynb", as_version=4)
    assert words in _outputs(nb)


def test_referrals_page_drafts_the_reports_sentence(built_demo):
    nb = nbformat.read(built_demo / "reports" / Q / "measures" / "da-referrals.ipynb", as_version=4)
    assert (
        "In quarter one there have been 525 referrals. This is 104 referrals less than the same period in 2014/15"
        in _outputs(nb)
    )


def test_dashboard_lists_every_measure_with_a_link(built_demo):
    html = _outputs(nbformat.read(built_demo / "reports" / Q / "dashboard.ipynb", as_version=4))
    for m in MEASURES:
        assert f'href="measures/{m}.html"' in html


def test_processed_tables_and_manifest_are_written(built_demo):
    folder = built_demo / "data" / "processed" / Q
    for name in ("measure_status.csv", "measure_series.csv", "spc.csv", "manifest.json", "changes.csv"):
        assert (folder / name).is_file(), name
    assert len(pd.read_csv(folder / "measure_status.csv")) == len(MEASURES)


def _copy_build(built: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(built, out, symlinks=True)
    return out


def test_cache_reexecutes_exactly_what_changed(tmp_path, small_copy):
    """On the session's small partnership (tests/partnership.py: the demo's ASB figures among three measures)."""
    demo_copy, out = small_copy, tmp_path / "out"
    cold = build_quarter(demo_copy, out, Q, jobs=2, renderer="builtin", progress=False)
    assert cold.ok and not any(r.cached for r in cold.notebooks)

    unchanged = build_quarter(demo_copy, out, Q, jobs=2, renderer="builtin", progress=False)
    assert unchanged.ok and all(r.cached for r in unchanged.notebooks)

    actuals = demo_copy / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("asb-incidents,2015-06,769", "asb-incidents,2015-06,770"))
    changed = build_quarter(demo_copy, out, Q, jobs=2, renderer="builtin", progress=False)
    executed = sorted(r.name for r in changed.notebooks if not r.cached)
    # the method page lists the inputs' hashes, so it follows any change to them; a theme group's page summarises
    # its measures' figures and the plan
    groups = [n for n in NOTEBOOKS if n.startswith("leads/")]
    assert executed == sorted(
        ["dashboard.ipynb", *groups, "measures/asb-incidents.ipynb", "method.ipynb", "strategic-assessment.ipynb"]
    )
    status = pd.read_csv(out / "data" / "processed" / Q / "measure_status.csv").set_index("measure_id")
    assert status.loc["asb-incidents", "ytd_actual"] == 2528
    page = (out / "_site" / Q / "measures" / "asb-incidents.html").read_text()
    assert "2,528" in page

    forced = build_quarter(demo_copy, out, Q, jobs=2, renderer="builtin", progress=False, force=True)
    assert not any(r.cached for r in forced.notebooks)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every published file's bytes (the cache, kept failures and the folder's lock file are not published)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".cache", "failed"} & set(p.relative_to(root).parts) and p.name != ".csp-report.lock"
    }


def test_invalid_input_writes_nothing_and_exits_2(built_demo, tmp_path, demo_copy, capsys):
    out = _copy_build(built_demo, tmp_path)
    before = _snapshot(out)
    (demo_copy / "actuals.csv").write_text("measure_id,period,value\nasb-incidents,2015-06,lots\n")
    assert main(["build", "--data", str(demo_copy), "--out", str(out), "--quarter", Q, "--renderer", "builtin"]) == 2
    err = capsys.readouterr().err
    assert "actuals.csv, row 2, column 'value'" in err and "Traceback" not in err
    assert_same(_snapshot(out), before, "the published files")


def test_a_failing_notebook_is_isolated_and_the_published_quarter_kept(built_demo, tmp_path, demo_copy, monkeypatch):
    out = _copy_build(built_demo, tmp_path)
    before = _snapshot(out)
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    nb = nbformat.read(Path(__file__).parents[1] / "notebooks" / "measure.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('partner return is corrupt')"))
    nbformat.write(nb, project / "notebooks" / "broken.ipynb")
    monkeypatch.setattr(
        "analysis.pipeline.build.PROJECT_ROOT", project
    )  # a measure's own notebook lives in the project
    monkeypatch.setattr("analysis.core.paths.PROJECT_ROOT", project)  # where validate looks for it
    monkeypatch.setattr("analysis.core.paths.NOTEBOOKS", project / "notebooks")
    register = demo_copy / "measures.yml"
    register.write_text(
        register.read_text().replace(
            "  - id: hate-incidents\n", "  - id: hate-incidents\n    notebook: notebooks/broken.ipynb\n"
        )
    )
    result = build_quarter(demo_copy, out, Q, jobs=2, renderer="builtin", progress=False)
    assert not result.ok
    assert [r.name for r in result.failures] == ["measures/hate-incidents.ipynb"]
    assert "partner return is corrupt" in result.failures[0].error
    assert all(r.ok for r in result.notebooks if r.name != "measures/hate-incidents.ipynb")
    assert_same(_snapshot(out), before, "the published files")
    kept = result.failed_dir
    failed_nb = nbformat.read(kept / "reports" / "measures" / "hate-incidents.ipynb", as_version=4)
    assert any(o.output_type == "error" for c in failed_nb.cells for o in c.get("outputs", []))
    page = (kept / "_site" / "measures" / "hate-incidents.html").read_text()
    assert "partner return is corrupt" in page


def test_cli_build_exit_codes(built_demo, tmp_path):
    out = _copy_build(built_demo, tmp_path)
    assert main(["build", "--out", str(out), "--quarter", "2015-16 Q1", "--renderer", "builtin"]) == 0


def test_every_page_carries_the_provenance_footer(built_demo):
    site = built_demo / "_site" / Q
    manifest = (built_demo / "data" / "processed" / Q / "manifest.json").read_text()
    assert (site / "manifest.json").read_text() == manifest
    fingerprint = __import__("json").loads(manifest)["data_fingerprint"]
    pages = sorted(site.rglob("*.html"))
    views = [p for p in pages if p.relative_to(site).parts[0] == "notebooks"]  # "How this page was made", one each
    assert len(pages) - len(views) == len(views) == len(MEASURES) + len(LEADS) + 4  # and the four quarter pages
    for page in pages:
        html = page.read_text()
        assert f"Data fingerprint: <code>{fingerprint}</code>" in html, page.name
        assert 'class="manifest-link"' in html and 'class="notebook-link"' in html, page.name


@pytest.mark.slow
def test_a_change_made_while_a_build_runs_is_built_by_the_next_build(tmp_path, small_copy, monkeypatch):
    """A return read in (or a quarter started) while a build reads the same data is never lost.

    The hook changes a figure after the build has read its inputs, as ``ingest returns --revise`` would while
    the notebooks run: the build publishes what it read, and the next build sees the change and builds it.
    On the session's small partnership (tests/partnership.py), which keeps the demo's ASB figures.
    """
    from analysis.ingest.tables import read_csv_table, write_csv_table
    from analysis.pipeline import build

    data, out = small_copy, tmp_path / "out"
    real = build.compute_tables

    def ingest_meanwhile(inputs, q, paths):
        path = data / "actuals.csv"
        table = read_csv_table(path, ("measure_id", "period", "value"))
        table.rows = [[m, p, "9999" if (m, p) == ("asb-incidents", "2015-05") else v] for m, p, v in table.rows]
        write_csv_table(table, path)
        return real(inputs, q, paths)

    monkeypatch.setattr(build, "compute_tables", ingest_meanwhile)
    first = build_quarter(data, out, Q, jobs=2, renderer="builtin", progress=False)
    monkeypatch.setattr(build, "compute_tables", real)
    assert first.ok
    before = _asb_ytd(out)
    again = build_quarter(data, out, Q, jobs=2, renderer="builtin", progress=False)
    assert again.ok and not all(r.cached for r in again.notebooks), "not 'nothing changed'"
    assert _asb_ytd(out) != before, "the site has the new figure"


def _asb_ytd(out: Path) -> float:
    frame = pd.read_csv(out / "data" / "processed" / Q / "measure_status.csv")
    return float(frame.loc[frame["measure_id"] == "asb-incidents", "ytd_actual"].iloc[0])
