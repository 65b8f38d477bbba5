"""The committee paper's URL fetcher for WeasyPrint: local files and inline data only, never the network."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit


def _refuse_remote(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is inline data or a file on this machine.

    >>> _refuse_remote("data:image/png;base64,AAAA"), _refuse_remote("file:///srv/site/chart.png")
    (None, None)
    >>> _refuse_remote("file://example.com/chart.png")
    Traceback (most recent call last):
    ...
    ValueError: the committee paper fetches nothing from the network (refused 'file://example.com/chart.png')
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data" or (scheme == "file" and parts.netloc.lower() in ("", "localhost")):
        return
    raise ValueError(f"the committee paper fetches nothing from the network (refused {url[:80]!r})")


@functools.cache
def _local_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """WeasyPrint's URL fetcher, refusing every URL that is not inline data or a local file."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            _refuse_remote(url)
            return super().fetch(url, headers)

    return LocalFetcher


def local_fetcher() -> Any:
    """The paper's URL fetcher for WeasyPrint: local files and inline data only, never the network.

    A refused URL (``http:``, ``ftp:``, a ``file:`` URL naming another host, a
    scheme-relative ``//host/...``) raises ``ValueError``; WeasyPrint reports it
    as a warning and lays the paper out without that resource.
    """
    return _local_fetcher_class()(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)
