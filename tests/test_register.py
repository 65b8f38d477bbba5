"""The measure register: defaults, the partnership's own wording, and the JSON the notebooks read."""

from __future__ import annotations

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
