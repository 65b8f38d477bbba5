"""The measure register: defaults, the partnership's own wording, and the JSON the notebooks read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.core.problems import InputError
from analysis.core.register import Register
from analysis.core.vocabulary import STATUS_CODES
from analysis.core.vocabulary import STATUS_LABELS as DEFAULT_LABELS
from analysis.inputs.register import check_register, parse_register, read_register

VALID = Path(__file__).resolve().parent / "data" / "inputs" / "valid"
DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"

REGISTER = """
partnership: Safer Example
amber_tolerance: 0.2
status_method: ytd
status_labels:
  red: Area of significant concern
measures:
  - id: asb
    title: ASB incidents
    priority: Anti-social behaviour
    polarity: lower
    frequency: monthly
    targets: {2015-16: "10,064", 2016/17: 9800}
  - id: burglary
    title: Burglary
    priority: Acquisitive crime
    polarity: Lower
    frequency: Quarterly
    aggregation: mean
    profile: seasonal
    status_method: forecast
    amber_tolerance: 0.05
    threads: reoffending
  - id: hate
    title: Hate incidents
    priority: Anti-social behaviour
    polarity: monitor
    frequency: monthly
"""


@pytest.fixture
def register() -> Register:
    return parse_register(REGISTER)


def test_measures_inherit_the_register_settings(register):
    asb = register.measure("asb")
    assert (asb.amber_tolerance, asb.status_method) == (0.2, "ytd")
    assert (asb.aggregation, asb.profile, asb.lead, asb.unit, asb.threads) == ("sum", "even", "", "", ())


def test_a_measure_overrides_the_register_settings(register):
    burglary = register.measure("burglary")
    assert (burglary.amber_tolerance, burglary.status_method) == (0.05, "forecast")
    assert (burglary.aggregation, burglary.profile) == ("mean", "seasonal")
    assert (burglary.polarity, burglary.frequency) == ("lower", "quarterly")  # words are read in any case
    assert burglary.threads == ("reoffending",)


def test_register_defaults_when_the_settings_are_left_out():
    reg = parse_register(
        "partnership: P\nmeasures:\n  - {id: a, title: A, priority: P, polarity: lower, frequency: monthly}\n"
    )
    assert (reg.amber_tolerance, reg.status_method, reg.family_group_method) == (0.15, "forecast", "msg_mean")
    assert (reg.measures[0].amber_tolerance, reg.measures[0].status_method) == (0.15, "forecast")
    assert reg.measures[0].targets == {}
    assert reg.status_labels == {}


def test_targets_by_financial_year(register):
    assert register.measure("asb").targets == {2015: 10064.0, 2016: 9800.0}
    assert register.measure("asb").target(2015) == 10064.0
    assert register.measure("asb").target(2014) is None


def test_labels_are_the_partnership_s_words_else_the_defaults(register):
    assert register.label("red") == "Area of significant concern"
    assert register.label("green") == DEFAULT_LABELS["green"]
    assert set(DEFAULT_LABELS) == set(STATUS_CODES)
    assert all(register.label(code) for code in STATUS_CODES)


def test_priorities_in_the_order_the_register_first_names_them(register):
    assert register.priorities == ["Anti-social behaviour", "Acquisitive crime"]


def test_measure_lookup_names_the_known_ids(register):
    with pytest.raises(KeyError, match="known: asb, burglary, hate"):
        register.measure("robbery")


def test_json_round_trip(register):
    text = register.to_json()
    again = Register.from_json(text)
    assert again == register
    assert again.to_json() == text


@pytest.mark.parametrize("folder", [VALID, DEMO], ids=["fixture", "demo"])
def test_json_round_trip_of_real_registers(folder):
    register = read_register(folder / "measures.yml")
    assert Register.from_json(register.to_json()) == register


def test_a_partly_wrong_register_still_names_its_measures():
    register, problems = check_register(REGISTER.replace("polarity: monitor", "polarity: sideways"))
    assert [m.id for m in register.measures] == ["asb", "burglary", "hate"]
    assert [str(p) for p in problems] == [
        "measures.yml, line 27, measure 'hate', field 'polarity': 'sideways' is not a polarity: "
        "use higher, lower or monitor"
    ]


def test_a_year_given_twice_in_two_spellings():
    with pytest.raises(InputError) as caught:
        parse_register(REGISTER.replace("2016/17: 9800", "2015/16: 9800"))
    assert [str(p) for p in caught.value.problems] == [
        "measures.yml, line 13, measure 'asb', field 'targets': the target for 2015-16 is given twice"
    ]


def test_a_register_saved_as_windows_1252(tmp_path):
    path = tmp_path / "measures.yml"
    path.write_bytes(REGISTER.replace("ASB incidents", "ASB incidents (café quarter, £)").encode("cp1252"))
    assert read_register(path).measure("asb").title == "ASB incidents (café quarter, £)"


def test_yes_and_no_are_words_only_in_quotes():
    assert parse_register(REGISTER.replace("id: hate", "id: 'no'")).measures[2].id == "no"
    with pytest.raises(InputError) as caught:
        parse_register(REGISTER.replace("id: hate", "id: no"))
    assert [str(p) for p in caught.value.problems] == [
        "measures.yml, line 24, measure 3, field 'id': YAML reads this word as true or false: "
        "put it in quotes, like 'no'"
    ]


# --- measures in development, the plan's priorities, each quarter's meeting ------------------------------------

DEVELOPING = """
  - id: victims
    title: Vulnerable victims supported
    priority: Anti-social behaviour
    lead: ASB Delivery Group
    polarity: higher
    frequency: quarterly
    status: in_development
    expected: 2015-16-Q3
  - id: nps
    title: A probation measure still to be identified
    priority: Reducing reoffending
    status: In_Development
"""
PLAN = """
priorities:
  - name: Reducing reoffending
    lead: Reducing Reoffending Group
  - {name: Anti-social behaviour, lead: ASB Delivery Group}
  - Emerging issues
  - name: Acquisitive crime
"""


def test_measures_in_development_are_kept_apart_and_need_no_target_polarity_or_frequency():
    register = parse_register(REGISTER + DEVELOPING)
    assert [m.id for m in register.measures] == ["asb", "burglary", "hate"]
    assert [(m.id, m.status, m.expected) for m in register.in_development] == [
        ("victims", "in_development", "2015-16-Q3"),
        ("nps", "in_development", ""),
    ]
    assert (register.in_development[1].polarity, register.in_development[1].targets) == ("", {})
    assert {m.status for m in register.measures} == {"reported"}
    with pytest.raises(KeyError):
        register.measure("victims")  # no figures are computed for it


def test_without_priorities_the_plan_is_what_the_measures_name_in_order():
    register = parse_register(REGISTER + DEVELOPING)
    assert [p.name for p in register.plan] == ["Anti-social behaviour", "Acquisitive crime", "Reducing reoffending"]
    assert register.priorities == ["Anti-social behaviour", "Acquisitive crime"]  # those with a reported measure


def test_the_plans_priorities_in_its_order_with_their_leads_even_without_a_measure():
    register = parse_register(PLAN + REGISTER + DEVELOPING)
    assert [(p.name, p.lead) for p in register.plan] == [
        ("Reducing reoffending", "Reducing Reoffending Group"),
        ("Anti-social behaviour", "ASB Delivery Group"),
        ("Emerging issues", ""),
        ("Acquisitive crime", ""),
    ]
    assert register.priorities == ["Anti-social behaviour", "Acquisitive crime"]
    assert register.lead_of("Reducing reoffending") == "Reducing Reoffending Group"


def test_each_quarter_has_its_own_meeting_and_others_are_to_be_confirmed():
    register = parse_register(
        "report:\n  board: The Board\n  meetings:\n    2015-16-Q1: 2015-07-23\n    2015-16-Q2: '2015-10-22'\n"
        + REGISTER
    )
    assert register.report.meetings == {"2015-16-Q1": "2015-07-23", "2015-16-Q2": "2015-10-22"}
    assert register.report.meeting("2015-16-Q2") == "2015-10-22"
    assert register.report.meeting("2015-16-Q3") == ""


@pytest.mark.parametrize(
    "extra",
    ["", DEVELOPING, "report:\n  meetings: {2015-16-Q1: 2015-07-23}\n" + PLAN],
    ids=["plain", "in-development", "meetings-and-plan"],
)
def test_json_round_trip_with_the_new_fields(extra):
    text = extra + REGISTER if extra.startswith("report") else REGISTER + extra
    register = parse_register(text)
    assert Register.from_json(register.to_json()) == register


def test_json_of_an_older_build_with_one_meeting_date_still_reads():
    """A quarter built by an older csp-report keeps its register.json; the history and the home page read it."""
    data = json.loads(parse_register(REGISTER).to_json())
    del data["in_development"], data["plan"], data["report"]["meetings"]
    data["report"]["meeting"] = "2015-07-23"
    for m in data["measures"]:
        del m["status"], m["expected"]
    again = Register.from_json(json.dumps(data))
    assert again.report.meetings == {} and again.in_development == () and again.plan == ()
    assert [m.status for m in again.measures] == ["reported"] * 3


# --- what the quarterly cycle's commands say of them (the demo: seed 003's measures still in development) -------


@pytest.mark.parametrize(
    ("quarter", "meeting"),
    [("2015-16-Q1", "Meeting: 23 July 2015, for the 2015-16-Q1 paper."), ("2015-16-Q2", "Meeting: to be confirmed")],
    ids=["q1-meeting", "q2-to-be-confirmed"],
)
def test_readiness_lists_the_meeting_and_the_measures_in_development(capsys, quarter, meeting):
    from analysis.cli import main

    main(["readiness", "--quarter", quarter])
    out = capsys.readouterr().out
    assert meeting in out
    assert "In development, not reported yet (6; no figures or returns are due):" in out
    assert "  - asb-victims-supported (ASB Delivery Group; Anti-social behaviour): Number of vulnerable victims" in out
    assert "Priorities of the plan with no measure reported yet (3):" in out
    assert "  - Reducing reoffending (Reducing Reoffending Group; 2 in development)" in out
    assert "nps-measure: " not in out, "no return is due from a measure in development"


def test_new_quarter_says_the_meeting_is_still_to_be_confirmed(demo_copy, capsys):
    from analysis.cli import main

    assert main(["new-quarter", "--quarter", "2015-16-Q2", "--data", str(demo_copy)]) == 0
    out = capsys.readouterr().out
    left = out[out.index("Left to fill in:") :]
    assert "  Meeting date: to be confirmed: add it to measures.yml under report: meetings:" in left


def test_status_has_a_row_per_reported_measure_and_lists_the_rest(tmp_path, capsys):
    from analysis.cli import main

    assert main(["status", "--quarter", "2015-16-Q1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "In development, not reported yet (6" in out and "  - Sexual violence\n" in out
    folder = tmp_path / "data" / "processed" / "2015-16-Q1"
    rows = (folder / "measure_status.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == 8 and not any(r.startswith(("asb-victim", "nps-", "crc-")) for r in rows)
    register = Register.from_json((folder / "register.json").read_text(encoding="utf-8"))
    assert [m.id for m in register.in_development][:2] == ["asb-victims-supported", "asb-victim-satisfaction"]
    assert register.lead_of("Hate crime") == "Hate Crime Delivery Group"
