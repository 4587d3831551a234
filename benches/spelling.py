"""Exact Kubernetes quantity spellings of integer values, chosen at random like real providers do.

One value has many spellings: 1900000000000 is "1900G", "1900000000k", "1855468750Ki", "1.9e12" or
plain digits. Every spelling returned here parses back to exactly the value it was made from, so the
generated documents have known totals.
"""

from __future__ import annotations

import random

BINARY = (("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10))
DECIMAL = (("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3))

# How often each family is picked when it can spell the value exactly.
_BYTE_WEIGHTS = {
    "plain": 5,  # "269829410816": Set(Value()) of a DecimalSI quantity
    "binary": 4,  # "503Gi": the largest binary suffix that divides
    "kibi": 2,  # "4535332Ki": kubelet's memory capacity
    "decimal": 3,  # "1900G": SDL sizes
    "kilo": 1,  # "1073741824k"
    "exponent": 1,  # "2e12", "1.5e9": DecimalExponent
}


def _trailing_zeros(value: int) -> int:
    zeros = 0
    while value and value % 10 == 0:
        value //= 10
        zeros += 1
    return zeros


def byte_spellings(value: int) -> dict[str, str]:
    """Every family's spelling of a non-negative integer that it can spell exactly."""
    out = {"plain": str(value)}
    if value <= 0:
        return out
    binary = [f"{value >> shift}{suffix}" for suffix, shift in BINARY if value % (1 << shift) == 0]
    if binary:
        out["binary"] = binary[0]
        out["kibi"] = binary[-1]
    decimal = [f"{value // 10**power}{suffix}" for suffix, power in DECIMAL if value % 10**power == 0]
    if decimal:
        out["decimal"] = decimal[0]
        out["kilo"] = decimal[-1]
    zeros = _trailing_zeros(value)
    if zeros >= 2:
        digits = str(value // 10**zeros)
        if len(digits) == 1:
            out["exponent"] = f"{digits}e{zeros}"
        else:  # scientific: one digit before the point
            out["exponent"] = f"{digits[0]}.{digits[1:]}e{zeros + len(digits) - 1}"
    return out


def spell_bytes(rng: random.Random, value: int) -> str:
    """A random exact spelling of a byte count (or any Value()-read quantity)."""
    options = byte_spellings(value)
    families = list(options)
    family = rng.choices(families, [_BYTE_WEIGHTS[f] for f in families])[0]
    return options[family]


def spell_millicores(rng: random.Random, millis: int) -> str:
    """A random exact spelling of a CPU amount read with MilliValue(): "64", "12500m", "12.5"."""
    cores, rest = divmod(millis, 1000)
    if rest == 0:
        return str(cores) if rng.random() < 0.9 else f"{millis}m"
    if rng.random() < 0.8:
        return f"{millis}m"
    return f"{cores}.{rest:03d}".rstrip("0")
