"""The year's end (seed 000: "at the end of the year groups will be asked to report on their progress against
their outcome"): how each measure's year ended, and what became of each task of the action plan.

A measure's year, from its quarter-four figures (the contract's method at the
year's last quarter):

- ``achieved``: its quarter-four status is achieved (the year's figure meets the
  annual target, or a higher-is-better count reached it early);
- ``not_achieved``: the year's figures are all in (no return still due, the
  period end the year's last period) and the target was not met;
- ``monitored``: no target (monitoring only, or none for the year);
- ``not_known``: the year's figures are not all in (a return still due, or data
  behind, such as a measure one month behind), so the year cannot be judged yet.

A task of the quarter-four action plan is ``achieved`` when its quarter-four
status is; otherwise it is ``carried_forward`` when the next year's first
quarter has the task (the same ref and task, in any case or spacing) or has not
been started yet (no rows for that quarter: the task is still open, and
``new-quarter`` carries it), and ``dropped`` when that quarter was started
without it.
"""

from __future__ import annotations

from analysis.core.formatting import present
from analysis.core.vocabulary import ACHIEVED, CARRIED_FORWARD, DROPPED, MONITOR, NO_DATA, NOT_ACHIEVED, NOT_KNOWN
from analysis.core.vocabulary import MONITORED_YEAR as MONITORED


def year_result(row: dict, last_period: str) -> str:
    """How the measure's year ended, from its quarter-four row of ``measure_status.csv``.

    ``last_period`` is the year's last period at the measure's frequency (``2016-03`` or ``2015-16-Q4``).

    >>> row = {"status": "red", "period_end": "2016-03", "periods_missing": ""}
    >>> year_result(row, "2016-03"), year_result({**row, "period_end": "2016-02"}, "2016-03")
    ('not_achieved', 'not_known')
    >>> year_result({**row, "status": "achieved", "period_end": "2016-02"}, "2016-03")
    'achieved'
    >>> year_result({**row, "status": "monitor"}, "2016-03"), year_result({**row, "periods_missing": "2015-08"}, "2016-03")
    ('monitored', 'not_known')
    """
    status = row["status"]
    if status == ACHIEVED:
        return ACHIEVED
    if status == MONITOR:
        return MONITORED
    missing = row.get("periods_missing")
    if status == NO_DATA or row.get("period_end") != last_period or (present(missing) and str(missing)):
        return NOT_KNOWN
    return NOT_ACHIEVED


def _key(ref: object, task: object) -> tuple[str, str]:
    return tuple(" ".join(str(v).split()).casefold() for v in (ref, task))  # type: ignore[return-value]


def task_results(year_end_rows: list[dict], next_year_rows: list[dict]) -> list[str]:
    """What became of each task of the quarter-four action plan, in its order.

    ``next_year_rows``: the next year's first-quarter rows of ``action_plan.csv`` (none when it is not started).

    >>> q4 = [{"ref": "A1", "task": "Patrols", "status": "achieved"}, {"ref": "A1", "task": "Leaflets", "status": "red"},
    ...       {"ref": "A2", "task": "Training", "status": "amber"}]
    >>> task_results(q4, [])
    ['achieved', 'carried_forward', 'carried_forward']
    >>> task_results(q4, [{"ref": "a1", "task": "patrols"}, {"ref": "A2", "task": " Training "}])
    ['achieved', 'dropped', 'carried_forward']
    """
    carried = {_key(r["ref"], r["task"]) for r in next_year_rows}
    results = []
    for r in year_end_rows:
        if r["status"] == ACHIEVED:
            results.append(ACHIEVED)
        elif not next_year_rows or _key(r["ref"], r["task"]) in carried:
            results.append(CARRIED_FORWARD)
        else:
            results.append(DROPPED)
    return results
