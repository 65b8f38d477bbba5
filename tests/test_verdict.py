"""One verdict per measure: over many generated measures, no page states two contradicting verdicts."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from analysis.core.formatting import number
from analysis.core.periods import Quarter, months_of_year
from analysis.core.register import Measure
from analysis.method.exceptions import exception_reasons
from analysis.method.status import measure_status
from analysis.processed.tables import beyond_the_light
from analysis.report.verdict import QUESTIONS, gap, verdict


def generated_rows(count: int, seed: int) -> list[dict]:
    """Status rows as the build writes them, for measures with random levels, seasons, trends and targets."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        polarity = rng.choice(["higher", "lower", "lower", "monitor"])
        level = rng.choice([3, 12, 40, 150, 900])
        season = [1 + rng.uniform(-0.4, 0.4) * (rng.random() < 0.5) for _ in range(12)]
        trend = rng.uniform(-0.3, 0.3)
        series = {}
        for fy, drift in ((2014, 0.0), (2015, trend)):
            for j, month in enumerate(months_of_year(fy)):
                series[month] = float(max(0, round(rng.gauss(level * season[j] * (1 + drift), level**0.5))))
        quarter = Quarter(2015, rng.randint(1, 4))
        for month in months_of_year(2015)[quarter.q * 3 :]:
            series.pop(month)
        target = None if polarity == "monitor" or rng.random() < 0.1 else level * 12 * rng.uniform(0.8, 1.2)
        m = Measure(
            f"m{i}",
            f"Measure {i}",
            "P",
            polarity=polarity,
            frequency="monthly",
            targets={2015: target} if target else {},
            profile=rng.choice(["even", "seasonal"]),
            status_method=rng.choice(["forecast", "forecast", "ytd"]),
            amber_tolerance=rng.choice([0.05, 0.15]),
        )
        s = measure_status(m, series, quarter)
        extra, _ = beyond_the_light(m, s, series)
        row = {
            **dataclasses.asdict(s),
            **extra,
            "polarity": polarity,
            "profile": m.profile,
            "status_method": m.status_method,
        }
        row["amber_tolerance"] = m.amber_tolerance
        rows.append(row)
    return rows


ROWS = generated_rows(200, seed=7)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['measure_id']}-{r['status']}" for r in ROWS])
def test_the_reason_given_agrees_with_the_status(row: dict) -> None:
    v = verdict(row)
    if row["status"] in ("green", "amber", "red"):
        by_ytd = row["status_method"] == "ytd"
        value = row["ytd_actual"] if by_ytd else row["forecast"]
        goal = row["ytd_target"] if by_ytd else row["annual_target"]
        short = gap(value, goal, row["polarity"])
        worse = "short of" if row["polarity"] == "higher" else "over"  # the words follow the measure's direction
        assert (f" {worse} the" in v.why) == (row["status"] != "green"), v.why
        if row["status"] == "green":
            assert short <= 0
        elif row["status"] == "amber":
            assert 0 < short <= row["amber_tolerance"] + 1e-9
            assert "within the" in v.why
        else:
            assert short > row["amber_tolerance"] and "beyond the" in v.why
        assert ("year to date" in v.why) == by_ytd and ("forecast" in v.why) != by_ytd
    elif row["status"] == "achieved":
        target, ytd = row["annual_target"], row["ytd_actual"]
        assert ytd >= target if row["polarity"] == "higher" else ytd <= target
        whole_year = row["periods_elapsed"] == row["periods_in_year"]
        said = "The year's figure" if whole_year else "The year to date"
        assert v.why.startswith(f"{said}, {number(ytd)}") and number(target) in v.why, v.why
        assert ("met the annual target" in v.why) == whole_year != ("has already reached" in v.why)
    else:  # monitored: by design, or for want of a target this year
        assert row["status"] == "monitor"
        by_design = row["polarity"] == "monitor"
        assert by_design or row["annual_target"] is None or math.isnan(row["annual_target"])
        assert v.why.endswith("no status is judged.") and ("without a target" in v.why) == by_design, v.why
    worse = " short of the" if row["polarity"] == "higher" else " over the"
    assert (worse in v.why) == (row["status"] in ("amber", "red")), v.why


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['measure_id']}-{r['status']}" for r in ROWS])
def test_evidence_answers_each_question_once_and_seeming_disagreements_are_explained(row: dict) -> None:
    v = verdict(row)
    questions = [q for q, _ in v.evidence]
    assert len(questions) == len(set(questions)) and set(questions) <= set(QUESTIONS.values())
    answers = dict(v.evidence)
    change = answers.get(QUESTIONS["change"], "")
    pattern = answers.get(QUESTIONS["pattern"], "")
    if (change.startswith("Yes") and pattern.startswith("No")) or (
        change.startswith("No") and pattern.startswith("Yes")
    ):
        assert any("year" in n and ("range" in n or "recent" in n) for n in v.notes), (change, pattern)
    if row["status_method"] == "forecast" and row["status"] in ("amber", "red"):
        ahead = gap(row["ytd_actual"], row["ytd_target"], row["polarity"]) <= 0
        assert ahead == any(n.startswith("Better than the") for n in v.notes)
    if row["status"] in ("green", "achieved"):
        text = " ".join([v.why, *answers.values(), *v.notes])
        assert "will not be met" not in text and "out of reach" not in text


def test_the_generated_measures_cover_every_status_and_disagreement() -> None:
    statuses = {r["status"] for r in ROWS}
    assert {"achieved", "green", "amber", "red", "monitor"} <= statuses
    notes = [n for r in ROWS for n in verdict(r).notes]
    assert any(n.startswith("Better than the") for n in notes)
    assert any("beyond chance, yet" in n for n in notes)


@pytest.mark.parametrize(
    ("row", "reasons"),
    [
        ({"status": "amber"}, ["status amber"]),
        ({"status": "green"}, []),
        (
            {"status": "monitor", "polarity": "lower", "spc_variation": "special_cause_concern"},
            ["an unusual change for the worse (special cause concern)"],
        ),
        (
            {
                "status": "monitor",
                "polarity": "lower",
                "change_vs_last_year": 0.2,
                "change_significant": "yes",
                "small_count": "yes",
            },
            [],
        ),
        ({"status": "monitor", "polarity": "higher", "change_vs_last_year": 0.2, "change_significant": "yes"}, []),
        (
            {"status": "red", "periods_missing": "2015-08;2015-09"},
            ["status red", "returns still due: August 2015 and September 2015"],
        ),
    ],
    ids=["amber", "green", "monitored-concern", "small-counts", "monitored-better", "red-and-missing"],
)
def test_exception_items_follow_the_stated_rule(row: dict, reasons: list[str]) -> None:
    assert exception_reasons(row) == reasons
