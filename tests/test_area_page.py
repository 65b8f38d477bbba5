"""The area overview page of build-all, from processed tables alone (no quarter is built here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import site_fixture as fx

from analysis.core.paths import OutputPaths
from analysis.site.area import AreaEntry, overview_page


def _processed(out: Path, slug: str) -> None:
    fx.write_processed(OutputPaths(out, slug).processed(fx.QUARTER), ytd_actual="1234", annual_target="1000")


def test_overview_links_each_partnership_and_names_each_failure(tmp_path):
    _processed(tmp_path, "alpha")
    page = overview_page(
        tmp_path,
        [AreaEntry("alpha", "Alpha", True), AreaEntry("gamma", "Gamma <Borough>", False, "row 2: 'x' <is> bad")],
    )
    assert page.startswith("<!DOCTYPE html>") and "<h1>Every partnership&#39;s latest report</h1>" in page
    assert "<p>2 partnerships: each one" in page and "quarter one 2015/16" in page and "Build" not in page
    assert f'href="alpha/{fx.QUARTER}/index.html"' in page
    assert f'href="alpha/{fx.QUARTER}/measures/asb-incidents.html"' in page
    assert "Safer &lt;Example&gt; &amp; Co" in page  # the partnership's name from its register, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "Gamma &lt;Borough&gt;" in page and "Not built" in page and "&lt;is&gt; bad" in page
    assert 'class="status status-amber"' in page and "Some concerns about performance" in page
    assert "1,234" in page and "--amber-bg:" in page


def test_an_area_with_nothing_built_still_gets_a_page(tmp_path):
    page = overview_page(tmp_path, [AreaEntry("alpha", "Alpha", False, "no register")])
    assert "Not built" in page and "no register" in page and "<section>" not in page


def test_the_overview_names_its_area_and_marks_targets_that_are_not_official(tmp_path):
    _processed(tmp_path, "alpha")
    page = overview_page(tmp_path, [AreaEntry("alpha", "Alpha", True)], "Gwent")
    assert "<h1>Gwent: every partnership&#39;s latest report</h1>" in page and "<p>1 partnership in Gwent:" in page
    assert "<td>Yes</td>" in page and 'aria-hidden="true">*</span>' not in page
    register = OutputPaths(tmp_path, "alpha").processed(fx.QUARTER) / "register.json"
    data = json.loads(register.read_text(encoding="utf-8"))
    data["sources"] = {"targets": {"source": "Written for the example", "status": "illustrative"}}
    register.write_text(json.dumps(data), encoding="utf-8")
    page = overview_page(tmp_path, [AreaEntry("alpha", "Alpha", True)], "Gwent")
    assert "* An illustrative target, not the partnership&#39;s own." in re.sub(r"<[^>]+>", "", page)
    assert '1,000<span class="source-mark" aria-hidden="true">*</span>' in page
    assert '<span class="visually-hidden"> (illustrative)</span>' in page
