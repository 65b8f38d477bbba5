"""HTML fragments that notebooks display and the site renders, with every text escaped.

Everything a partnership typed (names, titles, leads, commentary, action-plan
text) goes through :func:`esc` or the Markdown renderer, which drops raw HTML
and unsafe links, so no script that arrives in the data can ever run.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from analysis.core.vocabulary import STATUS_SHORT, STATUS_SYMBOLS


class Html(str):
    """A trusted HTML fragment; Jupyter displays it as HTML.

    >>> Html("<p>x</p>")._repr_html_()
    '<p>x</p>'
    """

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: object) -> str:
    """Escape any value for HTML text or attributes.

    >>> esc('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def status_badge(status: str, label: str | None = None) -> Html:
    """A status in words and symbol as well as colour (the colour comes from the stylesheet).

    >>> status_badge("amber", "Some concerns")
    '<span class="status status-amber"><span class="status-symbol" aria-hidden="true">▲</span> Some concerns</span>'
    """
    words = label if label else STATUS_SHORT.get(status, status)
    return Html(
        f'<span class="status status-{esc(status)}"><span class="status-symbol" aria-hidden="true">'
        f"{STATUS_SYMBOLS.get(status, '')}</span> {esc(words)}</span>"
    )


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    caption: str = "",
    row_headers: bool = True,
    classes: str = "report-table",
    numeric_from: int = 1,
) -> Html:
    """A table with header cells; cells are escaped unless they are :class:`Html`.

    >>> print(table(["Year", "Value"], [["2014/15", 3]], caption="A <b>"))
    <table class="report-table"><caption>A &lt;b&gt;</caption><thead><tr><th scope="col">Year</th><th scope="col" class="num">Value</th></tr></thead><tbody><tr><th scope="row">2014/15</th><td class="num">3</td></tr></tbody></table>
    """

    def cell(value: object) -> str:
        return value if isinstance(value, Html) else esc(value)

    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if i >= numeric_from else ""}>{cell(h)}</th>' for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{cell(value)}</th>')
            else:
                cells.append(f"<td{num if i >= numeric_from else ''}>{cell(value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(
        f'<table class="{esc(classes)}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def markdown(text: str) -> Html:
    """Commentary Markdown as HTML: formatting kept, raw HTML shown as text, unsafe links dropped.

    >>> print(markdown("**Up** <script>x</script> [a](javascript:alert(1))"))
    <p><strong>Up</strong> &lt;script&gt;x&lt;/script&gt; [a](javascript:alert(1))</p>
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return Html(md.render(text).strip())


def section(title: str, *parts: str, level: int = 2, cls: str = "") -> Html:
    """A heading and its content."""
    klass = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<section{klass}><h{level}>{esc(title)}</h{level}>{''.join(parts)}</section>")
