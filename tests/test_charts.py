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

    def keep(chart, alt_text, caption, kind):
        found.setdefault(kind, []).append(chart)
        return real(chart, alt_text, caption, kind)

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
