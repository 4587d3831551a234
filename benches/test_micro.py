"""pytest-benchmark micro cases: quantities, one document of each shape, validate vs sanitize.

.venv/bin/python -m pytest benches/test_micro.py            # timed
.venv/bin/python -m pytest benches/test_micro.py --benchmark-disable   # smoke run (CI)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from peers import load  # noqa: E402
from quantities import quantity_texts  # noqa: E402

import akinv  # noqa: E402

RENDERINGS = ("legacy", "v1-go", "v1-protojson", "inventory")


def first_document(rendering: str) -> bytes:
    """The first clean document of a rendering in the seeded corpus."""
    shape = "v1" if rendering.startswith("v1") else rendering
    for index in range(200):
        described = corpus.describe(1, index, shape)
        if described.rendering == rendering and described.anomaly is None:
            return corpus.dumps(described.doc)
    raise LookupError(rendering)


DOCUMENTS = {rendering: first_document(rendering) for rendering in RENDERINGS}
TEXTS = quantity_texts(10_000)


@pytest.mark.parametrize("milli", [False, True])
def test_parse_quantities(benchmark: Any, milli: bool) -> None:
    values = benchmark(akinv.parse_quantities, TEXTS, milli=milli)
    assert len(values) == len(TEXTS)


def test_parse_quantity(benchmark: Any) -> None:
    assert benchmark(akinv.parse_quantity, "503Gi") == 503 * 2**30


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_validate(benchmark: Any, rendering: str) -> None:
    report = benchmark(akinv.validate, DOCUMENTS[rendering])
    assert report.ok


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_sanitize(benchmark: Any, rendering: str) -> None:
    result = benchmark(akinv.sanitize, DOCUMENTS[rendering])
    assert result.changes == []


@pytest.mark.parametrize("peer", ["json+kubernetes", "orjson", "msgspec", "pydantic"])
def test_peer_job(benchmark: Any, peer: str) -> None:
    job = load(peer)
    summary = benchmark(job, DOCUMENTS["v1-protojson"])
    assert summary["schema"] == "v1"
