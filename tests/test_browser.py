"""The rendered site in a real browser (Chromium through Playwright), with the network cut off.

Every request that is not for a ``file://`` URL is aborted and recorded. Checked on
the fixture quarter and on the demo quarter built end to end: every page loads
with no console error and nothing fetched from elsewhere, every measure page draws
its charts, the dashboard gives every measure's status in words, and every link
leads to a file of the site.

Outside CI these tests skip when Chromium or Playwright is missing; with ``CI=true``
they fail instead, so a CI machine cannot pass them by not running them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import site_fixture as fx
from partnership import HOSTILE

from analysis.processed.contract import MEASURE_STATUS
from analysis.processed.quarter import read_table
from analysis.processed.versions import walk_files

pytestmark = pytest.mark.browser

DEMO_QUARTER = "2015-16-Q1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("Chromium is not installed (no `chromium` on PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=["fixture", pytest.param("demo", marks=pytest.mark.slow)])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A rendered site and the processed folder of its quarter: the fixture quarter, or the demo built end to end."""
    if request.param == "fixture":
        root = tmp_path_factory.mktemp(request.param)
        return fx.build_site(root), root / "data" / "processed" / fx.QUARTER
    root = request.getfixturevalue("built_demo")  # the session's demo build (conftest.py)
    return root / "_site", root / "data" / "processed" / DEMO_QUARTER


class Visit:
    """One page opened with the network cut off: console errors, page errors and off-site requests."""

    def __init__(self, browser, path: Path, media: str = "screen", width: int = 1280) -> None:
        self.errors: list[str] = []
        self.offsite: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.emulate_media(media=media)
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: r.url.startswith("file:") and self.errors.append(f"failed: {r.url}"))
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def _pages(site: Path) -> list[Path]:
    """Every page of the site, each quarter's through its link to the published version."""
    return [p for p in walk_files(site) if p.suffix == ".html"]


@dataclass(frozen=True)
class Seen:
    """What one page showed when it was opened: its off-site requests, errors, headings, title, links and ids."""

    offsite: list[str]
    errors: list[str]
    h1: int
    title: str
    hrefs: list[str]
    ids: set[str]
    header_hrefs: list[str]  # the links of the site's header (the built-in pages' and Quarto's)


@pytest.fixture(scope="module")
def walked(browser, built) -> dict[Path, Seen]:
    """Every page of the site opened once, with the network cut off (the tests below each read what it saw)."""
    site, _ = built
    seen = {}
    for path in _pages(site):
        visit = Visit(browser, path)
        try:
            seen[path] = Seen(
                offsite=list(visit.offsite),
                errors=list(visit.errors),
                h1=visit.page.locator("h1").count(),
                title=visit.page.title(),
                hrefs=visit.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"),
                ids=set(visit.page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")),
                header_hrefs=visit.page.eval_on_selector_all(
                    "header.site-header a[href], #quarto-header a[href]", "els => els.map(e => e.getAttribute('href'))"
                ),
            )
        finally:
            visit.close()
    return seen


def test_every_page_loads_offline_without_errors(walked, built):
    site, _ = built
    assert len(walked) >= 5
    for path, seen in walked.items():
        assert seen.offsite == [], f"{path.relative_to(site)} asked the network for {seen.offsite}"
        assert seen.errors == [], f"{path.relative_to(site)}: {seen.errors}"
        assert seen.h1 == 1, f"{path.relative_to(site)}: one <h1>, the page title"
        assert seen.title, path


def test_every_measure_page_draws_its_charts(browser, built):
    site, processed = built
    measures = read_table(processed, MEASURE_STATUS)["measure_id"].tolist()
    quarter = site / processed.name
    for mid in measures:
        visit = Visit(browser, quarter / "measures" / f"{mid}.html")
        try:
            charts = visit.page.locator("main figure svg")
            assert charts.count() >= 1, f"{mid}: no chart"
            for i in range(charts.count()):
                box = charts.nth(i).bounding_box()
                assert box and box["width"] > 0 and box["height"] > 0, f"{mid}: chart {i} has no size"
            labelled = visit.page.locator("main figure[aria-label], main figure figcaption")
            assert labelled.count() >= 1, f"{mid}: charts need a text alternative"
        finally:
            visit.close()


# For each measure: its link in the dashboard's main content and the status badge beside it (same row or item).
_DASHBOARD_ROWS = """(mid) => {
  const links = [...document.querySelectorAll('main a')].filter(a => a.getAttribute('href') === `measures/${mid}.html`);
  return links.map(a => {
    const row = a.closest('tr, li, article, section, div');
    return [...row.querySelectorAll('.status')].map(badge => {
      const words = [...badge.childNodes].filter(n => !(n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true'));
      return {classes: badge.className, words: words.map(n => n.textContent).join('').trim()};
    });
  });
}"""


def test_dashboard_lists_every_measure_with_its_status_in_words(browser, built):
    site, processed = built
    status = read_table(processed, MEASURE_STATUS)
    visit = Visit(browser, site / processed.name / "index.html")
    try:
        for mid, code in zip(status["measure_id"], status["status"], strict=True):
            rows = visit.page.evaluate(_DASHBOARD_ROWS, mid)
            assert rows, f"the dashboard does not link measure {mid}"
            badges = [b for row in rows for b in row if f"status-{code}" in b["classes"].split()]
            assert badges, f"the dashboard does not show {mid}'s status ({code}) beside it"
            assert any(sum(c.isalpha() for c in b["words"]) >= 3 for b in badges), f"{mid}: status without words"
    finally:
        visit.close()


def test_every_link_resolves_to_a_file_of_the_site(walked, built):
    site, _ = built
    root = Path(os.path.normpath(site))
    for path, seen in walked.items():
        for href in seen.hrefs:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto"):
                continue  # a link a reader may follow, not something the page loads
            assert not parts.scheme and not parts.netloc, f"{path.relative_to(site)}: {href}"
            if not parts.path:
                assert parts.fragment in seen.ids, f"{path.relative_to(site)}: no element #{parts.fragment}"
                continue
            # as a browser resolves it: by the link's own path, not through the quarter's link to its version
            target = Path(os.path.normpath(path.parent / unquote(parts.path)))
            assert target.is_file(), f"{path.relative_to(site)}: {href} does not lead to a file"
            assert root in target.parents, f"{path.relative_to(site)}: {href} leaves the site"


def test_every_page_has_the_committee_paper_in_its_header(walked, built):
    """A board member reaches the quarter's paper from the header of any page, notebook views included."""
    from analysis.site.catalogue import PAPER_NAME

    site, _ = built
    for path, seen in walked.items():
        papers = [h for h in seen.header_hrefs if h.endswith(PAPER_NAME)]
        assert papers, f"{path.relative_to(site)}: no link to the committee paper in its header"


# Cells of the dashboard's tables whose content is wider than the cell (a word or figure that does not fit).
_CRAMPED = """() => [...document.querySelectorAll('main table th, main table td')]
  .filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => `${c.textContent.trim().slice(0, 40)} (${c.scrollWidth} px in ${c.clientWidth} px)`)"""


def test_the_dashboard_fits_a_1280_px_window(browser, built):
    """At 1,280 px the dashboard has no sideways scroll, and every cell of its tables holds its words."""
    site, processed = built
    visit = Visit(browser, site / processed.name / "index.html", width=1280)
    try:
        scroll, window = visit.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= window, f"the dashboard is {scroll} px wide in a {window} px window"
        real = visit.page.locator('section[data-section="measures"] table').count() > 0  # not the fixture's page
        for header in ("Annual target", "Change on last year") if real else ():
            cell = visit.page.locator('section[data-section="measures"] th', has_text=header).first
            box = cell.bounding_box()
            assert box and box["x"] + box["width"] <= window, f"{header!r} is off-screen at {window} px"
        assert visit.page.evaluate(_CRAMPED) == []
    finally:
        visit.close()


def test_printing_leaves_out_the_navigation(browser, built):
    site, processed = built
    visit = Visit(browser, site / processed.name / "index.html", media="print")
    try:
        assert not visit.page.locator(".measure-nav").is_visible()
        assert not visit.page.locator(".site-nav").is_visible()
        assert visit.page.locator("main h1").first.is_visible()
    finally:
        visit.close()


def test_home_page_leads_to_the_quarter(browser, built):
    site, processed = built
    visit = Visit(browser, site / "index.html")
    try:
        link = visit.page.locator(f'main a[href="{processed.name}/index.html"]')
        assert link.count() == 1, "the home page does not link the quarter's dashboard"
        assert visit.offsite == [] and visit.errors == []
    finally:
        visit.close()


# ---------------------------------------------------------------------------
# Hostile text: a partnership's data must never run a script in a reader's browser


@pytest.fixture(scope="module")
def hostile_site(small_build: Path) -> tuple[Path, dict[str, str]]:
    """The session's small partnership (tests/partnership.py), built with script-laden text in every untrusted
    field a page shows: its name, a title, a lead, a priority, commentary, an action, a recommendation."""
    return small_build / "_site", HOSTILE


@pytest.mark.slow
def test_hostile_text_is_shown_as_text_and_never_runs(browser, hostile_site):
    site, _ = hostile_site
    pages = _pages(site)
    assert len(pages) >= 10
    for path in pages:
        visit = Visit(browser, path)
        dialogs: list[str] = []
        visit.page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        try:
            visit.page.reload(wait_until="load")
            visit.page.mouse.move(300, 300)
            assert dialogs == [], f"{path.relative_to(site)} ran a script from the data: {dialogs}"
            scripts = visit.page.eval_on_selector_all("script", "els => els.map(e => e.textContent)")
            assert not any("alert(" in s for s in scripts), path
            handlers = visit.page.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
            )
            assert handlers == [], f"{path.relative_to(site)}: event handlers from the data {handlers}"
            assert visit.page.locator("a[href^='javascript:']").count() == 0, path
        finally:
            visit.close()


@pytest.mark.slow
def test_hostile_text_is_visible_to_readers(browser, hostile_site):
    site, hostile = hostile_site
    visit = Visit(browser, site / DEMO_QUARTER / "measures" / "asb-incidents.html")
    try:
        body = visit.page.inner_text("body")
        assert hostile["img"] in body  # the title, as text
        assert hostile["script"] in body  # the partnership name and the commentary, as text
        assert visit.page.locator(".commentary strong", has_text="Kept bold").count() == 1
    finally:
        visit.close()
