"""The small partnership the slow tests share: three of the demo's measures, with script-laden text in every field a page shows.

Built once per session (``small_build`` in conftest.py) and read by the kernel,
cache, cycle and hostile-text tests, which would otherwise each build the whole
demo. Its figures are the demo's own (seed 003's) for the measures kept: the
anti-social behaviour incidents (monthly, lower is better, with commentary and an
action), domestic abuse referrals (quarterly, higher is better) and hate incidents
(reported cumulatively). The partnership's name, a measure's title, a lead, a
priority, the commentary, an action, a recommendation and the family group carry
the text of :data:`HOSTILE`; the pages must show it as text and never run it.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from analysis.core.leads import lead_page_name

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"
QUARTER = "2015-16-Q1"
MEASURES = ("asb-incidents", "da-referrals", "hate-incidents")

HOSTILE = {
    "script": "<script>alert('title')</script>",
    "img": '<img src=x onerror="alert(1)">',
    "svg": "<svg onload=alert(2)>",
    "quote": '"><b onmouseover=alert(3)>x</b>',
}
PARTNERSHIP = f"Safer {HOSTILE['script']}"
ASB_TITLE = f"ASB {HOSTILE['img']}"


def _drop_other_measures(path: Path) -> None:
    """Drop the rows of the measures not kept (a row tied to no measure stays)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    column = next(csv.reader(lines[:1])).index("measure_id")
    kept = [line for line, row in zip(lines[1:], csv.reader(lines[1:]), strict=True) if row[column] in ("", *MEASURES)]
    path.write_text("".join([lines[0], *kept]), encoding="utf-8")


def partnership_register() -> dict:
    """The partnership's register: the demo's, with its three measures, a hostile name, title, lead and priority."""
    register = yaml.safe_load((DEMO / "measures.yml").read_text(encoding="utf-8"))
    register["partnership"] = PARTNERSHIP
    register["measures"] = [m for m in register["measures"] if m["id"] in MEASURES]
    for m in register["measures"]:
        if m["id"] == "asb-incidents":
            m["title"], m["lead"] = ASB_TITLE, HOSTILE["quote"]
        if m["priority"] == "Hate crime":
            m["priority"] = f"Hate {HOSTILE['svg']}"
    for priority in register.get("priorities", []):  # the plan names the priority too
        if priority["name"] == "Hate crime":
            priority["name"] = f"Hate {HOSTILE['svg']}"
    return register


def _theme_groups(register: dict) -> list[str]:
    """The leads with a page of their own (analysis.core.leads.theme_groups): every lead named, one per page name."""
    named = [m.get("lead", "") for m in register["measures"]] + [p.get("lead", "") for p in register["priorities"]]
    found: dict[str, str] = {}
    for lead in filter(None, named):
        found.setdefault(lead_page_name(lead), lead)
    return list(found)


NOTEBOOKS = (
    "dashboard.ipynb",
    "glossary.ipynb",
    "method.ipynb",
    "strategic-assessment.ipynb",
    *(f"{page}.ipynb" for page in _theme_groups(partnership_register())),
    *(f"measures/{m}.ipynb" for m in MEASURES),
)
"""Every notebook a build of the partnership executes."""


def write_partnership(folder: Path) -> Path:
    """Write the partnership's inputs into ``folder`` (a new folder); returns it."""
    shutil.copytree(DEMO, folder)
    register = partnership_register()
    (folder / "measures.yml").write_text(
        yaml.safe_dump(register, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    _drop_other_measures(folder / "actuals.csv")
    _drop_other_measures(folder / "action_plan.csv")
    _drop_other_measures(folder / "events.csv")
    for note in (folder / "commentary" / QUARTER).iterdir():
        if note.stem not in MEASURES:
            note.unlink()
    (folder / "commentary" / QUARTER / "asb-incidents.md").write_text(
        f"**Kept bold** {HOSTILE['script']} [click](javascript:alert(4)) {HOSTILE['img']}\n", encoding="utf-8"
    )
    plan = folder / "action_plan.csv"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "Target hotspot locations through the ASB Delivery Group", "<script>alert(5)</script> hotspots"
        ),
        encoding="utf-8",
    )
    recommendations = folder / "recommendations.csv"
    recommendations.write_text(
        recommendations.read_text(encoding="utf-8").replace(
            "Endorse the reinstatement", "<img src=x onerror=alert(6)> Endorse the reinstatement"
        ),
        encoding="utf-8",
    )
    family = folder / "family_group.csv"
    family.write_text(family.read_text(encoding="utf-8").replace("Safer Plymouth", PARTNERSHIP), encoding="utf-8")
    return folder
