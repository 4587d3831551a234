"""``akinv-bid-price``: a drop-in for the provider's generic bid price script.

Reads the order the provider writes on stdin and answers as ``price_script_generic.sh`` does: the
rate per block on stdout; for a rate above the order's maximum, an unsupported denom or a ``price``
that is not an object, the script's message on stderr and exit status 1. The arithmetic is the Rust
core's, which reproduces the script's to the last printed decimal.

Settings are the script's (``PRICE_TARGET_*``, ``WHITELIST_URL``, ``AKASH_OWNER``); the AKT price
comes from ``AKINV_AKT_USD``, else ``akinv.bidding.aktprice``'s hourly cache. With ``--inventory
STATUS`` (or ``AKINV_INVENTORY``), an order whose GPU model is a wildcard (``*``) or that names several
vendors is first reserved against that provider status document as the provider would, and priced at
the model it would allocate; when the provider could not host it, no price: exit 1 and the reason. An
order with concrete models is priced as it is, since the status a provider serves already counts the
reservation made for it.

The provider runs up to 32 of these at once under a 10 s timeout, so the start path imports only
``os``, ``sys`` and the compiled core.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

__all__ = ["main"]

USAGE = """usage: akinv-bid-price [--inventory STATUS]

Reads an Akash provider's bid price script input on stdin and prints the price per block, as the
generic price script (price_script_generic.sh) does, with its PRICE_TARGET_* settings.

  --inventory STATUS  resolve a wildcard GPU model against this provider status document first
                      (also AKINV_INVENTORY); no bid (exit 1) when the provider could not host it

AKT price: AKINV_AKT_USD, else a cache (AKINV_AKT_PRICE_CACHE, default /tmp/akinv-aktprice.cache)
refreshed at most hourly from AKINV_AKT_PRICE_URL (default: DIA Data, then CoinGecko).
"""


class _Refused(Exception):
    """No price: the message goes to stderr and the exit status is 1."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    env = os.environ
    inventory = env.get("AKINV_INVENTORY") or None
    while arguments:
        argument = arguments.pop(0)
        if argument in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        if argument == "--version":
            from akinv._akinv import __version__

            sys.stdout.write(f"akinv-bid-price {__version__}\n")
            return 0
        if argument == "--inventory" and arguments:
            inventory = arguments.pop(0)
        elif argument.startswith("--inventory="):
            inventory = argument.partition("=")[2]
        else:
            sys.stderr.write(f"akinv-bid-price: unknown argument {argument!r}\n{USAGE}")
            return 2
    stdin = sys.stdin.buffer.read()
    try:
        stdout, stderr, status = answer(stdin, env, inventory)
    except _Refused as refusal:
        stdout, stderr, status = "", str(refusal), 1
    sys.stdout.write(stdout)
    sys.stdout.flush()
    sys.stderr.write(stderr)
    return status


def answer(stdin: bytes, env: Mapping[str, str], inventory: str | None = None) -> tuple[str, str, int]:
    """What to print on stdout and stderr, and the exit status, for one stdin document."""
    if env.get("WHITELIST_URL"):
        from akinv.bidding.whitelist import is_whitelisted

        owner = env.get("AKASH_OWNER", "")
        if not is_whitelisted(owner, env["WHITELIST_URL"], env):
            return "", f"{owner} is not whitelisted", 1
    from akinv import _akinv
    from akinv.bidding import aktprice
    from akinv.bidding.settings import settings_from_env

    pricing = _akinv.Pricing(**settings_from_env(env))
    if inventory is not None:
        stdin = _resolved(stdin, inventory)
    try:
        akt = aktprice.known_akt_usd(env)
        try:
            quote = pricing.quote_script_input(stdin, akt_usd=akt)
        except ValueError as error:
            if akt is not None or "AKT price" not in str(error):
                raise
            # Only a uakt order needs the AKT price; fetch it now, as the script would.
            quote = pricing.quote_script_input(stdin, akt_usd=aktprice.akt_usd(env))
    except aktprice.AktPriceError as error:
        raise _Refused(str(error)) from None
    except ValueError as error:
        raise _Refused(f"akinv-bid-price: {error}") from None
    if env.get("DEBUG_BID_SCRIPT"):
        # The generic script prints these on stdout, which breaks the provider's parse (support#296).
        sys.stderr.write(f"DEBUG: usd/month {quote.usd_per_month} {quote.breakdown} gpus {quote.gpus}\n")
    return quote.stdout, quote.stderr, quote.exit_code


def _resolved(stdin: bytes, inventory: str) -> bytes:
    """The order as the provider would allocate it on ``inventory``, when its GPU model is open."""
    from akinv import _akinv
    from akinv.bidding.order import Order
    from akinv.errors import AkinvError

    try:
        order = Order.from_script_input(stdin)
    except AkinvError as error:
        raise _Refused(f"akinv-bid-price: the order cannot be read: {error}") from None
    if not any(_open_gpu(unit.gpu_attributes) for unit in order.units):
        return stdin
    try:
        with open(inventory, "rb") as file:
            status = file.read()
        reservation = _akinv.Inventory.from_status(status).reserve(order, mode="provider")
    except (OSError, ValueError) as error:
        raise _Refused(f"akinv-bid-price: inventory {inventory}: {error}") from None
    allocated = reservation.allocated_script_input()
    if not reservation.ok or allocated is None:
        why = (reservation.no_fit or {}).get("message", "nothing fits")
        raise _Refused(f"no bid: the provider cannot host this order: {why}")
    return allocated


def _open_gpu(keys: Sequence[str]) -> bool:
    """A wildcard model, or a choice between several vendors or models."""
    return len(keys) > 1 or any(key.split("/")[3:4] == ["*"] for key in keys)


if __name__ == "__main__":
    sys.exit(main())
