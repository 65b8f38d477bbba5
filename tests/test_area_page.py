"""The area overview page of build-all, from processed tables alone (no quarter is built here)."""

from __future__ import annotations

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
    assert page.startswith("<!DOCTYPE html>") and "<p>2 partnerships.</p>" in page
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
