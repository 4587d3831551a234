"""`akinv quantity`: the exact integer value of Kubernetes quantities."""

from __future__ import annotations

import argparse
import sys

from akinv.cli.options import EXIT_OK, EXIT_UNREADABLE


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    quantity = subparsers.add_parser(
        "quantity",
        help="print the exact integer value of quantities",
        description="Prints each QUANTITY and its value, one a line; a bad one is named on stderr "
        "and the others are still printed (exit status 2 if any is bad).",
    )
    quantity.add_argument("texts", nargs="+", metavar="QUANTITY")
    quantity.add_argument("--milli", action="store_true", help="thousandths, as MilliValue()")
    quantity.set_defaults(run=run)
    return quantity


def run(args: argparse.Namespace) -> int:
    import akinv

    status = EXIT_OK
    texts: list[str] = args.texts
    for position, text in enumerate(texts, start=1):
        try:
            value = akinv.parse_quantity(text, milli=args.milli)
        except akinv.QuantityError as error:
            where = f"QUANTITY {position} of {len(texts)}" if len(texts) > 1 else "QUANTITY"
            print(f"akinv quantity: {where}: {error}", file=sys.stderr)
            status = EXIT_UNREADABLE
            continue
        print(f"{text}\t{value}")
    return status
