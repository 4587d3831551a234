"""The indexer's throughput: documents ingested per second into SQLite and PostgreSQL, providers
fetched per second over loopback.

    python benches/ingest.py [--size 50MB] [--workers N] [--postgres URL] [--providers 1000]

The corpus is benches/corpus.py's (written to benches/out/ if missing). Each measurement runs in a
fresh process, which prints its rate, its CPU time, the store's table sizes and its peak RSS (the
writer's and its worker processes'). Without --postgres a throwaway PostgreSQL server is started
with initdb/pg_ctl (tests/index/pgserver.py) with PostgreSQL's default durability settings.
--smoke runs a small corpus, checks the answers and times nothing (scripts/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent / "tests" / "index"))

import corpus  # noqa: E402


def _rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _postgres_cpu() -> float:
    """CPU seconds used so far by this machine's running postgres processes (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure_ingest(db: str, path: str, workers: int) -> dict[str, Any]:
    from akinv.index import Tracker, connect
    from akinv.index.ingest import ingest

    with connect(db) as store:
        tracker = Tracker(store)
        server = _postgres_cpu() if store.dialect == "postgresql" else 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        summary = ingest([path], tracker, workers=workers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        # Before disconnecting: the connection's server process ends with it.
        server = _postgres_cpu() - server if store.dialect == "postgresql" else 0.0
        sizes = store.table_sizes()
    own, _ = _rss_mb()
    return {
        "documents": summary.documents,
        "stored": summary.stored,
        "unreadable": summary.unreadable,
        "seconds": wall,
        "writer_cpu_seconds": cpu,
        "sizes": sizes,
        "rss_mb": own,
        "worker_rss_mb": summary.worker_rss / 2**20,
        "worker_cpu_seconds": summary.worker_cpu,
        "server_cpu_seconds": server,
    }


def measure_fetch(db: str, providers: int, concurrency: int, port: int) -> dict[str, Any]:
    from akinv.index import Tracker, connect
    from akinv.index.fetch import FetchOptions, fetch
    from akinv.index.indexer import run_round

    urls = [f"https://127.0.0.1:{port}/p{i}/status" for i in range(providers)]
    options = FetchOptions(concurrency=concurrency, timeout=30)

    async def fetch_only() -> tuple[int, float, float]:
        began, cpu = time.perf_counter(), time.process_time()
        ok = sum([result.ok async for result in fetch(urls, options)])
        return ok, time.perf_counter() - began, time.process_time() - cpu

    import httpx  # noqa: F401 (imported before the clock starts, as a long-running indexer has it)

    ok, fetch_seconds, fetch_cpu = asyncio.run(fetch_only())
    with connect(db) as store:
        began = time.perf_counter()
        summary = asyncio.run(run_round(urls, Tracker(store), options))
        round_seconds = time.perf_counter() - began
    return {
        "providers": providers,
        "fetched_ok": ok,
        "fetch_seconds": fetch_seconds,
        "fetch_cpu_seconds": fetch_cpu,
        "round_stored": summary.stored,
        "round_seconds": round_seconds,
        "rss_mb": _rss_mb()[0],
    }


def serve(documents: str, providers: int, cert: str, key: str) -> None:
    """Play ``providers`` providers, each answering one corpus document, until stdin closes."""
    from provider_server import Answer, ProviderServer

    bodies = Path(documents).read_bytes().splitlines()
    with ProviderServer(Path(cert), Path(key), keep_alive=False) as server:
        for i in range(providers):
            body = bodies[i % len(bodies)]
            server.add(f"p{i}", lambda poll, body=body: Answer(body))
        print(server.port, flush=True)
        sys.stdin.read()


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benches/ingest.py {' '.join(args)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _report_ingest(target: str, result: dict[str, Any], smoke: bool) -> None:
    if result["stored"] + result["unreadable"] != result["documents"] or result["stored"] == 0:
        raise SystemExit(f"{target}: stored {result['stored']} of {result['documents']} documents")
    rate = result["documents"] / result["seconds"]
    cpu = result["writer_cpu_seconds"] + result["worker_cpu_seconds"] + result["server_cpu_seconds"]
    timing = (
        ""
        if smoke
        else f": {rate:,.0f} documents/s ({result['seconds']:.2f} s; CPU: writer "
        f"{result['writer_cpu_seconds']:.2f} s, workers {result['worker_cpu_seconds']:.2f} s"
        + (f", server {result['server_cpu_seconds']:.2f} s" if result["server_cpu_seconds"] else "")
        + f": {cpu / result['documents'] * 1e6:.0f} us a document)"
    )
    print(f"ingest into {target}: {result['documents']:,} documents{timing}")
    print(f"  peak RSS: writer {result['rss_mb']:.0f} MB, largest worker {result['worker_rss_mb']:.0f} MB")
    total = 0
    for table, (rows, size) in sorted(result["sizes"].items()):
        total += size or 0
        shown = "?" if size is None else f"{size / 1e6:.1f} MB"
        print(f"  {table:16} {rows:>10,} rows  {shown:>10}")
    print(f"  {'(all tables)':16} {'':>15}  {total / 1e6:>7.1f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=corpus.parse_size, default=corpus.parse_size("50MB"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL database to write (else a throwaway one)"
    )
    parser.add_argument("--providers", type=int, default=1000, help="providers served over loopback")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--smoke", action="store_true", help="small, answers checked, nothing timed")
    parser.add_argument("--skip", action="append", default=[], choices=["sqlite", "postgresql", "fetch"])
    # Internal: one measurement in this process.
    parser.add_argument("--measure", choices=["ingest", "fetch", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure == "ingest":
        print(json.dumps(measure_ingest(args.db, args.corpus, args.workers)))
        return 0
    if args.measure == "fetch":
        print(json.dumps(measure_fetch(args.db, args.providers, args.concurrency, args.port)))
        return 0
    if args.measure == "serve":
        serve(args.corpus, args.providers, args.cert, args.key)
        return 0

    if args.smoke:
        args.size, args.providers = corpus.parse_size("1MB"), 50
    path = corpus.default_path(args.size)
    if not path.exists():
        corpus.write_corpus(path, args.size)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="akinv-bench-")))
        if "sqlite" not in args.skip:
            db = f"sqlite:///{scratch / 'bench.db'}"
            result = _child(
                "--measure", "ingest", "--db", db, "--corpus", str(path), "--workers", str(args.workers)
            )
            _report_ingest(f"SQLite ({args.workers} workers)", result, args.smoke)
        if "postgresql" not in args.skip:
            url = args.postgres
            if url is None:
                from pgserver import PostgresUnavailable, throwaway_postgres

                try:
                    url = stack.enter_context(throwaway_postgres(durable=True))
                except PostgresUnavailable as error:
                    if os.environ.get("AKINV_REQUIRE_SYSTEM") == "1":
                        raise SystemExit(
                            f"ingest into PostgreSQL: {error} (AKINV_REQUIRE_SYSTEM=1)"
                        ) from error
                    print(f"ingest into PostgreSQL: skipped ({error})")
            if url is not None:
                result = _child(
                    "--measure", "ingest", "--db", url, "--corpus", str(path), "--workers", str(args.workers)
                )
                _report_ingest(f"PostgreSQL ({args.workers} workers)", result, args.smoke)
        if "fetch" not in args.skip:
            _bench_fetch(args, path, scratch)
    return 0


def _bench_fetch(args: argparse.Namespace, path: Path, scratch: Path) -> None:
    from provider_server import self_signed

    made = self_signed(scratch)
    if made is None:
        if os.environ.get("AKINV_REQUIRE_SYSTEM") == "1":
            raise SystemExit("fetch over loopback: no openssl (AKINV_REQUIRE_SYSTEM=1)")
        print("fetch over loopback: skipped (no openssl)")
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--measure", "serve", "--corpus", str(path), "--providers", str(args.providers),
         "--cert", str(made[0]), "--key", str(made[1])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        db = f"sqlite:///{scratch / 'fetch.db'}"
        result = _child("--measure", "fetch", "--db", db, "--providers", str(args.providers),
                        "--concurrency", str(args.concurrency), "--port", port)  # fmt: skip
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)
    if result["fetched_ok"] != args.providers or result["round_stored"] != args.providers:
        raise SystemExit(
            f"fetch: {result['fetched_ok']} fetched, {result['round_stored']} stored of {args.providers}"
        )
    if args.smoke:
        print(f"fetch over loopback: {args.providers} providers fetched and stored")
        return
    print(
        f"fetch over loopback ({args.providers:,} providers, concurrency {args.concurrency}, TLS, one server "
        f"process): {args.providers / result['fetch_seconds']:,.0f} providers/s fetched and sanitized "
        f"(client CPU {result['fetch_cpu_seconds'] / args.providers * 1e3:.2f} ms a provider); "
        f"{args.providers / result['round_seconds']:,.0f} providers/s as a round stored into SQLite; "
        f"peak RSS {result['rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    raise SystemExit(main())
