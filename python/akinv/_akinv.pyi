from collections.abc import Sequence

__version__: str

def parse_quantity(text: str, /, *, milli: bool = False) -> int:
    """Parse a Kubernetes quantity exactly, rounded up away from zero (``Value()``/``MilliValue()``)."""

def parse_quantities(texts: Sequence[str], /, *, milli: bool = False) -> list[int]:
    """Parse many quantities in the Rust core with the GIL released."""
