"""Problems found in a partnership's input files, worded for the analyst who must fix them.

Validation collects every problem in one pass and raises them together, so an
analyst fixes a spreadsheet once rather than once per error. A problem always
says where it is (file or workbook sheet, row or line, column or field) and
what to do about it; it never carries a traceback.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable
from dataclasses import dataclass

from analysis.errors import CspReportError, InvalidInputError


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong.

    ``file`` is the file name as the analyst sees it in the folder (for a
    workbook also the sheet: ``inputs.xlsx, sheet 'actuals'``). ``row`` is the
    row an analyst sees in a spreadsheet (the header is row 1) or the line of a
    YAML file; ``column`` is a table's column or a register field; ``item`` names
    the register entry a field belongs to (``measure 'asb'``).

    >>> str(Problem("actuals.csv", 4, "value", "'abc' is not a number"))
    "actuals.csv, row 4, column 'value': 'abc' is not a number"
    >>> str(Problem("measures.yml", 12, "polarity", "'up' is not a polarity", "measure 'asb'"))
    "measures.yml, line 12, measure 'asb', field 'polarity': 'up' is not a polarity"
    >>> str(Problem("measures.yml", None, None, "the file is missing"))
    'measures.yml: the file is missing'
    >>> str(Problem("boundaries.geojson", None, "code", "missing", "feature 3"))
    "boundaries.geojson, feature 3, property 'code': missing"
    """

    file: str
    row: int | None
    column: str | None
    message: str
    item: str | None = None

    def __str__(self) -> str:
        yaml = self.file.endswith((".yml", ".yaml"))
        text = yaml or self.file.endswith(".md")  # a text file has lines; a table has rows
        geo = self.file.endswith(".geojson")  # features have properties
        where = [self.file]
        if self.row is not None:
            where.append(f"{'line' if text else 'row'} {self.row}")
        if self.item is not None:
            where.append(self.item)
        if self.column is not None:
            where.append(f"{'field' if yaml else 'property' if geo else 'column'} {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class InputError(InvalidInputError):
    """The inputs are not valid; carries every problem found, in file and row order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def report(self) -> str:
        """The problems as the command line prints them.

        >>> print(InputError([Problem("a.csv", 3, "value", "bad"), Problem("a.csv", 2, None, "odd")]).report())
        2 problems in the input files:
          - a.csv, row 2: odd
          - a.csv, row 3, column 'value': bad
        """
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input files:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class OutputError(CspReportError):
    """The outputs could not be written (disk full, no permission, a path that is a file): the environment, not the inputs.

    >>> import errno
    >>> print(OutputError.from_os_error(OSError(errno.ENOSPC, "No space left on device", "/o/_site/x.html")))
    cannot write /o/_site/x.html: the disk is full; free some space and run again
    """

    @classmethod
    def from_os_error(cls, err: OSError) -> OutputError:
        """The one-line message for an operating-system error met while writing."""
        where = err.filename if err.filename is not None else ""
        target = f"cannot write {where}" if where else "cannot write the outputs"
        why = _OS_REASONS.get(err.errno or 0) or (err.strerror or str(err)).rstrip(".").lower()
        return cls(f"{target}: {why}")


_OS_REASONS = {
    errno.ENOSPC: "the disk is full; free some space and run again",
    getattr(errno, "EDQUOT", -1): "the disk quota is used up; free some space and run again",
    errno.EACCES: "permission denied; choose an output folder you can write to (--out)",
    errno.EPERM: "permission denied; choose an output folder you can write to (--out)",
    errno.EROFS: "the file system is read-only; choose an output folder you can write to (--out)",
    errno.ENOTDIR: "a file is in the way where a folder is needed; choose another output folder (--out)",
    errno.EEXIST: "a file is in the way where a folder is needed; choose another output folder (--out)",
    errno.EISDIR: "a folder is in the way where a file is needed; move it or choose another output folder (--out)",
}


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.row if p.row is not None else -1, p.item or "", p.column or "", p.message)


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise :class:`InputError` when the list is not empty."""
    found = list(problems)
    if found:
        raise InputError(found)


def suggest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt name, or ``""`` when nothing is close.

    >>> suggest("polarty", ["polarity", "priority", "profile"])
    " (did you mean 'polarity'?)"
    >>> suggest("colour", ["polarity"])
    ''
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
