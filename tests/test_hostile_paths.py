"""Paths under attack: nothing outside what the project made is ever removed, no link leads it into someone else's
folder, the inputs never live inside the outputs, partnerships never share a folder, and the lock outlives no one.

Quick: ``status`` (no notebook) publishes and cleans up exactly as ``build`` does (the same code); the builds are in
``tests/test_interrupt.py`` (a ``kill -9``) and ``tests/test_build.py``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.pipeline.lock import LOCK_FILE, folder_lock

Q = "2015-16-Q1"
VALID = Path(__file__).resolve().parent / "data" / "inputs" / "valid"

# Hidden names of the user's own that look like the project's leftovers (an old ".old-" or ".link-" pattern).
LOOKALIKES = {
    "file": (".env.old-2024", ".actuals.old-2015-backup.csv", ".index.html.draft", ".current.notes"),
    "folder": (".drafts.link-ideas", ".csp-build-notes", ".removing-nothing", ".csp-report-tmp-1-mine"),
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(VALID, target)
    return target


def status(data: Path, out: Path) -> int:
    return main(["status", "--quarter", Q, "--data", str(data), "--out", str(out)])


def plant(folder: Path) -> list[Path]:
    """The user's look-alike files and folders in ``folder``, each with content of its own."""
    planted = []
    folder.mkdir(parents=True, exist_ok=True)
    for name in LOOKALIKES["file"]:
        (folder / name).write_text(f"the user's {name}\n")
        planted.append(folder / name)
    for name in LOOKALIKES["folder"]:
        (folder / name).mkdir()
        (folder / name / "notes.txt").write_text("mine\n")
        planted.append(folder / name)
    return planted


def test_files_that_look_like_leftovers_survive_every_writing_command(data, tmp_path, capsys):
    out = tmp_path / "out"
    assert status(data, out) == 0
    planted = []
    for folder in (out, out / "data" / "processed", out / "_site", out / ".versions" / Q, data):
        planted += plant(folder)
    capsys.readouterr()
    assert status(data, out) == 0
    assert main(["new-quarter", "--quarter", "2015-16-Q2", "--data", str(data)]) == 0
    assert status(data, out) == 0
    assert "Cleaned up" not in capsys.readouterr().err, "nothing of the user's is taken for a leftover"
    for path in planted:
        assert path.exists(), f"{path} was removed"
        assert (
            (path / "notes.txt").read_text() == "mine\n" if path.is_dir() else path.read_text().startswith("the user")
        )


def test_a_cache_folder_linked_to_a_users_folder_is_refused_and_left_as_it_was(data, tmp_path, capsys):
    out, theirs = tmp_path / "out", tmp_path / "my-folder"
    theirs.mkdir()
    (theirs / "notebooks").mkdir()
    keep = [theirs / "notebooks" / f"{'ab' * 32}.ipynb", theirs / "notebooks" / ".half.tmp", theirs / "thesis.docx"]
    for path in keep:
        path.write_text("mine")
        os.utime(path, (0, 0))  # unused for decades, by the cache's reckoning
    (out / ".cache").mkdir(parents=True)
    (out / ".cache" / "csp-report").symlink_to(theirs)
    for argv in (["cache", "prune", "--all"], ["cache", "prune"], ["status", "--quarter", Q, "--data", str(data)]):
        assert main([*argv, "--out", str(out)]) == 3, argv
        err = capsys.readouterr().err
        assert f"cannot write {out / '.cache' / 'csp-report'}: it is a link to {theirs}" in err
    assert all(p.read_text() == "mine" for p in keep)


@pytest.mark.parametrize("folder", ["_site", "reports", "data/processed", ".versions"])
def test_an_output_folder_that_is_a_link_is_refused_and_nothing_is_written_through_it(data, tmp_path, capsys, folder):
    out, theirs = tmp_path / "out", tmp_path / "my-folder"
    theirs.mkdir()
    (theirs / "thesis.docx").write_text("mine")
    (out / folder).parent.mkdir(parents=True, exist_ok=True)
    (out / folder).symlink_to(theirs)
    assert status(data, out) == 3
    assert f"cannot write {out / folder}: it is a link to {theirs}" in capsys.readouterr().err
    assert sorted(p.name for p in theirs.iterdir()) == ["thesis.docx"]


def test_inputs_inside_the_published_outputs_are_refused(data, tmp_path, capsys):
    out = tmp_path / "out"
    assert status(data, out) == 0
    inside = out / "data" / "processed" / Q
    register = (inside / "register.json").read_bytes()
    capsys.readouterr()
    assert main(["status", "--quarter", Q, "--data", str(inside), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f": this data folder is inside the outputs of {out}" in err
    assert inside.is_symlink() and (inside / "register.json").read_bytes() == register


def test_an_output_folder_inside_the_data_folder_is_refused(data, capsys):
    assert status(data, data / "site") == 2
    assert "the output folder" in capsys.readouterr().err and not (data / "site").exists()


def test_partnerships_whose_folders_make_the_same_name_are_refused_and_none_is_built(tmp_path, capsys):
    root = tmp_path / "area"
    for name in ("Safer Town", "safer_town", "Other Place"):
        shutil.copytree(VALID, root / name)
    out = tmp_path / "out"
    assert main(["build-all", "--data-root", str(root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the folders 'Safer Town' and 'safer_town' would both be published as 'safer-town'" in err
    assert not (out / "_site").exists() and not (out / ".versions").exists(), "nothing was built"


def test_the_manifest_records_no_absolute_path(data, tmp_path):
    out = tmp_path / "out"
    assert status(data, out) == 0
    manifest = (out / "data" / "processed" / Q / "manifest.json").read_text()
    assert str(tmp_path) not in manifest and json.loads(manifest)["data_dir"] == "raw"


def test_with_umask_000_what_is_published_is_not_world_writable(data, tmp_path):
    out = tmp_path / "out"
    old = os.umask(0)
    try:
        assert status(data, out) == 0
    finally:
        os.umask(old)
    published = [p for p in (out / ".versions").rglob("*") if not p.is_symlink()]
    assert len(published) > 5
    for path in published:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_a_full_disk_that_names_no_file_is_reported_with_the_folder_written(data, tmp_path, capsys, monkeypatch):
    def full(files, folder):
        raise OSError(errno.ENOSPC, "No space left on device")  # as a write() that fills the disk says it

    monkeypatch.setattr("analysis.pipeline.build.write_tables", full)
    out = tmp_path / "out"
    assert status(data, out) == 3
    assert capsys.readouterr().err == f"error: cannot write {out}: the disk is full; free some space and run again\n"


# --- the lock: held by the command's own process only


HOLD_AND_FORK = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from analysis.pipeline.lock import folder_lock
    with folder_lock(Path(sys.argv[1]), "csp-report build 2015-16-Q1"):
        child = os.fork()
        if child == 0:  # a worker forked while the lock is held, which outlives its parent
            time.sleep(60)
            os._exit(0)
        print(child, flush=True)
        time.sleep(60)
    """
)


def test_a_process_forked_by_the_holder_does_not_hold_the_lock(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_FORK, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    child = int(holder.stdout.readline())
    try:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        os.kill(child, 0)  # the child is still there
        with folder_lock(tmp_path, "csp-report status", wait=False):
            pass
    finally:
        os.kill(child, signal.SIGKILL)


HEIR = textwrap.dedent(
    """
    import fcntl, sys, time
    handle = open(sys.argv[1], "a")
    fcntl.flock(handle, fcntl.LOCK_EX)  # holds the lock without writing its name: an heir of an ended holder
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_lock_naming_a_process_that_has_ended_is_taken_over(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    lock = tmp_path / LOCK_FILE
    lock.write_text(json.dumps({"what": "csp-report build 2015-16-Q1", "pid": ended.pid, "since": "10:00:00"}))
    heir = subprocess.Popen([sys.executable, "-c", HEIR, str(lock)], stdout=subprocess.PIPE, text=True)
    assert heir.stdout.readline().strip() == "held"
    said: list[str] = []
    try:
        started = time.monotonic()
        with folder_lock(tmp_path, "csp-report status", wait=False, say=said.append):
            assert json.loads(lock.read_text())["pid"] == os.getpid()
        assert time.monotonic() - started < 10
    finally:
        heir.kill()
        heir.wait()
    assert said == [
        f"{tmp_path} was locked by csp-report build 2015-16-Q1 (pid {ended.pid}, since 10:00:00), which has ended; "
        "its lock is taken over"
    ]


def test_a_returns_folder_that_is_a_link_is_refused(data, tmp_path, capsys):
    out, theirs = tmp_path / "out", tmp_path / "my-folder"
    theirs.mkdir()
    (out / "returns").mkdir(parents=True)
    (out / "returns" / Q).symlink_to(theirs)
    assert main(["returns", "--quarter", Q, "--data", str(data), "--out", str(out)]) == 3
    assert f"cannot write {out / 'returns' / Q}: it is a link to {theirs}" in capsys.readouterr().err
    assert list(theirs.iterdir()) == []
