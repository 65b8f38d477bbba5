"""What every page of the site shares: the stylesheet, the Jinja templates, and the check that nothing is fetched from elsewhere."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from analysis.core.paths import TEMPLATES
from analysis.core.vocabulary import status_css
from analysis.errors import OffsiteContentError

SITE_TEMPLATES = TEMPLATES / "site"

_FETCHES = re.compile(
    r"""<(?:script|img|iframe|frame|embed|source|track|audio|video|input)\b[^>]*?\ssrc(?:set)?\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*"""
    r"""|<link\b[^>]*?\shref\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*"""
    r"""|<object\b[^>]*?\sdata\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*"""
    r"""|<(?:image|use|feImage)\b[^>]*?\s(?:xlink:)?href\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*"""
    r"""|@import\b[^;]*"""
    r"""|url\(\s*["']?\s*(?:https?:)?//[^)]*\)""",
    re.IGNORECASE,
)


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

    Links (``<a href>``) and XML namespaces are not fetches and are not reported.

    >>> offsite_fetches('<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="https://police.uk">x</a>')
    []
    >>> offsite_fetches('<script src="https://cdn.example/x.js"></script><p style="background:url(//e.x/a.png)">')
    ['<script src="https://cdn.example/x.js', 'url(//e.x/a.png)']
    """
    return [m.group(0) for m in _FETCHES.finditer(page)]


def check_offline(pages: dict[Path, str]) -> None:
    """Raise :class:`OffsiteContentError` naming every page that would fetch from elsewhere."""
    problems = [f"{path.name}: {ref}" for path, text in pages.items() for ref in offsite_fetches(text)]
    if problems:
        raise OffsiteContentError(
            "these pages would load content from the network, which the published report must not do "
            "(make charts as inline SVG and keep images inside the notebook):\n  " + "\n  ".join(problems)
        )
