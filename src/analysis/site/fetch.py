"""What the committee paper may load while WeasyPrint lays it out: inline data and the project's own assets.

The paper is HTML made from the quarter's pages, and WeasyPrint fetches every
image, stylesheet and attachment that HTML names, through a URL fetcher. Text a
partnership typed (commentary, titles, positions, notes, the register's
``report:`` block) reaches those pages, so a name in it must never make the
paper read a file: a commentary image ``![x](/home/analyst/secret.svg)`` or
``../../etc/passwd`` would otherwise be embedded in the PDF for anyone to read,
a FIFO would hang the build and the zero device would exhaust its memory.

:func:`local_fetcher` allows only

- inline data (``data:`` URLs: the charts, drawn as images of their SVG), and
- regular files of the project's own templates folder (the paper's assets)
  and of the folder the paper is written into (the quarter's own pages), read
  within a size cap: never a file reached by ``../`` or a link out of them, a
  FIFO or a device;

and refuses everything else, the network and every other file, with
``ValueError``: WeasyPrint reports it as a warning and lays the paper out
without that resource. Markdown images in commentary are refused by
``validate`` and shown as text anyway (:func:`analysis.report.html.markdown`),
so this is the second of two guards.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from analysis.core.files import MB, FileRefused, read_confined
from analysis.core.paths import TEMPLATES

MAX_ASSET_BYTES = 10 * MB  # one file of the project's own the paper may load


def refusal(url: str, roots: tuple[Path, ...] = ()) -> str:
    """Why the paper must not load ``url``; ``""`` when it may: inline data, or a file of the project's templates
    or of one of ``roots`` (the quarter's site folder).

    >>> refusal("data:image/svg+xml;base64,AAAA"), refusal((TEMPLATES / "paper" / "paper.css").as_uri())
    ('', '')
    >>> refusal("file:///etc/passwd")
    "the committee paper reads no file but the project's own (refused 'file:///etc/passwd')"
    >>> refusal("file://example.com/chart.png")
    "the committee paper fetches nothing from the network (refused 'file://example.com/chart.png')"
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return ""
    if scheme == "file" and parts.netloc.lower() in ("", "localhost"):
        if _own_file(url, roots) is not None:
            return ""
        return f"the committee paper reads no file but the project's own (refused {url[:80]!r})"
    return f"the committee paper fetches nothing from the network (refused {url[:80]!r})"


def _own_file(url: str, roots: tuple[Path, ...]) -> tuple[Path, Path] | None:
    """The file a ``file:`` URL names and the allowed folder it is in, or ``None`` when it is in none of them."""
    path = Path(url2pathname(unquote(urlsplit(url).path)))
    if not path.is_absolute() or ".." in path.parts:
        return None
    try:
        resolved = path.resolve()
        for root in (TEMPLATES, *roots):
            if resolved.is_relative_to(Path(root).resolve()) and resolved.is_file():
                return path, Path(root)
    except (OSError, RuntimeError):
        return None
    return None


@functools.cache
def _local_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        """WeasyPrint's URL fetcher, loading only inline data and the project's own files (:func:`refusal`)."""

        roots: tuple[Path, ...] = ()

        def fetch(self, url: str, headers: Any = None) -> Any:
            why = refusal(url, self.roots)
            if why:
                raise ValueError(why)
            if urlsplit(url).scheme.lower() == "data":
                return super().fetch(url, headers)
            found = _own_file(url, self.roots)
            if found is None:  # gone since it was looked at
                raise ValueError(f"the committee paper cannot load {url[:80]!r}")
            path, root = found
            try:  # a regular file inside the folder, within the cap: never a FIFO or device swapped in since
                body = read_confined(path, root, MAX_ASSET_BYTES)
            except FileRefused as err:
                raise ValueError(f"the committee paper cannot load {url[:80]!r}: {err}") from err
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, headers={"Content-Type": kind})

    return LocalFetcher


def local_fetcher(*roots: Path) -> Any:
    """The paper's URL fetcher for WeasyPrint: inline data, and the files of the project's templates and of
    ``roots`` (the folder the paper is written into) only (:func:`refusal`)."""
    fetcher = _local_fetcher_class()(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)
    fetcher.roots = tuple(Path(root) for root in roots)
    return fetcher
