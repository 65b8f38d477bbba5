"""Targets and rows from inputs that are not official are marked on every page that shows them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from test_report_sections import demo_data

from analysis.core.register import Source
from analysis.report import measure
from analysis.report.dashboard import measures as dashboard_measures


def _with_targets(status: str):
    data = demo_data()
    sources = {**data.register.sources, "targets": Source("Written for the example", status)}
    return replace(data, register=replace(data.register, sources=sources))


def _text(html) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(html)))


@pytest.mark.parametrize("status", ["illustrative", "provisional"])
def test_targets_that_are_not_official_are_marked_on_the_dashboard_and_the_measure_page(status):
    data = _with_targets(status)
    table = str(dashboard_measures(data))
    marked = re.findall(r'6,587<span class="source-mark source-\w+" aria-hidden="true">\*</span>', table)
    assert marked, "the dashboard's annual target of domestic abuse reporting carries no mark"
    assert f'<span class="visually-hidden"> ({status})</span>' in table  # the words, for screen readers
    article = "an" if status[0] in "aeiou" else "a"
    assert f"* {article.title()} {status} target" in _text(table)  # the key says what the asterisk means
    head = _text(measure.headline(data, "da-reporting"))
    assert f"({article} {status} target" in head
    assert f"6,587 ({status})" in _text(measure.figures(data, "da-reporting"))
    assert "Targets : Written for the example" in _text(measure.headline(data, "da-reporting"))


def test_official_targets_carry_no_mark():
    data = demo_data()
    assert "source-mark" not in str(dashboard_measures(data)) and "target, not" not in _text(dashboard_measures(data))
    assert "Targets :" not in _text(measure.headline(data, "da-reporting"))
