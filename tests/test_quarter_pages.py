"""Two quarters built in sequence: the second's pages show the first's statuses and both quarters' history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.core.paths import OutputPaths
from analysis.core.periods import parse_quarter
from analysis.processed.quarter import QuarterData
from analysis.report.dashboard import measures, returns_due
from analysis.report.measure import headline, history

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_quarters(tmp_path_factory):
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables, write_tables

    out = OutputPaths(tmp_path_factory.mktemp("out"))
    inputs = load_inputs(ROOT / "data" / "raw")
    built = {}
    for text in ("2015-16-Q1", "2015-16-Q2"):
        q = parse_quarter(text)
        files = compute_tables(inputs, q, out)
        write_tables(files, out.processed(text))
        built[text] = QuarterData.from_files(q, files)
    return built


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(html)))


def test_q2_dashboard_shows_q1_statuses_in_last_quarter(two_quarters):
    q1, q2 = two_quarters["2015-16-Q1"], two_quarters["2015-16-Q2"]
    html = str(measures(q2))
    assert "Last quarter" in html and "This quarter" in html
    for m in q2.register.measures:
        row = re.search(rf'href="measures/{re.escape(m.id)}\.html".*?</tr>', html, re.S)
        assert row, m.id
        cells = re.findall(r"<td\b.*?</td>", row.group(0), re.S)
        # Lead, Status, Last quarter, ...: the Last quarter cell holds Q1's status in words.
        before = q1.status_row(m.id)["status"]
        assert f"status-{before}" in cells[2], (m.id, cells[2])
        assert q1.register.label(before) in _text(cells[2])


def test_q2_measure_history_lists_both_quarters(two_quarters):
    q1, q2 = two_quarters["2015-16-Q1"], two_quarters["2015-16-Q2"]
    for m in q2.register.measures:
        text = _text(history(q2, m.id))
        assert "2015-16 Q1" in text and "2015-16 Q2" in text, m.id
        before, after = q1.status_row(m.id)["status"], q2.status_row(m.id)["status"]
        assert "since 2015-16 Q1" in text
        if before == after:
            assert "Unchanged at" in text


def test_q1_has_no_last_quarter_and_a_single_history_row(two_quarters):
    q1 = two_quarters["2015-16-Q1"]
    text = _text(history(q1, "asb-incidents"))
    assert "2015-16 Q1" in text and "no direction of travel yet" in text


def test_incomplete_measures_say_so_beside_their_figures(two_quarters):
    q2 = two_quarters["2015-16-Q2"]
    incomplete = [r for r in q2.status.itertuples() if r.periods_missing]
    due = _text(returns_due(q2))
    if not incomplete:
        assert "Every return for quarter two 2015/16 is in." in due
        return
    for r in incomplete:  # the headline says once how far the figures go and what is due
        head = _text(headline(q2, r.measure_id))
        assert "still due" in head and ("return for" in head or "returns for" in head), r.measure_id
        assert q2.register.measure(r.measure_id).title in due
