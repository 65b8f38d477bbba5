"""Write outputs so that a reader never opens half of one: staging folders, renames, files by a rename.

A build writes into a staging folder under ``--out``; only when the whole
quarter succeeded is it published, as a new version made current by one atomic
switch (:mod:`analysis.pipeline.publish`). ``replace_path`` moves one folder
into place by renames, for the failed builds kept aside and where links cannot
be made.

Everything temporary the project makes under ``--out`` (a staging folder, a
folder set aside to be removed, a link or a file about to be renamed into
place) is made inside a folder of its own carrying a marker,
``.csp-report-made``, that names the folder, the process and what it is for
(:func:`scratch_folder`). A command cleaning up after a crash removes only
folders whose marker it can check (:func:`marked`), never anything by the look
of its name, so a user's ``.env.old-2024`` or ``.drafts.link-ideas/`` is safe.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644  # published files: the owner writes, everyone (a web server's account) reads
FOLDER_MODE = 0o755
MARKER = ".csp-report-made"  # in every folder the project makes to hold something temporary, or a version
STAGING_PREFIX = ".csp-build-"  # a build's staging folder, under --out
SCRATCH_PREFIX = ".csp-report-tmp-"  # any other temporary folder: a link or file about to be renamed, a folder going


def mark(folder: Path, kind: str) -> None:
    """Write the marker that says ``folder`` was made by this process of csp-report, for ``kind`` of use.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     folder = Path(d) / ".csp-report-tmp-1-ab"
    ...     folder.mkdir()
    ...     mark(folder, "temporary link")
    ...     marked(folder)["kind"], marked(Path(d))
    ('temporary link', None)
    """
    record = {"made_by": "csp-report", "folder": folder.name, "pid": os.getpid(), "kind": kind}
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


def marked(folder: Path) -> dict | None:
    """The marker of a folder csp-report made (``kind``, ``pid``), or ``None`` when it is not one of its own.

    A link is never one, nor a folder whose marker is not a small regular file
    naming that very folder.
    """
    folder = Path(folder)
    try:
        if not os.path.isdir(folder) or os.path.islink(folder):
            return None
        path = folder / MARKER
        info = os.lstat(path)
        if not os.path.isfile(path) or os.path.islink(path) or info.st_size > 4096:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("made_by") != "csp-report" or record.get("folder") != folder.name:
        return None
    return record


def scratch_folder(parent: Path, kind: str, prefix: str = SCRATCH_PREFIX) -> Path:
    """A new, marked folder in ``parent`` (the same file system, so its contents can be renamed into place)."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    mark(folder, kind)
    return folder


def discard(folder: Path) -> None:
    """Remove a folder made by :func:`scratch_folder` and whatever it holds."""
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def staging(root: Path) -> Iterator[Path]:
    """A fresh staging folder under ``root`` (same file system), marked as the project's, removed on exit.

    ``mkdtemp`` makes it readable by its owner only; what is staged in it is
    published, so it is opened up to the usual folder mode. Its marker names the
    process: a staging folder of another process found under a locked
    ``--out`` was left by a crash, and the next command removes it.
    """
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=root))
    try:
        os.chmod(folder, FOLDER_MODE)
        mark(folder, "staging folder")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replace_path(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing what was there, by renames only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = None
    if target.exists() or target.is_symlink():
        aside = scratch_folder(target.parent, "replaced folder")
        target.rename(aside / "old")
    try:
        new.rename(target)
    except BaseException:
        if aside is not None:
            (aside / "old").rename(target)
            discard(aside)
        raise
    if aside is not None:
        discard(aside)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file by a rename, so a reader never opens half of it; readable by all, as any published file."""
    folder = scratch_folder(path.parent, "temporary file")
    try:
        tmp = folder / path.name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        os.fchmod(fd, FILE_MODE) if hasattr(os, "fchmod") else os.chmod(tmp, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        discard(folder)
