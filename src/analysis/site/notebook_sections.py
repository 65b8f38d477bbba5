"""The sections of an executed notebook, as the paper takes them: each marked HTML output, by its name.

Every page section the report makes carries its name on its outermost element
(``<section data-section="figures">``, :mod:`analysis.report.sections`); a
notebook's sections are its code cells' ``text/html`` outputs, left out as on
the site for cells tagged ``parameters``, ``remove-cell`` and the like. A
section is known by that mark alone: an output without one (a measure's own
notebook, written differently) is a section without a name.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from analysis.core.vocabulary import SECTION_MARK
from analysis.site.catalogue import REMOVE_CELL_TAGS, REMOVE_OUTPUT_TAGS

_MARKED = re.compile(rf"""\s*<[a-z][a-z0-9]*\b[^>]*?\s{SECTION_MARK}\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Section:
    """One HTML section of a notebook, named by its mark (``""`` when it has none)."""

    name: str
    html: str


def section_name(text: str) -> str:
    """The name the section's outermost element is marked with; ``""`` when it has no mark.

    >>> section_name('<section data-section="figures" class="x"><h2>Year to date</h2></section>')
    'figures'
    >>> section_name('<h2>Performance</h2><section data-section="figures"></section>')
    ''
    """
    marked = _MARKED.match(text)
    return html.unescape(marked[2]) if marked else ""


def notebook_sections(nb: Any) -> list[Section]:
    """The HTML sections a notebook's page shows, in order: each code cell's ``text/html`` output."""
    sections = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & (REMOVE_CELL_TAGS | REMOVE_OUTPUT_TAGS):
            continue
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html") if output.get("output_type") != "error" else None
            if text:
                text = "".join(text) if isinstance(text, list) else str(text)
                sections.append(Section(section_name(text), text))
    return sections


_HREF = re.compile(r"""<a\b([^>]*?)\shref\s*=\s*(["'])(.*?)\2([^>]*)>""", re.IGNORECASE | re.DOTALL)


def local_links(text: str, measure_ids: set[str]) -> str:
    """Links between the site's pages become links inside the paper; other page links are dropped.

    >>> local_links('<a href="measures/asb.html">ASB</a> <a href="x.html">X</a>', {"asb"})
    '<a href="#measure-asb">ASB</a> <a>X</a>'
    """

    def fix(match: re.Match) -> str:
        href = html.unescape(match[3])
        page = re.fullmatch(r"(?:\.\./)*(?:measures/)?([a-z0-9-]+)\.html(?:#.*)?", href)
        if page and page[1] in measure_ids:
            return f'<a{match[1]} href="#measure-{page[1]}"{match[4]}>'
        if href.startswith("#"):
            return match[0]
        return f"<a{match[1]}{match[4]}>"

    return _HREF.sub(fix, text)
