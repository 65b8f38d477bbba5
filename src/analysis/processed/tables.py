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
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.formatting import missing
from analysis.core.periods import Quarter
from analysis.core.register import Measure, Register
from analysis.method.spc import COLUMNS as SPC_COLUMNS
from analysis.method.spc import spc_for_measure
from analysis.method.stats import compare_counts, projection
from analysis.method.status import MeasureStatus, cumulative_rows, measure_status

if TYPE_CHECKING:  # the inputs module loads pandera, which the notebooks' kernels need not
    from analysis.inputs.tables import Inputs

STATUS_COLUMNS = [
    "measure_id", "title", "priority", "lead", "polarity", "frequency", "period_end",
    "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "status",
]  # fmt: skip
EXTRA_STATUS_COLUMNS = [
    "spc_variation", "spc_assurance", "forecast_low", "forecast_high", "p_meet_target",
    "change_ratio", "change_low", "change_high", "change_p_value", "change_significant", "small_count",
    "aggregation", "unit", "status_label", "periods_elapsed", "periods_in_year",
    "quarter_actual", "last_year_quarter_actual", "lag", "periods_missing",
]  # fmt: skip
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
            format_number(None if missing(v) else v) if c in numeric else safe_text(None if missing(v) else v)
            for c, v in zip(frame.columns, row, strict=True)
        )
    return buffer.getvalue()


def _beyond_the_light(m: Measure, s: MeasureStatus, series: dict[str, float]) -> tuple[dict, pd.DataFrame | None]:
    """SPC variation and assurance, the significance of the change on last year and the odds."""
    extra: dict = {}
    spc = spc_for_measure(m, series, s.period_end) if s.period_end else None
    if spc is not None:
        extra["spc_variation"], extra["spc_assurance"] = spc.variation, spc.assurance
    if s.ytd_actual is not None:
        p = projection(
            s.ytd_actual, s.periods_elapsed, s.periods_in_year, s.last_year_ytd, s.last_year_total,
            s.annual_target if m.polarity != "monitor" else None, m.polarity, m.aggregation,
        )  # fmt: skip
        extra.update(forecast_low=p.low, forecast_high=p.high, p_meet_target=p.p_meet_target)
    if m.aggregation == "sum" and s.ytd_actual is not None and s.last_year_ytd is not None:
        c = compare_counts(s.ytd_actual, s.last_year_ytd, m.small_count_threshold)
        extra.update(
            change_ratio=c.ratio if c.ratio not in (None, float("inf")) else None,
            change_low=c.low,
            change_high=c.high if c.high not in (None, float("inf")) else None,
            change_p_value=c.p_value,
            change_significant="yes" if c.significant else "no",
            small_count="yes" if c.small_count else "no",
        )
    return extra, (spc.frame if spc is not None else None)


def status_and_spc(inputs: Inputs, quarter: Quarter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The status table (one row per measure, in register order, contract columns first) and spc.csv."""
    register = inputs.register
    rows = []
    spc_frames = []
    for m in register.measures:
        series = inputs.series(m.id)
        s = measure_status(m, series, quarter)
        extra, spc_frame = _beyond_the_light(m, s, series)
        if spc_frame is not None:
            spc_frames.append(spc_frame)
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
                "quarter_actual": s.quarter_actual,
                "last_year_quarter_actual": s.last_year_quarter_actual,
                "lag": m.lag,
                "periods_missing": ";".join(s.periods_missing),
                **extra,
            }
        )
    spc = pd.concat(spc_frames, ignore_index=True) if spc_frames else pd.DataFrame(columns=SPC_COLUMNS)
    return pd.DataFrame(rows, columns=STATUS_COLUMNS + EXTRA_STATUS_COLUMNS), spc[SPC_COLUMNS]


def series_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """One row per measure and period of the quarter's year and the year before."""
    rows = []
    for m in inputs.register.measures:
        series = inputs.series(m.id)
        for fy in (quarter.fy - 1, quarter.fy):
            rows.extend(cumulative_rows(m, series, fy, complete=fy < quarter.fy))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


NUMERIC = {
    "ytd_actual", "ytd_target", "annual_target", "last_year_ytd", "last_year_total",
    "change_vs_last_year", "forecast", "periods_elapsed", "periods_in_year", "financial_year",
    "value", "cumulative_value", "cumulative_target", "mean", "lower_limit", "upper_limit",
    "crimes", "population", "number", "forecast_low", "forecast_high", "p_meet_target",
    "rate_per_1000", "change_ratio", "change_low", "change_high", "change_p_value",
    "quarter_actual", "last_year_quarter_actual", "lag",
}  # fmt: skip


def quarter_tables(inputs: Inputs, quarter: Quarter) -> dict[str, str]:
    """Every processed file of a quarter as ``{file name: text}``; nothing is written here."""
    q = str(quarter)

    def this_quarter(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["quarter"] == q].reset_index(drop=True)

    status, spc = status_and_spc(inputs, quarter)
    files = {
        "measure_status.csv": to_csv_text(status, NUMERIC),
        "spc.csv": to_csv_text(spc, NUMERIC),
        "measure_series.csv": to_csv_text(series_table(inputs, quarter), NUMERIC),
        "action_plan.csv": to_csv_text(this_quarter(inputs.action_plan), NUMERIC),
        "recommendations.csv": to_csv_text(this_quarter(inputs.recommendations), NUMERIC),
        "family_group.csv": to_csv_text(this_quarter(inputs.family_group), NUMERIC),
        "partner_notes.csv": to_csv_text(this_quarter(inputs.partner_notes), NUMERIC),
        "register.json": inputs.register.to_json(),
    }
    for (cq, mid), text in sorted(inputs.commentary.items()):
        if cq == q:
            files[f"commentary/{mid}.md"] = text
    return files


HISTORY_COLUMNS = ["measure_id", "quarter", "status", "ytd_actual", "forecast", "spc_variation"]


def earlier_quarters(processed_root: Path, quarter: Quarter, partnership: str) -> list[tuple[Quarter, Path]]:
    """The quarters before ``quarter`` built under ``processed_root`` for this partnership, oldest first.

    A folder counts when its name is a quarter, it holds ``measure_status.csv``
    and its ``register.json`` (when there is one) names the same partnership.
    """
    from analysis.core.periods import PeriodError, parse_quarter

    found = []
    for folder in processed_root.glob("*") if processed_root.is_dir() else ():
        try:
            q = parse_quarter(folder.name)
        except PeriodError:
            continue
        if str(q) != folder.name or q >= quarter or not (folder / "measure_status.csv").is_file():
            continue
        register = folder / "register.json"
        if register.is_file() and read_register_json(folder).partnership != partnership:
            continue
        found.append((q, folder))
    return sorted(found)


def status_history(processed_root: Path, quarter: Quarter, status_csv: str, partnership: str) -> str:
    """``status_history.csv``: each measure's status in every quarter built so far, oldest first.

    Earlier quarters come from their own ``measure_status.csv`` under
    ``processed_root`` (as they were published); this quarter's from
    ``status_csv``. Values are copied as written, so the history never
    recomputes a published figure.
    """
    texts = [(q, (folder / "measure_status.csv").read_text(encoding="utf-8"))
             for q, folder in earlier_quarters(processed_root, quarter, partnership)]  # fmt: skip
    texts.append((quarter, status_csv))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for q, text in texts:
        for row in csv.DictReader(io.StringIO(text)):
            writer.writerow([row.get("measure_id", ""), str(q), *(row.get(c, "") for c in HISTORY_COLUMNS[2:])])
    return buffer.getvalue()


def write_tables(files: dict[str, str], folder: Path) -> None:
    """Write the processed files of :func:`quarter_tables` into ``folder``."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def read_processed(folder: Path, name: str) -> pd.DataFrame:
    """Read one processed CSV back, numbers as floats and text as text."""
    return parse_processed((folder / name).read_text(encoding="utf-8"))


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


def read_register_json(folder: Path) -> Register:
    """The register as the build saw it."""
    return Register.from_json((folder / "register.json").read_text(encoding="utf-8"))
