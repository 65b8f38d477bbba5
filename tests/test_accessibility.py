"""Accessibility and print layout of the rendered fixture site, in a real browser (Chromium through Playwright).

Every kind of page (home, dashboard, measure page, strategic assessment, method)
is checked with axe-core: no serious or critical violation, both as the fixture
site renders it and as a page of the report's own sections on the demo quarter
in the site's stylesheet. The dashboard's A4 print preview must keep every
column of the measures table in view.

Outside CI these tests skip when Chromium, Playwright or axe-playwright-python is
missing; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import site_fixture as fx
import test_browser
from test_browser import Visit, _unavailable

pytestmark = pytest.mark.browser

shared_browser = test_browser.browser  # the one Chromium fixture of the browser tests

A4_WIDTH = 794  # px at 96 dpi: 210 mm


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_site(tmp_path_factory.mktemp("a11y"))


KINDS = ["home", "dashboard", "measure page", "assessment", "method", "glossary"]


def _section_pages(folder: Path) -> dict[str, Path]:
    """Each kind of report page built from its section functions on the demo quarter, in the site's stylesheet."""
    from importlib import import_module

    from test_report_sections import demo_data

    from analysis.site.assets import stylesheet

    dashboard, measure, assessment, explain, glossary = (
        import_module(f"analysis.report.{name}")
        for name in ("dashboard", "measure", "assessment", "explain", "glossary")
    )

    data = demo_data()
    mid = "asb-incidents" if "asb-incidents" in data.status["measure_id"].tolist() else data.status["measure_id"][0]
    bodies = {
        "dashboard": [fn(data) for fn in dashboard.SECTIONS],
        "measure page": [fn(data, mid) for fn in measure.SECTIONS],
        "assessment": [fn(data) for fn in assessment.SECTIONS],
        "method": [explain.statuses(data), explain.worked_example(data), explain.readings(), explain.caveats(),
                   explain.more_detail(), explain.rules(), explain.data_log(data)],
        "glossary": [glossary.statuses(data), glossary.terms()],
    }  # fmt: skip
    css_kind = {"dashboard": "dashboard", "measure page": "measure", "assessment": "assessment", "method": "method",
                "glossary": "glossary"}  # fmt: skip
    pages = {}
    for kind, parts in bodies.items():
        html = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>'
            + kind
            + "</title><style>"
            + stylesheet()
            + f'</style></head><body class="page page-{css_kind[kind]}"><main id="content"><h1>{kind}</h1>'
            + "".join(str(p) for p in parts)
            + "</main></body></html>"
        )
        path = folder / f"{kind.replace(' ', '-')}.html"
        path.write_text(html, encoding="utf-8")
        pages[kind] = path
    return pages


@pytest.fixture(scope="module")
def sections(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _section_pages(tmp_path_factory.mktemp("sections"))


@pytest.fixture(scope="module")
def axe() -> object:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        _unavailable("axe-playwright-python is not installed")
    return Axe()


def _kinds(site: Path) -> dict[str, Path]:
    """One page of every kind the site has."""
    quarter = site / fx.QUARTER
    measure = sorted((quarter / "measures").glob("*.html"))[0]
    pages = {
        "home": site / "index.html",
        "dashboard": quarter / "index.html",
        "measure page": measure,
        "assessment": quarter / "strategic-assessment.html",
        "method": quarter / "method.html",
        "glossary": quarter / "glossary.html",
    }
    missing = [f"{kind} ({path.relative_to(site)})" for kind, path in pages.items() if not path.is_file()]
    assert not missing, (
        f"pages not found: {missing}; pages are {sorted(p.relative_to(site) for p in site.rglob('*.html'))}"
    )
    return pages


def _serious(axe, visit) -> list[str]:
    results = axe.run(visit.page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in serious]


@pytest.mark.parametrize("kind", KINDS[1:])
def test_report_sections_have_no_serious_accessibility_violation(shared_browser, axe, sections, kind):
    visit = Visit(shared_browser, sections[kind])
    try:
        assert _serious(axe, visit) == [], kind
    finally:
        visit.close()


@pytest.mark.parametrize("kind", KINDS)
def test_no_serious_accessibility_violation(shared_browser, axe, site, kind):
    path = _kinds(site)[kind]
    visit = Visit(shared_browser, path)
    try:
        results = axe.run(visit.page)
        serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        found = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in serious]
        assert found == [], f"{kind}: " + "; ".join(found)
    finally:
        visit.close()


def test_dashboard_print_preview_keeps_every_column(shared_browser, sections):
    visit = Visit(shared_browser, sections["dashboard"], media="print")
    try:
        page = visit.page
        page.set_viewport_size({"width": A4_WIDTH, "height": 1123})
        tables = page.locator("main .dashboard table")
        assert tables.count() >= 1, "no measures table on the dashboard"
        table = tables.first
        box = table.bounding_box()
        container = table.evaluate_handle("t => t.parentElement").as_element().bounding_box()
        right = min(A4_WIDTH, container["x"] + container["width"])
        headers = table.locator("thead th")
        assert headers.count() >= 5
        for i in range(headers.count()):
            cell = headers.nth(i)
            assert cell.is_visible(), f"column {i + 1} ({cell.inner_text()!r}) is hidden in print"
            b = cell.bounding_box()
            assert b is not None and b["width"] > 0, f"column {i + 1} has no width in print"
            assert b["x"] >= 0 and b["x"] + b["width"] <= right + 1, (
                f"column {i + 1} ({cell.inner_text()!r}) runs past the page: {b} (table {box}, edge {right})"
            )
    finally:
        visit.close()


def test_home_table_fits_a_1280_pixel_screen(shared_browser, site):
    visit = Visit(shared_browser, _kinds(site)["home"])
    try:
        page = visit.page
        page.set_viewport_size({"width": 1280, "height": 800})
        box = page.locator("table.quarters").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        visit.close()
