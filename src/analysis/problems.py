"""Problems found in a partnership's input files, worded for the analyst who must fix them.

Validation collects every problem in one pass and raises them together, so an
analyst fixes a spreadsheet once rather than once per error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong.

    ``row`` is the line an analyst sees in a spreadsheet (the header is row 1)
    or in a YAML file; ``column`` is a column of a table or a field of the register.

    >>> str(Problem("actuals.csv", 4, "value", "'abc' is not a number"))
    "actuals.csv, row 4, column 'value': 'abc' is not a number"
    >>> str(Problem("measures.yml", 12, "polarity", "'up' is not one of higher, lower, monitor"))
    "measures.yml, line 12, field 'polarity': 'up' is not one of higher, lower, monitor"
    >>> str(Problem("measures.yml", None, None, "the file is missing"))
    'measures.yml: the file is missing'
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        yaml = self.file.endswith((".yml", ".yaml"))
        where = [self.file]
        if self.row is not None:
            where.append(f"{'line' if yaml else 'row'} {self.row}")
        if self.column is not None:
            where.append(f"{'field' if yaml else 'column'} {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class InputError(Exception):
    """The inputs are not valid; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def report(self) -> str:
        """The problems as the command line prints them."""
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input files:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.message)


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise :class:`InputError` when the list is not empty."""
    found = list(problems)
    if found:
        raise InputError(found)
