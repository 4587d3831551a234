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
from typing import Any, cast

import msgspec

from akinv import _akinv
from akinv.bidding.order import Order
from akinv.bidding.pricing import Pricing
from akinv.cli.options import EXIT_FINDINGS, EXIT_OK, CommandError, threads
from akinv.io import MAX_DOCUMENT_BYTES, read_document

__all__ = ["add_match_parser", "add_reserve_parser", "gpu_text", "read_statuses"]

# 1: the order fits nowhere (the status `check` gives documents with findings).
EXIT_NO = EXIT_FINDINGS
WIDTH = 80


def add_reserve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """``akinv reserve`` (registered by ``akinv.cli.reserve``)."""
    reserve: argparse.ArgumentParser = subparsers.add_parser(
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
    return reserve


def add_match_parser(subparsers: Any) -> argparse.ArgumentParser:
    """``akinv match`` (registered by ``akinv.cli.match``)."""
    match: argparse.ArgumentParser = subparsers.add_parser(
        "match",
        help="which providers of a network snapshot could host an order, with which GPU and rate",
        description="Exit status: 0 some provider can host the order, 1 none can, 2 an input cannot be read.",
    )
    match.add_argument(
        "order", metavar="ORDER", help="price script input, GroupSpec or SDL file (- for stdin)"
    )
    match.add_argument("statuses", metavar="STATUSES.jsonl", help="one status document per line (.gz too)")
    match.add_argument(
        "--threads", type=threads, default=None, metavar="N", help="worker threads (default: all cores)"
    )
    _common(match)
    match.set_defaults(run=run_match)
    return match


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
    return Order.from_document(read_document(path), group=group)


def _pricing(args: argparse.Namespace) -> tuple[Pricing | None, str | None]:
    if not args.price:
        return None, None
    return Pricing.from_env(), args.akt_usd or os.environ.get("AKINV_AKT_USD")


def read_statuses(path: str) -> Iterator[tuple[str, bytes]]:
    """``(provider id, status bytes)`` for each non-blank line of a JSON Lines file."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    # One file is read, so its name alone labels a bare line and leaves the table its columns.
    name = os.path.basename(path)
    with opener(path, "rb") as file:
        number = 0
        # A line is read no further than the core would read a document (and a newline).
        while line := file.readline(MAX_DOCUMENT_BYTES + 2):
            number += 1
            line = line.rstrip(b"\r\n")
            if len(line) > MAX_DOCUMENT_BYTES:
                raise CommandError(f"{path}:{number}: longer than {MAX_DOCUMENT_BYTES:,} bytes; no status is")
            if line.strip():
                yield _provider_status(line, f"{name}:{number}", f"{path}:{number}")


def _provider_status(line: bytes, label: str, where: str) -> tuple[str, bytes]:
    """An envelope's provider and status, or the bare line under ``label``; read once, the status
    left as the bytes the core reads."""
    try:
        fields = msgspec.json.decode(line, type=dict[str, msgspec.Raw])
    except msgspec.DecodeError:
        return label, line  # not a JSON object: the core says what it is
    if "provider" not in fields or "status" not in fields:
        return label, line
    try:
        provider = msgspec.json.decode(fields["provider"], type=str)
    except msgspec.DecodeError as error:
        raise CommandError(f"{where}: provider: {error}") from None
    return provider, bytes(fields["status"])


def run_reserve(args: argparse.Namespace) -> int:
    order = load_order(args.order, args.group)
    pricing, akt = _pricing(args)
    inventory = _akinv.Inventory.from_status(read_document(args.inventory))
    reservation = inventory.reserve(
        order,
        mode=args.mode,
        wildcard=args.wildcard,
        pricing=pricing,
        akt_usd=akt,
        dry_run=True,
    )
    if args.format == "json":
        print(json.dumps(_reservation_record(order, reservation), ensure_ascii=False))
    else:
        _print_reservation(order, reservation, explain=args.explain, source=args.inventory)
    return EXIT_OK if reservation.ok else EXIT_NO


def run_match(args: argparse.Namespace) -> int:
    order = load_order(args.order, args.group)
    pricing, akt = _pricing(args)
    items = list(read_statuses(args.statuses))
    matches = _akinv.match(order, items, pricing=pricing, akt_usd=akt, threads=args.threads)
    if args.format == "json":
        for found in matches:
            print(json.dumps(_match_record(found), ensure_ascii=False))
    else:
        _print_matches(order, matches)
    return EXIT_OK if any(found.ok for found in matches) else EXIT_NO


def _as_quote(value: object) -> _akinv.Quote | ValueError | None:
    """A quote as the core puts it in its dicts: a Quote, a ValueError or None."""
    return cast("_akinv.Quote | ValueError | None", value)


def _quote_record(quote: _akinv.Quote | ValueError | None) -> dict[str, object] | None:
    if quote is None:
        return None
    if isinstance(quote, ValueError):
        return {"error": str(quote)}
    record = quote.to_dict()
    return record


def _reservation_record(order: Order, reservation: _akinv.Reservation) -> dict[str, object]:
    return {
        "order": order.name,
        "source": order.source,
        "ok": reservation.ok,
        "units": reservation.units,
        "no_fit": reservation.no_fit,
        "quirks": reservation.quirks,
        "notes": reservation.notes,
        "quote": _quote_record(reservation.quote),
        "options": [
            {**option, "quote": _quote_record(_as_quote(option.get("quote")))}
            for option in reservation.options
        ],
        "findings": [finding.to_dict() for finding in order.findings],
    }


def _match_record(found: _akinv.Match) -> dict[str, object]:
    return {
        "provider": found.provider,
        "ok": found.ok,
        "kind": found.kind,
        "gpus": found.gpus,
        "rate": found.rate,
        "reason": found.reason,
        "quote": _quote_record(found.quote),
    }


def _console() -> Any:
    from rich.console import Console

    width = min(Console().width, WIDTH) if sys.stdout.isatty() else WIDTH
    return Console(width=width, highlight=False, soft_wrap=False)


def gpu_text(gpu: Any) -> str:
    """A chosen device (dict or tuple of vendor, model, memory size, interface): ``h100 80Gi SXM5``."""
    if not gpu:
        return "-"
    if isinstance(gpu, dict):
        parts = [gpu.get("model"), gpu.get("memory_size"), gpu.get("interface")]
        vendor = gpu.get("vendor")
        if vendor and vendor != "nvidia":
            parts.insert(0, vendor)
        return " ".join(str(part) for part in parts if part) + (" ?" if gpu.get("uncertain") else "")
    return " ".join(str(part) for part in gpu[1:] if part)


def _print_findings(console: Any, order: Order) -> None:
    from rich.markup import escape

    for finding in order.findings:
        console.print(f"[yellow]finding[/] {finding.code}: {escape(finding.message)}")


def _print_reservation(order: Order, reservation: _akinv.Reservation, *, explain: bool, source: str) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    replicas = sum(unit.count for unit in order.units)
    title = escape(
        f"{order.name or order.source}: {_plural(len(order.units), 'unit')}, {_plural(replicas, 'replica')}"
    )
    if reservation.ok:
        console.print(f"[bold green]FITS[/] {title}")
    else:
        no_fit = reservation.no_fit or {}
        console.print(f"[bold red]NO FIT[/] {title} ({escape(str(no_fit.get('kind', '')))})")
        console.print(escape(str(no_fit.get("message", ""))))
    console.print(f"inventory: {escape(source)}")
    _print_findings(console, order)
    if reservation.ok:
        table = Table(
            box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True
        )
        table.add_column("unit", overflow="fold", max_width=24)
        table.add_column("replicas on nodes", overflow="fold")
        table.add_column("gpu", overflow="fold")
        if explain:
            table.add_column("allocated key", overflow="fold")
        for unit in reservation.units:
            nodes = unit.get("nodes") or []
            placed = ", ".join(f"{node} x{replicas}" for node, replicas in nodes)  # type: ignore[attr-defined]
            gpu = unit.get("gpu")
            row = [escape(str(unit.get("unit"))), escape(placed), escape(gpu_text(gpu))]
            if explain:
                row.append(escape(str(gpu.get("key", ""))) if isinstance(gpu, dict) else "-")
            table.add_row(*row)
        console.print(table)
    elif explain:
        no_fit = reservation.no_fit or {}
        for node, why in no_fit.get("nodes") or []:  # type: ignore[attr-defined]
            console.print(f"  {escape(str(node))}: {escape(str(why))}")
    if explain:
        for quirk in reservation.quirks:
            console.print(f"[yellow]quirk[/] {escape(quirk)}")
        for note in reservation.notes:
            console.print(f"[cyan]note[/] {escape(note)}")
    _print_quote(console, reservation.quote, explain=explain)
    for option in reservation.options:
        quote = _as_quote(option.get("quote"))
        rate = quote.rate if quote is not None and not isinstance(quote, ValueError) else None
        fits = "fits" if option.get("fits") else "does not fit"
        console.print(
            f"  option {escape(str(option.get('unit')))}: {escape(gpu_text(option.get('gpu')))} {fits}"
            + (f", {rate}" if rate else "")
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _print_quote(console: Any, quote: _akinv.Quote | ValueError | None, *, explain: bool) -> None:
    from rich.markup import escape

    if quote is None:
        return
    if isinstance(quote, ValueError):
        console.print(f"[red]no price[/]: {escape(str(quote))}")
        return
    if quote.exit_code != 0:
        console.print(f"[red]no bid[/]: {escape(quote.stderr)}")
    else:
        console.print(f"bid {quote.rate}{escape(quote.denom)} per block ({quote.usd_per_month} USD a month)")
    if explain:
        console.print("  USD a month:")
        for name, usd in quote.breakdown.items():
            if usd.strip("0.") != "":
                console.print(f"    {name:<10} {usd}")
        for line in quote.gpus:
            matched = line.get("matched") or "none, the catch-all (highest) price"
            console.print(
                f"  GPU key {escape(str(line.get('key')))}: mapping {escape(str(matched))}, {line.get('price')} USD"
            )


def _print_matches(order: Order, matches: Sequence[_akinv.Match]) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    _print_findings(console, order)
    denom = order.price.denom if order.price else ""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    table.add_column("provider", overflow="fold", max_width=32)
    table.add_column("fits")
    table.add_column("gpu", overflow="fold")
    table.add_column("rate", justify="right", overflow="fold")
    table.add_column("why not", overflow="fold")
    wants_gpus = any(unit.gpu_units for unit in order.units)
    reasons: list[tuple[str, str]] = []
    for found in matches:
        gpus = ", ".join(dict.fromkeys(gpu_text(gpu) for gpu in found.gpus))
        if not gpus:
            gpus = "unknown" if found.ok and wants_gpus else "-"
        quote = found.quote
        why = found.kind.replace("insufficient-", "no ") if not found.ok else ""
        if isinstance(quote, ValueError):
            why, detail = "no price", str(quote)
        elif quote is not None and quote.exit_code:
            why, detail = "no bid", quote.stderr
        else:
            detail = found.reason or ""
        if detail:
            reasons.append((found.provider, detail))
        table.add_row(
            escape(found.provider),
            "[green]yes[/]" if found.ok else "[red]no[/]",
            escape(gpus),
            escape(f"{found.rate}{denom}" if found.rate else "-"),
            escape(why),
        )
    console.print(table)
    hosting = sum(1 for found in matches if found.ok)
    console.print(f"{hosting} of {len(matches)} providers can host {escape(order.name or order.source)}")
    if wants_gpus and any(found.ok and not found.gpus for found in matches):
        console.print(
            "gpu unknown: the status lists no GPU devices (legacy), so GPUs were counted, not matched"
        )
    for provider, detail in reasons:
        console.print(f"[dim]{escape(provider)}[/]: {escape(detail)}")
