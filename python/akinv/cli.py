"""The `akinv` command line: check, sanitize, quantity."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import akinv
from akinv.doctor.cli import add_parser as add_doctor_parser
from akinv.errors import AkinvError, PayloadError, QuantityError
from akinv.files import ScanResult

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
RESOURCES = ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes")
# Inputs at least this large get a progress bar on a terminal.
PROGRESS_BYTES = 4 << 20


def load_policy(path: str | None) -> akinv.Policy | None:
    """A policy file is JSON (or TOML by suffix) holding akinv.Policy's keyword arguments."""
    if path is None:
        return None
    text = Path(path).read_text(encoding="utf-8")
    data: dict[str, Any]
    if path.endswith(".toml"):
        import tomllib

        data = tomllib.loads(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise AkinvError(f"policy file {path} must hold an object")
    try:
        return akinv.Policy(**data)
    except TypeError as error:
        raise AkinvError(f"policy file {path}: {error}") from error


def demo_paths() -> list[str]:
    """The sample documents shipped in the package, clean and broken."""
    samples = resources.files("akinv") / "samples"
    return sorted(str(p) for p in samples.iterdir() if p.name.endswith(".json"))


def _source(result: ScanResult) -> str:
    name = result.source if result.source != "-" else "<stdin>"
    return f"{name}:{result.line}" if result.line is not None else name


def result_record(result: ScanResult) -> dict[str, Any]:
    """The JSON Lines record of one document."""
    record: dict[str, Any] = {"source": result.source, "line": result.line}
    if result.report is None:
        error = result.error
        record.update(
            schema=None,
            ok=False,
            error={
                "message": error.message if error else "unreadable",
                "line": error.line if error else None,
                "column": error.column if error else None,
            },
            findings=[],
            totals=None,
        )
        return record
    report = result.report
    record.update(
        schema=report.schema,
        ok=report.ok,
        error=None,
        findings=[f.to_dict() for f in report.findings],
        totals=report.totals.to_dict(),
    )
    return record


def _print_text(result: ScanResult, console: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    source = _source(result)
    if result.report is None:
        message = result.error.message if result.error else ""
        console.print(f"[bold red]UNREADABLE[/] {escape(source)}: {escape(message)}")
        return
    report = result.report
    status = "[bold green]OK[/]" if report.ok else "[bold red]ERRORS[/]"
    ready = "" if report.inventory_ready else " (inventory not ready)"
    console.print(f"{status} {escape(source)}  schema={report.schema}  nodes={len(report.nodes)}{ready}")
    if report.findings:
        table = Table(show_edge=False, pad_edge=False)
        for column in ("severity", "code", "node", "path", "value", "message"):
            table.add_column(column, overflow="fold")
        for finding in report.findings:
            colour = "red" if finding.severity == "error" else "yellow"
            table.add_row(
                f"[{colour}]{finding.severity}[/]",
                finding.code,
                escape(finding.node or ""),
                escape(finding.path),
                escape("" if finding.value is None else str(finding.value)),
                escape(finding.message),
            )
        console.print(table)
    totals = Table(show_edge=False, pad_edge=False, title=None)
    for column in ("resource", "allocatable", "allocated", "available"):
        totals.add_column(column, justify="right" if column != "resource" else "left")
    for name in RESOURCES:
        usage = getattr(report.totals, name)
        totals.add_row(name, f"{usage.allocatable:,}", f"{usage.allocated:,}", f"{usage.available:,}")
    for storage_class, usage in report.totals.storage.items():
        totals.add_row(
            escape(f"storage[{storage_class}]"),
            f"{usage.allocatable:,}",
            f"{usage.allocated:,}",
            f"{usage.available:,}",
        )
    console.print(totals)
    console.print()


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


def _check(args: argparse.Namespace) -> int:
    paths: list[str] = list(args.paths)
    if args.demo:
        paths.extend(demo_paths())
    if not paths:
        print("akinv check: give at least one PATH (or - for stdin, or --demo)", file=sys.stderr)
        return EXIT_UNREADABLE
    policy = load_policy(args.policy)
    results = akinv.scan(paths, threads=args.threads, schema=args.schema, policy=policy)
    exit_code = EXIT_OK
    console = None
    if args.format == "text":
        from rich.console import Console

        console = Console()
    counts = {"documents": 0, "ok": 0, "errors": 0, "unreadable": 0}
    for result in _with_progress(results, paths):
        counts["documents"] += 1
        if result.report is None:
            counts["unreadable"] += 1
            exit_code = EXIT_UNREADABLE
        elif result.report.ok:
            counts["ok"] += 1
        else:
            counts["errors"] += 1
            exit_code = max(exit_code, EXIT_FINDINGS)
        if console is None:
            sys.stdout.write(json.dumps(result_record(result), ensure_ascii=False) + "\n")
        else:
            _print_text(result, console)
    if console is not None:
        console.print(
            f"{counts['documents']} documents: {counts['ok']} ok, {counts['errors']} with errors, "
            f"{counts['unreadable']} unreadable"
        )
    return exit_code


def _sanitize(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    summary = akinv.sanitize_file(
        args.path, args.output, threads=args.threads, schema=args.schema, policy=policy
    )
    reasons = ", ".join(f"{code}: {n}" for code, n in sorted(summary.reasons.items()))
    print(
        f"akinv sanitize: {summary.documents} documents, {summary.changed_documents} changed, "
        f"{summary.changes} changes" + (f" ({reasons})" if reasons else ""),
        file=sys.stderr,
    )
    for source, line, message in summary.errors:
        where = f"{source}:{line}" if line is not None else source
        print(f"akinv sanitize: {where}: copied unchanged, {message}", file=sys.stderr)
    return EXIT_UNREADABLE if summary.errors else EXIT_OK


def _quantity(args: argparse.Namespace) -> int:
    try:
        values = akinv.parse_quantities(args.texts, milli=args.milli)
    except QuantityError as error:
        print(f"akinv: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    for text, value in zip(args.texts, values, strict=True):
        print(f"{text}\t{value}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="akinv",
        description="Validate and sanitize Akash provider status documents, exactly.",
    )
    parser.add_argument("--version", action="version", version=f"akinv {akinv.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(command: argparse.ArgumentParser) -> None:
        command.add_argument("--policy", metavar="FILE", help="JSON or TOML file of akinv.Policy settings")
        command.add_argument("--schema", choices=["legacy", "v1", "inventory"], help="skip shape detection")
        command.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")

    check = commands.add_parser(
        "check",
        help="validate documents: JSON, JSON Lines, .gz, directories, - for stdin",
        description="Exit status: 0 all documents ok, 1 an error finding, 2 an input unreadable.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument(
        "--demo", action="store_true", help="also check the sample documents shipped with akinv"
    )
    common(check)
    check.set_defaults(run=_check)

    sanitize = commands.add_parser("sanitize", help="write a copy with every untrusted number replaced")
    sanitize.add_argument("path", metavar="PATH")
    sanitize.add_argument("-o", "--output", default="-", metavar="OUT", help="output file (default stdout)")
    common(sanitize)
    sanitize.set_defaults(run=_sanitize)

    quantity = commands.add_parser("quantity", help="print the exact integer value of quantities")
    quantity.add_argument("texts", nargs="+", metavar="QUANTITY")
    quantity.add_argument("--milli", action="store_true", help="thousandths, as MilliValue()")
    quantity.set_defaults(run=_quantity)
    add_doctor_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except BrokenPipeError:
        # `akinv check ... | head` is a normal way to read the output.
        return EXIT_OK
    except (AkinvError, OSError, ValueError) as error:
        message = error.message if isinstance(error, PayloadError) else str(error)
        print(f"akinv: {message}", file=sys.stderr)
        return EXIT_UNREADABLE
    return result
