"""Making Data Count's icons, drawn as small inline SVG, and the summary table of every measure's icons.

NHS England's Making Data Count shows each measure's variation and assurance as
two icons (the front sheet of an Integrated Performance Report): variation grey
for common cause, blue for improvement, orange for concern, purple for a change
in a measure with no better direction, each marked H or L for a high or low
change; assurance blue P (the target is consistently met), orange F (it will not
be without change), grey ? (hit and miss). The project draws its own: a circle,
the letter, and the shape of the change (a level line, a rise, a fall). Each icon
is hidden from screen readers and always has its words beside it, so nothing is
told by colour alone; the summary table puts them beside the traffic light.
"""

from __future__ import annotations

from analysis.core.vocabulary import ASSURANCE_SHORT, SPC_ICON_COLOURS, VARIATION_SHORT
from analysis.processed.quarter import QuarterData
from analysis.report.common import measure_link, status_cell
from analysis.report.html import Html, element, paragraph, section, table

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
    better_high = polarity != "lower"
    return "high" if (code == "special_cause_improvement") == better_high else "low"


def variation_words(code: str, polarity: str) -> str:
    """The variation in words, high or low included.

    >>> variation_words("special_cause_improvement", "lower"), variation_words("special_cause_concern", "lower")
    ('Improvement (low)', 'Concern (high)')
    >>> variation_words("common_cause", "higher"), variation_words("special_cause_neutral_high", "monitor")
    ('Common cause', 'Unusually high')
    """
    words = VARIATION_SHORT[code]
    if code in ("special_cause_improvement", "special_cause_concern"):
        return f"{words} ({_high_or_low(code, polarity)})"
    return words


def variation_icon(code: str, polarity: str) -> Html:
    """The variation icon of a measure's latest point: grey level line, or a coloured H or L with its rise or fall."""
    words = f"Variation: {variation_words(code, polarity)}"
    if code == "common_cause":
        return _icon("common_cause", "", "level", "common-cause", words)
    kind = {"special_cause_improvement": "improvement", "special_cause_concern": "concern"}.get(code, "neutral")
    way = _high_or_low(code, polarity)
    return _icon(kind, "H" if way == "high" else "L", way, f"{kind}-{way}", words)


def assurance_icon(code: str) -> Html:
    """The assurance icon: P (pass), F (fail) or ? (hit and miss)."""
    letter = {"pass": "P", "fail": "F", "hit_and_miss": "?"}[code]
    return _icon(code, letter, None, code.replace("_", "-"), f"Assurance: {ASSURANCE_SHORT[code]}")


def _with_words(icon: Html, words: str) -> Html:
    return element("span", icon, " ", element("span", words, class_="spc-icon-words"), class_="spc-icon-cell")


def icon_summary(data: QuarterData) -> Html:
    """Every measure, its traffic light, and its variation and assurance as Making Data Count's icons with words."""
    rows = []
    for m in data.register.measures:
        r = data.status_row(m.id)
        variation, assurance = r.get("spc_variation") or "", r.get("spc_assurance") or ""
        rows.append(
            [
                measure_link(m),
                status_cell(data, r["status"]),
                _with_words(variation_icon(variation, m.polarity), variation_words(variation, m.polarity))
                if variation
                else "No SPC chart",
                _with_words(assurance_icon(assurance), ASSURANCE_SHORT[assurance]) if assurance else "No assurance",
            ]
        )
    return section(
        "Variation and assurance",
        paragraph(
            "Each measure's statistical process control in the icons of NHS England's Making Data Count, beside its "
            "traffic light. Variation: has the latest figure changed beyond the usual ups and downs, and which way? "
            "Assurance: will the process reliably meet the target? A measure monitored without a target has no "
            "assurance.",
            class_="method",
        ),
        table(
            ["Measure", "Status", "Variation", "Assurance"],
            rows,
            caption=f"Variation and assurance of every measure, {data.quarter.label}",
            numeric_from=99,
            classes="report-table icon-summary",
        ),
        cls="icon-summary",
    )
