"""Write outputs so that a reader never opens half of one: staging folders, renames, files by a rename.

A build writes into a staging folder under ``--out``; only when the whole
quarter succeeded is it published, as a new version made current by one atomic
switch (:mod:`analysis.pipeline.publish`). ``replace_path`` moves one folder
into place by renames, for the failed builds kept aside and where links cannot
be made.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644  # published files: the owner writes, everyone (a web server's account) reads
FOLDER_MODE = 0o755


@contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A fresh staging folder under ``root`` (same file system), removed on exit.

    ``mkdtemp`` makes it readable by its owner only; what is staged in it is
    published, so it is opened up to the usual folder mode. Its name carries the
    process id: a staging folder of another process found under a locked
    ``--out`` was left by a crash, and the next command removes it.
    """
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".csp-build-{os.getpid()}-", dir=root))
    os.chmod(folder, FOLDER_MODE)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replace_path(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing what was there, by renames only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file by a rename, so a reader never opens half of it; readable by all, as any published file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE) if hasattr(os, "fchmod") else os.chmod(tmp, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
