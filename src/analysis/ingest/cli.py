"""``csp-report ingest``: bring police.uk and ONS data, and partners' returns, into a partnership's input folder.

``add_parsers`` adds the ``ingest`` command and its three sources to the main
parser; ``run`` carries one out and returns the exit status: 0 when the data is
in, 2 when an input is wrong (the message says which file and what to do).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.core.paths import DEFAULT_DATA, resolve_dir
from analysis.core.periods import PeriodError, parse_quarter
from analysis.core.problems import InputError

EXIT_OK, EXIT_INVALID = 0, 2


def _quarter(text: str) -> str:
    try:
        return str(parse_quarter(text))
    except PeriodError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def add_parsers(
    subparsers: argparse._SubParsersAction, each: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.ArgumentParser:
    """Add ``ingest police-uk``, ``ingest ons-csp`` and ``ingest returns`` to the command line's subcommands.

    ``each`` adds the options every ingest command shares with the other writing commands.
    """
    ingest = subparsers.add_parser("ingest", help="bring police.uk, ONS or partners' returns into the input folder")
    sources = ingest.add_subparsers(dest="source", required=True, metavar="SOURCE")

    p = sources.add_parser(
        "police-uk",
        help="count police.uk street-level records by month into actuals.csv",
        description="Read police.uk street-level CSV files (or folders of them), keep the partnership's "
        "records and write the monthly count of every measure with a police_uk source into actuals.csv.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path, help="street-level CSV files or folders")
    p.add_argument("--partnership", required=True, help="the Community Safety Partnership, as the ONS names it")
    p.add_argument("--data", help="the partnership's input folder (default: data/raw)")

    p = sources.add_parser(
        "ons-csp",
        help="write a family group's ONS recorded crime and population into family_group.csv",
        description="Read an ONS 'Police force area data tables' workbook and write total recorded crime "
        "and population for the partnership and its peers into family_group.csv.",
    )
    p.add_argument("workbook", type=Path, metavar="WORKBOOK", help="the ONS workbook (.xlsx)")
    p.add_argument("--partnership", required=True, help="the Community Safety Partnership, as the ONS names it")
    p.add_argument("--peers", required=True, help="its most similar group, comma-separated")
    p.add_argument("--populations", type=Path, metavar="XLSX", help="the ONS mid-year population estimates workbook")
    p.add_argument("--table", default="Table C2", help="the sheet of recorded crime numbers (default: Table C2)")
    p.add_argument("--quarter", type=_quarter, help="file the figures under this quarter (default: from the title)")
    p.add_argument("--data", help="the partnership's input folder (default: data/raw)")

    p = sources.add_parser(
        "returns",
        help="read the leads' filled returns workbooks: figures, positions, sign-offs, family group",
        description="Read returns workbooks written by `csp-report returns` and filled in by the leads: every "
        "value into actuals.csv, every note into partner_notes.csv, positions and statuses into action_plan.csv and "
        "recommendations.csv (rows reviewed with no change into reviews.csv), sign-offs into signoff.csv and the "
        "family group's counts into family_group.csv. Nothing is written if any workbook has a problem.",
    )
    p.add_argument("workbooks", nargs="+", metavar="WORKBOOK", type=Path, help="filled returns workbooks (.xlsx)")
    p.add_argument("--revise", action="store_true", help="replace values already in actuals.csv, and log each")
    p.add_argument("--quarter", type=_quarter, help="the quarter being collected (default: the latest started)")
    p.add_argument("--data", help="the partnership's input folder (default: data/raw)")
    for command in sources.choices.values():
        if each is not None:
            each(command)
    return ingest


def _police_uk(args: argparse.Namespace, data: Path):
    from analysis.ingest.police_uk import ingest_police_uk

    return ingest_police_uk(args.paths, args.partnership, data)


def _ons_csp(args: argparse.Namespace, data: Path):
    from analysis.ingest.ons import ingest_ons_csp, split_names

    return ingest_ons_csp(
        args.workbook,
        args.partnership,
        split_names(args.peers),
        data,
        populations=args.populations,
        quarter=args.quarter,
        sheet=args.table,
    )


def _returns(args: argparse.Namespace, data: Path):
    from analysis.ingest.returns import ingest_returns

    return ingest_returns(args.workbooks, data, revise=args.revise, quarter=args.quarter)


SOURCES = {"police-uk": _police_uk, "ons-csp": _ons_csp, "returns": _returns}


def run(args: argparse.Namespace) -> int:
    """Carry out ``csp-report ingest``; print what was done, or what is wrong, and return the exit status."""
    data = resolve_dir(args.data, DEFAULT_DATA)
    try:
        report = SOURCES[args.source](args, data)
    except InputError as err:
        print(err.report(), file=sys.stderr)
        return EXIT_INVALID
    except (PeriodError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INVALID
    print(report.summary())
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run ``ingest`` on its own (``python -m analysis.ingest.cli police-uk ...``)."""
    parser = argparse.ArgumentParser(prog="csp-report")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["ingest", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
