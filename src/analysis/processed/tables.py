"""The quarter's processed tables: computed from the inputs, written byte-stably, read back.

``data/processed/<quarter>/`` holds what every notebook reads. Rows are in
register order, numbers are written in their shortest exact form and nothing
carries a timestamp, so the same inputs always give the same bytes. Text that a
spreadsheet would run as a formula is neutralised on the way out.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.paths import OutputPaths
from analysis.core.periods import Quarter
from analysis.core.register import Measure, Register
from analysis.core.vocabulary import CUMULATIVE, MONITORED
from analysis.method import compare
from analysis.method.exceptions import exception_reasons
from analysis.method.signoff import signoffs
from analysis.method.spc import RebaseError, spc_for_measure
from analysis.method.stats import compare_counts, projection
from analysis.method.status import MeasureStatus, cumulative_rows, increments, measure_status
from analysis.processed.contract import (
    ACTION_PLAN,
    CHANGES,
    EVENTS,
    EXCEPTIONS,
    FAMILY_GROUP,
    FAMILY_GROUP_FUNNEL,
    FAMILY_GROUP_POSITION,
    FAMILY_GROUP_QUARTERS,
    FAMILY_GROUP_RANK,
    MEASURE_SERIES,
    MEASURE_STATUS,
    PARTNER_NOTES,
    RECOMMENDATIONS,
    REGISTER,
    SIGNOFF,
    SPC,
    STATUS_HISTORY,
    TABLE_NAMES,
    TEXT_BASIS,
    Table,
    commentary_file,
)
from analysis.processed.manifest import changes_since
from analysis.processed.neighbourhoods import neighbourhood_files
from analysis.processed.quarter import read_register
from analysis.processed.schemas import ProcessedTableError, check_text
from analysis.processed.yearend import year_end_files

if TYPE_CHECKING:  # the inputs module loads pandera, which the notebooks' kernels need not
    from analysis.inputs.tables import Inputs


def beyond_the_light(m: Measure, s: MeasureStatus, series: dict[str, float]) -> tuple[dict, pd.DataFrame | None]:
    """SPC variation and assurance, the significance of the change on last year and the odds."""
    extra: dict = {}
    points = increments(series, m.frequency) if m.aggregation == CUMULATIVE else series  # SPC on the increases
    spc = spc_for_measure(m, points, s.period_end) if s.period_end else None
    if spc is not None:
        extra["spc_variation"], extra["spc_assurance"] = spc.variation, spc.assurance
    if s.ytd_actual is not None:
        p = projection(
            s.ytd_actual, s.periods_elapsed, s.periods_in_year, s.last_year_ytd, s.last_year_total,
            s.annual_target if m.polarity != MONITORED else None, m.polarity, m.aggregation,
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
            change_verdict=c.describe(),
        )
    return extra, (spc.frame if spc is not None else None)


def status_row(register: Register, m: Measure, s: MeasureStatus, extra: dict) -> dict:
    """One measure's row of ``measure_status.csv``: the method's figures, the register's settings and ``extra``
    (SPC, the change on last year and the odds, from :func:`beyond_the_light`)."""
    return {
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
        "status_method": m.status_method,
        "profile": m.profile,
        "amber_tolerance": m.amber_tolerance,
        **extra,
    }


def status_and_spc(inputs: Inputs, quarter: Quarter) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The status table (one row per measure, in register order, contract columns first) and spc.csv."""
    register = inputs.register
    rows = []
    spc_frames = []
    for m in register.measures:
        series = inputs.series(m.id)
        s = measure_status(m, series, quarter)
        try:
            extra, spc_frame = beyond_the_light(m, s, series)
        except RebaseError as err:  # the register's rebases cannot split this report's series (SPC.md)
            raise _rebase_error(inputs, m.id, quarter, s.period_end, err) from None
        if spc_frame is not None:
            spc_frames.append(spc_frame)
        rows.append(status_row(register, m, s, extra))
    spc = pd.concat(spc_frames, ignore_index=True) if spc_frames else SPC.frame()
    return MEASURE_STATUS.frame(rows), spc[list(SPC.names)]


def _rebase_error(inputs: Inputs, measure_id: str, quarter: Quarter, period_end: str, err: RebaseError) -> Exception:
    from analysis.core.periods import period_name
    from analysis.core.problems import InputError
    from analysis.inputs.events import rebase_at

    why = f"in the report for {quarter.label} (data to {period_name(period_end)}), {err}"
    return InputError([rebase_at(measure_id, why, inputs.register_lines)])


def events_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """The events of the register's measures up to the end of the quarter (later ones had not happened)."""
    from analysis.core.periods import quarter_of_period

    events = inputs.events
    happened = pd.Series([quarter_of_period(p) <= quarter for p in events["period"]], index=events.index, dtype=bool)
    return events[happened].reset_index(drop=True)


def series_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """One row per measure and period of the quarter's year and the year before, with the values up to the end of
    the quarter (a quarter built again later in the year shows what it reported, not the months after it)."""
    from analysis.core.periods import quarter_of_period

    rows = []
    for m in inputs.register.measures:
        series = {p: v for p, v in inputs.series(m.id).items() if quarter_of_period(p) <= quarter}
        for fy in (quarter.fy - 1, quarter.fy):
            rows.extend(cumulative_rows(m, series, fy, complete=fy < quarter.fy))
    return MEASURE_SERIES.frame(rows)


WRITE_ADVICE = "The build made a table that breaks its own schema, so nothing was written; please report this."


def exceptions_table(register: Register, status: pd.DataFrame) -> pd.DataFrame:
    """The exception items by the stated rule (:data:`analysis.method.exceptions.RULE`): one row per measure,
    its reasons joined with "; "."""
    rows = []
    for r in status.to_dict("records"):
        reasons = exception_reasons(r)
        if reasons:
            rows.append({"measure_id": r["measure_id"], "status": r["status"], "reason": "; ".join(reasons)})
    return EXCEPTIONS.frame(rows)


def signoff_table(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """Each measure's sign-off for the quarter (:func:`analysis.method.signoff.signoffs`); no rows when the
    partnership does not ask for sign-off (its folder has no ``signoff.csv``)."""
    if not inputs.signoff_collected:
        return SIGNOFF.frame()
    found = signoffs(inputs.register, quarter, inputs.signoff, inputs.revisions)
    return SIGNOFF.frame([s.__dict__ for s in found])


def _position_row(p: compare.Position) -> dict:
    return {
        "partnership": p.partnership, "method": p.method, "crimes": p.crimes, "population": p.population,
        "rate_per_1000": p.rate, "rate_low": p.low, "rate_high": p.high, "rank": p.rank, "members": p.members,
        "msg_mean": p.msg_mean, "msg_sd": p.msg_sd, "band_low": p.band_low, "band_high": p.band_high,
        "pooled_rate": p.pooled_rate, "direction": p.direction,
        "significant": "" if p.significant is None else ("yes" if p.significant else "no"),
        "description": p.describe(),
    }  # fmt: skip


def family_group_quarters(register: Register, family_group: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The partnership's position in its family group the quarter before and this quarter, where each has figures."""
    rows = []
    for q in (quarter.previous, quarter):
        fg = family_group[family_group["quarter"] == str(q)]
        if fg.empty or register.partnership not in set(fg["partnership"]):
            continue
        rows.append({"quarter": str(q), **_position_row(compare.position(fg, register.partnership,
                                                                          register.family_group_method))})  # fmt: skip
    return FAMILY_GROUP_QUARTERS.frame(rows)


def family_group_tables(register: Register, fg: pd.DataFrame) -> dict[Table, pd.DataFrame]:
    """The family group ranked, the partnership's position in it and the funnel plot's limits."""
    if fg.empty:
        return {FAMILY_GROUP_RANK: FAMILY_GROUP_RANK.frame(), FAMILY_GROUP_POSITION: FAMILY_GROUP_POSITION.frame(),
                FAMILY_GROUP_FUNNEL: FAMILY_GROUP_FUNNEL.frame()}  # fmt: skip
    partnership = register.partnership
    ranked = compare.family_group_table(fg, partnership)
    ranked["is_partnership"] = ranked["is_partnership"].map({True: "yes", False: "no"})
    p = compare.position(fg, partnership, register.family_group_method)
    position = _position_row(p)
    low, high = float(fg["population"].min()), float(fg["population"].max())
    span = [low * 0.8 + (high * 1.2 - low * 0.8) * i / 60 for i in range(61)]
    return {
        FAMILY_GROUP_RANK: ranked,
        FAMILY_GROUP_POSITION: FAMILY_GROUP_POSITION.frame([position]),
        FAMILY_GROUP_FUNNEL: compare.funnel_limits(p.pooled_rate, span),
    }


def quarter_tables(inputs: Inputs, quarter: Quarter) -> dict[str, str]:
    """Every processed file of a quarter as ``{file name: text}``; nothing is written here.

    Everything a page shows that the method computes is here, so the notebooks
    only read. :func:`write_tables` checks each table against its schema.
    """
    q = str(quarter)

    def this_quarter(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["quarter"] == q].reset_index(drop=True)

    status, spc = status_and_spc(inputs, quarter)
    family = this_quarter(inputs.family_group)
    frames = {
        MEASURE_STATUS: status,
        SPC: spc,
        MEASURE_SERIES: series_table(inputs, quarter),
        EXCEPTIONS: exceptions_table(inputs.register, status),
        ACTION_PLAN: this_quarter(inputs.action_plan),
        RECOMMENDATIONS: this_quarter(inputs.recommendations),
        FAMILY_GROUP: family,
        PARTNER_NOTES: this_quarter(inputs.partner_notes),
        EVENTS: events_table(inputs, quarter),
        SIGNOFF: signoff_table(inputs, quarter),
        FAMILY_GROUP_QUARTERS: family_group_quarters(inputs.register, inputs.family_group, quarter),
        **family_group_tables(inputs.register, family),
    }
    files = {table.name: table.text(frame) for table, frame in frames.items()}
    files.update(neighbourhood_files(inputs, quarter))  # when the data folder has neighbourhoods/
    files[REGISTER] = inputs.register.to_json()
    for (cq, mid), text in sorted(inputs.commentary.items()):
        if cq == q:
            files[commentary_file(mid)] = text
    return files


def earlier_quarters(processed_root: Path, quarter: Quarter, partnership: str) -> list[tuple[Quarter, Path]]:
    """The quarters before ``quarter`` built under ``processed_root`` for this partnership, oldest first.

    A folder counts when its name is a quarter, it holds ``measure_status.csv``
    and its ``register.json`` (when there is one) names the same partnership.
    Each is returned resolved (the link to the published version followed once),
    so that its files are read from one build.
    """
    from analysis.core.periods import PeriodError, parse_quarter

    found = []
    for entry in processed_root.glob("*") if processed_root.is_dir() else ():
        try:
            q = parse_quarter(entry.name)
        except PeriodError:
            continue
        folder = entry.resolve()
        if str(q) != entry.name or q >= quarter or not (folder / MEASURE_STATUS.name).is_file():
            continue
        if (folder / REGISTER).is_file() and read_register(folder).partnership != partnership:
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
    texts = [(q, (folder / MEASURE_STATUS.name).read_text(encoding="utf-8"))
             for q, folder in earlier_quarters(processed_root, quarter, partnership)]  # fmt: skip
    texts.append((quarter, status_csv))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATUS_HISTORY.names)
    for q, text in texts:
        for row in csv.DictReader(io.StringIO(text)):
            writer.writerow([str(q) if c == "quarter" else row.get(c, "") for c in STATUS_HISTORY.names])
    return buffer.getvalue()


def compute_tables(inputs: Inputs, q: Quarter, out: OutputPaths) -> dict[str, str]:
    """The quarter's processed files, with what changed since the previous quarter built under ``out``
    and the status history of every quarter built there."""
    files = quarter_tables(inputs, q)
    previous = out.processed(str(q.previous)).resolve()  # one published version, whatever switches meanwhile
    files[CHANGES.name] = changes_since(previous, files, str(q.previous))
    from analysis.processed.stale import basis_now

    files[TEXT_BASIS.name] = TEXT_BASIS.text(basis_now(inputs, q, out.processed(str(q)).resolve()))
    files[STATUS_HISTORY.name] = status_history(
        out.processed_root, q, files[MEASURE_STATUS.name], inputs.register.partnership
    )
    files.update(year_end_files(inputs, q, files))  # at quarter four: the year's report
    return files


def write_tables(files: dict[str, str], folder: Path) -> None:
    """Write the processed files of :func:`quarter_tables` into ``folder``, each table checked first.

    A table that does not match its schema raises :class:`ProcessedTableError`
    before anything is written.
    """
    unknown = sorted(n for n in files if n.endswith(".csv") and n not in TABLE_NAMES)
    if unknown:
        raise ProcessedTableError(f"{folder}: no schema for {', '.join(unknown)}")
    for name, text in files.items():
        if name in TABLE_NAMES:
            check_text(name, text, folder, advice=WRITE_ADVICE)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
