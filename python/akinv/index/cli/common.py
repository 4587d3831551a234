"""What the indexer's commands share: durations and sizes as arguments, the database and tracking
options, opening the store, Ctrl-C as one line and status 130."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from akinv.index.store import Store
    from akinv.index.tracker import Tracker

EXIT_INTERRUPTED = 130
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


def interruptible(
    command: str, run: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    """Ctrl-C anywhere in a command (connecting, querying) ends it with one line and status 130."""

    def run_interruptible(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except KeyboardInterrupt:
            err(f"akinv {command}: interrupted")
            return EXIT_INTERRUPTED

    return run_interruptible


def database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="sqlite:///PATH or postgresql://... (default: akinv.db here)",
    )


def tracking(parser: argparse.ArgumentParser) -> None:
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


def open_tracker(args: argparse.Namespace, *, create: bool = True) -> Tracker:
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


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_reader(args: argparse.Namespace) -> Store:
    from akinv.index.store import connect

    return connect(args.db, create=False)
