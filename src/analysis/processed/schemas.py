"""One pandera schema per processed table: its columns, their types and the codes they may hold.

The build checks every table against its schema before writing it and the
notebooks check it again when they read it, so a page never shows a table that
is missing a column, holds text where a number belongs, or carries a status or
SPC point type the method does not produce. Tables are checked as they are read
back (numbers as floats, text as text), so what is checked is what a page sees.
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.cells import FREQUENCIES, POLARITIES
from analysis.core.register import FAMILY_GROUP_METHODS
from analysis.core.vocabulary import (
    ACTION_STATUSES,
    ACTION_TERMS,
    AGGREGATIONS,
    ASSURANCE,
    SPC_RULES,
    STATUS_CODES,
    VARIATION,
)
from analysis.errors import ProcessedTableError

POINT_TYPES = tuple(VARIATION)
ASSURANCE_TYPES = tuple(ASSURANCE)
RULE_SETS = tuple(";".join(c) for n in range(1, 5) for c in combinations(sorted(SPC_RULES), n))
"""What spc.csv's ``rules`` may hold: the rules that flagged a point, alphabetical, ``;``-joined (or empty)."""

if TYPE_CHECKING:  # pandera costs about a fifth of a kernel's start-up: imported when a table is checked
    import pandera.pandas as pa


TABLE_NAMES = (
    "measure_status.csv", "spc.csv", "measure_series.csv", "action_plan.csv", "recommendations.csv",
    "family_group.csv", "family_group_rank.csv", "family_group_position.csv", "family_group_funnel.csv",
    "exceptions.csv", "changes.csv", "status_history.csv", "partner_notes.csv", "events.csv",
)  # fmt: skip
"""Every processed CSV by file name; each is required in a built quarter."""
OPTIONAL_TABLE_NAMES = ("neighbourhoods.csv", "neighbourhood_wards.csv")
"""Processed CSVs of a quarter whose data folder has ``neighbourhoods/``; checked like the others when present."""
SCHEMA_NAMES = TABLE_NAMES + OPTIONAL_TABLE_NAMES
YES_NO = ("yes", "no")


@cache
def schemas() -> dict[str, pa.DataFrameSchema]:
    """The schema of every processed table by file name, built on first use (pandera is imported then)."""
    import pandera.pandas as pa

    def _number(required: bool = False) -> pa.Column:
        return pa.Column("float64", nullable=not required, coerce=False)

    def _text(*allowed: str, empty: bool = True) -> pa.Column:
        checks = []
        if allowed:
            codes = [*allowed, *([""] if empty else [])]
            checks.append(pa.Check.isin(codes, error=f"one of: {', '.join(repr(c) for c in codes)}"))
        elif not empty:
            checks.append(pa.Check(lambda s: s != "", error="not empty"))
        return pa.Column(str, checks=checks, nullable=False)

    def _schema(name: str, columns: dict[str, pa.Column], *, strict: bool = True) -> pa.DataFrameSchema:
        return pa.DataFrameSchema(columns, name=name, strict=strict, ordered=True)

    plan_status = ACTION_STATUSES

    MEASURE_STATUS = _schema(
        "measure_status.csv",
        {
            "measure_id": _text(empty=False),
            "title": _text(),
            "priority": _text(),
            "lead": _text(),
            "polarity": _text(*POLARITIES, empty=False),
            "frequency": _text(*FREQUENCIES, empty=False),
            "period_end": _text(),
            "ytd_actual": _number(),
            "ytd_target": _number(),
            "annual_target": _number(),
            "last_year_ytd": _number(),
            "last_year_total": _number(),
            "change_vs_last_year": _number(),
            "forecast": _number(),
            "status": _text(*STATUS_CODES, empty=False),
            "spc_variation": _text(*POINT_TYPES),
            "spc_assurance": _text(*ASSURANCE_TYPES),
            "forecast_low": _number(),
            "forecast_high": _number(),
            "p_meet_target": _number(),
            "change_ratio": _number(),
            "change_low": _number(),
            "change_high": _number(),
            "change_p_value": _number(),
            "change_significant": _text(*YES_NO),
            "small_count": _text(*YES_NO),
            "change_verdict": _text(),
            "aggregation": _text(*AGGREGATIONS, empty=False),
            "unit": _text(),
            "status_label": _text(),
            "periods_elapsed": _number(),
            "periods_in_year": _number(),
            "quarter_actual": _number(),
            "last_year_quarter_actual": _number(),
            "lag": _number(required=True),
            "periods_missing": _text(),
            "status_method": _text("forecast", "ytd"),
            "profile": _text(),
            "amber_tolerance": _number(),
        },
        strict=False,  # the contract lets more columns follow
    )

    SPC = _schema(
        "spc.csv",
        {
            "measure_id": _text(empty=False),
            "period": _text(empty=False),
            "value": _number(required=True),
            "mean": _number(required=True),
            "lower_limit": _number(),
            "upper_limit": _number(),
            "point_type": _text(*POINT_TYPES, empty=False),
            "rules": _text(*RULE_SETS),
        },
    )

    MEASURE_SERIES = _schema(
        "measure_series.csv",
        {
            "measure_id": _text(empty=False),
            "financial_year": _number(required=True),
            "period": _text(empty=False),
            "value": _number(),
            "cumulative_value": _number(),
            "cumulative_target": _number(),
        },
    )

    ACTION_PLAN = _schema(
        "action_plan.csv",
        {
            "quarter": _text(empty=False),
            "outcome": _text(),
            "ref": _text(),
            "action": _text(),
            "task": _text(),
            "target": _text(),
            "position": _text(),
            "status": _text(*plan_status),
            "improvement": _text(),
            "deadline": _text(),
            "lead": _text(),
            "term": _text(*ACTION_TERMS),
            "measure_id": _text(),
        },
    )

    RECOMMENDATIONS = _schema(
        "recommendations.csv",
        {
            "quarter": _text(empty=False),
            "number": _number(required=True),
            "recommendation": _text(),
            "progress": _text(),
            "status": _text(*plan_status),
        },
    )

    FAMILY_GROUP = _schema(
        "family_group.csv",
        {
            "quarter": _text(empty=False),
            "partnership": _text(empty=False),
            "crimes": _number(required=True),
            "population": _number(required=True),
        },
    )

    FAMILY_GROUP_RANK = _schema(
        "family_group_rank.csv",
        {
            "partnership": _text(empty=False),
            "crimes": _number(required=True),
            "population": _number(required=True),
            "rate_per_1000": _number(required=True),
            "rank": _number(required=True),
            "is_partnership": _text(*YES_NO, empty=False),
        },
    )

    FAMILY_GROUP_POSITION = _schema(
        "family_group_position.csv",
        {
            "partnership": _text(empty=False),
            "method": _text(*FAMILY_GROUP_METHODS, empty=False),
            "crimes": _number(required=True),
            "population": _number(required=True),
            "rate_per_1000": _number(required=True),
            "rate_low": _number(required=True),
            "rate_high": _number(required=True),
            "rank": _number(required=True),
            "members": _number(required=True),
            "msg_mean": _number(required=True),
            "msg_sd": _number(required=True),
            "band_low": _number(required=True),
            "band_high": _number(required=True),
            "pooled_rate": _number(required=True),
            "direction": _text("above", "below", "equal", empty=False),
            "significant": _text(*YES_NO),
            "description": _text(empty=False),
        },
    )

    FAMILY_GROUP_FUNNEL = _schema(
        "family_group_funnel.csv",
        {
            "population": _number(required=True),
            "expected": _number(required=True),
            "lower_95": _number(required=True),
            "upper_95": _number(required=True),
            "lower_998": _number(required=True),
            "upper_998": _number(required=True),
        },
    )

    EXCEPTIONS = _schema(
        "exceptions.csv",
        {
            "measure_id": _text(empty=False),
            "status": _text(*STATUS_CODES, empty=False),
            "reason": _text(empty=False),
        },
    )

    CHANGES = _schema(
        "changes.csv",
        {
            "kind": _text("previous_build", "status", "spc_variation", "late_return", "revision", empty=False),
            "measure_id": _text(),
            "what": _text(),
            "before": _text(),
            "after": _text(),
            "previous_quarter": _text(empty=False),
            "before_shown": _text(),
            "after_shown": _text(),
        },
    )

    STATUS_HISTORY = _schema(
        "status_history.csv",
        {
            "measure_id": _text(empty=False),
            "quarter": _text(empty=False),
            "status": _text(*STATUS_CODES, empty=False),
            "ytd_actual": _number(),
            "forecast": _number(),
            "spc_variation": _text(*POINT_TYPES),
        },
    )

    PARTNER_NOTES = _schema(
        "partner_notes.csv",
        {
            "quarter": _text(empty=False),
            "measure_id": _text(empty=False),
            "period": _text(empty=False),
            "lead": _text(),
            "note": _text(empty=False),
        },
    )

    EVENTS = _schema(
        "events.csv",
        {"measure_id": _text(empty=False), "period": _text(empty=False), "text": _text(empty=False)},
    )

    # the columns the small areas' and the wards' tables share: the year to date, its rate and the change on last year
    rates = {
        "crimes_ytd": _number(),
        "population": _number(required=True),
        "rate_per_1000": _number(),
        "last_year_crimes_ytd": _number(),
        "change_vs_last_year": _number(),
    }
    change_test = {"change_p_value": _number(), "change_significant": _text(*YES_NO), "small_count": _text(*YES_NO)}
    NEIGHBOURHOODS = _schema(
        "neighbourhoods.csv",
        {
            "measure_id": _text(empty=False),
            "area_code": _text(empty=False),
            "area_name": _text(),
            **rates,
            "gap_area": _text("true", "false", empty=False),
            **change_test,
            "last_year_total": _number(),
            "last_year_rate_per_1000": _number(),
            "gap_rank": _number(),
            "deprivation_decile": _number(),
            "ward_code": _text(),
            "ward_name": _text(),
        },
    )

    NEIGHBOURHOOD_WARDS = _schema(
        "neighbourhood_wards.csv",
        {
            "measure_id": _text(empty=False),
            "ward_code": _text(empty=False),
            "ward_name": _text(),
            "areas": _number(required=True),
            **rates,
            **change_test,
        },
    )

    return {
        s.name: s
        for s in (
            MEASURE_STATUS, SPC, MEASURE_SERIES, ACTION_PLAN, RECOMMENDATIONS, FAMILY_GROUP,
            FAMILY_GROUP_RANK, FAMILY_GROUP_POSITION, FAMILY_GROUP_FUNNEL, EXCEPTIONS, CHANGES,
            STATUS_HISTORY, PARTNER_NOTES, EVENTS, NEIGHBOURHOODS, NEIGHBOURHOOD_WARDS,
        )
    }  # fmt: skip


def problems(name: str, frame: pd.DataFrame) -> list[str]:
    """What is wrong with ``frame`` as the table ``name``, in words; empty when it matches its schema."""
    import pandera.pandas as pa

    schema = schemas()[name]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        found = []
        for case in err.failure_cases.itertuples():
            column = "" if pd.isna(case.column) else f"column {case.column}"
            row = "" if pd.isna(case.index) else f"row {int(case.index) + 2}"
            where = ", ".join(p for p in (row, column) if p) or "the table"
            value = "" if pd.isna(case.failure_case) else f" ({case.failure_case!r})"
            found.append(f"{where}: {case.check}{value}")
        return found
    return []


READ_ADVICE = "Run `csp-report build` for this quarter again."


def check_table(name: str, frame: pd.DataFrame, folder: Path | str, advice: str = READ_ADVICE) -> pd.DataFrame:
    """``frame`` unchanged when it matches the schema of ``name``; else :class:`ProcessedTableError`."""
    found = problems(name, frame)
    if found:
        raise ProcessedTableError(f"{Path(folder) / name} {_mismatch(found)}. {advice}")
    return frame


def check_text(name: str, text: str, folder: Path | str, advice: str = READ_ADVICE) -> pd.DataFrame:
    """Parse a processed CSV's text and check it; the parsed frame (a copy the caller may change)."""
    frame, why = _checked_text(name, text)
    if frame is None:
        raise ProcessedTableError(f"{Path(folder) / name} {why}. {advice}")
    return frame.copy()


@lru_cache(maxsize=64)
def _checked_text(name: str, text: str) -> tuple[pd.DataFrame | None, str]:
    """The parsed table and ``""``, or ``None`` and why it cannot be used; keyed by the table's whole text.

    Every notebook of a quarter reads the same tables: a warm kernel parses and
    checks each text once (checking is most of a notebook's reading time), and
    the same text always gives the same answer, whoever reads it.
    """
    from analysis.processed.csvtext import parse_processed

    try:
        frame = parse_processed(text)
    except (ValueError, pd.errors.ParserError) as err:
        return None, f"cannot be read ({err})"
    found = problems(name, frame)
    return (None, _mismatch(found)) if found else (frame, "")


def _mismatch(found: list[str]) -> str:
    shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    return f"does not match its schema: {shown}"


__all__ = [
    "OPTIONAL_TABLE_NAMES",
    "SCHEMA_NAMES",
    "TABLE_NAMES",
    "ProcessedTableError",
    "check_table",
    "check_text",
    "problems",
    "schemas",
]
