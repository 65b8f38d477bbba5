"""The pandera schema of every processed table, made from its declaration, and the checks made with it.

The build checks every table against its schema before writing it and the
notebooks check it again when they read it, so a page never shows a table that
is missing a column, holds text where a number belongs, or carries a status or
SPC point type the method does not produce. Tables are checked as they are read
back (numbers as floats, text as text), so what is checked is what a page sees.
Each schema is made from the table's declaration in
:mod:`analysis.processed.contract`.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.errors import ProcessedTableError
from analysis.processed.contract import NUMBER, TABLE_NAMES, TABLES, Column, Table
from analysis.processed.contract import table as declared

if TYPE_CHECKING:  # pandera costs about a fifth of a kernel's start-up: imported when a table is checked
    import pandera.pandas as pa


def _column(column: Column) -> pa.Column:
    """A declared column as pandera checks it: a float (null when empty), or text that may be limited to codes."""
    import pandera.pandas as pa

    if column.kind == NUMBER:
        return pa.Column("float64", nullable=not column.required, coerce=False)
    checks = []
    if column.codes:
        codes = [*column.codes, *([] if column.required else [""])]
        checks.append(pa.Check.isin(codes, error=f"one of: {', '.join(repr(c) for c in codes)}"))
    elif column.required:
        checks.append(pa.Check(lambda s: s != "", error="not empty"))
    return pa.Column(str, checks=checks, nullable=False)


def schema_of(table: Table) -> pa.DataFrameSchema:
    """The pandera schema of a declared table: its columns in order, their types and codes, its key unique."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {c.name: _column(c) for c in table.columns},
        name=table.name,
        strict=not table.more_columns,
        ordered=True,
        unique=list(table.key) or None,
    )


@cache
def schemas() -> dict[str, pa.DataFrameSchema]:
    """The schema of every processed table by file name, made on first use (pandera is imported then)."""
    return {t.name: schema_of(t) for t in TABLES}


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
        frame = parse_processed(text, declared(name).numeric)
    except (ValueError, pd.errors.ParserError) as err:
        return None, f"cannot be read ({err})"
    found = problems(name, frame)
    return (None, _mismatch(found)) if found else (frame, "")


def _mismatch(found: list[str]) -> str:
    shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    return f"does not match its schema: {shown}"


__all__ = ["TABLE_NAMES", "ProcessedTableError", "check_table", "check_text", "problems", "schemas"]
