from __future__ import annotations

import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(scope="session")
def samples() -> dict[str, bytes]:
    """The sample documents shipped inside the package."""
    folder = resources.files("akinv") / "samples"
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(".json")}


@pytest.fixture(scope="session")
def shared_samples() -> Callable[[str], bytes]:
    """Real payloads from ../shared/samples (beside the checkout here and in CI)."""

    def read(name: str) -> bytes:
        path = SHARED_SAMPLES / name
        if not path.exists():
            pytest.skip(f"{path} is not present")
        return path.read_bytes()

    return read
