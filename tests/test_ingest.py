"""Public data in: police.uk street-level crime into actuals.csv, ONS CSP tables into family_group.csv."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from analysis.core.problems import InputError
from analysis.ingest import (
    count_by_month,
    find_area,
    ingest_ons_csp,
    ingest_police_uk,
    local_authority_of,
    read_csp_table,
    read_street_files,
)
from analysis.ingest.cli import add_parsers, run
from analysis.ingest.police_uk import split_by_area
from analysis.inputs.tables import load_inputs

ROOT = Path(__file__).resolve().parents[1]
SLICE = Path(__file__).resolve().parent / "data" / "police-uk"
REAL = ROOT.parent / "shared" / "data"
GWENT = REAL / "police-uk" / "gwent"
ONS_TABLES = REAL / "ons" / "policeforceareatablesyedecember2024.xlsx"
ONS_POPULATION = REAL / "ons" / "LAD23_Mid_Year_pop_2011_to_2023.xlsx"
GWENT_CSPS = ("Blaenau Gwent", "Caerphilly", "Monmouthshire", "Newport", "Torfaen")

needs_gwent = pytest.mark.skipif(not GWENT.is_dir(), reason=f"the real police.uk Gwent files are not at {GWENT}")
needs_ons = pytest.mark.skipif(not ONS_TABLES.exists(), reason=f"the ONS CSP workbook is not at {ONS_TABLES}")
needs_population = pytest.mark.skipif(
    not ONS_POPULATION.exists(), reason=f"the ONS mid-year estimates are not at {ONS_POPULATION}"
)

REGISTER = """\
partnership: Newport
measures:
  - {id: all-crime, title: All crime, priority: Crime, polarity: lower, frequency: monthly,
     source: {police_uk: [all-crime]}}
  - {id: asb, title: ASB, priority: ASB, polarity: lower, frequency: monthly,
     source: {police_uk: [Anti-social behaviour]}}
  - {id: acquisitive, title: Burglary and vehicle crime, priority: Crime, polarity: lower, frequency: monthly,
     source: {police_uk: [burglary, Vehicle crime]}}
  - {id: robbery, title: Robbery, priority: Crime, polarity: lower, frequency: monthly,
     source: {police_uk: [Robbery]}}
  - {id: da, title: Domestic abuse, priority: DA, polarity: monitor, frequency: monthly}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An input folder with a register whose measures take police.uk crime types."""
    (tmp_path / "measures.yml").write_text(REGISTER)
    return tmp_path


# The LSOA-to-area rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lsoa", "authorities", "expected"),
    [
        ("Newport 014B", ["Newport"], "Newport"),
        ("Blaenau Gwent 001A", ["Blaenau Gwent", "Caerphilly"], "Blaenau Gwent"),
        ("Rhondda Cynon Taf 010C", ["Merthyr Tydfil", "Rhondda Cynon Taf"], "Rhondda Cynon Taf"),
        ("Hartlepool 001A", ["Hart"], None),
        ("Hart 004B", ["Hartlepool", "Hart"], "Hart"),
        ("Wyre Forest 001A", ["Wyre"], None),
        ("Bristol 023D", ["Bristol, City of"], "Bristol, City of"),
        ("Cardiff 011A", ["Newport"], None),
        ("", ["Newport"], None),
        (None, ["Newport"], None),
    ],
    ids=[
        "simple",
        "two-words",
        "three-words",
        "prefix-of-longer",
        "shorter-of-two",
        "wyre-forest",
        "city-of",
        "other-area",
        "empty",
        "missing",
    ],
)
def test_lsoa_name_gives_its_local_authority(lsoa, authorities, expected):
    plain = pa.array([lsoa], pa.string())
    assert local_authority_of(plain, authorities).to_pylist() == [expected]
    assert local_authority_of(plain.dictionary_encode(), authorities).to_pylist() == [expected]


@pytest.mark.parametrize(
    ("partnership", "lsoa_authorities", "noted"),
    [
        ("Newport", ("Newport",), False),
        ("cwm taf", ("Rhondda Cynon Taf", "Merthyr Tydfil"), False),
        ("W14000019", ("Blaenau Gwent",), False),
        ("Carlisle", ("Carlisle",), False),
        ("Bournemouth", ("Bournemouth, Christchurch and Poole",), True),
    ],
    ids=["one-authority", "two-authorities", "by-code", "former-district", "shared-authority"],
)
def test_partnership_area_from_the_ons_lookup(partnership, lsoa_authorities, noted):
    area = find_area(partnership)
    assert area.lsoa_authorities == lsoa_authorities
    assert bool(area.notes) is noted


def test_an_authority_replaced_in_2023_keeps_its_former_districts():
    assert {"North Yorkshire", "Scarborough", "Selby"} <= set(find_area("North Yorkshire").lsoa_authorities)


@pytest.mark.parametrize(
    ("name", "says"),
    [("Newprot", "did you mean Newport"), ("Merthyr Tydfil", "in the Cwm Taf partnership")],
    ids=["misspelt", "an-authority-not-a-partnership"],
)
def test_unknown_partnership_lists_close_names(name, says):
    with pytest.raises(InputError) as err:
        find_area(name)
    assert says in str(err.value)


# Counting -------------------------------------------------------------------------------------------


def test_slice_splits_into_area_no_lsoa_and_outside():
    table = read_street_files([SLICE])
    split = split_by_area(table, find_area("Newport").lsoa_authorities)
    assert (table.num_rows, split.table.num_rows, split.no_lsoa, split.outside) == (42, 24, 4, 14)
    assert dict(split.outside_by_name)["Caerphilly"] == 8


@pytest.mark.parametrize(
    ("crime_types", "per_month"),
    [
        (["all-crime"], 9),
        (["Anti-social behaviour"], 3),
        (["Burglary"], 2),
        (["burglary", "Vehicle crime"], 4),
        (["Violence and sexual offences"], 3),
        (["Robbery"], 0),
    ],
    ids=["all-crime-is-all-but-asb", "asb", "burglary", "two-types-any-case", "violence", "none-is-zero"],
)
def test_crime_types_counted_by_month(crime_types, per_month):
    table = read_street_files([SLICE])
    newport = split_by_area(table, ["Newport"]).table
    months = ["2024-01", "2024-02"]
    assert count_by_month(newport, crime_types, months) == dict.fromkeys(months, per_month)


def test_unknown_crime_type_suggests_the_police_uk_name():
    with pytest.raises(InputError, match="did you mean Burglary"):
        count_by_month(read_street_files([SLICE]), ["Burglery"])


# Ingest into actuals.csv ----------------------------------------------------------------------------


def test_ingest_writes_every_police_uk_measure_and_reports_the_rest(folder):
    report = ingest_police_uk([SLICE], "Newport", folder)
    assert (report.records, report.in_area, report.no_lsoa, report.outside_area) == (42, 24, 4, 14)
    assert report.totals == {"all-crime": 18, "asb": 6, "acquisitive": 8, "robbery": 0}
    assert "no LSOA (no location): 4; outside the area: 14" in report.summary()
    inputs = load_inputs(folder)
    assert inputs.series("acquisitive") == {"2024-01": 4.0, "2024-02": 4.0}
    assert inputs.series("robbery") == {"2024-01": 0.0, "2024-02": 0.0}
    assert "da" not in set(inputs.actuals["measure_id"])


def test_reingest_gives_the_same_bytes(folder):
    ingest_police_uk([SLICE], "Newport", folder)
    first = (folder / "actuals.csv").read_bytes()
    report = ingest_police_uk([SLICE / "2024-01-gwent-street.csv", SLICE], "Newport", folder)
    assert (folder / "actuals.csv").read_bytes() == first
    assert report.replaced == report.written == 8


def test_ingest_keeps_other_rows_and_the_column_order(folder):
    (folder / "actuals.csv").write_bytes(
        b"\xef\xbb\xbfperiod,value,measure_id,note\r\n"
        b"2024-01,7,da,from the IDVA service\r\n"
        b"2024-01,99,asb,old figure\r\n"
        b"2023-12,5,asb,\r\n"
    )
    report = ingest_police_uk([SLICE], "Newport", folder)
    text = (folder / "actuals.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbfperiod,value,measure_id,note\r\n")
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[1:5] == ["2024-01,7,da,from the IDVA service", "2024-01,3,asb,", "2023-12,5,asb,", "2024-02,3,asb,"]
    assert report.replaced == 1
    assert len(lines) == 1 + 2 + 8


def test_quarterly_measure_gets_only_whole_quarters(folder):
    monthly = "frequency: monthly,\n     source: {police_uk: [Robbery]}"
    (folder / "measures.yml").write_text(REGISTER.replace(monthly, monthly.replace("monthly", "quarterly")))
    report = ingest_police_uk([SLICE], "Newport", folder)
    assert "robbery" not in (folder / "actuals.csv").read_text()
    assert any("quarterly" in note for note in report.notes)


# Bad input ------------------------------------------------------------------------------------------


def test_missing_column_names_the_file_and_column(folder, tmp_path):
    bad = tmp_path / "2024-03-gwent-street.csv"
    text = (SLICE / "2024-01-gwent-street.csv").read_text().replace("Crime type", "Offence")
    bad.write_text(text)
    with pytest.raises(InputError) as err:
        ingest_police_uk([bad], "Newport", folder)
    problem = err.value.problems[0]
    assert (problem.file, problem.column) == ("2024-03-gwent-street.csv", "Crime type")


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: d / "nowhere", "no such file or folder"),
        (lambda d: (d / "empty-folder").mkdir() or d / "empty-folder", "no police.uk street files"),
        (lambda d: (d / "x-street.csv").write_text("") or d / "x-street.csv", "the file is empty"),
    ],
    ids=["missing-path", "folder-without-street-files", "empty-file"],
)
def test_bad_paths_are_clear_problems(folder, make, says):
    with pytest.raises(InputError, match=says):
        ingest_police_uk([make(folder)], "Newport", folder)


def test_register_without_police_uk_source_is_a_problem(tmp_path):
    (tmp_path / "measures.yml").write_text(REGISTER.split("  - {id: all-crime")[0] + REGISTER.split("\n")[-2] + "\n")
    with pytest.raises(InputError, match="no measure has a police_uk source"):
        ingest_police_uk([SLICE], "Newport", tmp_path)


# The command line -----------------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(["ingest", *argv])


def test_cli_ingests_and_exits_0(folder, capsys):
    assert run(_args("police-uk", str(SLICE), "--partnership", "Newport", "--data", str(folder))) == 0
    assert "in the area: 24" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("police-uk", str(SLICE), "--partnership", "Newprot"), "did you mean Newport"),
        (("police-uk", "no-such-folder", "--partnership", "Newport"), "no such file or folder"),
        (("ons-csp", "no-such.xlsx", "--partnership", "Newport", "--peers", "Torfaen"), "no-such.xlsx"),
    ],
    ids=["unknown-partnership", "missing-folder", "missing-workbook"],
)
def test_cli_bad_input_exits_2_with_a_message(folder, capsys, argv, says):
    assert run(_args(*argv, "--data", str(folder))) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err


# ONS tables -----------------------------------------------------------------------------------------


def _ons_like_workbook(path: Path) -> Path:
    """A small workbook laid out as the ONS CSP tables are: notes rows, wrapped headers, markers."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Table C2"
    ws.append(["Table C2: Number of police recorded crimes ... year ending March 2025 [note 1]"])
    ws.append(["Some shorthand is used in this table.  [x] indicates data are unavailable."])
    ws.append([])
    header = "Police Force\nArea code|Police Force\nArea name|Community Safety\nPartnership code|Community Safety\n"
    header += "Partnership name|Local Authority code|Local Authority name|Total recorded crime\n (excluding fraud)|"
    header += "Population figures\n (mid-2023) \n- rounded to 100"
    ws.append(header.split("|"))
    ws.append(["W15000002", "Gwent", None, None, None, None, 300, 500])
    ws.append(["W15000002", "Gwent", "W14000022", "Newport", "W06000022", "Newport", 200, 300])
    ws.append(["W15000002", "Gwent", "W14000020", "Torfaen", "W06000020", "Torfaen", 100, "[x]"])
    ws.append(["W15000002", "Gwent", None, "Unassigned Gwent", None, None, 1, "[x]"])
    book.save(path)
    return path


def test_ons_reader_skips_totals_and_unassigned_rows(tmp_path):
    table = read_csp_table(_ons_like_workbook(tmp_path / "t.xlsx"))
    assert [(r.name, r.crimes, r.population) for r in table.rows] == [("Newport", 200, 300), ("Torfaen", 100, None)]
    assert (table.year_ending, table.quarter, table.has_population) == ("2025-03", "2024-25-Q4", True)


def test_ons_ingest_needs_a_population_for_every_partnership(tmp_path):
    (tmp_path / "measures.yml").write_text(REGISTER)
    with pytest.raises(InputError, match="Torfaen: no population"):
        ingest_ons_csp(_ons_like_workbook(tmp_path / "t.xlsx"), "Newport", ["Torfaen"], tmp_path)


def test_ons_ingest_replaces_only_its_quarter(tmp_path):
    (tmp_path / "measures.yml").write_text(REGISTER.replace("partnership: Newport", "partnership: Safer Newport"))
    (tmp_path / "family_group.csv").write_text(
        "quarter,partnership,crimes,population\n2024-25-Q4,Old peer,1,2\n2024-25-Q3,Safer Newport,5,6\n"
    )
    report = ingest_ons_csp(_ons_like_workbook(tmp_path / "t.xlsx"), "Newport", [], tmp_path)
    assert (tmp_path / "family_group.csv").read_text().splitlines()[1:] == [
        "2024-25-Q4,Safer Newport,200,300",
        "2024-25-Q3,Safer Newport,5,6",
    ]
    assert report.partnership == "Safer Newport"


@needs_ons
def test_real_ons_table_c2_reads_the_gwent_partnerships():
    table = read_csp_table(ONS_TABLES)
    gwent = {r.name: r.crimes for r in table.rows if r.force == "Gwent"}
    expected = {"Blaenau Gwent": 7895, "Caerphilly": 14966, "Monmouthshire": 6321, "Newport": 19614, "Torfaen": 9561}
    assert gwent == expected
    assert table.quarter == "2024-25-Q3"
    assert not [r for r in table.rows if "unassigned" in r.name.casefold() or r.crimes is None]


@needs_ons
def test_real_ons_rate_table_is_refused(tmp_path):
    (tmp_path / "measures.yml").write_text(REGISTER)
    with pytest.raises(InputError, match="rates"):
        ingest_ons_csp(ONS_TABLES, "Newport", ["Torfaen"], tmp_path, sheet="C4")


@needs_ons
@needs_population
def test_real_ons_family_group_is_idempotent_and_valid(folder):
    tmp_path = folder
    ingest_police_uk([SLICE], "Newport", folder)
    peers = [n for n in GWENT_CSPS if n != "Newport"]
    ingest_ons_csp(ONS_TABLES, "Newport", peers, tmp_path, populations=ONS_POPULATION)
    first = (tmp_path / "family_group.csv").read_bytes()
    ingest_ons_csp(ONS_TABLES, "newport", peers, tmp_path, populations=ONS_POPULATION)
    assert (tmp_path / "family_group.csv").read_bytes() == first
    assert first.decode().splitlines()[1] == "2024-25-Q3,Newport,19614,163628"
    assert len(load_inputs(tmp_path).family_group) == 5


# police.uk against ONS ------------------------------------------------------------------------------


@needs_gwent
@needs_ons
def test_police_uk_2024_counts_are_within_2_percent_of_ons_table_c2():
    table = read_street_files(sorted(GWENT.glob("2024-*-street.csv")))
    ons = {r.name: r.crimes for r in read_csp_table(ONS_TABLES).rows}
    for name in GWENT_CSPS:
        mine = split_by_area(table, find_area(name).lsoa_authorities).table
        counted = sum(count_by_month(mine, ["all-crime"]).values())
        assert abs(counted / ons[name] - 1) <= 0.02, f"{name}: police.uk {counted}, ONS {ons[name]}"


@needs_gwent
def test_example_newport_actuals_are_what_the_ingest_gives(tmp_path):
    """The example's actuals, ingested again from the months it holds (files of other months, as police.uk
    publishes them, are not read: the example is pinned to its months)."""
    example = ROOT / "examples" / "newport"
    shutil.copy(example / "measures.yml", tmp_path / "measures.yml")
    months = sorted({line.split(",")[1] for line in (example / "actuals.csv").read_text().splitlines()[1:]})
    ingest_police_uk([GWENT / f"{m}-gwent-street.csv" for m in months], "Newport", tmp_path)
    assert (tmp_path / "actuals.csv").read_bytes() == (example / "actuals.csv").read_bytes()
