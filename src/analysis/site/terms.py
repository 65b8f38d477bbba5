"""The first use of each technical term on a page, linked to its entry on the glossary page.

The pages write each term after its plain words, in brackets: "the usual range of variation (common cause)".
Once a page is rendered (by either renderer), the first bracketed use of each term of
:data:`analysis.core.vocabulary.GLOSSARY` in its main content becomes a link to the glossary; later uses stay
as they are. Text inside links, headings' ``h1``, charts, code and scripts is left alone.
"""

from __future__ import annotations

import re

from markupsafe import escape

from analysis.core.vocabulary import GLOSSARY
from analysis.site.catalogue import GLOSSARY_PAGE, Page

ALIASES = {"spc": ("statistical process control",), "confidence-interval": ("confidence intervals",)}
_FORMS = sorted(
    ((form, anchor) for anchor, term, _, _ in GLOSSARY for form in (term, *ALIASES.get(anchor, ()))),
    key=lambda f: -len(f[0]),
)  # the longest first, so that "SPC variation" is found before "SPC"
_TERM = re.compile(r"(?<![\w-])(" + "|".join(re.escape(form) for form, _ in _FORMS) + r")(?![\w-])", re.IGNORECASE)
_ANCHOR = {form.casefold(): anchor for form, anchor in _FORMS}
_TAG = re.compile(r"(<[^>]*>)")
_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
SKIP = frozenset({"a", "svg", "script", "style", "code", "pre", "h1", "title", "button", "textarea", "select"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_MAIN = re.compile(r"(<main\b[^>]*>)(.*?)(</main>)", re.DOTALL | re.IGNORECASE)


def _link_text(text: str, href: str, seen: set[str]) -> str:
    """One text node with the first bracketed use of each term not yet ``seen`` made a link."""
    out, last = [], 0
    for match in _TERM.finditer(text):
        anchor = _ANCHOR[match.group(1).casefold()]
        before = text[: match.start()]
        if anchor in seen or before.count("(") <= before.count(")"):  # only a term in brackets, after its words
            continue
        seen.add(anchor)
        out += [text[last : match.start()], f'<a class="glossary-term" href="{escape(href)}#{anchor}">',
                match.group(1), "</a>"]  # fmt: skip
        last = match.end()
    return "".join(out) + text[last:] if out else text


def link_first_uses(page: str, glossary_href: str) -> str:
    """``page`` with the first bracketed use of each glossary term in its ``<main>`` linked to ``glossary_href``.

    >>> link_first_uses('<main><p>Within the usual range (common cause); again (common cause).</p></main>', "g.html")
    '<main><p>Within the usual range (<a class="glossary-term" href="g.html#common-cause">common cause</a>); again (common cause).</p></main>'
    >>> link_first_uses('<main><h1>SPC (SPC)</h1><a href="x">(SPC)</a><p>common cause</p></main>', "g.html")
    '<main><h1>SPC (SPC)</h1><a href="x">(SPC)</a><p>common cause</p></main>'
    """
    match = _MAIN.search(page)
    if match is None:
        return page
    seen: set[str] = set()
    depth = 0
    parts = _TAG.split(match.group(2))
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = _NAME.match(part)
            if name is None or part.startswith(("<!", "<?")):
                continue
            tag = name.group(1).lower()
            if tag in SKIP and not part.rstrip(">").endswith("/") and tag not in VOID:
                depth += -1 if part.startswith("</") else 1
        elif depth == 0 and part:
            parts[i] = _link_text(part, glossary_href, seen)
    return page[: match.start(2)] + "".join(parts) + page[match.end(2) :]


def glossary_links(page: Page, body: str) -> str:
    """A reader's page with the first use of each technical term linked to the glossary (not the glossary's own)."""
    return body if page.kind == "glossary" else link_first_uses(body, page.prefix + GLOSSARY_PAGE)
