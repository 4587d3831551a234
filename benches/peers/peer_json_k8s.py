"""The baseline a Python user reaches for: stdlib json and the kubernetes client's parse_quantity."""

from __future__ import annotations

import json
import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_UP, Context, localcontext

from kubernetes.utils import parse_quantity as k8s_parse_quantity

from .rules import Summary
from .walk_dicts import check_document

# The client is looser than Kubernetes: it takes "12K", " 5 ", "1e3Gi", "inf". Without this guard the
# peer would read the corpus' "12K" anomaly as 12000, so a careful user needs it and it is timed too.
_GRAMMAR = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[numkMGTPE]|[KMGTPE]i|[eE]([+-]?\d+))?", re.ASCII)
# Limits akinv and the careful parser share: exponents fit 32 bits, magnitudes fit 127 bits. They
# also keep "1e2000000000" from building a two-billion-digit int.
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
I128_MAX = 2**127 - 1
# Wide enough that no value within those limits is rounded (the default is 28 digits) and no 32-bit
# exponent overflows or underflows to zero.
_CONTEXT = Context(prec=80, Emax=MAX_EMAX, Emin=MIN_EMIN)


def parse_quantity(text: str, milli: bool = False) -> int:
    """The client's Decimal, times 1000 for milli, rounded up away from zero (Go's Value/MilliValue)."""
    match = _GRAMMAR.fullmatch(text)
    if match is None or (match.group(1) is not None and not I32_MIN <= int(match.group(1)) <= I32_MAX):
        raise ValueError(f"invalid quantity {text!r}")
    try:
        value = k8s_parse_quantity(text)  # type: ignore[no-untyped-call]
        if milli:
            value *= 1000
        if value and value.adjusted() > 38:  # at least 10^39
            raise ValueError(f"quantity too large {text!r}")
        result = int(value.to_integral_value(rounding=ROUND_UP))
    except ArithmeticError as exc:  # decimal's errors derive from it
        raise ValueError(f"invalid quantity {text!r}") from exc
    if abs(result) > I128_MAX:
        raise ValueError(f"quantity too large {text!r}")
    return result


def job(doc: bytes) -> Summary:
    with localcontext(_CONTEXT):
        return check_document(json.loads(doc), parse_quantity)
