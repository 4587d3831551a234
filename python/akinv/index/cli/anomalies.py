"""``akinv anomalies``: what the tracker holds, transient or persistent."""

from __future__ import annotations

import argparse
import json
import sys

from akinv.cli.options import EXIT_OK
from akinv.index.cli.common import database, interruptible, open_reader

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    anomalies = subparsers.add_parser("anomalies", help="anomalies over time: transient or persistent")
    database(anomalies)
    anomalies.add_argument("--persistent", action="store_true", help="only persistent ones")
    anomalies.add_argument("--ongoing", action="store_true", help="only those not ended")
    anomalies.add_argument("--provider", metavar="NAME", help="only this provider's")
    anomalies.add_argument("--format", choices=["text", "json"], default="text", help="json: one a line")
    anomalies.set_defaults(run=interruptible("anomalies", _run))
    return anomalies


def _run(args: argparse.Namespace) -> int:
    from akinv.index.tracker import Tracker

    with open_reader(args) as store:
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

    # Two lines an anomaly rather than a nine-column table: provider names and values are long,
    # and nothing is cut or folded at 80 columns.
    console = Console(highlight=False)
    style = {"persistent": "bold red", "open": "yellow", "transient": "green"}
    for a in found:
        where = escape(a.provider) + (f" / {escape(a.node)}" if a.node else "")
        code = a.code + (f" ({escape(a.resource)})" if a.resource else "")
        ended = "ongoing" if a.ended_at is None else f"to {a.ended_at:%Y-%m-%d %H:%M:%S}"
        snapshots = f"{a.snapshots:,} snapshot" + ("" if a.snapshots == 1 else "s")
        value = f", value {escape(a.value)}" if a.value else ""
        console.print(f"[{style.get(a.state, 'none')}]{a.state:<10}[/] {code}  {where}", overflow="fold")
        console.print(
            f"{'':<10} from {a.started_at:%Y-%m-%d %H:%M:%S} {ended}, {snapshots}{value}", overflow="fold"
        )
    counts = {state: sum(a.state == state for a in found) for state in ("open", "transient", "persistent")}
    console.print(
        f"{len(found):,} anomalies: {counts['persistent']:,} persistent, {counts['transient']:,} transient, "
        f"{counts['open']:,} open (not yet classified)"
    )
    return EXIT_OK
