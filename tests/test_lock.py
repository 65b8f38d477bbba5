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
