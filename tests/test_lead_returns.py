"""The whole quarter from the leads' workbooks: tasks, recommendations, sign-off and the family group.

2015-16 Q2 of the demo done as the leads would do it: each fills in their
workbook (figures, positions, statuses, planned improvements, a row reviewed
with no change, sign-offs), the analyst the family group's counts; the
returns are read back and readiness says what is still to come.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import test_returns
from test_returns import FIGURES, NOTE, Q2, _run, fill

from analysis.core.vocabulary import ACTION_STATUSES
from analysis.ingest.lead_sheets import COLUMNS
from analysis.inputs.tables import load_inputs

DA, ASB, HATE = "domestic-abuse-partnership.xlsx", "asb-delivery-group.xlsx", "hate-crime-delivery-group.xlsx"
BOARD, RRG, ANALYST = "safer-plymouth-partnership-board.xlsx", "reducing-reoffending-group.xlsx", "analyst.xlsx"
CAMPAIGN = "Run a reporting campaign with large employers"
REFERRALS = "Increase referrals to the domestic abuse service"
DASH = "Deliver DASH training to partner agencies"
NO_CHANGE = {"reviewed_no_change": "yes"}
SIGNED = dt.datetime(2015, 10, 6)

# What each lead types: sheet -> the row's key (task, recommendation number, measure or partnership) -> cells.
TYPED: dict[str, dict[str, dict[object, dict[str, object]]]] = {
    DA: {
        "Actions": {
            CAMPAIGN: {"position": "Campaign launched with 12 large employers in August", "status": "green"},
            REFERRALS: {
                "position": "612 referrals in quarter two against 727 last year",
                "status": "amber",
                "improvement": "Referral pathway review with health; weekly monitoring of referrals",
                "deadline": dt.datetime(2015, 12, 31),  # typed as a date
            },
            DASH: NO_CHANGE,
        },
        "Recommendations": {
            6: {"progress": "One partner contribution still to be confirmed", "status": "amber"},
            7: NO_CHANGE,
        },
        "Sign-off": {
            m: {"signed_by": "Sam Taylor", "signed_on": SIGNED}
            for m in ("da-reporting", "da-referrals", "dash-training")
        },
    },
    ASB: {
        "Actions": {
            "Target hotspot locations through the ASB Delivery Group": {
                "position": "Hotspot patrols extended to the city centre",
                "status": "green",
            },
            "Develop performance indicators for the ASB Victim Champion Service": NO_CHANGE,
        },
        "Sign-off": {"asb-incidents": {"signed_by": "Chris Morgan", "signed_on": dt.datetime(2015, 10, 7)}},
    },
    HATE: {
        "Actions": {
            "Promote third-party reporting centres": {
                "position": "Two new third-party reporting centres opened",
                "status": "green",
            }
        },
        "Sign-off": {"hate-incidents": {"signed_by": "Alex Reed", "signed_on": SIGNED}},
    },
    BOARD: {
        "Actions": {
            "Vehicle crime prevention in the worst-affected neighbourhoods": {
                "position": "Vehicle offences still rising in two neighbourhoods",
                "status": "red",
                "improvement": "Joint patrols extended to a fourth neighbourhood",
                "deadline": "30 November 2015",  # typed as text
            }
        },
        "Recommendations": {13: {"progress": "Monitored monthly; vehicle offences still rising", "status": "amber"}},
        "Sign-off": {
            m: {"signed_by": "Pat Dabbs", "signed_on": SIGNED}
            for m in ("closing-the-gap", "all-crime", "serious-acquisitive-crime")
        },
    },
    RRG: {
        "Recommendations": {
            17: {"progress": "The Reducing Reoffending Group met again in September", "status": "green"}
        }
    },
    ANALYST: {
        "Recommendations": {
            2: {"progress": "Plan reviewed at the September board", "status": "green"},
            **{n: NO_CHANGE for n in (1, 3, 4, 5, 8, 9, 10, 11, 12, 14, 15, 16)},
        },
        "Family group": {
            name: {"crimes": crimes}
            for name, crimes in (
                ("Safer Plymouth", 4702),
                ("Southampton", 5871),
                ("Portsmouth", 4390),
                ("Bristol", 10310),
                ("Derby", 4420),
                ("Swindon", 3515),
                ("Sunderland", 4600),
                ("Stoke-on-Trent", 5050),
            )
        },
    },
}
started = test_returns.started  # the fixture: the demo with Q2 started and its returns workbooks written
KEY = {"Actions": "task", "Recommendations": "number", "Sign-off": "measure_id", "Family group": "partnership"}


def type_in(path: Path, sheet: str, rows: dict[object, dict[str, object]], *, afresh: bool = False) -> None:
    """Type cells into a sheet of a returns workbook as a lead would, finding each row by its key;
    ``afresh`` empties the cells the lead fills in of those rows first."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    found = set()
    for r in range(2, ws.max_row + 1):
        key = ws.cell(r, header.index(KEY[sheet]) + 1).value
        if afresh and key in rows:
            for column in (c.name for c in COLUMNS[sheet] if c.filled):
                ws.cell(r, header.index(column) + 1).value = None
        for column, value in rows.get(key, {}).items():
            ws.cell(r, header.index(column) + 1).value = value
            found.add(key)
    assert found == set(rows), f"{path.name}, {sheet}: no rows for {set(rows) - found}"
    book.save(path)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def fill_everything(folder: Path) -> None:
    """Every lead fills in their whole workbook, and the analyst the family group."""
    for path in sorted(folder.glob("*.xlsx")):
        fill(path, FIGURES, {("da-referrals", Q2): NOTE})
        for sheet, rows in TYPED.get(path.name, {}).items():
            type_in(path, sheet, rows)


@pytest.fixture
def returned(started, capsys) -> tuple[Path, Path, str, str, str]:
    """The quarter with every workbook filled in and read back: (data, folder, readiness before, ingest, after)."""
    data, folder = started
    assert _run("readiness", "--quarter", Q2, "--data", data) == 1
    before = capsys.readouterr().out
    fill_everything(folder)
    assert _run("ingest", "returns", *sorted(folder.glob("*.xlsx")), "--data", data) == 0
    said = capsys.readouterr().out
    assert _run("readiness", "--quarter", Q2, "--data", data) == 0
    return data, folder, before, said, capsys.readouterr().out


def test_readiness_lists_by_lead_everything_still_to_come(returned):
    _, _, before, _, after = returned
    assert before.startswith(
        f"Safer Plymouth, {Q2}: 20 returns still due, for 8 measures; 8 sign-offs, 7 tasks, 17 recommendations "
        "and 8 family-group counts still to come:\n"
    )
    da = before[before.index("\nDomestic Abuse Partnership\n") : before.index("\nASB Delivery Group\n")]
    assert da.splitlines()[1:] == [
        "Domestic Abuse Partnership",
        "  - da-reporting: 2015-07 (July 2015), 2015-08 (August 2015), 2015-09 (September 2015)",
        "  - da-referrals: 2015-16-Q2 (quarter two 2015/16)",
        "  - dash-training: 2015-16-Q2 (quarter two 2015/16)",
        "  - not yet signed off: da-reporting, da-referrals, dash-training",
        f"  - action_plan.csv, row 9: task DA1 {CAMPAIGN!r}: position and status as carried forward from 2015-16-Q1",
        f"  - action_plan.csv, row 10: task DA1 {REFERRALS!r}: position and status as carried forward from 2015-16-Q1",
        f"  - action_plan.csv, row 11: task DA2 {DASH!r}: position and status as carried forward from 2015-16-Q1",
        "  - recommendations.csv, row 24: recommendation 6: progress and status as carried forward from 2015-16-Q1",
        "  - recommendations.csv, row 25: recommendation 7: progress and status as carried forward from 2015-16-Q1",
    ]
    assert "\nReducing Reoffending Group\n  - recommendations.csv, row 35: recommendation 17:" in before
    assert "\nAnalyst\n  - family_group.csv, row 10: Safer Plymouth: the number of crimes is not yet supplied" in before
    # once every lead has returned everything, rows reviewed with no change included, nothing is missing
    assert after.startswith(f"Safer Plymouth, {Q2}: every return is in.\nMeeting:")


def test_ingest_says_what_each_table_received(returned):
    said = returned[3]
    assert said.splitlines() == [
        f"Read 6 returns workbooks for {Q2}: 21 new values, 0 already in, 0 revised, 0 left blank; 1 notes written.",
        "Tasks: 5 updated, 2 reviewed with no change, 0 already in, 0 left blank.",
        "Recommendations: 4 updated, 13 reviewed with no change, 0 already in, 0 left blank.",
        "Family-group counts: 8 updated, 0 already in, 0 left blank.",
        "Sign-offs: 8 signed off, 0 already in, 0 left blank.",
    ]


def test_the_leads_words_and_sign_offs_are_in_the_inputs(returned):
    data = returned[0]
    inputs = load_inputs(data)
    plan = {r["task"]: r for r in inputs.action_plan.to_dict("records") if r["quarter"] == Q2}
    assert {k: plan[REFERRALS][k] for k in ("position", "status", "improvement", "deadline")} == {
        "position": "612 referrals in quarter two against 727 last year",
        "status": "amber",
        "improvement": "Referral pathway review with health; weekly monitoring of referrals",
        "deadline": "31 December 2015",
    }
    assert plan["Vehicle crime prevention in the worst-affected neighbourhoods"]["deadline"] == "30 November 2015"
    q1 = {r["task"]: r for r in inputs.action_plan.to_dict("records") if r["quarter"] == "2015-16-Q1"}
    fields = ("position", "status", "improvement", "deadline")
    assert [plan[DASH][k] for k in fields] == [q1[DASH][k] for k in fields], "no change keeps last quarter's"
    recs = {r["number"]: r for r in inputs.recommendations.to_dict("records") if r["quarter"] == Q2}
    assert (recs[6]["progress"], recs[6]["status"]) == ("One partner contribution still to be confirmed", "amber")
    assert (recs[7]["progress"], recs[7]["status"]) == ("58 professionals trained in quarter one.", "green")
    signed = {r["measure_id"]: r for r in _rows(data / "signoff.csv")}
    assert len(signed) == len(inputs.signoff) == 8
    assert signed["all-crime"] == {
        "quarter": Q2,
        "measure_id": "all-crime",
        "signed_by": "Pat Dabbs",
        "signed_on": "2015-10-06",
    }
    assert (signed["asb-incidents"]["signed_by"], signed["asb-incidents"]["signed_on"]) == (
        "Chris Morgan",
        "2015-10-07",
    )
    reviews = _rows(data / "reviews.csv")
    assert len(reviews) == 2 + 13
    assert {(r["table"], r["item"], r["lead"]) for r in reviews} >= {
        ("action_plan", f"DA2: {DASH}", "Domestic Abuse Partnership"),
        (
            "action_plan",
            "ASB2: Develop performance indicators for the ASB Victim Champion Service",
            "ASB Delivery Group",
        ),
        ("recommendations", "7", "Domestic Abuse Partnership"),
        ("recommendations", "16", "Analyst"),
    }
    family = inputs.family_group[inputs.family_group["quarter"] == Q2]
    assert dict(zip(family["partnership"], family["crimes"], strict=True))["Safer Plymouth"] == 4702


def test_reading_the_filled_workbooks_again_changes_nothing(returned, capsys):
    data, folder, *_ = returned
    before = _files(data)
    assert _run("ingest", "returns", *sorted(folder.glob("*.xlsx")), "--data", data) == 0
    assert _files(data) == before
    said = capsys.readouterr().out
    assert "Tasks: 0 updated, 0 reviewed with no change, 7 already in, 0 left blank." in said
    assert "Sign-offs: 0 signed off, 8 already in, 0 left blank." in said


def test_a_figure_revised_after_its_sign_off_is_to_be_signed_off_again(returned, capsys):
    """The lead signed off what they saw: a figure revised later clears that sign-off until they sign again."""
    data, folder, *_ = returned
    fill(folder / ASB, {("asb-incidents", "2015-08"): FIGURES["asb-incidents", "2015-08"] + 18})
    assert _run("ingest", "returns", folder / ASB, "--data", data, "--revise") == 0
    capsys.readouterr()
    assert _run("readiness", "--quarter", Q2, "--data", data) == 0, "every figure is in (the exit status's sense)"
    said = capsys.readouterr().out
    assert "every return is in; 1 sign-off still to come:" in said
    today = dt.date.today()
    assert f"\nASB Delivery Group\n  - to sign off again: asb-incidents (2015-08 revised on {today.day} " in said
    assert "not yet signed off" not in said, "the other sign-offs stand"


def test_a_second_returns_never_loses_a_filled_workbook(started, tmp_path, capsys):
    data, folder = started
    for sheet, rows in TYPED[DA].items():
        type_in(folder / DA, sheet, rows)
    fill(folder / DA, FIGURES)
    filled = (folder / DA).read_bytes()
    out = tmp_path / "out"
    assert _run("returns", "--quarter", Q2, "--data", data, "--out", out) == 2
    assert capsys.readouterr().err == (
        "1 problem in the input files:\n"
        f"  - returns/{Q2}/{DA}: this workbook has changed since csp-report returns wrote it (a lead may have "
        "filled it in), so it is not written over: read it with `csp-report ingest returns` and move it out of "
        "the folder, or give --force to replace it\n"
    )
    assert (folder / DA).read_bytes() == filled, "the lead's workbook is as they filled it"
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0  # and it reads back
    assert "Tasks: 2 updated, 1 reviewed with no change" in capsys.readouterr().out
    assert load_inputs(data).series("da-referrals")[Q2] == 612

    # --force writes a fresh workbook, with what the partnership now holds filled in
    assert _run("returns", "--quarter", Q2, "--data", data, "--out", out, "--force") == 0
    book = openpyxl.load_workbook(folder / DA)
    tasks = {r[2]: r for r in book["Actions"].iter_rows(min_row=2, values_only=True)}
    assert tasks[CAMPAIGN][6:8] == ("Campaign launched with 12 large employers in August", "green")
    assert tasks[DASH][6:] == (None, None, None, None, "yes")
    signed = {r[0]: r[2:] for r in book["Sign-off"].iter_rows(min_row=2, values_only=True)}
    assert signed["da-referrals"] == ("Sam Taylor", SIGNED)
    before = _files(data)
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0, "a fresh workbook reads back as no change"
    assert _files(data) == before
    capsys.readouterr()
    assert _run("returns", "--quarter", Q2, "--data", data, "--out", out) == 0, "unfilled workbooks are replaced"


def test_a_workbook_returns_did_not_write_is_not_written_over(started, tmp_path, capsys):
    data, folder = started
    (folder / ".csp-report-returns.json").unlink()
    assert _run("returns", "--quarter", Q2, "--data", data, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("6 problems in the input files:\n")
    assert f"  - returns/{Q2}/{ASB}: this workbook was not written by csp-report returns (a lead may" in err


def test_the_workbook_carries_the_leads_tasks_beside_last_quarters_position(started):
    _, folder = started
    book = openpyxl.load_workbook(folder / DA)
    assert book.sheetnames == ["Returns", "Actions", "Recommendations", "Sign-off", "Instructions", "About"]
    sheet = book["Actions"]
    assert [c.value for c in sheet[1]] == [
        "ref", "action", "task", "target", "last_position", "last_status",
        "position", "status", "improvement", "deadline", "reviewed_no_change",
    ]  # fmt: skip
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[4], r[5]) for r in rows] == [
        ("DA1", CAMPAIGN, "Campaign materials agreed; launch delayed to August", "amber"),
        ("DA1", REFERRALS, "525 referrals in quarter one against 629 last year", "red"),
        ("DA2", DASH, "58 professionals trained in quarter one", "green"),
    ]
    assert all(r[6:] == (None,) * 5 for r in rows), "this quarter's cells start empty"
    unlocked = {c.coordinate for row in sheet.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == {f"{col}{r}" for col in "GHIJK" for r in (2, 3, 4)}
    assert sheet.protection.sheet
    validations = {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}
    assert validations == {"H2:H4": ("list", '"' + ",".join(ACTION_STATUSES) + '"'), "K2:K4": ("list", '"yes,no"')}
    flagged = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in sheet.conditional_formatting}
    assert flagged == {
        "I2:I4": ['AND(OR(LOWER($H2)="amber",LOWER($H2)="red"),LEN(TRIM(I2))=0)'],
        "J2:J4": ['AND(OR(LOWER($H2)="amber",LOWER($H2)="red"),LEN(TRIM(J2))=0)'],
    }
    signoff = book["Sign-off"]
    assert [c.value for c in signoff[1]] == ["measure_id", "title", "signed_by", "signed_on"]
    assert [r[0] for r in signoff.iter_rows(min_row=2, values_only=True)] == [
        "da-reporting",
        "da-referrals",
        "dash-training",
    ]
    (date,) = [v for v in signoff.data_validations.dataValidation if v.type == "date"]
    assert str(date.sqref) == "D2:D4"
    recs = [r[0] for r in book["Recommendations"].iter_rows(min_row=2, values_only=True)]
    assert recs == [6, 7], "the recommendations naming domestic abuse"
    analyst = openpyxl.load_workbook(folder / ANALYST)
    family = list(analyst["Family group"].iter_rows(values_only=True))
    assert family[:2] == [
        ("partnership", "population", "last_crimes", "crimes"),
        ("Safer Plymouth", 261500, 4799, None),
    ]
    assert [r[0] for r in analyst["Recommendations"].iter_rows(min_row=2, values_only=True)] == [
        1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 14, 15, 16,
    ]  # fmt: skip


def test_text_that_looks_like_a_formula_is_written_and_read_as_text(demo_copy, tmp_path, capsys):
    plan = demo_copy / "action_plan.csv"
    plan.write_text(plan.read_text().replace(DASH, "=SUM(A1:A9)"))
    assert _run("returns", "--quarter", "2015-16-Q1", "--data", demo_copy, "--out", tmp_path) == 0
    path = tmp_path / "returns" / "2015-16-Q1" / DA
    cell = openpyxl.load_workbook(path)["Actions"]["C4"]
    assert (cell.value, cell.data_type) == ("=SUM(A1:A9)", "s")
    type_in(path, "Actions", {"=SUM(A1:A9)": {"position": "60 trained", "status": "green"}})
    assert _run("ingest", "returns", path, "--quarter", "2015-16-Q1", "--data", demo_copy) == 0
    assert "Tasks: 1 updated" in capsys.readouterr().out


def test_a_row_updated_again_is_replaced_and_listed(started, capsys):
    data, folder = started
    type_in(folder / DA, "Actions", TYPED[DA]["Actions"])
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    type_in(folder / DA, "Actions", {CAMPAIGN: {"position": "Campaign reached 15 employers"}})
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    said = capsys.readouterr().out
    assert f"  replaced task DA1 {CAMPAIGN!r}, already updated for {Q2}: position\n" in said
    (row,) = [r for r in _rows(data / "action_plan.csv") if r["quarter"] == Q2 and r["task"] == CAMPAIGN]
    assert row["position"] == "Campaign reached 15 employers"


def test_the_analysts_own_layout_of_the_action_plan_is_kept(started, capsys):
    data, folder = started
    plan = data / "action_plan.csv"
    lines = plan.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("position,status", "Position ,Status").replace("quarter", "Quarter")
    plan.write_text("".join([*lines, lines[10]]))  # row 11, DA2 in Q2, written twice
    type_in(folder / DA, "Actions", {DASH: {"position": "70 professionals trained", "status": "green"}})
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    after = plan.read_text().splitlines(keepends=True)
    assert after[0] == lines[0], "the header as the analyst wrote it"
    assert after[:10] == lines[:10] and after[11:-1] == lines[11:]
    assert "70 professionals trained" in after[10] and after[-1] == lines[10], "the second copy is kept"


def test_a_return_before_new_quarter_carries_the_row_forward(demo_copy, tmp_path, capsys):
    assert _run("returns", "--quarter", Q2, "--data", demo_copy, "--out", tmp_path) == 0
    path = tmp_path / "returns" / Q2 / DA
    type_in(path, "Actions", {DASH: {"position": "70 professionals trained", "status": "green"}})
    assert _run("ingest", "returns", path, "--quarter", Q2, "--data", demo_copy) == 0
    q2 = [r for r in _rows(demo_copy / "action_plan.csv") if r["quarter"] == Q2]
    assert [(r["ref"], r["task"], r["position"], r["lead"], r["term"]) for r in q2] == [
        ("DA2", DASH, "70 professionals trained", "Domestic Abuse Partnership", "L")
    ]


SHEET = f"{DA}, sheet 'Actions'"
REFUSALS = [
    pytest.param(
        DA,
        "Actions",
        {REFERRALS: {"position": "612 referrals", "status": "amber", "deadline": "31 December 2015"}},
        f"{SHEET}, row 3, column 'improvement': the status is amber, so the planned improvement (the action needed) "
        "is required",
        id="amber-without-improvement",
    ),
    pytest.param(
        DA,
        "Actions",
        {REFERRALS: {"position": "612 referrals", "status": "Red", "improvement": "Review"}},
        f"{SHEET}, row 3, column 'deadline': the status is red, so the deadline is required",
        id="red-without-deadline",
    ),
    pytest.param(
        DA,
        "Actions",
        {CAMPAIGN: {"position": "Launched", "status": "Done"}},
        f"{SHEET}, row 2, column 'status': 'Done' is not a status: choose achieved, green, amber or red from the list",
        id="not-a-status",
    ),
    pytest.param(
        DA,
        "Actions",
        {CAMPAIGN: {"status": "green"}},
        f"{SHEET}, row 2, column 'position': the position is empty: describe the progress this quarter "
        "(or choose yes under reviewed_no_change)",
        id="status-without-position",
    ),
    pytest.param(
        DA,
        "Actions",
        {CAMPAIGN: {"position": "Launched in August"}},
        f"{SHEET}, row 2, column 'status': the status is empty: choose achieved, green, amber or red from the list",
        id="position-without-status",
    ),
    pytest.param(
        DA,
        "Actions",
        {DASH: {"reviewed_no_change": "yes", "position": "70 trained", "status": "green"}},
        f"{SHEET}, row 4, column 'reviewed_no_change': 'yes' keeps 2015-16-Q1's position and status, but this row "
        "also gives different ones: clear them to keep the last quarter's, or choose no",
        id="no-change-but-changed",
    ),
    pytest.param(
        DA,
        "Actions",
        {DASH: {"reviewed_no_change": "maybe"}},
        f"{SHEET}, row 4, column 'reviewed_no_change': 'maybe' is not yes or no: choose yes when nothing has "
        "changed since last quarter",
        id="no-change-not-yes-or-no",
    ),
    pytest.param(
        DA,
        "Actions",
        {DASH: {"task": "Deliver DASH training", "position": "70 trained", "status": "green"}},
        f"{SHEET}, row 4, column 'task': task DA2 'Deliver DASH training' is not in action_plan.csv for {Q2}: "
        "leave the task cells as they were written",
        id="task-typed-over",
    ),
    pytest.param(
        DA,
        "Recommendations",
        {6: {"status": "green"}},
        f"{DA}, sheet 'Recommendations', row 2, column 'progress': the progress is empty: describe the progress "
        "this quarter (or choose yes under reviewed_no_change)",
        id="recommendation-without-progress",
    ),
    pytest.param(
        DA,
        "Sign-off",
        {"da-referrals": {"signed_by": "Sam Taylor"}},
        f"{DA}, sheet 'Sign-off', row 3, column 'signed_on': the date is empty: give the day you signed off",
        id="signed-without-a-date",
    ),
    pytest.param(
        DA,
        "Sign-off",
        {"da-referrals": {"signed_on": SIGNED}},
        f"{DA}, sheet 'Sign-off', row 3, column 'signed_by': the name is empty: give who signed the measure off",
        id="dated-without-a-name",
    ),
    pytest.param(
        DA,
        "Sign-off",
        {"da-referrals": {"signed_by": "Sam Taylor", "signed_on": "6th October"}},
        f"{DA}, sheet 'Sign-off', row 3, column 'signed_on': '6th October' is not a date: type the day you signed "
        "off, like 05/10/2015",
        id="not-a-date",
    ),
    pytest.param(
        DA,
        "Sign-off",
        {"da-referrals": {"signed_by": "Sam Taylor", "signed_on": dt.datetime(2999, 1, 1)}},
        f"{DA}, sheet 'Sign-off', row 3, column 'signed_on': 2999-01-01 is after today: give the day you signed off",
        id="signed-in-the-future",
    ),
    pytest.param(
        ANALYST,
        "Family group",
        {"Derby": {"crimes": "about 4,400"}},
        f"{ANALYST}, sheet 'Family group', row 6, column 'crimes': 'about 4,400' is not a count of crimes: give a "
        "whole number, 0 or more",
        id="crimes-in-words",
    ),
    pytest.param(
        ANALYST,
        "Family group",
        {"Derby": {"crimes": 4420.5}},
        f"{ANALYST}, sheet 'Family group', row 6, column 'crimes': '4420.5' is not a count of crimes: give a whole "
        "number, 0 or more",
        id="crimes-not-whole",
    ),
    pytest.param(
        ANALYST,
        "Family group",
        {"Derby": {"crimes": 4420, "population": 0}},
        f"{ANALYST}, sheet 'Family group', row 6, column 'population': '0' is not a population: give a number above 0",
        id="population-zero",
    ),
    pytest.param(
        ANALYST,
        "Family group",
        {"Derby": {"partnership": "Derby City", "crimes": 4420}},
        f"{ANALYST}, sheet 'Family group', row 6, column 'partnership': 'Derby City' is not in the family group "
        f"for {Q2}: leave the partnership cells as they were written",
        id="unknown-partner",
    ),
]


@pytest.mark.parametrize(("workbook", "sheet", "cells", "message"), REFUSALS)
def test_a_bad_row_is_refused_and_nothing_is_written(started, capsys, workbook, sheet, cells, message):
    data, folder = started
    fill_everything(folder)  # the rest of the quarter is fine
    type_in(folder / workbook, sheet, cells, afresh=True)
    before = _files(data)
    assert _run("ingest", "returns", *sorted(folder.glob("*.xlsx")), "--data", data) == 2
    assert capsys.readouterr().err == f"1 problem in the input files:\n  - {message}\n"
    assert _files(data) == before


def test_a_sheet_that_lost_a_column_is_refused(started, capsys):
    data, folder = started
    book = openpyxl.load_workbook(folder / DA)
    book["Actions"]["H1"] = "rag"
    book.save(folder / DA)
    assert _run("ingest", "returns", folder / DA, "--data", data) == 2
    assert (
        f"  - {DA}, sheet 'Actions', row 1: the header row has lost its column(s) status\n" in capsys.readouterr().err
    )


def test_two_workbooks_that_disagree_are_refused(started, tmp_path, capsys):
    data, folder = started
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes((folder / DA).read_bytes())
    type_in(folder / DA, "Sign-off", {"da-reporting": {"signed_by": "Sam Taylor", "signed_on": SIGNED}})
    type_in(copy, "Sign-off", {"da-reporting": {"signed_by": "Jo Jones", "signed_on": SIGNED}})
    assert _run("ingest", "returns", folder / DA, copy, "--data", data) == 2
    err = capsys.readouterr().err
    assert "copy.xlsx, sheet 'Sign-off', row 2, column 'signed_by': da-reporting is signed off differently in " in err


@pytest.mark.slow
def test_the_whole_quarter_from_the_workbooks_reaches_the_pages_and_the_paper(returned, tmp_path):
    """new-quarter -> returns -> leads fill them in -> ingest returns -> readiness -> build, as the README says."""
    from pypdf import PdfReader

    data = returned[0]
    out = tmp_path / "built"
    assert _run("build", "--quarter", Q2, "--data", data, "--out", out, "--renderer", "builtin", "--jobs", "2") == 0
    processed = out / "data" / "processed" / Q2
    plan = {r["task"]: r for r in _rows(processed / "action_plan.csv")}
    assert plan[REFERRALS]["improvement"] == "Referral pathway review with health; weekly monitoring of referrals"
    assert plan[DASH]["position"] == "58 professionals trained in quarter one"
    recs = {r["number"]: r for r in _rows(processed / "recommendations.csv")}
    assert recs["17"]["progress"] == "The Reducing Reoffending Group met again in September"
    family = {r["partnership"]: r for r in _rows(processed / "family_group.csv")}
    assert family["Safer Plymouth"]["crimes"] == "4702"
    assert _rows(processed / "partner_notes.csv")[0]["note"] == NOTE
    manifest = (out / "_site" / Q2 / "manifest.json").read_text(encoding="utf-8")
    assert '"signoff.csv"' in manifest and '"reviews.csv"' in manifest, "the sign-offs are among the build's inputs"

    site = out / "_site" / Q2
    assessment = (site / "strategic-assessment.html").read_text(encoding="utf-8")
    for words in (
        "Campaign launched with 12 large employers in August",
        "Joint patrols extended to a fourth neighbourhood",
        "One partner contribution still to be confirmed",
        "Plan reviewed at the September board",
    ):
        assert words in assessment, words
    page = (site / "measures" / "da-referrals.html").read_text(encoding="utf-8")
    assert NOTE in page and "612 referrals in quarter two against 727 last year" in page
    paper = " ".join((p.extract_text() or "") for p in PdfReader(site / "committee-paper.pdf").pages)
    paper = " ".join(paper.split())
    for words in (  # the exception items' actions, as their leads wrote them
        "612 referrals in quarter two against 727 last year",
        "Campaign launched with 12 large employers in August",
        "Joint patrols extended to a fourth neighbourhood 30 November 2015",
    ):
        assert words in paper, words
    # the rest of the quarter as the leads returned it, in the paper too: the sign-offs, the whole action plan (the
    # task reviewed with no change among it), the recommendations' progress and each priority's summary box
    document = paper_text(out / "reports" / Q2, processed)
    assert "Sign-off by the leads Eight of eight measures signed off by their leads." in document
    assert "Signed off for quarter two 2015/16 by Chris Morgan (ASB Delivery Group) on 7 October 2015." in document
    for words in (
        "Ref ASB2: Support vulnerable victims of ASB",
        "Hotspot patrols extended to the city centre",
        "Two new third-party reporting centres opened",
        "The Reducing Reoffending Group met again in September",
        "Plan reviewed at the September board",
        "Lead ASB Delivery Group Achieved 0 Green 2 Amber 0 Red 0 Total 2",
    ):
        assert words in document, words
    assert "Safer Plymouth's rate of" in document.split("Family group position: this quarter and last")[1], "Q2's"


def paper_text(reports: Path, processed: Path) -> str:
    """The quarter's paper as plain text, one space between words (what the PDF lays out, its cells read whole)."""
    import html
    import re

    from analysis.site.paper import paper_html

    document = paper_html(Q2, reports, processed)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", document)))
