"""Type-checked with mypy --strict by scripts/test: the stubs must accept real use and reject misuse."""

from __future__ import annotations

import akinv

value: int = akinv.parse_quantity("503Gi")
millis: list[int] = akinv.parse_quantities(["1", "2"], milli=True)
version: str = akinv.__version__

akinv.parse_quantity(5)  # type: ignore[arg-type]
akinv.parse_quantity("1", True)  # type: ignore[call-arg]
