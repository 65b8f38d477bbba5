"""The quarterly cycle: lag, returns still due, status history and what changed since last quarter.

The year is built one quarter at a time with ``csp-report status``, as an
analyst would, with the returns arriving as they do: one of them late.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.core.periods import Quarter, months_of_year, parse_quarter, quarter_of_period, quarters_of_year
from analysis.core.problems import InputError
from analysis.inputs.register import parse_register
from analysis.processed.manifest import changes_since

DEMO_QUARTERS = ["2015-16-Q1", "2015-16-Q2", "2015-16-Q3", "2015-16-Q4", "2016-17-Q1"]

REGISTER = """\
partnership: Safer Generated
measures:
{measures}
"""


def _register(lag_line: str) -> str:
    entry = (
        "  - {id: m, title: M, priority: P, polarity: lower, frequency: monthly, targets: {2015-16: 100}"
        + lag_line
        + "}\n"
    )
    return REGISTER.format(measures=entry)


# ---------------------------------------------------------------------------
# The register's lag


@pytest.mark.parametrize(
    ("lag_line", "expected"), [("", 0), (", lag: 1", 1), (", lag: 2", 2)], ids=["default", "1", "2"]
)
def test_register_lag(lag_line, expected):
    assert parse_register(_register(lag_line)).measures[0].lag == expected


@pytest.mark.parametrize(
    "lag", ["-1", "1.5", "one", "true", "[1]"], ids=["negative", "fraction", "word", "boolean", "list"]
)
def test_an_invalid_lag_is_named(lag):
    with pytest.raises(InputError) as err:
        parse_register(_register(f", lag: {lag}"))
    report = err.value.report()
    assert "measures.yml, line 3" in report and "'lag'" in report
    assert "is not a lag: use a whole number of periods, 0 or more" in report


def test_validate_refuses_an_invalid_lag(demo_copy, capsys):
    register = demo_copy / "measures.yml"
    register.write_text(register.read_text().replace("    lag: 1 ", "    lag: -1 "))
    assert main(["validate", "--data", str(demo_copy)]) == 2
    err = capsys.readouterr().err
    assert "measures.yml" in err and "'lag'" in err and "serious-acquisitive-crime" in err


def test_the_demo_is_complete_for_its_quarter_with_acquisitive_crime_one_month_behind(capsys):
    assert main(["readiness", "--quarter", "2015-16-Q1"]) == 0
    assert "every return is in" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# A year in sequence


def _write_actuals(folder: Path, rows: list[tuple[str, str, float]]) -> None:
    with (folder / "actuals.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["measure_id", "period", "value"])
        writer.writerows((m, p, f"{v:g}") for m, p, v in rows)


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _upto(rows, quarter: str, lags: dict[str, int], held: set[tuple[str, str]] = frozenset()):
    """The rows an analyst has by the end of ``quarter``: lagged measures behind, held returns absent."""
    end = parse_quarter(quarter)
    kept = []
    for mid, period, value in rows:
        if (mid, period) in held:
            continue
        if quarter_of_period(period) < end:
            kept.append((mid, period, value))
        elif quarter_of_period(period) == end:
            months = months_of_year(end.fy)[(end.q - 1) * 3 : end.q * 3]
            if period in months and months.index(period) >= 3 - lags.get(mid, 0):
                continue  # not sent yet: the measure is behind
            kept.append((mid, period, value))
    return kept


def _demo_year(demo: Path) -> tuple[list, dict[str, int]]:
    """The demo's actuals, extended to June 2016 with each month's figure a year before, slightly changed."""
    rows = [(r["measure_id"], r["period"], float(r["value"])) for r in _read(demo / "actuals.csv")]
    have = {(m, p): v for m, p, v in rows}
    ids = dict.fromkeys(m for m, _, _ in rows)
    for mid in ids:
        quarterly = any("Q" in p for m, p, _ in rows if m == mid)
        if quarterly:
            periods = quarters_of_year(2015)[1:] + quarters_of_year(2016)[:1]
            earlier = quarters_of_year(2014)[1:] + quarters_of_year(2015)[:1]
        else:
            periods = months_of_year(2015) + months_of_year(2016)[:3]
            earlier = months_of_year(2014) + months_of_year(2015)[:3]
        for i, (period, before) in enumerate(zip(periods, earlier, strict=True)):
            if (mid, period) not in have and (mid, before) in have:
                rows.append((mid, period, round(have[(mid, before)] * (1.02 + 0.01 * (i % 3)), 1)))
                have[(mid, period)] = rows[-1][2]
    return rows, {"serious-acquisitive-crime": 1}


def _generated_year() -> tuple[str, list, dict[str, int]]:
    """A made-up partnership of four measures: monthly and quarterly, sum, last and mean, lags 0 and 2."""
    register = """\
partnership: Safer Generated
amber_tolerance: 0.1
measures:
  - {id: burglary, title: Burglary, priority: Acquisitive crime, lead: Police, polarity: lower,
     frequency: monthly, targets: {2015-16: 1300, 2016-17: 1250}}
  - {id: referrals, title: Referrals, priority: Domestic abuse, lead: Domestic Abuse Service,
     polarity: higher, frequency: quarterly, targets: {2015-16: 400}}
  - {id: reoffending, title: Reoffending rate, priority: Reoffending, lead: Probation, polarity: lower,
     frequency: monthly, aggregation: mean, targets: {2015-16: 25}, lag: 2}
  - {id: gap, title: Gap, priority: Neighbourhoods, polarity: monitor, frequency: monthly, aggregation: last}
"""
    rows = []
    for fy in (2014, 2015, 2016):
        months = months_of_year(fy) if fy < 2016 else months_of_year(fy)[:3]
        for i, month in enumerate(months):
            rows.append(("burglary", month, 100 + 7 * ((i * 5) % 4) + (fy - 2014) * 3))
            rows.append(("reoffending", month, 24.5 + 0.5 * (i % 3)))
            rows.append(("gap", month, 5 + 1.5 * i))
        for j, q in enumerate(quarters_of_year(fy) if fy < 2016 else quarters_of_year(fy)[:1]):
            rows.append(("referrals", q, 90 + 4 * j))
    return register, rows, {"reoffending": 2}


def _run_year(folder: Path, out: Path, rows, lags, late: tuple[str, str], capsys) -> dict[str, dict]:
    """Build each quarter in turn; ``late`` is a return missing for its quarter that arrives in the next."""
    late_quarter = str(quarter_of_period(late[1]))
    seen: dict[str, dict] = {}
    for i, quarter in enumerate(DEMO_QUARTERS):
        held = {late} if quarter == late_quarter else set()
        _write_actuals(folder, _upto(rows, quarter, lags, held))
        capsys.readouterr()
        readiness = main(["readiness", "--quarter", quarter, "--data", str(folder)])
        said = capsys.readouterr().out
        assert main(["status", "--quarter", quarter, "--data", str(folder), "--out", str(out)]) == 0
        processed = out / "data" / "processed" / quarter
        status = {r["measure_id"]: r for r in _read(processed / "measure_status.csv")}
        history = _read(processed / "status_history.csv")
        changes = _read(processed / "changes.csv")
        seen[quarter] = {"readiness": readiness, "said": said, "status": status, "history": history, "changes": changes}

        # the history grows one quarter at a time, oldest first, and repeats what each quarter published
        assert list(history[0]) == ["measure_id", "quarter", "status", "ytd_actual", "forecast", "spc_variation"]
        quarters = list(dict.fromkeys(r["quarter"] for r in history))
        assert quarters == DEMO_QUARTERS[: i + 1]
        assert len(history) == len(status) * (i + 1)
        for earlier in DEMO_QUARTERS[: i + 1]:
            published = _read(out / "data" / "processed" / earlier / "measure_status.csv")
            assert [
                (r["measure_id"], r["status"], r["ytd_actual"], r["forecast"], r["spc_variation"]) for r in published
            ] == [
                (r["measure_id"], r["status"], r["ytd_actual"], r["forecast"], r["spc_variation"])
                for r in history
                if r["quarter"] == earlier
            ]
        # the quarter's figures: complete unless the late return is due
        for mid, row in status.items():
            assert row["lag"] == str(lags.get(mid, 0))
            expected = late[1] if (quarter == late_quarter and mid == late[0]) else ""
            assert row["periods_missing"] == expected, (quarter, mid)
            if not expected:
                assert row["quarter_actual"] != "", (quarter, mid)
        assert readiness == (1 if quarter == late_quarter else 0), said
    return seen


def _check_late_return(seen: dict[str, dict], late: tuple[str, str], words: str) -> None:
    mid, period = late
    due_quarter = str(quarter_of_period(period))
    said = seen[due_quarter]["said"]
    assert f"{mid}: {period} ({words})" in said
    after = DEMO_QUARTERS[DEMO_QUARTERS.index(due_quarter) + 1]
    changes = seen[after]["changes"]
    late_rows = [r for r in changes if r["kind"] == "late_return" and r["measure_id"] == mid]
    assert [(r["what"], r["before"], r["before_shown"]) for r in late_rows] == [(f"value {period}", "", "no value")]
    assert late_rows[0]["after"] != "" and late_rows[0]["previous_quarter"] == due_quarter
    assert not [r for r in changes if r["kind"] == "revision" and r["what"] == f"value {period}"]
    for quarter, record in seen.items():  # reported once, by the quarter after
        if quarter != after:
            assert not [r for r in record["changes"] if r["kind"] == "late_return" and r["what"] == f"value {period}"]


def test_a_year_of_the_demo_in_sequence(tmp_path, demo_copy, capsys):
    rows, lags = _demo_year(demo_copy)
    late = ("asb-incidents", "2015-11")
    seen = _run_year(demo_copy, tmp_path / "out", rows, lags, late, capsys)
    _check_late_return(seen, late, "November 2015")
    assert "ASB Delivery Group\n  - asb-incidents: 2015-11 (November 2015)" in seen["2015-16-Q3"]["said"]
    # serious acquisitive crime stays one month behind every quarter, and is never shown as due
    for quarter, record in seen.items():
        sac = record["status"]["serious-acquisitive-crime"]
        assert sac["period_end"] == months_of_year(parse_quarter(quarter).fy)[parse_quarter(quarter).q * 3 - 2]
        assert "serious-acquisitive-crime" not in record["said"]
    assert seen["2015-16-Q1"]["status"]["asb-incidents"]["status"] == "green"  # the published status holds


def test_a_year_of_a_generated_partnership_in_sequence(tmp_path, capsys):
    folder = tmp_path / "raw"
    folder.mkdir()
    register, rows, lags = _generated_year()
    (folder / "measures.yml").write_text(register)
    late = ("referrals", "2015-16-Q2")
    seen = _run_year(folder, tmp_path / "out", rows, lags, late, capsys)
    _check_late_return(seen, late, "quarter two 2015/16")
    assert "Domestic Abuse Service\n  - referrals: 2015-16-Q2" in seen["2015-16-Q2"]["said"]
    q1 = seen["2015-16-Q1"]["status"]
    assert q1["reoffending"]["period_end"] == "2015-04"  # two months behind
    assert q1["reoffending"]["quarter_actual"] == "24.5" and q1["gap"]["quarter_actual"] == "8"
    q2 = seen["2015-16-Q2"]["status"]["referrals"]
    assert q2["period_end"] == "2015-16-Q1" and q2["quarter_actual"] == ""  # the quarter's own return is due


def test_the_history_keeps_to_its_partnership_and_to_earlier_quarters(tmp_path, demo_copy, capsys):
    out = tmp_path / "out"
    for quarter in ("2014-15-Q4", "2015-16-Q1"):
        assert main(["status", "--quarter", quarter, "--data", str(demo_copy), "--out", str(out)]) == 0
    other = out / "data" / "processed" / "2014-15-Q3"
    shutil.copytree(out / "data" / "processed" / "2014-15-Q4", other)
    register = other / "register.json"
    register.write_text(register.read_text().replace('"Safer Plymouth"', '"Another Partnership"'))
    assert main(["status", "--quarter", "2014-15-Q4", "--data", str(demo_copy), "--out", str(out)]) == 0
    history = _read(out / "data" / "processed" / "2014-15-Q4" / "status_history.csv")
    assert {r["quarter"] for r in history} == {"2014-15-Q4"}  # neither the later quarter nor the other partnership


# ---------------------------------------------------------------------------
# Readiness and its warnings


def test_readiness_by_lead_and_validate_warns(demo_copy, capsys):
    actuals = demo_copy / "actuals.csv"
    actuals.write_text(
        actuals.read_text().replace("da-reporting,2015-05,572\n", "").replace("hate-incidents,2015-04,", "x,")
    )
    actuals.write_text("\n".join(line for line in actuals.read_text().split("\n") if not line.startswith("x,")))
    assert main(["readiness", "--data", str(demo_copy)]) == 1
    out = capsys.readouterr().out
    assert "2 returns still due, for 2 measures" in out
    assert "Domestic Abuse Partnership\n  - da-reporting: 2015-05 (May 2015)" in out
    assert "Hate Crime Delivery Group\n  - hate-incidents: 2015-04 (April 2015)" in out
    assert main(["validate", "--data", str(demo_copy)]) == 0
    captured = capsys.readouterr()
    assert "warning:   - da-reporting: 2015-05 (May 2015)" in captured.err
    assert "the inputs are valid" in captured.out


def test_readiness_of_invalid_inputs_is_refused_and_writes_nothing(demo_copy, capsys):
    actuals = demo_copy / "actuals.csv"
    actuals.write_text(actuals.read_text() + "asb-incidents,2015-07,12a\n")
    before = sorted(p.name for p in demo_copy.rglob("*"))
    assert main(["readiness", "--data", str(demo_copy)]) == 2
    assert "actuals.csv" in capsys.readouterr().err
    assert sorted(p.name for p in demo_copy.rglob("*")) == before


# ---------------------------------------------------------------------------
# What changed since last quarter


def _tables(status: str, series: str) -> dict[str, str]:
    return {"measure_status.csv": status, "measure_series.csv": series}


def test_changes_list_status_spc_late_returns_and_revisions_apart(tmp_path):
    (tmp_path / "measure_status.csv").write_text(
        "measure_id,ytd_actual,status,spc_variation\nasb,1000,green,common_cause\n"
    )
    (tmp_path / "measure_series.csv").write_text(
        "measure_id,period,value\nasb,2015-04,1234.5\nasb,2015-05,\nasb,2015-07,\n"
    )
    text = changes_since(
        tmp_path,
        _tables(
            "measure_id,ytd_actual,status,spc_variation\nasb,2100,amber,special_cause_concern\n",
            "measure_id,period,value\nasb,2015-04,1250\nasb,2015-05,866\nasb,2015-07,900\n",
        ),
        "2015-16-Q1",
    )
    rows = [(r["kind"], r["what"], r["before_shown"], r["after_shown"]) for r in _read_text(text)]
    assert rows == [
        ("previous_build", "previous quarter", "", ""),
        ("status", "status", "green", "amber"),
        ("spc_variation", "spc_variation", "common_cause", "special_cause_concern"),
        ("late_return", "value 2015-05", "no value", "866"),
        ("revision", "value 2015-04", "1,235", "1,250"),  # 1,234.5 shown half away from zero
    ]  # July was not due at the end of Q1: a new month, not a late return


def _read_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("quarter", "expected", "code"),
    [("2015-16-Q1", Quarter(2015, 1), 0), ("Q4 2015-16", Quarter(2015, 4), 1)],
    ids=["contract-form-complete", "spoken-form-due"],
)
def test_readiness_accepts_the_quarter_in_any_spelling(quarter, expected, code, capsys):
    assert main(["readiness", "--quarter", quarter]) == code
    assert f"Safer Plymouth, {expected}:" in capsys.readouterr().out


def test_verify_marks_a_late_return_and_prints_figures_as_the_pages_do(tmp_path, demo_copy, capsys):
    actuals = demo_copy / "actuals.csv"
    full = actuals.read_text()
    actuals.write_text(full.replace("da-reporting,2015-05,572\n", ""))
    args = ["--quarter", "2015-16-Q1", "--data", str(demo_copy), "--out", str(tmp_path)]
    assert main(["status", *args]) == 0
    actuals.write_text(full)
    capsys.readouterr()
    assert main(["verify", *args]) == 1
    out = capsys.readouterr().out
    assert "da-reporting: value 2015-05 (empty) -> 572 (a late return)" in out
    assert "da-reporting: ytd_actual 1,060 -> 1,632" in out
    assert not re.search(r"\d\.\d{4,}", out)  # no raw floats such as 0.1706586826347305


@pytest.mark.slow
def test_build_warns_of_returns_due_and_writes_the_history(tmp_path, small_copy, capsys):
    actuals = small_copy / "actuals.csv"  # the session's small partnership (tests/partnership.py)
    text = actuals.read_text()
    assert "asb-incidents,2015-05," in text
    actuals.write_text("".join(line for line in text.splitlines(True) if not line.startswith("asb-incidents,2015-05,")))
    out = tmp_path / "out"
    args = ["--quarter", "2015-16-Q1", "--data", str(small_copy), "--out", str(out)]
    assert main(["build", *args, "--jobs", "2", "--renderer", "builtin"]) == 0
    err = capsys.readouterr().err
    assert "warning: 2015-16-Q1: 1 return still due, for 1 measure; its figures are incomplete:" in err
    assert "warning:   - asb-incidents: 2015-05 (May 2015)" in err
    processed = out / "data" / "processed" / "2015-16-Q1"
    history = _read(processed / "status_history.csv")
    assert [r["measure_id"] for r in history] == [r["measure_id"] for r in _read(processed / "measure_status.csv")]
    status = {r["measure_id"]: r for r in _read(processed / "measure_status.csv")}
    assert status["asb-incidents"]["periods_missing"] == "2015-05"
    assert {r["measure_id"]: r["periods_missing"] for r in status.values() if r["measure_id"] != "asb-incidents"} == {
        "da-referrals": "",
        "hate-incidents": "",
    }
