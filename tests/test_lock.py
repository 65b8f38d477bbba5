"""One command at a time per output folder: a second one waits, or refuses with --no-wait."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis.errors import LockBusy
from analysis.pipeline.lock import LOCK_FILE, folder_lock

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analysis.pipeline.lock import folder_lock
    with folder_lock(Path(sys.argv[1]), "csp-report build 2015-16-Q1"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def hold(folder: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the folder's lock for ``seconds``; returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_holder_is_refused_without_waiting_and_told_who_holds_it(tmp_path: Path) -> None:
    holder = hold(tmp_path, 30)
    try:
        with (
            pytest.raises(LockBusy, match=r"in use by csp-report build 2015-16-Q1 \(pid \d+, since"),
            folder_lock(tmp_path, "csp-report status", wait=False),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_second_holder_waits_and_says_what_for(tmp_path: Path) -> None:
    holder = hold(tmp_path, 1.5)
    said: list[str] = []
    started = time.monotonic()
    with folder_lock(tmp_path, "csp-report status", say=said.append):
        waited = time.monotonic() - started
    holder.wait()
    assert said and said[0].startswith("Waiting for csp-report build 2015-16-Q1 (pid")
    assert waited > 0.5  # it did wait for the holder to finish


def test_a_killed_holder_leaves_the_folder_unlocked(tmp_path: Path) -> None:
    holder = hold(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with folder_lock(tmp_path, "csp-report status", wait=False):
        assert (tmp_path / LOCK_FILE).exists()


def test_the_lock_file_is_readable_by_others(tmp_path: Path) -> None:
    with folder_lock(tmp_path, "csp-report status"):
        pass
    assert (tmp_path / LOCK_FILE).stat().st_mode & 0o044 == 0o044


ROOT = Path(__file__).resolve().parents[1]


def csp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.mark.parametrize(
    "command",
    [["status", "--quarter", "2015-16-Q1"], ["paper", "--quarter", "2015-16-Q1"]],
    ids=["status", "paper"],
)
def test_a_command_with_no_wait_refuses_a_locked_output_folder_with_exit_4(tmp_path: Path, command: list[str]) -> None:
    holder = hold(tmp_path, 60)
    try:
        done = csp(*command, "--out", str(tmp_path), "--no-wait")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 4, done.stderr
    assert "is in use by csp-report build 2015-16-Q1 (pid" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists(), "nothing was written"


HOLD_FOLDER = HOLD.replace('"csp-report build 2015-16-Q1"', '"csp-report ingest", record=False')


def test_ingest_locks_the_data_folder_it_writes_and_adds_no_file_to_it(tmp_path: Path, demo_copy: Path) -> None:
    before = sorted(p.name for p in demo_copy.iterdir())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FOLDER, str(demo_copy), "60"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    try:
        done = csp("ingest", "returns", str(tmp_path / "none.xlsx"), "--data", str(demo_copy), "--no-wait")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 4 and "in use by another csp-report command" in done.stderr
    assert sorted(p.name for p in demo_copy.iterdir()) == before


def test_two_commands_at_once_on_one_folder_both_finish_one_after_the_other(tmp_path: Path) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "analysis.cli", "status", "--quarter", q, "--out", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for q in ("2015-16-Q1", "2014-15-Q4")
    ]
    outcomes = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outcomes
    for q in ("2015-16-Q1", "2014-15-Q4"):
        manifest = (tmp_path / "data" / "processed" / q / "manifest.json").read_text(encoding="utf-8")
        assert f'"quarter": "{q}"' in manifest
