"""How hard the property tests try: `scripts/test --fast` sets AKINV_QUICK=1 for the inner loop."""

from __future__ import annotations

import os

QUICK = os.environ.get("AKINV_QUICK") == "1"


def examples(full: int) -> int:
    """Hypothesis examples for a test that runs `full` of them in the whole suite."""
    return max(5, full // 10) if QUICK else full
