"""A data folder from elsewhere cannot reach outside itself, hang the tool, exhaust it, or run its own code.

Each hostile file is made here, in ``tmp_path``, from the small valid folder of
the input corpus. Anything that could hang runs in a child process with a
timeout; time bounds are generous, since they only have to tell "prompt" from
"minutes".
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openpyxl
import pytest

from analysis.cli import main
from analysis.core import paths
from analysis.core.problems import InputError
from analysis.inputs.register import check_register
from analysis.inputs.tables import load_inputs
from analysis.processed.atomic import write_text_atomic
from analysis.report.html import markdown
from analysis.site.assets import offsite_fetches

VALID = Path(__file__).resolve().parent / "data" / "inputs" / "valid"
NOTE = "commentary/2015-16-Q1/asb-incidents.md"
Q = "2015-16-Q1"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the valid inputs."""
    target = tmp_path / "raw"
    shutil.copytree(VALID, target)
    return target


def problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_inputs(folder)
    return [str(p) for p in caught.value.problems]


def validate_in_child(folder: Path) -> subprocess.CompletedProcess:
    """``csp-report validate`` in its own process, killed if it does not finish promptly."""
    return subprocess.run(
        [sys.executable, "-m", "analysis.cli", "validate", "--data", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- files that are not regular files inside the data folder


def test_a_link_to_a_file_outside_the_folder_is_refused_and_not_read(data, tmp_path, capsys):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    (data / NOTE).unlink()
    (data / NOTE).symlink_to(secret)
    assert problems(data) == [
        f"{NOTE}: this is a link to a file outside the data folder, which is not read: "
        "copy the file itself into the data folder"
    ]
    assert main(["validate", "--data", str(data)]) == 2
    printed = capsys.readouterr()
    assert "secret-hash" not in printed.out + printed.err


def test_a_linked_folder_outside_the_data_folder_is_refused(data, tmp_path):
    outside = tmp_path / "elsewhere"
    (data / "commentary" / Q).rename(outside)
    (data / "commentary" / Q).symlink_to(outside, target_is_directory=True)
    assert problems(data) == [
        f"commentary/{Q}: this is a link to a folder outside the data folder, which is not read: copy the folder in"
    ]


def test_files_reached_through_a_linked_folder_outside_are_refused(data, tmp_path):
    outside = tmp_path / "elsewhere"
    (data / "commentary").rename(outside)
    (data / "commentary").symlink_to(outside, target_is_directory=True)
    assert problems(data) == [
        f"{NOTE}: this is in a folder linked from outside the data folder, which is not read: "
        "copy the files themselves into the data folder"
    ]


def test_a_link_to_a_file_inside_the_folder_is_read(data):
    (data / "kept").mkdir()
    (data / "actuals.csv").rename(data / "kept" / "actuals.csv")
    (data / "actuals.csv").symlink_to(Path("kept") / "actuals.csv")
    assert len(load_inputs(data).actuals) > 0


@pytest.mark.parametrize("name", ["actuals.csv", NOTE, "measures.yml"], ids=["table", "commentary", "register"])
def test_a_link_to_dev_zero_is_refused_without_reading(data, name):
    (data / name).unlink()
    (data / name).symlink_to("/dev/zero")
    found = problems(data)
    assert f"{name}: this is a link to a file outside the data folder, which is not read: " in found[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("name", ["actuals.csv", NOTE, "measures.yml"], ids=["table", "commentary", "register"])
def test_a_fifo_is_refused_promptly_never_opened(data, name):
    (data / name).unlink()
    os.mkfifo(data / name)
    done = validate_in_child(data)  # opening a FIFO would wait for a writer for ever: the timeout would fire
    assert done.returncode == 2, done.stderr
    assert f"  - {name}: this is a named pipe (FIFO), not a file, so it is not read: put a saved file here" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_a_link_that_leads_nowhere_is_refused(data):
    (data / "actuals.csv").unlink()
    (data / "actuals.csv").symlink_to(data / "gone.csv")
    assert problems(data) == [
        "actuals.csv: this is a link to a file that does not exist: put the file itself here",
    ]


def test_an_oversized_commentary_is_refused(data):
    (data / NOTE).write_bytes(b"x" * (1024 * 1024 + 1))
    assert problems(data) == [
        f"{NOTE}: this file is bigger than the 1 MB an input may be: check it is the right file, or split it"
    ]


def test_an_oversized_table_is_refused(data, monkeypatch):
    monkeypatch.setattr("analysis.inputs.reading.MAX_TABLE_BYTES", 100)  # not 50 MB of test data
    found = problems(data)
    too_big = "this file is bigger than the 100 bytes an input may be: check it is the right file, or split it"
    assert f"action_plan.csv: {too_big}" in found
    assert f"actuals.csv: {too_big}" in found


# --- files built to exhaust time or memory


BOMB = """partnership: Bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
measures: [*g]
"""


def test_a_yaml_alias_bomb_is_refused_at_once():
    started = time.perf_counter()
    register, found = check_register(BOMB)
    assert time.perf_counter() - started < 5
    assert register is None
    assert [str(p) for p in found] == [
        "measures.yml, line 1: with its aliases (*name) expanded this holds more than 100,000 values: "
        "write the values out instead"
    ]


def test_more_than_a_hundred_aliases_are_refused():
    text = "partnership: X\nlol: &a lol\nmeasures: [" + ", ".join(["*a"] * 101) + "]\n"
    _, found = check_register(text)
    assert [str(p) for p in found] == [
        "measures.yml, line 3: this uses more than 100 YAML aliases (*name): write the values out instead"
    ]


def test_a_few_aliases_expanding_past_the_bound_are_refused():
    levels = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 20)]
    _, found = check_register("partnership: Bomb\n" + "\n".join(levels) + "\nmeasures: [*a19]\n")
    assert [str(p) for p in found] == [
        "measures.yml, line 1: with its aliases (*name) expanded this holds more than 100,000 values: "
        "write the values out instead"
    ]


def test_an_alias_inside_itself_is_refused():
    _, found = check_register("partnership: X\nmeasures: &m [*m]\n")
    assert [str(p) for p in found] == ["measures.yml, line 2: an alias (*name) refers to the value that contains it"]


def test_an_anchor_used_for_shared_targets_is_still_read(data):
    text = (data / "measures.yml").read_text()
    text = text.replace("targets: {2015-16: 10064}", "targets: &shared {2015-16: 10064}", 1)
    text = text.replace("    frequency: monthly\n\n", "    frequency: monthly\n    targets: *shared\n", 1)
    (data / "measures.yml").write_text(text)
    register = load_inputs(data).register
    assert register.measure("asb-incidents").targets == register.measure("all-crime").targets == {2015: 10064.0}


def test_a_workbook_with_a_cell_at_the_last_row_and_column_is_refused_quickly(data):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "actuals"
    sheet.append(["measure_id", "period", "value"])
    sheet["XFD1048576"] = "far away"
    book.save(data / "inputs.xlsx")
    (data / "actuals.csv").unlink()
    started = time.perf_counter()
    found = problems(data)
    assert time.perf_counter() - started < 20
    assert found == [
        "inputs.xlsx, sheet 'actuals': this sheet reaches row 1,048,576, more than the 200,000 rows an input "
        "table may have: delete the rows and columns beyond the table (a stray value far below or to the right "
        "makes the sheet this big) and save it again"
    ]


def test_a_workbook_sheet_is_read_whole_even_when_its_recorded_size_is_too_small(data, tmp_path):
    import zipfile

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "actuals"
    for line in (data / "actuals.csv").read_text().splitlines():
        sheet.append(line.split(","))
    book.save(tmp_path / "full.xlsx")
    expected = load_inputs(data).actuals
    with zipfile.ZipFile(tmp_path / "full.xlsx") as src, zipfile.ZipFile(data / "inputs.xlsx", "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = body.index(b'<dimension ref="') + len(b'<dimension ref="')
                body = body[:start] + b"A1:C2" + body[body.index(b'"', start) :]
            dst.writestr(item, body)
    (data / "actuals.csv").unlink()
    assert load_inputs(data).actuals.equals(expected)


def test_a_hundred_thousand_csv_columns_are_refused_quickly(data):
    header = ",".join(f"c{j}" for j in range(100_000))
    (data / "actuals.csv").write_text(header + "\n" + ",".join("1" for _ in range(100_000)) + "\n")
    started = time.perf_counter()
    found = problems(data)
    assert time.perf_counter() - started < 20
    assert found == [
        "actuals.csv: the header row names 100,000 columns, more than the 200 an input table may have: "
        "check it is the right file"
    ]


def test_a_hundred_thousand_cells_in_a_row_are_checked_quickly(data):
    lines = (data / "actuals.csv").read_text().splitlines()
    lines[1] += "," * 100_000 + "x"  # far to the right of the header
    (data / "actuals.csv").write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    found = problems(data)
    assert time.perf_counter() - started < 20
    assert found == [
        "actuals.csv, row 2: this row has values outside the columns named in the header row: "
        f"'x' in column {_letter(100_000 + 2)}"
    ]


def _letter(j: int) -> str:
    return _letter(j // 26 - 1) + chr(65 + j % 26) if j >= 26 else chr(65 + j)


# --- a measure's own notebook


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with its notebooks/ and a data folder inside it, as the register's paths see it."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    shutil.copytree(VALID, root / "data" / "raw")
    monkeypatch.setattr(paths, "PROJECT_ROOT", root)
    monkeypatch.setattr(paths, "NOTEBOOKS", root / "notebooks")
    return root


def _own_notebook(project: Path, notebook: str) -> list[str]:
    register = project / "data" / "raw" / "measures.yml"
    text = register.read_text().replace(
        "    polarity: higher\n", f"    polarity: higher\n    notebook: {notebook}\n", 1
    )
    register.write_text(text)
    return problems(project / "data" / "raw")


def _write_notebook(path: Path, kernel: bool = True) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("print('hello')"))
    if kernel:
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


WHERE = "measures.yml, line 21, measure 'da-referrals', field 'notebook'"


@pytest.mark.parametrize(
    ("notebook", "make", "why"),
    [
        pytest.param(
            "data/raw/evil.ipynb",
            "data/raw/evil.ipynb",
            "'data/raw/evil.ipynb' is not a notebook of the project's notebooks/ folder, like notebooks/asb.ipynb: "
            "a measure's own notebook is kept with the project, not with the data",
            id="in-the-data-folder",
        ),
        pytest.param(
            "notebooks/../data/raw/evil.ipynb",
            "data/raw/evil.ipynb",
            "'notebooks/../data/raw/evil.ipynb' is not a notebook of the project's notebooks/ folder, "
            "like notebooks/asb.ipynb",
            id="climbing-out",
        ),
        pytest.param(
            "notebooks/da.ipynb",
            None,
            "'notebooks/da.ipynb' does not exist: add it to the project's notebooks/ folder, or remove this line",
            id="missing",
        ),
    ],
)
def test_a_notebook_outside_notebooks_or_missing_is_refused(project, notebook, make, why):
    if make:
        _write_notebook(project / make)
    assert _own_notebook(project, notebook) == [f"{WHERE}: {why}"]


def test_a_link_in_notebooks_to_the_data_folder_is_refused(project):
    _write_notebook(project / "data" / "raw" / "evil.ipynb")
    (project / "notebooks" / "da.ipynb").symlink_to(project / "data" / "raw" / "evil.ipynb")
    found = _own_notebook(project, "notebooks/da.ipynb")
    assert found[0].endswith("a measure's own notebook is kept with the project, not with the data")


def test_a_notebook_without_a_kernelspec_is_refused(project):
    _write_notebook(project / "notebooks" / "da.ipynb", kernel=False)
    assert _own_notebook(project, "notebooks/da.ipynb") == [
        f"{WHERE}: 'notebooks/da.ipynb' names no kernel (metadata.kernelspec): "
        "open it in Jupyter, choose a kernel and save it"
    ]


def test_a_notebook_of_the_project_with_a_kernel_is_accepted(project):
    _write_notebook(project / "notebooks" / "da.ipynb")
    register = project / "data" / "raw" / "measures.yml"
    register.write_text(
        register.read_text().replace(
            "    polarity: higher\n", "    polarity: higher\n    notebook: notebooks/da.ipynb\n", 1
        )
    )
    assert load_inputs(project / "data" / "raw").register.measure("da-referrals").notebook == "notebooks/da.ipynb"


# --- the environment: exit 3 and one line


def _one_line_exit_3(capsys, argv: list[str]) -> str:
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return err


def test_a_full_disk_is_one_line_and_exit_3(data, tmp_path, capsys, monkeypatch):
    def full(files, folder):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "status.csv"))

    monkeypatch.setattr("analysis.pipeline.build.write_tables", full)
    err = _one_line_exit_3(capsys, ["status", "--quarter", Q, "--data", str(data), "--out", str(tmp_path / "o")])
    assert err.startswith("error: cannot write ") and err.endswith(
        "status.csv: the disk is full; free some space and run again\n"
    )


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (errno.EROFS, "the file system is read-only; choose an output folder you can write to (--out)"),
        (errno.EACCES, "permission denied; choose an output folder you can write to (--out)"),
    ],
    ids=["read-only-file-system", "no-permission"],
)
def test_an_output_that_cannot_be_written_is_one_line_and_exit_3(data, tmp_path, capsys, monkeypatch, code, why):
    def refused(files, folder):
        raise OSError(code, os.strerror(code), str(folder))

    monkeypatch.setattr("analysis.pipeline.build.write_tables", refused)
    err = _one_line_exit_3(capsys, ["status", "--quarter", Q, "--data", str(data), "--out", str(tmp_path / "o")])
    assert err.endswith(f": {why}\n")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not stop the superuser")
def test_a_read_only_output_folder_is_one_line_and_exit_3(data, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    out.chmod(0o555)
    try:
        err = _one_line_exit_3(capsys, ["status", "--quarter", Q, "--data", str(data), "--out", str(out)])
    finally:
        out.chmod(0o755)
    assert "permission denied" in err


def test_an_output_path_that_is_a_file_is_one_line_and_exit_3(data, tmp_path, capsys):
    out = tmp_path / "o"
    out.write_text("not a folder")
    err = _one_line_exit_3(capsys, ["status", "--quarter", Q, "--data", str(data), "--out", str(out)])
    assert err.startswith(f"error: cannot write {out}")
    assert err.endswith("a file is in the way where a folder is needed; choose another output folder (--out)\n")


def test_published_files_are_readable_by_all(data, tmp_path):
    out = tmp_path / "o"
    old = os.umask(0o022)
    try:
        assert main(["status", "--quarter", Q, "--data", str(data), "--out", str(out)]) == 0
        write_text_atomic(out / "_site" / "index.html", "<p>x</p>")
    finally:
        os.umask(old)
    written = [out / "_site" / "index.html", *(out / "data" / "processed").rglob("*"), *(out / ".versions").rglob("*")]
    assert len(written) > 3
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


# --- the offline check: what is fetched, not what is written


def test_an_email_address_in_commentary_passes_and_fetches_nothing(data):
    (data / NOTE).write_text("Figures from stats@import-export.gov.uk; see url(https://x.org) and @import.\n")
    inputs = load_inputs(data)
    assert offsite_fetches(markdown(inputs.commentary[Q, "asb-incidents"])) == []


def test_an_external_link_in_commentary_is_kept_as_a_link(data):
    (data / NOTE).write_text("See [the ONS release](https://www.ons.gov.uk/crime) and <https://police.uk>.\n")
    page = markdown(load_inputs(data).commentary[Q, "asb-incidents"])
    assert '<a href="https://www.ons.gov.uk/crime">the ONS release</a>' in page
    assert offsite_fetches(page) == []


@pytest.mark.parametrize(
    ("text", "line", "src"),
    [
        ("Rising.\n\n![chart](https://example.org/c.png)\n", 3, "https://example.org/c.png"),
        ("Rising ![x](//cdn.example/c.png) fast.\n", 1, "//cdn.example/c.png"),
        ("Rising.\n\n![chart][c]\n\n[c]: http://example.org/c.png\n", 5, "http://example.org/c.png"),
    ],
    ids=["inline", "protocol-relative", "reference"],
)
def test_an_external_image_in_commentary_is_refused_by_validate(data, capsys, text, line, src):
    (data / NOTE).write_text(text)
    expected = (
        f"{NOTE}, line {line}: the image {src!r} would be loaded from the network whenever the page is opened, "
        "and the published report must work offline: leave the image out, or link to it instead, like [chart](address)"
    )
    assert problems(data) == [expected]
    assert main(["validate", "--data", str(data)]) == 2
    assert f"  - {expected}\n" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ("<p>stats@import-export.gov.uk</p>", []),
        ("<p>write url(https://x.org) or @import 'https://x.org/a.css'</p>", []),
        ("<p>&lt;img src=&quot;https://x.org/a.png&quot;&gt;</p>", []),
        ('<a href="https://police.uk">police.uk</a>', []),
        ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"></svg>', []),
        ('<img src="charts/a.svg"><img src="data:image/png;base64,AAAA">', []),
        ('<img alt="x" src="https://x.org/a.png">', ['<img src="https://x.org/a.png">']),
        ('<img srcset="a.png 1x, //x.org/b.png 2x">', ['<img srcset="//x.org/b.png">']),
        ('<script src="//cdn.x/a.js"></script>', ['<script src="//cdn.x/a.js">']),
        ('<link rel="stylesheet" href="https://fonts.x/css">', ['<link href="https://fonts.x/css">']),
        ('<iframe src="https://x.org/"></iframe>', ['<iframe src="https://x.org/">']),
        ("<p style=\"background: url('//x.org/b.png')\">", ["url('//x.org/b.png"]),
        ("<style>@import url(https://x.org/a.css);</style>", ["@import url(https://x.org/a.css"]),
        ('<svg><image href="https://x.org/a.png"/></svg>', ['<image href="https://x.org/a.png">']),
    ],
    ids=[
        "email",
        "css-words-in-text",
        "escaped-markup",
        "link",
        "xml-namespace",
        "local-and-data-images",
        "image",
        "srcset",
        "script",
        "stylesheet",
        "iframe",
        "style-attribute",
        "style-import",
        "svg-image",
    ],
)
def test_offsite_fetches_finds_fetches_only(page, found):
    assert offsite_fetches(page) == found


def test_kernel_names_in_the_project_notebooks_are_present():
    """Every notebook the project ships passes the check a measure's own notebook must pass."""
    for path in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"], path
