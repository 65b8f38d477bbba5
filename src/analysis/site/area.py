"""The area overview, ``_site/index.html`` of a ``build-all``: every partnership's measures and statuses side by side.

Each partnership's latest built quarter is read from its processed tables; a
partnership that failed to build says so, with the reason. The page comes from
``templates/site/area.html.j2`` (autoescaped), so names typed by a partnership
are shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.core.formatting import number
from analysis.core.paths import OutputPaths
from analysis.core.vocabulary import STATUS_SHORT, STATUS_SYMBOLS
from analysis.errors import ProcessedTableError
from analysis.processed.contract import FAMILY_GROUP, MEASURE_STATUS
from analysis.processed.quarter import read_register, read_table
from analysis.site.assets import check_offline, environment, stylesheet


@dataclass(frozen=True)
class AreaEntry:
    """One partnership of the area as the overview shows it: its folder, and whether its build went well."""

    slug: str
    name: str  # the folder's name, shown when the partnership's own name cannot be read
    ok: bool
    error: str = ""


def badge(status: str, label: str = "") -> dict[str, str]:
    """A status as the template's badge shows it: code, symbol and words.

    >>> badge("amber")
    {'code': 'amber', 'symbol': '▲', 'words': 'Amber'}
    """
    return {
        "code": status,
        "symbol": STATUS_SYMBOLS.get(status, ""),
        "words": label or STATUS_SHORT.get(status, status),
    }


def latest_quarter(out_dir: Path, slug: str) -> tuple[str, pd.DataFrame, pd.DataFrame, str] | None:
    """A partnership's latest built quarter: its name, status table, family-group table (maybe empty) and the
    partnership's name (``""`` when it cannot be read), all read from one published version of the quarter."""
    root = OutputPaths(out_dir, slug).processed_root
    built = sorted(
        ((p.name, p.resolve()) for p in root.iterdir()) if root.is_dir() else [],
        key=lambda p: p[0],
    )
    built = [(name, folder) for name, folder in built if (folder / MEASURE_STATUS.name).is_file()]
    if not built:
        return None
    quarter, folder = built[-1]
    try:
        family = read_table(folder, FAMILY_GROUP)
        return quarter, read_table(folder, MEASURE_STATUS), family, partnership_name(folder)
    except ProcessedTableError:  # built by an older version: shown as not built until rebuilt
        return None


def partnership_name(folder: Path) -> str:
    """The partnership's name from the register of a quarter's tables, ``""`` when it cannot be read."""
    try:
        return read_register(folder).partnership
    except ProcessedTableError:
        return ""


def overview(out_dir: Path, entries: list[AreaEntry]) -> dict[str, Any]:
    """What the overview page shows, as plain text for the template."""
    rows, sections = [], []
    for entry in entries:
        latest = latest_quarter(out_dir, entry.slug)
        if latest is None:
            rows.append({"name": entry.name, "href": "", "quarter": "–", "rate": "–", "badge": badge("failed", "Not built"),
                         "state": entry.error})  # fmt: skip
            continue
        quarter, status, family, name = latest
        name = name or entry.name
        rate = "–"
        own = family[family["partnership"].str.casefold() == name.casefold()] if not family.empty else family
        if not own.empty and own["population"].iloc[0] > 0:
            rate = number(own["crimes"].iloc[0] / own["population"].iloc[0] * 1000, 1)
        base = f"{entry.slug}/{quarter}/"
        state = "built" if entry.ok else f"latest build failed ({entry.error}); showing the last published quarter"
        rows.append({"name": name, "href": base + "index.html", "quarter": quarter, "rate": rate, "badge": None,
                     "state": state})  # fmt: skip
        measures = [
            {
                "title": r.title,
                "href": f"{base}measures/{r.measure_id}.html",
                "badge": badge(r.status, r.status_label if isinstance(r.status_label, str) else ""),
                "ytd": number(r.ytd_actual),
                "target": number(r.annual_target),
            }
            for r in status.itertuples()
        ]
        sections.append({"name": name, "quarter": quarter, "measures": measures})
    return {"title": "Area overview", "count": len(entries), "rows": rows, "sections": sections}


def overview_page(out_dir: Path, entries: list[AreaEntry]) -> str:
    """The area overview page as HTML; checked to fetch nothing from outside the site."""
    text = environment().get_template("area.html.j2").render(css=stylesheet(), **overview(Path(out_dir), entries))
    check_offline({Path(out_dir) / "_site" / "index.html": text})
    return text
