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
from analysis.core.periods import PeriodError, parse_quarter
from analysis.core.register import Register
from analysis.core.vocabulary import OFFICIAL, STATUS_SHORT, STATUS_SYMBOLS, TARGET_STATUS_WORDS, TARGETS
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


def latest_quarter(out_dir: Path, slug: str) -> tuple[str, pd.DataFrame, pd.DataFrame, Register | None] | None:
    """A partnership's latest built quarter: its name, status table, family-group table (maybe empty) and the
    partnership's register (``None`` when it cannot be read), all read from one published version of the quarter."""
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
        return quarter, read_table(folder, MEASURE_STATUS), family, _register(folder)
    except ProcessedTableError:  # built by an older version: shown as not built until rebuilt
        return None


def _register(folder: Path) -> Register | None:
    try:
        return read_register(folder)
    except ProcessedTableError:
        return None


def partnership_name(folder: Path) -> str:
    """The partnership's name from the register of a quarter's tables, ``""`` when it cannot be read."""
    register = _register(folder)
    return register.partnership if register else ""


def quarter_words(quarter: str) -> str:
    """A quarter as the pages say it, the folder's name when it is not a quarter.

    >>> quarter_words("2024-25-Q3"), quarter_words("draft")
    ('quarter three 2024/25', 'draft')
    """
    try:
        return parse_quarter(quarter).label
    except PeriodError:
        return quarter


def area_name(data_root: Path | str) -> str:
    """The area's name from its folder: ``examples/gwent`` is "Gwent".

    >>> area_name("examples/gwent"), area_name("/data/thames-valley")
    ('Gwent', 'Thames Valley')
    """
    return Path(data_root).name.replace("-", " ").replace("_", " ").title()


def overview(out_dir: Path, entries: list[AreaEntry], area: str = "") -> dict[str, Any]:
    """What the overview page shows, as plain text for the template; ``area`` names the area in its heading."""
    rows, sections = [], []
    for entry in entries:
        latest = latest_quarter(out_dir, entry.slug)
        if latest is None:
            rows.append({"name": entry.name, "href": "", "quarter": "–", "rate": "–", "badge": badge("failed", "Not built"),
                         "state": entry.error})  # fmt: skip
            continue
        quarter, status, family, register = latest
        name = (register.partnership if register else "") or entry.name
        rate = "–"
        own = family[family["partnership"].str.casefold() == name.casefold()] if not family.empty else family
        if not own.empty and own["population"].iloc[0] > 0:
            rate = number(own["crimes"].iloc[0] / own["population"].iloc[0] * 1000, 1)
        base = f"{entry.slug}/{quarter}/"
        state = (
            "Yes" if entry.ok else f"No: the latest build failed ({entry.error}); this is the last quarter published"
        )
        rows.append({"name": name, "href": base + "index.html", "quarter": quarter_words(quarter), "rate": rate,
                     "badge": None, "state": state})  # fmt: skip
        source = register.sources.get(TARGETS) if register else None
        marked = source is not None and source.status != OFFICIAL
        measures = [
            {
                "title": r.title,
                "href": f"{base}measures/{r.measure_id}.html",
                "badge": badge(r.status, r.status_label if isinstance(r.status_label, str) else ""),
                "ytd": number(r.ytd_actual),
                "target": number(r.annual_target),
                "target_status": source.status if marked and r.annual_target == r.annual_target else "",
            }
            for r in status.itertuples()
        ]
        key = TARGET_STATUS_WORDS.get(source.status, source.status) if marked else ""
        sections.append({"name": name, "quarter": quarter_words(quarter), "measures": measures, "key": key})
    title = f"{area}: every partnership's latest report" if area else "Every partnership's latest report"
    return {"title": title, "area": area, "count": len(entries), "rows": rows, "sections": sections}


def overview_page(out_dir: Path, entries: list[AreaEntry], area: str = "") -> str:
    """The area overview page as HTML; checked to fetch nothing from outside the site."""
    text = environment().get_template("area.html.j2").render(css=stylesheet(), **overview(Path(out_dir), entries, area))
    check_offline({Path(out_dir) / "_site" / "index.html": text})
    return text
