"""Making Data Count's icons, drawn as small inline SVG (the dashboard's icon summary shows them for every measure).

NHS England's Making Data Count shows each measure's variation and assurance as
two icons (the front sheet of an Integrated Performance Report): variation grey
for common cause, blue for improvement, orange for concern, purple for a change
in a measure with no better direction, each marked H or L for a high or low
change; assurance blue P (the target is consistently met), orange F (it will not
be without change), grey ? (hit and miss). The project draws its own: a circle,
the letter, and the shape of the change (a level line, a rise, a fall). Each icon
is hidden from screen readers and always has its words beside it, so nothing is
told by colour alone; the dashboard's summary puts them beside the traffic light
(:func:`analysis.report.dashboard.icon_summary`).
"""

from __future__ import annotations

from analysis.core.vocabulary import (
    ASSURANCE_SHORT,
    COMMON_CAUSE,
    CONCERN,
    FAIL,
    HIT_AND_MISS,
    IMPROVEMENT,
    LOWER,
    PASS,
    SPC_ICON_COLOURS,
    VARIATION_SHORT,
)
from analysis.report.html import Html, element

SIZE = 28
# The shape inside the icon: five points of a level series, a rise or a fall (x, y in a 28 x 28 box).
SHAPES = {
    "level": "6,15 10,13 14,16 18,13 22,15",
    "high": "7,23 11,22 15,20 19,18 22,15",
    "low": "7,15 11,17 15,19 19,21 22,23",
}


def _icon(kind: str, letter: str, shape: str | None, title: str, words: str) -> Html:
    """One icon; ``words`` its title (a PDF's figures need one: the page hides the icon, its words are beside it)."""
    fill, glyph = SPC_ICON_COLOURS[kind]
    parts = [
        element("title", words),
        element("circle", cx=14, cy=14, r=13, fill=fill, stroke="#000000", stroke_width=0.75),
    ]
    if letter:
        size, y = (10, 12) if shape else (17, 20)
        parts.append(
            element(
                "text", letter, x=14, y=y, text_anchor="middle", font_size=size, font_weight="bold",
                font_family="DejaVu Sans, Arial, Helvetica, sans-serif", fill=glyph,
            )
        )  # fmt: skip
    if shape:
        parts.append(element("polyline", points=SHAPES[shape], fill="none", stroke=glyph, stroke_width=2))
    return element(
        "svg",
        *parts,
        xmlns="http://www.w3.org/2000/svg",
        width=SIZE,
        height=SIZE,
        viewBox=f"0 0 {SIZE} {SIZE}",
        class_=f"spc-icon spc-icon-{title}",
        aria_hidden="true",
        focusable="false",
    )


def _high_or_low(code: str, polarity: str) -> str:
    """Whether a special-cause point is high or low: from its type, and the measure's polarity for the
    improving and concerning ones (an improvement is high for higher-is-better, low for lower-is-better)."""
    if code.endswith("_high"):
        return "high"
    if code.endswith("_low"):
        return "low"
    better_high = polarity != LOWER
    return "high" if (code == IMPROVEMENT) == better_high else "low"


def variation_words(code: str, polarity: str) -> str:
    """The variation in words, high or low included.

    >>> variation_words("special_cause_improvement", "lower"), variation_words("special_cause_concern", "lower")
    ('Unusual improvement (low)', 'Unusual worsening (high)')
    >>> variation_words("common_cause", "higher"), variation_words("special_cause_neutral_high", "monitor")
    ('No unusual change', 'Unusually high')
    """
    words = VARIATION_SHORT[code]
    if code in (IMPROVEMENT, CONCERN):
        return f"{words} ({_high_or_low(code, polarity)})"
    return words


def variation_icon(code: str, polarity: str) -> Html:
    """The variation icon of a measure's latest point: grey level line, or a coloured H or L with its rise or fall."""
    words = f"Variation: {variation_words(code, polarity)}"
    if code == COMMON_CAUSE:
        return _icon(COMMON_CAUSE, "", "level", "common-cause", words)
    kind = {IMPROVEMENT: "improvement", CONCERN: "concern"}.get(code, "neutral")
    way = _high_or_low(code, polarity)
    return _icon(kind, "H" if way == "high" else "L", way, f"{kind}-{way}", words)


def assurance_icon(code: str) -> Html:
    """The assurance icon: P (pass), F (fail) or ? (hit and miss)."""
    letter = {PASS: "P", FAIL: "F", HIT_AND_MISS: "?"}[code]
    return _icon(code, letter, None, code.replace("_", "-"), f"Assurance: {ASSURANCE_SHORT[code]}")
