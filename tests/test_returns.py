"""The quarterly cycle on a copy of the demo: new-quarter, returns workbooks, partners' figures in, status."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from analysis.cli import main
from analysis.inputs.quarter_start import unupdated_rows
from analysis.inputs.tables import load_inputs

Q2 = "2015-16-Q2"
DA = "domestic-abuse-partnership.xlsx"
DA_LEAD = "Domestic Abuse Partnership"
WORKBOOKS = {
    "safer-plymouth-partnership-board.xlsx",
    DA,
    "asb-delivery-group.xlsx",
    "hate-crime-delivery-group.xlsx",
    "reducing-reoffending-group.xlsx",  # a recommendation of theirs (17), no figures
    "analyst.xlsx",  # the family group, and the recommendations no one lead is named for
}
# Invented, plausible figures for July to September 2015 (quarter two 2015/16).
FIGURES = {
    ("closing-the-gap", "2015-07"): 24.3,
    ("closing-the-gap", "2015-08"): 30.9,
    ("closing-the-gap", "2015-09"): 36.8,
    ("all-crime", "2015-07"): 1694,
    ("all-crime", "2015-08"): 1652,
    ("all-crime", "2015-09"): 1580,
    ("da-reporting", "2015-07"): 601,
    ("da-reporting", "2015-08"): 587,
    ("da-reporting", "2015-09"): 549,
    ("da-referrals", Q2): 612,
    ("dash-training", Q2): 47,
    ("asb-incidents", "2015-07"): 941,
    ("asb-incidents", "2015-08"): 902,
    ("asb-incidents", "2015-09"): 798,
    ("hate-incidents", "2015-07"): 229,
    ("hate-incidents", "2015-08"): 281,
    ("hate-incidents", "2015-09"): 330,
    ("serious-acquisitive-crime", "2015-06"): 183,
    ("serious-acquisitive-crime", "2015-07"): 201,
    ("serious-acquisitive-crime", "2015-08"): 188,
    ("serious-acquisitive-crime", "2015-09"): 179,
}
NOTE = "Referral pathway review with health went live in August."


def _run(*argv: str) -> int:
    return main([str(a) for a in argv])


def fill(path: Path, figures: dict, notes: dict | None = None) -> None:
    """Type figures (and notes) into a returns workbook as a partner would."""
    book = openpyxl.load_workbook(path)
    sheet = book["Returns"]
    header = [c.value for c in sheet[1]]
    mid, period = header.index("measure_id"), header.index("period")
    value, note = header.index("value") + 1, header.index("note") + 1
    for r, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        key = (cells[mid], cells[period])
        if key in figures:
            sheet.cell(r, value, figures[key])
        if notes and key in notes:
            sheet.cell(r, note, notes[key])
    book.save(path)


def set_cells(path: Path, cells: dict[tuple[str, str], object]) -> None:
    book = openpyxl.load_workbook(path)
    for (sheet, ref), value in cells.items():
        book[sheet][ref] = value
    book.save(path)


@pytest.fixture
def started(demo_copy: Path, tmp_path: Path, capsys) -> tuple[Path, Path]:
    """The demo copy with 2015-16 Q2 started and its returns workbooks written: (data, workbook folder)."""
    assert _run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    assert _run("returns", "--quarter", Q2, "--data", demo_copy, "--out", tmp_path / "out") == 0
    capsys.readouterr()
    return demo_copy, tmp_path / "out" / "returns" / Q2


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def test_the_quarterly_cycle_gets_partners_figures_into_the_quarter(started, tmp_path, capsys):
    data, folder = started
    assert {p.name for p in folder.glob("*.xlsx")} == WORKBOOKS
    for path in folder.glob("*.xlsx"):
        fill(path, FIGURES, {("da-referrals", Q2): NOTE})

    assert _run("ingest", "returns", *sorted(folder.glob("*.xlsx")), "--data", data) == 0
    said = capsys.readouterr().out
    assert f"Read 6 returns workbooks for {Q2}: 21 new values, 0 already in, 0 revised" in said

    inputs = load_inputs(data)
    for (mid, period), value in FIGURES.items():
        assert inputs.series(mid)[period] == pytest.approx(value), (mid, period)
    notes = inputs.partner_notes
    assert notes.to_dict("records") == [
        {"quarter": Q2, "measure_id": "da-referrals", "period": Q2, "lead": "Domestic Abuse Partnership", "note": NOTE}
    ]

    out = tmp_path / "built"
    assert _run("status", "--quarter", Q2, "--data", data, "--out", out) == 0
    status = {r["measure_id"]: r for r in _rows(out / "data" / "processed" / Q2 / "measure_status.csv")}
    assert status["da-referrals"]["period_end"] == Q2
    assert float(status["da-referrals"]["ytd_actual"]) == 525 + 612
    assert float(status["asb-incidents"]["ytd_actual"]) == 864 + 894 + 769 + 941 + 902 + 798
    assert status["hate-incidents"]["period_end"] == "2015-09"
    assert _rows(out / "data" / "processed" / Q2 / "partner_notes.csv")[0]["note"] == NOTE


def test_reading_the_same_workbooks_twice_changes_nothing(started, capsys):
    data, folder = started
    fill(folder / DA, FIGURES, {("da-referrals", Q2): NOTE})
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before
    assert "0 new values, 5 already in, 0 revised, 0 left blank; 0 notes written" in capsys.readouterr().out


def test_blank_cells_are_skipped(started, capsys):
    data, folder = started
    fill(folder / DA, {("da-referrals", Q2): 612})
    before = load_inputs(data).actuals
    assert _run("ingest", "returns", folder / DA, "--data", data) == 0
    assert "1 new values, 0 already in, 0 revised, 4 left blank" in capsys.readouterr().out
    assert len(load_inputs(data).actuals) == len(before) + 1


WHERE = f"{DA}, sheet 'Returns'"
REFUSALS = [
    pytest.param(
        {("Returns", "A5"): "da-referals"},
        f"{WHERE}, row 5, column 'measure_id': 'da-referals' is not a measure in measures.yml "
        "(did you mean 'da-referrals'?)",
        id="unknown-measure",
    ),
    pytest.param(
        {("Returns", "D5"): "2015-16-Q3"},
        f"{WHERE}, row 5, column 'period': '2015-16-Q3' is not a period due from da-referrals for {Q2}: "
        "give one of 2015-16-Q1 to 2015-16-Q2",
        id="period-not-due",
    ),
    pytest.param(
        {("Returns", "G5"): "about 600"},
        f"{WHERE}, row 5, column 'value': 'about 600' is not a number: type the figure alone "
        "(no words or units), or leave it empty",
        id="text-in-a-number-cell",
    ),
    pytest.param(
        {("Returns", "G5"): -5},
        f"{WHERE}, row 5, column 'value': -5 is below 0, but da-referrals is a count: give a number of 0 or more",
        id="negative-count",
    ),
    pytest.param(
        {("About", "B4"): "2015-16-Q1"},
        f"{DA}, sheet 'About', row 4, column 'value': this workbook is the return for 2015-16-Q1, but the "
        f"quarter being collected is {Q2} (give --quarter 2015-16-Q1 to read a late return)",
        id="another-quarter",
    ),
    pytest.param(
        {("About", "B3"): "Safer Southampton"},
        f"{DA}, sheet 'About', row 3, column 'value': this workbook is a return for 'Safer Southampton', "
        "not for 'Safer Plymouth', whose data folder this is",
        id="another-partnership",
    ),
    pytest.param(
        {("Returns", "D5"): "2015-16-Q1", ("Returns", "G5"): 530},
        f"{WHERE}, row 5, column 'value': actuals.csv has 525 for da-referrals 2015-16-Q1, the workbook "
        "gives 530: use --revise to replace it",
        id="conflicting-value",
    ),
]


@pytest.mark.parametrize(("cells", "message"), REFUSALS)
def test_a_bad_return_is_refused_and_nothing_is_written(started, capsys, cells, message):
    data, folder = started
    fill(folder / DA, FIGURES, {("da-referrals", Q2): NOTE})
    set_cells(folder / DA, cells)
    before = {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()}
    assert _run("ingest", "returns", folder / DA, "--data", data) == 2
    assert f"  - {message}\n" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in data.iterdir() if p.is_file()} == before


def test_every_problem_in_every_workbook_is_listed(started, capsys):
    data, folder = started
    asb = folder / "asb-delivery-group.xlsx"
    fill(folder / DA, {("da-referrals", Q2): "lots"})
    fill(asb, {("asb-incidents", "2015-07"): -1})
    assert _run("ingest", "returns", folder / DA, asb, "--data", data) == 2
    err = capsys.readouterr().err
    assert err.startswith("2 problems in the input files:")
    assert "asb-delivery-group.xlsx, sheet 'Returns', row 2, column 'value': -1 is below 0" in err
    assert f"{WHERE}, row 5, column 'value': 'lots' is not a number" in err


def test_revise_replaces_lists_and_logs_the_revision(started, capsys):
    from analysis.processed.manifest import manifest

    data, folder = started
    set_cells(folder / DA, {("Returns", "D5"): "2015-16-Q1", ("Returns", "G5"): 530})
    assert _run("ingest", "returns", folder / DA, "--data", data, "--revise") == 0
    said = capsys.readouterr().out
    assert f"revised da-referrals 2015-16-Q1: 525 -> 530 ({DA})" in said
    assert load_inputs(data).series("da-referrals")["2015-16-Q1"] == 530
    (logged,) = _rows(data / "revisions.csv")
    assert {k: logged[k] for k in ("measure_id", "period", "old", "new", "workbook")} == {
        "measure_id": "da-referrals",
        "period": "2015-16-Q1",
        "old": "525",
        "new": "530",
        "workbook": DA,
    }
    assert manifest(Q2, data, [], {})["revisions"] == [logged]
    assert "revisions" not in manifest(Q2, data.parent / "elsewhere", [], {})


def test_workbook_from_another_folder_is_not_a_return(started, tmp_path, capsys):
    data, _ = started
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    assert _run("ingest", "returns", other, "--data", data) == 2
    assert "other.xlsx: this is not a returns workbook from csp-report returns" in capsys.readouterr().err


def test_workbook_is_protected_typed_and_valid_ooxml(started):
    _, folder = started
    path = folder / DA
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # every part is well-formed XML
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Returns", "Actions", "Recommendations", "Sign-off", "Instructions", "About"]
    assert book["About"].sheet_state == "hidden"
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about.items() >= {"partnership": "Safer Plymouth", "quarter": Q2, "lead": DA_LEAD}.items()
    custom = {p.name: p.value for p in book.custom_doc_props.props}
    assert custom == {"csp-report partnership": "Safer Plymouth", "csp-report quarter": Q2, "csp-report lead": DA_LEAD}
    sheet = book["Returns"]
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["measure_id", "title", "unit", "period", "period_in_words", "last_year", "value", "note"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        ("da-reporting", "2015-07", "July 2015", 662),
        ("da-reporting", "2015-08", "August 2015", 564),
        ("da-reporting", "2015-09", "September 2015", 528),
        ("da-referrals", Q2, "quarter two 2015/16", 727),
        ("dash-training", Q2, "quarter two 2015/16", 15),
    ]
    assert sheet.protection.sheet and not sheet.protection.password
    unlocked = {c.coordinate for row in sheet.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == {f"{col}{r}" for col in "GH" for r in range(2, 7)}
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.operator, validation.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert str(validation.sqref) == "G2 G3 G4 G5 G6"


def test_values_already_in_are_filled_in(demo_copy, tmp_path):
    assert _run("returns", "--quarter", "2015-16-Q1", "--data", demo_copy, "--out", tmp_path) == 0
    sheet = openpyxl.load_workbook(tmp_path / "returns" / "2015-16-Q1" / DA)["Returns"]
    values = {(r[0], r[3]): r[6] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert values[("da-referrals", "2015-16-Q1")] == 525
    assert values[("da-reporting", "2015-04")] == 556


def test_new_quarter_carries_forward_and_says_what_is_left(demo_copy, capsys):
    assert _run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    said = capsys.readouterr().out
    assert "action_plan.csv: 7 tasks carried forward from 2015-16-Q1" in said
    assert "family_group.csv: 8 partnerships carried forward from 2015-16-Q1; the crime counts are left empty" in said
    assert "  signoff.csv: started, for the leads' sign-off of each measure (in their returns workbooks)\n" in said
    assert (demo_copy / "signoff.csv").read_text() == "quarter,measure_id,signed_by,signed_on\n"
    assert "Figures due (21):" in said
    assert "    da-referrals (Domestic Abuse Partnership): 2015-16-Q2" in said
    assert "Positions to update (24):" in said
    assert "Family group counts (8):" in said
    family = [r for r in _rows(demo_copy / "family_group.csv") if r["quarter"] == Q2]
    assert len(family) == 8 and all(r["crimes"] == "" for r in family)
    assert (family[0]["partnership"], family[0]["population"]) == ("Safer Plymouth", "261500")
    assert _run("validate", "--data", demo_copy) == 0  # carried-forward rows nobody has updated are valid


def test_new_quarter_keeps_rows_the_quarter_has_and_is_idempotent(demo_copy, capsys):
    path = demo_copy / "recommendations.csv"
    path.write_bytes(path.read_bytes() + f"{Q2},1,Agree the priorities,Done in July,achieved\n".encode())
    assert _run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    assert "16 recommendations carried forward from 2015-16-Q1 (1 already there)" in capsys.readouterr().out
    q2 = [r for r in _rows(path) if r["quarter"] == Q2]
    assert [r["progress"] for r in q2 if r["number"] == "1"] == ["Done in July"]
    once = {p.name: p.read_bytes() for p in demo_copy.iterdir() if p.is_file()}
    assert _run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    assert {p.name: p.read_bytes() for p in demo_copy.iterdir() if p.is_file()} == once


def test_unupdated_rows_drop_out_once_updated(demo_copy):
    assert _run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    pending = unupdated_rows(demo_copy, Q2)
    assert len(pending) == 7 + 17 + 8
    assert str(pending[0]) == (
        "action_plan.csv, row 9: task DA1 'Run a reporting campaign with large employers': "
        "position and status as carried forward from 2015-16-Q1"
    )
    path = demo_copy / "family_group.csv"
    path.write_text(path.read_text().replace(f"{Q2},Safer Plymouth,,", f"{Q2},Safer Plymouth,4702,"))
    plan = demo_copy / "action_plan.csv"
    lines = plan.read_text().splitlines(keepends=True)
    lines[8] = lines[8].replace("launch delayed to August,amber", "launched in August,green")  # row 9
    plan.write_text("".join(lines))
    left = {(p.file, p.row) for p in unupdated_rows(demo_copy, Q2)}
    assert ("family_group.csv", 10) not in left and ("family_group.csv", 11) in left
    assert ("action_plan.csv", 9) not in left and ("action_plan.csv", 10) in left
    assert load_inputs(demo_copy).family_group["quarter"].eq(Q2).sum() == 0  # an incomplete group is not used


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param(
            f"{Q2},asb,2015-07,ASB group,Late figure\n", "'asb' is not a measure in measures.yml", id="unknown"
        ),
        pytest.param(f"{Q2},asb-incidents,2015-07,ASB group,\n", "the note is empty", id="empty-note"),
        pytest.param("Q5,asb-incidents,2015-07,ASB group,Late\n", "'Q5' is not a quarter", id="bad-quarter"),
    ],
)
def test_partner_notes_are_validated(demo_copy, text, says):
    from analysis.core.problems import InputError

    (demo_copy / "partner_notes.csv").write_text("quarter,measure_id,period,lead,note\n" + text)
    with pytest.raises(InputError) as err:
        load_inputs(demo_copy)
    assert "partner_notes.csv, row 2, column " in str(err.value) and says in str(err.value)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("new-quarter", "--quarter", Q2), id="new-quarter"),
        pytest.param(("returns", "--quarter", Q2, "--out", "{out}"), id="returns"),
    ],
)
def test_invalid_inputs_exit_2_and_nothing_is_written(demo_copy, tmp_path, capsys, command):
    actuals = demo_copy / "actuals.csv"
    actuals.write_bytes(actuals.read_bytes() + b"asb-incidents,2015-07,lots\n")
    before = {p.name: p.read_bytes() for p in demo_copy.iterdir() if p.is_file()}
    argv = [a.format(out=tmp_path / "out") for a in command]
    assert _run(*argv, "--data", demo_copy) == 2
    assert "actuals.csv, row 149, column 'value': 'lots' is not a number" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in demo_copy.iterdir() if p.is_file()} == before
    assert not (tmp_path / "out").exists()


def test_readiness_lists_carried_forward_rows_nobody_has_updated(started, capsys):
    data, folder = started
    for path in folder.glob("*.xlsx"):
        fill(path, FIGURES)
    assert _run("ingest", "returns", *sorted(folder.glob("*.xlsx")), "--data", data) == 0
    capsys.readouterr()
    assert _run("readiness", "--quarter", Q2, "--data", data) == 0, "every return is in: carried rows are not returns"
    said = capsys.readouterr().out
    assert said.startswith(
        f"Safer Plymouth, {Q2}: every return is in; 8 sign-offs, 7 tasks, 17 recommendations and 8 family-group "
        "counts still to come:\nSafer Plymouth Partnership Board\n"
        "  - not yet signed off: closing-the-gap, all-crime, serious-acquisitive-crime\n"
        "  - action_plan.csv, row 15: task AC1 'Vehicle crime prevention in the worst-affected neighbourhoods': "
        "position and status as carried forward from 2015-16-Q1\n"
        "  - recommendations.csv, row 31: recommendation 13: progress and status as carried forward from 2015-16-Q1\n"
        "Domestic Abuse Partnership\n"
    )
    assert "\nAnalyst\n  - family_group.csv, row 10: Safer Plymouth: the number of crimes is not yet supplied\n" in said
