"""``akinv index``: poll every provider, store each snapshot, track anomalies; rounds on a schedule.

The package's other modules are the indexer's other commands (``ingest``, ``gpus``, ``anomalies``)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from akinv.cli.options import EXIT_OK, CommandError
from akinv.index.cli.common import (
    EXIT_INTERRUPTED,
    byte_size,
    database,
    duration,
    err,
    interruptible,
    open_tracker,
    tracking,
)

if TYPE_CHECKING:
    from akinv.index.fetch import FetchOptions, FetchResult
    from akinv.index.indexer import RoundSummary
    from akinv.index.tracker import Tracker

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    index = subparsers.add_parser(
        "index",
        help="poll providers' status, store snapshots, track anomalies",
        description="Fetch every provider in FILE (one status URL, host URI or host a line), store each "
        "snapshot and track anomalies. Without --every, one round. Ctrl-C ends a round with what was "
        "fetched stored (exit 130).",
    )
    index.add_argument("--providers", required=True, metavar="FILE", help="provider status URLs, one a line")
    database(index)
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
    tracking(index)
    index.set_defaults(run=interruptible("index", _run))
    return index


def _run(args: argparse.Namespace) -> int:
    from akinv.cli.options import load_policy
    from akinv.index.fetch import FetchOptions

    if args.rounds is not None and args.rounds < 1:
        raise CommandError("--rounds must be at least 1")
    options = FetchOptions(
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
        max_bytes=args.max_bytes,
        verify=args.verify,
        policy=load_policy(args.policy),
    )
    Path(args.providers).read_text(encoding="utf-8")  # unreadable: say so before connecting
    tracker = open_tracker(args)
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
            err(
                f"akinv index: interrupted; round {number} stored {summary.stored:,} of "
                f"{summary.providers:,} providers' snapshots"
            )
            return EXIT_INTERRUPTED
        err(_round_line(number, summary))
        if args.every is None or args.rounds is not None and number >= args.rounds:
            return EXIT_OK
        wait = began + args.every - time.monotonic()
        if wait <= 0:
            err(f"akinv index: round {number} took longer than --every; the next one starts now")
            continue
        try:
            await asyncio.wait_for(stop.wait(), wait)
        except asyncio.TimeoutError:
            continue
        err(f"akinv index: interrupted between rounds; {number} rounds stored")
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
        self._print: Callable[[str], None] = err

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
