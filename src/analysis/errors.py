"""The project's exceptions: one root, one subclass for each kind of failure."""


class CspReportError(Exception):
    """Anything csp-report reports to its user as a failure rather than a crash."""


class LockBusy(CspReportError):
    """Another command holds the folder's lock and the caller would not wait."""
