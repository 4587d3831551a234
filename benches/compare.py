"""Whole-job comparison of akinv with pure-Python peers on a generated corpus.

    python benches/compare.py [--size 20MB] [--shape mixed] [--seed 1] [--repeat 3] [--no-check]

1. Generates the corpus into benches/out/ (or reuses it when size, shape, seed and generator match).
2. Checks that every peer, and akinv when it has validate_many, gives the same schema, totals and
   finding counts on every document. Peers that disagree stop the run; akinv disagreeing is printed
   and recorded (and stops the run with --strict).
3. Times each tool in a fresh subprocess (best of --repeat, single thread unless stated), with its
   peak RSS (VmHWM), plus parse-only ceilings; prints a table and writes benches/out/compare.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import corpus
from peers import PEERS, load
from peers.rules import RESOURCES, Summary

import akinv

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
GENERATOR_FILES = ("corpus.py", "providers.py", "anomalies.py", "spelling.py")
# Timed tools: name -> kind. "job" tools do the whole job; "parse" ones only decode (a ceiling).
# "akinv scan" streams the corpus file from disk (bounded memory) instead of a list in memory.
TOOLS: dict[str, str] = {
    "akinv threads=1": "akinv",
    "akinv threads=2": "akinv",
    "akinv sanitize threads=1": "akinv",
    "akinv scan threads=1": "stream",
    "akinv scan threads=2": "stream",
    **{name: "job" for name in PEERS},
    "json.loads": "parse",
    "orjson.loads": "parse",
    "msgspec.json.decode": "parse",
    "simdjson Parser.parse (lazy)": "parse",
    "(corpus loaded, no work)": "baseline",
}


# -- corpus ------------------------------------------------------------------------------------------


def ensure_corpus(size: int, shape: str, seed: int) -> Path:
    """Reuse the corpus only if it was written by this very generator code with these options."""
    path = corpus.default_path(size, shape, seed)
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        digest.update((HERE / name).read_bytes())
    want = {"size": size, "shape": shape, "seed": seed, "generator": digest.hexdigest()}
    meta = path.with_suffix(".meta.json")
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return path
    started = time.perf_counter()
    docs, written = corpus.write_corpus(path, size, seed, shape)
    meta.write_text(json.dumps(want) + "\n")
    print(f"wrote {path} ({docs} docs, {written / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s")
    return path


def load_docs(path: Path) -> list[bytes]:
    with path.open("rb") as lines:
        return [line.rstrip(b"\n") for line in lines if line.strip()]


# -- agreement ---------------------------------------------------------------------------------------


def akinv_summary(report: akinv.Report | akinv.PayloadError) -> Summary:
    """An akinv report as a peer Summary."""
    if isinstance(report, akinv.PayloadError):
        raise SystemExit(f"akinv could not read a corpus document: {report}")
    totals = {name: getattr(report.totals, name).to_dict() for name in RESOURCES}
    return {
        "schema": report.schema,
        "totals": totals,  # type: ignore[typeddict-item]
        "findings": dict(sorted(report.counts().items())),
    }


def summaries(tool: str, docs: list[bytes]) -> list[Summary]:
    if tool.startswith("akinv"):
        threads = int(tool.rsplit("=", 1)[1])
        if "sanitize" in tool:
            # The report of sanitize is the report of its input: it must agree too.
            sanitized = akinv.sanitize_many(docs, threads=threads)
            return [akinv_summary(s if isinstance(s, akinv.PayloadError) else s.report) for s in sanitized]
        return [akinv_summary(report) for report in akinv.validate_many(docs, threads=threads)]
    job = load(tool)
    return [job(doc) for doc in docs]


def difference(want: Summary, got: Summary) -> str:
    """Only what differs between two summaries, on one line."""
    parts = []
    if want["schema"] != got["schema"]:
        parts.append(f"schema {want['schema']} != {got['schema']}")
    for name in RESOURCES:
        if want["totals"][name] != got["totals"][name]:
            parts.append(f"{name} {want['totals'][name]} != {got['totals'][name]}")
    if want["findings"] != got["findings"]:
        parts.append(f"findings {want['findings']} != {got['findings']}")
    return "; ".join(parts)


def check_agreement(docs: list[bytes], explain: Callable[[int], str]) -> tuple[Counter[str], dict[str, int]]:
    """Exit 1 when a peer disagrees with the first peer. Returns the corpus' finding counts and, per
    akinv variant, how many documents it disagrees on (reported, fatal only with --strict).
    explain(index) says how a document was generated."""
    tools = list(PEERS) + [t for t, kind in TOOLS.items() if kind == "akinv"]
    reference_name = tools[0]
    reference = summaries(reference_name, docs)
    disagreements: dict[str, int] = {}
    for tool in tools[1:]:
        started = time.perf_counter()
        results = summaries(tool, docs)
        if len(results) != len(reference):
            raise SystemExit(f"{tool} returned {len(results)} summaries for {len(reference)} documents")
        bad = 0
        for index, (want, got) in enumerate(zip(reference, results, strict=True)):
            if want != got:
                bad += 1
                if bad <= 3:
                    print(
                        f"  line {index + 1} ({explain(index)}): {reference_name} vs {tool}: {difference(want, got)}"
                    )
        disagreements[tool] = bad
        verdict = "agrees" if not bad else f"DISAGREES on {bad} documents"
        print(f"  {tool}: {verdict} ({len(results)} docs, {time.perf_counter() - started:.1f}s)")
    if any(bad for tool, bad in disagreements.items() if tool in PEERS):
        raise SystemExit("the peers disagree: fix rules or walkers before timing anything")
    counts: Counter[str] = Counter()
    for summary in reference:
        counts.update(summary["findings"])
    return counts, {tool: bad for tool, bad in disagreements.items() if tool not in PEERS}


# -- timing (each tool in its own process) -------------------------------------------------------------


def _runner(tool: str) -> Callable[[list[bytes]], object]:
    kind = TOOLS[tool]
    if kind == "akinv":
        threads = int(tool.rsplit("=", 1)[1])
        if "sanitize" in tool:
            return lambda docs: akinv.sanitize_many(docs, threads=threads)
        return lambda docs: akinv.validate_many(docs, threads=threads)
    if kind == "job":
        return _each(load(tool))
    if tool == "json.loads":
        return _each(json.loads)
    if tool == "orjson.loads":
        import orjson

        return _each(orjson.loads)
    if tool == "msgspec.json.decode":
        import msgspec

        return _each(msgspec.json.decode)
    if tool == "simdjson Parser.parse (lazy)":
        import simdjson

        # The "simdjson without building Python objects": the document is parsed and
        # validated, and only a proxy of its root is returned.
        return _each(simdjson.Parser().parse)
    return lambda docs: None


def _each(function: Callable[[bytes], object]) -> Callable[[list[bytes]], object]:
    """Call per document and drop each result at once: keeping 20 MB of decoded dicts alive would
    time the garbage collector's scans of them rather than the decoder."""

    def run(docs: list[bytes]) -> None:
        for doc in docs:
            function(doc)

    return run


def _peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker(tool: str, path: Path, repeat: int) -> None:
    """Runs in the subprocess: time one tool, print one JSON line."""
    if TOOLS[tool] == "stream":
        docs: list[bytes] = []
        threads = int(tool.rsplit("=", 1)[1])

        def run(_: list[bytes]) -> object:
            # Consume lazily, as an indexer would: nothing but the current batch stays alive.
            return sum(1 for _ in akinv.scan([path], threads=threads))

    else:
        docs = load_docs(path)
        run = _runner(tool)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(docs)
        best = min(best, time.perf_counter() - started)
        del result  # keep at most one run's output alive
    print(json.dumps({"seconds": best, "peak_rss_kb": _peak_rss_kb()}))


GATED = ("akinv threads=1", "msgspec")


def gate_worker(path: Path, rounds: int) -> None:
    """Runs in the subprocess: akinv and msgspec in turn, round after round, so that a machine
    whose load changes slows both alike; the best of each counts."""
    docs = load_docs(path)
    runs = {tool: _runner(tool) for tool in GATED}
    best = dict.fromkeys(GATED, float("inf"))
    for _ in range(rounds):
        for tool, run in runs.items():
            started = time.perf_counter()
            run(docs)
            best[tool] = min(best[tool], time.perf_counter() - started)
    print(json.dumps(best))


def measure(tool: str, path: Path, repeat: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, "--corpus", str(path)]
    output = subprocess.run([*command, "--repeat", str(repeat)], check=True, capture_output=True, text=True)
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


# -- report ------------------------------------------------------------------------------------------


def table(rows: list[dict[str, Any]], reference: str) -> str:
    header = (
        f"{'tool':<26} {'kind':<8} {'MB/s':>9} {'docs/s':>10} {'peak RSS MB':>12} {'vs ' + reference:>22}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        if row["kind"] == "baseline":
            speed = f"{'':>9} {'':>10}"
            ratio = ""
        else:
            speed = f"{row['mb_per_s']:>9.1f} {row['docs_per_s']:>10.0f}"
            ratio = f"{row['ratio']:.3f}x"
        lines.append(f"{row['tool']:<26} {row['kind']:<8} {speed} {row['peak_rss_mb']:>12.1f} {ratio:>22}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=corpus.parse_size, default=corpus.parse_size("20MB"))
    parser.add_argument("--shape", choices=corpus.SHAPES, default="mixed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the best counts")
    parser.add_argument("--no-check", action="store_true", help="skip the agreement check")
    parser.add_argument("--strict", action="store_true", help="exit 1 if akinv disagrees with the peers")
    parser.add_argument("--check-only", action="store_true", help="check agreement, time nothing")
    parser.add_argument(
        "--gate",
        type=float,
        metavar="RATIO",
        help="exit 1 unless akinv on one thread is at least RATIO times msgspec in this run",
    )
    parser.add_argument(
        "--against", type=Path, metavar="FILE", help="print the change from a saved compare.json"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "gate":
        gate_worker(args.corpus, args.repeat)
        return 0
    if args.worker:
        worker(args.worker, args.corpus, args.repeat)
        return 0

    path = ensure_corpus(args.size, args.shape, args.seed)
    docs = load_docs(path)
    n_bytes = sum(len(doc) for doc in docs)
    print(f"corpus {path.name}: {len(docs)} documents, {n_bytes / 1e6:.1f} MB")
    akinv_disagreements: dict[str, int] | None = None
    if not args.no_check:
        print("checking that every tool gives the same summary of every document:")

        def explain(index: int) -> str:
            described = corpus.describe(args.seed, index, args.shape)
            return f"{described.rendering}, anomaly {described.anomaly}"

        findings, akinv_disagreements = check_agreement(docs, explain)
        print(f"  findings in the corpus (peers): {dict(sorted(findings.items()))}")
        if any(akinv_disagreements.values()) and args.strict:
            raise SystemExit("akinv disagrees with the peers (--strict)")
    if args.check_only:
        return 0

    rows = []
    for tool, kind in TOOLS.items():
        result = measure(tool, path, args.repeat if kind != "baseline" else 1)
        seconds = result["seconds"]
        rows.append(
            {
                "tool": tool,
                "kind": kind,
                "seconds": seconds,
                "mb_per_s": n_bytes / 1e6 / seconds if kind != "baseline" else None,
                "docs_per_s": len(docs) / seconds if kind != "baseline" else None,
                "peak_rss_mb": result["peak_rss_kb"] / 1024,
            }
        )
        print(f"  timed {tool}")
    reference = "akinv threads=1"
    reference_speed = next(row["mb_per_s"] for row in rows if row["tool"] == reference)
    for row in rows:
        row["ratio"] = row["mb_per_s"] / reference_speed if row["mb_per_s"] is not None else None
    print()
    print(table(rows, reference))
    print("ratio = throughput relative to the reference (higher is faster); parse = decoding only, a ceiling")
    OUT.mkdir(exist_ok=True)
    report = {
        "corpus": {
            "path": str(path),
            "documents": len(docs),
            "bytes": n_bytes,
            "shape": args.shape,
            "seed": args.seed,
        },
        "repeat": args.repeat,
        "akinv_disagreements": akinv_disagreements,  # documents per akinv variant; None if unchecked
        "reference": reference,
        "akinv": akinv.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": rows,
    }
    (OUT / "compare.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {OUT / 'compare.json'}")
    if args.against is not None:
        print(changes(json.loads(args.against.read_text()), report))
    if args.gate is not None:
        return gate(path, args.gate, rounds=max(args.repeat, 15))
    return 0


def changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Each tool's MB/s in a saved run and in this one. Only ratios within one run are robust to
    a busier machine: compare the `vs akinv` column too."""
    old = {row["tool"]: row for row in before["rows"]}
    lines = [
        f"{'tool':<30} {'MB/s before':>12} {'MB/s now':>10} {'change':>8} {'ratio before':>13} {'now':>7}"
    ]
    for row in after["rows"]:
        was = old.get(row["tool"])
        if row["mb_per_s"] is None or was is None or was["mb_per_s"] is None:
            continue
        change = row["mb_per_s"] / was["mb_per_s"] - 1
        lines.append(
            f"{row['tool']:<30} {was['mb_per_s']:>12.1f} {row['mb_per_s']:>10.1f} {change:>+8.1%} "
            f"{was['ratio']:>12.3f}x {row['ratio']:>6.3f}x"
        )
    return "\n".join(lines)


def gate(path: Path, ratio: float, rounds: int) -> int:
    """akinv against the fastest peer, timed in turn in one process: a slow or busy machine slows
    both alike (timed one after the other, a burst of load on one tool's turn decides)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "gate", "--corpus", str(path)]
    output = subprocess.run([*command, "--repeat", str(rounds)], check=True, capture_output=True, text=True)
    best = json.loads(output.stdout.strip().splitlines()[-1])
    achieved = best["msgspec"] / best["akinv threads=1"]
    line = f"akinv validate is {achieved:.2f}x msgspec, timed in turn, best of {rounds} rounds each"
    if achieved < ratio:
        print(f"GATE FAILED: {line}, below {ratio}x")
        return 1
    print(f"gate: {line} (at least {ratio}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
