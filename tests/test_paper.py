"""The committee paper: the demo's PDF as the contract describes it, hostile text as text, the `paper` command,
and the register's ``report:``/``sources:`` blocks it is made from."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import itertools
import re
import socket
import stat
from pathlib import Path

import nbformat
import pytest
import site_fixture as fx
from pypdf import PdfReader

from analysis.cli import main
from analysis.core.problems import InputError
from analysis.core.register import ReportInfo, Source
from analysis.core.vocabulary import ACTION_STATUSES
from analysis.inputs.register import check_register, parse_register
from analysis.processed.contract import EXCEPTIONS, MEASURE_STATUS
from analysis.processed.quarter import read_register, read_table
from analysis.report.measure import SPC_HEADING
from analysis.site import paper
from analysis.site.print_charts import chart_for_print

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2015-16-Q1"
A4 = (595.28, 841.89)


def _text(reader: PdfReader, pages: slice = slice(None)) -> str:
    """The text of some pages with runs of white space as one space, as a reader would search it."""
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages[pages]))


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Every font the pages use, and whether its program is embedded in the file."""
    fonts: dict[str, bool] = {}

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return fonts


ICONS = ("Variation: ", "Assurance: ")  # the icon summary's icons, each a figure with its words


@pytest.mark.slow
def test_demo_paper_shows_the_icon_summary_beside_the_traffic_lights(demo_paper, built_demo):
    _, reader = demo_paper
    status = read_table(built_demo / "data" / "processed" / QUARTER, MEASURE_STATUS)
    icons = [alt for alt, _ in _figures(reader) if (alt or "").startswith(ICONS)]
    assert len(icons) == (status["spc_variation"] != "").sum() + (status["spc_assurance"] != "").sum()
    assert "Variation: Unusual improvement (high)" in icons and "Assurance: Not met without a change (fail)" in icons
    assert "Variation and assurance" in _text(reader)


def _figures(reader: PdfReader) -> list[tuple[str | None, list[float]]]:
    """Each figure of the PDF's structure tree: its alternative text (None without one) and its box on the page."""
    found = []

    def visit(node) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                visit(child)
            return
        if not isinstance(node, dict):
            return
        if node.get("/S") == "/Figure":
            alt = node.get("/Alt")
            found.append((None if alt is None else str(alt), [float(x) for x in node["/A"]["/BBox"]]))
        if "/K" in node:
            visit(node["/K"])

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def _quarter_layout(root: Path, report: ReportInfo | None = None, quarter: str = QUARTER) -> Path:
    """The fixture quarter laid out as ``build`` leaves it under ``--out`` (tables and executed notebooks)."""
    processed = fx.write_processed(root / "data" / "processed" / quarter, quarter=quarter)
    if report is not None:
        register = dataclasses.replace(read_register(processed), report=report)
        (processed / "register.json").write_text(register.to_json(), encoding="utf-8")
    fx.write_reports(root / "reports" / quarter)
    return root


# --- the demo's paper, from the session's build ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_paper(built_demo: Path) -> tuple[Path, PdfReader]:
    path = built_demo / "_site" / QUARTER / "committee-paper.pdf"
    assert path.is_file(), "the build wrote no committee paper"
    return path, PdfReader(path)


@pytest.mark.slow
def test_demo_paper_is_a4_and_at_most_20_pages(demo_paper):
    """Seed 003's whole pack (with the action plan of seed 000), and no more: a paper a board member reads."""
    _, reader = demo_paper
    assert 4 <= len(reader.pages) <= 20
    for number, page in enumerate(reader.pages, 1):
        size = sorted((round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)))
        assert size == pytest.approx(sorted(A4), abs=0.5), f"page {number} is {size}, not A4"
    assert float(reader.pages[0].mediabox.height) > float(reader.pages[0].mediabox.width), "the cover is portrait"


@pytest.mark.slow
def test_demo_paper_opens_with_the_cover_and_the_summary(demo_paper):
    _, reader = demo_paper
    cover = _text(reader, slice(0, 1))
    for words in ("Safer Plymouth Partnership Board", "23 July 2015", "Community Safety Analyst", "2015-16-Q1",
                  "Version", "Contents", "Illustrative"):  # fmt: skip
        assert words in cover, words
    first_two = _text(reader, slice(0, 2))
    assert "Executive summary" in first_two
    assert "Of eight measures: four green, one amber, one red and two monitoring only." in first_two
    assert "What changed since last quarter" in first_two
    assert re.search(r"Page 2 of \d+", first_two), "pages are numbered"


@pytest.mark.slow
def test_demo_paper_gives_every_measure_with_its_status_in_words(demo_paper, built_demo):
    _, reader = demo_paper
    text = _text(reader)
    status = read_table(built_demo / "data" / "processed" / QUARTER, MEASURE_STATUS)
    assert len(status) == 8
    for row in status.to_dict("records"):
        title = re.sub(r"\s+", " ", row["title"])
        assert title in text, title
        words = paper.STATUS_WORDS[row["status"]]
        assert f"Status: {words} ({row['status_label']})" in text, row["measure_id"]
    exceptions = status[status["status"].isin(["amber", "red"])]
    assert len(exceptions) == 2
    for row in exceptions.to_dict("records"):
        assert f"Exception ({row['status']}): {row['title']}" in text


@pytest.mark.slow
def test_demo_paper_embeds_its_fonts_and_is_tagged(demo_paper):
    _, reader = demo_paper
    fonts = _fonts(reader)
    assert any("DejaVu" in name for name in fonts), fonts
    assert all(fonts.values()), {name for name, embedded in fonts.items() if not embedded}
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "Safer Plymouth: performance report, quarter one 2015/16"


@pytest.mark.slow
def test_demo_paper_gives_every_chart_its_text_alternative(demo_paper, built_demo):
    _, reader = demo_paper
    figures = [f for f in _figures(reader) if not (f[0] or "").startswith(ICONS)]
    assert len(figures) >= 3, "the demo's paper has charts"
    assert all(alt for alt, _ in figures), "every figure of the PDF carries its text alternative"
    site = built_demo / "_site" / QUARTER
    pages = [*(site / "measures").glob("*.html"), site / "strategic-assessment.html"]  # the family group's charts
    labels = {html.unescape(label) for page in pages for label in re.findall(r'aria-label="([^"]*)"', page.read_text())}
    assert {alt for alt, _ in figures} <= labels, "the same words as the site's charts"


@pytest.mark.slow
def test_demo_paper_gives_each_exception_item_its_page_with_the_one_chart_it_is_judged_by(demo_paper, built_demo):
    """An exception item: verdict, key figures, the evidence in words, the cumulative chart, commentary and actions;
    the period table and the period and SPC charts stay on the site, so each item ends within two pages."""
    _, reader = demo_paper
    exceptions = read_table(built_demo / "data" / "processed" / QUARTER, EXCEPTIONS)
    alts = [alt for alt, _ in _figures(reader) if not (alt or "").startswith(ICONS)]
    family = [alt for alt in alts if alt.startswith(("Bar chart of crimes per 1,000", "Funnel plot of crimes"))]
    assert len(family) == 2, "the family group's bar chart and funnel plot"
    measures = [alt for alt in alts if alt not in family]
    assert len(measures) == len(exceptions) >= 3, "one chart an exception item, none for the other measures"
    assert all(alt.startswith("Line chart of cumulative") for alt in measures), measures
    pages = [_text(reader, slice(i, i + 1)) for i in range(len(reader.pages))]
    starts = [i for i, text in enumerate(pages) if "EXCEPTION:" in text]
    starts.append(next(i for i in range(starts[-1] + 1, len(pages)) if "Exception items: period by" in pages[i]))
    assert len(starts) == len(exceptions) + 1
    assert all(b - a == 1 for a, b in itertools.pairwise(starts)), f"each item on its one page: {starts}"
    items = " ".join(pages[starts[0] : starts[-1]])
    for heading in ("Year to date", "Change on last year", "Projection", SPC_HEADING, "Commentary"):
        assert items.count(heading) >= len(exceptions), heading
    assert "Period by period" not in items and "Exact test of the counts" not in items, "the site's detail"
    tables = _text(reader, slice(starts[-1], starts[-1] + 1))
    assert tables.count("% difference on last year") == len(exceptions), "and their period tables, together after"


# Seed 003's parts in its order (with seed 000's summary of actions): the heading each opens with in the paper.
PARTS = (
    "Executive summary",
    "Dashboard: every priority and measure",
    "EXCEPTION:",
    "Exception items: period by period",
    "Other measures",
    "Family group position",
    "Family group position: this quarter and last",
    "Performance on strategic assessment recommendations",
    "Summary of actions by status",
    "Action plan by priority",
)


@pytest.mark.slow
def test_demo_paper_carries_seed_003s_parts_in_its_order(demo_paper):
    _, reader = demo_paper
    text = _text(reader, slice(1, None))  # after the cover and its contents
    found = [text.find(heading) for heading in PARTS]
    assert all(at >= 0 for at in found), [h for h, at in zip(PARTS, found, strict=True) if at < 0]
    assert found == sorted(found), [h for _, h in sorted(zip(found, PARTS, strict=True))]


@pytest.fixture(scope="module")
def demo_document(built_demo: Path) -> str:
    """The demo paper's HTML as plain text, one space between words (table cells read whole, unlike the PDF's)."""
    document = paper.paper_html(QUARTER, built_demo / "reports" / QUARTER, built_demo / "data" / "processed" / QUARTER)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", document)))


@pytest.mark.slow
def test_demo_paper_has_the_whole_action_plan_and_each_prioritys_summary_box(demo_document, built_demo):
    from analysis.processed.contract import ACTION_PLAN

    plan = read_table(built_demo / "data" / "processed" / QUARTER, ACTION_PLAN)
    assert "ASB2" in set(plan["ref"]), "the demo has the task the board missed"
    for t in plan.itertuples():
        assert f"Ref {t.ref}: {t.action}" in demo_document, t.ref
        assert " ".join(t.task.split()) in demo_document, t.task
        assert " ".join(t.position.split()) in demo_document, t.position
    # seed 000's box for the ASB priority: the date of the meeting, its lead, its tasks by status
    asb = plan[plan["ref"].str.startswith("ASB")]
    counts = " ".join(f"{w}: {(asb['status'] == s).sum()}" for s, w in zip(ACTION_STATUSES, ACTION_WORDS, strict=True))
    assert f"Date 23 July 2015 Lead ASB Delivery Group {counts.replace(':', '')} Total {len(asb)}" in demo_document


ACTION_WORDS = ("Achieved", "Green", "Amber", "Red")


@pytest.mark.slow
def test_demo_paper_has_every_recommendation_with_its_progress(demo_document, built_demo):
    from analysis.processed.contract import RECOMMENDATIONS

    recs = read_table(built_demo / "data" / "processed" / QUARTER, RECOMMENDATIONS)
    assert len(recs) == 17
    for r in recs.itertuples():
        assert f"{int(r.number)}. {' '.join(r.recommendation.split())}" in demo_document, r.number
        if r.progress:
            assert " ".join(r.progress.split()) in demo_document, r.number


@pytest.mark.slow
def test_demo_paper_lists_the_measures_in_development_and_every_priority(demo_document, built_demo):
    register = read_register(built_demo / "data" / "processed" / QUARTER)
    assert len(register.in_development) == 6
    for m in register.in_development:
        assert " ".join(m.title.split()) in demo_document, m.id
    assert demo_document.count("expected to report from quarter two 2015/16") >= 3, "the ASB victim measures"
    dashboard = demo_document[demo_document.index("Dashboard: every priority and measure Measures by priority") :]
    for p in register.plan:
        assert f"{p.name} Lead: {p.lead}" in dashboard if p.lead else f"{p.name} No lead named" in dashboard, p.name
    assert "Sexual violence No lead named No measure is reported for this priority yet." in dashboard


@pytest.mark.slow
def test_demo_papers_other_measures_carry_their_period_table_and_commentary(demo_document, built_demo):
    start = demo_document.index("Other measures Overall crime")
    others = demo_document[start : demo_document.index("Family group position", start)]
    processed = built_demo / "data" / "processed" / QUARTER
    status, exceptions = read_table(processed, MEASURE_STATUS), read_table(processed, EXCEPTIONS)
    assert others.count("Period by period") == len(status) - len(exceptions) == 5
    commentary = (ROOT / "data" / "raw" / "commentary" / QUARTER / "asb-incidents.md").read_text(encoding="utf-8")
    assert " ".join(commentary.replace("*", "").split()[:12]) in others, (
        "the analyst's commentary of a measure that is not an exception"
    )


@pytest.mark.slow
def test_each_theme_group_has_its_page_with_its_measures_and_tasks(built_demo):
    """Seed 001: a report per theme group, linked from the quarter's pages; a lead's page holds only what is theirs."""
    site = built_demo / "_site" / QUARTER
    index = (site / "index.html").read_text(encoding="utf-8")
    for slug in ("asb-delivery-group", "domestic-abuse-partnership", "hate-crime-delivery-group"):
        assert f'href="leads/{slug}.html"' in index, slug
    page = html.unescape((site / "leads" / "asb-delivery-group.html").read_text(encoding="utf-8"))
    for words in ("Reduce the rate of anti-social behaviour incidents",
                  "Develop performance indicators for the ASB Victim Champion Service",
                  "Satisfaction rate of vulnerable victims of ASB with the service they receive"):  # fmt: skip
        assert words in page, words
    assert "Deliver DASH training to partner agencies" not in page, "another group's task"


@pytest.mark.slow
@pytest.mark.parametrize("page", ["index.html", "strategic-assessment.html", "measures/asb-incidents.html"])
def test_every_page_of_the_quarter_links_to_the_paper(built_demo, page):
    path = built_demo / "_site" / QUARTER / page
    hrefs = re.findall(r'href="([^"]*committee-paper\.pdf)"', path.read_text(encoding="utf-8"))
    assert hrefs, page
    assert (path.parent / hrefs[0]).resolve().is_file()


# --- the fixture quarter: hostile text, the command, no network ------------------------------------------------

HOSTILE_REPORT = ReportInfo(
    board="Board <b>bold</b> & co",
    meetings={QUARTER: "2015-07-23"},
    author="</title><script>alert(2)</script>",
    version="1.0",
)


@pytest.mark.parametrize(
    ("meetings", "quarter", "cover"),
    [
        ({"2015-16-Q1": "2015-07-23", "2015-16-Q2": "2015-10-22"}, "2015-16-Q1", "Meeting of 23 July 2015"),
        ({"2015-16-Q1": "2015-07-23", "2015-16-Q2": "2015-10-22"}, "2015-16-Q2", "Meeting of 22 October 2015"),
        ({"2015-16-Q1": "2015-07-23"}, "2015-16-Q2", "Meeting date to be confirmed"),
        ({}, "2015-16-Q1", "Meeting date to be confirmed"),
    ],
    ids=["q1-own-date", "q2-own-date", "q2-to-be-confirmed", "none-given"],
)
def test_the_cover_gives_the_quarters_own_meeting(tmp_path, meetings, quarter, cover):
    root = _quarter_layout(tmp_path, ReportInfo(board="The Board", meetings=meetings), quarter)
    document = paper.paper_html(quarter, root / "reports" / quarter, root / "data" / "processed" / quarter)
    shown = re.search(r'<p class="cover-meeting">([^<]*)</p>', document)
    assert shown is not None and shown[1] == cover
    assert document.count("Meeting of") <= 1, "only the quarter's own meeting"


@pytest.fixture(scope="module")
def hostile_paper(tmp_path_factory) -> tuple[str, PdfReader]:
    root = _quarter_layout(tmp_path_factory.mktemp("paper"), HOSTILE_REPORT)
    reports, processed = root / "reports" / QUARTER, root / "data" / "processed" / QUARTER
    document = paper.paper_html(QUARTER, reports, processed)
    path = paper.write_paper(QUARTER, reports, processed, root / "_site" / QUARTER)
    return document, PdfReader(path)


@pytest.mark.parametrize(
    "hostile",
    [fx.HOSTILE, fx.PARTNERSHIP, HOSTILE_REPORT.board, HOSTILE_REPORT.author],
    ids=["measure-title", "partnership", "board", "author"],
)
def test_hostile_text_comes_out_as_text(hostile_paper, hostile):
    document, reader = hostile_paper
    assert hostile in _text(reader), "the text is printed as the analyst wrote it"
    assert hostile not in document, "and never reaches the layout as markup"
    assert "<script>" not in document
    assert reader.metadata.author == HOSTILE_REPORT.author


def test_the_paper_selects_only_sections_the_pages_declare():
    """The paper takes sections by their data-section mark: every name it asks for is a declared section."""
    from analysis.report import measure
    from analysis.report.dashboard import SECTIONS as dashboard_sections

    assert {*paper.EXCEPTION_SECTIONS, *paper.COMPACT_SECTIONS} <= set(measure.SECTIONS.names)
    assert set(paper.DASHBOARD_SECTIONS) <= set(dashboard_sections.names)


def test_fixture_paper_has_the_exception_and_the_other_measures(hostile_paper):
    document, reader = hostile_paper
    text = _text(reader)
    assert "Of three measures: one green, one amber and one monitoring only." in text
    assert "Exception (amber): Reduce anti-social behaviour incidents" in text
    assert "Other measures" in text
    assert 'href="#measure-asb-incidents"' in document, "links between pages become links inside the paper"
    assert "SECRET_CODE_MARKER" not in text and "WARNING_MARKER" not in text, "no code, no warnings"
    assert "Returns still due" in text and "Every return for the quarter is in" in text


def test_the_paper_prints_each_chart_as_an_image_with_its_text_alternative(hostile_paper):
    document, reader = hostile_paper
    assert "<svg" not in document, "no chart is left inline"
    assert document.count('<img src="data:image/svg+xml;base64,') == 3, "each measure's chart"
    assert document.count('alt="Incidents by month against the target"') == 3
    assert document.count("<figcaption>Incidents by month, April to June 2015</figcaption>") == 3
    assert [alt for alt, _ in _figures(reader)] == ["Incidents by month against the target"] * 3, "tagged with it"


def test_a_chart_is_the_same_size_on_the_page_as_an_image_as_inline(tmp_path):
    """The stylesheet sizes the chart's image as it sized the inline SVG (a wide chart: held to the page's width)."""
    import weasyprint

    css = (paper.PAPER_TEMPLATES / "paper.css").read_text(encoding="utf-8")
    wide = fx.CHART.replace('width="320" height="160"', 'width="1200" height="400"')
    boxes = []
    for chart in (fx.CHART, wide):
        for figure in (chart, chart_for_print(chart)):
            document = f"<html lang='en-GB'><title>Chart</title><style>{css}</style><h2>A chart</h2>{figure}</html>"
            pdf = weasyprint.HTML(string=document, url_fetcher=paper.local_fetcher()).write_pdf(pdf_variant="pdf/ua-1")
            boxes.append(_figures(PdfReader(io.BytesIO(pdf)))[0][1])
    assert boxes[0] == pytest.approx(boxes[1]) and boxes[2] == pytest.approx(boxes[3])
    assert boxes[0] != pytest.approx(boxes[2]), "the two charts are of different sizes"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/font.woff",
        "https://example.com/x.css",
        "//example.com/x.png",
        "file://example.com/x.png",  # what a scheme-relative URL becomes against the paper's file: base
        "ftp://example.com/a",
    ],
    ids=["http", "https", "scheme-relative", "file-on-another-host", "ftp"],
)
def test_the_paper_fetches_nothing_from_the_network(url):
    with pytest.raises(ValueError, match="nothing from the network"):
        paper.local_fetcher()(url)


def _png(size: tuple[int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "#d55e00").save(buffer, format="PNG")
    return buffer.getvalue()


def _with_section(root: Path, text: str) -> tuple[Path, Path]:
    """The fixture quarter with one more HTML section in the exception item's notebook (asb-incidents)."""
    reports, processed = root / "reports" / QUARTER, root / "data" / "processed" / QUARTER
    path = reports / "measures" / "asb-incidents.ipynb"
    nb = nbformat.read(path, as_version=4)
    output = nbformat.v4.new_output("display_data", data={"text/html": text, "text/plain": "<HTML>"})
    nb.cells.append(nbformat.v4.new_code_cell("show_extra()", outputs=[output], execution_count=9))
    nbformat.write(nb, path)
    return reports, processed


def _image_sizes(reader: PdfReader) -> list[tuple[int, int]]:
    return [image.image.size for page in reader.pages for image in page.images]


@pytest.mark.parametrize("where", ["data", "file"])
def test_the_paper_lays_out_a_local_image(tmp_path, where):
    png = _png((7, 5))
    site = tmp_path / "_site" / QUARTER
    if where == "data":
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    else:
        site.mkdir(parents=True)
        (site / "marker.png").write_bytes(png)
        src = "marker.png"  # relative to the quarter's folder, as on the site
    reports, processed = _with_section(_quarter_layout(tmp_path), f'<p>Before</p><img src="{src}" alt="A marker">')
    path = paper.write_paper(QUARTER, reports, processed, site)
    assert (7, 5) in _image_sizes(PdfReader(path)), "the image is in the paper"


def test_a_remote_image_is_left_out_and_nothing_is_fetched(tmp_path, monkeypatch, caplog):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("the test allows no network")

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    section = (
        '<img src="http://example.com/a.png" alt="A"><img src="https://example.com/b.png" alt="B">'
        '<img src="//example.com/c.png" alt="C"><div style="background: url(https://example.com/d.png)">D</div>'
    )
    reports, processed = _with_section(_quarter_layout(tmp_path), section)
    path = paper.write_paper(QUARTER, reports, processed, tmp_path / "_site" / QUARTER)
    assert path.read_bytes().startswith(b"%PDF-")
    assert attempts == [], "nothing was looked up or connected to"
    assert "nothing from the network" in caplog.text, "WeasyPrint says why each image is missing"
    assert _image_sizes(PdfReader(path)) == []


def test_the_paper_is_readable_by_all_as_every_published_file(tmp_path):
    root = _quarter_layout(tmp_path)
    path = paper.write_paper(QUARTER, root / "reports" / QUARTER, root / "data" / "processed" / QUARTER,
                             root / "_site" / QUARTER)  # fmt: skip
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not list(path.parent.glob(".committee-paper.pdf.*")), "no temporary file is left"


def test_paper_command_writes_the_paper_of_a_built_quarter(tmp_path, capsys):
    root = _quarter_layout(tmp_path)
    assert main(["paper", "--quarter", QUARTER, "--out", str(root)]) == 0
    path = root / "_site" / QUARTER / "committee-paper.pdf"
    assert path.is_file() and path.read_bytes().startswith(b"%PDF-")
    assert "committee-paper.pdf" in capsys.readouterr().out


SIGNOFF_ROWS = [  # (measure, state, signed by, signed on, periods revised after)
    ("asb-incidents", "not_signed_off", "", "", ""),
    ("hostile", "signed_off", "Sam Taylor", "2015-07-06", ""),
    ("broken", "signed_off_before_revision", "Jo Smith", "2015-07-06", "2015-16-Q1"),
]


def _with_signoff(root: Path) -> Path:
    from analysis.processed.contract import SIGNOFF

    rows = [{"quarter": QUARTER, "measure_id": m, "lead": "", "state": state, "signed_by": who, "signed_on": on,
             "revised_periods": revised, "revised_on": "2015-07-10" if revised else ""}
            for m, state, who, on, revised in SIGNOFF_ROWS]  # fmt: skip
    processed = root / "data" / "processed" / QUARTER
    (processed / SIGNOFF.name).write_text(SIGNOFF.text(SIGNOFF.frame(rows)), encoding="utf-8")
    return root


def test_the_summary_names_each_measure_not_yet_signed_off(tmp_path):
    root = _with_signoff(_quarter_layout(tmp_path))
    document = paper.paper_html(QUARTER, root / "reports" / QUARTER, root / "data" / "processed" / QUARTER)
    summary = document[document.index('id="summary"') : document.index('id="dashboard"')]
    assert "Sign-off by the leads" in summary
    assert "One of three measures signed off by their leads." in summary
    assert re.search(r"Not yet signed off: </strong><a href=\"#measure-asb-incidents\">", summary)
    assert re.search(r"Signed off before a revision of its figures: </strong><a href=\"#measure-broken\">", summary)
    assert "measure-hostile" not in summary.split("Sign-off by the leads")[1].split("</ul>")[0], "signed off: not named"


def test_a_partnership_that_does_not_ask_for_sign_off_has_no_sign_off_in_its_summary(tmp_path):
    root = _quarter_layout(tmp_path)
    document = paper.paper_html(QUARTER, root / "reports" / QUARTER, root / "data" / "processed" / QUARTER)
    assert "Sign-off by the leads" not in document and "signed off" not in document.lower()


def _with_lead(root: Path, lead: str) -> Path:
    processed = root / "data" / "processed" / QUARTER
    register = read_register(processed)
    measures = tuple(dataclasses.replace(m, lead=lead) if m.id == "asb-incidents" else m for m in register.measures)
    (processed / "register.json").write_text(dataclasses.replace(register, measures=measures).to_json(), "utf-8")
    return root


def test_paper_command_writes_a_theme_groups_own_paper(tmp_path, capsys):
    root = _with_lead(_quarter_layout(tmp_path), "ASB Delivery Group")
    assert main(["paper", "--quarter", QUARTER, "--out", str(root), "--lead", "asb  delivery group"]) == 0
    path = root / "_site" / QUARTER / "leads" / "asb-delivery-group.pdf"
    assert path.is_file() and str(path.relative_to(root)) in capsys.readouterr().out
    text = _text(PdfReader(path))
    assert "ASB Delivery Group: theme group report" in text
    assert "Reduce anti-social behaviour incidents" in text, "the group's measure"
    assert "A measure whose notebook failed" not in text, "and no other"
    assert (root / "_site" / QUARTER / "committee-paper.pdf").is_file() is False, "only the group's paper"


def test_paper_command_refuses_a_lead_the_register_does_not_name(tmp_path, capsys):
    root = _with_lead(_quarter_layout(tmp_path), "ASB Delivery Group")
    assert main(["paper", "--quarter", QUARTER, "--out", str(root), "--lead", "Parks Team"]) == 2
    err = capsys.readouterr().err
    assert "no lead or theme group 'Parks Team'" in err and "known: ASB Delivery Group" in err
    assert not (root / "_site").exists(), "nothing written"


@pytest.mark.parametrize("layout", ["nothing", "tables-only"])
def test_paper_command_on_an_unbuilt_quarter_exits_2_saying_so(tmp_path, capsys, layout):
    if layout == "tables-only":
        fx.write_processed(tmp_path / "data" / "processed" / QUARTER)
    assert main(["paper", "--quarter", QUARTER, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{QUARTER} is not built under" in err
    assert f"csp-report build --quarter {QUARTER}" in err
    assert not (tmp_path / "_site").exists(), "nothing written"


# --- the register's report: and sources: -------------------------------------------------------------------

BASE = "partnership: Safer Example\nmeasures:\n  - {id: asb, title: ASB, priority: ASB, polarity: lower, frequency: monthly}\n"


def test_register_reads_the_report_and_sources_blocks():
    register = parse_register(
        BASE + "report: {board: The Board, meetings: {2015-16-Q1: 2015-07-23}, author: Analyst, "
        "contact: a@example.org, version: 2}\nsources:\n  actuals.csv: {source: Police recorded crime, status: Official}\n"
    )
    assert register.report == ReportInfo("The Board", {"2015-16-Q1": "2015-07-23"}, "Analyst", "a@example.org", "2")
    assert register.sources == {"actuals.csv": Source("Police recorded crime", "official")}
    assert type(register).from_json(register.to_json()) == register
    assert parse_register(BASE).report == ReportInfo() and parse_register(BASE).sources == {}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("report: The Board", "'report': must be a mapping"),
        ("report: {board: B, meting: 2015-07-23}", "'meting' is not a field of report"),
        (
            "report: {meetings: {2015-16-Q1: 23/07/2015}}",
            "the meeting date for 2015-16-Q1, '23/07/2015', is not a date",
        ),
        ("report: {meeting: 2015-07-23}", "like 'meetings: {2015-16-Q1: 2015-07-23}'"),
        ("report: {board: [a, b]}", "board must be a single piece of text"),
        ("sources: [actuals.csv]", "'sources': must map input files"),
        ("sources: {actuals.csv: {source: Police, status: draft}}", "'draft' is not a status: use official"),
        ("sources: {actuals.csv: {source: Police}}", "actuals.csv: the status is missing"),
        ("sources: {actuals.csv: {status: official}}", "actuals.csv: the source is missing"),
        ("sources: {actuals.csv: {source: P, status: official, url: x}}", "'url' is not a field of a source"),
        ("sources: {../secret.csv: {source: P, status: official}}", "'../secret.csv' is not the name of an input"),
    ],
    ids=[
        "report-not-mapping",
        "report-misspelt-key",
        "meeting-not-iso",
        "single-meeting-refused",
        "board-list",
        "sources-list",
        "status-unknown",
        "status-missing",
        "source-missing",
        "source-extra-key",
        "source-path",
    ],
)
def test_register_explains_what_is_wrong_with_report_and_sources(block, message):
    _, problems = check_register(BASE + block + "\n")
    assert any(message in str(p) for p in problems), [str(p) for p in problems]
    with pytest.raises(InputError):
        parse_register(BASE + block + "\n")
