"""What every page of the site shares: the stylesheet, the Jinja templates, and the check that nothing is fetched from elsewhere."""

from __future__ import annotations

import functools
import html.parser
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analysis.core.paths import TEMPLATES
from analysis.core.vocabulary import status_css
from analysis.errors import OffsiteContentError

SITE_TEMPLATES = TEMPLATES / "site"

# The elements and attributes a browser fetches as a page opens (links, <a href>, are followed
# only when clicked, and XML namespaces are never fetched), and CSS that fetches.
_FETCHES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("script", "img", "iframe", "frame", "embed", "source", "track", "audio", "input"), ("src",)),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "link": ("href",),
    "object": ("data",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
}
_OFFSITE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_FETCHES = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^\s"')]*"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)"'\s]*""",
    re.IGNORECASE,
)


class _FetchFinder(html.parser.HTMLParser):
    """Collects what a page would fetch from elsewhere; text is never looked at, only markup and CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _FETCHES.get(tag, ()):
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
                self.found += [f'<{tag} {name}="{u.strip()}">' for u in urls if _OFFSITE.match(u)]
            elif name == "style":
                self.found += [m.group(0) for m in _CSS_FETCHES.finditer(value)]
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [m.group(0) for m in _CSS_FETCHES.finditer(data)]


@functools.cache
def stylesheet() -> str:
    """The site's stylesheet, read once: the status colours of :mod:`analysis.core.vocabulary`, then ``report.css``."""
    return status_css() + (SITE_TEMPLATES / "report.css").read_text(encoding="utf-8")


@functools.cache
def environment() -> Any:
    """The Jinja environment of the site's own pages (home, area overview); autoescaped."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(SITE_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )


def offsite_fetches(page: str) -> list[str]:
    """What a page would fetch from outside the site: scripts, styles, fonts, images, frames.

    Only markup that a browser fetches counts: the ``src`` of an image, script
    or frame, a stylesheet ``<link href>``, and CSS ``url()`` or ``@import`` in a
    ``<style>`` element or ``style`` attribute. Links (``<a href>``), XML
    namespaces and text, such as an email address or an address written out in
    commentary, are not fetched and are not reported.

    >>> offsite_fetches('<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="https://police.uk">x</a>')
    []
    >>> offsite_fetches('<p>Ask stats@import-export.gov.uk; see url(https://x.org) or &lt;img src="//x"&gt;</p>')
    []
    >>> offsite_fetches('<script src="https://cdn.example/x.js"></script><p style="background:url(//e.x/a.png)">')
    ['<script src="https://cdn.example/x.js">', 'url(//e.x/a.png']
    >>> offsite_fetches('<style>@import "https://fonts.example/f.css";</style><img src="chart.png">')
    ['@import "https://fonts.example/f.css']
    """
    finder = _FetchFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def offsite_problems(pages: dict[Path, str]) -> list[str]:
    """Each fetch from elsewhere that ``pages`` (path: text) would make, as ``page name: markup``."""
    return [f"{path.name}: {ref}" for path, text in pages.items() for ref in offsite_fetches(text)]


def check_offline(pages: dict[Path, str], found: Iterable[str] = ()) -> None:
    """Raise :class:`OffsiteContentError` naming every page that would fetch from elsewhere.

    ``found``: problems already found by :func:`offsite_problems` where the pages were written.
    """
    problems = [*found, *offsite_problems(pages)]
    if problems:
        raise OffsiteContentError(
            "these pages would load content from the network, which the published report must not do "
            "(make charts as inline SVG and keep images inside the notebook):\n  " + "\n  ".join(problems)
        )
