"""The drafted sentences reproduce the Safer Plymouth report's own wording from the figures."""

import pytest

from analysis.report.narrative import comparison, draft, opening

Q1 = "2015-16-Q1"


@pytest.mark.parametrize(
    ("row", "unit", "expected"),
    [
        (
            dict(period_end=Q1, ytd_actual=525.0, last_year_ytd=629.0, status="red", annual_target=2665.0,
                 forecast=2224.4, polarity="higher", aggregation="sum"),
            "referrals",
            "In quarter one there have been 525 referrals. This is 104 referrals less than the same period in 2014/15",
        ),
        (
            dict(period_end="2015-06", ytd_actual=2527.0, last_year_ytd=2713.0, status="green", annual_target=10064.0,
                 forecast=9375.0, polarity="lower", aggregation="sum"),
            "incidents",
            "In quarter one there have been 2,527 incidents. This is 186 incidents less than the same period in 2014/15 (-6.9%).",
        ),
        (
            dict(period_end="2015-05", ytd_actual=391.0, last_year_ytd=334.0, status="monitor", annual_target=None,
                 forecast=2361.2, polarity="monitor", aggregation="sum"),
            "offences",
            "In quarter one (to the end of May 2015) there have been 391 offences. This is 57 offences more",
        ),
        (
            dict(period_end=Q1, ytd_actual=58.0, last_year_ytd=15.0, status="green", annual_target=200.0,
                 forecast=224.3, polarity="higher", aggregation="sum"),
            "professionals",
            "At the end of quarter one we are on course to achieve the target of 200.",
        ),
    ],
    ids=["referrals-seed-sentence", "asb", "sac-lagged", "dash-on-course"],
)  # fmt: skip
def test_drafted_paragraph(row, unit, expected):
    assert expected in draft(row, Q1, unit)


def test_no_data_sentence():
    assert draft({"status": "no_data", "ytd_actual": None}, Q1) == "No figures have been reported for quarter one yet."


def test_opening_for_a_rate():
    assert opening(__import__("analysis").Quarter(2015, 2), "2015-09", 81.5, "%", "mean").endswith("is 81.5 %.")


def test_comparison_without_last_year():
    assert "no figures for the same period in 2014/15" in comparison(10, None, "crimes", 2015)
