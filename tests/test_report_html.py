"""The report's one HTML builder: values escaped unless already HTML, and no HTML made any other way."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from analysis.report.html import Html, bullets, element, esc, fragment, section, status_badge, table

REPORT = Path(__file__).resolve().parents[1] / "src" / "analysis" / "report"
HOSTILE = "<script>alert('x')</script> & \"{{ q }}\""
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;{{ q }}&#34;"


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        pytest.param(lambda: element("p", HOSTILE), f"<p>{ESCAPED}</p>", id="text-child"),
        pytest.param(lambda: element("a", "x", href=HOSTILE), f'<a href="{ESCAPED}">x</a>', id="attribute"),
        pytest.param(lambda: element("p", Html("<b>ok</b>")), "<p><b>ok</b></p>", id="html-kept"),
        pytest.param(lambda: element("p", Markup("<i>ok</i>")), "<p><i>ok</i></p>", id="markup-kept"),
        pytest.param(lambda: element("p", None, [HOSTILE, 3]), f"<p>{ESCAPED}3</p>", id="none-and-lists"),
        pytest.param(lambda: element("td", "x", class_=None, hidden=False), "<td>x</td>", id="attributes-left-out"),
        pytest.param(lambda: fragment(HOSTILE), ESCAPED, id="fragment"),
        pytest.param(lambda: esc(None), "", id="esc-none"),
        pytest.param(lambda: bullets([HOSTILE]), f"<ul><li>{ESCAPED}</li></ul>", id="bullets"),
        pytest.param(lambda: section(HOSTILE, level=3), f"<section><h3>{ESCAPED}</h3></section>", id="section"),
        pytest.param(
            lambda: status_badge("red", HOSTILE),
            f'<span class="status status-red"><span class="status-symbol" aria-hidden="true">■</span> {ESCAPED}</span>',
            id="badge",
        ),
        pytest.param(
            lambda: table([HOSTILE], [[HOSTILE]], caption=HOSTILE, classes=HOSTILE),
            f'<table class="{ESCAPED}"><caption>{ESCAPED}</caption><thead><tr><th scope="col">{ESCAPED}</th></tr>'
            f'</thead><tbody><tr><th scope="row">{ESCAPED}</th></tr></tbody></table>',
            id="table",
        ),
    ],
)
def test_builder_escapes_unless_html(made, expected):
    out = made()
    assert out == expected
    assert isinstance(out, Html)


def test_builder_output_is_safe_for_markupsafe_and_jupyter():
    out = element("p", "x")
    assert Markup("{}").format(out) == "<p>x</p>"
    assert out._repr_html_() == "<p>x</p>"


@pytest.mark.parametrize("tag", ["p onclick=x", "", "<p>", "P"], ids=["space", "empty", "brackets", "upper"])
def test_element_refuses_a_bad_tag(tag):
    with pytest.raises(ValueError, match="tag"):
        element(tag)


MARKUP_IN_TEXT = re.compile(r"<[a-zA-Z/!]")


def _fstrings_with_markup(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and path.name == "html.py" and node.name == "element":
            node.body = []  # the builder itself is the one place a tag is written
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if MARKUP_IN_TEXT.search(literal):
                found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("path", sorted(REPORT.glob("*.py")), ids=lambda p: p.name)
def test_no_html_is_formatted_with_fstrings(path):
    assert _fstrings_with_markup(path) == [], "build HTML with analysis.report.html.element, not f-strings"


@pytest.mark.parametrize("path", sorted(REPORT.glob("*.py")), ids=lambda p: p.name)
def test_report_escapes_only_through_the_builder(path):
    text = path.read_text(encoding="utf-8")
    assert "html.escape" not in text and "import html\n" not in text


def test_the_fstring_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('def f(x):\n    return f"<p>{x}</p>"\n', encoding="utf-8")
    assert _fstrings_with_markup(bad) == ["bad.py:2"]
