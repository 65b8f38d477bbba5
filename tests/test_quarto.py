"""The Quarto website: ``_quarto.yml`` against Quarto's own schema, the project the build stages for a quarter, and,
wherever ``quarto`` is on PATH, the demo quarter rendered by Quarto.

With Quarto: every page opens offline with the site's stylesheet applied, stays inside its quarter's folder, has the
sidebar with each measure's status, gives the reader the same text as the built-in renderer's page, and a failed
render exits 5 keeping the failed build. The tests that need Quarto skip, saying so, where there is none (CI has
none); the others need no Quarto.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import site_fixture as fx
import yaml
from conftest import GWENT_QUARTERS
from test_browser import Visit, browser  # noqa: F401 - Chromium started as tests/test_browser.py starts it

from analysis import errors
from analysis.core.leads import lead_page_name, theme_groups
from analysis.core.vocabulary import STATUS_COLOURS, STATUS_SYMBOLS
from analysis.processed.contract import MEASURE_STATUS
from analysis.processed.quarter import read_register, read_table
from analysis.site import assets, catalogue, home, quarto

ROOT = Path(__file__).resolve().parents[1]
PANACHE = shutil.which("panache") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "panache")
DEMO = ROOT / "data" / "raw"
Q = "2015-16-Q1"
DEMO_PAGES = ["index.html", "strategic-assessment.html", "method.html", "glossary.html"]  # and one page per measure


def _config() -> dict:
    return yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))


def _is_glob(name: str) -> bool:
    return any(c in name for c in "*?[")


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Quarto project the build would render for the fixture quarter (no Quarto needed to make it)."""
    root = tmp_path_factory.mktemp("quarto")
    processed = fx.write_processed(root / "processed")
    reports = fx.write_reports(root / "reports")
    context = catalogue.load_context(fx.QUARTER, processed)
    stage = root / "stage"
    quarto.stage_project(context, catalogue.discover_pages(reports, context), stage)
    return stage


def _staged_notebooks(stage: Path) -> dict[str, nbformat.NotebookNode]:
    return {p.relative_to(stage).as_posix(): nbformat.read(p, as_version=4) for p in sorted(stage.rglob("*.ipynb"))}


# --- The project's configuration ----------------------------------------------------------------------------------


def test_quarto_yml_is_a_website_project_that_renders_without_executing():
    config = _config()
    assert config["project"]["type"] == "website"
    assert config["project"]["output-dir"] == "_site"
    assert config["execute"]["enabled"] is False
    assert config["execute"]["echo"] is False
    assert config["website"]["search"] is False, "search fetches search.json, which fails from file://"
    assert config["format"]["html"].get("embed-resources") is not True, "Quarto websites do not support it"
    assert config["format"]["html"]["page-layout"] == "full", "no margin column to push content into"
    assert "navbar" not in config["website"], "Quarto would add the generated navbar's items to these"


def test_quarto_yml_names_only_files_and_folders_that_exist():
    config = _config()
    named = [r for r in config["project"]["render"] if not _is_glob(r)]
    html_format = config["format"]["html"]
    named += [t for t in html_format["theme"] if t.endswith(".scss")] + list(html_format.get("css", []))
    named += list(config.get("metadata-files", []))
    assert quarto.THEME in named
    for name in named:
        assert (ROOT / name).exists(), f"_quarto.yml names {name}, which does not exist"


def test_panache_lint_passes_on_quarto_yml():
    done = subprocess.run([PANACHE, "lint", "_quarto.yml", "index.qmd"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_quarto_keeps_the_notebooks_table_markup():
    assert _config()["format"]["html"]["html-table-processing"] == "none"


def test_the_home_page_source_has_the_division_the_list_of_quarters_fills():
    text = (ROOT / "index.qmd").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert front["sidebar"] is False and front["title"] == "Quarterly performance reports"
    assert "::: {#quarters}" in text


# --- The staged project (no Quarto needed) ------------------------------------------------------------------------


def test_staged_project_is_the_project_config_plus_the_generated_navigation(staged):
    config = yaml.safe_load((staged / "_quarto.yml").read_text(encoding="utf-8"))
    expected = _config()
    expected["metadata-files"] = [quarto.NAVIGATION_FILE]
    assert config == expected
    done = subprocess.run(
        [PANACHE, "lint", "_quarto.yml", quarto.HOME_SOURCE], cwd=staged, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    theme = (staged / quarto.THEME).read_text(encoding="utf-8")
    assert assets.stylesheet() in theme, "the site's stylesheet is in the theme"
    assert theme.index("/*-- scss:rules --*/") < theme.index(assets.stylesheet()) < theme.index("#title-block-header")
    assert (staged / quarto.HOME_SOURCE).read_text(encoding="utf-8") == (ROOT / "index.qmd").read_text(encoding="utf-8")


def test_render_globs_match_exactly_the_staged_pages(staged):
    patterns = _config()["project"]["render"]
    matched = {p.relative_to(staged).as_posix() for pattern in patterns for p in staged.glob(pattern)}
    notebooks = set(_staged_notebooks(staged))
    names = ["index.ipynb", "strategic-assessment.ipynb", "method.ipynb", "glossary.ipynb",
             "measures/asb-incidents.ipynb", "measures/hostile.ipynb", "measures/broken.ipynb"]  # fmt: skip
    assert notebooks == set(names), "the quarter's folder is the project's root"
    assert matched == notebooks | {quarto.HOME_SOURCE}
    for pattern in patterns:
        assert list(staged.glob(pattern)), f"{pattern} matches nothing in the staged project"
        assert not list(ROOT.glob(pattern)) or pattern == "*.qmd", f"{pattern} would render project files"


def test_navigation_stays_in_the_quarter_and_lists_measures_with_their_status_escaped(staged):
    nav = yaml.safe_load((staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8"))["website"]
    assert [item["href"] for item in nav["navbar"]["left"]] == [
        "index.ipynb",
        "strategic-assessment.ipynb",
        "method.ipynb",
        "glossary.ipynb",
    ]
    assert nav["navbar"]["right"] == [{"text": "Committee paper (PDF)", "href": "committee-paper.pdf"}]
    assert "title" not in nav["sidebar"], "a sidebar with a title shows only on the pages it lists"
    heading, *sections = nav["sidebar"]["contents"]
    assert heading == {"text": "Measures by priority"}
    assert [s["section"] for s in sections] == ["Anti-social behaviour", "Hate &lt;crime&gt;"]
    items = {item["href"]: item["text"] for s in sections for item in s["contents"]}
    assert list(items) == ["measures/asb-incidents.ipynb", "measures/broken.ipynb", "measures/hostile.ipynb"]
    for href, text in items.items():
        code = fx.STATUSES[Path(href).stem]
        assert f"[{STATUS_SYMBOLS[code]}]{{.status-symbol" in text and f".status-{code}}}" in text, text
        assert (staged / href).is_file()
    assert "(Amber: Some concerns about performance)" in items["measures/asb-incidents.ipynb"]
    assert nav["title"] == "Safer &lt;Example&gt; &amp; Co, 2015-16 Q1 (April to June 2015)"
    text = (staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<Example>" not in text


def test_staged_notebooks_are_the_readers_copies(staged):
    for name, nb in _staged_notebooks(staged).items():
        tags = {t for cell in nb.cells for t in cell.metadata.get("tags", [])}
        assert not tags & {"parameters", "injected-parameters", "papermill-error-cell-tag"}, name
        front = yaml.safe_load(nb.cells[0].source.strip().strip("-"))
        assert nb.cells[0].cell_type == "raw" and front["title"], name
        assert "<" not in front["title"] and "pagetitle" not in front, name
        assert front["body-classes"].startswith("page-"), name
        links = nb.cells[-1].source
        assert "[Executed notebook](" in links and "[How this page was made](" in links, name
        assert "[Committee paper (PDF)](" in links, name
    broken = nbformat.read(staged / "measures" / "broken.ipynb", as_version=4)
    assert broken.cells[1].source.startswith('::: {.failure role="alert"}')
    assert "KeyError" in broken.cells[1].source and "<b>" not in broken.cells[1].source
    assert "](../notebooks/measures/broken.ipynb)" in broken.cells[-1].source
    assert "](../notebooks/measures/broken.html)" in broken.cells[-1].source
    assert "](../committee-paper.pdf)" in broken.cells[-1].source
    dashboard = nbformat.read(staged / "index.ipynb", as_version=4)
    assert "](committee-paper.pdf)" in dashboard.cells[-1].source
    assert "](notebooks/dashboard.html)" in dashboard.cells[-1].source


def test_no_staged_output_is_one_quarto_takes_for_a_javascript_widget(staged):
    """Quarto loads require.js and jQuery from a CDN into a page with any text/html or JavaScript output; the HTML
    outputs reach Quarto as placeholders in raw HTML blocks, the HTML itself kept beside them, asides made divs."""
    kept = json.loads((staged / quarto.OUTPUTS_FILE).read_text(encoding="utf-8"))
    placeholders = []
    for name, nb in _staged_notebooks(staged).items():
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                assert not {"text/html", "application/javascript"} & set(data), f"{name}: {sorted(data)}"
                if "text/markdown" in data and data["text/markdown"].startswith("```{=html}\n"):
                    placeholders += re.findall(r'^```\{=html\}\n<div data-csp-output="(\d+)"></div>\n```$',
                                               data["text/markdown"])  # fmt: skip
    assert sorted(placeholders, key=int) == sorted(kept, key=int) and len(kept) >= 6
    reports = staged.parent / "reports"
    originals = [
        "".join(o["data"]["text/html"])
        for p in sorted(reports.rglob("*.ipynb"))
        for c in nbformat.read(p, as_version=4).cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert sorted(kept.values()) == sorted(quarto.out_of_the_margin(html) for html in originals)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>A</p>", "```{=html}\n<p>A</p>\n```"),
        ("<pre>````x````</pre>", "`````{=html}\n<pre>````x````</pre>\n`````"),
    ],
    ids=["plain", "backticks-inside"],
)
def test_raw_html_passes_through_whole(html, expected):
    assert quarto.raw_html(html) == expected


def test_asides_are_kept_out_of_quartos_margin():
    aside = '<aside class="sources" data-section="sources"><h2>Sources</h2></aside><p>aside</p>'
    expected = '<div role="complementary" class="sources" data-section="sources"><h2>Sources</h2></div><p>aside</p>'
    assert quarto.out_of_the_margin(aside) == expected


def test_other_outputs_are_left_as_they_are_and_each_html_output_gets_its_placeholder():
    kept: dict[str, str] = {}
    stream = nbformat.v4.new_output("stream", name="stdout", text="x")
    markdown = nbformat.v4.new_output("display_data", data={"text/markdown": "**x**"})
    assert quarto.quarto_output(stream, kept) is stream and quarto.quarto_output(markdown, kept) is markdown
    result = nbformat.v4.new_output("execute_result", data={"text/html": ["<b>", "x</b>"], "text/plain": "x"})
    shown = quarto.quarto_output(result, kept)
    assert shown.data == {"text/markdown": '```{=html}\n<div data-csp-output="1"></div>\n```'}
    assert shown.output_type == "execute_result" and kept == {"1": "<b>x</b>"}
    assert result.data["text/html"] == ["<b>", "x</b>"], "the executed notebook's output is not changed"
    page = '<main><div data-csp-output="1"></div><div data-csp-output="1"></div></main>'
    assert quarto.restore_outputs(page, kept) == ("<main><b>x</b><b>x</b></main>", {"1"})


def test_the_home_page_fills_quartos_page_with_the_list_of_quarters(tmp_path):
    template = tmp_path / Q / quarto.HOME_TEMPLATE
    template.parent.mkdir(parents=True)
    template.write_text(
        "<html><head><title>Quarterly performance reports – Safer, 2015-16 Q1</title>"
        f'<link href="{Q}/site_libs/b.css" rel="stylesheet"></head><body><main>'
        '<div id="quarters">\n<p>No quarter has been built yet.</p>\n</div><div id="after"></div></main></body></html>'
    )
    page = quarto.home_page(tmp_path, Q, "<table><tr><td>2015-16 Q1</td></tr></table>", "Quarterly performance reports")
    assert page == (
        "<html><head><title>Quarterly performance reports</title>"
        f'<link href="{Q}/site_libs/b.css" rel="stylesheet"></head><body><main>'
        '<div id="quarters"><table><tr><td>2015-16 Q1</td></tr></table></div><div id="after"></div></main></body></html>'
    )
    assert quarto.home_page(tmp_path, "2015-16-Q2", "x", "t") is None, "a quarter rendered by the built-in renderer"


def test_quartos_project_cache_is_kept_between_builds_and_replaced_only_when_it_grew(tmp_path):
    stage, cache = tmp_path / "stage", tmp_path / "cache"
    quarto.restore_project_cache(cache, stage)
    assert not (stage / quarto.PROJECT_CACHE).exists(), "nothing kept yet: Quarto starts without"
    made = stage / quarto.PROJECT_CACHE
    made.mkdir(parents=True)
    (made / "deno-kv-file").write_bytes(b"index")
    (made / "99d65d64").write_text("css variables")
    quarto.keep_project_cache(stage, cache)
    assert sorted(p.name for p in (cache / "project-cache").iterdir()) == ["99d65d64", "deno-kv-file"]
    later = tmp_path / "later"
    quarto.restore_project_cache(cache, later)
    assert (later / quarto.PROJECT_CACHE / "99d65d64").read_text() == "css variables"
    (later / quarto.PROJECT_CACHE / "deno-kv-file").write_bytes(b"index, read again")
    quarto.keep_project_cache(later, cache)
    assert (cache / "project-cache" / "deno-kv-file").read_bytes() == b"index", "nothing new: left as it was"
    (later / quarto.PROJECT_CACHE / "0a1b2c3d").write_text("another theme")
    quarto.keep_project_cache(later, cache)
    assert (cache / "project-cache" / "0a1b2c3d").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["project-cache"], "no half-made copies left"


# --- Which Quarto: checked through the function that reads its version, never with a pretend binary --------------


@pytest.mark.parametrize(
    ("reported", "ok"),
    [("1.7.34\n", True), ("1.8.0", True), ("2.0.1", True), ("1.6.42", False), ("1.4.550", False), ("", False),
     ("99.9.9-dev", True)],
    ids=["tested", "newer-minor", "newer-major", "older-minor", "older", "nothing", "development"],
)  # fmt: skip
def test_a_quarto_older_than_supported_is_refused_in_one_line(reported, ok):
    if ok:
        assert quarto.check_version(reported) == reported.strip()
        return
    with pytest.raises(errors.QuartoVersionError) as err:
        quarto.check_version(reported)
    message = str(err.value)
    assert "\n" not in message and message.startswith("the site needs Quarto 1.7 or later"), message
    assert isinstance(err.value, errors.QuartoError)


def test_auto_renders_with_the_builtin_renderer_beside_an_old_quarto_and_quarto_refuses(monkeypatch, capsys):
    monkeypatch.setattr(quarto, "installed_quarto", lambda: ("quarto", "1.4.550\n"))
    assert quarto.choose_renderer("auto") == "builtin"
    assert "warning: the site needs Quarto 1.7 or later" in capsys.readouterr().err
    with pytest.raises(errors.QuartoVersionError, match=r"is 1\.4\.550"):
        quarto.choose_renderer("quarto")
    monkeypatch.setattr(quarto, "installed_quarto", lambda: None)
    assert quarto.choose_renderer("auto") == "builtin"
    with pytest.raises(errors.QuartoNotFoundError, match="not on PATH"):
        quarto.choose_renderer("quarto")
    monkeypatch.setattr(quarto, "installed_quarto", lambda: ("quarto", "1.7.34\n"))
    assert quarto.choose_renderer("auto") == "quarto" and quarto.choose_renderer("builtin") == "builtin"


def test_build_refuses_an_old_quarto_with_exit_5_before_any_work(monkeypatch, tmp_path, capsys):
    from analysis.cli import main

    monkeypatch.setattr(quarto, "installed_quarto", lambda: ("quarto", "1.6.3\n"))
    out = tmp_path / "out"
    assert main(["build", "--data", str(DEMO), "--out", str(out), "--quarter", Q, "--renderer", "quarto"]) == 5
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        "error: the site needs Quarto 1.7 or later, and the `quarto` on PATH is 1.6.3; install a newer Quarto "
        "(https://quarto.org/docs/get-started/) or build with --renderer builtin"
    ]
    assert not (out / "_site").exists() and not (out / "reports").exists() and not (out / "failed").exists()


# --- Quarto's own schema definitions (../shared/quarto, from quarto-cli) ------------------------------------------

QUARTO_SCHEMAS = ROOT.parent / "shared" / "quarto" / "json-schemas.json"


def _standard(node, closed: bool):
    """Quarto's schema dialect as standard JSON Schema: ``{"object": {...}}`` -> ``{"type": "object", ...}``,
    ``{"enum": {"values": [...]}}`` -> ``{"enum": [...]}``.

    ``closed``: every object refuses keys it does not define, so a misspelt key is an error here even where
    Quarto would only ignore it.
    """
    if isinstance(node, list):
        return [_standard(item, closed) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _standard(v, closed) for k, v in node.items() if k != "object"}
    if isinstance(out.get("enum"), dict):  # {"enum": {"values": [...], "hidden": true}}: the values
        out["enum"] = out["enum"]["values"]
    if "object" in node:
        inner = {k: _standard(v, closed) for k, v in (node["object"] or {}).items() if k != "closed"}
        out.update({"type": "object", **inner})
        if closed or node["object"].get("closed"):
            out["additionalProperties"] = False
    return out


@pytest.fixture(scope="module")
def quarto_schema():
    """A validator factory for a definition of Quarto's schemas; skips (naming the folder) when they are absent."""
    if not QUARTO_SCHEMAS.is_file():
        pytest.skip(f"Quarto's schema definitions are not at {QUARTO_SCHEMAS.parent} (CI provides them)")
    import jsonschema

    defs = json.loads(QUARTO_SCHEMAS.read_text(encoding="utf-8"))["$defs"]

    converted = {closed: _standard(defs, closed) for closed in (False, True)}
    for closed in (False, True):
        jsonschema.Draft202012Validator.check_schema({"$defs": converted[closed]})

    def validator(definition: str, closed: bool = True):
        return jsonschema.Draft202012Validator({"$defs": converted[closed], "$ref": f"#/$defs/{definition}"})

    return validator


def _errors(validator, value) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(value)]


@pytest.mark.parametrize(
    ("block", "definition"), [("project", "ProjectConfig"), ("website", "BaseWebsite")], ids=["project", "website"]
)
def test_quarto_yml_blocks_match_quartos_schema(quarto_schema, block, definition):
    config = _config()
    assert not _errors(quarto_schema(definition), config[block])


def test_generated_navigation_matches_quartos_schema(quarto_schema, staged):
    website = yaml.safe_load((staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8"))["website"]
    assert not _errors(quarto_schema("BaseWebsite"), website)
    assert not _errors(quarto_schema("SidebarContents"), website["sidebar"]["contents"])
    for item in website["navbar"]["left"]:
        assert not _errors(quarto_schema("NavigationItem"), item)


@pytest.mark.parametrize(
    ("definition", "value", "closed"),
    [
        ("ProjectConfig", {"type": "website", "output-dir": ["_site"]}, False),
        ("ProjectConfig", {"type": "website", "outputdir": "_site"}, True),
        ("BaseWebsite", {"search": "no"}, False),
        ("BaseWebsite", {"navbar": {"left": [{"href": "index.qmd", "txt": "Home"}]}}, True),
        ("BaseWebsite", {"page-navigaton": False}, True),
        ("SidebarContents", [{"section": "ASB", "contents": [{"href": 3}]}], True),
    ],
    ids=[
        "output-dir-list",
        "misspelt-project-key",
        "search-text",
        "misspelt-navbar-item-key",
        "misspelt-website-key",
        "sidebar-href-number",
    ],
)
def test_the_schema_check_catches_what_quarto_would_refuse(quarto_schema, definition, value, closed):
    assert _errors(quarto_schema(definition, closed), value)


def test_every_page_the_staging_lists_exists(staged):
    website = yaml.safe_load((staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8"))["website"]

    def hrefs(contents):
        for item in contents:
            if isinstance(item, str):
                yield item
            elif "contents" in item:
                yield from hrefs(item["contents"])
            elif "href" in item:
                yield item["href"]

    listed = [item["href"] for item in website["navbar"]["left"]] + list(hrefs(website["sidebar"]["contents"]))
    assert len(listed) == 4 + 3  # the quarter's own pages, then its measures
    for href in listed:
        assert (staged / href).is_file(), f"the navigation lists {href}, which the staging did not write"
    config = yaml.safe_load((staged / "_quarto.yml").read_text(encoding="utf-8"))
    for name in config["metadata-files"]:
        assert (staged / name).is_file(), name


# --- With Quarto: the fixture quarter -----------------------------------------------------------------------------


def _need_quarto() -> None:
    """Skip, saying why, where there is no Quarto to run (CI has none: these skip there too)."""
    found = quarto.installed_quarto()
    if found is None:
        pytest.skip("Quarto is not installed here (no `quarto` on PATH)")
    try:
        quarto.check_version(found[1])
    except errors.QuartoVersionError as err:
        pytest.skip(str(err))


@pytest.mark.slow  # a Quarto render takes a while, though nothing is executed
def test_quarto_renders_the_fixture_quarter(tmp_path):
    _need_quarto()
    site_root = fx.build_site(tmp_path, renderer="quarto")
    quarter = site_root / fx.QUARTER
    for name in ("index.html", "strategic-assessment.html", "measures/asb-incidents.html", "measures/broken.html"):
        text = (quarter / name).read_text(encoding="utf-8")
        assert not assets.offsite_fetches(text), name
        assert "<script>alert(1)</script>" not in text and "<img src=x" not in text, name
        assert '<meta name="generator" content="quarto-' in text, name
    assert (quarter / "notebooks" / "measures" / "broken.ipynb").is_file()
    assert "KeyError" in (quarter / "measures" / "broken.html").read_text(encoding="utf-8")
    assert (quarter / "site_libs").is_dir() and (quarter / quarto.HOME_TEMPLATE).is_file()
    front = (site_root / "index.html").read_text(encoding="utf-8")
    assert '<meta name="generator" content="quarto-' in front and f'href="{fx.QUARTER}/index.html"' in front


# --- With Quarto: the demo built by `csp-report build --renderer quarto` ------------------------------------------


@pytest.fixture(scope="module")
def quarto_demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built with ``--renderer quarto`` over a copy of the session's built-in build (notebooks cached)."""
    _need_quarto()
    from analysis.cli import main

    out = tmp_path_factory.mktemp("quarto-demo") / "out"
    shutil.copytree(request.getfixturevalue("built_demo"), out, symlinks=True)
    code = main(
        ["build", "--data", str(DEMO), "--out", str(out), "--quarter", Q, "--renderer", "quarto", "--jobs", "2"]
    )
    assert code == 0
    assert (out / ".cache" / "csp-report" / "quarto" / "project-cache" / "deno-kv-file").is_file(), (
        "Quarto's cache kept"
    )
    return out


GWENT = "blaenau-gwent"


@pytest.fixture(scope="module")
def quarto_small_areas(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Blaenau Gwent's later quarter built again with ``--renderer quarto`` over a copy of the session's build-all
    (notebooks cached): a quarter with small areas, so its neighbourhoods page is among Quarto's pages."""
    _need_quarto()
    from analysis.pipeline.area import build_all

    built = request.getfixturevalue("gwent_build")
    out = tmp_path_factory.mktemp("quarto-small-areas") / "out"
    shutil.copytree(built, out, symlinks=True)
    outcomes = build_all(built.parent / "data", out, GWENT_QUARTERS[-1], jobs=2, renderer="quarto", progress=False)
    assert [o.ok for o in outcomes] == [True], [o.error for o in outcomes]
    return out


@dataclass(frozen=True)
class QuartoSite:
    """A quarter as Quarto rendered it, beside the same quarter as the built-in renderer did."""

    quarter: Path  # the quarter's folder of Quarto's site
    processed: Path
    builtin: Path  # the quarter's folder of the built-in site
    title_tail: str  # what follows a page's own title in the browser's title bar: the partnership and the quarter

    @property
    def pages(self) -> list[str]:
        """Every page of the quarter: the usual ones, the optional ones it has (neighbourhoods), one per theme group
        of the register and one per measure."""
        optional = [p.html for p in catalogue.FIXED_PAGES if p.optional and (self.quarter / p.html).is_file()]
        groups = [f"{lead_page_name(lead)}.html" for lead in theme_groups(read_register(self.processed))]
        measures = read_table(self.processed, MEASURE_STATUS)["measure_id"]
        return DEMO_PAGES + optional + groups + [f"measures/{m}.html" for m in measures]


@pytest.fixture(params=["demo", "small-areas"])
def quarto_site(request: pytest.FixtureRequest) -> QuartoSite:
    """The demo quarter, and a quarter with small areas (the Gwent example's), each rendered by Quarto."""
    if request.param == "demo":
        out = request.getfixturevalue("quarto_demo")
        builtin = request.getfixturevalue("built_demo") / "_site" / Q  # once Quarto is known to be here
        return QuartoSite(
            out / "_site" / Q, out / "data" / "processed" / Q, builtin, f"Safer Plymouth, {catalogue.quarter_name(Q)}"
        )
    out, q = request.getfixturevalue("quarto_small_areas"), GWENT_QUARTERS[-1]
    builtin = request.getfixturevalue("gwent_build") / "_site" / GWENT / q
    return QuartoSite(
        out / "_site" / GWENT / q,
        out / "data" / "processed" / GWENT / q,
        builtin,
        f"Blaenau Gwent, {catalogue.quarter_name(q)}",
    )


class _Markup(HTMLParser):
    """The start tags of a page, and the text of its ``<title>`` (the document's, not an SVG's) and of its ``h1``."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = self.h1 = ""
        self._in = ""
        self._svg = 0  # inside an inline SVG, whose <title> is a chart's or an icon's
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        self._svg += tag == "svg"
        if (tag == "title" and not self._svg) or (tag == "h1" and "title" in found.get("class", "").split()):
            self._in = tag

    def handle_endtag(self, tag):
        self._svg -= tag == "svg" and self._svg > 0
        if tag == self._in:
            self._in = ""

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data

    def urls(self) -> list[str]:
        return [attrs[name] for _, attrs in self.tags for name in ("href", "src") if attrs.get(name)]


@pytest.mark.slow
def test_every_quarter_page_links_only_inside_the_quarters_folder(quarto_site):
    """A quarter's folder copied on its own works: every link and library is a file inside it (the notebook views,
    made by the built-in renderer, too)."""
    quarter = quarto_site.quarter
    views = [p.relative_to(quarter).as_posix() for p in sorted((quarter / "notebooks").rglob("*.html"))]
    assert len(views) == len(quarto_site.pages)
    for rel in quarto_site.pages + views:
        page = quarter / rel
        markup = _Markup(page.read_text(encoding="utf-8"))
        assert not assets.offsite_fetches(page.read_text(encoding="utf-8")), rel
        for url in markup.urls():
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                continue  # a link in the partnership's own text, followed only by a reader
            assert not parts.scheme and not parts.netloc, f"{rel}: {url}"
            if not parts.path:
                continue
            target = Path(os.path.normpath(page.parent / unquote(parts.path)))  # by the link's path, as a browser goes
            assert quarter in target.parents, f"{rel}: {url} leaves the quarter's folder"
            assert target.is_file(), f"{rel}: {url} leads to nothing"


@pytest.mark.slow
def test_every_page_has_the_stylesheet_the_sidebar_and_a_title_said_once(quarto_site):
    quarter = quarto_site.quarter
    status = read_table(quarto_site.processed, MEASURE_STATUS)
    theme = next((quarter / "site_libs" / "bootstrap").glob("bootstrap-*.min.css")).read_text(encoding="utf-8")
    assert ".status-amber" in theme and STATUS_COLOURS["amber"][0] in theme, "the site's stylesheet is in the theme"
    partnership = quarto_site.title_tail.split(",")[0]
    for rel in quarto_site.pages:
        text = (quarter / rel).read_text(encoding="utf-8")
        markup = _Markup(text)
        sheets = [a["href"] for t, a in markup.tags if t == "link" and a.get("rel") == "stylesheet"]
        assert any(re.search(r"site_libs/bootstrap/bootstrap-\w+\.min\.css$", s) for s in sheets), rel
        assert 'id="quarto-sidebar"' in text, f"{rel} has no sidebar"
        sidebar = text[text.index('id="quarto-sidebar"') : text.index("</nav>", text.index('id="quarto-sidebar"'))]
        items = dict(re.findall(r'<a href="(?:\.\.?/)*measures/([\w-]+)\.html" class="sidebar-item-text[^>]*>(.*?)</a>',
                                sidebar, re.DOTALL))  # fmt: skip
        assert set(items) == set(status["measure_id"]), f"{rel}: the sidebar lists {sorted(items)}"
        for mid, code in zip(status["measure_id"], status["status"], strict=True):
            assert (
                f'<span class="status status-mini status-{code}"><span class="status-symbol" aria-hidden="true">'
                f"{STATUS_SYMBOLS[code]}</span>" in items[mid]
            ), f"{rel}: the sidebar does not give {mid} its status ({code})"
        assert markup.title == f"{markup.h1.strip()} – {quarto_site.title_tail}", rel
        assert markup.title.count(partnership) == markup.h1.count(partnership) + 1, markup.title  # the tail's once
        navbar = {Path(a["href"]).name for t, a in markup.tags if t == "a" and "nav-link" in a.get("class", "").split()}
        assert {Path(p).name for p in quarto_site.pages} - navbar <= {f"{m}.html" for m in status["measure_id"]}, (
            f"{rel}: the navbar links {sorted(navbar)}"
        )


@pytest.mark.slow
def test_the_home_page_is_quartos_in_the_same_theme(quarto_demo):
    site = quarto_demo / "_site"
    text = (site / "index.html").read_text(encoding="utf-8")
    markup = _Markup(text)
    assert '<meta name="generator" content="quarto-' in text and "navbar" in text
    assert markup.title == "Quarterly performance reports"
    assert f'<a href="{Q}/index.html">2015-16 Q1</a>' in text
    assert not assets.offsite_fetches(text)
    for url in markup.urls():
        parts = urlsplit(url)
        if parts.path and not parts.scheme:
            assert (site / unquote(parts.path)).is_file(), url
    dashboard = (site / Q / "index.html").read_text(encoding="utf-8")
    bootstrap = re.search(r"site_libs/bootstrap/bootstrap-\w+\.min\.css", dashboard).group(0)
    assert f'href="{Q}/{bootstrap}"' in text, "the home page has the quarter's theme"


# --- The same content with either renderer ------------------------------------------------------------------------

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "dl",
        "dt",
        "div",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "svg",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


class ReaderText(HTMLParser):
    """What a reader is given on a page: its title and the line above or below it, the text of its content as
    blocks (paragraphs, cells, headings, list items, chart text), and every link's text and target.

    ``main_id`` is the id of the page's content (``content`` on the built-in pages, ``quarto-document-content``
    on Quarto's); its title block (``page-header``, ``title-block-header``) is read apart, since the two
    renderers put the line about the title on either side of it. The links at the page's foot (the built-in
    footer, Quarto's ``page-links``) count with the links.
    """

    def __init__(self, text: str, main_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.main_id = main_id
        self.open: list[tuple[str, set[str]]] = []
        self.blocks: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.title = self.kicker = ""
        self._text: list[str] = []
        self._link: list[str] | None = None
        self.feed(text)
        self.close()
        self._flush()
        self.title, self.kicker = " ".join(self.title.split()), " ".join(self.kicker.split())

    def _in(self, mark: str) -> bool:
        return any(mark in marks for _, marks in self.open)

    def handle_starttag(self, tag, attrs):
        found = {k: v or "" for k, v in attrs}
        if tag in _VOID:
            if tag == "br":
                self._flush()
            return
        classes = set(found.get("class", "").split())
        marks = {m for m, on in (
            ("main", found.get("id") == self.main_id),
            ("skip", tag in ("script", "style")),
            ("head", "page-header" in classes or found.get("id") == "title-block-header"),
            ("h1", tag == "h1"),
            ("kicker", bool({"page-kicker", "subtitle"} & classes)),
            ("foot", bool({"page-links", "site-footer"} & classes)),
        ) if on}  # fmt: skip
        if tag in _BLOCKS:
            self._flush()
        if tag == "a" and (self._in("main") or self._in("foot")):
            self._link = [found.get("href", ""), ""]
        self.open.append((tag, marks))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        while self.open and self.open.pop()[0] != tag:
            pass
        if tag in _BLOCKS:
            self._flush()
        if tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None

    def handle_data(self, data):
        if self._in("skip"):
            return
        if self._link is not None:
            self._link[1] += data
        if self._in("head"):
            if self._in("h1"):
                self.title += data
            elif self._in("kicker"):
                self.kicker += data
        elif self._in("main") and not self._in("foot"):
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(text)
        self._text = []


def first_difference(builtin: ReaderText, quarto_page: ReaderText) -> str:
    """The first thing a reader would find different between the two pages, or ``""``."""
    if (builtin.title, builtin.kicker) != (quarto_page.title, quarto_page.kicker):
        return (
            f"title: built-in {(builtin.title, builtin.kicker)!r}, Quarto {(quarto_page.title, quarto_page.kicker)!r}"
        )
    for what, ours, theirs in (
        ("block", builtin.blocks, quarto_page.blocks),
        ("link", builtin.links, quarto_page.links),
    ):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            if a != b:
                return f"{what} {i + 1}: built-in {a!r}, Quarto {b!r}"
        if len(ours) != len(theirs):
            extra = ours[len(theirs)] if len(ours) > len(theirs) else theirs[len(ours)]
            who = "the built-in page" if len(ours) > len(theirs) else "Quarto's page"
            return f"{what} {min(len(ours), len(theirs)) + 1}: only {who} has {extra!r}"
    return ""


def test_reader_text_names_the_first_difference():
    page = (
        '<main id="content"><header class="page-header"><p class="page-kicker">ASB</p><h1>Reduce ASB</h1></header>'
        '<p>Year to date <b>2,527</b></p><td><span class="status status-green">Green</span></td></main>'
        '<footer class="site-footer"><a href="committee-paper.pdf">Committee paper (PDF)</a></footer>'
    )
    ours = ReaderText(page, "content")
    assert (ours.title, ours.kicker) == ("Reduce ASB", "ASB")
    assert ours.blocks == ["Year to date 2,527", "Green"]
    assert ours.links == [("Committee paper (PDF)", "committee-paper.pdf")]
    theirs = (
        '<main id="quarto-document-content"><header id="title-block-header"><h1 class="title">Reduce ASB</h1>'
        '<p class="subtitle">ASB</p></header><p>Year to date <b>2,572</b></p><td>Green</td>'
        '<div class="page-links"><p><a href="committee-paper.pdf">Committee paper (PDF)</a></p></div></main>'
    )
    assert first_difference(ours, ReaderText(theirs, "quarto-document-content")) == (
        "block 1: built-in 'Year to date 2,527', Quarto 'Year to date 2,572'"
    )
    same = theirs.replace("2,572", "2,527")
    assert first_difference(ours, ReaderText(same, "quarto-document-content")) == ""


@pytest.mark.slow
def test_either_renderer_gives_the_reader_the_same_page(quarto_site):
    """Figures, statuses, headings, and the links to the paper and the notebook views, page by page."""
    compared = 0
    for rel in quarto_site.pages:
        ours = ReaderText((quarto_site.builtin / rel).read_text(encoding="utf-8"), "content")
        theirs = ReaderText((quarto_site.quarter / rel).read_text(encoding="utf-8"), "quarto-document-content")
        assert len(ours.blocks) > 20 and ours.title, f"{rel}: the built-in page was not read"
        difference = first_difference(ours, theirs)
        assert not difference, f"{rel}: {difference}"
        assert {"committee-paper.pdf", "../committee-paper.pdf"} & {href for _, href in theirs.links}, rel
        compared += 1
    assert compared == len(quarto_site.pages) >= 11


# --- Errors -------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_failed_quarto_render_exits_5_and_keeps_the_failed_build(request, tmp_path, monkeypatch, capsys):
    """Quarto refusing the project (here: a sidebar style it does not know) leaves the published quarter as it was."""
    _need_quarto()
    from analysis.cli import main

    out = tmp_path / "out"
    shutil.copytree(request.getfixturevalue("built_demo"), out, symlinks=True)
    published = os.readlink(out / ".versions" / Q / "current")
    generated = quarto.navigation

    def refused(context, pages):
        nav = generated(context, pages)
        nav["website"]["sidebar"]["style"] = "sideways"
        return nav

    monkeypatch.setattr(quarto, "navigation", refused)
    args = ["build", "--data", str(DEMO), "--out", str(out), "--quarter", Q, "--renderer", "quarto", "--jobs", "2"]
    assert main(args) == 5
    err = capsys.readouterr().err
    assert re.search(r"error: `quarto render` failed \(exit \d+\)", err) and "sideways" in err, err
    assert f"kept in {out / 'failed' / Q}" in err and "Traceback" not in err
    kept = out / "failed" / Q
    assert "sideways" in (kept / "_site" / quarto.RENDER_LOG).read_text(encoding="utf-8")
    assert (kept / "reports" / "dashboard.ipynb").is_file() and (
        kept / "data" / "processed" / "manifest.json"
    ).is_file()
    assert os.readlink(out / ".versions" / Q / "current") == published, "the published quarter is untouched"
    assert not list(out.glob(".csp-build-*"))


# --- In a browser: the Quarto site from file:// -------------------------------------------------------------------

# Quarto's scripts of type "module" (quarto.js, tabsets.js) are refused from file:// by Chromium (no origin); the
# pages use neither for their content or navigation (no table of contents, no tabsets, a docked sidebar).
_MODULE_SCRIPTS = re.compile(r"site_libs/quarto-html/(?:quarto|tabsets/tabsets)\.js|^Failed to load resource")

_SIDEBAR = """() => [...document.querySelectorAll('#quarto-sidebar a.sidebar-link')].map(a => {
  const badge = a.querySelector('.status');
  return badge && {href: a.getAttribute('href'), classes: badge.className,
                   symbol: badge.querySelector('[aria-hidden="true"]').textContent,
                   words: badge.querySelector('.visually-hidden').textContent};
}).filter(Boolean)"""

_LINKS = """() => [...document.querySelectorAll('a[href], link[href], script[src], img[src]')]
  .map(e => e.getAttribute('href') || e.getAttribute('src'))"""


@pytest.mark.slow
@pytest.mark.browser
def test_every_quarto_page_works_from_file_urls_in_chromium(quarto_site, browser):  # noqa: F811 - the fixture
    quarter = quarto_site.quarter
    status = read_table(quarto_site.processed, MEASURE_STATUS)
    expected = dict(zip(status["measure_id"], status["status"], strict=True))
    for rel in quarto_site.pages:
        visit = Visit(browser, quarter / rel)
        try:
            visit.page.set_viewport_size({"width": 1280, "height": 900})
            assert visit.offsite == [], f"{rel} asked the network for {visit.offsite}"
            unexpected = [e for e in visit.errors if not _MODULE_SCRIPTS.search(e)]
            assert unexpected == [], f"{rel}: {unexpected}"
            assert visit.page.locator("h1:visible").count() == 1, f"{rel}: one visible <h1>"
            sidebar = visit.page.evaluate(_SIDEBAR)
            assert visit.page.locator("#quarto-sidebar").is_visible(), f"{rel}: no sidebar at 1,280 px"
            assert len(sidebar) == len(expected), f"{rel}: the sidebar lists {len(sidebar)} measures"
            for item in sidebar:
                code = expected[Path(item["href"]).stem]
                assert f"status-{code}" in item["classes"].split() and item["symbol"] == STATUS_SYMBOLS[code], item
                assert len(item["words"].strip()) > 5, item
            for url in visit.page.evaluate(_LINKS):
                parts = urlsplit(url)
                if parts.scheme in ("http", "https", "mailto") or not parts.path:
                    continue
                target = Path(os.path.normpath((quarter / rel).parent / unquote(parts.path)))
                assert quarter in target.parents and target.is_file(), f"{rel}: {url}"
            if rel == "neighbourhoods.html":  # its maps beside their legends, within the page at 1,280 px
                assert visit.page.locator("main figure.map > svg:visible").count() == 2, "the two maps are not shown"
                width = visit.page.evaluate(
                    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert width <= 0, f"the neighbourhoods page scrolls sideways by {width} px at 1,280 px"
        finally:
            visit.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_quarto_dashboard_and_home_page_work_from_file_urls_in_chromium(quarto_demo, browser):  # noqa: F811
    site, quarter = quarto_demo / "_site", quarto_demo / "_site" / Q
    status = read_table(quarto_demo / "data" / "processed" / Q, MEASURE_STATUS)
    expected = dict(zip(status["measure_id"], status["status"], strict=True))
    visit = Visit(browser, quarter / "index.html")
    try:
        visit.page.set_viewport_size({"width": 1280, "height": 900})
        for code in set(expected.values()):
            badge = visit.page.locator(f"main .status.status-{code}").first
            colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
            red, green, blue = (int(STATUS_COLOURS[code][0][i : i + 2], 16) for i in (1, 3, 5))
            assert colour == f"rgb({red}, {green}, {blue})", (
                f"a {code} badge is {colour}: the stylesheet is not applied"
            )
            assert len(badge.inner_text().strip()) > 3, f"a {code} badge without words"
        widths = visit.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, "
            "...[...document.querySelectorAll('main table')].map(t => t.parentElement.scrollWidth - t.parentElement.clientWidth)]"
        )
        assert widths[0] <= widths[1], f"the dashboard scrolls sideways at 1,280 px: {widths[0]} px wide"
        assert max(widths[2:]) <= 0, f"a dashboard table scrolls sideways at 1,280 px: {widths[2:]}"
        visit.page.locator("#quarto-sidebar a.sidebar-link[href*='measures/']").first.click()
        visit.page.wait_for_load_state("load")
        assert "/measures/" in visit.page.url, "the sidebar's links work without Quarto's module scripts"
    finally:
        visit.close()

    visit = Visit(browser, site / "index.html")
    try:
        assert visit.offsite == [] and not [e for e in visit.errors if not _MODULE_SCRIPTS.search(e)]
        link = visit.page.locator(f'main a[href="{Q}/index.html"]')
        assert link.count() == 1, "the home page does not link the quarter's dashboard"
        assert (
            visit.page.locator("main .status.status-green").first.evaluate("e => getComputedStyle(e).backgroundColor")
            != "rgba(0, 0, 0, 0)"
        ), "the home page's badges have no colour"
    finally:
        visit.close()


def test_the_listing_is_the_same_on_either_home_page(tmp_path):
    """The built-in home page and Quarto's share the list of quarters (one template)."""
    processed = tmp_path / "processed"
    fx.write_processed(processed / fx.QUARTER)
    site_root = tmp_path / "site"
    (site_root / fx.QUARTER).mkdir(parents=True)
    (site_root / fx.QUARTER / "index.html").write_text("<html></html>")
    builtin_home = home.render_index(processed, site_root).read_text(encoding="utf-8")
    template = site_root / fx.QUARTER / quarto.HOME_TEMPLATE
    template.parent.mkdir(parents=True)
    template.write_text('<html><head><title>x</title></head><body><div id="quarters">\n</div></body></html>')
    quarto_home = home.render_index(processed, site_root).read_text(encoding="utf-8")
    listing = re.search(r'<table class="quarters">.*?</table>', builtin_home, re.DOTALL).group(0)
    assert listing in quarto_home and "<title>Quarterly performance reports</title>" in quarto_home
