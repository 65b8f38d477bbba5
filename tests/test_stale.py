"""Text written before a figure changed is flagged until it is edited: by `status` and `build` (as warnings),
by `readiness`, and on the measure's page.

The demo's second quarter, tables only (`csp-report status`, as the analyst checks a quarter): anti-social
behaviour has 2,743 incidents in July to September, and its commentary and the ASB1 task's position say so.
August is then revised from 902 to 920, and the next build still finds the same text beside a computed 2,761.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.processed.contract import TEXT_BASIS
from analysis.processed.quarter import load_quarter, read_table
from analysis.processed.stale import stale_texts
from analysis.report.measure import actions, narrative

Q2 = "2015-16-Q2"
ASB_Q2 = {"2015-07": 951, "2015-08": 902, "2015-09": 890}  # 2,743 in the quarter
COMMENTARY = "In quarter two there were 2,743 incidents, fewer than the 2,953 of quarter two last year.\n"
POSITION = "2,743 incidents in quarter two; hotspot patrols continue"


def _set_values(data: Path, values: dict[tuple[str, str], float | None]) -> None:
    """Set (or, with ``None``, remove) values of ``actuals.csv``, keeping every other row as it is."""
    path = data / "actuals.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    held = {(r["measure_id"], r["period"]): r for r in rows}
    for key, value in values.items():
        if value is None:
            held.pop(key, None)
        else:
            held[key] = {"measure_id": key[0], "period": key[1], "value": f"{value:g}"}
    out = io.StringIO()
    writer = csv.DictWriter(out, ["measure_id", "period", "value"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(held.values())
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def second_quarter(demo_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The demo started for Q2 (tasks carried forward), ASB's Q2 returns in, its commentary and position written."""
    assert main(["new-quarter", "--quarter", Q2, "--data", str(demo_copy)]) == 0
    _set_values(demo_copy, {("asb-incidents", p): v for p, v in ASB_Q2.items()})
    (demo_copy / "commentary" / Q2).mkdir(parents=True, exist_ok=True)
    (demo_copy / "commentary" / Q2 / "asb-incidents.md").write_text(COMMENTARY, encoding="utf-8")
    plan = demo_copy / "action_plan.csv"
    lines = plan.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [
        line.replace("Levels dropped significantly in June", f'"{POSITION}"') if line.startswith(Q2) else line
        for line in lines
    ]
    plan.write_text("".join(lines), encoding="utf-8")
    return demo_copy, tmp_path / "out"


def _status(data: Path, out: Path, capsys) -> str:
    assert main(["status", "--quarter", Q2, "--data", str(data), "--out", str(out)]) == 0
    return capsys.readouterr().err


def _readiness(data: Path, out: Path, capsys) -> str:
    main(["readiness", "--quarter", Q2, "--data", str(data), "--out", str(out)])
    return capsys.readouterr().out


def test_a_revision_flags_the_text_written_beside_the_old_figure_until_it_is_edited(second_quarter, capsys):
    data, out = second_quarter
    assert "written beside figures since changed" not in _status(data, out, capsys)
    assert "Text written before a figure changed" not in _readiness(data, out, capsys)

    _set_values(data, {("asb-incidents", "2015-08"): 920})  # the police revise August
    said = _readiness(data, out, capsys)  # before any rebuild, readiness already says so
    assert "Text written before a figure changed" in said
    assert "asb-incidents: the commentary was written beside figures since changed: August 2015 902 -> 920" in said
    assert "the quarter's figure 2,743 -> 2,761" in said
    assert "the year to date 5,270 -> 5,288" in said
    assert "asb-incidents: the position of 'Target hotspot locations through the ASB Delivery Group'" in said

    warned = _status(data, out, capsys)
    assert (
        "warning: asb-incidents: the commentary was written beside figures since changed: August 2015 902 -> 920; "
        "the quarter's figure 2,743 -> 2,761; the year to date 5,270 -> 5,288"
    ) in warned
    processed = out / "data" / "processed" / Q2
    stale = {s.text: s for s in stale_texts(read_table(processed, TEXT_BASIS))}
    assert set(stale) == {"commentary", "position: Target hotspot locations through the ASB Delivery Group"}

    page = load_quarter(Q2, processed_dir=processed)
    commentary = narrative(page, "asb-incidents")
    assert "Written before figures changed:" in commentary
    assert "when this was written, August 2015 was 902 (now 920), the quarter&#39;s figure was 2,743 (now 2,761)" in (
        commentary
    )
    assert "Written before figures changed:" in actions(page, "asb-incidents")
    assert "Written before" not in narrative(page, "da-referrals")

    again = _status(data, out, capsys)  # built again with the same text: still stale, still beside 902
    assert "August 2015 902 -> 920" in again

    edited = COMMENTARY.replace("2,743", "2,761")
    (data / "commentary" / Q2 / "asb-incidents.md").write_text(edited, encoding="utf-8")
    after = _status(data, out, capsys)
    assert "the commentary was written beside" not in after
    assert "the position of 'Target hotspot locations" in after  # not edited yet
    page = load_quarter(Q2, processed_dir=processed)
    assert "Written before" not in narrative(page, "asb-incidents")
    assert "Written before" in actions(page, "asb-incidents")


def test_a_late_return_flags_the_text_written_without_it(second_quarter, capsys):
    data, out = second_quarter
    _set_values(data, {("asb-incidents", "2015-09"): None})  # September not in when the text was written
    _status(data, out, capsys)
    _set_values(data, {("asb-incidents", "2015-09"): 890})
    warned = _status(data, out, capsys)
    assert "asb-incidents: the commentary was written beside figures since changed: September 2015 no value -> 890" in (
        warned
    )
    page = load_quarter(Q2, processed_dir=out / "data" / "processed" / Q2)
    assert "September 2015 had no figure yet (now 890)" in narrative(page, "asb-incidents")
