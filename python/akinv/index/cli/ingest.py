"""``akinv ingest``: archives of status documents through the validator and tracker."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from akinv.cli.options import EXIT_OK, EXIT_UNREADABLE
from akinv.index.cli.common import EXIT_INTERRUPTED, database, err, interruptible, open_tracker, tracking

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    ingest = subparsers.add_parser(
        "ingest",
        help="load archived status documents through the validator and tracker",
        description="Archives as check reads them: JSON, JSON Lines, .gz, directories, - for stdin. A "
        "document's provider is its address, else its first public hostname, else its file; its time "
        "is its file's modification time. Ingesting a file twice adds nothing.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    database(ingest)
    ingest.add_argument("--provider", metavar="NAME", help="the provider of every document")
    ingest.add_argument(
        "--workers", type=int, metavar="N", help="processes (default: all cores for big inputs)"
    )
    ingest.add_argument("--threads", type=int, default=None, help="core threads when one process")
    ingest.add_argument("--schema", choices=["legacy", "v1", "inventory"], help="skip shape detection")
    ingest.add_argument("--policy", metavar="FILE", help="JSON or TOML file of akinv.Policy settings")
    tracking(ingest)
    ingest.set_defaults(run=interruptible("ingest", _run))
    return ingest


def _run(args: argparse.Namespace) -> int:
    from akinv.cli.options import load_policy
    from akinv.index.ingest import IngestSummary, ingest

    policy = load_policy(args.policy)
    tracker = open_tracker(args)
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
        err(f"akinv ingest: interrupted; {stored[0]:,} documents recorded")
        return EXIT_INTERRUPTED
    finally:
        tracker.store.close()
    for source, line, message in summary.errors:
        where = source if line is None else f"{source}:{line}"
        err(f"akinv ingest: {where}: {message}")
    err(
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
