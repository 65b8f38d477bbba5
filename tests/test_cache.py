"""The cache under --out: every entry checked before use, and `csp-report cache info|prune` (no quarter is built)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest
import site_fixture as fx
from compare import assert_same
from test_lock import hold

from analysis.cli import main
from analysis.core.cachestore import record_path, store
from analysis.pipeline.cache import cache_root, cached_notebook
from analysis.site import render as site

DAY = 86_400
ASB = {"quarter": fx.QUARTER, "processed_dir": "data/processed/2015-16-Q1", "measure_id": "asb-incidents"}
KEY = hashlib.sha256(b"the asb-incidents job").hexdigest()


def _with_parameters(parameters: dict) -> bytes:
    """An executed measure notebook as papermill leaves it, with these injected parameters."""
    nb = fx.measure(parameters.get("measure_id", ""))
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.tags)
    injected.source = "# Parameters\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in parameters.items()) + "\n"
    nb.metadata.papermill.parameters = dict(parameters)
    return nbformat.writes(nb).encode()


def age(path: Path, days: float) -> None:
    """Make a file look last used ``days`` ago."""
    when = time.time() - days * DAY
    os.utime(path, (when, when))


# ---------------------------------------------------------------------------
# Executed notebooks: checked before they are copied into a build


def test_a_good_entry_is_served_and_marked_as_used(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    path = store(folder, KEY, ".ipynb", _with_parameters(ASB), {"name": "measures/asb-incidents.ipynb"})
    age(path, 40)
    assert_same(
        cached_notebook(folder, KEY, "measures/asb-incidents.ipynb", ASB), path.read_bytes(), "the served entry"
    )
    assert time.time() - path.stat().st_mtime < 60, "served entries are touched, so pruning keeps them"
    assert capsys.readouterr().err == ""


def _swapped(path: Path) -> None:  # another measure's executed notebook copied over this job's entry
    path.write_bytes(_with_parameters({**ASB, "measure_id": "all-crime"}))


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edited(path: Path) -> None:  # still a notebook for this job, but not the bytes that were cached
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A figure typed in by hand."))
    path.write_text(nbformat.writes(nb), encoding="utf-8")


def _other_quarter(path: Path) -> None:
    path.write_bytes(_with_parameters({**ASB, "quarter": "2014-15-Q4"}))


def _unrecorded(path: Path) -> None:
    record_path(path).unlink()


def _failed(path: Path) -> None:
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    nb.metadata.papermill.exception = True
    path.write_text(nbformat.writes(nb), encoding="utf-8")


BAD_NOTEBOOKS = {
    "swapped": (_swapped, "was not the notebook for this job (measure all-crime)"),
    "truncated": (_truncated, "could not be read as a notebook ("),
    "edited": (_edited, "was changed after it was cached (its hash is not the one recorded)"),
    "other-quarter": (_other_quarter, "was not the notebook for this job (quarter 2014-15-Q4)"),
    "no-record": (_unrecorded, "has no record of its hash"),
    "failed": (_failed, "records a failed execution"),
}


@pytest.mark.parametrize(("spoil", "why"), BAD_NOTEBOOKS.values(), ids=BAD_NOTEBOOKS.keys())
def test_a_bad_notebook_entry_is_dropped_with_a_one_line_notice(tmp_path, capsys, spoil, why):
    folder = tmp_path / "notebooks"
    path = store(folder, KEY, ".ipynb", _with_parameters(ASB), {"name": "measures/asb-incidents.ipynb"})
    spoil(path)
    assert cached_notebook(folder, KEY, "measures/asb-incidents.ipynb", ASB) is None
    notice = capsys.readouterr().err
    assert notice.startswith(f"cache: measures/asb-incidents.ipynb {why}"), notice
    assert notice.endswith("; executing it again\n") and notice.count("\n") == 1
    assert not path.exists() and not record_path(path).exists(), "a bad entry is removed"


def test_a_missing_entry_is_no_notice(tmp_path, capsys):
    assert cached_notebook(tmp_path / "notebooks", KEY, "dashboard.ipynb", {"quarter": fx.QUARTER}) is None
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------
# Rendered pages: checked the same way, so a page edited in the cache is never published


def _script(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("</body>", "<script>alert('cached')</script></body>"))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:2000])


BAD_PAGES = {
    "script": (_script, "was changed after it was cached (its hash is not the one recorded)"),
    "truncated": (_cut, "is not a whole page (it does not end with </html>)"),
}


@pytest.mark.parametrize(("spoil", "why"), BAD_PAGES.values(), ids=BAD_PAGES.keys())
def test_a_bad_cached_page_is_rendered_again(tmp_path, capsys, spoil, why):
    processed = fx.write_processed(tmp_path / "processed")
    reports = fx.write_reports(tmp_path / "reports")
    cache = tmp_path / "cache"
    site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "a", renderer="builtin", cache_dir=cache)
    first = (tmp_path / "a" / "measures" / "asb-incidents.html").read_text(encoding="utf-8")
    cached = next(
        p.with_name(p.name.removesuffix(".record.json"))
        for p in cache.glob("*.record.json")
        if json.loads(p.read_text())["name"] == "measures/asb-incidents.html"
    )
    spoil(cached)
    capsys.readouterr()
    site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "b", renderer="builtin", cache_dir=cache)
    assert capsys.readouterr().err == f"cache: page measures/asb-incidents.html {why}; rendering it again\n"
    page = (tmp_path / "b" / "measures" / "asb-incidents.html").read_text(encoding="utf-8")
    assert "<script" not in page and page == first
    assert cached.read_text(encoding="utf-8") == first, "the cache holds the page as rendered again"


# ---------------------------------------------------------------------------
# csp-report cache info | prune


def fill(out: Path) -> dict[str, Path]:
    """A cache of notebooks (100 kB each) last used 1, 5, 20, 40 and 60 days ago, two pages and a build stamp."""
    root = cache_root(out)
    paths = {}
    for days in (1, 5, 20, 40, 60):
        key = hashlib.sha256(str(days).encode()).hexdigest()
        paths[f"notebook-{days}"] = store(root / "notebooks", key, ".ipynb", b"x" * 100_000, {"name": f"{days}.ipynb"})
        age(paths[f"notebook-{days}"], days)
    for days in (2, 45):
        key = hashlib.sha256(f"page{days}".encode()).hexdigest()
        paths[f"page-{days}"] = store(root / "pages", key, ".html", b"<html></html>", {"name": f"{days}.html"})
        age(paths[f"page-{days}"], days)
    (root / "builds").mkdir()
    paths["build"] = root / "builds" / f"{'ab' * 16}.json"  # a build stamp, named by its request's digest
    paths["build"].write_text("{}")
    left = root / "notebooks" / f".{'cd' * 32}.ipynb.x1.tmp"  # left by a build stopped mid-write
    left.write_bytes(b"half")
    age(left, 1)
    paths["leftover"] = left
    return paths


def kept(paths: dict[str, Path]) -> list[str]:
    return sorted(name for name, path in paths.items() if path.exists())


PRUNES = {
    "defaults": ([], ["build", "notebook-1", "notebook-20", "notebook-5", "page-2"]),
    "older-than": (["--older-than", "3"], ["build", "notebook-1", "page-2"]),
    "max-size": (["--max-size", "0.25"], ["build", "notebook-1", "notebook-5", "page-2"]),
    "both": (["--older-than", "10", "--max-size", "0.15"], ["build", "notebook-1", "page-2"]),
    "all": (["--all"], []),
}


@pytest.mark.parametrize(("options", "left"), PRUNES.values(), ids=PRUNES.keys())
def test_cache_prune_by_age_by_size_or_all(tmp_path, capsys, options, left):
    paths = fill(tmp_path)
    assert main(["cache", "prune", "--out", str(tmp_path), *options]) == 0
    assert kept(paths) == left
    removed = 8 - len(left)
    out = capsys.readouterr().out
    assert out.startswith(f"Removed {removed} entr{'y' if removed == 1 else 'ies'} (")
    assert f"kept {len(left)} entr{'y' if len(left) == 1 else 'ies'} (" in out


def test_cache_info_lists_entries_size_and_use_per_kind(tmp_path, capsys):
    assert main(["cache", "info", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"The cache {cache_root(tmp_path)} is empty.\n"
    fill(tmp_path)
    assert main(["cache", "info", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"The cache {cache_root(tmp_path)}: 8 entries, 50")
    assert lines[2].split() == ["kind", "entries", "size", "oldest", "used", "newest", "used"]
    rows = {line.split()[0]: line.split() for line in lines[3:6]}
    assert list(rows) == ["notebooks", "pages", "builds"]
    assert rows["notebooks"][1] == "5" and 500 < float(rows["notebooks"][2]) < 502 and rows["notebooks"][3] == "kB"
    assert rows["pages"][1] == "2" and rows["builds"][1] == "1"
    oldest = time.strftime("%Y-%m-%d", time.localtime(time.time() - 60 * DAY))
    assert rows["notebooks"][4] == oldest
    assert "1 file (4 B) left by stopped builds" in "\n".join(lines)
    assert lines[-1] == (
        "After each build, entries are removed when unused for 30 days, then the oldest-used beyond 500 MB."
    )


def test_cache_prune_waits_for_the_out_lock_or_refuses_with_no_wait(tmp_path, capsys):
    paths = fill(tmp_path)
    holder = hold(tmp_path, 60)  # a build in another process (the lock is re-entrant within one)
    try:
        assert main(["cache", "prune", "--all", "--out", str(tmp_path), "--no-wait"]) == 4
        assert main(["cache", "info", "--out", str(tmp_path)]) == 0, "info reads only: it takes no lock"
    finally:
        holder.kill()
        holder.wait()
    assert "is in use by csp-report build 2015-16-Q1" in capsys.readouterr().err
    assert len(kept(paths)) == len(paths), "nothing was removed while a build held the folder"


def test_cache_prune_all_refuses_limits(tmp_path, capsys):
    assert main(["cache", "prune", "--all", "--older-than", "3", "--out", str(tmp_path)]) == 2
    assert "--all removes the whole cache" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["cache", "prune", "--max-size", "-1", "--out", str(tmp_path)])
