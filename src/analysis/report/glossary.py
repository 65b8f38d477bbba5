"""The glossary page: what each status means in the partnership's words, and each technical term in plain English.

Every other page puts plain words first and the term after them in brackets ("the usual range of variation
(common cause)"); the site links the first use of each term on a page to its entry here
(:mod:`analysis.site.terms`). The terms are :data:`analysis.core.vocabulary.GLOSSARY`, defined once.
"""

from __future__ import annotations

from analysis.core.vocabulary import GLOSSARY, STATUS_CODES, STATUS_MEANINGS, STATUS_SHORT
from analysis.processed.quarter import QuarterData
from analysis.report.html import Html, element, paragraph, section, status_badge
from analysis.report.sections import Sections

SECTIONS = Sections("glossary")
"""The sections of the glossary page, each declared once by decorating its function."""


@SECTIONS
def statuses(data: QuarterData) -> Html:
    """Each status in the partnership's words, with its symbol, and how it is decided."""
    items = [
        [
            element("dt", status_badge(code, STATUS_SHORT[code]), " ", data.register.label(code), id=f"status-{code}"),
            element("dd", STATUS_MEANINGS[code]),
        ]
        for code in STATUS_CODES
    ]
    return section(
        "What each status means",
        paragraph(
            "A status is never shown by colour alone: each has a symbol and words. While a return is still due, the "
            "status is marked as resting on incomplete figures."
        ),
        element("dl", items, class_="glossary-statuses"),
        cls="glossary",
    )


@SECTIONS
def terms() -> Html:
    """Each technical term the pages use: the plain words they put first, the term, and what it means."""
    items = [
        [
            element("dt", element("dfn", plain[:1].upper() + plain[1:]), f" ({term})", id=anchor),
            element("dd", meaning),
        ]
        for anchor, term, plain, meaning in GLOSSARY
    ]
    return section(
        "Words used in the report",
        paragraph("Each page puts the plain words first and the technical term after them, in brackets."),
        element("dl", items, class_="glossary-terms"),
        cls="glossary",
    )
