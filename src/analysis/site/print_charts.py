"""Charts as the committee paper prints them: each inline SVG figure an ``<img>`` of the same SVG, its text its ``alt``.

The paper does not give WeasyPrint the notebooks' inline ``<svg>`` (the site's
pages keep it): :func:`chart_for_print` makes each chart an ``<img>`` of the
same SVG as inline data. Inline, every element and attribute of a chart (most
of a paper's HTML) goes through WeasyPrint's HTML parser, pure Python and slow,
and is styled as HTML before the SVG is read again; as an image the SVG is read
once by the XML parser, and drawn the same (the pages rasterise to the same
pixels). On a 40-measure partnership (then 112 pages, 99 charts) that was about
a quarter less time. The image's ``alt`` is the figure's text alternative, so
each chart is a tagged figure of the PDF with its ``/Alt``, which the inline
SVG did not give. :func:`drop_charts` leaves out the charts of kinds a page of
the paper does not print.
"""

from __future__ import annotations

import base64
import html
import re
from xml.etree import ElementTree

_CHART = re.compile(r"<figure\b[^>]*>\s*<svg\b.*?</svg>.*?</figure>", re.IGNORECASE | re.DOTALL)
_CHART_PARTS = re.compile(r"(<figure\b[^>]*>)\s*(<svg\b.*?</svg>)(.*)", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = r"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
_SVG = "{http://www.w3.org/2000/svg}"
# Attributes for a screen reader or a pointer: they cannot change what is drawn (the SVG has no stylesheet).
_NOT_DRAWN = re.compile(r"class|role|focusable|pointer-events|aria-.*")
# Elements by which what is drawn may depend on more than an element and its parents (with url() references).
_REFERRING = ("style", "marker", "use")


def chart_for_print(figure: str) -> str:
    """A chart's figure as the paper prints it: the SVG as an ``<img>`` of inline data, the text alternative its ``alt``.

    The figure's ``aria-label`` becomes the image's ``alt`` (WeasyPrint tags the
    image as a PDF figure with that text); the caption is kept. What cannot
    change the drawing is left out of the SVG: attributes for screen readers and
    pointers, paths that paint nothing (no outline, or neither fill nor stroke:
    Vega's group backgrounds) and groups left empty; nothing is left out of an
    SVG with a stylesheet, markers, ``<use>`` or ``url()`` references (a class,
    a marker, paints from elsewhere or a bounding box could then matter), nor an
    element with an ``id``. A figure
    that is not of that form (no text alternative, an SVG that is not
    well-formed XML) is returned as it is.

    >>> chart = chart_for_print(
    ...     '<figure class="chart" role="img" aria-label="Bars: 3 &amp; 4">'
    ...     '<svg aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
    ...     '<g fill="none" class="mark-group"><g><path class="background" aria-hidden="true" d="M0,0h20v10h-20Z"/>'
    ...     '<path class="foreground" d="" display="none"/></g><path d="M0,9h20" stroke="#ddd" pointer-events="none"/>'
    ...     '<rect class="mark" width="5" height="5" fill="#0072B2"/></g></svg>'
    ...     '<figcaption>Bars</figcaption></figure>')
    >>> re.sub('base64,[^"]*', "base64,...", chart)
    '<figure class="chart"><img src="data:image/svg+xml;base64,..." alt="Bars: 3 &amp; 4"><figcaption>Bars</figcaption></figure>'
    >>> print(base64.b64decode(re.search('base64,([^"]*)', chart)[1]).decode().replace("><", ">\\n<"))
    <ns0:svg xmlns:ns0="http://www.w3.org/2000/svg" width="20" height="10">
    <ns0:g fill="none">
    <ns0:path d="M0,9h20" stroke="#ddd" />
    <ns0:rect width="5" height="5" fill="#0072B2" />
    </ns0:g>
    </ns0:svg>
    >>> chart_for_print('<figure><svg width="20" height="10"></svg></figure>')  # no text alternative: as it is
    '<figure><svg width="20" height="10"></svg></figure>'
    """
    parts = _CHART_PARTS.fullmatch(figure)
    label = re.search(_ATTRIBUTE.format(name="aria-label"), parts[1], re.IGNORECASE) if parts else None
    if not parts or not label or not (label[1] or label[2] or "").strip():
        return figure
    try:
        svg = ElementTree.fromstring(parts[2])
    except ElementTree.ParseError:
        return figure
    elsewhere = "url(" in parts[2] or any(svg.find(f".//{_SVG}{tag}") is not None for tag in _REFERRING)
    if not elsewhere:  # nothing outside an element's own attributes and its parents' paints can change how it draws
        _strip(svg, _inherit(svg, "fill", "black"), _inherit(svg, "stroke", None))  # from SVG's initial paints
    data = base64.b64encode(ElementTree.tostring(svg))  # the same XML tree: names as ns0:svg, for the SVG namespace
    opening = re.sub(_ATTRIBUTE.format(name="(?:role|aria-label)"), "", parts[1], flags=re.IGNORECASE)
    alt = html.escape(html.unescape(label[1] or label[2]))
    return f'{opening}<img src="data:image/svg+xml;base64,{data.decode("ascii")}" alt="{alt}">{parts[3].lstrip()}'


def _strip(element: ElementTree.Element, fill: str | None, stroke: str | None) -> None:
    """Leave out of an SVG element what cannot change the drawing (see :func:`chart_for_print`).

    ``fill`` and ``stroke`` are what the element inherits ("?" when a ``style`` attribute may have set them).
    """
    for name in [name for name in element.attrib if _NOT_DRAWN.fullmatch(name)]:
        del element.attrib[name]
    for child in list(element):
        paints = [_inherit(child, name, value) for name, value in (("fill", fill), ("stroke", stroke))]
        _strip(child, *paints)
        if "id" in child.attrib:  # something may refer to it
            continue
        if child.tag == f"{_SVG}path":
            if not child.get("d", "").strip() or all(paint in (None, "none") for paint in paints):
                element.remove(child)  # no outline, or neither filled nor stroked
        elif child.tag == f"{_SVG}g" and not len(child):
            element.remove(child)  # a group left with nothing in it


def _inherit(element: ElementTree.Element, name: str, inherited: str | None) -> str | None:
    if "style" in element.attrib:
        return "?"
    own = element.get(name)
    return inherited if own in (None, "inherit") else own


def drop_charts(text: str, kinds: tuple[str, ...]) -> str:
    """HTML without the chart figures whose kind (class ``chart-<kind>``) is not among ``kinds``.

    >>> drop_charts('<p>A</p><figure class="chart chart-spc"><svg></svg></figure><p>B</p>', ("cumulative",))
    '<p>A</p><p>B</p>'
    >>> drop_charts('<figure class="chart chart-cumulative"><svg></svg></figure>', ("cumulative",))
    '<figure class="chart chart-cumulative"><svg></svg></figure>'
    """

    def keep(match: re.Match) -> str:
        opening = _CHART_PARTS.fullmatch(match[0])[1]
        names = re.search(_ATTRIBUTE.format(name="class"), opening, re.IGNORECASE)
        kind = re.search(r"\bchart-([a-z0-9-]+)", (names[1] or names[2]) if names else "")
        return match[0] if kind is None or kind[1] in kinds else ""

    return _CHART.sub(keep, text)


def print_charts(text: str) -> str:
    """HTML with every chart's figure (a ``<figure>`` opening with an ``<svg>``) in print form (:func:`chart_for_print`)."""
    return _CHART.sub(lambda match: chart_for_print(match[0]), text)
