"""Reading a partnership's files safely: only regular files inside the data folder, of a sensible size.

A data folder may come from elsewhere (another partnership, an email, a shared
drive), so nothing in it is trusted: a link that leads out of the folder, a
device, a FIFO or a socket is refused before it is opened, and every file has a
size cap. The caps for everything the inputs may hold are kept here, in one place:
the bytes of a file, the rows and columns of a table, the characters of one cell,
the magnitude of a number and, for a workbook (a zip file), what it unpacks to.

Files named on the command line (a partner's returns workbook, a police.uk
file) are the analyst's choice, so they may be anywhere, but are still read
only when they are regular files (:func:`read_regular`). Every file read
through this module while :func:`recording` is on has its SHA-256 recorded
from the very bytes read, so a build's manifest names what it used, even if the
file changes while the build runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

MB = 1024 * 1024
MAX_TABLE_BYTES = 50 * MB  # a CSV table or an .xlsx workbook
MAX_REGISTER_BYTES = 1 * MB  # measures.yml
MAX_COMMENTARY_BYTES = 1 * MB  # one commentary/<quarter>/<measure_id>.md
MAX_ROWS = 200_000  # rows of one table or workbook sheet
MAX_COLUMNS = 200  # named columns of one table or workbook sheet
MAX_YAML_ALIASES = 100  # uses of '*name' in measures.yml
MAX_YAML_NODES = 100_000  # values in measures.yml once every alias is expanded
MAX_CELL_CHARS = 32_767  # characters of one text cell (a note, a title, a position): Excel's own limit
MAX_NUMBER = 1e12  # the largest count or rate, either way: beyond it a figure is a slip (or an attack), not data
MAX_UNZIPPED_BYTES = 100 * MB  # what a workbook's parts unpack to, all together, as its zip directory records
MAX_ZIP_ENTRIES = 10_000  # parts of one workbook

_READ: ContextVar[dict[Path, str] | None] = ContextVar("csp_report_files_read", default=None)


class FileRefused(Exception):
    """A file of the data folder that is not read, and why (in the analyst's words)."""


@contextlib.contextmanager
def recording() -> Iterator[dict[Path, str]]:
    """Within the block, the SHA-256 of every file this module reads, by the path it was asked for.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.csv").write_text("x")
    ...     with recording() as read:
    ...         _ = read_confined(Path(d) / "a.csv", Path(d), 10)
    ...     [(p.name, h[:8]) for p, h in read.items()]
    [('a.csv', '2d711642')]
    """
    read: dict[Path, str] = {}
    token = _READ.set(read)
    try:
        yield read
    finally:
        _READ.reset(token)


def _record(path: Path, raw: bytes) -> None:
    read = _READ.get()
    if read is not None:
        read[Path(path)] = hashlib.sha256(raw).hexdigest()


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
        raise FileRefused(_unreadable(err)) from err
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
        raise FileRefused(_too_big(limit))
    return target


def read_confined(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of a regular file inside ``root`` (see :func:`confined`); :class:`FileRefused` otherwise.

    The file is opened without blocking and checked again once open, so a file
    swapped for a FIFO or device in between is still refused, and never more
    than ``limit`` bytes are read.
    """
    raw = _read_regular(confined(path, root, limit), limit, follow=False)
    _record(path, raw)
    return raw


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a file named on the command line, which may be anywhere, if it is a regular file within ``limit``.

    A link is followed; a FIFO, device, socket or folder is refused before it is
    opened (opening a FIFO would wait for a writer for ever, and the zero device
    never ends).

    >>> read_regular(Path("/dev/zero"), 10)
    Traceback (most recent call last):
    ...
    analysis.core.files.FileRefused: this is a device, not a file, so it is not read: put a saved file here
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise FileRefused(_unreadable(err)) from err
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"this is {_kind(info.st_mode)}, not a file, so it is not read: put a saved file here")
    if info.st_size > limit:
        raise FileRefused(_too_big(limit))
    raw = _read_regular(Path(path), limit, follow=True)
    _record(path, raw)
    return raw


def not_a_file(path: Path) -> str:
    """Why ``path`` (a link followed) is not a regular file that can be read, in words; ``""`` when it is one.

    >>> not_a_file(Path("/dev/null")), not_a_file(Path(__file__))
    ('this is a device, not a file, so it is not read: put a saved file here', '')
    """
    try:
        info = os.stat(path)
    except OSError as err:
        return _unreadable(err)
    if stat.S_ISREG(info.st_mode):
        return ""
    return f"this is {_kind(info.st_mode)}, not a file, so it is not read: put a saved file here"


def _unreadable(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return "the file does not exist"
    return f"the file cannot be read: {err.strerror or err}"


def _too_big(limit: int) -> str:
    return f"this file is bigger than the {_size(limit)} an input may be: check it is the right file, or split it"


def _read_regular(target: Path, limit: int, *, follow: bool) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags)
    except OSError as err:
        raise FileRefused(_unreadable(err)) from err
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"this is {_kind(info.st_mode)}, not a file, so it is not read: put a saved file here")
        try:
            raw = f.read(limit + 1)
        except OSError as err:
            raise FileRefused(_unreadable(err)) from err
    if len(raw) > limit:
        raise FileRefused(_too_big(limit))
    return raw


def unzip_problem(raw: bytes) -> str:
    """Why a workbook (a zip file) is refused before it is opened, from its zip directory; ``""`` when it is not.

    A few hundred kilobytes of zip can unpack to gigabytes (a "zip bomb"), which
    would take openpyxl minutes and all the memory there is. The directory
    records what each part unpacks to, and Python's unzipping never gives more
    than that, so the recorded sizes bound the work. Bytes that are not a zip
    file are left for the workbook reader to refuse in its own words.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("xl/worksheets/sheet1.xml", b"0" * (MAX_UNZIPPED_BYTES + 1))
    >>> len(buffer.getvalue()) < MB, unzip_problem(buffer.getvalue())[:58]
    (True, 'this workbook unpacks to more than the 100 MB a workbook m')
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ""
    if len(parts) > MAX_ZIP_ENTRIES:
        return f"this workbook has {len(parts):,} parts, more than the {MAX_ZIP_ENTRIES:,} a workbook may have"
    if sum(part.file_size for part in parts) > MAX_UNZIPPED_BYTES:
        return (
            f"this workbook unpacks to more than the {_size(MAX_UNZIPPED_BYTES)} a workbook may hold: "
            "check it is the right file (a small file that unpacks to this much is built to exhaust the machine)"
        )
    return ""


def linked_folder(root: Path, *parts: str) -> Path | None:
    """The first of ``root/parts[0]``, ``root/parts[0]/parts[1]``, ... that is a link, or ``None``.

    The project writes its outputs and its cache only into folders it makes
    itself: a link there would have it add files to, and clean up in, a folder
    of someone else's choosing.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / ".cache").symlink_to(Path(d))
    ...     linked_folder(Path(d), ".cache", "csp-report") == Path(d) / ".cache", linked_folder(Path(d), "_site")
    (True, None)
    """
    path = Path(root)
    for part in parts:
        path = path / part
        try:
            info = os.lstat(path)
        except OSError:  # not there (or a file in the way, which writing will report)
            return None
        if stat.S_ISLNK(info.st_mode):
            return path
        if not stat.S_ISDIR(info.st_mode):
            return None
    return None
