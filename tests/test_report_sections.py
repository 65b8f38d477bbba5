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

import json
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

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
    from analysis.inputs.tables import load_inputs
    from analysis.processed.tables import quarter_tables

    return quarter_tables(load_inputs(ROOT / "data" / "raw"), parse_quarter(QUARTER))


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
    for i, m in enumerate(register["measures"]):
        for key in ("title", "lead", "partner", "unit"):
            m[key] = _hostile(m[key], i)
        m["priority"] = f"{HOSTILE} priority {i % 3}"
        m["threads"] = [f"{HOSTILE} thread"]
    tables = {name: frame.copy() for name, frame in demo.tables.items()}
    plan = tables["action_plan.csv"]
    for col in ("outcome", "ref", "action", "task", "target", "position", "improvement", "deadline", "lead"):
        plan[col] = [_hostile(v, i) for i, v in enumerate(plan[col])]
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
    tables["changes.csv"] = changes
    return QuarterData(demo.quarter, Register.from_json(json.dumps(register)), tables, commentary)
