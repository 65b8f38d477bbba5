"""Every figure traceable: identical rebuilds, manifest hashes, verify and changes since last quarter."""

from __future__ import annotations

import hashlib
import json

import pytest
from compare import assert_same

from analysis.cli import main

Q = "2015-16-Q1"


def _processed(out):
    folder = out / "data" / "processed" / Q
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_inputs_give_byte_identical_tables(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["status", "--quarter", Q, "--out", str(first)]) == 0
    assert main(["status", "--quarter", Q, "--out", str(second)]) == 0
    a, b = _processed(first), _processed(second)
    assert a.keys() == b.keys()
    assert {k for k in a if a[k] != b[k]} <= {"manifest.json"}
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    ma.pop("built_at"), mb.pop("built_at")
    assert ma == mb


def test_manifest_hashes_match_the_input_files(tmp_path, demo_copy):
    assert main(["status", "--quarter", Q, "--data", str(demo_copy), "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "data" / "processed" / Q / "manifest.json").read_text())
    assert {"measures.yml", "actuals.csv", "action_plan.csv", "commentary/2015-16-Q1/asb-incidents.md"} <= set(
        record["inputs"]
    )
    for name, digest in record["inputs"].items():
        assert hashlib.sha256((demo_copy / name).read_bytes()).hexdigest() == digest, name
    assert record["code"]["version"] and "python" in record["packages"]
    assert len(record["data_fingerprint"]) == 12


def test_verify_reports_nothing_on_unchanged_inputs(tmp_path, capsys):
    assert main(["status", "--quarter", Q, "--out", str(tmp_path)]) == 0
    before = _processed(tmp_path)
    assert main(["verify", "--quarter", Q, "--out", str(tmp_path)]) == 0
    assert "match the current inputs" in capsys.readouterr().out
    assert_same(_processed(tmp_path), before, "the processed tables after verify")


def test_verify_lists_a_revised_value_and_writes_nothing(tmp_path, demo_copy, capsys):
    assert main(["status", "--quarter", Q, "--data", str(demo_copy), "--out", str(tmp_path)]) == 0
    before = _processed(tmp_path)
    actuals = demo_copy / "actuals.csv"
    actuals.write_text(actuals.read_text().replace("da-reporting,2015-05,572", "da-reporting,2015-05,590"))
    assert main(["verify", "--quarter", Q, "--data", str(demo_copy), "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "da-reporting: value 2015-05 572 -> 590" in out
    assert "da-reporting: ytd_actual 1,632 -> 1,650" in out
    assert "da-reporting: change_vs_last_year -6.2% -> -5.1%" in out
    assert_same(_processed(tmp_path), before, "the processed tables after verify")


def test_verify_of_a_quarter_never_built_is_refused(tmp_path, capsys):
    assert main(["verify", "--quarter", Q, "--out", str(tmp_path)]) == 2
    assert "has not been built here" in capsys.readouterr().err


@pytest.mark.parametrize("revise", [False, True], ids=["no-revision", "revised-month"])
def test_changes_since_the_previous_quarter(tmp_path, demo_copy, revise):
    assert main(["status", "--quarter", "2014-15-Q4", "--data", str(demo_copy), "--out", str(tmp_path)]) == 0
    if revise:
        actuals = demo_copy / "actuals.csv"
        actuals.write_text(actuals.read_text().replace("asb-incidents,2015-03,831", "asb-incidents,2015-03,840"))
    assert main(["status", "--quarter", Q, "--data", str(demo_copy), "--out", str(tmp_path)]) == 0
    changes = (tmp_path / "data" / "processed" / Q / "changes.csv").read_text()
    assert "previous_build,,previous quarter,,found,2014-15-Q4" in changes
    assert "status,da-referrals,status,monitor,red,2014-15-Q4" in changes
    assert ("revision,asb-incidents,value 2015-03,831,840,2014-15-Q4" in changes) is revise
