"""The text form of the processed tables: byte-stable numbers, formula-safe text, and reading it back.

Shared by the writer (:mod:`analysis.processed.tables`) and the schema checks
(:mod:`analysis.processed.schemas`), so both read and write one format.
"""

from __future__ import annotations

import csv
import io
import math

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


def to_csv_text(frame: pd.DataFrame, numeric: set[str]) -> str:
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


NUMERIC = {
    "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "periods_elapsed", "periods_in_year", "financial_year",
    "value", "cumulative_value", "cumulative_target", "mean", "lower_limit", "upper_limit",
    "crimes", "population", "number", "forecast_low", "forecast_high", "p_meet_target",
    "rate_per_1000", "change_ratio", "change_low", "change_high", "change_p_value",
    "quarter_actual", "last_year_quarter_actual", "lag", "amber_tolerance",
    "rate_low", "rate_high", "rank", "members", "msg_mean", "msg_sd", "band_low", "band_high", "pooled_rate",
    "expected", "lower_95", "upper_95", "lower_998", "upper_998",
    "crimes_ytd", "last_year_crimes_ytd", "last_year_rate_per_1000", "gap_rank", "deprivation_decile", "areas",
}  # fmt: skip


def parse_processed(text: str) -> pd.DataFrame:
    """A processed CSV's text as a frame: numbers as floats, text as the analyst wrote it."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in NUMERIC:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype("float64")
        else:
            frame[column] = frame[column].map(_unsafe_text)
    return frame


def _unsafe_text(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START else text
