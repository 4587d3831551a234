"""The AKT price in USD for ``akinv-bid-price``: from ``AKINV_AKT_USD``, else a cache file refreshed at
most hourly from a URL, else a clear error.

As in the generic script: the price must read ``^[0-9]+([.][0-9]+)?$`` and lie in (0, 1,000,000]; the
default sources are DIA Data's Osmosis AKT quotation, then CoinGecko, with 3 s timeouts; a cache
younger than an hour is used as is, and an older one is kept when every source fails. Unlike the
script, an invalid answer from a source is skipped (the stale cache still serves) rather than fatal,
and when up to 32 scripts start together on a stale cache one of them refreshes it while the others
use the stale value. Standard library only, imported lazily: the common path reads one small file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence

__all__ = ["AktPriceError", "akt_usd", "check_price", "known_akt_usd", "price_from_body"]

SOURCES = (
    "https://api.diadata.org/v1/assetQuotation/Osmosis/"
    "ibc-C2CFB1C37C146CF95B0784FD518F8030FEFC76C5800105B1742FB65FFE65F873",
    "https://api.coingecko.com/api/v3/simple/price?ids=akash-network&vs_currencies=usd",
)
CACHE_PATH = "/tmp/akinv-aktprice.cache"
CACHE_SECONDS = 3600
TIMEOUT_SECONDS = 3.0
_DIGITS = frozenset("0123456789")


class AktPriceError(Exception):
    """No valid AKT price could be had; the message says what was tried."""


def check_price(text: str) -> str:
    """``text`` if it is a valid AKT price (the script's rule), else AktPriceError with its message."""
    whole, dot, fraction = text.partition(".")
    if not whole or not set(whole) <= _DIGITS or (dot and (not fraction or not set(fraction) <= _DIGITS)):
        raise AktPriceError(f"{text} is not an integer/floating number!")
    digits = whole.lstrip("0")
    positive = bool(digits) or fraction.strip("0") != ""
    at_most_a_million = len(digits) < 7 or (digits == "1000000" and fraction.strip("0") == "")
    if not (positive and at_most_a_million):
        raise AktPriceError(f"{text} is outside the permitted range (>0, <=1000000)")
    return text


def known_akt_usd(env: Mapping[str, str] = os.environ) -> str | None:
    """The AKT price without going to the network: ``AKINV_AKT_USD`` or a fresh cache, else None."""
    given = env.get("AKINV_AKT_USD")
    if given:
        return check_price(given.strip())
    return _read_cache(env.get("AKINV_AKT_PRICE_CACHE") or CACHE_PATH, max_age=CACHE_SECONDS)


def akt_usd(env: Mapping[str, str] = os.environ) -> str:
    """The AKT price: ``AKINV_AKT_USD``, the cache (``AKINV_AKT_PRICE_CACHE``) when fresh, the sources
    (``AKINV_AKT_PRICE_URL``, comma-separated, default DIA Data then CoinGecko), or the stale cache."""
    given = env.get("AKINV_AKT_USD")
    if given:
        return check_price(given.strip())
    path = env.get("AKINV_AKT_PRICE_CACHE") or CACHE_PATH
    fresh = _read_cache(path, max_age=CACHE_SECONDS)
    if fresh is not None:
        return fresh
    urls = [u.strip() for u in (env.get("AKINV_AKT_PRICE_URL") or ",".join(SOURCES)).split(",") if u.strip()]
    return _refresh(path, urls)


def _read_cache(path: str, *, max_age: float | None) -> str | None:
    try:
        if max_age is not None and time.time() - os.stat(path).st_mtime >= max_age:
            return None
        with open(path, encoding="utf-8") as file:
            return check_price(file.read().strip())
    except (OSError, UnicodeDecodeError, AktPriceError):
        return None


def _refresh(path: str, urls: Sequence[str]) -> str:
    import fcntl

    try:
        lock = open(f"{path}.lock", "a")  # noqa: SIM115 - held for the whole refresh
    except OSError:
        lock = None  # a read-only directory: refresh without coordination
    try:
        if lock is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # Another process refreshes: a stale price serves meanwhile, else wait for it.
                stale = _read_cache(path, max_age=None)
                if stale is not None:
                    return stale
                fcntl.flock(lock, fcntl.LOCK_EX)
                fresh = _read_cache(path, max_age=CACHE_SECONDS)
                if fresh is not None:
                    return fresh
        return _fetch(path, urls)
    finally:
        if lock is not None:
            lock.close()


def _fetch(path: str, urls: Sequence[str]) -> str:
    problems = []
    for url in urls:
        try:
            price = price_from_body(_get(url))
        except (OSError, ValueError, AktPriceError) as error:
            problems.append(f"{url}: {error}")
            continue
        _write_cache(path, price)
        return price
    stale = _read_cache(path, max_age=None)
    if stale is not None:
        return stale
    tried = "; ".join(problems) or "no source configured"
    raise AktPriceError(f"no AKT price: AKINV_AKT_USD is not set, no cache at {path}, and {tried}")


def _get(url: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, headers={"accept": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        body: bytes = response.read(1 << 20)
        return body


def price_from_body(body: bytes) -> str:
    """The price in a source's answer, as written: DIA Data's ``{"Price": n}``, CoinGecko's
    ``{"akash-network": {"usd": n}}`` (the first entry), a bare JSON number, or plain text."""
    import json

    text = body.decode("utf-8").strip()
    try:
        document = json.loads(text, parse_float=str, parse_int=str)
    except ValueError:
        return check_price(text)
    if isinstance(document, dict) and "Price" in document:
        document = document["Price"]
    elif isinstance(document, dict) and document and isinstance(next(iter(document.values())), dict):
        document = next(iter(document.values())).get("usd")
    if not isinstance(document, str):
        raise AktPriceError(f"no price in the answer {text[:80]!r}")
    return check_price(document)


def _write_cache(path: str, price: str) -> None:
    """Write beside the cache and rename over it, so a reader never sees half a price."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(price + "\n")
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
