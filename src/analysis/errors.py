"""One root exception for everything csp-report reports as a failure, one subclass per kind.

The command line catches :class:`CspReportError` and prints its message; anything
else is a bug and keeps its traceback. :class:`Interrupted` (a signal stopped the
command) is the one exception here that is not a failure. This module imports
nothing of ``analysis``, so every stage can raise these.

>>> issubclass(SiteError, CspReportError) and issubclass(QuartoNotFoundError, SetupError)
True
"""

from __future__ import annotations


class CspReportError(Exception):
    """Something csp-report cannot do; the message says why and what to do."""


class InvalidInputError(CspReportError):
    """The partnership's inputs (files, register, periods named on the command line) are not valid."""


class ProcessedTableError(CspReportError):
    """A quarter's processed tables are missing or were written by another version: build again."""


class SetupError(CspReportError):
    """The machine lacks something the build needs (a program, a kernel, a package)."""


class SiteError(CspReportError):
    """The site could not be rendered; the message says why and what to do."""


class QuartoError(SiteError):
    """The Quarto renderer could not render the site; the command line exits 5 for these."""


class QuartoNotFoundError(QuartoError, SetupError):
    """``renderer="quarto"`` was asked for but there is no ``quarto`` on PATH."""


class QuartoVersionError(QuartoError, SetupError):
    """The ``quarto`` on PATH is older than the version the site is made for."""


class QuartoRenderError(QuartoError):
    """``quarto render`` ran and failed."""


class OffsiteContentError(SiteError):
    """A page would fetch a script, style, font or image from outside the site."""


class LockBusy(CspReportError):
    """Another csp-report command holds the folder's lock, and this one was asked not to wait."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM stopped the command (see :mod:`analysis.pipeline.interrupt`).

    Not a :class:`CspReportError`, nor even an ``Exception``: like ``KeyboardInterrupt``
    it passes every ``except Exception`` on its way up (a failed notebook, one
    partnership of many), so nothing takes it for an ordinary failure and goes on.

    >>> Interrupted(15).signum, isinstance(Interrupted(2), Exception)
    (15, False)
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
