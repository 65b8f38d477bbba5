"""Free text never makes the paper or the site read a file: local images in commentary, file URLs in any section.

A partnership's text (commentary, titles, positions, notes, the register's ``report:`` block) reaches the pages
and the committee paper. These attacks name a file of the machine that builds the report: ``validate`` refuses a
Markdown image, the pages show it as words, and the paper's URL fetcher reads nothing but inline data and the
project's own files, so a secret never ends up in the PDF and a FIFO or the zero device never hangs the build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_paper import QUARTER, _image_sizes, _png, _quarter_layout, _text, _with_section

from analysis.cli import main
from analysis.core.register import ReportInfo
from analysis.report.html import markdown
from analysis.site import fetch, paper
from analysis.site.assets import offsite_fetches

ROOT = Path(__file__).resolve().parents[1]
NOTE = "commentary/2015-16-Q1/asb-incidents.md"
SECRET = "SECRET-4f1c-MARKER"


@pytest.fixture
def secrets(tmp_path: Path) -> dict[str, Path]:
    """Files outside the report that a hostile text names: an SVG holding text, and a PNG of a size to spot."""
    folder = tmp_path / "home" / "analyst"
    folder.mkdir(parents=True)
    svg = folder / "secret.svg"
    svg.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="5" y="20">{SECRET}</text></svg>'
    )
    png = folder / "secret.png"
    png.write_bytes(_png((13, 11)))
    return {"svg": svg, "png": png}


# --- commentary: validate refuses a Markdown image, and the pages show it as words


@pytest.mark.parametrize(
    ("text", "line", "src"),
    [
        ("Up.\n\n![x](/home/analyst/secret.svg)\n", 3, "/home/analyst/secret.svg"),
        ("Up ![chart](../../../secret.png) again.\n", 1, "../../../secret.png"),
        ("Up.\n\n![chart][c]\n\n[c]: ../secret.svg\n", 5, "../secret.svg"),
        ("![x](data:image/png;base64,iVBORw0KGgo=)\n", 1, "data:image/png;base64,iVBORw0KGgo="),
    ],
    ids=["absolute-path", "dot-dot", "reference", "inline-data"],
)
def test_an_image_of_a_local_file_in_commentary_is_refused_by_validate(demo_copy, capsys, text, line, src):
    (demo_copy / NOTE).write_text(text, encoding="utf-8")
    assert main(["validate", "--data", str(demo_copy)]) == 2
    err = capsys.readouterr().err
    assert f"  - {NOTE}, line {line}: the image {src!r} " in err
    assert "Traceback" not in err


def test_a_markdown_image_is_shown_as_words_never_as_an_image():
    page = markdown(
        "Rising: ![the chart of *March*](/home/analyst/secret.svg) and ![](../x.png) ![f](file:///etc/passwd)"
    )
    assert "<img" not in page and "secret.svg" not in page and 'src="file:' not in page
    assert "[image not shown: the chart of March]" in page and "[image not shown: no description]" in page
    assert offsite_fetches(page) == []


# --- the paper's fetcher: inline data and the project's own files, nothing else


@pytest.mark.parametrize("kind", ["absolute-file-url", "dot-dot", "absolute-path"])
def test_the_paper_never_embeds_a_file_named_in_a_section(tmp_path, secrets, kind):
    site = tmp_path / "_site" / QUARTER
    src = {
        "absolute-file-url": secrets["svg"].as_uri(),
        "dot-dot": "../../home/analyst/secret.svg",  # relative to the quarter's site folder, the paper's base
        "absolute-path": str(secrets["svg"]),
    }[kind]
    section = (
        f'<p>Before</p><img src="{src}" alt="x"><img src="{secrets["png"].as_uri()}" alt="y">'
        f'<div style="background: url({secrets["png"].as_uri()})">z</div>'
        f'<a rel="attachment" href="{secrets["svg"].as_uri()}">attached</a>'
    )
    reports, processed = _with_section(_quarter_layout(tmp_path), section)
    reader = PdfReader(paper.write_paper(QUARTER, reports, processed, site))
    assert SECRET not in _text(reader), "the SVG's text is not in the paper"
    assert (13, 11) not in _image_sizes(reader), "the PNG's pixels are not in the paper"
    assert not reader.attachments, "nothing is attached"


def test_the_report_block_and_titles_are_text_in_the_paper(tmp_path, secrets):
    board = f'<img src="{secrets["png"].as_uri()}"> Board'
    root = _quarter_layout(tmp_path, report=ReportInfo(board=board, author=f"<object data='{secrets['svg']}'>"))
    site = tmp_path / "_site" / QUARTER
    reader = PdfReader(
        paper.write_paper(QUARTER, root / "reports" / QUARTER, root / "data" / "processed" / QUARTER, site)
    )
    assert "<img src=" in _text(reader), "the text as typed, not an image"
    assert (13, 11) not in _image_sizes(reader) and SECRET not in _text(reader)


PAPER_OF = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from analysis.site.paper import write_paper
    root = Path(sys.argv[1])
    print(write_paper("2015-16-Q1", root / "reports" / "2015-16-Q1", root / "data" / "processed" / "2015-16-Q1",
                      root / "_site" / "2015-16-Q1"))
    """
)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("kind", ["fifo", "zero-device", "fifo-in-the-site-folder"])
def test_a_fifo_or_device_as_an_image_never_hangs_the_paper(tmp_path, kind):
    site = tmp_path / "_site" / QUARTER
    site.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe.png")
        src = (tmp_path / "pipe.png").as_uri()
    elif kind == "zero-device":
        src = "file:///dev/zero"
    else:
        os.mkfifo(site / "pipe.png")
        src = "pipe.png"
    _with_section(_quarter_layout(tmp_path), f'<img src="{src}" alt="x">')
    done = subprocess.run(
        [sys.executable, "-c", PAPER_OF, str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "file:///dev/zero", "file:///proc/self/environ", "file://localhost/etc/hosts"],
    ids=["passwd", "zero", "environ", "localhost"],
)
def test_the_fetcher_refuses_every_file_but_the_projects_own(url, tmp_path):
    with pytest.raises(ValueError, match="reads no file but the project's own"):
        fetch.local_fetcher(tmp_path)(url)


def test_the_fetcher_reads_inline_data_and_the_quarters_own_files(tmp_path):
    (tmp_path / "chart.png").write_bytes(_png((3, 2)))
    fetcher = fetch.local_fetcher(tmp_path)
    assert fetcher((tmp_path / "chart.png").as_uri()).read() == _png((3, 2))
    assert fetcher("data:text/plain;base64,eA==").read() == b"x"
    (tmp_path / "elsewhere.png").symlink_to(tmp_path.parent / "x.png")
    with pytest.raises(ValueError):
        fetcher((tmp_path / "elsewhere.png").as_uri())
