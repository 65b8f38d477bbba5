"""build-all: several partnerships, an overview page, failures isolated, and Dask giving the same outputs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from compare import assert_same

from analysis.pipeline.area import build_all, slug
from analysis.processed.versions import walk_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

Q = "2015-16-Q1"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\+00:00|Z| UTC)?")


@pytest.fixture(scope="module")
def area(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("area")
    generate(root / "Alpha Town", 3, seed=1, name="Alpha Town")
    generate(root / "Beta City", 3, seed=2, name="Beta City")
    broken = root / "Gamma Borough"
    generate(broken, 2, seed=3, name="Gamma Borough")
    (broken / "actuals.csv").write_text("measure_id,period,value\nmeasure-001,2015-04,many\n")
    return root


def _tree(root: Path) -> dict[str, str]:
    """Every published file under its contract path (quarters are links to their version), and its text."""
    out = {}
    for path in walk_files(root):
        rel = path.relative_to(root)
        if (
            not path.is_file()
            or {".cache", "failed"} & set(rel.parts)
            or path.suffix == ".ipynb"
            or path.name in ("manifest.json", ".csp-report.lock")
        ):
            continue
        if path.suffix == ".pdf":  # the committee paper: the same pages, but stamped with the time it was made
            out[rel.as_posix()] = "<pdf>"
            continue
        out[rel.as_posix()] = _TIMESTAMP.sub("<time>", path.read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def local_build(area, tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("local")
    return out, build_all(area, out, Q, jobs=2, renderer="builtin", progress=False)


@pytest.mark.slow
def test_every_partnership_is_built_and_a_failure_does_not_stop_the_others(local_build):
    out, outcomes = local_build
    assert {o.slug: o.ok for o in outcomes} == {"alpha-town": True, "beta-city": True, "gamma-borough": False}
    gamma = next(o for o in outcomes if o.slug == "gamma-borough")
    assert "actuals.csv, row 2, column 'value'" in gamma.error
    for name in ("alpha-town", "beta-city"):
        assert (out / "_site" / name / Q / "index.html").is_file()
        assert (out / "data" / "processed" / name / Q / "measure_status.csv").is_file()


@pytest.mark.slow
def test_overview_page_links_every_partnership_and_names_the_failure(local_build):
    out, _ = local_build
    page = (out / "_site" / "index.html").read_text()
    assert 'href="alpha-town/2015-16-Q1/index.html"' in page and 'href="beta-city/2015-16-Q1/index.html"' in page
    assert "Gamma Borough" in page and "Not built" in page
    assert "Measure 1" in page


@pytest.mark.slow
def test_dask_executor_gives_the_same_outputs_as_the_local_pool(area, local_build, tmp_path):
    from distributed import LocalCluster

    local_out, _ = local_build
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        outcomes = build_all(
            area, tmp_path, Q, executor="dask", scheduler=cluster.scheduler_address, renderer="builtin", progress=False
        )
    assert {o.slug: o.ok for o in outcomes} == {"alpha-town": True, "beta-city": True, "gamma-borough": False}
    local_tree = {name: text.replace(str(local_out), str(tmp_path)) for name, text in _tree(local_out).items()}
    assert_same(_tree(tmp_path), local_tree, "the files of the Dask build and the local one")


def test_slug_is_a_safe_folder_name():
    assert slug("Rhondda Cynon Taf / Merthyr") == "rhondda-cynon-taf-merthyr"
