"""Reading a partnership's files safely: only regular files inside the data folder, of a sensible size.

A data folder may come from elsewhere (another partnership, an email, a shared
drive), so nothing in it is trusted: a link that leads out of the folder, a
device, a FIFO or a socket is refused before it is opened, and every file has a
size cap. The caps for everything the inputs may hold are kept here, in one place.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MB = 1024 * 1024
MAX_TABLE_BYTES = 50 * MB  # a CSV table or an .xlsx workbook
MAX_REGISTER_BYTES = 1 * MB  # measures.yml
MAX_COMMENTARY_BYTES = 1 * MB  # one commentary/<quarter>/<measure_id>.md
MAX_ROWS = 200_000  # rows of one table or workbook sheet
MAX_COLUMNS = 200  # named columns of one table or workbook sheet
MAX_YAML_ALIASES = 100  # uses of '*name' in measures.yml
MAX_YAML_NODES = 100_000  # values in measures.yml once every alias is expanded


class FileRefused(Exception):
    """A file of the data folder that is not read, and why (in the analyst's words)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _size(n: int) -> str:
    """A size cap in words.

    >>> _size(50 * MB), _size(2048), _size(100)
    ('50 MB', '2 KB', '100 bytes')
    """
    return f"{n / MB:g} MB" if n >= MB else f"{n / 1024:g} KB" if n >= 1024 else f"{n} bytes"


def confined(path: Path, root: Path, limit: int) -> Path:
    """The real path of ``path`` once it is known to be a regular file inside ``root`` no bigger than ``limit``.

    Looked at with ``lstat`` before anything is opened, so a FIFO is never
    opened (which would wait for a writer) and a device is never read. A link
    is followed only when it leads to a file inside ``root``. Raises
    :class:`FileRefused` saying why otherwise.
    """
    path, real_root = Path(path), Path(root).resolve()
    try:
        info = os.lstat(path)
    except OSError as err:
        raise FileRefused(f"the file cannot be read: {err.strerror or err}") from err
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as err:
            raise FileRefused("this is a link to a file that does not exist: put the file itself here") from err
        if not target.is_relative_to(real_root):
            raise FileRefused(
                "this is a link to a file outside the data folder, which is not read: "
                "copy the file itself into the data folder"
            )
        info = os.stat(target)
    else:
        target = path.resolve()
        if not target.is_relative_to(real_root):  # reached through a linked folder
            raise FileRefused(
                "this is in a folder linked from outside the data folder, which is not read: "
                "copy the files themselves into the data folder"
            )
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"this is {_kind(info.st_mode)}, not a file, so it is not read: put a saved file here")
    if info.st_size > limit:
        raise FileRefused(
            f"this file is bigger than the {_size(limit)} an input may be: check it is the right file, or split it"
        )
    return target


def read_confined(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of a regular file inside ``root`` (see :func:`confined`); :class:`FileRefused` otherwise.

    The file is opened without blocking and checked again once open, so a file
    swapped for a FIFO or device in between is still refused, and never more
    than ``limit`` bytes are read.
    """
    target = confined(path, root, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as err:
        raise FileRefused(f"the file cannot be read: {err.strerror or err}") from err
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"this is {_kind(info.st_mode)}, not a file, so it is not read: put a saved file here")
        try:
            raw = f.read(limit + 1)
        except OSError as err:
            raise FileRefused(f"the file cannot be read: {err.strerror or err}") from err
    if len(raw) > limit:
        raise FileRefused(
            f"this file is bigger than the {_size(limit)} an input may be: check it is the right file, or split it"
        )
    return raw
