"""Altair charts for the report, drawn to inline SVG so every page works offline.

Each chart is made with Altair, converted to SVG in the kernel with
``vl-convert`` (no JavaScript, nothing fetched), and wrapped in a ``<figure>``
whose text alternative is written from the chart's own data. Series are told
apart by line style and shape as well as by a colour-blind-safe colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from analysis.core.formatting import number
from analysis.core.periods import period_label, period_name
from analysis.core.vocabulary import COMMON_CAUSE, CONCERN, IMPROVEMENT, NEUTRAL_HIGH, NEUTRAL_LOW, VARIATION_SHORT
from analysis.report.html import Html, element

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREY, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#7F7F7F", "#009E73", "#D55E00", "#CC79A7"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
WIDTH, HEIGHT = 560, 240
LEGEND = alt.Legend(
    title=None, orient="bottom", direction="horizontal", columnPadding=28, labelLimit=260, symbolSize=80
)


# The look of every chart, given to Vega-Lite as the spec's config (as ``chart.configure(...)`` would, without
# copying the chart three times).
CONFIG = {"font": FONT, "view": {"stroke": None}, "axis": {"grid": True, "gridOpacity": 0.4}}


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with the report's config, not validated against the schema.

    Validating a spec costs more than drawing it, and the charts here are fixed in shape:
    ``tests/test_charts.py`` validates each kind once instead of every chart of every build.

    >>> import altair as alt, pandas as pd
    >>> spec(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))["config"]["view"]
    {'continuousWidth': 300, 'continuousHeight': 300, 'stroke': None}
    """
    result = chart.to_dict(validate=False)
    config = result.setdefault("config", {})
    for key, value in CONFIG.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return result


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document string."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec(chart))


def figure(chart: alt.TopLevelMixin, alt_text: str, caption: str, kind: str, notes: Html | None = None) -> Html:
    """An accessible figure: the SVG, a text alternative from the data, and a caption (with ``notes`` under it)."""
    svg = to_svg(chart)
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    return element(
        "figure",
        Html(svg),
        element("figcaption", caption, notes),
        class_=f"chart chart-{kind}",
        role="img",
        aria_label=alt_text,
    )


@dataclass(frozen=True)
class Mark:
    """An event or a rebase marked on a chart at one period: its number (1, 2, ...) and words."""

    period: str
    label: str  # the period as the chart's axis writes it
    number: int
    text: str  # what happened ("" for a rebase with no event)
    rebase: bool = False

    def words(self) -> str:
        """The mark as listed under the chart: ``1. June 2015: New crime recording rules``."""
        what = self.text or "the reason is not recorded"
        new_limits = "limits recalculated from here (rebase): " if self.rebase else ""
        return f"{self.number}. {period_name(self.period)}: {new_limits}{what}"


def marks(events: Sequence[tuple[str, str]], rebases: Sequence[str], labels: dict[str, str]) -> list[Mark]:
    """The events and rebases of a chart whose axis has ``labels`` (period -> label), numbered in time order.

    A rebase's reason is the event of its period. Events of periods the chart does not show are left out.

    >>> [m.words() for m in marks([("2015-06", "Operation Summer"), ("2015-05", "New rules")], ["2015-05"],
    ...                           {"2015-05": "May 15", "2015-06": "Jun 15"})]
    ['1. May 2015: limits recalculated from here (rebase): New rules', '2. June 2015: Operation Summer']
    """
    texts = {p: t for p, t in events if p in labels}
    periods = sorted(set(texts) | {r for r in rebases if r in labels})
    return [Mark(p, labels[p], i, texts.get(p, ""), p in rebases) for i, p in enumerate(periods, start=1)]


def _mark_layers(found: list[Mark], x: alt.X, field: str, axis: Sequence[str]) -> list[alt.Chart]:
    """Vertical rules at the marks (solid for a rebase, dotted for an event), each labelled at the top with its
    number and words (cut short with an ellipsis; the list under the chart has them whole).

    ``x`` encodes ``field``, the chart's own field of period labels (one field keeps the axis in its order);
    ``axis`` is the axis's labels in order. Neighbouring labels take turns on two lines; a label in the right
    third of the chart runs leftwards from its line, so it stays inside the chart.
    """
    if not found:
        return []
    frame = pd.DataFrame(
        {
            field: [m.label for m in found],
            "text": [f"{m.number} {'Rebase: ' if m.rebase else ''}{m.text}".strip() for m in found],
            "kind": ["rebase" if m.rebase else "event" for m in found],
            "line": [i % 2 for i in range(len(found))],
            "right": [axis.index(m.label) > 0.66 * (len(axis) - 1) if m.label in axis else False for m in found],
        }
    )
    kinds = alt.Scale(domain=["rebase", "event"], range=[[1, 0], [2, 3]])
    layers = [
        alt.Chart(frame)
        .mark_rule(color=VERMILLION, strokeWidth=1.5)
        .encode(x=x, strokeDash=alt.StrokeDash("kind:N", scale=kinds, legend=None))
    ]
    for (line, right), part in frame.groupby(["line", "right"]):
        layers.append(
            alt.Chart(part)
            .mark_text(
                color=VERMILLION, fontWeight="bold", fontSize=10, dx=-4 if right else 4,
                align="right" if right else "left", baseline="top", limit=170,
            )
            .encode(x=x, y=alt.value(2 + 13 * int(line)), text="text:N")
        )  # fmt: skip
    return layers


def _marks_list(found: list[Mark]) -> Html | None:
    if not found:
        return None
    return element("ol", [element("li", m.words().split(". ", 1)[1]) for m in found], class_="chart-marks")


def _marks_text(found: list[Mark]) -> str:
    return ("; marked: " + "; ".join(m.words() for m in found)) if found else ""


def cumulative_chart(rows: pd.DataFrame, unit: str, this_label: str, last_label: str) -> Html:
    """Cumulative actual this year against the profiled target and last year, period by period.

    ``rows`` has columns period_label, order, this_year, last_year, target (cumulative values).
    """
    long = rows.melt(
        id_vars=["period_label", "order"],
        value_vars=["this_year", "target", "last_year"],
        var_name="series",
        value_name="value",
    ).dropna(subset=["value"])
    names = {
        "this_year": f"Actual {this_label}",
        "target": f"Profiled target {this_label}",
        "last_year": f"Actual {last_label}",
    }
    long["series"] = long["series"].map(names)
    domain = [names["this_year"], names["target"], names["last_year"]]
    base = alt.Chart().encode(  # the data once, on the layer: Altair converts each layer's own data again
        x=alt.X("period_label:N", sort=list(rows["period_label"]), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=f"Cumulative {unit}".strip()),
        color=alt.Color("series:N", scale=alt.Scale(domain=domain, range=[BLUE, ORANGE, GREY]), legend=LEGEND),
        strokeDash=alt.StrokeDash(
            "series:N", scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3], [2, 2]]), legend=None
        ),
        shape=alt.Shape("series:N", scale=alt.Scale(domain=domain, range=["circle", "diamond", "square"]), legend=None),
    )
    chart = alt.layer(base.mark_line(strokeWidth=2.5), base.mark_point(filled=True, size=45), data=long).properties(
        width=WIDTH, height=HEIGHT
    )
    return figure(
        chart,
        _cumulative_alt(rows, unit, this_label, last_label),
        "Cumulative actual, profiled target and last year",
        "cumulative",
    )


def _cumulative_alt(rows: pd.DataFrame, unit: str, this_label: str, last_label: str) -> str:
    this_year = rows.dropna(subset=["this_year"])
    if this_year.empty:
        return f"Line chart of cumulative {unit}: no values yet for {this_label}."
    last = this_year.iloc[-1]
    parts = [
        f"Line chart of cumulative {unit} by period. By {last['period_label']} {this_label}: {number(last['this_year'])}"
    ]
    if pd.notna(last["target"]):
        parts.append(f"against a profiled target of {number(last['target'])}")
    if pd.notna(last["last_year"]):
        parts.append(f"and {number(last['last_year'])} by the same point of {last_label}")
    return " ".join(parts) + "."


def period_chart(
    rows: pd.DataFrame, unit: str, this_label: str, last_label: str, events: Sequence[tuple[str, str]] = ()
) -> Html:
    """Each period of this year beside the same period of last year, with the year's events marked.

    ``rows`` has columns period, period_label, order, this_year, last_year (per-period values);
    ``events`` are ``(period, text)`` pairs.
    """
    long = rows.melt(
        id_vars=["period_label", "order"], value_vars=["last_year", "this_year"], var_name="year", value_name="value"
    ).dropna(subset=["value"])
    names = {"last_year": last_label, "this_year": this_label}
    long["year"] = long["year"].map(names)
    domain = [last_label, this_label]
    x = alt.X("period_label:N", sort=list(rows["period_label"]), title=None, axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("year:N", sort=domain),
            y=alt.Y("value:Q", title=unit or "value"),
            color=alt.Color("year:N", scale=alt.Scale(domain=domain, range=[GREY, BLUE]), legend=LEGEND),
            opacity=alt.Opacity("year:N", scale=alt.Scale(domain=domain, range=[0.55, 1.0]), legend=None),
        )
    )
    found = marks(events, (), dict(zip(rows["period"], rows["period_label"], strict=True)))
    at_centre = alt.X("period_label:N", sort=list(rows["period_label"]), bandPosition=0.5, title=None)
    layers = _mark_layers(found, at_centre, "period_label", list(rows["period_label"]))
    chart = alt.layer(bars, *layers).properties(width=WIDTH, height=HEIGHT)
    pairs = [
        f"{r.period_label} {number(r.this_year)} (last year {number(r.last_year)})"
        for r in rows.itertuples()
        if pd.notna(r.this_year)
    ]
    text = f"Bar chart of {unit or 'values'} each period, {this_label} beside {last_label}. " + (
        "; ".join(pairs) + "." if pairs else f"No values yet for {this_label}."
    )
    if found:
        text += " Events marked: " + "; ".join(m.words() for m in found) + "."
    caption = f"Each period of {this_label} beside the same period of {last_label}" + (
        "; dotted lines mark the events listed below" if found else ""
    )
    return figure(chart, text, caption, "periods", _marks_list(found))


def family_group_chart(table: pd.DataFrame, average: float, partnership: str) -> Html:
    """Crimes per 1,000 residents for the partnership and its family group, with the group average.

    ``table`` has columns partnership, rate_per_1000, is_partnership.
    """
    frame = table.assign(member=lambda t: t["is_partnership"].map({True: partnership, False: "Peer"}))
    order = list(frame.sort_values("rate_per_1000")["partnership"])
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("partnership:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X("rate_per_1000:Q", title="Crimes per 1,000 residents"),
            color=alt.Color(
                "member:N", scale=alt.Scale(domain=[partnership, "Peer"], range=[BLUE, GREY]), legend=LEGEND
            ),
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"average": [average]}))
        .mark_rule(color=ORANGE, strokeDash=[6, 3], strokeWidth=2)
        .encode(x=alt.X("average:Q"))
    )
    chart = (bars + rule).properties(width=WIDTH, height=max(120, 26 * len(frame)))
    listed = "; ".join(
        f"{r.partnership} {number(r.rate_per_1000, 1)}" for r in frame.sort_values("rate_per_1000").itertuples()
    )
    text = f"Bar chart of crimes per 1,000 residents, lowest first: {listed}. Family group average {number(average, 1)} (dashed line)."
    return figure(
        chart, text, "Crimes per 1,000 residents in the most similar group; dashed line: group average", "family-group"
    )


SPC_STYLE = {  # each point type's words (the vocabulary's), colour and shape
    code: (VARIATION_SHORT[code], colour, shape)
    for code, colour, shape in (
        (COMMON_CAUSE, GREY, "circle"),
        (IMPROVEMENT, BLUE, "triangle-up"),
        (CONCERN, ORANGE, "triangle-down"),
        (NEUTRAL_HIGH, PURPLE, "diamond"),
        (NEUTRAL_LOW, PURPLE, "square"),
    )
}


def spc_chart(
    frame: pd.DataFrame,
    unit: str,
    target: float | None = None,
    rebases: Sequence[str] = (),
    events: Sequence[tuple[str, str]] = (),
) -> Html:
    """An XmR chart: values, each segment's mean and process limits labelled with their values, special-cause
    points marked by shape and colour, rebases and events marked and listed under it.

    ``frame`` is one measure's rows of ``spc.csv``; ``rebases`` the periods starting a new segment (up to its
    last period); ``events`` ``(period, text)`` pairs. A segment of fewer than 12 points has trial limits, drawn
    with a sparser dash and said so in the caption and the text alternative.
    """
    from analysis.core.rebase import segment_bounds
    from analysis.method.spc import MIN_POINTS

    periods = list(frame["period"])
    bounds = segment_bounds(periods, rebases)
    segment = [k for k, (a, b) in enumerate(bounds) for _ in range(a, b)]
    trial = [b - a < MIN_POINTS for a, b in bounds]
    data = frame.assign(
        label=[period_label_long(p) for p in periods],
        kind=[SPC_STYLE[t][0] for t in frame["point_type"]],
        segment=segment,
        limits=["trial" if trial[k] else "firm" for k in segment],
    )
    order = list(data["label"])
    x = alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=True))
    kinds = [v[0] for v in SPC_STYLE.values()]
    base = alt.Chart().encode(x=x)  # the data once, on the layer (see cumulative_chart)
    line = base.mark_line(color=GREY, strokeWidth=1.5).encode(
        y=alt.Y("value:Q", title=unit or "value", scale=alt.Scale(zero=False))
    )
    points = base.mark_point(filled=True, size=70).encode(
        y=alt.Y("value:Q"),
        color=alt.Color(
            "kind:N", scale=alt.Scale(domain=kinds, range=[v[1] for v in SPC_STYLE.values()]), legend=LEGEND
        ),
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=[v[2] for v in SPC_STYLE.values()]), legend=None),
    )
    by_segment = alt.Detail("segment:N")  # each segment's lines drawn apart: nothing joins across a rebase
    mean = base.mark_line(color="#000000", strokeWidth=1).encode(y=alt.Y("mean:Q"), detail=by_segment)
    dash = alt.StrokeDash("limits:N", scale=alt.Scale(domain=["firm", "trial"], range=[[4, 4], [2, 6]]), legend=None)
    upper = base.mark_line(color=GREY, strokeWidth=1.2).encode(
        y=alt.Y("upper_limit:Q"), strokeDash=dash, detail=by_segment
    )
    lower = base.mark_line(color=GREY, strokeWidth=1.2).encode(
        y=alt.Y("lower_limit:Q"), strokeDash=dash, detail=by_segment
    )
    layers = [line, mean, upper, lower, *_limit_labels(data, bounds, x), points]
    if target is not None:
        layers.insert(
            1,
            alt.Chart(pd.DataFrame({"t": [target]}))
            .mark_rule(color=GREEN, strokeDash=[8, 3], strokeWidth=1.5)
            .encode(y=alt.Y("t:Q")),
        )
    found = marks(events, [r for r in rebases if r in periods], dict(zip(periods, data["label"], strict=True)))
    layers += _mark_layers(found, alt.X("label:N", sort=order, title=None), "label", order)
    chart = alt.layer(*layers, data=data).properties(width=WIDTH, height=HEIGHT)
    text, caption = _spc_words(data, bounds, trial, unit, target, found)
    return figure(chart, text, caption, "spc", _marks_list(found))


def _spc_words(
    data: pd.DataFrame, bounds: list[tuple[int, int]], trial: list[bool], unit: str, target: float | None, found: list
) -> tuple[str, str]:
    """The SPC chart's text alternative and its caption."""
    last = data.iloc[-1]
    flagged = data[data["point_type"] != COMMON_CAUSE]
    text = (
        f"Chart of each period's {unit or 'figure'} with its usual range (XmR) for {len(data)} periods to "
        f"{last['label']}"
        + (f", in {len(bounds)} segments (the range worked out afresh at each rebase)" if len(bounds) > 1 else "")
        + ": "
        + "; ".join(_segment_words(data, a, b, t, len(bounds) > 1) for (a, b), t in zip(bounds, trial, strict=True))
        + (f"; target {number(target)} per period" if target is not None else "")
        + (
            "; unusual changes (special cause) at "
            + ", ".join(f"{r.label} ({r.kind.lower()})" for r in flagged.itertuples())
            if not flagged.empty
            else "; no unusual change (special cause)"
        )
        + _marks_text(found)
        + "."
    )
    caption = (
        "Each period's figure with its usual range (an XmR chart of statistical process control): solid black line "
        "the average, dashed lines the edges of the usual range (process limits), each labelled with its value"
        + (", drawn separately for each segment" if len(bounds) > 1 else "")
        + (", long-dashed green line the target per period" if target is not None else "")
        + ("; sparsely dashed edges are a provisional range (trial limits: fewer than 12 points)" if any(trial) else "")
        + ("; a solid red line marks a rebase, a dotted red line an event, each as listed below" if found else "")
        + "."
    )
    return text, caption


def _segment_words(data: pd.DataFrame, start: int, stop: int, trial: bool, several: bool) -> str:
    first, last = data.iloc[start], data.iloc[stop - 1]
    where = f"{first['label']} to {last['label']} " if several else ""
    return (
        f"{where}average {number(first['mean'])}, usual range {number(first['lower_limit'])} to "
        f"{number(first['upper_limit'])}" + (" (provisional: trial limits, fewer than 12 points)" if trial else "")
    )


def _limit_labels(data: pd.DataFrame, bounds: list[tuple[int, int]], x: alt.X) -> list[alt.Chart]:
    """Each segment's mean and limits labelled with their values, at the segment's last point."""
    above, below = [], []
    for _, stop in bounds:
        row = data.iloc[stop - 1]
        mean, low, high = row["mean"], row["lower_limit"], row["upper_limit"]
        if low == high:  # a constant baseline: the limits are the mean
            above.append((row["label"], mean, f"Mean and limits {number(mean)}"))
            continue
        above += [(row["label"], mean, f"Mean {number(mean)}"), (row["label"], high, f"Upper limit {number(high)}")]
        below.append((row["label"], low, f"Lower limit {number(low)}"))
    layers = []
    for rows, baseline, dy in ((above, "bottom", -2), (below, "top", 2)):
        if rows:
            frame = pd.DataFrame(rows, columns=["label", "y", "text"])
            layers.append(
                alt.Chart(frame)
                .mark_text(align="right", baseline=baseline, dy=dy, fontSize=10, color="#333333")
                .encode(x=x, y=alt.Y("y:Q"), text="text:N")
            )
    return layers


def period_label_long(period: str) -> str:
    """``Apr 15`` for a month, ``Q1 15/16`` for a quarter: unique across years."""
    if len(period) == 7:
        return f"{period_label(period)} {period[2:4]}"
    return f"{period_label(period)} {period[2:4]}/{period[5:7]}"


def funnel_chart(table: pd.DataFrame, limits: pd.DataFrame, pooled: float, partnership: str) -> Html:
    """A funnel plot: each member's rate against its population, with 95% and 99.8% limits around the group rate.

    ``table`` has columns partnership, population, rate_per_1000, is_partnership; ``limits``
    is :func:`analysis.method.compare.funnel_limits` over a range of populations.
    """
    points = table.assign(member=lambda t: t["is_partnership"].map({True: partnership, False: "Peer"}))
    x = alt.X("population:Q", title="Population", scale=alt.Scale(zero=False))
    lines = []
    for column, dash in (("lower_95", [6, 3]), ("upper_95", [6, 3]), ("lower_998", [2, 2]), ("upper_998", [2, 2])):
        lines.append(
            alt.Chart(limits)
            .mark_line(color=GREY, strokeDash=dash)
            .encode(x=x, y=alt.Y(f"{column}:Q", title="Crimes per 1,000", scale=alt.Scale(zero=False)))
        )
    centre = alt.Chart(limits.assign(pooled=pooled)).mark_line(color=ORANGE).encode(x=x, y=alt.Y("pooled:Q"))
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=90)
        .encode(
            x=x,
            y=alt.Y("rate_per_1000:Q"),
            color=alt.Color(
                "member:N", scale=alt.Scale(domain=[partnership, "Peer"], range=[BLUE, GREY]), legend=LEGEND
            ),
            shape=alt.Shape(
                "member:N", scale=alt.Scale(domain=[partnership, "Peer"], range=["diamond", "circle"]), legend=None
            ),
        )
    )
    chart = alt.layer(*lines, centre, dots).properties(width=WIDTH, height=HEIGHT)
    own = points[points["is_partnership"]].iloc[0]
    row = limits.iloc[(limits["population"] - own["population"]).abs().argmin()]
    inside = row["lower_95"] <= own["rate_per_1000"] <= row["upper_95"]
    text = (
        f"Funnel plot of crimes per 1,000 against population for {len(points)} partnerships. {partnership}: "
        f"{number(own['rate_per_1000'], 1)} at a population of {number(own['population'])}, "
        f"{'inside' if inside else 'outside'} the 95% limits of {number(row['lower_95'], 1)} to "
        f"{number(row['upper_95'], 1)} around the group rate of {number(pooled, 1)}."
    )
    caption = "Funnel plot: orange line the group's pooled rate; dashed lines 95% limits, dotted lines 99.8% limits"
    return figure(chart, text, caption, "funnel")
