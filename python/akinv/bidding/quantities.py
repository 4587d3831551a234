"""The Akash SDL's own quantity rules (chain-sdk ``go/sdl/units.go``), re-derived.

The Go SDL reads ``cpu.units``, ``memory.size``, ``storage.size`` and ``gpu...ram`` with
``strconv.ParseFloat``, multiplies by the unit in float64 and truncates to an integer. The chain holds
that integer, so this module computes it the same way (IEEE-754 doubles, as Python's ``float`` is), and
also the exact decimal value: when the two differ the order carries a finding saying so. Numbers are
plain decimals only (no ``inf``, ``nan``, hexadecimal floats or underscores, which ParseFloat would
accept): anything else is refused, as are values outside the integer type the Go field has.

Suffixes (``unitSuffixes``): ``k M G T P E`` (powers of 1000) and ``Ki Mi Gi Ti Pi Ei`` (powers of
1024); ``K`` and ``m`` are not suffixes of sizes. GPU ``ram`` accepts the binary ones only and is
written back as a whole number of ``Gi`` (``81920Mi`` -> ``80Gi``). CPU is ``<n>m`` (a uint32 of
millicores) or a decimal number of cores.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import NamedTuple

__all__ = [
    "BYTE_SUFFIXES",
    "MEMORY_SUFFIXES",
    "Quantity",
    "QuantitySyntaxError",
    "format_dec",
    "parse_byte_quantity",
    "parse_cpu_millis",
    "parse_dec",
    "parse_gpu_ram",
    "parse_uint",
]

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1

BYTE_SUFFIXES: dict[str, int] = {
    "k": 10**3,
    "Ki": 2**10,
    "M": 10**6,
    "Mi": 2**20,
    "G": 10**9,
    "Gi": 2**30,
    "T": 10**12,
    "Ti": 2**40,
    "P": 10**15,
    "Pi": 2**50,
    "E": 10**18,
    "Ei": 2**60,
}
MEMORY_SUFFIXES: dict[str, int] = {k: v for k, v in BYTE_SUFFIXES.items() if k.endswith("i")}

# The decimal subset of what strconv.ParseFloat accepts.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?", re.ASCII)
# Beyond these exponents a double is 0 or infinite; the exact value is not worth computing.
_EXPONENT_RANGE = 400
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# cosmossdk.io/math LegacyNewDecFromStr: an optional sign, digits, at most 18 decimals.
_DEC = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]+))?", re.ASCII)
DEC_PLACES = 18


class QuantitySyntaxError(ValueError):
    """A quantity the Go SDL would refuse (or one akinv refuses because Go's result is undefined)."""


class Quantity(NamedTuple):
    """``value`` is what the Go SDL puts on chain; ``exact`` the decimal the text means, truncated."""

    value: int
    exact: int


def parse_uint(text: str, *, bits: int = 64) -> int:
    """``strconv.ParseUint(text, 10, bits)``: decimal digits only."""
    if not _DIGITS.fullmatch(text):
        raise QuantitySyntaxError(f"{text!r} is not an unsigned integer")
    value = int(text)
    if value > 2**bits - 1:
        raise QuantitySyntaxError(f"{text} does not fit in {bits} bits (at most {2**bits - 1})")
    return value


def _scaled(number: str, unit: int, limit: int, what: str) -> Quantity:
    match = _DECIMAL.fullmatch(number)
    if match is None:
        raise QuantitySyntaxError(f"{what}: {number!r} is not a decimal number")
    if number.lstrip().startswith("-") and float(number) != 0:
        raise QuantitySyntaxError(f"{what}: negative value not allowed")
    # Go: val := ParseFloat(...); val *= float64(unit); uint(val). Doubles, as on chain.
    go_value = float(number) * float(unit)
    if not math.isfinite(go_value) or go_value >= limit + 1:
        raise QuantitySyntaxError(
            f"{what}: {number} x {unit} is above {limit}, the largest the Go field holds"
        )
    exponent = int(match.group(1) or 0)
    exact = 0 if exponent < -_EXPONENT_RANGE else math.trunc(Fraction(number) * unit)
    return Quantity(math.trunc(go_value), exact)


def parse_cpu_millis(text: str) -> Quantity:
    """``cpu.units``: ``500m`` (uint32 millicores) or a decimal number of cores (``0.5``, ``2``)."""
    if text.endswith("m"):
        value = parse_uint(text[:-1], bits=32)
        return Quantity(value, value)
    return _scaled(text, 1000, UINT32_MAX, "cpu units")


def parse_byte_quantity(text: str) -> Quantity:
    """``memory.size`` and ``storage.size``: a decimal with an optional suffix, in bytes (uint64)."""
    number, unit = _split_suffix(text, BYTE_SUFFIXES)
    return _scaled(number, unit, UINT64_MAX, "size")


def parse_gpu_ram(text: str) -> str:
    """``gpu...ram``: binary suffixes only, written back as ``<n>Gi`` (whole GiB, truncated)."""
    number, unit = _split_suffix(text, MEMORY_SUFFIXES)
    quantity = _scaled(number, unit, UINT64_MAX, "gpu ram")
    return f"{quantity.value // 2**30}Gi"


def _split_suffix(text: str, suffixes: dict[str, int]) -> tuple[str, int]:
    for suffix, unit in suffixes.items():
        if text.endswith(suffix):
            return text[: -len(suffix)], unit
    return text, 1


def parse_dec(text: str, *, allow_zero: bool = False) -> int:
    """A DecCoin amount (``LegacyNewDecFromStr``) in units of 10^-18; negatives refused, and zero
    unless ``allow_zero`` (an SDL price of zero is refused by the Go SDL)."""
    match = _DEC.fullmatch(text)
    if match is None or (match.group(2) == "" and match.group(3) is None):
        raise QuantitySyntaxError(f"{text!r} is not a decimal amount")
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    if len(fraction) > DEC_PLACES:
        raise QuantitySyntaxError(f"{text!r} has more than {DEC_PLACES} decimal places")
    value = int((whole or "0") + fraction.ljust(DEC_PLACES, "0"))
    if value == 0 and not allow_zero:
        raise QuantitySyntaxError("amount is zero")
    if sign == "-":
        raise QuantitySyntaxError(f"amount {text!r} is negative")
    return value


def format_dec(atto: int) -> str:
    """An amount in units of 10^-18 as the chain writes a DecCoin amount: 18 decimals."""
    whole, fraction = divmod(atto, 10**DEC_PLACES)
    return f"{whole}.{fraction:0{DEC_PLACES}d}"
