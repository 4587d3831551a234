"""``akinv gpus``: GPU availability from each provider's latest snapshot, and who is listed apart."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from akinv.cli.options import EXIT_OK
from akinv.index.cli.common import database, interruptible, open_reader

if TYPE_CHECKING:
    from akinv.index.views import GpuRow

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    gpus = subparsers.add_parser("gpus", help="GPU availability from each provider's latest snapshot")
    database(gpus)
    gpus.add_argument("--format", choices=["text", "json"], default="text")
    gpus.add_argument("--per-provider", action="store_true", help="also each provider's GPUs (text)")
    gpus.set_defaults(run=interruptible("gpus", _run))
    return gpus


def _run(args: argparse.Namespace) -> int:
    from akinv.index.views import gpu_availability

    with open_reader(args) as store:
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
    _legend(console, network.gpus)
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


def _legend(console: Any, rows: list[GpuRow]) -> None:
    """What the marks on available counts mean, when a row has one."""
    if any(row.withheld for row in rows):
        console.print("* part withheld: an untrusted count (wrapped, over-allocated) adds 0 available")
    if any(row.saturated for row in rows):
        console.print("+ the sum reached 9,223,372,036,854,775,807 (int64) and stopped there")


def _gpu_table(rows: list[GpuRow], *, with_providers: bool) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    # One space between columns: the eight columns and their headers fit 80 columns whole.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for column in ("vendor", "model", "memory", "interface"):
        table.add_column(column, overflow="fold")
    numbers = (["providers"] if with_providers else []) + ["devices", "allocatable", "available"]
    for column in numbers:
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    for row in rows:
        values = ([row.providers] if with_providers else []) + [row.devices, row.allocatable, row.available]
        marks = ("*" if row.withheld else "") + ("+" if row.saturated else "")
        table.add_row(
            *(escape(text) or "-" for text in (row.vendor, row.model, row.memory_size, row.interface)),
            *(f"{value:,}" for value in values[:-1]),
            f"{values[-1]:,}{marks}",
        )
    return table
