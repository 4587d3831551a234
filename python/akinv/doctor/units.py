"""Exact amounts written for people: integer arithmetic only, rounding said where it happens."""

from __future__ import annotations

__all__ = ["amount", "binary", "cores"]

_BINARY = (
    ("Ei", 1 << 60),
    ("Pi", 1 << 50),
    ("Ti", 1 << 40),
    ("Gi", 1 << 30),
    ("Mi", 1 << 20),
    ("Ki", 1 << 10),
)


def cores(millis: int) -> str:
    """Millicores as cores, exactly: 62500 -> "62.5", 250 -> "0.25"."""
    sign = "-" if millis < 0 else ""
    whole, part = divmod(abs(millis), 1000)
    fraction = f"{part:03d}".rstrip("0")
    return f"{sign}{whole:,}" + (f".{fraction}" if fraction else "")


def binary(size: int) -> str:
    """Bytes in the largest binary unit: exact when whole ("503Gi"), else to a tenth ("~502.9Gi")."""
    sign = "-" if size < 0 else ""
    magnitude = abs(size)
    for suffix, unit in _BINARY:
        if magnitude >= unit:
            if magnitude % unit == 0:
                return f"{sign}{magnitude // unit:,}{suffix}"
            tenths = (magnitude * 10 + unit // 2) // unit
            return f"{sign}~{tenths // 10:,}.{tenths % 10}{suffix}"
    return f"{sign}{magnitude} B"


def amount(resource: str, value: int) -> str:
    """A value of a Resources field (cpu_millis, memory_bytes, ...) in its natural unit."""
    if resource == "cpu_millis":
        return f"{cores(value)} cores"
    if resource.endswith("_bytes"):
        return binary(value)
    return f"{value:,}"
