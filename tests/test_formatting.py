"""Figures are shown rounded half away from zero, as a spreadsheet shows them, in every place that shows one."""

import pytest

from analysis.core.formatting import number, percent
from analysis.method.exceptions import exception_reasons
from analysis.method.stats import Projection
from analysis.pipeline.build import status_summary
from analysis.processed.manifest import shown_figure
from analysis.report.verdict import _odds


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (1332.5, None, "1,333"),
        (310.5, None, "311"),
        (-1332.5, None, "-1,333"),
        (-310.5, None, "-311"),
        (0.5, 0, "1"),
        (-0.5, 0, "-1"),
        (2.5, 0, "3"),
        (2.675, 2, "2.68"),  # stored as 2.67499999...; a spreadsheet shows 2.68
        (1.005, 2, "1.01"),
        (38.65, 1, "38.7"),  # the gap's profiled target after six months (77.3 x 6 / 12)
        (-38.65, 1, "-38.7"),
        (6181.74, None, "6,182"),
        (19.32, None, "19.3"),
        (10064.0, None, "10,064"),
        (None, None, "–"),
        (float("nan"), None, "–"),
        (float("inf"), 0, "inf"),
    ],
    ids=[
        "half-up-thousands",
        "half-up-hundreds",
        "negative-half-away",
        "negative-half-away-hundreds",
        "half-to-one",
        "negative-half-to-minus-one",
        "two-and-a-half-not-even",
        "binary-just-below-half",
        "binary-just-below-half-2",
        "one-decimal-half",
        "negative-one-decimal-half",
        "ordinary",
        "below-100-one-decimal",
        "whole",
        "none",
        "nan",
        "infinite",
    ],
)
def test_number_rounds_halves_away_from_zero(value, decimals, shown):
    assert number(value, decimals) == shown


@pytest.mark.parametrize(
    ("value", "decimals", "signed", "shown"),
    [
        (0.125, 0, True, "+13%"),
        (-0.125, 0, True, "-13%"),
        (0.0125, 1, True, "+1.3%"),
        (-0.0615, 1, True, "-6.2%"),
        (0.005, 0, False, "1%"),
        (0.15, 0, False, "15%"),
        (0.0, 1, True, "+0.0%"),
        (None, 1, True, "–"),
    ],
    ids=[
        "half-up",
        "negative-half-away",
        "one-decimal-half",
        "report-change",
        "unsigned-half",
        "tolerance",
        "zero",
        "missing",
    ],
)
def test_percent_rounds_halves_away_from_zero(value, decimals, signed, shown):
    assert percent(value, decimals, signed) == shown


def _status_csv(**figures) -> str:
    row = {"measure_id": "m", "period_end": "2015-06", "ytd_actual": "", "ytd_target": "", "annual_target": "",
           "last_year_ytd": "", "change_vs_last_year": "", "forecast": "", "status": "green", **figures}  # fmt: skip
    return ",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n"


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [("ytd_actual", "310.25", "310.3"), ("forecast", "1332.5", "1,332.5"), ("change_vs_last_year", "0.0125", "+1.3%")],
    ids=["ytd-half-away", "one-decimal-kept", "change-half-away"],
)
def test_the_status_command_rounds_as_the_pages_do(column, value, shown):
    printed = status_summary({"measure_status.csv": _status_csv(**{column: value})})
    assert shown in printed.splitlines()[1].split()


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (lambda: Projection(1332.5, 1300.0, 1400.0, 0.125).describe(), "projected 1,333 by the year end"),
        (lambda: Projection(1332.5, 1300.0, 1400.0, 0.125).describe(), "a 13% chance of meeting the target"),
        (lambda: _odds({"p_meet_target": 0.125}), "A 13% chance of meeting the annual target"),
        (lambda: shown_figure("forecast", "310.5"), "311"),  # what `verify` and the changes list print
        (lambda: shown_figure("change_vs_last_year", "-0.0125"), "-1.3%"),
        (
            lambda: "; ".join(
                exception_reasons(
                    {
                        "status": "monitor",
                        "polarity": "lower",
                        "change_vs_last_year": 0.0125,
                        "change_significant": "yes",
                        "small_count": "no",
                    }
                )
            ),
            "a significant worsening on last year (+1.3%)",
        ),
    ],
    ids=["projection", "projection-odds", "verdict-odds", "verify-number", "verify-percent", "exception-reason"],
)
def test_every_place_a_figure_is_shown_rounds_the_same_way(shown, expected):
    assert expected in shown()
