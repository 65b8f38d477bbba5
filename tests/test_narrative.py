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


Q2 = "2015-16-Q2"


def _row(**kw):
    row = dict(status="green", annual_target=2665.0, forecast=2700.0, polarity="higher", aggregation="sum")
    return {**row, **kw}


def test_q1_gives_the_figure_once():
    text = draft(_row(period_end="2015-06", ytd_actual=525.0, last_year_ytd=629.0, quarter_actual=525.0,
                      last_year_quarter_actual=629.0), Q1, "referrals")  # fmt: skip
    assert text.startswith("In quarter one there have been 525 referrals. This is 104 referrals less")
    assert text.count("525") == 1 and "year to date" not in text


def test_q2_gives_the_quarter_then_the_year_to_date():
    text = draft(_row(period_end="2015-09", ytd_actual=1137.0, last_year_ytd=1356.0, quarter_actual=612.0,
                      last_year_quarter_actual=727.0), Q2, "referrals")  # fmt: skip
    assert text.startswith(
        "In quarter two there have been 612 referrals, against 727 in the same quarter of 2014/15. "
        "The year to date is 1,137 referrals, 219 fewer than the same period in 2014/15 (-16.2%)."
    )
    assert "end of quarter two" in text


def test_q2_lagged_measure_says_how_far_the_figures_go():
    text = draft(_row(period_end="2015-08", ytd_actual=900.0, last_year_ytd=800.0, quarter_actual=400.0,
                      last_year_quarter_actual=350.0, status="monitor"), Q2, "offences")  # fmt: skip
    assert text.startswith(
        "In quarter two (to the end of August 2015) there have been 400 offences, "
        "against 350 in the same months of 2014/15. The year to date (to the end of August 2015) is 900 offences, 100 more"
    )


def test_q2_without_a_return_of_its_own_never_shows_old_figures_as_the_quarters():
    text = draft(_row(period_end="2015-06", ytd_actual=500.0, last_year_ytd=480.0, quarter_actual=None,
                      last_year_quarter_actual=700.0), Q2, "offences")  # fmt: skip
    assert text.startswith("There is no return yet for quarter two")
    assert "The year to date (to the end of June 2015) is 500 offences" in text
    assert "In quarter two there have been 500" not in text


def test_last_aggregation_gives_the_latest_figure_once():
    text = draft(_row(period_end="2015-09", ytd_actual=40.0, last_year_ytd=35.0, quarter_actual=40.0,
                      last_year_quarter_actual=35.0, aggregation="last"), Q2, "% closed")  # fmt: skip
    assert text.startswith("In quarter two the figure is 40 % closed. This is 5 % closed more than the same period")
    assert text.count("40") == 1


def test_mean_aggregation_speaks_of_averages():
    text = draft(_row(period_end="2015-09", ytd_actual=81.5, last_year_ytd=80.0, quarter_actual=82.0,
                      last_year_quarter_actual=79.0, aggregation="mean"), Q2, "%")  # fmt: skip
    assert text.startswith(
        "In quarter two the average is 82 %, against 79 in the same quarter of 2014/15. "
        "The average for the year to date is 81.5 %, 1.5 higher than the same period in 2014/15 (+1.9%)."
    )


def test_q1_without_a_value_of_its_own_says_no_return_yet():
    text = draft(_row(period_end="2015-04", ytd_actual=10.0, last_year_ytd=9.0, quarter_actual=None), Q1, "x")
    assert text.startswith("There is no return yet for quarter one")


@pytest.mark.parametrize(
    ("unit", "own", "last_year_own", "opening_words"),
    [
        ("incidents", 161.0, 140.0, "In quarter two there have been 161 incidents, against 140 in the same quarter"),
        (
            "crimes per 1,000 residents",
            13.0,
            19.7,
            "In quarter two the figure rose by 13 crimes per 1,000 residents, against 19.7 in the same quarter",
        ),
        ("crimes per 1,000 residents", -2.5, 1.0, "In quarter two the figure fell by 2.5 crimes per 1,000 residents"),
    ],
    ids=["count", "rate", "rate-falling"],
)
def test_cumulative_aggregation_gives_the_quarters_own_increase_then_the_year_to_date(
    unit, own, last_year_own, opening_words
):
    text = draft(_row(period_end="2015-09", ytd_actual=335.0, last_year_ytd=292.0, quarter_actual=own,
                      last_year_quarter_actual=last_year_own, aggregation="cumulative"), Q2, unit)  # fmt: skip
    assert text.startswith(opening_words)
    assert "The year to date is 335" in text
