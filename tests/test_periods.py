import pytest

from analysis.core.periods import (
    PeriodError,
    Quarter,
    is_period,
    parse_quarter,
    quarter_of_period,
    reporting_window,
)


@pytest.mark.parametrize(
    "text",
    ["2015-16-Q1", "2015-16 Q1", "Q1 2015-16", "q1 2015-16", " 2015-16  Q1 ", "2015/16 Q1", "Q1 2015/2016"],
    ids=["canonical", "space", "quarter-first", "lower-case", "extra-spaces", "slash", "long-year"],
)
def test_every_accepted_quarter_spelling(text):
    assert parse_quarter(text) == Quarter(2015, 1)


@pytest.mark.parametrize(
    "text",
    ["2015-17-Q1", "2015-16-Q5", "2015-Q1", "Q1", "", "2015-16"],
    ids=["years-not-consecutive", "q5", "no-year-end", "no-year", "empty", "no-quarter"],
)
def test_rejected_quarter_spellings(text):
    with pytest.raises(PeriodError):
        parse_quarter(text)


@pytest.mark.parametrize(
    ("period", "quarter"),
    [("2015-04", "2015-16-Q1"), ("2015-12", "2015-16-Q3"), ("2016-01", "2015-16-Q4"), ("2016-03", "2015-16-Q4")],
    ids=["april", "december", "january-next-calendar-year", "march"],
)
def test_months_belong_to_financial_quarters(period, quarter):
    assert str(quarter_of_period(period)) == quarter


def test_window_of_last_quarter_is_the_whole_year():
    window = reporting_window(Quarter(2015, 4), "monthly")
    assert window[0] == "2015-04" and window[-1] == "2016-03" and len(window) == 12


@pytest.mark.parametrize(
    ("text", "frequency", "ok"),
    [
        ("2015-13", "monthly", False),
        ("2015-4", "monthly", False),
        ("2015-16-Q2", "quarterly", True),
        ("2015-04", "quarterly", False),
    ],
    ids=["month-13", "unpadded-month", "quarter", "month-for-quarterly"],
)
def test_period_matches_frequency(text, frequency, ok):
    assert is_period(text, frequency) is ok
