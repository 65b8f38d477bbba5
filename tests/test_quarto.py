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
        assert "[Executed notebook](" in nb.cells[-1].source, path
    broken = nbformat.read(staged / fx.QUARTER / "measures" / "broken.ipynb", as_version=4)
    assert broken.cells[1].source.startswith('::: {.failure role="alert"}')
    assert "KeyError" in broken.cells[1].source and "<b>" not in broken.cells[1].source
    assert "](../notebooks/measures/broken.ipynb)" in broken.cells[-1].source


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
