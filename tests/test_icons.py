"""Making Data Count's icons and the icon summary: the convention's colours and letters, words beside every icon."""

from __future__ import annotations

import re

import pytest
from test_report_sections import demo_data, hostile_data, readable

from analysis.core.vocabulary import SPC_ICON_COLOURS
from analysis.report.dashboard import icon_summary
from analysis.report.icons import assurance_icon, variation_icon, variation_words

ICON = re.compile(r"<svg\b.*?</svg>", re.S)


@pytest.mark.parametrize(
    ("code", "polarity", "fill", "letter", "words"),
    [
        ("common_cause", "higher", "common_cause", None, "No unusual change"),
        ("special_cause_improvement", "higher", "improvement", "H", "Unusual improvement (high)"),
        ("special_cause_improvement", "lower", "improvement", "L", "Unusual improvement (low)"),
        ("special_cause_concern", "higher", "concern", "L", "Unusual worsening (low)"),
        ("special_cause_concern", "lower", "concern", "H", "Unusual worsening (high)"),
        ("special_cause_neutral_high", "monitor", "neutral", "H", "Unusually high"),
        ("special_cause_neutral_low", "monitor", "neutral", "L", "Unusually low"),
    ],
    ids=[
        "common-cause-grey",
        "improvement-high-blue",
        "improvement-low-blue",
        "concern-low-orange",
        "concern-high-orange",
        "neutral-high-purple",
        "neutral-low-purple",
    ],
)
def test_variation_icons_follow_the_convention(code, polarity, fill, letter, words):
    svg = variation_icon(code, polarity)
    assert f'fill="{SPC_ICON_COLOURS[fill][0]}"' in svg
    assert re.findall(r">([A-Z?])</text>", svg) == ([letter] if letter else [])
    assert 'aria-hidden="true"' in svg and "<polyline" in svg
    assert variation_words(code, polarity) == words


@pytest.mark.parametrize(
    ("code", "letter"),
    [("pass", "P"), ("fail", "F"), ("hit_and_miss", "?")],
    ids=["pass-blue-p", "fail-orange-f", "hit-and-miss-grey"],
)
def test_assurance_icons_follow_the_convention(code, letter):
    svg = assurance_icon(code)
    assert f'fill="{SPC_ICON_COLOURS[code][0]}"' in svg
    assert re.findall(r">([A-Z?])</text>", svg) == [letter]
    assert {"pass": "#0072b2", "fail": "#e69f00", "hit_and_miss": "#a6a6a6"}[code] in svg


def test_the_icons_colours_are_those_of_making_data_count():
    blue, orange, grey = "#0072b2", "#e69f00", "#a6a6a6"
    fills = {kind: fill for kind, (fill, _glyph) in SPC_ICON_COLOURS.items()}
    assert (fills["improvement"], fills["concern"], fills["common_cause"]) == (blue, orange, grey)
    assert (fills["pass"], fills["fail"], fills["hit_and_miss"]) == (blue, orange, grey)
    assert fills["neutral"] not in (blue, orange, grey)


def test_the_icon_summary_snapshot(snapshot):
    """The whole table, icons included, so a change to a drawn icon shows."""
    html = icon_summary(demo_data())
    assert re.sub(r"(</(?:tr|table|p|caption|section)>)", r"\1\n", html) == snapshot


def test_every_icon_has_its_words_beside_it_and_every_measure_a_row():
    data = demo_data()
    html = str(icon_summary(data))
    assert html.count("<tr>") == len(data.register.measures) + 1
    cells = re.findall(r'<span class="spc-icon-cell">(.*?)</span></span>', html)
    assert cells and all(re.search(r'<span class="spc-icon-words">\w', c) for c in cells)
    assert len(ICON.findall(html)) == len(cells)
    # beside the traffic light: each row's status in words and symbol
    assert html.count('class="status status-') == len(data.register.measures)
    # the demo: domestic abuse reporting's rebased chart is common cause and hit and miss, DASH training improving
    row = re.search(r"dash-training.html.*?</tr>", html)[0]
    assert "Unusual improvement (high)" in row and "Not met without a change (fail)" in row
    # a running total of the year (the gap) is charted by its increases, so it has icons too
    assert "No unusual change" in re.search(r"closing-the-gap.html.*?</tr>", html)[0]


def test_the_icon_summary_escapes_the_partnerships_text():
    text = ICON.sub("", readable(icon_summary(hostile_data())))
    assert "<script" not in text and "&lt;script&gt;" in text
