"""Every section of the report snapshotted on the demo's tables and on hostile text.

The demo quarter (2015-16-Q1 from ``data/raw``) is computed in memory once. The
hostile quarter is the same figures with every piece of partnership text
(names, titles, leads, commentary, action-plan and recommendation text)
replaced by markup and template syntax, which must come out escaped.

Charts are SVG drawn by vl-convert; the snapshots hold the surrounding HTML
with each ``<svg>...</svg>`` replaced by a placeholder, so they do not depend
on the renderer's bytes. Update with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import inspect
import json
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.leads import lead_slug
from analysis.core.periods import parse_quarter
from analysis.core.register import Register
from analysis.processed.quarter import QuarterData

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2015-16-Q1"
HOSTILE = "<script>alert(\"x\")</script> & {{ q }} 'it' <b>"
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def without_svg(html: str) -> str:
    """The HTML with each inline SVG replaced by a stable placeholder."""
    return SVG.sub("<svg><!-- chart --></svg>", str(html))


@cache
def demo_files() -> dict[str, str]:
    from analysis.core.paths import OutputPaths
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    nothing_built = OutputPaths(ROOT / "tests" / "data" / "no-builds")  # no earlier quarter: no changes, no history
    return compute_tables(load_inputs(ROOT / "data" / "raw"), parse_quarter(QUARTER), nothing_built)


@cache
def demo_data() -> QuarterData:
    return QuarterData.from_files(parse_quarter(QUARTER), demo_files())


def _hostile(value: object, i: int) -> object:
    return f"{HOSTILE} {i}" if isinstance(value, str) and value else value


@cache
def hostile_data() -> QuarterData:
    """The demo's figures with every text a partnership types made hostile."""
    demo = demo_data()
    register = json.loads(demo_files()["register.json"])
    partnership = f"{HOSTILE} partnership"
    register["partnership"] = partnership
    register["population_source"] = f"{HOSTILE} source"
    register["status_labels"] = {k: f"{HOSTILE} {k}" for k in register["status_labels"]}
    for i, m in enumerate(register["measures"] + register["in_development"]):
        for key in ("title", "lead", "partner", "unit"):
            m[key] = _hostile(m[key], i)
        m["priority"] = f"{HOSTILE} priority {i % 3}"
        m["threads"] = [f"{HOSTILE} thread"]
    register["plan"] = [{"name": f"{HOSTILE} priority {i}", "lead": f"{HOSTILE} lead {i}"} for i in range(4)]
    tables = {name: frame.copy() for name, frame in demo.tables.items()}
    plan = tables["action_plan.csv"]
    for col in ("outcome", "ref", "action", "task", "target", "position", "improvement", "deadline", "lead"):
        plan[col] = [_hostile(v, i) for i, v in enumerate(plan[col])]
    events = tables["events.csv"]
    events["text"] = [_hostile(v, i) for i, v in enumerate(events["text"])]
    recs = tables["recommendations.csv"]
    for col in ("recommendation", "progress"):
        recs[col] = [_hostile(v, i) for i, v in enumerate(recs[col])]
    fg = tables["family_group.csv"]
    original = demo.register.partnership
    fg["partnership"] = [
        partnership if p == original else f"{HOSTILE} peer {i}" for i, p in enumerate(fg["partnership"])
    ]
    status = tables["measure_status.csv"]
    titles = {m["id"]: m["title"] for m in register["measures"]}
    status["title"] = [titles[mid] for mid in status["measure_id"]]
    commentary = {
        mid: f"**{HOSTILE}** [link](javascript:alert(1)) {HOSTILE}\n\n<div>{HOSTILE}</div>" for mid in demo.commentary
    }
    changes = pd.DataFrame(
        [
            {
                "kind": "previous_build",
                "measure_id": "",
                "what": "",
                "before": "",
                "after": "found",
                "previous_quarter": f"{HOSTILE} quarter",
            },
            {
                "kind": "status",
                "measure_id": "asb-incidents",
                "what": "status",
                "before": "green",
                "after": "red",
                "previous_quarter": "",
            },
            {
                "kind": "revision",
                "measure_id": "da-reporting",
                "what": "value 2015-04",
                "before": "10",
                "after": "12",
                "previous_quarter": "",
            },
        ]
    )
    shown = {"status": ("green", "red"), "revision": ("10", "12")}
    changes["before_shown"] = [shown.get(k, ("", ""))[0] for k in changes["kind"]]
    changes["after_shown"] = [shown.get(k, ("", ""))[1] for k in changes["kind"]]
    more = pd.DataFrame(
        [
            {"kind": "spc_variation", "measure_id": "asb-incidents", "what": "spc_variation",
             "before": "common_cause", "after": "special_cause_concern", "previous_quarter": "",
             "before_shown": "common_cause", "after_shown": "special_cause_concern"},
            {"kind": "late_return", "measure_id": "da-reporting", "what": "value 2015-05", "before": "",
             "after": "1234.5", "previous_quarter": "", "before_shown": "no value", "after_shown": "1,235"},
        ]
    )  # fmt: skip
    tables["changes.csv"] = pd.concat([changes, more], ignore_index=True)
    # One measure incomplete for the quarter, another with no value of its own in the quarter.
    incomplete = status["measure_id"].isin(["asb-incidents", "da-reporting"])
    status.loc[incomplete, "periods_missing"] = "2015-05"
    status.loc[status["measure_id"] == "da-reporting", "quarter_actual"] = float("nan")
    return QuarterData(demo.quarter, Register.from_json(json.dumps(register)), tables, commentary)


SIGNED = {  # who signed off which measure for the quarter, and when
    "da-reporting": ("Sam Taylor", "2015-07-06"),
    "asb-incidents": ("Chris Morgan", "2015-07-07"),  # and a figure of it revised after
}


@cache
def signed_data() -> QuarterData:
    """The demo quarter with its leads' sign-off: one measure signed off, one signed off before a figure of it was
    revised, the rest not yet signed off."""
    from analysis.method.signoff import signoffs
    from analysis.processed.contract import SIGNOFF

    demo = demo_data()
    signed = pd.DataFrame(
        [{"quarter": QUARTER, "measure_id": m, "signed_by": who, "signed_on": on} for m, (who, on) in SIGNED.items()]
    )
    revised = pd.DataFrame([{"measure_id": "asb-incidents", "period": "2015-05", "date": "2015-07-10"}])
    rows = [s.__dict__ for s in signoffs(demo.register, demo.quarter, signed, revised)]
    return QuarterData(demo.quarter, demo.register, {**demo.tables, SIGNOFF.name: SIGNOFF.frame(rows)}, demo.commentary)


@cache
def year_data() -> QuarterData:
    """The demo's year to quarter four (tests/year.py), its quarters not built: the year-end report."""
    import tempfile

    from year import Q4, write_year

    from analysis.core.paths import OutputPaths
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    with tempfile.TemporaryDirectory() as folder:
        inputs = load_inputs(write_year(Path(folder) / "raw"))
    files = compute_tables(inputs, parse_quarter(Q4), OutputPaths(ROOT / "tests" / "data" / "no-builds"))
    return QuarterData.from_files(parse_quarter(Q4), files)


BREAK_AFTER = re.compile(r"(</(?:p|li|tr|thead|caption|h[1-6]|dl|dd|header|article|table|figure|div|ul|ol|section)>)")


def readable(html: str) -> str:
    """The HTML without SVG and with a line break after each block, so snapshot diffs read well."""
    return BREAK_AFTER.sub(r"\1\n", without_svg(html))


DATASETS = {"demo": demo_data, "hostile": hostile_data, "signed": signed_data, "year": year_data}
# Measures covering the branches: a count with commentary (asb), a cumulative "last" series with
# no SPC chart (closing-the-gap), a "higher" measure with linked actions (da-reporting), a monitor.
MEASURES = {
    "demo": ("asb-incidents", "closing-the-gap", "da-reporting", "all-crime"),
    "hostile": ("asb-incidents", "da-reporting"),
    "signed": ("asb-incidents", "da-reporting", "all-crime"),  # signed off before a revision, signed off, not yet
    "year": ("asb-incidents", "da-reporting", "serious-acquisitive-crime"),  # achieved, not achieved, monitored
}
LEADS = {"demo": ("ASB Delivery Group", "Domestic Abuse Partnership", "Reducing Reoffending Group"),
         "hostile": (f"{HOSTILE} 0",), "signed": ("ASB Delivery Group",), "year": ("Domestic Abuse Partnership",)}  # fmt: skip
# The sections the signed-off and year-end quarters change; the other datasets snapshot every section.
ONLY = {
    "signed": {"signoff", "headline", "measures", "priorities"},
    "year": {"year_end", "year_end_actions", "recommendations", "action_summary", "title"},
}


def _cases():
    from analysis.report import assessment, explain, glossary, lead, measure

    # ``analysis.report.dashboard`` is the notebook's factory; the module's sections come by name.
    from analysis.report.dashboard import SECTIONS as dashboard_sections

    # The method page's and the glossary's sections, and the reviewers' cells of the method notebook.
    page_sections = [(f"explain-{fn.__name__}", fn) for fn in (*explain.SECTIONS, explain.rules, explain.data_log)]
    page_sections += [(f"glossary-{fn.__name__}", fn) for fn in glossary.SECTIONS]
    for dataset in DATASETS:
        shown = ONLY.get(dataset)

        def wanted(fn, shown=shown) -> bool:
            return shown is None or fn.__name__ in shown

        for mid in MEASURES[dataset]:
            for fn in filter(wanted, measure.SECTIONS):
                yield pytest.param(dataset, fn, mid, id=f"{dataset}-measure-{mid}-{fn.__name__}")
        for fn in filter(wanted, dashboard_sections):
            yield pytest.param(dataset, fn, None, id=f"{dataset}-dashboard-{fn.__name__}")
        for fn in filter(wanted, assessment.SECTIONS):
            yield pytest.param(dataset, fn, None, id=f"{dataset}-assessment-{fn.__name__}")
        for who in LEADS[dataset]:
            for fn in filter(wanted, lead.SECTIONS):
                yield pytest.param(dataset, fn, who, id=f"{dataset}-lead-{lead_slug(who)}-{fn.__name__}")
        if shown is None:
            for name, fn in page_sections:
                takes_data = bool(inspect.signature(fn).parameters)
                yield pytest.param(dataset, fn if takes_data else _without_data(fn), None, id=f"{dataset}-{name}")


def _without_data(fn):
    """A section that takes no tables, called as the others are."""
    return lambda data: fn()


CASES = list(_cases())


def _render(dataset: str, fn, measure_id: str | None) -> str:
    data = DATASETS[dataset]()
    return fn(data, measure_id) if measure_id else fn(data)


@pytest.mark.parametrize(("dataset", "fn", "measure_id"), CASES)
def test_section_matches_snapshot(dataset, fn, measure_id, snapshot):
    html = _render(dataset, fn, measure_id)
    assert readable(html) == snapshot


@pytest.mark.parametrize(("dataset", "fn", "measure_id"), [c for c in CASES if c.values[0] == "hostile"])
def test_hostile_text_is_escaped(dataset, fn, measure_id):
    html = _render(dataset, fn, measure_id)
    text = without_svg(html)
    assert "<script" not in text and "<b>" not in text and "<div>" not in text
    assert 'alert("x")' not in text
    assert "javascript:" not in text.replace("[link](javascript:alert(1))", "")


def test_hostile_fixture_reaches_the_pages():
    """The hostile text is shown (escaped), not dropped, wherever the page shows partnership text."""
    from analysis.report import assessment, measure

    data = hostile_data()
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; {{ q }} &#39;it&#39; &lt;b&gt;"
    for html in (
        measure.spc(data, "da-reporting"),  # an event's text, and a rebase's reason
        measure.period_chart(data, "asb-incidents"),
        measure.headline(data, "asb-incidents"),
        measure.narrative(data, "asb-incidents"),
        measure.actions(data, "da-reporting"),
        assessment.title(data),
        assessment.family_group(data),
        assessment.recommendations(data),
        assessment.action_plan(data),
    ):
        assert escaped in html


def _pages():
    from analysis.report import (
        Dashboard,
        LeadPage,
        MeasurePage,
        StrategicAssessment,
        assessment,
        explain,
        glossary,
        lead,
        measure,
    )
    from analysis.report.dashboard import SECTIONS as dashboard_sections

    data = demo_data()
    yield pytest.param(measure.SECTIONS, MeasurePage(data, data.register.measure("asb-incidents")), id="measure")
    yield pytest.param(lead.SECTIONS, LeadPage(data, "ASB Delivery Group"), id="lead")
    yield pytest.param(dashboard_sections, Dashboard(data), id="dashboard")
    yield pytest.param(assessment.SECTIONS, StrategicAssessment(data), id="assessment")
    yield pytest.param(explain.SECTIONS, None, id="method")
    yield pytest.param(glossary.SECTIONS, None, id="glossary")


@pytest.mark.parametrize(("sections", "page"), list(_pages()))
def test_each_section_is_declared_once_marks_its_html_and_is_a_method_of_its_page(sections, page):
    """The section's declaration gives its mark, which the paper selects by, and its page object's method."""
    from analysis.site.notebook_sections import section_name

    assert len(sections.names) == len(set(sections.names)) >= (2 if page is None else 4)
    data = demo_data()
    for name in sections.names:
        if page is None:  # the method page's sections are called on their own
            continue
        html = getattr(page, name)()
        assert html == sections[name](*page.section_args()), name
        assert section_name(html) == name, name
    with pytest.raises(ValueError, match="already has a section"):
        sections(sections[sections.names[0]])
    if page is None:
        from analysis.report import explain

        assert section_name(explain.worked_example(data)) == "worked_example"


@cache
def valid_fixture_data() -> QuarterData:
    """The small fixture partnership, whose quarterly hate-incidents measure has no value in the quarter."""
    from analysis.core.paths import OutputPaths
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import compute_tables

    files = compute_tables(
        load_inputs(ROOT / "tests" / "data" / "inputs" / "valid"),
        parse_quarter(QUARTER),
        OutputPaths(ROOT / "tests" / "data" / "no-builds"),
    )
    return QuarterData.from_files(parse_quarter(QUARTER), files)


def _measure_sections():
    from analysis.report import measure

    return [pytest.param(fn, id=fn.__name__) for fn in measure.SECTIONS]


@pytest.mark.parametrize("fn", _measure_sections())
def test_every_section_of_a_measure_with_no_data_says_so_instead_of_failing(fn):
    data = valid_fixture_data()
    assert data.status_row("hate-incidents")["status"] == "no_data"
    html = str(fn(data, "hate-incidents"))  # a blank period end once stopped the page here
    assert "nan" not in without_svg(html).split()
    if fn.__name__ == "figures":
        assert "no data yet" in html
