"""The year-end report's tables (quarter four only): ``year_end.csv`` and ``year_actions.csv``.

The year's figures are quarter four's (``measure_status.csv``: at the year's
last period the year to date is the year). The status at the end of each
quarter of the year is the one published for that quarter (``status_history.csv``,
copied from each quarter's own tables under ``--out``); a quarter of the year
not built there has its status worked out now, by the same method, from the
inputs. So the report is the same whether the year's quarters were built one
by one or only quarter four was, as long as no figure was changed in between
(a figure revised after its quarter was published keeps that quarter's
published status, as the board saw it). What became of each task
(:func:`analysis.method.yearend.task_results`) is read from the quarter-four
action plan and the next year's first quarter, when it has been started.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.periods import Quarter, periods_of_year
from analysis.core.vocabulary import ACTION_STATUSES
from analysis.method.status import measure_status
from analysis.method.yearend import task_results, year_result
from analysis.processed.contract import MEASURE_STATUS, STATUS_HISTORY, YEAR_ACTIONS, YEAR_END
from analysis.processed.schemas import check_text

if TYPE_CHECKING:  # the inputs module loads pandera, which the notebooks' kernels need not
    from analysis.inputs.tables import Inputs


def quarter_statuses(inputs: Inputs, quarter: Quarter, history_csv: str) -> dict[tuple[str, int], str]:
    """Each measure's status at the end of each quarter of the year up to ``quarter``: as published
    (``status_history.csv``), else worked out from the inputs. Keyed by (measure id, quarter number)."""
    published = {(r["measure_id"], r["quarter"]): r["status"] for r in csv.DictReader(io.StringIO(history_csv))}
    statuses = {}
    for m in inputs.register.measures:
        for n in range(1, quarter.q + 1):
            q = Quarter(quarter.fy, n)
            status = published.get((m.id, str(q)))
            statuses[m.id, n] = status if status else measure_status(m, inputs.series(m.id), q).status
    return statuses


def year_end_frame(inputs: Inputs, quarter: Quarter, status: pd.DataFrame, history_csv: str) -> pd.DataFrame:
    """One row per measure: the year's figure against its annual target and last year, the result, each quarter's
    status."""
    statuses = quarter_statuses(inputs, quarter, history_csv)
    rows = []
    for m, r in zip(inputs.register.measures, status.to_dict("records"), strict=True):
        target, actual = r["annual_target"], r["ytd_actual"]
        against = actual / target - 1 if pd.notna(target) and pd.notna(actual) and target else None
        rows.append(
            {
                "measure_id": m.id,
                "period_end": r["period_end"],
                "year_actual": actual,
                "annual_target": target,
                "against_target": against,
                "last_year": r["last_year_ytd"],
                "change_vs_last_year": r["change_vs_last_year"],
                "result": year_result(r, periods_of_year(quarter.fy, m.frequency)[-1]),
                **{f"status_q{n}": statuses.get((m.id, n), "") for n in range(1, 5)},
            }
        )
    return YEAR_END.frame(rows)


def year_actions_frame(inputs: Inputs, quarter: Quarter) -> pd.DataFrame:
    """Each task of the quarter-four action plan and what became of it (achieved, carried forward, dropped)."""
    plan = inputs.action_plan
    last = plan[plan["quarter"] == str(quarter)].to_dict("records")
    following = plan[plan["quarter"] == str(Quarter(quarter.fy + 1, 1))].to_dict("records")
    rows = [
        {**{k: r[k] for k in ("ref", "action", "task", "lead", "measure_id")},
         "status": r["status"] if r["status"] in ACTION_STATUSES else "", "result": result}
        for r, result in zip(last, task_results(last, following), strict=True)
    ]  # fmt: skip
    return YEAR_ACTIONS.frame(rows)


def year_end_files(inputs: Inputs, quarter: Quarter, files: dict[str, str]) -> dict[str, str]:
    """``year_end.csv`` and ``year_actions.csv`` for quarter four (from its tables in ``files``); none before."""
    if quarter.q != 4:
        return {}
    status = check_text(MEASURE_STATUS.name, files[MEASURE_STATUS.name], "the quarter's tables")
    year = year_end_frame(inputs, quarter, status, files[STATUS_HISTORY.name])
    actions = year_actions_frame(inputs, quarter)
    return {YEAR_END.name: YEAR_END.text(year), YEAR_ACTIONS.name: YEAR_ACTIONS.text(actions)}
