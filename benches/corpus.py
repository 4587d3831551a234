"""Deterministic, seeded generator of realistic Akash provider status documents, as JSON Lines.

    python benches/corpus.py --size 20MB --out benches/out/corpus-20MB.jsonl [--shape mixed] [--seed 1]

Each line is one compact document: the legacy REST /status, the v1 gRPC Status as Go JSON or as
protojson, or the provider's logged inventory dump (see providers.py). About 1% of the documents
carry an anomaly seen in the field (see anomalies.py).

Document i of seed s depends on (s, shape, i) only, so any prefix of a corpus is itself reproducible.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

from anomalies import ANOMALY_RATE, inject
from providers import build_provider, render_inventory, render_legacy, render_v1, to_protojson

SHAPES = ("mixed", "legacy", "v1", "inventory")
# The renderings each --shape draws from, with weights.
RENDERINGS: dict[str, tuple[tuple[str, int], ...]] = {
    "mixed": (("legacy", 35), ("v1-go", 25), ("v1-protojson", 30), ("inventory", 10)),
    "legacy": (("legacy", 1),),
    "v1": (("v1-go", 1), ("v1-protojson", 1)),
    "inventory": (("inventory", 1),),
}

# -- documents ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Described:
    doc: dict[str, Any]
    rendering: str  # legacy, v1-go, v1-protojson, inventory
    anomaly: str | None  # the injector's name, e.g. "v1_plugin_restart"


def describe(seed: int, index: int, shape: str = "mixed") -> Described:
    """Document `index` of the corpus `seed`, with how it was made (to explain a disagreement)."""
    rng = random.Random(f"akinv-corpus:{seed}:{shape}:{index}")
    names, weights = zip(*RENDERINGS[shape], strict=True)
    rendering = rng.choices(names, weights)[0]
    provider = build_provider(rng)
    anomalous = rng.random() < ANOMALY_RATE
    if rendering == "legacy":
        doc = render_legacy(provider, rng)
    elif rendering == "inventory":
        doc = render_inventory(provider, rng)
    else:
        doc = render_v1(provider, rng)
    anomaly = None
    if anomalous:
        anomaly = inject("v1" if rendering.startswith("v1") else rendering, doc, rng, provider)
    if rendering == "v1-protojson":
        doc = to_protojson(doc)
    return Described(doc, rendering, anomaly)


def document(seed: int, index: int, shape: str = "mixed") -> dict[str, Any]:
    """Document `index` of the corpus `seed`, as a JSON-ready value."""
    return describe(seed, index, shape).doc


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def generate(n_docs: int | None, seed: int = 1, shape: str = "mixed") -> Iterator[bytes]:
    """Compact JSON documents 0..n_docs-1 (endless when n_docs is None)."""
    indexes = count() if n_docs is None else range(n_docs)
    return (dumps(document(seed, index, shape)) for index in indexes)


def write_corpus(path: str | Path, target_bytes: int, seed: int = 1, shape: str = "mixed") -> tuple[int, int]:
    """Write documents as JSON Lines until the file holds at least target_bytes; (docs, bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = docs = 0
    with path.open("wb") as out:
        for doc in generate(None, seed, shape):
            if written >= target_bytes:
                break
            out.write(doc + b"\n")
            written += len(doc) + 1
            docs += 1
    return docs, written


def default_path(size: int, shape: str = "mixed", seed: int = 1) -> Path:
    """benches/out/corpus-20MB.jsonl, with -<shape> and -seed<n> when not the defaults."""
    label = f"{size // 10**6}MB" if size % 10**6 == 0 else f"{size}B"
    shape_part = "" if shape == "mixed" else f"-{shape}"
    seed_part = "" if seed == 1 else f"-seed{seed}"
    return Path(__file__).resolve().parent / "out" / f"corpus-{label}{shape_part}{seed_part}.jsonl"


_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 1 << 10,
    "MIB": 1 << 20,
    "GIB": 1 << 30,
}


def parse_size(text: str) -> int:
    """'20MB' -> 20000000 (decimal units; KiB/MiB/GiB are binary)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    if match is None or match.group(2).upper() not in _UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 20MB)")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("20MB"), help="target size (20MB)")
    parser.add_argument("--out", type=Path, help="output .jsonl (default: benches/out/corpus-<size>.jsonl)")
    parser.add_argument("--shape", choices=SHAPES, default="mixed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = args.out or default_path(args.size, args.shape, args.seed)
    docs, written = write_corpus(out, args.size, args.seed, args.shape)
    print(f"{out}: {docs} documents, {written / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
