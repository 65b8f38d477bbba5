"""Pandera schemas for the tables a partnership supplies, and their problems in words.

Every table is read as text first, so a schema can say exactly which cell is
wrong and why ("'12a' is not a number") instead of failing on a type cast. The
register's measures are checked the same way, one row per measure
(``MEASURE_SCHEMA``).
Each check is a :func:`rule`: a test of one cell and the words an analyst reads
when a cell fails it, with a hint at the likely fix where one can be guessed
(a date where a month was wanted, a per cent sign, an Excel error value).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterator

import pandas as pd
import pandera.pandas as pa

from analysis.core.cells import (  # noqa: F401 - re-exported for the readers of tables
    ID_PATTERN,
    MAX_ID_LENGTH,
    choices,
    id_problem,
    is_tolerance,
    number_words,
    parse_number,
    period_words,
    quarter_words,
    tolerance_words,
)
from analysis.core.periods import is_period
from analysis.core.problems import Problem
from analysis.core.vocabulary import (
    ACTION_STATUSES,
    ACTION_TERMS,
    AGGREGATIONS,
    FREQUENCIES,
    POLARITIES,
    PROFILES,
    STATUS_METHODS,
)

_WORDS: dict[str, Callable[[str], str]] = {}


def rule(name: str, ok: Callable[[str], bool], words: Callable[[str], str]) -> pa.Check:
    """A pandera check of one text cell, and the words for a cell that fails it.

    ``name`` identifies the check in pandera's failure cases; :func:`failures`
    turns each failing cell into ``words(cell)``.
    """
    _WORDS[name] = words
    return pa.Check(ok, element_wise=True, error=name)


def required(column: str, words: str) -> pa.Check:
    """The cell must not be empty."""
    return rule(f"required {column}", lambda v: v != "", lambda v: words)


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> Iterator[tuple[object, str, str]]:
    """Validate ``frame`` lazily; yield ``(index, column, message)`` for every failing cell."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            value = "" if pd.isna(case.failure_case) else str(case.failure_case)
            words = _WORDS.get(case.check)
            message = words(value) if words else f"{value!r} fails the check {case.check}"
            yield (None if pd.isna(case.index) else case.index), case.column, message


MEASURE_ID = rule("measure id", lambda v: v == "" or id_problem(v) is None, lambda v: id_problem(v) or "")
PERIOD = rule("period", lambda v: v == "" or is_period(v, "monthly") or is_period(v, "quarterly"), period_words)
QUARTER = rule("quarter", lambda v: v == "" or is_period(v, "quarterly"), quarter_words)
NUMBER = rule("number", lambda v: v == "" or parse_number(v) is not None, number_words)


def _status_words(v: str) -> str:
    hint = " (achieved, if it is done)" if v.lower() in ("complete", "completed", "done", "closed") else ""
    return f"{v!r} is not a status: use achieved, green, amber or red{hint}"


STATUS = rule("status", lambda v: v == "" or v.lower() in ACTION_STATUSES, _status_words)
TERM = rule(
    "term",
    lambda v: v == "" or v.upper() in ACTION_TERMS,
    lambda v: (
        f"{v!r} is not a term: use S (within 3 months), M (3-6 months) or L (6-12 months or ongoing), or leave it empty"
    ),
)


def _whole(v: str, least: int) -> bool:
    n = parse_number(v)
    return v == "" or (n is not None and n >= least and n == int(n))


def _positive(v: str) -> bool:
    n = parse_number(v)
    return v == "" or (n is not None and n > 0)


def _text(*checks: pa.Check, required: bool = True) -> pa.Column:
    """A text column; ``required`` says whether the header row must have it."""
    return pa.Column(str, checks=list(checks), nullable=False, required=required)


_QUARTER_EMPTY = "the quarter is empty: give the quarter the row belongs to, like 2015-16-Q1"

ACTUALS = pa.DataFrameSchema(
    {
        "measure_id": _text(required("measure_id", "the measure id is empty"), MEASURE_ID),
        "period": _text(
            required("period", "the period is empty: give a month like 2015-04 or a quarter like 2015-16-Q1"), PERIOD
        ),
        "value": _text(
            required("value", "the value is empty: give a number, or leave the row out until the figure is known"),
            NUMBER,
        ),
    },
    name="actuals",
)

ACTION_PLAN = pa.DataFrameSchema(
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "outcome": _text(required=False),
        "ref": _text(required=False),
        "action": _text(required=False),
        "task": _text(required("task", "the task is empty: describe the task or intervention")),
        "target": _text(required=False),
        "position": _text(required=False),
        "status": _text(required("status", "the status is empty: use achieved, green, amber or red"), STATUS),
        "improvement": _text(required=False),
        "deadline": _text(required=False),
        "lead": _text(required=False),
        "term": _text(TERM, required=False),
        "measure_id": _text(MEASURE_ID, required=False),
    },
    name="action_plan",
)

RECOMMENDATIONS = pa.DataFrameSchema(
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "number": _text(
            required("number", "the recommendation number is empty"),
            rule(
                "recommendation number",
                lambda v: _whole(v, 1),
                lambda v: f"{v!r} is not a recommendation number: use a whole number, 1 or more",
            ),
        ),
        "recommendation": _text(required("recommendation", "the recommendation is empty")),
        "progress": _text(required=False),
        "status": _text(STATUS, required=False),
    },
    name="recommendations",
)

FAMILY_GROUP = pa.DataFrameSchema(
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "partnership": _text(required("partnership", "the partnership is empty: name the member of the family group")),
        "crimes": _text(  # empty: not yet supplied (new-quarter leaves it for the analyst to fill in)
            rule(
                "crimes",
                lambda v: _whole(v, 0),
                lambda v: f"{v!r} is not a count of crimes: use a whole number, 0 or more",
            ),
        ),
        "population": _text(
            required("population", "the population is empty"),
            rule("population", _positive, lambda v: f"{v!r} is not a population: it must be a number above 0"),
        ),
    },
    name="family_group",
)


PARTNER_NOTES = pa.DataFrameSchema(
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "measure_id": _text(required("measure_id", "the measure id is empty"), MEASURE_ID),
        "period": _text(
            required("period", "the period is empty: give a month like 2015-04 or a quarter like 2015-16-Q1"), PERIOD
        ),
        "lead": _text(required=False),
        "note": _text(required("note", "the note is empty: leave the row out when the partner wrote nothing")),
    },
    name="partner_notes",
)


EVENTS = pa.DataFrameSchema(
    {
        "measure_id": _text(required("measure_id", "the measure id is empty"), MEASURE_ID),
        "period": _text(
            required("period", "the period is empty: give a month like 2015-04 or a quarter like 2015-16-Q1"), PERIOD
        ),
        "text": _text(
            required("text", "the text is empty: say what happened, like 'New crime recording rules from today'")
        ),
    },
    name="events",
)


def _iso_date(v: str) -> bool:
    try:
        return len(v) == 10 and dt.date.fromisoformat(v) is not None
    except ValueError:
        return False


DATE = rule("date", lambda v: v == "" or _iso_date(v), lambda v: f"{v!r} is not a date: write it like 2015-10-05")

SIGNOFF = pa.DataFrameSchema(  # written by ingest returns from the leads' sign-off cells
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "measure_id": _text(required("measure_id", "the measure id is empty"), MEASURE_ID),
        "signed_by": _text(required("signed_by", "the name is empty: give who signed the measure off")),
        "signed_on": _text(required("signed_on", "the date is empty: give the day it was signed off"), DATE),
    },
    name="signoff",
)

REVIEWED_TABLES = ("action_plan", "recommendations")
REVIEWS = pa.DataFrameSchema(  # written by ingest returns: rows a lead returned as "reviewed, no change"
    {
        "quarter": _text(required("quarter", _QUARTER_EMPTY), QUARTER),
        "table": _text(
            required("table", "the table is empty: use action_plan or recommendations"),
            rule(
                "reviewed table",
                lambda v: v in REVIEWED_TABLES,
                lambda v: f"{v!r} is not action_plan or recommendations",
            ),
        ),
        "item": _text(required("item", "the item is empty: give the task (ref: task) or the recommendation number")),
        "lead": _text(required=False),
        "reviewed_on": _text(required("reviewed_on", "the date is empty: give the day of the review"), DATE),
    },
    name="reviews",
)

REVISIONS = pa.DataFrameSchema(  # written by ingest returns --revise: each published figure it replaced, and when
    {
        "measure_id": _text(required("measure_id", "the measure id is empty"), MEASURE_ID),
        "period": _text(
            required("period", "the period is empty: give a month like 2015-04 or a quarter like 2015-16-Q1"), PERIOD
        ),
        "old": _text(NUMBER, required=False),
        "new": _text(NUMBER, required=False),
        "workbook": _text(required=False),
        "date": _text(required("date", "the date is empty: give the day the figure was revised"), DATE),
    },
    name="revisions",
)


def _one_of(what: str, allowed: tuple[str, ...]) -> pa.Check:
    return rule(
        f"register {what}",
        lambda v: v == "" or v in allowed,
        lambda v: f"{v!r} is not a{'n' if what[0] in 'aeiou' else ''} {what}: use {choices(allowed)}",
    )


TOLERANCE = rule("register amber_tolerance", is_tolerance, tolerance_words)

LAG = rule(
    "register lag",
    lambda v: _whole(v, 0),
    lambda v: (
        f"{v!r} is not a lag: use a whole number of periods, 0 or more, like 1 for data that are one month behind"
    ),
)

MEASURE_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(
            str, [required("register id", "the id is missing: every measure needs one, like asb-incidents"), MEASURE_ID]
        ),
        "title": pa.Column(str, [required("register title", "the title is missing: every measure needs one")]),
        "priority": pa.Column(
            str,
            [required("register priority", "the priority is missing: name the plan's priority or theme it serves")],
        ),
        "polarity": pa.Column(
            str,
            [
                required("register polarity", "the polarity is missing: use higher, lower or monitor"),
                _one_of("polarity", POLARITIES),
            ],
        ),
        "frequency": pa.Column(
            str,
            [
                required("register frequency", "the frequency is missing: use monthly or quarterly"),
                _one_of("frequency", FREQUENCIES),
            ],
        ),
        "aggregation": pa.Column(str, [_one_of("aggregation", AGGREGATIONS)]),
        "profile": pa.Column(str, [_one_of("profile", PROFILES)]),
        "status_method": pa.Column(str, [_one_of("status method", STATUS_METHODS)]),
        "amber_tolerance": pa.Column(str, [TOLERANCE]),
        "lag": pa.Column(str, [LAG]),
    },
    name="measures",
)
"""One row per measure, every field as text: what each field of the register may hold."""

TABLES: dict[str, pa.DataFrameSchema] = {
    "actuals": ACTUALS,
    "action_plan": ACTION_PLAN,
    "recommendations": RECOMMENDATIONS,
    "family_group": FAMILY_GROUP,
    "partner_notes": PARTNER_NOTES,
    "events": EVENTS,
    "signoff": SIGNOFF,
    "reviews": REVIEWS,
    "revisions": REVISIONS,
}


def header_problems(schema: pa.DataFrameSchema, headers: list[str], file: str, row: int = 1) -> list[Problem]:
    """Columns the header row lacks, naming a likely misspelling when the header has one.

    >>> [p.message for p in header_problems(ACTUALS, ["measure_id", "period", "vaule"], "actuals.csv")]
    ["the header row has no column 'value' (is 'vaule' a misspelling of it?)"]
    """
    problems = []
    unknown = [h for h in headers if h and h not in schema.columns]
    needed = [c for c, col in schema.columns.items() if col.required]
    for name, column in schema.columns.items():
        if name in headers:
            continue
        close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.75)
        if column.required:
            hint = f" (is {close[0]!r} a misspelling of it?)" if close else f"; it needs {', '.join(needed)}"
            problems.append(Problem(file, row, None, f"the header row has no column {name!r}{hint}"))
        elif close:
            problems.append(Problem(file, row, close[0], f"this is not a column of the table (did you mean {name!r}?)"))
    return problems


def schema_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str, header_row: int = 1) -> list[Problem]:
    """Validate ``frame`` (text cells, indexed by spreadsheet row) and word each failure.

    Columns missing from the header are reported once each; every failing cell
    is reported with its row and column.
    """
    problems = header_problems(schema, list(frame.columns), file, header_row)
    present = [c for c in schema.columns if c in frame.columns]
    if frame.empty or not present:
        return problems
    for row, column, message in failures(schema.select_columns(present), frame):
        problems.append(Problem(file, None if row is None else int(row), column, message))
    return problems
