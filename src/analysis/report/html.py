"""The one HTML builder of the report: every value is escaped unless it is already HTML.

Notebooks display these fragments and the site renders them. Everything a
partnership typed (names, titles, leads, commentary, action-plan text) is
passed as plain ``str`` to :func:`element` and its helpers, which escape it
with ``markupsafe``; only :class:`Html` (or ``markupsafe.Markup``) values, made
by this module, by the chart renderer or by the Markdown renderer (which drops
raw HTML and unsafe links), are inserted as they are. No script that arrives in
the data can ever run. To add a kind of fragment, write a function here that
returns ``element(...)`` of its parts; never format HTML with f-strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from analysis.core.vocabulary import STATUS_SHORT, STATUS_SYMBOLS


class Html(str):
    """A trusted HTML fragment; Jupyter displays it as HTML, ``markupsafe`` leaves it unescaped.

    >>> Html("<p>x</p>")._repr_html_()
    '<p>x</p>'
    """

    def __html__(self) -> Markup:
        return Markup(str(self))

    def _repr_html_(self) -> str:
        return str(self)


Child = object  # str (escaped), Html, a number, None (skipped) or an iterable of children


def esc(value: object) -> Html:
    """Escape any value for HTML text or attributes (``None`` is empty; HTML is kept as it is).

    >>> esc('<script>alert("x")</script>')
    '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;'
    """
    return Html(escape("" if value is None else value))


def fragment(*children: Child) -> Html:
    """Children side by side: strings escaped, :class:`Html` kept, ``None`` skipped, lists flattened.

    >>> fragment("a < b", Html("<br>"), None, ["&", 1])
    'a &lt; b<br>&amp;1'
    """
    out: list[str] = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, str) or hasattr(child, "__html__"):
            out.append(str(escape(child)))
        elif isinstance(child, Iterable):
            out.append(fragment(*child))
        else:
            out.append(str(escape(child)))
    return Html("".join(out))


_TAG = re.compile(r"[a-z][a-z0-9]*")


def _attr_name(name: str) -> str:
    return name.rstrip("_").replace("_", "-")


def element(tag: str, *children: Child, **attrs: object) -> Html:
    """An element with escaped attributes and children.

    Attribute names drop a trailing underscore and turn ``_`` into ``-``
    (``class_`` -> ``class``, ``aria_hidden`` -> ``aria-hidden``); ``None`` and
    ``False`` leave the attribute out.

    >>> element("a", "Fish & <chips>", href='x.html?a="1"', class_="link")
    '<a href="x.html?a=&#34;1&#34;" class="link">Fish &amp; &lt;chips&gt;</a>'
    """
    if not _TAG.fullmatch(tag):
        raise ValueError(f"not an HTML tag name: {tag!r}")
    opening = "".join(
        f' {_attr_name(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )
    return Html(f"<{tag}{opening}>{fragment(*children)}</{tag}>")


def paragraph(*children: Child, **attrs: object) -> Html:
    """A ``<p>``."""
    return element("p", *children, **attrs)


def bullets(items: Iterable[Child], tag: str = "ul") -> Html:
    """A list, one ``<li>`` per item."""
    return element(tag, [element("li", item) for item in items])


def status_badge(status: str, label: str | None = None) -> Html:
    """A status in words and symbol as well as colour (the colour comes from the stylesheet).

    >>> status_badge("amber", "Some concerns")
    '<span class="status status-amber"><span class="status-symbol" aria-hidden="true">▲</span> Some concerns</span>'
    """
    words = label if label else STATUS_SHORT.get(status, status)
    return element(
        "span",
        element("span", STATUS_SYMBOLS.get(status, ""), class_="status-symbol", aria_hidden="true"),
        " ",
        words,
        class_=f"status status-{status}",
    )


def table(
    header: Sequence[Child],
    rows: Iterable[Sequence[Child]],
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

    def num(i: int) -> str | None:
        return "num" if i >= numeric_from else None

    head = element("tr", [element("th", h, scope="col", class_=num(i)) for i, h in enumerate(header)])
    body = [
        element(
            "tr",
            [
                element("th", value, scope="row") if i == 0 and row_headers else element("td", value, class_=num(i))
                for i, value in enumerate(row)
            ],
        )
        for row in rows
    ]
    return element(
        "table",
        element("caption", caption) if caption else None,
        element("thead", head),
        element("tbody", body),
        class_=classes,
    )


def markdown(text: str) -> Html:
    """Commentary Markdown as HTML: formatting kept, raw HTML shown as text, unsafe links dropped, images as text.

    An image would be loaded from wherever its address says, a file of the
    machine that renders the page or prints the paper included, so it is shown
    as its description in words, never as an ``<img>`` (``validate`` refuses it
    too).

    >>> print(markdown("**Up** <script>x</script> [a](javascript:alert(1))"))
    <p><strong>Up</strong> &lt;script&gt;x&lt;/script&gt; [a](javascript:alert(1))</p>
    >>> print(markdown("See ![the <b>chart</b>](/home/me/secret.svg)"))
    <p>See [image not shown: the &lt;b&gt;chart&lt;/b&gt;]</p>
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_text)
    return Html(md.render(text).strip())


def _image_as_text(renderer, tokens, idx, options, env) -> str:
    """A Markdown image as the words of its description (escaped), never an element that loads anything."""
    alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env)
    return str(escape(f"[image not shown: {alt or 'no description'}]"))


def section(title: Child, *parts: Child, level: int = 2, cls: str = "") -> Html:
    """A heading and its content.

    >>> section("A & B", Html("<p>x</p>"), "y", cls="box")
    '<section class="box"><h2>A &amp; B</h2><p>x</p>y</section>'
    """
    return element("section", element(f"h{level}", title), *parts, class_=cls or None)
