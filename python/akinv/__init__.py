"""akinv: the truth about Akash provider inventory.

Exact, wrap-free reading of provider status documents, in a Rust core.
"""

from __future__ import annotations

from akinv._akinv import __version__, parse_quantities, parse_quantity
from akinv.errors import AkinvError, PayloadError, QuantityError

__all__ = [
    "AkinvError",
    "PayloadError",
    "QuantityError",
    "__version__",
    "parse_quantities",
    "parse_quantity",
]
