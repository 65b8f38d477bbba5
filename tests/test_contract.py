"""The processed tables as declared once (processed/contract.py): what the writer writes and every reader accepts."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest
from pandas.api.types import is_string_dtype

from analysis.core.paths import OutputPaths
from analysis.core.periods import parse_quarter
from analysis.errors import ProcessedTableError
from analysis.processed import contract
from analysis.processed.contract import (
    BOUNDARIES,
    MEASURE_SERIES,
    MEASURE_STATUS,
    NEIGHBOURHOODS,
    PARTNER_NOTES,
    SPC,
    STATUS_HISTORY,
    TABLES,
    measure_slice,
)
from analysis.processed.quarter import QuarterData, read_table
from analysis.processed.tables import write_tables

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2015-16-Q1"


@cache
def fixture_files() -> dict[str, str]:
    """The small fixture partnership's quarter, computed in memory."""
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    inputs = load_inputs(ROOT / "tests" / "data" / "inputs" / "valid")
    return compute_tables(inputs, parse_quarter(QUARTER), OutputPaths(ROOT / "tests" / "data" / "no-builds"))


@cache
def year_end_files() -> dict[str, str]:
    """The same partnership's quarter four, whose tables include the year-end report's."""
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    inputs = load_inputs(ROOT / "tests" / "data" / "inputs" / "valid")
    return compute_tables(inputs, parse_quarter("2015-16-Q4"), OutputPaths(ROOT / "tests" / "data" / "no-builds"))


def _columns(spec: str) -> tuple[str, ...]:
    return tuple(spec.split(","))


def test_the_declarations_hold_the_columns_the_contract_names():
    """CONTRACT.md section 4, in its order (spc.csv: each declared column is the contract's, in order)."""
    leading = _columns(
        "measure_id,title,priority,lead,polarity,frequency,period_end,ytd_actual,ytd_target,annual_target,"
        "last_year_ytd,last_year_total,change_vs_last_year,forecast,status"
    )
    assert MEASURE_STATUS.names[: len(leading)] == leading
    assert {"quarter_actual", "last_year_quarter_actual", "lag", "periods_missing", "spc_variation"} <= set(
        MEASURE_STATUS.names
    )
    assert STATUS_HISTORY.names == _columns("measure_id,quarter,status,ytd_actual,forecast,spc_variation")
    assert MEASURE_SERIES.names == _columns("measure_id,financial_year,period,value,cumulative_value,cumulative_target")
    spc = _columns("measure_id,period,value,mean,lower_limit,upper_limit,point_type,rules")
    assert [c for c in spc if c in SPC.names] == list(SPC.names)


def small_area_files() -> dict[str, str]:
    """A quarter with small areas (the fixture partnership has none): the neighbourhoods pages' test quarter."""
    from test_neighbourhood_pages import quarter_files

    return quarter_files()


@pytest.mark.parametrize("table", TABLES, ids=[t.name for t in TABLES])
def test_each_table_is_written_with_its_declared_columns_and_read_back_whole(table):
    files, quarter = fixture_files(), QUARTER
    if table.name not in files:  # an optional table: the small areas' quarter or quarter four's year report
        assert table.optional, f"{table.name} is not written, though a quarter cannot lack it"
        files, quarter = small_area_files(), "2024-25-Q2"
        if table.name not in files:
            files, quarter = year_end_files(), "2015-16-Q4"
    header = files[table.name].splitlines()[0].split(",")
    assert tuple(header) == table.names
    frame = QuarterData.from_files(parse_quarter(quarter), files).table(table)
    assert tuple(frame.columns) == table.names
    for column in table.columns:
        number = column.kind == contract.NUMBER
        assert str(frame[column.name].dtype) == "float64" if number else is_string_dtype(frame[column.name]), (
            column.name
        )


@pytest.mark.parametrize(
    ("table", "change", "says"),
    [
        (MEASURE_STATUS, ("status", "green", "purple"), "column status: one of: 'achieved'"),
        (SPC, ("point_type", "common_cause", "odd"), "column point_type: one of: 'common_cause'"),
        (MEASURE_SERIES, ("value", None, "many"), "cannot be read"),
    ],
    ids=["status-code", "spc-code", "text-in-a-number"],
)
def test_a_table_that_breaks_its_declaration_is_refused_before_anything_is_written(tmp_path, table, change, says):
    files = dict(fixture_files())
    column, old, new = change
    lines = files[table.name].splitlines(keepends=True)
    i = lines[0].rstrip("\n").split(",").index(column)
    cells = lines[1].rstrip("\n").split(",")
    assert old is None or cells[i] == old, cells
    cells[i] = new
    lines[1] = ",".join(cells) + "\n"
    files[table.name] = "".join(lines)
    with pytest.raises(ProcessedTableError, match=says) as err:
        write_tables(files, tmp_path / QUARTER)
    assert table.name in str(err.value)
    assert not (tmp_path / QUARTER).exists(), "nothing written"


def test_two_rows_with_the_same_key_are_refused(tmp_path):
    files = dict(fixture_files())
    lines = files[MEASURE_STATUS.name].splitlines(keepends=True)
    files[MEASURE_STATUS.name] = "".join([*lines, lines[1]])
    with pytest.raises(ProcessedTableError, match=r"measure_status\.csv does not match its schema"):
        write_tables(files, tmp_path / QUARTER)


def test_the_one_reader_names_a_missing_table(tmp_path):
    with pytest.raises(ProcessedTableError, match=r"spc\.csv is missing\. Run `csp-report build`"):
        read_table(tmp_path, SPC)
    with pytest.raises(KeyError, match="not a processed table"):
        read_table(tmp_path, "nonsense.csv")


def test_an_optional_table_absent_from_a_quarter_reads_as_empty(tmp_path, monkeypatch):
    optional = dataclasses.replace(PARTNER_NOTES, optional=True)
    monkeypatch.setattr(contract, "_BY_NAME", {**contract._BY_NAME, optional.name: optional})
    frame = read_table(tmp_path, PARTNER_NOTES.name)
    assert frame.empty and tuple(frame.columns) == PARTNER_NOTES.names
    with pytest.raises(ProcessedTableError, match="is missing"):
        read_table(tmp_path, SPC)


def test_a_measure_notebook_reads_its_own_rows_of_each_table():
    files = fixture_files()
    ids = [m.id for m in QuarterData.from_files(parse_quarter(QUARTER), files).register.measures]
    mine, other = ids[0], ids[1]
    before = measure_slice(files, mine)
    status = files[MEASURE_STATUS.name].replace(f"\n{other},", f"\n{other},changed ", 1)
    assert status != files[MEASURE_STATUS.name]
    assert measure_slice({**files, MEASURE_STATUS.name: status}, mine) == before, "another measure's row"
    fg = files["family_group.csv"] + "2015-16-Q1,Somewhere,1,2\n"
    assert measure_slice({**files, "family_group.csv": fg}, mine) != before, "a table every page reads"


def test_a_measure_notebook_also_reads_the_gap_areas_its_map_outlines():
    files = small_area_files()
    before = measure_slice(files, "burglary")
    lines = files[NEIGHBOURHOODS.name].splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    gap_row = next(i for i, line in enumerate(lines) if line.split(",")[header.index("gap_area")] == "true")
    other_row = next(i for i, line in enumerate(lines) if line.startswith("all-crime,"))
    for i, says in ((gap_row, "a gap area of the gap measure"), (other_row, "another measure's row")):
        changed = [*lines]
        changed[i] = changed[i].replace(",", ",changed ", 1)
        same = measure_slice({**files, NEIGHBOURHOODS.name: "".join(changed)}, "burglary") == before
        assert same == (i == other_row), says
    assert measure_slice({**files, BOUNDARIES: files[BOUNDARIES] + " "}, "burglary") != before, "the boundaries"
