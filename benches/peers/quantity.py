"""A careful pure-Python Kubernetes quantity parser: exact integers, no float, no Decimal.

Grammar (apimachinery `resource.Quantity`): optional sign, digits with an optional fraction, then one
optional suffix: decimal SI `n u m "" k M G T P E`, binary `Ki Mi Gi Ti Pi Ei`, or an exponent
`e<int>`/`E<int>`. The result is rounded up away from zero, like Go's `Value()`/`MilliValue()`.

It rejects what akinv rejects, so both can be compared on any text: no digit at all, an unknown
suffix (`12K`, `1ki`), whitespace, an exponent outside 32 bits, a magnitude above 2^127 - 1.
"""

from __future__ import annotations

import re

__all__ = ["I128_MAX", "parse_quantity"]

I128_MAX = 2**127 - 1
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
# Python's int(str) refuses more digits than this by default; a longer text is not a real quantity.
MAX_DIGITS = 4000

# re.ASCII so that \d cannot match other scripts' digits (int() would accept them).
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(.*)", re.ASCII | re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?\d+)", re.ASCII)

# suffix -> (power of ten, power of two)
_SUFFIXES: dict[str, tuple[int, int]] = {
    "": (0, 0),
    "n": (-9, 0),
    "u": (-6, 0),
    "m": (-3, 0),
    "k": (3, 0),
    "M": (6, 0),
    "G": (9, 0),
    "T": (12, 0),
    "P": (15, 0),
    "E": (18, 0),
    "Ki": (0, 10),
    "Mi": (0, 20),
    "Gi": (0, 30),
    "Ti": (0, 40),
    "Pi": (0, 50),
    "Ei": (0, 60),
}


def parse_quantity(text: str, milli: bool = False) -> int:
    """Exact `Value()` (or `MilliValue()` when milli), rounded up away from zero; ValueError if invalid."""
    # Fast path: plain non-negative integers are most counts and byte sizes. Below 10^35 even the
    # milli value stays far from the 2^127 limit, so no range check is needed here.
    if text.isdigit() and text.isascii() and len(text) <= 35:
        return int(text) * 1000 if milli else int(text)
    match = _NUMBER.fullmatch(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        raise ValueError(f"invalid quantity {text!r}")
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:
        raise ValueError(f"invalid quantity {text!r}: no digits")
    scale = _SUFFIXES.get(suffix)
    if scale is not None:
        ten, two = scale
    else:
        exponent = _EXPONENT.fullmatch(suffix)
        if exponent is None:
            raise ValueError(f"invalid quantity {text!r}: unknown suffix {suffix!r}")
        ten, two = int(exponent.group(1)), 0
        if not I32_MIN <= ten <= I32_MAX:
            raise ValueError(f"invalid quantity {text!r}: exponent out of range")
    # value = digits * 10^(ten - len(fraction)) * 2^two, computed on the digits without leading zeros.
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 0
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"invalid quantity {text!r}: too many digits")
    ten += (3 if milli else 0) - len(fraction)
    # Bound the powers before computing them: `1e2000000000` must not build a 2-billion-digit int.
    if len(digits) - 1 + ten > 39:  # >= 10^39 > 2^127 - 1, and 2^two only grows it
        raise ValueError(f"invalid quantity {text!r}: too large")
    if len(digits) + ten < -40:  # < 10^-40 * 2^60 < 1: rounds up to one unit
        magnitude = 1
    elif ten >= 0:
        magnitude = (int(digits) * 10**ten) << two
    else:
        numerator = int(digits) << two
        magnitude = -(-numerator // 10**-ten)  # ceiling division: rounds up away from zero
    if magnitude > I128_MAX:
        raise ValueError(f"invalid quantity {text!r}: too large")
    return -magnitude if sign == "-" else magnitude
