"""The vocabularies are closed: every code is spelt once, in core/vocabulary.py, with its words for the reader.

Elsewhere in ``src/analysis`` a status, an SPC point type, an SPC rule or an assurance code is
named by its constant (``AMBER``, ``COMMON_CAUSE``) or by a named group of them
(``EXCEPTION_STATUSES``), never written as a string: a code written twice can be
spelt two ways, and a renamed code would leave the other spelling behind.
Docstrings may name codes (they explain and their examples run as doctests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analysis.core import vocabulary as v

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
VOCABULARY = PACKAGE / "core" / "vocabulary.py"
CODES = frozenset({*v.STATUS_CODES, *v.POINT_TYPES, *v.ASSURANCE_CODES, *v.SPC_RULE_CODES})
# Literals that are a code by coincidence, with the reason. Keep this short: prefer a constant.
ALLOWED: dict[tuple[str, str], str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings of a module, class or function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def code_literals(source: str) -> list[tuple[int, str]]:
    """Each string literal of ``source`` that is a code of the vocabulary, with its line; docstrings aside.

    >>> code_literals("'''The amber measures.'''\\nif status in ('amber', 'red'):\\n    x = f'status-{status}'\\n")
    [(2, 'amber'), (2, 'red')]
    """
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in CODES
        and id(node) not in skip
    )


def test_no_code_is_written_as_a_string_outside_the_vocabulary():
    found = [
        f"{path.relative_to(PACKAGE.parent)}, line {line}: {code!r} (use its constant from core/vocabulary.py)"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != VOCABULARY
        for line, code in code_literals(path.read_text(encoding="utf-8"))
        if (path.relative_to(PACKAGE).as_posix(), code) not in ALLOWED
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_a_code_written_as_a_string():
    assert code_literals('STATUS = "no_data"\nCOLOURS = {"special_cause_concern": 1}\n') == [
        (1, "no_data"),
        (2, "special_cause_concern"),
    ]


@pytest.mark.parametrize(
    ("codes", "words"),
    [
        (v.STATUS_CODES, v.STATUS_LABELS),
        (v.STATUS_CODES, v.STATUS_SHORT),
        (v.STATUS_CODES, v.STATUS_WORDS),
        (v.STATUS_CODES, v.STATUS_COUNTED),
        (v.STATUS_CODES, v.STATUS_COLOURS),
        (v.POINT_TYPES, v.VARIATION),
        (v.POINT_TYPES, v.VARIATION_SHORT),
        (v.POINT_TYPES, v.VARIATION_ANSWERS),
        (v.ASSURANCE_CODES, v.ASSURANCE),
        (v.ASSURANCE_CODES, v.ASSURANCE_SHORT),
        (v.SPC_RULE_CODES, v.SPC_RULES),
        (v.ACTION_STATUSES, v.ACTION_STATUS_LABELS),
        (v.ACTION_TERMS, v.ACTION_TERM_WORDS),
        (v.POLARITIES, v.POLARITY_WORDS),
        (v.SOURCE_STATUSES, v.SOURCE_STATUS_WORDS),
        (v.FAMILY_GROUP_METHODS, v.FAMILY_GROUP_METHOD_WORDS),
    ],
    ids=[
        "status-labels", "status-short", "status-words", "status-counted", "status-colours", "variation",
        "variation-short", "variation-answers", "assurance", "assurance-short", "spc-rules", "action-statuses", "action-terms", "polarities",
        "source-statuses", "family-group-methods",
    ],
)  # fmt: skip
def test_every_code_has_its_words_and_no_words_lack_a_code(codes, words):
    assert list(words) == list(codes)


@pytest.mark.parametrize(
    ("status", "variation", "assurance", "expected"),
    [
        (
            "red",
            "common_cause",
            "",
            "The status is red while the figures stay within their usual range of variation (common cause)",
        ),
        (
            "amber",
            "special_cause_improvement",
            "",
            "The status is amber, but the latest figure is an unusual change for the better",
        ),
        (
            "achieved",
            "special_cause_concern",
            "",
            "The status is achieved, but the latest figure is an unusual change for the worse",
        ),
        ("green", "common_cause", "fail", "Past periods alone would not reach each period's share"),
        ("red", "special_cause_concern", "pass", "Past periods reached each period's share of the target every time"),
        ("green", "common_cause", "hit_and_miss", None),
        ("monitor", "special_cause_concern", "fail", None),
        ("no_data", "", "", None),
    ],
    ids=["red-common", "amber-improving", "achieved-concern", "green-fail", "red-pass", "agree", "monitor", "none"],
)
def test_the_traffic_light_and_spc_disagree_for_a_stated_reason(status, variation, assurance, expected):
    found = v.disagreements(status, variation, assurance)
    if expected is None:
        assert found == ()
    else:
        assert len(found) == 1 and found[0].startswith(expected), found
