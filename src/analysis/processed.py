"""The quarter's processed tables: computed from the inputs, written byte-stably, read back.

``data/processed/<quarter>/`` holds what every notebook reads. Rows are in
register order, numbers are written in their shortest exact form and nothing
carries a timestamp, so the same inputs always give the same bytes. Text that a
spreadsheet would run as a formula is neutralised on the way out.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from .inputs import Inputs
from .method import cumulative_rows, measure_status
from .periods import Quarter
from .register import Register

STATUS_COLUMNS = [
    "measure_id", "title", "priority", "lead", "polarity", "frequency", "period_end",
    "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "status",
]  # fmt: skip
EXTRA_STATUS_COLUMNS = ["aggregation", "unit", "status_label", "periods_elapsed", "periods_in_year"]
SERIES_COLUMNS = ["measure_id", "financial_year", "period", "value", "cumulative_value", "cumulative_target"]
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
            format_number(None if _missing(v) else v) if c in numeric else safe_text(None if _missing(v) else v)
            for c, v in zip(frame.columns, row, strict=True)
        )
    return buffer.getvalue()


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def status_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """One row per measure, in register order, with the contract's columns first."""
    register = inputs.register
    rows = []
    for m in register.measures:
        s = measure_status(m, inputs.series(m.id), quarter)
        rows.append(
            {
                "measure_id": m.id,
                "title": m.title,
                "priority": m.priority,
                "lead": m.lead,
                "polarity": m.polarity,
                "frequency": m.frequency,
                "period_end": s.period_end,
                "ytd_actual": s.ytd_actual,
                "ytd_target": s.ytd_target,
                "annual_target": s.annual_target,
                "last_year_ytd": s.last_year_ytd,
                "last_year_total": s.last_year_total,
                "change_vs_last_year": s.change_vs_last_year,
                "forecast": s.forecast,
                "status": s.status,
                "aggregation": m.aggregation,
                "unit": m.unit,
                "status_label": register.label(s.status),
                "periods_elapsed": s.periods_elapsed,
                "periods_in_year": s.periods_in_year,
            }
        )
    return pd.DataFrame(rows, columns=STATUS_COLUMNS + EXTRA_STATUS_COLUMNS)


def series_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """One row per measure and period of the quarter's year and the year before."""
    rows = []
    for m in inputs.register.measures:
        series = inputs.series(m.id)
        for fy in (quarter.fy - 1, quarter.fy):
            rows.extend(cumulative_rows(m, series, fy))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


NUMERIC = {
    "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "periods_elapsed", "periods_in_year", "financial_year",
    "value", "cumulative_value", "cumulative_target", "mean", "lower_limit", "upper_limit",
    "crimes", "population", "number", "forecast_low", "forecast_high", "p_meet_target",
    "rate_per_1000",
}  # fmt: skip


def quarter_tables(inputs: Inputs, quarter: Quarter) -> dict[str, str]:
    """Every processed file of a quarter as ``{file name: text}``; nothing is written here."""
    q = str(quarter)

    def this_quarter(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["quarter"] == q].reset_index(drop=True)

    files = {
        "measure_status.csv": to_csv_text(status_table(inputs, quarter), NUMERIC),
        "measure_series.csv": to_csv_text(series_table(inputs, quarter), NUMERIC),
        "action_plan.csv": to_csv_text(this_quarter(inputs.action_plan), NUMERIC),
        "recommendations.csv": to_csv_text(this_quarter(inputs.recommendations), NUMERIC),
        "family_group.csv": to_csv_text(this_quarter(inputs.family_group), NUMERIC),
        "register.json": inputs.register.to_json(),
    }
    for (cq, mid), text in sorted(inputs.commentary.items()):
        if cq == q:
            files[f"commentary/{mid}.md"] = text
    return files


def write_tables(files: dict[str, str], folder: Path) -> None:
    """Write the processed files of :func:`quarter_tables` into ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def read_processed(folder: Path, name: str) -> pd.DataFrame:
    """Read one processed CSV back, numbers as floats and text as text."""
    frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in NUMERIC:
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype("float64")
        else:
            frame[column] = frame[column].map(_unsafe_text)
    return frame


def _unsafe_text(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START else text


def read_register_json(folder: Path) -> Register:
    """The register as the build saw it."""
    return Register.from_json((folder / "register.json").read_text(encoding="utf-8"))
