"""A small quarter written on the fly for the site tests: processed tables and executed notebooks.

Three measures under two priorities, one of them with a hostile title; the
notebooks look like papermill's output (a ``parameters`` cell, an
``injected-parameters`` cell, HTML outputs with an inline SVG chart) and one of
them failed.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.inputs.register import parse_register

QUARTER = "2015-16-Q1"
EARLIER = "2014-15-Q4"
HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(1)>"
PARTNERSHIP = "Safer <Example> & Co"

REGISTER = f"""
partnership: {PARTNERSHIP!r}
status_labels:
  amber: Some concerns about performance
measures:
  - id: asb-incidents
    title: Reduce anti-social behaviour incidents
    priority: Anti-social behaviour
    polarity: lower
    frequency: monthly
    targets: {{2015-16: 1000}}
  - id: hostile
    title: {HOSTILE!r}
    priority: "Hate <crime>"
    polarity: higher
    frequency: monthly
    targets: {{2015-16: 10}}
  - id: broken
    title: A measure whose notebook failed
    priority: Anti-social behaviour
    polarity: monitor
    frequency: quarterly
"""

STATUSES = {"asb-incidents": "amber", "hostile": "green", "broken": "monitor"}

CHART = (
    '<figure role="img" aria-label="Incidents by month against the target">'
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160" viewBox="0 0 320 160">'
    '<rect x="10" y="40" width="40" height="110" fill="#0072b2"/>'
    '<rect x="70" y="60" width="40" height="90" fill="#0072b2"/>'
    '<line x1="0" y1="50" x2="320" y2="50" stroke="#000"/></svg>'
    "<figcaption>Incidents by month, April to June 2015</figcaption></figure>"
)


def write_processed(
    folder: Path, statuses: dict[str, str] | None = None, quarter: str = QUARTER, **figures: str
) -> Path:
    """A built quarter's processed folder: ``register.json``, ``measure_status.csv``, the exception items of
    the statuses, every other table empty and a ``manifest.json``, as the build writes them.

    Every column of the status table is there (checked against its declaration on
    read); ``figures`` fills numeric columns such as ``ytd_actual`` for every measure.
    """
    from analysis.processed.contract import EXCEPTIONS, MEASURE_STATUS, TABLES

    statuses = statuses or STATUSES
    register = parse_register(REGISTER)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "register.json").write_text(register.to_json(), encoding="utf-8")
    columns = MEASURE_STATUS.names
    with (folder / "measure_status.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for m in register.measures:
            status = statuses[m.id]
            row = {
                "measure_id": m.id, "title": m.title, "priority": m.priority, "lead": m.lead,
                "polarity": m.polarity, "frequency": m.frequency, "status": status,
                "status_label": register.label(status), "aggregation": m.aggregation, "lag": m.lag, **figures,
            }  # fmt: skip
            writer.writerow([row.get(c, "") for c in columns])
    exceptions = [
        {"measure_id": m, "status": s, "reason": f"status {s}"} for m, s in statuses.items() if s in ("amber", "red")
    ]
    (folder / EXCEPTIONS.name).write_text(EXCEPTIONS.text(EXCEPTIONS.frame(exceptions)), encoding="utf-8")
    for table in TABLES:
        if not (folder / table.name).exists():
            (folder / table.name).write_text(table.text(table.frame()), encoding="utf-8")
    manifest = {"quarter": quarter, "data_fingerprint": "0123456789ab", "code": {"version": "0.0"}, "inputs": {},
                "built_at": "2015-07-20T09:00:00+00:00"}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _html(text: str) -> dict:
    return new_output("display_data", data={"text/html": text, "text/plain": "<IPython.core.display.HTML object>"})


def _executed(cells: list, **params: str) -> nbformat.NotebookNode:
    parameters = new_code_cell('quarter = ""\nmeasure_id = ""', metadata={"tags": ["parameters"]}, execution_count=1)
    injected = new_code_cell(
        "# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items()),
        metadata={"tags": ["injected-parameters"]},
        execution_count=2,
    )
    nb = new_notebook(cells=[parameters, injected, *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["papermill"] = {"parameters": params, "exception": None}
    return nb


def dashboard(register_titles: dict[str, str]) -> nbformat.NotebookNode:
    rows = "".join(
        f'<tr><th scope="row"><a href="measures/{mid}.html">{html.escape(title)}</a></th>'
        f'<td><span class="status status-{STATUSES[mid]}"><span aria-hidden="true">●</span> '
        f"{STATUSES[mid].title()}</span></td></tr>"
        for mid, title in register_titles.items()
    )
    head = '<thead><tr><th scope="col">Measure</th><th scope="col">Status</th></tr></thead>'
    table = f"<table>{head}<tbody>{rows}</tbody></table>"
    return _executed(
        [
            new_code_cell("show_summary()", outputs=[_html("<h2>Summary</h2>" + table)], execution_count=3),
            new_code_cell("show_note()", outputs=[new_output("display_data", data={"text/markdown": "**Note** text"})]),
        ],
        quarter=QUARTER,
    )


def measure(measure_id: str) -> nbformat.NotebookNode:
    return _executed(
        [
            new_code_cell(
                "SECRET_CODE_MARKER = 1\nshow_chart()",
                outputs=[
                    _html(f"<h2>Performance</h2>{CHART}"),
                    new_output("stream", name="stderr", text="FutureWarning: WARNING_MARKER\n"),
                ],
                execution_count=3,
            ),
            new_markdown_cell("Commentary for the measure."),
        ],
        quarter=QUARTER,
        measure_id=measure_id,
    )


def failed(measure_id: str) -> nbformat.NotebookNode:
    nb = _executed(
        [
            new_code_cell("show_chart()", outputs=[_html(f"<h2>Before the error</h2>{CHART}")], execution_count=3),
            new_code_cell(
                "compute()",
                outputs=[
                    new_output(
                        "error",
                        ename="KeyError",
                        evalue="'period_end' <b>not found</b>",
                        traceback=["\x1b[0;31mKeyError\x1b[0m Traceback", "KeyError: 'period_end'"],
                    )
                ],
                execution_count=4,
            ),
        ],
        quarter=QUARTER,
        measure_id=measure_id,
    )
    banner = new_markdown_cell(
        '<span style="color:red">An Exception was encountered at <a href="#papermill-error-cell">In [4]</a>.</span>',
        metadata={"tags": ["papermill-error-cell-tag"]},
    )
    nb.cells.insert(0, banner)
    nb.metadata["papermill"]["exception"] = True
    return nb


def write_reports(folder: Path) -> Path:
    """The executed notebooks of the fixture quarter, as papermill leaves them."""
    register = parse_register(REGISTER)
    (folder / "measures").mkdir(parents=True, exist_ok=True)
    nbformat.write(dashboard({m.id: m.title for m in register.measures}), folder / "dashboard.ipynb")
    nbformat.write(
        _executed(
            [new_code_cell("show()", outputs=[_html("<h2>Recommendations</h2><p>Progress.</p>")])], quarter=QUARTER
        ),
        folder / "strategic-assessment.ipynb",
    )
    method = _executed(
        [new_code_cell("show()", outputs=[_html("<h2>The rules</h2><p>Year to date.</p>")])], quarter=QUARTER
    )
    method.metadata["title"] = "How the figures are made"
    nbformat.write(method, folder / "method.ipynb")
    glossary = _executed(
        [new_code_cell("terms()", outputs=[_html('<dl><dt id="common-cause">The usual range of variation '
                                                  "(common cause)</dt><dd>Chance ups and downs.</dd></dl>")])],
        quarter=QUARTER,
    )  # fmt: skip
    nbformat.write(glossary, folder / "glossary.ipynb")
    nbformat.write(measure("asb-incidents"), folder / "measures" / "asb-incidents.ipynb")
    nbformat.write(measure("hostile"), folder / "measures" / "hostile.ipynb")
    nbformat.write(failed("broken"), folder / "measures" / "broken.ipynb")
    return folder


def build_site(root: Path, renderer: str = "builtin") -> Path:
    """Two quarters of processed tables, one quarter rendered, and the home page; returns ``_site``."""
    from analysis.site.paper import write_paper
    from analysis.site.render import render_index, render_quarter

    processed = root / "data" / "processed"
    write_processed(processed / QUARTER)
    write_processed(processed / EARLIER, {"asb-incidents": "red", "hostile": "achieved", "broken": "no_data"}, EARLIER)
    reports = write_reports(root / "reports" / QUARTER)
    site = root / "_site"
    render_quarter(QUARTER, reports, processed / QUARTER, site / QUARTER, renderer=renderer)
    write_paper(QUARTER, reports, processed / QUARTER, site / QUARTER)  # as the build does: the pages link to it
    render_index(processed, site)
    return site
