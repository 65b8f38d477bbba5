"""Publishing a quarter: one whole version made current by one atomic switch, whatever kills the command.

The quick tests use ``csp-report status`` (no notebook) and versions assembled by
hand; the slow ones build a one-measure partnership, kill ``csp-report build`` at
every fault point (``CSP_REPORT_FAULT``) and run builds side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from analysis.cli import main
from analysis.core.formatting import number
from analysis.core.paths import OutputPaths
from analysis.pipeline import faults, publish
from analysis.pipeline.lock import folder_lock
from analysis.pipeline.verify import verify_quarter
from analysis.processed.atomic import MARKER
from analysis.processed.contract import MEASURE_STATUS
from analysis.processed.quarter import load_quarter, read_table
from analysis.processed.versions import (
    CURRENT,
    RECORD,
    check_version,
    contract_paths,
    current_version,
    find_leftovers,
    read_record,
    walk_files,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

Q = "2015-16-Q1"
PREVIOUS = "2014-15-Q4"
CHANGE = 1234  # how far the second data folder's year-to-date figure for Q is from the first's


def one_measure(folder: Path, change: int = 0) -> Path:
    """A partnership of one measure (a small fixture); ``change`` is added to its value for 2015-05."""
    generate(folder, 1, seed=7, name="Fault Town")
    actuals = folder / "actuals.csv"
    lines = actuals.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("measure-001,2015-05,"))
    lines[i] = f"measure-001,2015-05,{int(lines[i].rsplit(',', 1)[1]) + change}"
    actuals.write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return one_measure(tmp_path_factory.mktemp("small") / "raw")


def _status(out: Path, data: Path, quarter: str = Q) -> int:
    return main(["status", "--quarter", quarter, "--data", str(data), "--out", str(out)])


def _verify(out: Path, data: Path) -> int:
    return main(["verify", "--quarter", Q, "--data", str(data), "--out", str(out)])


def _fake_build(out: Path, quarter: str = Q) -> None:
    """Publish a version with pages, as a build would, without executing notebooks: the current tables,
    one notebook and one page made from them."""
    paths = OutputPaths(out)
    stage = out / "stage"
    shutil.copytree(paths.processed(quarter).resolve(), stage / "processed")
    (stage / "reports").mkdir()
    (stage / "reports" / "dashboard.ipynb").write_text("{}", encoding="utf-8")
    (stage / "site").mkdir()
    (stage / "site" / "index.html").write_text("<p>the dashboard</p>", encoding="utf-8")
    with folder_lock(out, "a test"):
        publish.publish_quarter(
            paths, quarter, made_by="build", moved={part: stage / part for part in ("processed", "reports", "site")}
        )
    stage.rmdir()


# --- the layout ----------------------------------------------------------------------------------------------------


def test_the_contract_paths_are_relative_links_through_current_to_a_recorded_version(tmp_path, small):
    assert _status(tmp_path, small) == 0
    link = tmp_path / "data" / "processed" / Q
    assert link.is_symlink() and os.readlink(link) == f"../../.versions/{Q}/current/processed"
    current = tmp_path / ".versions" / Q / CURRENT
    assert current.is_symlink() and "/" not in os.readlink(current)
    version = current_version(OutputPaths(tmp_path), Q)
    record = read_record(version)
    assert record["made_by"] == "status" and record["pages_from"] == ""
    assert "processed/measure_status.csv" in record["files"]
    assert (link / "measure_status.csv").read_bytes() == (version / "processed" / "measure_status.csv").read_bytes()


def test_readers_resolve_the_quarter_once_and_walks_see_every_quarter(tmp_path, small):
    assert _status(tmp_path, small, PREVIOUS) == 0 and _status(tmp_path, small) == 0
    data = load_quarter(Q, processed_dir=tmp_path / "data" / "processed" / Q)
    assert data.folder == current_version(OutputPaths(tmp_path), Q) / "processed"
    names = {p.relative_to(tmp_path).as_posix() for p in walk_files(tmp_path)}
    assert {f"data/processed/{q}/measure_status.csv" for q in (Q, PREVIOUS)} <= names
    assert not [n for n in names if n.startswith(".versions")], "each file once, under the contract's path"
    changes = (tmp_path / "data" / "processed" / Q / "changes.csv").read_text()
    assert f"previous_build,,previous quarter,,found,{PREVIOUS}" in changes


def test_an_outputs_folder_of_an_older_version_is_adopted_and_its_build_kept(tmp_path, small):
    assert _status(tmp_path, small) == 0
    legacy = tmp_path / "legacy"
    shutil.copytree(tmp_path / "data" / "processed" / Q, legacy / "data" / "processed" / Q)  # a real folder
    before = (legacy / "data" / "processed" / Q / "measure_status.csv").read_bytes()
    assert _status(legacy, small) == 0
    link = legacy / "data" / "processed" / Q
    assert link.is_symlink()
    versions = publish.versions_of(OutputPaths(legacy), Q)
    assert [read_record(v)["made_by"] for v in versions] == ["adopted", "status"]
    assert (versions[0] / "processed" / "measure_status.csv").read_bytes() == before
    assert find_leftovers(legacy) == [] and not list((legacy / "data" / "processed").glob(".*"))


def test_without_links_publishing_falls_back_to_renames(tmp_path, monkeypatch, small):
    monkeypatch.setattr(publish, "symlinks_supported", lambda root: False)
    assert _status(tmp_path, small) == 0
    folder = tmp_path / "data" / "processed" / Q
    assert folder.is_dir() and not folder.is_symlink() and not (tmp_path / ".versions").exists()
    assert _verify(tmp_path, small) == 0


# --- old versions and leftovers ------------------------------------------------------------------------------------


def test_old_versions_beyond_keep_are_removed_never_the_current_one(tmp_path, small):
    for _ in range(publish.DEFAULT_KEEP + 1):
        assert _status(tmp_path, small) == 0
    paths = OutputPaths(tmp_path)
    versions = publish.versions_of(paths, Q)
    assert len(versions) == publish.DEFAULT_KEEP and versions[-1] == current_version(paths, Q)
    with folder_lock(tmp_path, "a test"):
        publish.tidy(tmp_path, keep=1, say=lambda line: None)
    assert publish.versions_of(paths, Q) == [current_version(paths, Q)]


def _left_by_a_crash(folder: Path, kind: str) -> Path:
    """A folder as csp-report makes it, marked as its own, by a process (pid 1) that is not this one."""
    folder.mkdir(parents=True)
    record = {"made_by": "csp-report", "folder": folder.name, "pid": 1, "kind": kind}
    (folder / MARKER).write_text(json.dumps(record), encoding="utf-8")
    return folder


def _plant_leftovers(out: Path) -> list[Path]:
    """What crashed commands leave: a staging folder, a folder set aside, a temporary link, an incomplete version,
    a version half removed, a half-written home page; each marked as the project's own, as the project makes them."""
    store = out / ".versions" / Q
    planted = [
        _left_by_a_crash(out / ".csp-build-1-crashed", "staging folder"),
        _left_by_a_crash(out / "data" / "processed" / ".csp-report-tmp-1-0badf00d", "replaced folder"),
        _left_by_a_crash(store / ".csp-report-tmp-1-0badf00e", "temporary link"),
        _left_by_a_crash(store / "20000101-000000-000000-dead", "incomplete version"),
        _left_by_a_crash(store / ".csp-report-tmp-1-beef", "version being removed"),
        _left_by_a_crash(out / "_site" / ".csp-report-tmp-1-x1y2z3", "temporary file"),
    ]
    os.symlink("20000101-000000-000000-dead", planted[2] / CURRENT)
    (planted[5] / "index.html").write_text("<p>half", encoding="utf-8")
    for folder in (planted[0], planted[1] / "old", planted[3], planted[4] / "20000101-000000-000001-beef"):
        (folder / "processed").mkdir(parents=True)
        (folder / "processed" / "measure_status.csv").write_text("measure_id\n", encoding="utf-8")
    return planted


def test_the_next_writing_command_cleans_what_a_crash_left_and_says_so_in_one_line(tmp_path, capsys, small):
    assert _status(tmp_path, small) == 0
    published = current_version(OutputPaths(tmp_path), Q)
    planted = _plant_leftovers(tmp_path)
    assert len(find_leftovers(tmp_path)) == len(planted)
    capsys.readouterr()
    assert _status(tmp_path, small) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "Cleaned up" in line]
    assert lines == [
        f"Cleaned up what earlier commands left in {tmp_path}: 1 staging folder, 1 replaced folder, "
        "1 temporary file, 1 temporary link, 1 version being removed, 1 incomplete version."
    ]
    assert not [p for p in planted if p.exists() or p.is_symlink()]
    assert published.is_dir() and find_leftovers(tmp_path) == []


def test_cleaning_never_removes_the_published_version_and_verify_reports_it_incomplete(tmp_path, capsys, small):
    assert _status(tmp_path, small) == 0
    version = current_version(OutputPaths(tmp_path), Q)
    (version / RECORD).unlink()
    assert find_leftovers(tmp_path) == []
    capsys.readouterr()
    assert _verify(tmp_path, small) == 1
    assert f"  - site: version {version.name} has no record of its files: it is incomplete" in capsys.readouterr().out


# --- verify checks the site ----------------------------------------------------------------------------------------


def test_status_under_built_pages_warns_and_verify_reports_it_until_they_agree(tmp_path, small, capsys):
    assert _status(tmp_path, small) == 0
    _fake_build(tmp_path)
    assert _verify(tmp_path, small) == 0
    data = one_measure(tmp_path / "revised", change=CHANGE)
    capsys.readouterr()
    assert _status(tmp_path, data) == 0
    assert "warning: the published pages of 2015-16-Q1 were made from other tables" in capsys.readouterr().err
    site = tmp_path / "_site" / Q
    assert (site / "index.html").read_text() == "<p>the dashboard</p>", "the pages are carried, not dropped"
    assert _verify(tmp_path, data) == 1
    out = capsys.readouterr().out
    assert f"{Q}: the published figures match the current inputs." in out
    assert (
        f"  - site: the pages and notebooks of _site/{Q} were made from other tables than data/processed/{Q} holds"
    ) in out


def test_verify_reports_a_published_file_changed_since(tmp_path, capsys, small):
    assert _status(tmp_path, small) == 0
    _fake_build(tmp_path)
    (tmp_path / "_site" / Q / "index.html").write_text("<p>edited by hand</p>", encoding="utf-8")
    (tmp_path / "reports" / Q / "dashboard.ipynb").unlink()
    capsys.readouterr()
    assert _verify(tmp_path, small) == 1
    out = capsys.readouterr().out
    assert f"  - site: _site/{Q}/index.html changed since it was published" in out
    assert f"  - site: reports/{Q}/dashboard.ipynb is missing since it was published" in out


def test_every_fault_point_is_placed_in_the_code():
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "analysis").rglob("*.py"))
    assert [name for name in faults.POINTS if f'point("{name}")' not in source] == []
    with pytest.raises(ValueError, match="not a fault point"):
        faults.point("no-such-point")


# --- kills and races, on a one-measure partnership (slow) -----------------------------------------------------------

BUILD = ["--jobs", "1", "--renderer", "builtin"]


@dataclass(frozen=True)
class FaultTown:
    """A one-measure partnership in two versions differing in one figure of ``Q`` (``a``, ``b``), and an output
    folder where ``a`` is published for ``PREVIOUS`` and ``Q``, ``b`` was built too, and the caches hold both."""

    a: Path
    b: Path
    out: Path

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.out, target, symlinks=True)
        return target


@pytest.fixture(scope="module")
def fault_town(tmp_path_factory) -> FaultTown:
    root = tmp_path_factory.mktemp("publish")
    a, b = one_measure(root / "a"), one_measure(root / "b", change=CHANGE)
    out = root / "out"
    for quarter, data in ((PREVIOUS, a), (Q, b), (Q, a)):
        assert main(["build", "--quarter", quarter, "--data", str(data), "--out", str(out), *BUILD]) == 0
    return FaultTown(a, b, out)


def csp(*args: str, fault: str = "") -> subprocess.Popen:
    """``csp-report ARGS`` in a process of its own, killed at the fault point ``fault`` when one is named."""
    env = {k: v for k, v in os.environ.items() if k != faults.ENVIRONMENT}
    if fault:
        env[faults.ENVIRONMENT] = fault
    return subprocess.Popen(
        [sys.executable, "-m", "analysis.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=ROOT, env=env,
    )  # fmt: skip


def _build(out: Path, data: Path, quarter: str = Q, *extra: str, fault: str = "") -> subprocess.Popen:
    return csp("build", "--quarter", quarter, "--data", str(data), "--out", str(out), *BUILD, *extra, fault=fault)


def _ytd(processed: Path) -> float:
    """The year-to-date figure of the one measure, as the tables hold it."""
    return float(read_table(processed, MEASURE_STATUS)["ytd_actual"].iloc[0])


def _shown(nb_path: Path) -> str:
    """Every output of an executed notebook, as text."""
    return json.dumps([c.get("outputs", []) for c in nbformat.read(nb_path, as_version=4).cells])


def assert_whole(town: FaultTown, out: Path, quarter: str = Q) -> Path:
    """The published quarter is one build, whole: tables, notebooks, pages and paper agree. Returns its data folder."""
    paths = contract_paths(OutputPaths(out), quarter)
    processed, reports, site = (paths[p].resolve() for p in ("processed", "reports", "site"))
    manifest = (processed / "manifest.json").read_text()
    assert (site / "manifest.json").read_text() == manifest, "the pages were published with other tables"
    folders = {town.a.name: town.a, town.b.name: town.b}  # the manifest names the data folder, not where it is
    data = folders[json.loads(manifest)["data_dir"]]
    figure, page, notebook = (
        number(_ytd(processed)),
        (site / "index.html").read_text(),
        _shown(reports / "dashboard.ipynb"),
    )
    assert figure in page and figure in notebook, "the dashboard shows the figure of the tables"
    if quarter == Q:  # the two data folders differ in this quarter's figure
        other = number(_ytd(processed) + (CHANGE if data == town.a else -CHANGE))
        assert other not in page and other not in notebook
    assert (site / "committee-paper.pdf").is_file()
    version = current_version(OutputPaths(out), quarter)
    if version is not None:
        assert all(path.resolve().parent == version for path in paths.values() if path.is_symlink())
        assert check_version(version, {}) == [], "every published file as recorded"
    return data


def _next_build_cleans(town: FaultTown, out: Path, capsys) -> None:
    """The next build publishes ``b`` whole, leaves nothing to clean, and the home page lists every quarter."""
    capsys.readouterr()
    assert main(["build", "--quarter", Q, "--data", str(town.b), "--out", str(out), *BUILD, "--keep", "2"]) == 0
    assert assert_whole(town, out) == town.b
    assert find_leftovers(out) == []
    assert all(read_record(v) for v in (out / ".versions" / Q).iterdir() if not v.name.startswith("."))
    home = (out / "_site" / "index.html").read_text()
    for quarter in (PREVIOUS, Q):
        assert f'href="{quarter}/index.html"' in home, quarter
    assert verify_quarter(town.b, out, Q, echo=False) == []


def _to_older_layout(out: Path) -> None:
    """Outputs as an older csp-report left them: real folders at the contract's paths, no versions."""
    for quarter in (PREVIOUS, Q):
        for link in contract_paths(OutputPaths(out), quarter).values():
            target = link.resolve()
            link.unlink()
            shutil.copytree(target, link)
    shutil.rmtree(out / ".versions")


@pytest.mark.slow
@pytest.mark.parametrize("point", faults.POINTS, ids=faults.POINTS)
def test_a_kill_at_any_point_of_publishing_leaves_the_old_build_or_the_new_one_whole(
    fault_town, tmp_path, capsys, point
):
    out = fault_town.copy(tmp_path / "out")
    if point == "migrating":
        _to_older_layout(out)
    if point == "tidying":
        _plant_leftovers(out)
    run = _build(out, fault_town.b, Q, "--keep", "2", fault=point)
    _, err = run.communicate(timeout=600)
    assert run.returncode == -signal.SIGKILL, f"the build was not killed at {point}: {err}"
    after_switch = point in ("switched", "home-written", "pruning")
    assert assert_whole(fault_town, out) == (fault_town.b if after_switch else fault_town.a)
    _next_build_cleans(fault_town, out, capsys)


@pytest.mark.slow
def test_a_kill_before_the_home_page_leaves_no_quarter_off_it_after_the_next_command(fault_town, tmp_path, capsys):
    out = fault_town.copy(tmp_path / "out")
    paths = OutputPaths(out)
    for path in contract_paths(paths, Q).values():  # Q not published yet, its notebooks in the cache
        path.unlink()
    shutil.rmtree(paths.versions(Q))
    publish.write_home(paths)
    assert f'href="{Q}/index.html"' not in (out / "_site" / "index.html").read_text()
    run = _build(out, fault_town.a, Q, fault="switched")
    run.communicate(timeout=600)
    assert run.returncode == -signal.SIGKILL
    assert assert_whole(fault_town, out) == fault_town.a
    capsys.readouterr()
    assert _status(out, fault_town.a, PREVIOUS) == 0  # any writing command
    assert "the home page written again" in capsys.readouterr().err
    home = (out / "_site" / "index.html").read_text()
    assert f'href="{Q}/index.html"' in home and f'href="{PREVIOUS}/index.html"' in home


ROUNDS = 5


@pytest.mark.slow
def test_two_builds_of_one_quarter_at_once_publish_one_of_them_whole(fault_town, tmp_path):
    out = fault_town.copy(tmp_path / "out")
    for _ in range(ROUNDS):
        runs = [_build(out, data, Q, "--keep", "1") for data in (fault_town.a, fault_town.b)]
        outcomes = [run.communicate(timeout=600) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outcomes
        winner = assert_whole(fault_town, out)
        assert verify_quarter(winner, out, Q, echo=False) == []
        assert find_leftovers(out) == []


@pytest.mark.slow
def test_two_quarters_built_at_once_each_find_the_quarter_before(fault_town, tmp_path):
    out = fault_town.copy(tmp_path / "out")
    # Q compares with PREVIOUS, published before both start and published again by one of them
    runs = [_build(out, fault_town.b, quarter) for quarter in (PREVIOUS, Q)]
    outcomes = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outcomes
    for quarter, found in ((PREVIOUS, "not found"), (Q, "found")):  # the quarter before PREVIOUS was never built
        changes = (out / "data" / "processed" / quarter / "changes.csv").read_text()
        assert f"previous_build,,previous quarter,,{found}," in changes, quarter
    status = read_table(out / "data" / "processed" / PREVIOUS, MEASURE_STATUS)["status"].iloc[0]
    history = (out / "data" / "processed" / Q / "status_history.csv").read_text()
    assert f",{PREVIOUS},{status}," in history
    assert assert_whole(fault_town, out) == fault_town.b
