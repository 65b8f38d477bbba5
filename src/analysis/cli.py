"""The ``csp-report`` command: arguments, printing and exit codes; the work is done elsewhere."""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from pathlib import Path

from analysis.core.paths import DEFAULT_DATA, PROJECT_ROOT, resolve_dir
from analysis.core.periods import PeriodError, parse_quarter
from analysis.core.problems import InputError, OutputError
from analysis.errors import CspReportError, Interrupted, InvalidInputError, LockBusy, QuartoError

# 0 done; 1 a notebook failed, verify found changes, or returns are due; 2 the inputs are not valid;
# 3 the environment stopped the outputs being written (disk full, no permission, a file in the way);
# 4 another command holds the folder's lock and --no-wait was given; 5 Quarto could not render the site
# (--renderer quarto, or auto with Quarto found: missing, too old, or `quarto render` failed);
# 130 stopped by SIGINT (Ctrl-C), 143 stopped by SIGTERM (kill, a service stop): 128 + the signal's number,
# as a shell reports it; every process the command started is stopped and nothing half-built is published.
EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_OUTPUT, EXIT_LOCKED, EXIT_QUARTO = 0, 1, 2, 3, 4, 5
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM

# The commands that write, and the folder each one locks while it does: the outputs, or the inputs.
# `cache prune` locks the outputs too, so that it never removes what a running build is using.
WRITES_OUTPUTS = ("build", "build-all", "status", "paper", "cache prune")
WRITES_INPUTS = ("new-quarter", "ingest")


def _days_or_mb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of zero or more")
    return value


def _quarter(text: str) -> str:
    try:
        return str(parse_quarter(text))
    except PeriodError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _quarters(text: str) -> list[str]:
    """``--quarter`` of build-all: one quarter, or a range ``2023-24-Q1..2024-25-Q3``."""
    from analysis.core.periods import parse_quarter_range

    try:
        return [str(q) for q in parse_quarter_range(text)]
    except PeriodError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _keep(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--keep must be a whole number of 1 or more, not {text!r}")
    return int(text)


def keep_arg(p: argparse.ArgumentParser) -> None:
    """``--keep N``: how many versions of each quarter stay under ``.versions/`` (the published one included)."""
    p.add_argument("--keep", type=_keep, default=3, help="versions of each quarter kept under .versions (default 3)")


def no_wait_arg(p: argparse.ArgumentParser) -> None:
    """``--no-wait``, for the commands that lock the folder they write."""
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="refuse at once (exit 4) when another command is using the folder, instead of waiting",
    )


def data_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="the partnership's input folder (default: data/raw)")


def out_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="where data/processed, reports and _site go (default: the project)")


def quarter_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quarter", type=_quarter, help="e.g. 2015-16-Q1 (default: the latest with data)")


def kernel_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kernel",
        choices=("warm", "fresh"),
        default="warm",
        help="warm: one long-lived kernel per worker, a fresh namespace per notebook (default); "
        "fresh: a kernel per notebook",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csp-report", description="Quarterly performance reports for a Community Safety Partnership."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check every input and list each problem")
    data_arg(p)

    p = sub.add_parser("readiness", help="list, by lead, the returns still due for a quarter; writes nothing")
    quarter_arg(p), data_arg(p)
    p.add_argument("--out", help="where the quarter was built, to find text written before a figure changed "
                   "(default: the project)")  # fmt: skip

    p = sub.add_parser("status", help="print the status table and write the processed tables")
    quarter_arg(p), data_arg(p), out_arg(p)

    p = sub.add_parser("build", help="validate, compute, execute the notebooks and render the site")
    quarter_arg(p), data_arg(p), out_arg(p)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    p.add_argument("--force", action="store_true", help="execute every notebook, ignoring the cache")
    p.add_argument("--renderer", choices=("auto", "quarto", "builtin"), default="auto")
    kernel_arg(p), keep_arg(p)

    p = sub.add_parser("build-all", help="build every partnership under a folder, and an area overview")
    p.add_argument("--data-root", required=True, help="a folder of partnership folders, each laid out like data/raw")
    p.add_argument(
        "--quarter",
        type=_quarters,
        help="e.g. 2024-25-Q3, or every quarter of a range, oldest first: 2023-24-Q1..2024-25-Q3 "
        "(default: the latest with data)",
    )
    out_arg(p)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once (local executor)")
    p.add_argument("--executor", choices=("local", "dask"), default="local")
    p.add_argument("--scheduler", help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("--force", action="store_true", help="execute every notebook, ignoring the cache")
    p.add_argument("--renderer", choices=("auto", "quarto", "builtin"), default="auto")
    kernel_arg(p), keep_arg(p)

    from analysis.ingest.cli import add_parsers as add_ingest_parsers

    add_ingest_parsers(sub, each=no_wait_arg)

    p = sub.add_parser("new-quarter", help="start a quarter's inputs: carry the last quarter's rows forward")
    p.add_argument("--quarter", type=_quarter, required=True, help="the quarter to start, e.g. 2015-16-Q2")
    data_arg(p)

    p = sub.add_parser("returns", help="write one Excel returns workbook per lead under returns/<quarter>/")
    p.add_argument("--quarter", type=_quarter, help="e.g. 2015-16-Q2 (default: the latest quarter started)")
    data_arg(p), out_arg(p)
    p.add_argument("--force", action="store_true", help="write over workbooks that have been filled in since")

    p = sub.add_parser("paper", help="write the quarter's committee paper (PDF) from its built outputs")
    quarter_arg(p), data_arg(p), out_arg(p)
    p.add_argument("--lead", metavar="NAME", default="", help="write that lead's or theme group's own paper instead")

    p = sub.add_parser("verify", help="list every figure of a built quarter that the inputs would now change")
    quarter_arg(p), data_arg(p), out_arg(p)

    p = sub.add_parser("cache", help="show or prune the cache of executed notebooks and rendered pages")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    out_arg(actions.add_parser("info", help="entries, size and when they were last used, per kind"))
    p = actions.add_parser("prune", help="remove entries unused for a while, the oldest-used beyond a size, or all")
    out_arg(p)
    p.add_argument("--older-than", type=_days_or_mb, metavar="DAYS", help="entries unused for DAYS (default 30)")
    p.add_argument("--max-size", type=_days_or_mb, metavar="MB", help="then the oldest-used beyond MB (default 500)")
    p.add_argument("--all", action="store_true", help="the whole cache")
    no_wait_arg(p)

    for name, command in sub.choices.items():
        if name in WRITES_OUTPUTS or name == "new-quarter":
            no_wait_arg(command)
    return parser


def _command(args: argparse.Namespace) -> str:
    """The command as typed, with its action: ``build``, ``cache prune``."""
    return f"{args.command} {args.action}" if args.command == "cache" else args.command


def _locked_folder(args: argparse.Namespace) -> Path | None:
    """The folder a command writes and so locks: ``--out`` for builds, the data folder for new-quarter and ingest."""
    if _command(args) in WRITES_OUTPUTS:
        return _out_dir(args)
    if args.command in WRITES_INPUTS:
        return _data_dir(args)
    return None


def _data_dir(args: argparse.Namespace) -> Path:
    return resolve_dir(args.data, DEFAULT_DATA)


def _out_dir(args: argparse.Namespace) -> Path:
    return resolve_dir(getattr(args, "out", None), PROJECT_ROOT)


def cmd_validate(args: argparse.Namespace) -> int:
    from analysis.inputs.tables import load_inputs

    inputs = load_inputs(_data_dir(args))
    n, developing = len(inputs.register.measures), len(inputs.register.in_development)
    also = f" and {developing} in development" if developing else ""
    print(f"{inputs.register.partnership}: the inputs are valid ({n} measures{also}, {len(inputs.actuals)} values).")
    if not inputs.actuals.empty:
        from analysis.pipeline.build import warn_returns_due

        warn_returns_due(inputs, inputs.latest_quarter())
    return EXIT_OK


def cmd_readiness(args: argparse.Namespace) -> int:
    from analysis.inputs.quarter_start import unupdated_rows
    from analysis.inputs.tables import load_inputs, locate_table
    from analysis.method.readiness import (
        lead_order,
        meeting_line,
        plan_lines,
        readiness_report,
        returns_due,
        still_to_come,
    )

    data = _data_dir(args)
    inputs = load_inputs(data)
    quarter = parse_quarter(args.quarter) if args.quarter else inputs.latest_quarter()
    due = returns_due(inputs.register, inputs.series, quarter)
    pending = unupdated_rows(data, quarter, inputs.register)
    to_come = still_to_come(inputs, quarter, pending, signoff_collected=locate_table(data, "signoff") is not None)
    print(readiness_report(inputs.register.partnership, quarter, due, to_come, lead_order(inputs.register)))
    print("\n".join([meeting_line(inputs.register, quarter), *plan_lines(inputs.register, quarter)]))
    from analysis.core.paths import OutputPaths
    from analysis.processed.stale import basis_now, stale_lines, stale_texts

    built = OutputPaths(_out_dir(args)).processed(str(quarter)).resolve()
    stale = stale_lines(stale_texts(basis_now(inputs, quarter, built)))
    if stale:
        print("\nText written before a figure changed:\n" + "\n".join(f"  {line}" for line in stale))
    return EXIT_FAILED if due else EXIT_OK  # only figures due: what else is to come is listed, not counted


def cmd_status(args: argparse.Namespace) -> int:
    from analysis.pipeline.build import write_status

    table, folder = write_status(_data_dir(args), _out_dir(args), args.quarter)
    print(table)
    print(f"\nWrote {folder}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from analysis.pipeline.cache import prune_after_build

    started = time.time()
    code = _build(args)
    prune_after_build(_out_dir(args), started)  # under the --out lock: no other build is using the cache
    return code


def _build(args: argparse.Namespace) -> int:
    if not args.force:  # an unchanged rebuild is decided before pandas, scipy or Altair are imported
        from analysis.pipeline.uptodate import current

        stamp = current(_data_dir(args), _out_dir(args), args.quarter, renderer=args.renderer)
        if stamp is not None:
            print(
                f"{stamp['partnership_name']}, {stamp['quarter']}: nothing changed since the last build; "
                "nothing to do.",
                file=sys.stderr,
            )
            return EXIT_OK

    from analysis.pipeline.build import build_quarter

    result = build_quarter(_data_dir(args), _out_dir(args), args.quarter, _build_options(args))
    return EXIT_OK if result.ok else EXIT_FAILED


def _build_options(args: argparse.Namespace):
    """The options of ``build`` and ``build-all`` as one :class:`analysis.pipeline.build.BuildOptions`."""
    from analysis.pipeline.build import BuildOptions

    return BuildOptions(
        jobs=max(1, args.jobs), force=args.force, renderer=args.renderer, kernel=args.kernel, keep=args.keep
    )


def cmd_build_all(args: argparse.Namespace) -> int:
    from analysis.pipeline.area import build_all
    from analysis.pipeline.cache import prune_after_build

    started = time.time()
    outcomes = build_all(
        resolve_dir(args.data_root, DEFAULT_DATA),
        _out_dir(args),
        args.quarter,
        _build_options(args),
        executor=args.executor,
        scheduler=args.scheduler,
    )
    prune_after_build(_out_dir(args), started)
    return EXIT_OK if all(o.ok for o in outcomes) else EXIT_FAILED


def cmd_ingest(args: argparse.Namespace) -> int:
    from analysis.ingest.cli import run

    return run(args)


def cmd_verify(args: argparse.Namespace) -> int:
    from analysis.pipeline.verify import verify_quarter

    changes = verify_quarter(_data_dir(args), _out_dir(args), args.quarter)
    return EXIT_FAILED if changes else EXIT_OK


def cmd_new_quarter(args: argparse.Namespace) -> int:
    from analysis.ingest.returns import start_quarter

    print(start_quarter(_data_dir(args), args.quarter).summary())
    return EXIT_OK


def cmd_returns(args: argparse.Namespace) -> int:
    from analysis.ingest.returns import write_returns

    paths = write_returns(_data_dir(args), _out_dir(args), args.quarter, force=args.force)
    print(f"Wrote {len(paths)} returns workbook{'s' if len(paths) != 1 else ''}:")
    for path in paths:
        print(f"  {path}")
    return EXIT_OK


def cmd_paper(args: argparse.Namespace) -> int:
    from analysis.core.paths import OutputPaths
    from analysis.pipeline.build import publish_paper
    from analysis.processed.contract import REGISTER
    from analysis.site.paper import PaperError, UnknownLead

    out = OutputPaths(_out_dir(args))
    quarter = args.quarter
    if quarter is None:
        from analysis.inputs.tables import load_inputs
        from analysis.pipeline.build import choose_quarter

        quarter = str(choose_quarter(load_inputs(_data_dir(args)), None))
    processed, reports = out.processed(quarter), out.reports(quarter)
    missing = [p for p in (processed / REGISTER, reports / "dashboard.ipynb") if not p.is_file()]
    if missing:
        print(
            f"error: {quarter} is not built under {out.root} (no {missing[0].relative_to(out.root)}): "
            f"run `csp-report build --quarter {quarter}` first",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        path = publish_paper(out.root, quarter, lead=args.lead)  # a new version of the quarter, switched to atomically
    except UnknownLead as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INVALID
    except PaperError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Wrote {path}")
    return EXIT_OK


def cmd_cache(args: argparse.Namespace) -> int:
    from analysis.pipeline.cache import KEEP_DAYS, MAX_MB, cache_info, prune

    if args.action == "info":
        print(cache_info(_out_dir(args)))
        return EXIT_OK
    if args.all and (args.older_than is not None or args.max_size is not None):
        print("error: --all removes the whole cache; give it without --older-than or --max-size", file=sys.stderr)
        return EXIT_INVALID
    older = KEEP_DAYS if args.older_than is None else args.older_than
    size = MAX_MB if args.max_size is None else args.max_size
    summary = prune(_out_dir(args), older_than_days=older, max_mb=size, everything=args.all).summary()
    print(f"{summary[0].upper()}{summary[1:]}.")
    return EXIT_OK


COMMANDS = {
    "paper": cmd_paper,
    "validate": cmd_validate,
    "readiness": cmd_readiness,
    "status": cmd_status,
    "build": cmd_build,
    "build-all": cmd_build_all,
    "verify": cmd_verify,
    "ingest": cmd_ingest,
    "new-quarter": cmd_new_quarter,
    "returns": cmd_returns,
    "cache": cmd_cache,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    SIGINT and SIGTERM stop any command cleanly (:mod:`analysis.pipeline.interrupt`):
    every process it started is stopped, one line is printed, and the status is
    128 + the signal's number.
    """
    from analysis.pipeline import interrupt
    from analysis.pipeline.processes import end_with_parent

    end_with_parent()  # a process forked by the command ends with it, even when it is killed with SIGKILL
    command = ""
    with interrupt.handle_signals():
        try:
            args = _parser().parse_args(argv)
            command = args.command
            return _run(args)
        except (Interrupted, KeyboardInterrupt) as err:
            signum = err.signum if isinstance(err, Interrupted) else signal.SIGINT
            from analysis.pipeline.processes import stop_processes

            stop_processes()  # anything still running, such as a cluster's worker restarted meanwhile
            print(interrupt.summary(signum, command), file=sys.stderr, flush=True)
            return EXIT_SIGINT if signum == signal.SIGINT else EXIT_SIGTERM


def _run(args: argparse.Namespace) -> int:
    """Run the command under its folder's lock, and map its failures to exit statuses."""
    folder = None
    try:
        folder = _locked_folder(args)
        if folder is None:
            return COMMANDS[args.command](args)
        from analysis.pipeline.lock import folder_lock

        if _command(args) in WRITES_OUTPUTS:  # before the lock file is made: never in the inputs, never through a link
            from analysis.pipeline.publish import check_folders

            data = resolve_dir(args.data_root, DEFAULT_DATA) if args.command == "build-all" else None
            check_folders(folder, data if data is not None else _data_dir(args) if hasattr(args, "data") else None)
        what = " ".join(["csp-report", _command(args), *([args.source] if args.command == "ingest" else [])])
        quarter = getattr(args, "quarter", None)
        if isinstance(quarter, list):  # build-all over a range of quarters
            quarter = quarter[0] if len(quarter) == 1 else f"{quarter[0]}..{quarter[-1]}"
        what += f" {quarter}" if quarter else ""
        with folder_lock(folder, what, wait=not args.no_wait, record=_command(args) in WRITES_OUTPUTS):
            return COMMANDS[args.command](args)
    except LockBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_LOCKED
    except InputError as err:
        print(err.report(), file=sys.stderr)
        return EXIT_INVALID
    except OutputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_OUTPUT
    except QuartoError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_QUARTO
    except CspReportError as err:  # any other failure csp-report can explain; anything else is a bug
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INVALID if isinstance(err, InvalidInputError) else EXIT_FAILED
    except OSError as err:  # the disk, permissions or the output path: one line, never a traceback
        where = folder if folder is not None else _out_dir(args) if hasattr(args, "out") else None
        if err.filename is None and where is not None:  # a write that did not say where: the folder written
            err = OSError(err.errno, err.strerror, str(where))
        print(f"error: {OutputError.from_os_error(err)}", file=sys.stderr)
        return EXIT_OUTPUT


if __name__ == "__main__":
    sys.exit(main())
