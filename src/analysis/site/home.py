"""The site's home page, ``_site/index.html``: every quarter built so far, newest first, with its statuses.

It is the built-in page, or Quarto's page of ``index.qmd`` (:func:`analysis.site.quarto.home_page`) when the
newest quarter was rendered by Quarto, with the same list of quarters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.core.periods import PeriodError, parse_quarter
from analysis.core.vocabulary import NO_DATA, STATUS_CODES, STATUS_COUNTED, STATUS_SHORT, STATUS_SYMBOLS
from analysis.processed.atomic import write_text_atomic
from analysis.processed.contract import MEASURE_STATUS
from analysis.site.assets import check_offline, environment, stylesheet
from analysis.site.catalogue import PAPER_NAME, load_context, quarter_name
from analysis.site.quarto import home_page


def render_index(processed_root: Path, site_root: Path, *, publishing: tuple[str, ...] = ()) -> Path:
    """Write ``site_root/index.html``: every quarter built so far, newest first, with its statuses.

    A quarter counts as built when ``processed_root/<quarter>/measure_status.csv``
    exists; it is linked when ``site_root/<quarter>/index.html`` exists or when it
    is named in ``publishing`` (a quarter whose site is about to be moved into place).
    Each quarter's folders are links to its published version: each is resolved
    once, so a row's figures and its link come from one build.
    """
    processed_root, site_root = Path(processed_root), Path(site_root)
    quarters = []
    for entry in processed_root.iterdir() if processed_root.is_dir() else []:
        folder = entry.resolve()
        if not (folder / MEASURE_STATUS.name).is_file():
            continue
        try:
            order = parse_quarter(entry.name)
        except PeriodError:
            continue
        quarters.append((order, _quarter_row(entry.name, folder, site_root, set(publishing))))
    rows = [row for _, row in sorted(quarters, key=lambda item: item[0], reverse=True)]
    partnerships = list(dict.fromkeys(row["partnership"] for row in rows)) or ["Community Safety Partnership"]
    values = {
        "title": "Quarterly performance reports",
        "partnerships": partnerships,
        "quarters": rows,
        "statuses": [{"code": c, "word": STATUS_SHORT[c], "symbol": STATUS_SYMBOLS[c]} for c in STATUS_CODES],
        "css": stylesheet(),
    }
    # In Quarto's theme when the newest quarter was rendered by Quarto, else the built-in page.
    newest = rows[0]["quarter"] if rows and rows[0]["href"] else ""
    listing = environment().get_template("home-quarters.html.j2").render(values)
    text = home_page(site_root, newest, listing, values["title"]) if newest else None
    text = text or environment().get_template("home.html.j2").render(values)
    check_offline({site_root / "index.html": text})
    target = site_root / "index.html"
    write_text_atomic(target, text)
    return target


def _quarter_row(name: str, folder: Path, site_root: Path, publishing: set[str]) -> dict[str, Any]:
    context = load_context(name, folder)
    counts = {code: 0 for code in STATUS_CODES}
    for m in context.measures:
        counts[m.status if m.status in counts else NO_DATA] += 1
    linked = name in publishing or (site_root / name / "index.html").is_file()
    return {
        "quarter": name,
        "label": quarter_name(name).split(" (")[0],
        "months": quarter_name(name).partition(" (")[2].rstrip(")"),
        "href": f"{name}/index.html" if linked else "",
        "paper_href": f"{name}/{PAPER_NAME}" if linked else "",
        "partnership": context.partnership,
        "total": len(context.measures),
        "counts": counts,
        "summary": counts_in_words(counts),
    }


def counts_in_words(counts: dict[str, int]) -> str:
    """Status counts as a sentence, statuses with no measure left out.

    >>> counts_in_words({"achieved": 0, "green": 4, "amber": 1, "red": 1, "monitor": 2, "no_data": 0})
    '4 green, 1 amber, 1 red and 2 monitoring only'
    >>> counts_in_words({"green": 1}), counts_in_words({})
    ('1 green', 'no measures')
    """
    parts = [f"{counts[c]} {STATUS_COUNTED[c]}" for c in STATUS_CODES if counts.get(c)]
    if not parts:
        return "no measures"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
