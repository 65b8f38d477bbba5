"""Every processed table declared once: its file, its columns in order with their types and codes, and its key.

``data/processed/<quarter>/`` is the contract between the build and the pages.
Each table of it is one :class:`Table` here, and everything else about the
table is derived from that declaration: the pandera schema checked on write and
on read (:mod:`analysis.processed.schemas`), the columns the writer puts in and
how it prints their numbers (:mod:`analysis.processed.tables`), what the one
reader requires (:mod:`analysis.processed.quarter`) and which rows a measure's
notebook reads (:func:`measure_slice`, the cache key of its notebook). Adding a
table or a column is one declaration here and the code that computes it (see
"A processed table" in docs/architecture.md).

>>> MEASURE_STATUS.names[:3], SPC.key, table("spc.csv") is SPC
(('measure_id', 'title', 'priority'), ('measure_id', 'period'), True)
>>> [c.name for c in SPC.columns if c.kind == NUMBER]
['value', 'mean', 'lower_limit', 'upper_limit']
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.core.vocabulary import (
    ACTION_RESULTS,
    ACTION_STATUSES,
    ACTION_TERMS,
    AGGREGATIONS,
    ASSURANCE_CODES,
    CHANGE_KINDS,
    FAMILY_GROUP_DIRECTIONS,
    FAMILY_GROUP_METHODS,
    FREQUENCIES,
    POINT_TYPES,
    POLARITIES,
    PROFILES,
    SIGNOFF_STATES,
    SPC_RULE_SETS,
    STATUS_CODES,
    STATUS_METHODS,
    TRUE_FALSE,
    YEAR_RESULTS,
    YES_NO,
)

if TYPE_CHECKING:  # pandas is imported by whoever makes a frame
    import pandas as pd

NUMBER, TEXT = "number", "text"


@dataclass(frozen=True)
class Column:
    """One column: a number (read as a float, empty when not defined) or text, which may be limited to codes."""

    name: str
    kind: str = TEXT
    codes: tuple[str, ...] = ()  # the values a text column may hold (and "", unless required)
    required: bool = False  # never empty


def number(name: str, *, required: bool = False) -> Column:
    """A number column, written in its shortest exact form and read as a float."""
    return Column(name, NUMBER, required=required)


def text(name: str, *codes: str, required: bool = False) -> Column:
    """A text column; with ``codes``, one of them (or empty, unless ``required``)."""
    return Column(name, TEXT, tuple(codes), required)


@dataclass(frozen=True)
class Table:
    """One processed table: its file name, its columns in the order written, and the columns that key a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # no two rows share these values; () when rows have no key of their own
    doc: str = ""
    more_columns: bool = False  # a reader accepts columns after these (a later version may add some)
    optional: bool = False  # absent from a quarter that has nothing for it; read as an empty table then
    shared_rows: tuple[str, str] = ()  # (column, value): rows every measure's notebook reads besides its own

    def __post_init__(self) -> None:
        unknown = set(self.key) - set(self.names)
        if unknown or len(set(self.names)) != len(self.names):
            raise ValueError(f"{self.name}: a key column is not a column, or a column is declared twice")

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in the order written."""
        return tuple(c.name for c in self.columns)

    @property
    def numeric(self) -> frozenset[str]:
        """The number columns."""
        return frozenset(c.name for c in self.columns if c.kind == NUMBER)

    @property
    def per_measure(self) -> bool:
        """Whether a measure's notebook reads only that measure's rows (the table has a ``measure_id``)."""
        return "measure_id" in self.names

    def frame(self, rows: object = ()) -> pd.DataFrame:
        """Rows (dicts, or a frame) as a frame of exactly this table's columns, in order; absent values empty."""
        import pandas as pd

        return pd.DataFrame(rows, columns=list(self.names))

    def text(self, frame: pd.DataFrame) -> str:
        """The table's CSV text: its columns in order, numbers in their shortest exact form, text formula-safe."""
        from analysis.processed.csvtext import to_csv_text

        return to_csv_text(frame[list(self.names)], self.numeric)


MEASURE_STATUS = Table(
    "measure_status.csv",
    (
        text("measure_id", required=True),
        text("title"),
        text("priority"),
        text("lead"),
        text("polarity", *POLARITIES, required=True),
        text("frequency", *FREQUENCIES, required=True),
        text("period_end"),
        number("ytd_actual"),
        number("ytd_target"),
        number("annual_target"),
        number("last_year_ytd"),
        number("last_year_total"),
        number("change_vs_last_year"),
        number("forecast"),
        text("status", *STATUS_CODES, required=True),
        # The contract's columns end here; these follow.
        text("spc_variation", *POINT_TYPES),
        text("spc_assurance", *ASSURANCE_CODES),
        number("forecast_low"),
        number("forecast_high"),
        number("p_meet_target"),
        number("change_ratio"),
        number("change_low"),
        number("change_high"),
        number("change_p_value"),
        text("change_significant", *YES_NO),
        text("small_count", *YES_NO),
        text("change_verdict"),
        text("aggregation", *AGGREGATIONS, required=True),
        text("unit"),
        text("status_label"),
        number("periods_elapsed"),
        number("periods_in_year"),
        number("quarter_actual"),
        number("last_year_quarter_actual"),
        number("lag", required=True),
        text("periods_missing"),  # periods joined by ";"
        text("status_method", *STATUS_METHODS),
        text("profile", *PROFILES),
        number("amber_tolerance"),
    ),
    key=("measure_id",),
    doc="One row per measure, in register order: the figures and the status of the quarter.",
    more_columns=True,  # the contract lets more columns follow
)

SPC = Table(
    "spc.csv",
    (
        text("measure_id", required=True),
        text("period", required=True),
        number("value", required=True),
        number("mean", required=True),
        number("lower_limit"),
        number("upper_limit"),
        text("point_type", *POINT_TYPES, required=True),
        text("rules", *SPC_RULE_SETS),  # the rules that flagged the point, alphabetical, ";"-joined
    ),
    key=("measure_id", "period"),
    doc="One row per measure and period of its whole history to its period end (SPC measures only), segment by "
    "segment: each rebase starts a segment with its own mean and limits.",
)

MEASURE_SERIES = Table(
    "measure_series.csv",
    (
        text("measure_id", required=True),
        number("financial_year", required=True),
        text("period", required=True),
        number("value"),
        number("cumulative_value"),
        number("cumulative_target"),
    ),
    key=("measure_id", "financial_year", "period"),
    doc="One row per measure and period of the quarter's financial year and the year before.",
)

ACTION_PLAN = Table(
    "action_plan.csv",
    (
        text("quarter", required=True),
        text("outcome"),
        text("ref"),
        text("action"),
        text("task"),
        text("target"),
        text("position"),
        text("status", *ACTION_STATUSES),
        text("improvement"),
        text("deadline"),
        text("lead"),
        text("term", *ACTION_TERMS),
        text("measure_id"),
    ),
    doc="The quarter's rows of action_plan.csv as supplied, statuses in lower case and terms in capitals.",
)

RECOMMENDATIONS = Table(
    "recommendations.csv",
    (
        text("quarter", required=True),
        number("number", required=True),
        text("recommendation"),
        text("progress"),
        text("status", *ACTION_STATUSES),
    ),
    key=("quarter", "number"),
    doc="The quarter's strategic assessment recommendations and their progress.",
)

FAMILY_GROUP = Table(
    "family_group.csv",
    (
        text("quarter", required=True),
        text("partnership", required=True),
        number("crimes", required=True),
        number("population", required=True),
    ),
    key=("quarter", "partnership"),
    doc="The quarter's recorded crime and population of the partnership and its most similar group.",
)

FAMILY_GROUP_RANK = Table(
    "family_group_rank.csv",
    (
        text("partnership", required=True),
        number("crimes", required=True),
        number("population", required=True),
        number("rate_per_1000", required=True),
        number("rank", required=True),
        text("is_partnership", *YES_NO, required=True),
    ),
    key=("partnership",),
    doc="The family group ranked by rate per 1,000 (1 = lowest).",
)

FAMILY_GROUP_POSITION = Table(
    "family_group_position.csv",
    (
        text("partnership", required=True),
        text("method", *FAMILY_GROUP_METHODS, required=True),
        number("crimes", required=True),
        number("population", required=True),
        number("rate_per_1000", required=True),
        number("rate_low", required=True),
        number("rate_high", required=True),
        number("rank", required=True),
        number("members", required=True),
        number("msg_mean", required=True),
        number("msg_sd", required=True),
        number("band_low", required=True),
        number("band_high", required=True),
        number("pooled_rate", required=True),
        text("direction", *FAMILY_GROUP_DIRECTIONS, required=True),
        text("significant", *YES_NO),
        text("description", required=True),
    ),
    key=("partnership",),
    doc="The partnership's position in its family group: one row, none without family group figures.",
)

FAMILY_GROUP_FUNNEL = Table(
    "family_group_funnel.csv",
    (
        number("population", required=True),
        number("expected", required=True),
        number("lower_95", required=True),
        number("upper_95", required=True),
        number("lower_998", required=True),
        number("upper_998", required=True),
    ),
    doc="The funnel plot's 95% and 99.8% limits around the family rate, by population.",
)

EXCEPTIONS = Table(
    "exceptions.csv",
    (
        text("measure_id", required=True),
        text("status", *STATUS_CODES, required=True),
        text("reason", required=True),  # the reasons of the stated rule, joined with "; "
    ),
    key=("measure_id",),
    doc="The exception items by the stated rule (analysis.method.exceptions.RULE).",
)

CHANGES = Table(
    "changes.csv",
    (
        text("kind", *CHANGE_KINDS, required=True),
        text("measure_id"),
        text("what"),
        text("before"),
        text("after"),
        text("previous_quarter", required=True),
        text("before_shown"),
        text("after_shown"),
    ),
    key=("kind", "measure_id", "what"),
    doc="What changed since the previous quarter built: its first row says whether that quarter was found.",
)

STATUS_HISTORY = Table(
    "status_history.csv",
    (
        text("measure_id", required=True),
        text("quarter", required=True),
        text("status", *STATUS_CODES, required=True),
        number("ytd_actual"),
        number("forecast"),
        text("spc_variation", *POINT_TYPES),
    ),
    key=("measure_id", "quarter"),
    doc="Each measure's status in every quarter built so far for the partnership, oldest first.",
)

PARTNER_NOTES = Table(
    "partner_notes.csv",
    (
        text("quarter", required=True),
        text("measure_id", required=True),
        text("period", required=True),
        text("lead"),
        text("note", required=True),
    ),
    key=("quarter", "measure_id", "period"),
    doc="The quarter's notes from the leads' returns, one per measure and period.",
)

EVENTS = Table(
    "events.csv",
    (
        text("measure_id", required=True),
        text("period", required=True),
        text("text", required=True),
    ),
    key=("measure_id", "period"),
    doc="The events marked on the measures' charts (events.csv as supplied) up to the end of the quarter.",
)

# The columns the small areas' and the wards' tables share: the year to date, its rate and the change on last year
# (with its exact test, analysis.method.stats.compare_counts).
_RATES = (
    number("crimes_ytd"),
    number("population", required=True),
    number("rate_per_1000"),
    number("last_year_crimes_ytd"),
    number("change_vs_last_year"),
)
_CHANGE_TEST = (number("change_p_value"), text("change_significant", *YES_NO), text("small_count", *YES_NO))

NEIGHBOURHOODS = Table(
    "neighbourhoods.csv",
    (
        text("measure_id", required=True),
        text("area_code", required=True),
        text("area_name"),
        *_RATES,
        text("gap_area", *TRUE_FALSE, required=True),
        # The contract's columns end here; these follow, for the pages.
        *_CHANGE_TEST,
        number("last_year_total"),
        number("last_year_rate_per_1000"),
        number("gap_rank"),
        number("deprivation_decile"),
        text("ward_code"),
        text("ward_name"),
    ),
    key=("measure_id", "area_code"),
    doc="Each police.uk measure (gap measures under their own id) by small area, year to date "
    "(analysis.method.neighbourhoods); a quarter whose data folder has no neighbourhoods/ has none.",
    optional=True,
    shared_rows=("gap_area", TRUE_FALSE[0]),  # a measure's map outlines its gap measure's gap areas
)

NEIGHBOURHOOD_WARDS = Table(
    "neighbourhood_wards.csv",
    (
        text("measure_id", required=True),
        text("ward_code", required=True),
        text("ward_name"),
        number("areas", required=True),
        *_RATES,
        *_CHANGE_TEST,
    ),
    key=("measure_id", "ward_code"),
    doc="The same figures by ward: the small areas of each ward summed (areas without a ward left out).",
    optional=True,
)

SIGNOFF = Table(
    "signoff.csv",
    (
        text("quarter", required=True),
        text("measure_id", required=True),
        text("lead"),
        text("state", *SIGNOFF_STATES, required=True),
        text("signed_by"),
        text("signed_on"),  # an ISO date
        text("revised_periods"),  # the periods revised after the sign-off, joined by ";"
        text("revised_on"),  # the day of the latest of those revisions
    ),
    key=("quarter", "measure_id"),
    doc="Each reported measure's sign-off for the quarter by its lead (signoff.csv), and whether a figure of it was "
    "revised after (revisions.csv): one row per measure, none when the partnership does not ask for sign-off.",
    optional=True,
)

FAMILY_GROUP_QUARTERS = Table(
    "family_group_quarters.csv",
    (
        text("quarter", required=True),
        number("crimes", required=True),
        number("population", required=True),
        number("rate_per_1000", required=True),
        number("rank", required=True),
        number("members", required=True),
        number("msg_mean", required=True),
        text("direction", *FAMILY_GROUP_DIRECTIONS, required=True),
        text("description", required=True),
    ),
    key=("quarter",),
    doc="The partnership's family group position this quarter and the one before (seed 003 shows both), as "
    "family_group_position.csv gives it: a row for each of the two that has family group figures.",
    optional=True,
)

YEAR_END = Table(
    "year_end.csv",
    (
        text("measure_id", required=True),
        text("period_end"),
        number("year_actual"),
        number("annual_target"),
        number("against_target"),  # year_actual / annual_target - 1
        number("last_year"),  # the same periods of last year
        number("change_vs_last_year"),
        text("result", *YEAR_RESULTS, required=True),
        text("status_q1", *STATUS_CODES),
        text("status_q2", *STATUS_CODES),
        text("status_q3", *STATUS_CODES),
        text("status_q4", *STATUS_CODES),
    ),
    key=("measure_id",),
    doc="The year-end report (quarter four only): each measure's year against its annual target and last year, "
    "achieved or not, and its status at the end of each quarter of the year.",
    optional=True,
)

YEAR_ACTIONS = Table(
    "year_actions.csv",
    (
        text("ref"),
        text("action"),
        text("task"),
        text("lead"),
        text("measure_id"),
        text("status", *ACTION_STATUSES),
        text("result", *ACTION_RESULTS, required=True),
    ),
    doc="The year-end report (quarter four only): each task of the quarter-four action plan and what became of it.",
    optional=True,
)

TEXT_BASIS = Table(
    "text_basis.csv",
    (
        text("measure_id", required=True),
        text("text", required=True),  # commentary, "position: <task>" or "note: <period>"
        text("text_hash", required=True),  # the first 16 hex digits of the text's SHA-256
        text("figure", required=True),  # a period of the year to the quarter's end, "quarter" or "year to date"
        number("shown"),  # the figure when the text was first built with this hash (empty: no value then)
        number("now"),  # the figure in this build
    ),
    key=("measure_id", "text", "figure"),
    doc="Each measure's commentary, positions and notes by their hash, beside the figures they were written "
    "beside and today's: where the two differ the text is stale (analysis.processed.stale).",
    optional=True,  # a quarter built before it was recorded has none
)

TABLES: tuple[Table, ...] = (
    MEASURE_STATUS, SPC, MEASURE_SERIES, ACTION_PLAN, RECOMMENDATIONS, FAMILY_GROUP, FAMILY_GROUP_RANK,
    FAMILY_GROUP_POSITION, FAMILY_GROUP_FUNNEL, EXCEPTIONS, CHANGES, STATUS_HISTORY, PARTNER_NOTES, EVENTS,
    NEIGHBOURHOODS, NEIGHBOURHOOD_WARDS,
    SIGNOFF, FAMILY_GROUP_QUARTERS, YEAR_END, YEAR_ACTIONS,
    TEXT_BASIS,
)  # fmt: skip
"""Every processed table; each is in a built quarter unless it is ``optional``."""
TABLE_NAMES = tuple(t.name for t in TABLES)
_BY_NAME = {t.name: t for t in TABLES}

REGISTER = "register.json"  # the register as the build read it
MANIFEST = "manifest.json"  # the build's record: inputs and their hashes, code version
COMMENTARY = "commentary"  # commentary/<measure_id>.md: the analyst's commentary of the quarter
# The boundaries the maps are drawn from, copied from neighbourhoods/ as the inputs hold them (GeoJSON, each
# feature's property ``code``); only in a quarter whose data folder has neighbourhoods/, the wards' only when given.
BOUNDARIES = "boundaries.geojson"
WARD_BOUNDARIES = "wards.geojson"
MAP_FILES = (BOUNDARIES, WARD_BOUNDARIES)


def table(name: str | Table) -> Table:
    """A table by its file name (or the table itself); ``KeyError`` naming the known tables otherwise."""
    if isinstance(name, Table):
        return name
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a processed table: the tables are {', '.join(TABLE_NAMES)}") from None


def commentary_file(measure_id: str) -> str:
    """Where a measure's commentary is among a quarter's files.

    >>> commentary_file("asb-incidents")
    'commentary/asb-incidents.md'
    """
    return f"{COMMENTARY}/{measure_id}.md"


def measure_slice(files: dict[str, str], measure_id: str) -> bytes:
    """The part of a quarter's processed files that one measure's notebook reads (part of its cache key).

    Of a table with a ``measure_id`` (:attr:`Table.per_measure`), the measure's rows (and its
    :attr:`Table.shared_rows`); of the others, all of it; of the register, the measure's own entry; the
    measure's commentary; and the maps' boundaries. Another measure's figures changing leaves it the same:

    >>> files = {"spc.csv": "measure_id,v\\nx,1\\ny,2\\n", "register.json": '{"partnership": "P", "measures": [{"id": "x"}]}'}
    >>> measure_slice(files, "x") == measure_slice({**files, "spc.csv": "measure_id,v\\nx,1\\ny,3\\n"}, "x")
    True
    """
    parts: list[str] = []
    for name, content in sorted(files.items()):
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(content)))
            if name in _BY_NAME and _BY_NAME[name].per_measure and rows and "measure_id" in rows[0]:
                parts.append(name + json.dumps([rows[0], *_rows_read(_BY_NAME[name], rows, measure_id)]))
            else:
                parts.append(name + content)
        elif name == REGISTER:
            register = json.loads(content)
            register["measures"] = [m for m in register["measures"] if m.get("id") == measure_id]
            parts.append(json.dumps(register, sort_keys=True))
        elif name == commentary_file(measure_id) or name in MAP_FILES:
            parts.append(name + content)
    return "\n".join(parts).encode()


def _rows_read(table: Table, rows: list[list[str]], measure_id: str) -> list[list[str]]:
    """The rows (after the header) of ``table`` that a measure's notebook reads: its own, and the shared ones."""
    header = rows[0]
    i = header.index("measure_id")
    column, value = table.shared_rows or ("measure_id", measure_id)
    j = header.index(column) if column in header else i
    return [r for r in rows[1:] if (len(r) > i and r[i] == measure_id) or (len(r) > j and r[j] == value)]
