"""The text form of the processed tables: byte-stable numbers, formula-safe text, and reading it back.

Shared by the writer (:meth:`analysis.processed.contract.Table.text`) and the
reader (:mod:`analysis.processed.schemas`), so both read and write one format;
which columns are numbers comes from each table's declaration
(:mod:`analysis.processed.contract`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection

import pandas as pd

from analysis.core.formatting import missing

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def format_number(value: object) -> str:
    """A number in its shortest exact form; whole numbers without a decimal point.

    >>> format_number(1632.0), format_number(-0.0615), format_number(None), format_number(float("nan"))
    ('1632', '-0.0615', '', '')
    """
    if value is None or value == "":
        return ""
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return ""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def safe_text(value: object) -> str:
    """Text that a spreadsheet will show rather than evaluate.

    >>> safe_text("=HYPERLINK(\\"http://x\\")"), safe_text("Police"), safe_text("-1 crimes")
    ('\\'=HYPERLINK("http://x")', 'Police', "'-1 crimes")
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv_text(frame: pd.DataFrame, numeric: Collection[str]) -> str:
    """CSV text with fixed number formatting, safe text cells and ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(
            format_number(None if missing(v) else v) if c in numeric else safe_text(None if missing(v) else v)
            for c, v in zip(frame.columns, row, strict=True)
        )
    return buffer.getvalue()


def parse_processed(text: str, numeric: Collection[str]) -> pd.DataFrame:
    """A processed CSV's text as a frame: the ``numeric`` columns as floats, the others as the analyst wrote them."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in numeric:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype("float64")
        else:
            frame[column] = frame[column].map(_unsafe_text)
    return frame


def _unsafe_text(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START else text
