"""``akinv reserve`` and ``akinv match``: would a provider host an order, on which GPU, at what price.

ORDER is a price script's stdin, a GroupSpec or an SDL file (recognised by content); STATUS a provider
status document of any shape ``akinv check`` reads; STATUSES.jsonl one status per line, bare or as
``{"provider": ID, "status": {...}}`` (a bare one is named by its file and line).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from akinv.bidding import _core
from akinv.bidding.order import Order
from akinv.bidding.pricing import Pricing

__all__ = ["add_parser", "read_statuses"]

EXIT_OK, EXIT_NO, EXIT_UNREADABLE = 0, 1, 2
WIDTH = 80


def add_parser(subparsers: Any) -> None:
    """Register ``reserve`` and ``match`` on the ``akinv`` command's subparsers."""
    reserve = subparsers.add_parser(
        "reserve",
        help="place an order on one provider's inventory as the provider would",
        description="Exit status: 0 the order fits, 1 it does not, 2 an input cannot be read.",
    )
    reserve.add_argument(
        "order", metavar="ORDER", help="price script input, GroupSpec or SDL file (- for stdin)"
    )
    reserve.add_argument(
        "--inventory", required=True, metavar="STATUS", help="the provider's status document"
    )
    reserve.add_argument("--mode", choices=["provider", "exact"], default="provider")
    reserve.add_argument(
        "--wildcard",
        choices=["provider-order", "cheapest", "most-expensive"],
        default="provider-order",
        help="exact mode: which model a wildcard GPU takes",
    )
    reserve.add_argument(
        "--explain", action="store_true", help="show the nodes used and the quirks that applied"
    )
    _common(reserve)
    reserve.set_defaults(run=run_reserve)

    match = subparsers.add_parser(
        "match",
        help="which providers of a network snapshot could host an order, with which GPU and rate",
        description="Exit status: 0 some provider can host the order, 1 none can, 2 an input cannot be read.",
    )
    match.add_argument(
        "order", metavar="ORDER", help="price script input, GroupSpec or SDL file (- for stdin)"
    )
    match.add_argument("statuses", metavar="STATUSES.jsonl", help="one status document per line (.gz too)")
    match.add_argument("--threads", type=int, default=None, help="worker threads (default: all cores)")
    _common(match)
    match.set_defaults(run=run_match)


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--group", metavar="NAME", help="the placement group of an SDL or GroupSpec list")
    command.add_argument("--format", choices=["text", "json"], default="text")
    command.add_argument(
        "--price",
        action="store_true",
        help="also quote the generic price script's rate (PRICE_TARGET_* settings)",
    )
    command.add_argument(
        "--akt-usd", metavar="USD", help="the AKT price for uakt quotes (default: AKINV_AKT_USD)"
    )


def load_order(path: str, group: str | None) -> Order:
    data = sys.stdin.buffer.read() if path == "-" else _read(path)
    return Order.from_document(data, group=group)


def _read(path: str) -> bytes:
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as file:
            return file.read()
    with open(path, "rb") as file:
        return file.read()


def _pricing(args: argparse.Namespace) -> tuple[Pricing | None, str | None]:
    if not args.price:
        return None, None
    return Pricing.from_env(), args.akt_usd or os.environ.get("AKINV_AKT_USD")


class _Envelope(msgspec.Struct):
    provider: str
    status: msgspec.Raw


def read_statuses(path: str) -> Iterator[tuple[str, bytes]]:
    """``(provider id, status bytes)`` for each non-blank line of a JSON Lines file."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            keys = _top_keys(line)
            if keys is not None and {"provider", "status"} <= keys:
                envelope = msgspec.json.decode(line, type=_Envelope)
                yield envelope.provider, bytes(envelope.status)
            else:
                yield f"{path}:{number}", line.rstrip(b"\r\n")


def _top_keys(line: bytes) -> set[str] | None:
    try:
        return set(msgspec.json.decode(line, type=dict[str, msgspec.Raw]))
    except msgspec.DecodeError:
        return None


def run_reserve(args: argparse.Namespace) -> int:
    order = load_order(args.order, args.group)
    pricing, akt = _pricing(args)
    inventory = _core.inventory_from_status(_read(args.inventory))
    reservation = inventory.reserve(
        order.core,
        mode=args.mode,
        wildcard=args.wildcard,
        pricing=pricing.core if pricing else None,
        akt_usd=akt,
        dry_run=True,
    )
    if args.format == "json":
        print(json.dumps(_reservation_record(order, reservation), ensure_ascii=False))
    else:
        _print_reservation(order, reservation, explain=args.explain)
    return EXIT_OK if reservation.ok else EXIT_NO


def run_match(args: argparse.Namespace) -> int:
    order = load_order(args.order, args.group)
    pricing, akt = _pricing(args)
    items = list(read_statuses(args.statuses))
    inventories = _core.core().Inventories(items, threads=args.threads)
    matches = inventories.match(order.core, pricing=pricing.core if pricing else None, akt_usd=akt)
    if args.format == "json":
        for found in matches:
            print(json.dumps(_match_record(found), ensure_ascii=False))
    else:
        _print_matches(order, matches)
    return EXIT_OK if any(found.ok for found in matches) else EXIT_NO


def _plain(value: Any) -> Any:
    """A core result as JSON-ready data (``to_dict()`` when it has one)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _quote_record(quote: _core.QuoteCore | None) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {
        "exit_code": quote.exit_code,
        "rate": quote.rate,
        "denom": quote.denom,
        "stderr": quote.stderr,
        "usd_per_month": quote.usd_per_month,
        "breakdown": quote.breakdown,
        "gpus": _plain(quote.gpus),
    }


def _reservation_record(order: Order, reservation: _core.ReservationCore) -> dict[str, Any]:
    return {
        "order": order.name,
        "source": order.source,
        "ok": reservation.ok,
        "units": _plain(list(reservation.units)),
        "no_fit": _plain(reservation.no_fit),
        "quirks": list(reservation.quirks),
        "quote": _quote_record(reservation.quote),
        "findings": [finding.to_dict() for finding in order.findings],
    }


def _match_record(found: _core.MatchCore) -> dict[str, Any]:
    return {
        "provider": found.provider,
        "ok": found.ok,
        "gpu": _plain(found.gpu),
        "rate": found.rate,
        "reason": found.reason,
        "error": found.error,
    }


def _console() -> Any:
    from rich.console import Console

    width = min(Console().width, WIDTH) if sys.stdout.isatty() else WIDTH
    return Console(width=width, highlight=False)


def _gpu_text(gpu: Any) -> str:
    """(vendor, model, memory size, interface) as ``nvidia a100 80Gi sxm``."""
    if gpu is None:
        return "-"
    if isinstance(gpu, tuple | list):
        return " ".join(str(part) for part in gpu if part)
    return str(gpu)


def _print_findings(console: Any, order: Order) -> None:
    from rich.markup import escape

    for finding in order.findings:
        console.print(f"[yellow]finding[/] {finding.code}: {escape(finding.message)}")


def _print_reservation(order: Order, reservation: _core.ReservationCore, *, explain: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    title = f"order {order.name or order.source}: {len(order.units)} units"
    if reservation.ok:
        console.print(f"[bold green]FITS[/] {escape(title)}")
    else:
        console.print(f"[bold red]NO FIT[/] {escape(title)}: {escape(str(_plain(reservation.no_fit)))}")
    _print_findings(console, order)
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for column in ("unit", "count", "gpu", "nodes"):
        table.add_column(column, overflow="fold")
    names = {unit.id: unit.name for unit in order.units}
    for unit in reservation.units:
        record = _plain(unit)
        unit_id = record.get("id") if isinstance(record, dict) else None
        nodes = record.get("nodes", []) if isinstance(record, dict) else []
        placed = ", ".join(
            f"{n.get('node', n)} x{n.get('replicas', '')}" if isinstance(n, dict) else str(n) for n in nodes
        )
        table.add_row(
            escape(names[unit_id] if isinstance(unit_id, int) and unit_id in names else str(unit_id)),
            str(record.get("count", "")) if isinstance(record, dict) else "",
            escape(_gpu_text(record.get("gpu") if isinstance(record, dict) else None)),
            escape(placed if explain else placed.split(", ")[0] + (" ..." if ", " in placed else "")),
        )
    console.print(table)
    if explain:
        for quirk in reservation.quirks:
            console.print(f"[yellow]quirk[/] {escape(quirk)}")
    quote = reservation.quote
    if quote is not None:
        rate = f"{quote.rate}{quote.denom}" if quote.rate is not None else escape(quote.stderr)
        console.print(f"rate per block: {rate} (USD/month {quote.usd_per_month})")
        if explain:
            for name, usd in quote.breakdown.items():
                console.print(f"  {escape(name)}: {usd} USD/month")
            for gpu in quote.gpus:
                console.print(f"  gpu {escape(str(gpu))}")


def _print_matches(order: Order, matches: Sequence[_core.MatchCore]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    _print_findings(console, order)
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column("provider", overflow="fold", max_width=30)
    table.add_column("fits")
    table.add_column("gpu", overflow="fold")
    table.add_column("rate", justify="right")
    table.add_column("why not", overflow="fold")
    for found in matches:
        why = found.error or found.reason or ""
        table.add_row(
            escape(found.provider),
            "[green]yes[/]" if found.ok else "[red]no[/]",
            escape(_gpu_text(found.gpu)),
            escape(found.rate or "-"),
            escape(why),
        )
    console.print(table)
    hosting = sum(1 for found in matches if found.ok)
    console.print(
        f"{hosting} of {len(matches)} providers can host order {escape(order.name or order.source)}"
    )
