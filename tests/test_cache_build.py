"""The cache in a real build: bad entries are executed or rendered again and the build still exits 0.

A copy of the session's small partnership build (tests/partnership.py: six
notebooks) has its cache spoiled the ways users reported (the hate incidents
notebook copied over the ASB entry, an entry cut short, an entry edited, the
dashboard page given a ``<script>``), every entry is made to look unused for 40
days and an unrelated old entry added, and it is built again. Each test asserts
one thing about that second build.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from partnership import NOTEBOOKS, QUARTER

from analysis.cli import main
from analysis.core.cachestore import fetch, record_path, store
from analysis.pipeline.cache import cache_root

pytestmark = pytest.mark.slow

Q = QUARTER
SCRIPT = "<script>alert('from the cache')</script>"


def cached_by_name(out: Path, kind: str) -> dict[str, Path]:
    """The cache's entries of one kind by what they are for (``measures/asb-incidents.ipynb``)."""
    return {
        json.loads(p.read_text())["name"]: p.with_name(p.name.removesuffix(".record.json"))
        for p in (cache_root(out) / kind).glob("*.record.json")
    }


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def spoiled_rebuild(small_partnership, small_build, tmp_path_factory) -> SimpleNamespace:
    out = tmp_path_factory.mktemp("cache-build") / "out"
    shutil.copytree(small_build, out, symlinks=True)
    build = ("build", "--data", str(small_partnership), "--out", str(out), "--jobs", "2", "--renderer", "builtin")

    notebooks, pages = cached_by_name(out, "notebooks"), cached_by_name(out, "pages")
    shutil.copyfile(notebooks["measures/hate-incidents.ipynb"], notebooks["measures/asb-incidents.ipynb"])
    cut = notebooks["method.ipynb"]
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    edited = notebooks["measures/hate-incidents.ipynb"]  # after it was copied over the ASB entry
    nb = nbformat.read(edited, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A figure typed in by hand."))
    nbformat.write(nb, edited)
    page = pages["index.html"]
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", SCRIPT + "</body>"), encoding="utf-8")

    month_ago = time.time() - 40 * 86_400
    stale = store(cache_root(out) / "notebooks", "0" * 64, ".ipynb", b"{}", {"name": "an old quarter"})
    for path in (cache_root(out)).rglob("*"):
        if path.is_file():
            os.utime(path, (month_ago, month_ago))
    shutil.rmtree(cache_root(out) / "builds")  # so the build does not stop at "nothing changed"

    code, _, err = run(*build)
    _, info, _ = run("cache", "info", "--out", str(out))
    return SimpleNamespace(out=out, code=code, err=err, info=info, stale=stale)


def test_the_build_exits_0_and_executes_only_the_bad_entries_again(spoiled_rebuild):
    assert spoiled_rebuild.code == 0, spoiled_rebuild.err
    executed = re.findall(r"^\[ ?\d+/\d+\] ok\s+(\S+)", spoiled_rebuild.err, flags=re.MULTILINE)
    cached = re.findall(r"^\[ ?\d+/\d+\] cached (\S+)", spoiled_rebuild.err, flags=re.MULTILINE)
    bad = ["measures/asb-incidents.ipynb", "measures/hate-incidents.ipynb", "method.ipynb"]
    assert sorted(executed) == bad
    assert sorted(cached) == sorted(set(NOTEBOOKS) - set(bad))


NOTICES = {
    "swapped": "cache: measures/asb-incidents.ipynb was not the notebook for this job (measure hate-incidents); "
    "executing it again",
    "truncated": "cache: method.ipynb could not be read as a notebook (",
    "edited": "cache: measures/hate-incidents.ipynb was changed after it was cached "
    "(its hash is not the one recorded); executing it again",
    "page": "cache: page index.html was changed after it was cached "
    "(its hash is not the one recorded); rendering it again",
}


@pytest.mark.parametrize("notice", NOTICES.values(), ids=NOTICES.keys())
def test_each_bad_entry_is_named_on_one_line(spoiled_rebuild, notice):
    lines = [line for line in spoiled_rebuild.err.splitlines() if line.startswith(notice)]
    assert len(lines) == 1, spoiled_rebuild.err


def test_the_swapped_entry_is_replaced_and_the_page_shows_its_own_measure(spoiled_rebuild):
    page = (spoiled_rebuild.out / "_site" / Q / "measures" / "asb-incidents.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, flags=re.DOTALL).group(1)
    assert "ASB &lt;img" in heading and "racist, disablist" not in heading  # the ASB title, not the hate incidents' one
    assert "2,527" in page  # the year to date of ASB incidents (seed 003), not the hate incidents' figure
    assert "2,527" not in (spoiled_rebuild.out / "_site" / Q / "measures" / "hate-incidents.html").read_text()
    nb = nbformat.read(spoiled_rebuild.out / "reports" / Q / "measures" / "asb-incidents.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["measure_id"] == "asb-incidents"


@pytest.mark.parametrize("name", ["method", "measures/hate-incidents"], ids=["truncated", "edited"])
def test_a_truncated_or_edited_entry_is_published_as_executed_again(spoiled_rebuild, name):
    nb = nbformat.read(spoiled_rebuild.out / "reports" / Q / f"{name}.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["quarter"] == Q and not nb.metadata.papermill.exception
    assert not any("A figure typed in by hand." in c.source for c in nb.cells)
    assert "A figure typed in by hand." not in (spoiled_rebuild.out / "_site" / Q / f"{name}.html").read_text()


def test_a_cached_page_given_a_script_is_rendered_again_and_published_without_it(spoiled_rebuild):
    for page in (spoiled_rebuild.out / "_site").rglob("*.html"):
        assert "<script" not in page.read_text(encoding="utf-8"), page


def test_the_cache_holds_good_entries_again(spoiled_rebuild):
    for kind, suffix in (("notebooks", ".ipynb"), ("pages", ".html")):
        entries = cached_by_name(spoiled_rebuild.out, kind)
        for name, path in entries.items():
            data, problem = fetch(path.parent, path.name.removesuffix(suffix), suffix, lambda d: "")
            assert data is not None and not problem, (name, problem)
    assert len(cached_by_name(spoiled_rebuild.out, "notebooks")) == len(NOTEBOOKS)


def test_pruning_after_the_build_keeps_what_it_used_and_removes_what_nobody_used(spoiled_rebuild):
    assert not spoiled_rebuild.stale.exists() and not record_path(spoiled_rebuild.stale).exists()
    hour_ago = time.time() - 3600
    for path in cache_root(spoiled_rebuild.out).rglob("*"):
        assert path.stat().st_mtime > hour_ago or path.name.endswith(".record.json"), path
    assert re.search(r"^cache: removed \d+ entries \(", spoiled_rebuild.err, flags=re.MULTILINE)


def test_cache_info_after_the_build(spoiled_rebuild):
    rows = {line.split()[0]: line.split()[1] for line in spoiled_rebuild.info.splitlines()[3:6]}
    pages = 2 * len(NOTEBOOKS)  # each notebook's page and its notebook's view
    assert rows == {"notebooks": str(len(NOTEBOOKS)), "pages": str(pages), "builds": "1"}, spoiled_rebuild.info
