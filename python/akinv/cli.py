"""The `akinv` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import akinv
from akinv.errors import QuantityError


def _quantity(args: argparse.Namespace) -> int:
    try:
        values = akinv.parse_quantities(args.texts, milli=args.milli)
    except QuantityError as error:
        print(f"akinv: {error}", file=sys.stderr)
        return 2
    for text, value in zip(args.texts, values, strict=True):
        print(f"{text}\t{value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="akinv",
        description="Validate and sanitize Akash provider status documents, exactly.",
    )
    parser.add_argument("--version", action="version", version=f"akinv {akinv.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    quantity = commands.add_parser("quantity", help="print the exact integer value of quantities")
    quantity.add_argument("texts", nargs="+", metavar="QUANTITY")
    quantity.add_argument("--milli", action="store_true", help="thousandths, as MilliValue()")
    quantity.set_defaults(run=_quantity)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result
