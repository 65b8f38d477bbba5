"""The Quarto path: ``_quarto.yml`` is a valid website project, the staged project is what it names, and
``quarto render`` works where Quarto is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import site_fixture as fx
import yaml

from analysis.site import assets, catalogue, quarto

ROOT = Path(__file__).resolve().parents[1]
PANACHE = shutil.which("panache") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "panache")


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


def test_quarto_yml_is_a_website_project_that_renders_without_executing():
    config = _config()
    assert config["project"]["type"] == "website"
    assert config["project"]["output-dir"] == "_site"
    assert config["execute"]["enabled"] is False
    assert config["execute"]["echo"] is False
    assert config["website"]["search"] is False, "search fetches search.json, which fails from file://"
    assert config["format"]["html"].get("embed-resources") is not True, "Quarto websites do not support it"


def test_quarto_yml_names_only_files_and_folders_that_exist():
    config = _config()
    named = [r for r in config["project"]["render"] if not _is_glob(r)]
    css = config["format"]["html"]["css"]
    named += [css] if isinstance(css, str) else css
    named += list(config.get("metadata-files", []))
    named += [item["href"] for item in config["website"]["navbar"]["left"] if "href" in item]
    assert named
    for name in named:
        assert (ROOT / name).exists(), f"_quarto.yml names {name}, which does not exist"


def test_panache_lint_passes_on_quarto_yml():
    done = subprocess.run([PANACHE, "lint", "_quarto.yml", "index.qmd"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_staged_project_is_the_project_config_plus_the_generated_navigation(staged):
    config = yaml.safe_load((staged / "_quarto.yml").read_text(encoding="utf-8"))
    expected = _config()
    expected["metadata-files"] = [quarto.NAVIGATION_FILE]
    assert config == expected
    done = subprocess.run([PANACHE, "lint", "_quarto.yml", "index.qmd"], cwd=staged, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (staged / config["format"]["html"]["css"]).read_bytes() == assets.stylesheet().encode()


def test_render_globs_match_exactly_the_staged_notebooks(staged):
    patterns = _config()["project"]["render"]
    matched = {p.relative_to(staged).as_posix() for pattern in patterns for p in staged.glob(pattern)}
    notebooks = {p.relative_to(staged).as_posix() for p in staged.rglob("*.ipynb")}
    names = ["index.ipynb", "strategic-assessment.ipynb", "method.ipynb", "measures/asb-incidents.ipynb",
             "measures/hostile.ipynb", "measures/broken.ipynb"]  # fmt: skip
    assert notebooks == {f"{fx.QUARTER}/{n}" for n in names}
    assert matched == notebooks | {"index.qmd"}
    for pattern in patterns:
        assert list(staged.glob(pattern)), f"{pattern} matches nothing in the staged project"
        assert not list(ROOT.glob(pattern)) or pattern == "index.qmd", f"{pattern} would render project files"


def test_navigation_lists_the_quarter_and_measures_by_priority_escaped(staged):
    nav = yaml.safe_load((staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8"))["website"]
    hrefs = [item["href"] for item in nav["navbar"]["left"]]
    assert hrefs == [f"{fx.QUARTER}/index.ipynb", f"{fx.QUARTER}/strategic-assessment.ipynb"]
    sections = nav["sidebar"]["contents"]
    assert [s["section"] for s in sections] == ["Anti-social behaviour", "Hate &lt;crime&gt;"]
    for section in sections:
        for item in section["contents"]:
            assert (staged / item["href"]).is_file()
    text = (staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<Example>" not in text


def test_staged_notebooks_are_the_readers_copies(staged):
    for path in staged.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        tags = {t for cell in nb.cells for t in cell.metadata.get("tags", [])}
        assert not tags & {"parameters", "injected-parameters", "papermill-error-cell-tag"}, path
        front = yaml.safe_load(nb.cells[0].source.strip().strip("-"))
        assert nb.cells[0].cell_type == "raw" and front["title"], path
        assert "<" not in front["title"] and "<" not in front["pagetitle"], path
        links = nb.cells[-1].source
        assert "[Executed notebook](" in links and "[How this page was made](" in links, path
        assert "[Committee paper (PDF)](" in links, path
    broken = nbformat.read(staged / fx.QUARTER / "measures" / "broken.ipynb", as_version=4)
    assert broken.cells[1].source.startswith('::: {.failure role="alert"}')
    assert "KeyError" in broken.cells[1].source and "<b>" not in broken.cells[1].source
    assert "](../notebooks/measures/broken.ipynb)" in broken.cells[-1].source
    assert "](../notebooks/measures/broken.html)" in broken.cells[-1].source
    assert "](../committee-paper.pdf)" in broken.cells[-1].source
    dashboard = nbformat.read(staged / fx.QUARTER / "index.ipynb", as_version=4)
    assert "](committee-paper.pdf)" in dashboard.cells[-1].source
    assert "](notebooks/dashboard.html)" in dashboard.cells[-1].source


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed here (no `quarto` on PATH)")
def test_quarto_renders_the_site(tmp_path):
    site_root = fx.build_site(tmp_path, renderer="quarto")
    quarter = site_root / fx.QUARTER
    for name in ("index.html", "strategic-assessment.html", "measures/asb-incidents.html", "measures/broken.html"):
        text = (quarter / name).read_text(encoding="utf-8")
        assert not assets.offsite_fetches(text), name
        assert "<script>alert(1)</script>" not in text, name
    assert (quarter / "notebooks" / "measures" / "broken.ipynb").is_file()
    assert "KeyError" in (quarter / "measures" / "broken.html").read_text(encoding="utf-8")
    assert (quarter / "site_libs").is_dir()


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
    import json

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


def test_quarto_keeps_the_notebooks_table_markup():
    assert _config()["format"]["html"]["html-table-processing"] == "none"


def test_every_page_the_staging_lists_exists(staged):
    website = yaml.safe_load((staged / quarto.NAVIGATION_FILE).read_text(encoding="utf-8"))["website"]

    def hrefs(contents):
        for item in contents:
            if isinstance(item, str):
                yield item
            elif "contents" in item:
                yield from hrefs(item["contents"])
            else:
                yield item["href"]

    listed = [item["href"] for item in website["navbar"]["left"]] + list(hrefs(website["sidebar"]["contents"]))
    assert len(listed) == 2 + 3
    for href in listed:
        assert (staged / href).is_file(), f"the navigation lists {href}, which the staging did not write"
    config = yaml.safe_load((staged / "_quarto.yml").read_text(encoding="utf-8"))
    for name in config["metadata-files"]:
        assert (staged / name).is_file(), name
