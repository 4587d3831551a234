"""One order against many realistic providers: from raw status payloads, and against inventories
already read (what an indexer does with a network snapshot), with and without pricing.

    python benches/matching.py [--providers 10000] [--repeat 5] [--threads 1 2]

The providers are the seeded corpus of benches/corpus.py (v1 documents with GPU devices, legacy
and inventory dumps), one document each. Before timing, every answer of the batch call is checked
against Inventory.reserve, provider by provider.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import corpus
from timing import best_of

import akinv
from akinv import _akinv

ORDER: dict[str, Any] = {
    "source": "bench",
    "name": "gpu-service",
    "units": [
        {
            "id": 1,
            "name": "inference",
            "count": 1,
            "cpu_millis": 8000,
            "memory_bytes": 32 << 30,
            "gpu_units": 1,
            "gpu_attributes": ["vendor/nvidia/model/*"],
            "storage": [{"name": "default", "bytes": 100 << 30}],
            "endpoints": 1,
            "ips": 0,
        }
    ],
    "price": {"denom": "uact", "amount": "1000000.000000000000000000"},
    "price_precision": 6,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    items = [(f"provider-{i}", doc) for i, doc in enumerate(corpus.generate(args.providers, args.seed))]
    megabytes = sum(len(doc) for _, doc in items) / 1e6
    order = _akinv.OrderCore(json.dumps(ORDER).encode())
    pricing = _akinv.Pricing(gpu_mappings="a100=900,a100.80Gi=1000,h100=1800,rtx4090=300,t4=80,*=2000")

    # Every answer of the batch agrees with reserving provider by provider.
    matched = akinv.match(order, items, pricing=pricing)
    for (_, doc), result in zip(items, matched, strict=True):
        try:
            single = akinv.Inventory.from_status(doc).reserve(order, pricing=pricing)
        except akinv.PayloadError:
            assert result.kind == "unreadable"
            continue
        quote = single.quote
        assert result.ok == single.ok and result.rate == (
            quote.rate if isinstance(quote, akinv.Quote) else None
        )
    fits = sum(result.ok for result in matched)
    print(
        f"{len(items)} providers, {megabytes:.1f} MB of status; {fits} could host the order; answers checked"
    )

    header = (
        f"{'threads':>7} {'from raw (s)':>13} {'read only (s)':>14} {'match (ms)':>11} {'+ pricing (ms)':>15}"
    )
    print(header + "\n" + "-" * len(header))
    for threads in args.threads:
        raw = best_of(args.repeat, lambda t=threads: akinv.match(order, items, pricing=pricing, threads=t))
        read = best_of(args.repeat, lambda t=threads: akinv.Inventories(items, threads=t))
        inventories = akinv.Inventories(items, threads=threads)
        parsed = best_of(args.repeat, lambda t=threads, inv=inventories: inv.match(order, threads=t))
        priced = best_of(
            args.repeat, lambda t=threads, inv=inventories: inv.match(order, pricing=pricing, threads=t)
        )
        print(f"{threads:>7} {raw:>13.3f} {read:>14.3f} {parsed * 1000:>11.1f} {priced * 1000:>15.1f}")
    print("targets (issue 11): from raw payloads under 1 s; against inventories already read under 20 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
