"""The indexer's subcommands: ``index``, ``ingest``, ``gpus`` and ``anomalies``.

``add_parser(subparsers)`` registers them; each sets ``run``. Imports beyond the standard library
happen when a command runs, so ``akinv --help`` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from akinv.index.fetch import FetchOptions, FetchResult
    from akinv.index.indexer import RoundSummary
    from akinv.index.store import Store
    from akinv.index.tracker import Tracker
    from akinv.index.views import GpuRow

__all__ = ["add_parser"]

EXIT_OK, EXIT_UNREADABLE, EXIT_INTERRUPTED = 0, 2, 130
DEFAULT_DB = "sqlite:///akinv.db"
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration(text: str) -> float:
    """Seconds from ``60s``, ``1.5m``, ``500ms``, ``2h``, ``1d`` or a plain number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d)?\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 60s, 5m, 500ms)")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def byte_size(text: str) -> int:
    """Bytes from a Kubernetes quantity (``64Mi``, ``1G``) or a plain integer."""
    import akinv

    try:
        value = akinv.parse_quantity(text.strip())
    except akinv.QuantityError as error:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 64Mi): {error}") from error
    if not 0 <= value <= (1 << 63) - 1:
        raise argparse.ArgumentTypeError(f"size out of range: {text!r} (0 to 2^63 - 1 bytes)")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``index``, ``ingest``, ``gpus`` and ``anomalies``."""
    index = subparsers.add_parser(
        "index",
        help="poll providers' status, store snapshots, track anomalies",
        description="Fetch every provider in FILE (one status URL, host URI or host a line), store each "
        "snapshot and track anomalies. Without --every, one round. Ctrl-C ends a round with what was "
        "fetched stored (exit 130).",
    )
    index.add_argument("--providers", required=True, metavar="FILE", help="provider status URLs, one a line")
    _database(index)
    index.add_argument("--every", type=duration, metavar="DURATION", help="start a round this often (60s)")
    index.add_argument("--rounds", type=int, metavar="N", help="stop after N rounds")
    index.add_argument("--concurrency", type=int, default=256, help="requests in flight (256)")
    index.add_argument("--timeout", type=duration, default=10.0, help="per request, body included (10s)")
    index.add_argument("--retries", type=int, default=2, help="retries of fast failures (2)")
    index.add_argument(
        "--max-bytes", type=byte_size, default=64 << 20, metavar="SIZE", help="largest body read (64Mi)"
    )
    index.add_argument(
        "--verify",
        nargs="?",
        const=True,
        default=False,
        metavar="CA_FILE",
        help="verify TLS certificates (against CA_FILE if given); providers' are self-signed",
    )
    index.add_argument("--policy", metavar="FILE", help="JSON or TOML file of akinv.Policy settings")
    index.add_argument("--quiet", action="store_true", help="no line per failed provider")
    _tracking(index)
    index.set_defaults(run=_interruptible("index", _index))

    ingest = subparsers.add_parser(
        "ingest",
        help="load archived status documents through the validator and tracker",
        description="Archives as check reads them: JSON, JSON Lines, .gz, directories, - for stdin. A "
        "document's provider is its address, else its first public hostname, else its file; its time "
        "is its file's modification time. Ingesting a file twice adds nothing.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    _database(ingest)
    ingest.add_argument("--provider", metavar="NAME", help="the provider of every document")
    ingest.add_argument(
        "--workers", type=int, metavar="N", help="processes (default: all cores for big inputs)"
    )
    ingest.add_argument("--threads", type=int, default=None, help="core threads when one process")
    ingest.add_argument("--schema", choices=["legacy", "v1", "inventory"], help="skip shape detection")
    ingest.add_argument("--policy", metavar="FILE", help="JSON or TOML file of akinv.Policy settings")
    _tracking(ingest)
    ingest.set_defaults(run=_interruptible("ingest", _ingest))

    gpus = subparsers.add_parser("gpus", help="GPU availability from each provider's latest snapshot")
    _database(gpus)
    gpus.add_argument("--format", choices=["text", "json"], default="text")
    gpus.add_argument("--per-provider", action="store_true", help="also each provider's GPUs (text)")
    gpus.set_defaults(run=_interruptible("gpus", _gpus))

    anomalies = subparsers.add_parser("anomalies", help="anomalies over time: transient or persistent")
    _database(anomalies)
    anomalies.add_argument("--persistent", action="store_true", help="only persistent ones")
    anomalies.add_argument("--ongoing", action="store_true", help="only those not ended")
    anomalies.add_argument("--provider", metavar="NAME", help="only this provider's")
    anomalies.add_argument("--format", choices=["text", "json"], default="text", help="json: one a line")
    anomalies.set_defaults(run=_interruptible("anomalies", _anomalies))


def _interruptible(
    command: str, run: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    """Ctrl-C anywhere in a command (connecting, querying) ends it with one line and status 130."""

    def interruptible(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except KeyboardInterrupt:
            _err(f"akinv {command}: interrupted")
            return EXIT_INTERRUPTED

    return interruptible


def _database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="sqlite:///PATH or postgresql://... (default: akinv.db here)",
    )


def _tracking(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--transient-snapshots",
        type=int,
        default=3,
        metavar="N",
        help="an anomaly cleared within N snapshots is transient (3)",
    )
    parser.add_argument(
        "--transient-seconds",
        type=duration,
        default=300.0,
        metavar="DURATION",
        help="... or within this long (300s)",
    )


def _tracker(args: argparse.Namespace, *, create: bool = True) -> Tracker:
    from akinv.index.store import connect
    from akinv.index.tracker import Tracker

    store = connect(args.db, create=create)
    try:
        return Tracker(
            store,
            transient_snapshots=getattr(args, "transient_snapshots", 3),
            transient_seconds=getattr(args, "transient_seconds", 300.0),
        )
    except ValueError:
        store.close()
        raise


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _index(args: argparse.Namespace) -> int:
    from akinv.cli.options import load_policy
    from akinv.index.fetch import FetchOptions

    if args.rounds is not None and args.rounds < 1:
        raise ValueError("--rounds must be at least 1")
    options = FetchOptions(
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        max_bytes=args.max_bytes,
        verify=args.verify,
        policy=load_policy(args.policy),
    )
    Path(args.providers).read_text(encoding="utf-8")  # unreadable: say so before connecting
    tracker = _tracker(args)
    try:
        return asyncio.run(_rounds(args, tracker, options))
    finally:
        tracker.store.close()


async def _rounds(args: argparse.Namespace, tracker: Tracker, options: FetchOptions) -> int:
    from akinv.index.indexer import read_providers, run_round

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
        pass
    number = 0
    while True:
        number += 1
        began = time.monotonic()
        urls = read_providers(Path(args.providers).read_text(encoding="utf-8"))
        with _RoundProgress(number, len(urls), args.quiet) as progress:
            summary = await run_round(urls, tracker, options, stop=stop, on_result=progress.result)
        if summary.interrupted or stop.is_set():
            _err(
                f"akinv index: interrupted; round {number} stored {summary.stored:,} of "
                f"{summary.providers:,} providers' snapshots"
            )
            return EXIT_INTERRUPTED
        _err(_round_line(number, summary))
        if args.every is None or args.rounds is not None and number >= args.rounds:
            return EXIT_OK
        wait = began + args.every - time.monotonic()
        if wait <= 0:
            _err(f"akinv index: round {number} took longer than --every; the next one starts now")
            continue
        try:
            await asyncio.wait_for(stop.wait(), wait)
        except asyncio.TimeoutError:
            continue
        _err(f"akinv index: interrupted between rounds; {number} rounds stored")
        return EXIT_INTERRUPTED


def _round_line(number: int, summary: RoundSummary) -> str:
    failed = sum(summary.failed.values())
    reasons = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.failed.items()))
    return (
        f"akinv index: round {number}: {summary.providers:,} providers in {summary.elapsed:.1f} s: "
        f"{summary.ok:,} ok, {failed:,} failed" + (f" ({reasons})" if reasons else "") + f"; "
        f"{summary.stored:,} snapshots stored; anomalies {summary.opened:,} opened, {summary.ended:,} "
        f"ended, {summary.persistent:,} became persistent"
    )


class _RoundProgress:
    """A progress bar on a terminal (stderr) and a line per failed provider."""

    def __init__(self, number: int, total: int, quiet: bool) -> None:
        self.number, self.total, self.quiet = number, total, quiet
        self._progress: Any = None
        self._task: Any = None
        self._print: Callable[[str], None] = _err

    def __enter__(self) -> _RoundProgress:
        if sys.stderr.isatty() and self.total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            self._progress = Progress(
                TextColumn(f"round {self.number}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("fetch", total=self.total)
            self._print = lambda line: console.print(line, markup=False, highlight=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)

    def result(self, result: FetchResult) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)
        if not result.ok and not self.quiet:
            self._print(f"akinv index: {result.url}: {result.error}: {result.reason}")


def _ingest(args: argparse.Namespace) -> int:
    from akinv.cli.options import load_policy
    from akinv.index.ingest import IngestSummary, ingest

    policy = load_policy(args.policy)
    tracker = _tracker(args)
    stored = [0]
    summary: IngestSummary | None = None
    try:
        with _count_progress("documents") as advance:

            def progress(count: int) -> None:
                stored[0] += count
                advance(count)

            summary = ingest(
                args.paths,
                tracker,
                provider=args.provider,
                workers=args.workers,
                threads=args.threads,
                schema=args.schema,
                policy=policy,
                progress=progress,
            )
    except KeyboardInterrupt:
        _err(f"akinv ingest: interrupted; {stored[0]:,} documents recorded")
        return EXIT_INTERRUPTED
    finally:
        tracker.store.close()
    for source, line, message in summary.errors:
        where = source if line is None else f"{source}:{line}"
        _err(f"akinv ingest: {where}: {message}")
    _err(
        f"akinv ingest: {summary.documents:,} documents: {summary.stored:,} stored, "
        f"{summary.duplicates:,} already stored, {summary.unreadable:,} unreadable; anomalies "
        f"{summary.opened:,} opened, {summary.ended:,} ended, {summary.persistent:,} became persistent"
        + (
            f"; {summary.late:,} older than their provider's latest (stored, not tracked)"
            if summary.late
            else ""
        )
    )
    return EXIT_UNREADABLE if summary.unreadable else EXIT_OK


class _count_progress:
    """A spinner with a count on a terminal (stderr); a no-op elsewhere."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._progress: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty():
            return lambda count: None
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.completed:,} " + self.what),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._progress.__enter__()
        task = self._progress.add_task(self.what, total=None)
        progress = self._progress
        return lambda count: progress.advance(task, count)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)


def _reader(args: argparse.Namespace) -> Store:
    from akinv.index.store import connect

    return connect(args.db, create=False)


def _gpus(args: argparse.Namespace) -> int:
    from akinv.index.views import gpu_availability

    with _reader(args) as store:
        network = gpu_availability(store)
    if args.format == "json":
        print(json.dumps(network.to_dict(), ensure_ascii=False))
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    total = len(network.apart) + network.counted
    console.print(
        f"GPUs of {network.counted:,} providers (each provider's latest snapshot); "
        f"{len(network.apart):,} of {total:,} listed apart"
    )
    console.print(_gpu_table(network.gpus, with_providers=True))
    if args.per_provider:
        for provider in network.providers:
            console.print(f"{escape(provider.provider)}  (checked {provider.checked_at:%Y-%m-%d %H:%M:%S}Z)")
            console.print(_gpu_table(provider.gpus, with_providers=False))
    if network.apart:
        console.print("Apart (not counted above):")
        for apart in network.apart:
            when = f"{apart.checked_at:%Y-%m-%d %H:%M:%S}Z" if apart.checked_at else "never"
            if apart.reason == "failed":
                line = f"failed: {apart.error}: {apart.detail}"
            elif apart.reason == "inventory-not-ready":
                line = "inventory not ready"
            else:
                line = "persistent anomalies: " + "; ".join(apart.anomalies)
            console.print(f"  {escape(apart.provider)}  {escape(line)}  (checked {when})")
            if apart.gpus:
                console.print(_gpu_table(apart.gpus, with_providers=False))
    return EXIT_OK


def _gpu_table(rows: list[GpuRow], *, with_providers: bool) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for column in ("vendor", "model", "memory", "interface"):
        table.add_column(column)
    numbers = (["providers"] if with_providers else []) + ["devices", "allocatable", "available"]
    for column in numbers:
        table.add_column(column, justify="right")
    for row in rows:
        values = ([row.providers] if with_providers else []) + [row.devices, row.allocatable, row.available]
        marks = ("*" if row.withheld else "") + ("+" if row.saturated else "")
        table.add_row(
            *(escape(text) or "-" for text in (row.vendor, row.model, row.memory_size, row.interface)),
            *(f"{value:,}" for value in values[:-1]),
            f"{values[-1]:,}{marks}",
        )
    return table


def _anomalies(args: argparse.Namespace) -> int:
    from akinv.index.tracker import Tracker

    with _reader(args) as store:
        found = Tracker(store).anomalies(
            state="persistent" if args.persistent else None,
            ongoing=True if args.ongoing else None,
            provider=args.provider,
        )
    if args.format == "json":
        for anomaly in found:
            sys.stdout.write(json.dumps(anomaly.to_dict(), ensure_ascii=False) + "\n")
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for column in ("provider", "node", "code", "resource", "state", "started", "ended", "snapshots", "value"):
        table.add_column(column, overflow="fold", justify="right" if column == "snapshots" else "left")
    for a in found:
        table.add_row(
            escape(a.provider),
            escape(a.node or ""),
            a.code,
            escape(a.resource or ""),
            a.state,
            f"{a.started_at:%Y-%m-%d %H:%M:%S}",
            "ongoing" if a.ended_at is None else f"{a.ended_at:%Y-%m-%d %H:%M:%S}",
            f"{a.snapshots:,}",
            escape(a.value or ""),
        )
    console = Console()
    console.print(table)
    counts = {state: sum(a.state == state for a in found) for state in ("open", "transient", "persistent")}
    console.print(
        f"{len(found):,} anomalies: {counts['persistent']:,} persistent, {counts['transient']:,} transient, "
        f"{counts['open']:,} open (not yet classified)"
    )
    return EXIT_OK
