"""What pickling costs: the size of the state and the time of pickle.dumps and pickle.loads, for
one big report (a v1 document of --nodes nodes, merged from the seeded corpus), its Inventory, the
reports of a corpus batch, and, when bid matching pickles, an Inventories of that batch.

    python benches/pickling.py [--nodes 5000] [--documents 2000] [--repeat 5]

Before timing, every object is checked to come back equal (or with the same repr, for a type
that does not compare).
"""

from __future__ import annotations

import argparse
import json
import pickle
from typing import Any

import corpus
from timing import best_of

import akinv


def big_v1(nodes: int, seed: int = 1) -> bytes:
    """One v1 document holding the nodes (and storage pools) of as many corpus documents as needed."""
    merged: list[Any] = []
    pools: dict[str, Any] = {}
    index = 0
    while len(merged) < nodes:
        described = corpus.describe(seed, index, "v1")
        index += 1
        if described.rendering != "v1-go":
            continue
        cluster = described.doc["cluster"]["inventory"]["cluster"]
        merged.extend(cluster["nodes"] or [])
        for pool in cluster.get("storage") or []:
            pools.setdefault(pool["info"]["class"], pool)
    doc = {"cluster": {"inventory": {"cluster": {"nodes": merged[:nodes], "storage": list(pools.values())}}}}
    return json.dumps(doc, separators=(",", ":")).encode()


def measure(label: str, value: Any, repeat: int) -> None:
    try:
        state = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except TypeError as error:
        print(f"{label:<34} does not pickle ({error})")
        return
    back = pickle.loads(state)
    assert repr(back) == repr(value), label
    if hasattr(type(value), "__eq__") and type(value).__eq__ is not object.__eq__:
        assert back == value, label
    dumps = best_of(repeat, lambda: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    loads = best_of(repeat, lambda: pickle.loads(state))
    print(f"{label:<34} {len(state):>12,} bytes  dumps {dumps * 1e3:8.2f} ms  loads {loads * 1e3:8.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    document = big_v1(args.nodes)
    report = akinv.validate(document)
    print(
        f"one v1 document: {len(document):,} bytes, {len(report.nodes):,} nodes, {len(report.findings)} findings"
    )
    measure("Report", report, args.repeat)
    measure("Inventory", akinv.Inventory.from_status(document), args.repeat)
    documents = list(corpus.generate(args.documents))
    reports = akinv.validate_many(documents)
    size = sum(map(len, documents))
    print(f"corpus batch: {len(documents):,} documents, {size:,} bytes")
    measure("list[Report]", reports, args.repeat)
    measure("Inventories", akinv.Inventories([(str(i), d) for i, d in enumerate(documents)]), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
