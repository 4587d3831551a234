"""`akinv check`: validate documents and say what is wrong, as text for people or JSON Lines
for programs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import TYPE_CHECKING

from akinv.cli.options import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, CommandError, add_common, load_policy

if TYPE_CHECKING:
    from akinv import ScanResult

# Inputs at least this large get a progress bar on a terminal.
PROGRESS_BYTES = 4 << 20
# JSON records are written in runs of this many: one write call each, not one per document.
RECORDS_PER_WRITE = 256

_DESCRIPTION = """\
Text output: a line per document (its shape, nodes, and what is free of what is allocatable:
GPUs, CPU cores, memory), and a table of its findings under a document that has any. Amounts
are rounded in larger units; --format json gives the exact integers, one record per document
(the shape of akinv/schemas/record.schema.json).

Exit status: 0 all documents ok, 1 an error finding, 2 an input unreadable."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    check = subparsers.add_parser(
        "check",
        help="validate documents: JSON, JSON Lines, .gz, directories, - for stdin",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument(
        "--summary",
        action="store_true",
        help="text: instead of a line per document, totals over all inputs (with --errors-only, after the "
        "documents with errors)",
    )
    check.add_argument(
        "--errors-only",
        action="store_true",
        help="show only documents with an error finding and those that cannot be read",
    )
    check.add_argument(
        "--demo", action="store_true", help="also check the sample documents shipped with akinv"
    )
    add_common(check)
    check.set_defaults(run=run)
    return check


def demo_paths() -> list[str]:
    """The sample documents shipped in the package, clean and broken."""
    samples = resources.files("akinv") / "samples"
    return sorted(str(p) for p in samples.iterdir() if p.name.endswith(".json"))


def _total_bytes(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        if path != "-" and os.path.isfile(path):
            total += os.path.getsize(path)
    return total


def _with_progress(results: Iterator[ScanResult], paths: Sequence[str]) -> Iterator[ScanResult]:
    """A progress bar (documents read) on a terminal for long scans whose results go elsewhere;
    when the results print to the terminal they are the progress."""
    if not sys.stderr.isatty() or sys.stdout.isatty() or _total_bytes(paths) < PROGRESS_BYTES:
        yield from results
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.completed:,} documents"), TimeElapsedColumn())
    # On stderr, so it shows while the results go to a file or a pipe; stdout is left alone
    # (rich would otherwise route every record through its display).
    console = Console(stderr=True)
    with Progress(
        *columns, transient=True, console=console, redirect_stdout=False, redirect_stderr=False
    ) as progress:
        task = progress.add_task("scan", total=None)
        pending = 0
        for result in results:
            yield result
            # Advancing costs far more than reading a document: do it in steps.
            pending += 1
            if pending == 1024:
                progress.advance(task, pending)
                pending = 0


def _exit_status(result: ScanResult) -> int:
    if result.report is None:
        return EXIT_UNREADABLE
    return EXIT_OK if result.report.ok else EXIT_FINDINGS


def run(args: argparse.Namespace) -> int:
    import akinv

    paths: list[str] = list(args.paths)
    if args.demo:
        paths.extend(demo_paths())
    if not paths:
        raise CommandError("give at least one PATH (or - for stdin, or --demo)")
    if args.summary and args.format == "json":
        raise CommandError("--summary is for text output; the JSON records hold every figure to add up")
    policy = load_policy(args.policy)
    results = _with_progress(
        akinv.scan(paths, threads=args.threads, schema=args.schema, policy=policy), paths
    )
    if args.format == "json":
        return _json(results, errors_only=args.errors_only)
    return _text(results, summary=args.summary, errors_only=args.errors_only)


def _json(results: Iterator[ScanResult], *, errors_only: bool) -> int:
    import msgspec

    from akinv.cli.records import record

    encode = msgspec.json.Encoder().encode
    out = sys.stdout.buffer
    status = EXIT_OK
    pending: list[bytes] = []
    for result in results:
        outcome = _exit_status(result)
        status = max(status, outcome)
        if errors_only and outcome == EXIT_OK:
            continue
        pending.append(encode(record(result)))
        if len(pending) == RECORDS_PER_WRITE:
            out.write(b"\n".join(pending) + b"\n")
            pending.clear()
    if pending:
        out.write(b"\n".join(pending) + b"\n")
    out.flush()
    return status


def _text(results: Iterator[ScanResult], *, summary: bool, errors_only: bool) -> int:
    from akinv.cli import render

    out = sys.stdout
    text = render.Text(render.width(), render.colour_wanted(out))
    tally = render.Tally()
    status = EXIT_OK
    listed = not summary or errors_only
    for result in results:
        outcome = _exit_status(result)
        status = max(status, outcome)
        tally.count(render.status_of(result))
        if summary and result.report is not None:
            tally.add(result.report)
        if listed and not (errors_only and outcome == EXIT_OK):
            render.write_lines(text.document(result), out)
    if summary:
        if errors_only:
            out.write("\n")
        render.write_lines(render.summary_lines(tally), out)
    else:
        render.write_lines([render.counts_line(tally)], out)
    out.flush()
    return status
