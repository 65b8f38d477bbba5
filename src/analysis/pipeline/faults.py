"""Named points in publishing where a test can kill the process, to show that no kill leaves a mixed quarter.

``point(name)`` does nothing unless the environment variable
``CSP_REPORT_FAULT`` names that point; then the process kills itself with
SIGKILL on the spot, as a power cut or ``kill -9`` would. Nothing but the tests
sets the variable (``tests/test_publish.py`` runs ``csp-report build`` with it,
once per point).

>>> point("switched")  # without the variable: nothing happens
"""

from __future__ import annotations

import os
import signal
import sys

ENVIRONMENT = "CSP_REPORT_FAULT"

POINTS = (
    "staged",  # the build is complete in its staging folder; nothing published yet
    "version-partial",  # the new version folder holds some of its parts, no record
    "version-written",  # the new version is complete (record written), not yet current
    "migrating",  # a folder made by an older csp-report was replaced by its link, others not yet
    "links-made",  # the contract's links exist, the switch not yet made
    "switched",  # the new version is current; the home page not yet rewritten
    "home-written",  # the home page is rewritten; old versions not yet removed
    "pruning",  # one old version removed, others still to go
    "tidying",  # cleaning the leftovers of an earlier command: one removed, others still to go
)


def point(name: str) -> None:
    """Kill this process with SIGKILL when ``CSP_REPORT_FAULT`` names this point; otherwise do nothing."""
    if name not in POINTS:
        raise ValueError(f"{name!r} is not a fault point; the points are {', '.join(POINTS)}")
    if os.environ.get(ENVIRONMENT) == name:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
