"""Read and validate a partnership's input folder (``data/raw/``) in one pass: the validated tables of a quarter.

Each table is read as text cells (:mod:`analysis.inputs.reading`), validated
against its pandera schema (:mod:`analysis.inputs.schemas`) and checked against
the register (:mod:`analysis.inputs.checks`); the commentary is read beside
them (:mod:`analysis.inputs.commentary`). Every problem is collected before
anything is raised, so one run tells the analyst everything to fix, each with
its file (and sheet), row and column. What comes back is typed: numbers as
numbers, statuses in lower case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.core.periods import Quarter, quarter_of_period
from analysis.core.problems import InputError, Problem, raise_if_any
from analysis.core.register import Register
from analysis.inputs.checks import CHECKS, text_problems
from analysis.inputs.commentary import read_commentary
from analysis.inputs.events import rebase_problems, typed_events
from analysis.inputs.neighbourhoods import Neighbourhoods, check_neighbourhoods
from analysis.inputs.reading import Folder, locate_table, parse_csv, read_table  # noqa: F401 - the last three for callers
from analysis.inputs.register import check_register_file, field_lines
from analysis.inputs.schemas import TABLES, parse_number, schema_problems

REQUIRED_TABLES = ("actuals",)
OPTIONAL_TABLES = (
    "action_plan", "recommendations", "family_group", "partner_notes", "events", "signoff", "reviews", "revisions",
)  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    """Everything a quarter is computed from, validated and typed."""

    register: Register
    actuals: pd.DataFrame  # measure_id, period, value (float)
    action_plan: pd.DataFrame
    recommendations: pd.DataFrame
    family_group: pd.DataFrame  # quarters whose counts are not all supplied yet are left out
    commentary: dict[tuple[str, str], str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    partner_notes: pd.DataFrame = field(default_factory=lambda: _empty("partner_notes"))
    events: pd.DataFrame = field(default_factory=lambda: _empty("events"))  # measure_id, period, text
    register_lines: dict[str, dict[str, int]] = field(default_factory=dict)  # measure id -> field -> line
    signoff: pd.DataFrame = field(default_factory=lambda: _empty("signoff"))  # the leads' sign-off of each measure
    reviews: pd.DataFrame = field(default_factory=lambda: _empty("reviews"))  # rows returned as "no change"
    neighbourhoods: Neighbourhoods | None = None  # the optional neighbourhoods/ folder
    revisions: pd.DataFrame = field(default_factory=lambda: _empty("revisions"))  # figures replaced, and when
    signoff_collected: bool = False  # the folder has signoff.csv (new-quarter starts it): sign-off is asked for

    def series(self, measure_id: str) -> dict[str, float]:
        """One measure's values by period."""
        rows = self.actuals[self.actuals["measure_id"] == measure_id]
        return dict(zip(rows["period"], rows["value"], strict=True))

    def latest_quarter(self) -> Quarter:
        """The latest quarter in which any measure has a value."""
        if self.actuals.empty:
            raise InputError([Problem("actuals.csv", None, None, "there are no values to report on")])
        return max(quarter_of_period(p) for p in self.actuals["period"])


def _register_path(folder: Folder) -> Path:
    """``measures.yml`` in any letter case; a ``measures.yaml`` is read too (the register is the same)."""
    return folder.file("measures.yml") or folder.file("measures.yaml") or folder.dir / "measures.yml"


def _has_columns(frame: pd.DataFrame, name: str = "actuals") -> bool:
    return set(TABLES[name].columns) <= set(frame.columns)


def _typed_actuals(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "measure_id": frame["measure_id"].astype(str),
            "period": frame["period"].astype(str),
            "value": [parse_number(v) for v in frame["value"]],
        }
    )
    return out.sort_values(["measure_id", "period"], kind="stable").reset_index(drop=True)


def _typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    schema = TABLES[name]
    out = frame.reindex(columns=list(schema.columns), fill_value="").reset_index(drop=True)
    if name == "family_group":
        out["crimes"] = [parse_number(v) for v in out["crimes"]]
        out["population"] = [parse_number(v) for v in out["population"]]
        incomplete = set(out.loc[out["crimes"].isna(), "quarter"])  # counts not yet supplied for the quarter
        out = out[~out["quarter"].isin(incomplete)].reset_index(drop=True)
    if name == "recommendations":
        out["number"] = [int(parse_number(v)) for v in out["number"]]
        out["status"] = out["status"].str.lower()
    if name == "action_plan":
        out["status"] = out["status"].str.lower()
        out["term"] = out["term"].str.upper()
    return out


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in TABLES[name].columns})


def load_inputs(data_dir: Path) -> Inputs:
    """Read and validate every input in ``data_dir``; raise ``InputError`` listing all problems."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError([Problem(str(data_dir), None, None, "the data folder does not exist")])
    folder = Folder(data_dir)
    problems: list[Problem] = list(folder.problems)
    register_path = _register_path(folder)
    register, register_problems = check_register_file(register_path)
    problems += register_problems
    files: list[Path] = [register_path]
    checks = register if register is not None and register.measures else None  # nothing to check against

    tables: dict[str, pd.DataFrame] = {}
    collected: dict[str, bool] = {}
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        table = folder.read(name)
        collected[name] = table is not None
        if table is None:
            if name in REQUIRED_TABLES:
                message = f"the {name} table is missing: add {name}.csv, or a sheet {name!r} to an .xlsx workbook"
                problems.append(Problem(f"{name}.csv", None, None, message))
            tables[name] = _empty(name)
            continue
        files.append(table.path)
        problems += table.problems
        if not table.readable:
            tables[name] = _empty(name)
            continue
        problems += schema_problems(TABLES[name], table.frame, table.file, table.header_row)
        problems += text_problems(table.frame, table.file)
        problems += CHECKS[name](table.frame, table.file, checks)
        tables[name] = table.frame
    commentary, comment_problems, comment_files = read_commentary(data_dir, checks)
    problems.extend(comment_problems)
    files.extend(comment_files)
    lines: dict[str, dict[str, int]] = {}
    if checks is not None and any(m.spc_rebase for m in checks.measures) and _has_columns(tables["actuals"]):
        lines = field_lines(register_path)  # rebases against the series (its valid rows: the rest are reported)
        problems += rebase_problems(checks, _typed_actuals(tables["actuals"]), lines, register_path.name)
    neighbourhoods, hood_problems = check_neighbourhoods(data_dir, checks)
    problems += hood_problems
    files.extend(neighbourhoods.files if neighbourhoods is not None else ())
    raise_if_any(problems)
    assert register is not None
    return Inputs(
        register=register,
        actuals=_typed_actuals(tables["actuals"]),
        action_plan=_typed(tables["action_plan"], "action_plan"),
        recommendations=_typed(tables["recommendations"], "recommendations"),
        family_group=_typed(tables["family_group"], "family_group"),
        commentary=commentary,
        files=tuple(dict.fromkeys(files)),
        partner_notes=_typed(tables["partner_notes"], "partner_notes"),
        events=typed_events(tables["events"], list(TABLES["events"].columns)),
        register_lines=lines,
        signoff=_typed(tables["signoff"], "signoff"),
        reviews=_typed(tables["reviews"], "reviews"),
        neighbourhoods=neighbourhoods,
        revisions=_typed(tables["revisions"], "revisions"),
        signoff_collected=collected["signoff"],
    )
