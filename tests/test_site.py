"""The built-in site renderer: layout, hidden code, navigation, escaping, failures, offline pages, the home page."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import site_fixture as fx
from compare import assert_same_files

from analysis import errors
from analysis.core import vocabulary
from analysis.site import assets, builtin
from analysis.site import render as site
from analysis.site.paper import write_paper

PAGES = ["index.html", "strategic-assessment.html", "method.html", "glossary.html", "measures/asb-incidents.html",
         "measures/hostile.html", "measures/broken.html"]  # fmt: skip
NOTEBOOKS = ["dashboard.ipynb", "strategic-assessment.ipynb", "method.ipynb", "glossary.ipynb",
             "measures/asb-incidents.ipynb", "measures/hostile.ipynb", "measures/broken.ipynb"]  # fmt: skip
# What a page must not load from elsewhere: scripts, styles, fonts (the contract's "opens with no network").
OFFSITE = [
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//", re.I),
    re.compile(r"@import", re.I),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.I),
]


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text of each element kind asked for."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The fixture quarter rendered by the built-in renderer: (``_site``, the pages render_quarter returned)."""
    root = tmp_path_factory.mktemp("built")
    processed = root / "data" / "processed"
    fx.write_processed(processed / fx.QUARTER)
    fx.write_processed(
        processed / fx.EARLIER, {"asb-incidents": "red", "hostile": "achieved", "broken": "no_data"}, fx.EARLIER
    )
    reports = fx.write_reports(root / "reports" / fx.QUARTER)
    site_root = root / "_site"
    written = site.render_quarter(
        fx.QUARTER, reports, processed / fx.QUARTER, site_root / fx.QUARTER, renderer="builtin"
    )
    write_paper(fx.QUARTER, reports, processed / fx.QUARTER, site_root / fx.QUARTER)  # as the build does
    site.render_index(processed, site_root)
    return site_root, written


@pytest.fixture(scope="module")
def pages(built: tuple[Path, list[Path]]) -> dict[str, str]:
    site_root, _ = built
    return {
        p.relative_to(site_root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site_root.rglob("*.html"))
    }


def test_layout_every_page_and_notebook_copy(built):
    site_root, written = built
    quarter = site_root / fx.QUARTER
    assert written == [quarter / p for p in PAGES]
    views = ["notebooks/" + n.removesuffix(".ipynb") + ".html" for n in NOTEBOOKS]  # "How this page was made"
    assert sorted(p.relative_to(quarter).as_posix() for p in quarter.rglob("*.html")) == sorted(PAGES + views)
    for rel in NOTEBOOKS:
        source = site_root.parent / "reports" / fx.QUARTER / rel
        assert_same_files(quarter / "notebooks" / rel, source)
    assert (site_root / "index.html").is_file()


def test_code_prompts_and_warnings_are_hidden(pages):
    for name, text in pages.items():
        if "/notebooks/" in name:
            continue  # the notebook views show them, for reviewers
        assert "SECRET_CODE_MARKER" not in text, name
        assert "show_chart()" not in text, name
        assert "WARNING_MARKER" not in text, name
        assert "In&nbsp;[" not in text and "Out[" not in text, name


def test_parameter_cells_are_removed_from_pages_but_kept_in_the_notebooks(built, pages):
    site_root, _ = built
    for name, text in pages.items():
        if "/notebooks/" in name:
            assert "celltag_injected-parameters" in text, f"{name}: the notebook view shows its parameters"
            continue
        assert "injected-parameters" not in text and "celltag_parameters" not in text, name
        assert "# Parameters" not in text and "measure_id =" not in text, name
    nb = nbformat.read(site_root / fx.QUARTER / "notebooks" / "measures" / "asb-incidents.ipynb", as_version=4)
    tags = [t for cell in nb.cells for t in cell.metadata.get("tags", [])]
    assert "parameters" in tags and "injected-parameters" in tags


def test_every_page_has_navigation_title_and_footer(pages):
    for name in PAGES:
        text = pages[f"{fx.QUARTER}/{name}"]
        doc = Elements(text)
        navs = doc.all("nav")
        assert any(n.get("aria-label") == "Report" for n in navs), name
        assert any(n.get("aria-labelledby") == "measure-nav-title" for n in navs), name
        assert len(doc.all("h1")) == 1, name
        assert "2015-16 Q1 (April to June 2015)" in text, name
        assert "Executed notebook" in text, name
        assert "All quarters" in text and "Strategic assessment" in text, name
    assert "<h1>Reduce anti-social behaviour incidents</h1>" in pages[f"{fx.QUARTER}/measures/asb-incidents.html"]
    assert "<h1>How the figures are made</h1>" in pages[f"{fx.QUARTER}/method.html"]
    assert '<a href="method.html">How the figures are made</a>' in pages[f"{fx.QUARTER}/index.html"]
    assert '<a href="../method.html">How the figures are made</a>' in pages[f"{fx.QUARTER}/measures/hostile.html"]
    measures_nav = pages[f"{fx.QUARTER}/index.html"].split('class="measure-nav"')[1].split("</nav>")[0]
    assert measures_nav.index("Anti-social behaviour") < measures_nav.index("Hate &lt;crime&gt;")
    assert measures_nav.count('class="nav-priority"') == 2


def _local_targets(page: Path, text: str) -> list[tuple[str, Path]]:
    doc = Elements(text)
    refs = [a.get("href") for a in doc.all("a")] + [link.get("href") for link in doc.all("link")]
    refs += [e.get("src") for tag in ("img", "script", "iframe", "source") for e in doc.all(tag)]
    out = []
    for ref in refs:
        if not ref or ref.startswith(("#", "mailto:")):
            continue
        parts = urlsplit(ref)
        assert not parts.scheme and not parts.netloc, f"{page}: {ref} is not a relative link"
        out.append((ref, (page.parent / unquote(parts.path)).resolve()))
    return out


def test_every_link_is_relative_and_resolves_to_a_file(built, pages):
    site_root, _ = built
    for name, text in pages.items():
        targets = _local_targets(site_root / name, text)
        assert targets, name
        for ref, target in targets:
            assert target.is_file(), f"{name}: {ref} -> {target} does not exist"
            assert site_root.resolve() in target.parents, f"{name}: {ref} leaves the site"


def test_each_page_links_its_own_executed_notebook(built, pages):
    site_root, _ = built
    for page, notebook in zip(PAGES, NOTEBOOKS, strict=True):
        doc = Elements(pages[f"{fx.QUARTER}/{page}"])
        links = [a["href"] for a in doc.all("a") if a.get("class") == "notebook-link"]
        expected = "../" * page.count("/") + f"notebooks/{notebook}"
        assert links == [expected], page
        assert (site_root / fx.QUARTER / page).parent.joinpath(expected).resolve().is_file()


def test_every_page_has_a_code_visible_notebook_view_that_opens_offline(built, pages):
    """ "How this page was made": the executed notebook whole, parameters and code shown, beside its .ipynb."""
    site_root, _ = built
    for page, notebook in zip(PAGES, NOTEBOOKS, strict=True):
        doc = Elements(pages[f"{fx.QUARTER}/{page}"])
        links = [a["href"] for a in doc.all("a") if a.get("class") == "view-link"]
        view_rel = "notebooks/" + notebook.removesuffix(".ipynb") + ".html"
        assert links == ["../" * page.count("/") + view_rel], page
        text = pages[f"{fx.QUARTER}/{view_rel}"]
        view = Elements(text)
        assert "How this page was made" in text and 'class="page page-notebook' in text, view_rel
        assert "celltag_injected-parameters" in text and "celltag_parameters" in text, view_rel
        assert "jp-InputArea" in text and 'class="highlight' in text, f"{view_rel} shows its code"
        downloads = [a["href"] for a in view.all("a") if a.get("class") in ("notebook-link", "notebook-download")]
        assert downloads and set(downloads) == {Path(notebook).name}, view_rel
        backs = [a["href"] for a in view.all("a") if a.get("class") == "page-link"]
        assert backs == ["../" * view_rel.count("/") + page], view_rel
        assert assets.offsite_fetches(text) == [], view_rel
        assert not any(p.search(text) for p in OFFSITE), view_rel
        assert not re.search(r"mathjax|require\.js|cdn\.", text, re.I), view_rel
    assets.check_offline({site_root / name: text for name, text in pages.items() if "/notebooks/" in name})


def test_reviewer_cells_are_in_the_notebook_view_but_not_on_the_page(tmp_path):
    reports = fx.write_reports(tmp_path / "reports")
    processed = fx.write_processed(tmp_path / "processed")
    nb = nbformat.read(reports / "measures" / "asb-incidents.ipynb", as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "worked_out", metadata={"tags": ["reviewer"]}, outputs=[fx._html("<p>Status worked out: SECRET-METHOD</p>")]
        )
    )
    nbformat.write(nb, reports / "measures" / "asb-incidents.ipynb")
    site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "site", renderer="builtin")
    assert "SECRET-METHOD" not in (tmp_path / "site" / "measures" / "asb-incidents.html").read_text(encoding="utf-8")
    view = (tmp_path / "site" / "notebooks" / "measures" / "asb-incidents.html").read_text(encoding="utf-8")
    assert "SECRET-METHOD" in view and "worked_out" in view


def test_untrusted_register_text_is_escaped(pages):
    for name, text in pages.items():
        assert "<script>alert(1)</script>" not in text, name
        assert "<img src=x onerror" not in text, name
        assert "<Example>" not in text and "<crime>" not in text, name
        assert not Elements(text).all("script"), name
        assert not Elements(text).all("img"), name
    hostile = pages[f"{fx.QUARTER}/measures/hostile.html"]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"
    assert f"<h1>{escaped}</h1>" in hostile
    assert f"<title>{escaped} – Safer &lt;Example&gt; &amp; Co," in hostile
    assert escaped in pages[f"{fx.QUARTER}/index.html"]


def test_a_failed_notebook_gets_a_page_that_says_why(pages):
    broken = pages[f"{fx.QUARTER}/measures/broken.html"]
    assert 'role="alert"' in broken
    assert "The notebook for this measure failed" in broken
    assert "KeyError: 'period_end' &lt;b&gt;not found&lt;/b&gt;" in broken.replace("&#39;", "'")
    assert "This step stopped with an error" in broken
    assert "Before the error" in broken and "<svg" in broken
    assert "An Exception was encountered" not in broken
    for name in ("index.html", "measures/asb-incidents.html"):
        assert 'role="alert"' not in pages[f"{fx.QUARTER}/{name}"]


def test_a_missing_notebook_gets_a_page_that_says_so(tmp_path):
    processed = fx.write_processed(tmp_path / "processed")
    reports = fx.write_reports(tmp_path / "reports")
    (reports / "measures" / "hostile.ipynb").unlink()
    (reports / "strategic-assessment.ipynb").unlink()
    written = site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "site", renderer="builtin")
    assert tmp_path / "site" / "measures" / "hostile.html" in written
    text = (tmp_path / "site" / "measures" / "hostile.html").read_text(encoding="utf-8")
    assert "its notebook is missing" in text and 'role="alert"' in text
    assert "No executed notebook" in text
    assert "its notebook is missing" in (tmp_path / "site" / "strategic-assessment.html").read_text(encoding="utf-8")


def test_nothing_is_fetched_from_elsewhere(built, pages):
    for name, text in pages.items():
        for pattern in OFFSITE:
            assert not pattern.search(text), f"{name}: {pattern.pattern}"
        assert not assets.offsite_fetches(text), name
    css = assets.stylesheet()
    assert not any(p.search(css) for p in OFFSITE)
    assert "require.js" not in "".join(pages.values()) and "mathjax" not in "".join(pages.values()).lower()


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "rendering-workers"])
def test_a_page_that_would_fetch_from_a_cdn_is_refused(tmp_path, jobs):
    processed = fx.write_processed(tmp_path / "processed")
    reports = fx.write_reports(tmp_path / "reports")
    nb = fx.measure("hostile")
    nb.cells[-2].outputs = [fx._html('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>')]
    nbformat.write(nb, reports / "measures" / "hostile.ipynb")
    with pytest.raises(errors.OffsiteContentError, match=r"hostile\.html.*cdn\.jsdelivr\.net"):
        site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "site", renderer="builtin", jobs=jobs)


def test_home_lists_quarters_newest_first_with_status_counts(built):
    site_root, _ = built
    text = (site_root / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", text, re.S)
    assert [re.search(r"\d{4}-\d{2} Q\d", r).group(0) for r in rows] == ["2015-16 Q1", "2014-15 Q4"]
    assert f'<a href="{fx.QUARTER}/index.html">2015-16 Q1</a>' in rows[0]
    assert "<a " not in rows[1] and "were not built" in rows[1]
    numbers = [re.findall(r'<td class="num">(\d+)</td>', r) for r in rows]
    assert numbers == [["3", "0", "1", "1", "0", "1", "0"], ["3", "1", "0", "0", "1", "0", "1"]]
    assert "1 green, 1 amber and 1 monitoring only" in rows[0]
    assert "1 achieved, 1 red and 1 with no data" in rows[1]
    assert "Safer &lt;Example&gt; &amp; Co" in rows[0]
    assert all(p.search(text) is None for p in OFFSITE)


def test_home_links_a_quarter_being_published(tmp_path):
    fx.write_processed(tmp_path / "processed" / fx.QUARTER)
    (tmp_path / "processed" / "not-a-quarter").mkdir()
    (tmp_path / "processed" / "not-a-quarter" / "measure_status.csv").write_text("measure_id\n")
    index = site.render_index(tmp_path / "processed", tmp_path / "_site", publishing=(fx.QUARTER,))
    text = index.read_text(encoding="utf-8")
    assert f'<a href="{fx.QUARTER}/index.html">' in text
    assert "not-a-quarter" not in text
    empty = site.render_index(tmp_path / "nothing", tmp_path / "empty").read_text(encoding="utf-8")
    assert "No quarter has been built yet" in empty


def test_renderers(tmp_path, monkeypatch):
    processed = fx.write_processed(tmp_path / "processed")
    reports = fx.write_reports(tmp_path / "reports")
    with pytest.raises(ValueError, match="not one of"):
        site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "x", renderer="pandoc")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(errors.QuartoNotFoundError, match=r"quarto.*not on PATH"):
        site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "q", renderer="quarto")
    assert isinstance(errors.QuartoNotFoundError("x"), errors.CspReportError)
    written = site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "auto")
    assert (tmp_path / "auto" / "index.html") in written


def test_one_exporter_and_byte_stable_pages(built, tmp_path):
    assert builtin.exporter() is builtin.exporter() and builtin.exporter(code=True) is builtin.exporter(code=True)
    site_root, _ = built
    processed = fx.write_processed(tmp_path / "processed")
    shutil.copytree(site_root.parent / "reports" / fx.QUARTER, tmp_path / "reports")
    again = site.render_quarter(fx.QUARTER, tmp_path / "reports", processed, tmp_path / "site", renderer="builtin")
    for page in again:
        rel = page.relative_to(tmp_path / "site")
        assert_same_files(page, site_root / fx.QUARTER / rel)


def test_tables_have_header_cells(pages):
    for name, text in pages.items():
        for table in re.findall(r"<table\b.*?</table>", text, re.S):
            assert "<th" in table, name


def _contrast(a: str, b: str) -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_status_badges_have_readable_colours_for_every_status():
    css = assets.stylesheet()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    for code in ("achieved", "green", "amber", "red", "monitor", "no_data"):
        assert f".status-{code} {{" in css, code
        var = code.replace("_", "-")
        assert _contrast(colours[f"{var}-bg"], colours[f"{var}-fg"]) >= 4.5, code
        assert vocabulary.STATUS_SYMBOLS[code] and vocabulary.STATUS_SHORT[code]


def test_print_stylesheet_is_a_committee_paper():
    css = assets.stylesheet()
    print_css = css.split("@media print")[1]
    assert "size: A4" in print_css
    for hidden in (".site-nav", ".measure-nav", ".skip-link"):
        assert hidden in print_css.split("display: none")[0]
    assert 'content: " (" attr(href) ")"' in print_css
    assert "break-before: page" in print_css
    assert "break-inside: avoid" in print_css


def test_pages_are_rendered_again_only_when_their_notebook_changed(tmp_path, monkeypatch):
    processed = fx.write_processed(tmp_path / "processed")
    reports = fx.write_reports(tmp_path / "reports")
    cache = tmp_path / "cache"
    first = site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "a", renderer="builtin", cache_dir=cache)
    rendered: list[str] = []
    real = builtin._render_page
    monkeypatch.setattr(
        builtin, "_render_page", lambda page, context, target: (rendered.append(page.html), real(page, context, target))
    )
    nb = nbformat.read(reports / "measures" / "asb-incidents.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A late note."))
    nbformat.write(nb, reports / "measures" / "asb-incidents.ipynb")
    second = site.render_quarter(fx.QUARTER, reports, processed, tmp_path / "b", renderer="builtin", cache_dir=cache)
    assert rendered == ["measures/asb-incidents.html"]
    assert [p.relative_to(tmp_path / "b") for p in second] == [p.relative_to(tmp_path / "a") for p in first]
    assert "A late note." in (tmp_path / "b" / "measures" / "asb-incidents.html").read_text()
