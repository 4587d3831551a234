"""What the indexer's tests do when a system package is missing."""

from __future__ import annotations

import os

import pytest


def require(reason: str) -> None:
    """Skip for want of a system package; fail when CI requires every system package."""
    if os.environ.get("AKINV_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{reason} (AKINV_REQUIRE_SYSTEM=1)")
    pytest.skip(reason)
