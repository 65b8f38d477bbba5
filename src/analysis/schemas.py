"""Pandera schemas for the tables a partnership supplies, and their problems in words.

Every table is read as text first, so a schema can say exactly which cell is
wrong and why ("'12a' is not a number") instead of failing on a type cast.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pandera.pandas as pa

from .problems import Problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUS_WORDS = ("achieved", "green", "amber", "red")
TERMS = ("S", "M", "L")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: object) -> float | None:
    """Read a number as analysts type it; ``None`` when it is not one.

    >>> parse_number("10,064"), parse_number(" 2.5 "), parse_number("1e3")
    (10064.0, 2.5, 1000.0)
    >>> parse_number("12a"), parse_number("nan"), parse_number("")
    (None, None, None)
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        cleaned = str(text).strip().replace("\u00a0", "")
        if _THOUSANDS.match(cleaned):
            cleaned = cleaned.replace(",", "")
        try:
            value = float(cleaned)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def _nonblank(v: str) -> bool:
    return v != ""


def _blank_or_number(v: str) -> bool:
    return v == "" or parse_number(v) is not None


def _blank_or_id(v: str) -> bool:
    return v == "" or bool(ID_PATTERN.match(v))


def _blank_or_status(v: str) -> bool:
    return v == "" or v.lower() in STATUS_WORDS


def _blank_or_term(v: str) -> bool:
    return v == "" or v.strip().upper() in TERMS


def _blank_or_positive(v: str) -> bool:
    n = parse_number(v)
    return v == "" or (n is not None and n > 0)


def _blank_or_whole(v: str) -> bool:
    n = parse_number(v)
    return v == "" or (n is not None and n >= 0 and n == int(n))


def _check(fn, error: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, error=error)


REQUIRED = _check(_nonblank, "is empty; a value is required")
NUMBER = _check(_blank_or_number, "is not a number")
MEASURE_ID = _check(_blank_or_id, "is not a measure id (lower-case letters, digits and single hyphens)")
STATUS = _check(_blank_or_status, "is not a status: use achieved, green, amber or red")
QUARTER_TEXT = _check(
    lambda v: v == "" or bool(re.fullmatch(r"\d{4}-\d{2}-Q[1-4]", v)), "is not a quarter like 2015-16-Q1"
)


def _text(*checks: pa.Check, required: bool = False) -> pa.Column:
    return pa.Column(str, checks=[REQUIRED, *checks] if required else list(checks), nullable=False)


ACTUALS = pa.DataFrameSchema(
    {
        "measure_id": _text(MEASURE_ID, required=True),
        "period": _text(required=True),
        "value": _text(NUMBER, required=True),
    },
    name="actuals",
)

ACTION_PLAN = pa.DataFrameSchema(
    {
        "quarter": _text(QUARTER_TEXT, required=True),
        "outcome": _text(),
        "ref": _text(),
        "action": _text(),
        "task": _text(required=True),
        "target": _text(),
        "position": _text(),
        "status": _text(STATUS, required=True),
        "improvement": _text(),
        "deadline": _text(),
        "lead": _text(),
        "term": _text(_check(_blank_or_term, "is not a term: use S, M, L or leave it empty")),
        "measure_id": _text(MEASURE_ID),
    },
    name="action_plan",
)

RECOMMENDATIONS = pa.DataFrameSchema(
    {
        "quarter": _text(QUARTER_TEXT, required=True),
        "number": _text(_check(_blank_or_whole, "is not a whole number"), required=True),
        "recommendation": _text(required=True),
        "progress": _text(),
        "status": _text(STATUS),
    },
    name="recommendations",
)

FAMILY_GROUP = pa.DataFrameSchema(
    {
        "quarter": _text(QUARTER_TEXT, required=True),
        "partnership": _text(required=True),
        "crimes": _text(_check(_blank_or_whole, "is not a count of crimes (a whole number, 0 or more)"), required=True),
        "population": _text(_check(_blank_or_positive, "is not a population (a number above 0)"), required=True),
    },
    name="family_group",
)

TABLES: dict[str, pa.DataFrameSchema] = {
    "actuals": ACTUALS,
    "action_plan": ACTION_PLAN,
    "recommendations": RECOMMENDATIONS,
    "family_group": FAMILY_GROUP,
}


def schema_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str) -> list[Problem]:
    """Validate ``frame`` (text cells, indexed by spreadsheet row) and word each failure.

    Missing columns are reported once each; other failures name row and column.
    """
    missing = [c for c in schema.columns if c not in frame.columns]
    problems = [Problem(file, None, c, "the column is missing from the header row") for c in missing]
    present = schema.select_columns([c for c in schema.columns if c in frame.columns])
    if frame.empty:
        return problems
    try:
        present.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        for case in err.failure_cases.itertuples(index=False):
            row = None if pd.isna(case.index) else int(case.index)
            value = case.failure_case
            shown = "this cell" if value == "" else repr(value)
            problems.append(Problem(file, row, case.column, f"{shown} {case.check}"))
    return problems
