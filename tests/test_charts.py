"""Every chart the report draws is a valid Vega-Lite spec with the report's look.

Builds draw charts without validating them against the Vega-Lite schema (it costs
more than drawing); this test validates every kind of chart the demo quarter
draws, so a chart that does not fit the schema still fails here.
"""

from __future__ import annotations

import altair as alt
import pytest
from test_report_sections import demo_data

from analysis.report import charts
from analysis.report.assessment import StrategicAssessment
from analysis.report.measure import MeasurePage


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[alt.TopLevelMixin]]:
    """Every chart the demo's pages draw, by kind (the figure's class)."""
    found: dict[str, list[alt.TopLevelMixin]] = {}
    real = charts.figure

    def keep(chart, alt_text, caption, kind, notes=None):
        found.setdefault(kind, []).append(chart)
        return real(chart, alt_text, caption, kind, notes)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charts, "figure", keep)
        data = demo_data()
        for m in data.register.measures:
            page = MeasurePage(data, m)
            page.cumulative_chart(), page.period_chart(), page.spc()
        StrategicAssessment(data).family_group()
    return found


def test_the_demo_draws_every_kind_of_chart(drawn):
    assert set(drawn) == {"cumulative", "periods", "spc", "family-group", "funnel"}


@pytest.mark.parametrize("kind", ["cumulative", "periods", "spc", "family-group", "funnel"])
def test_every_chart_is_a_valid_vega_lite_spec(drawn, kind):
    assert drawn[kind], f"no {kind} chart was drawn"
    for chart in drawn[kind]:
        chart.to_dict(validate=True)  # raises altair's SchemaValidationError when it does not fit the schema


@pytest.mark.parametrize("kind", ["cumulative", "periods", "spc", "family-group", "funnel"])
def test_the_spec_drawn_is_the_configured_chart(drawn, kind):
    """What vl-convert draws is what ``chart.configure(...)`` with the report's look would give."""
    assert drawn[kind], f"no {kind} chart was drawn"
    for chart in drawn[kind]:
        configured = (
            chart.configure(font=charts.FONT).configure_view(stroke=None).configure_axis(grid=True, gridOpacity=0.4)
        )
        assert charts.spec(chart) == configured.to_dict(validate=True)


def test_the_rebased_demo_chart_draws_two_segments_with_labelled_limits_and_its_marks():
    """Domestic abuse reporting restarts its limits in April 2014: each segment's mean and limits, labelled."""
    from analysis.report.measure import spc

    html = str(spc(demo_data(), "da-reporting"))
    svg = html[html.index("<svg") : html.index("</svg>")]
    for label in ("Mean 592", "Upper limit 711", "Lower limit 473", "Mean 548", "Upper limit 666", "Lower limit 430"):
        assert f">{label}</text>" in svg, label
    assert ">1 Rebase: New recording practi" in svg and ">2 White Ribbon Day campaign" in svg  # cut short
    assert "in 2 segments" in html and "Apr 13 to Mar 14 average 592" in html and "Apr 14 to Jun 15 average 548" in html
    assert "<li>April 2014: limits recalculated from here (rebase): New recording practice" in html


def test_event_text_inside_a_chart_is_escaped():
    from xml.etree import ElementTree

    from test_report_sections import hostile_data

    from analysis.report.measure import period_chart, spc

    for html in (str(spc(hostile_data(), "da-reporting")), str(period_chart(hostile_data(), "asb-incidents"))):
        svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
        ElementTree.fromstring(svg)  # well-formed, as the paper reads it
        assert "<script" not in svg and "&lt;script&gt;" in svg
