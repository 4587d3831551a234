"""Type-checked with mypy --strict by scripts/test (never run): the indexer's public surface."""

from __future__ import annotations

import akinv
from akinv.index import Anomaly, Snapshot, connect
from akinv.index.views import NetworkGpus, gpu_availability

store = connect("sqlite:///:memory:")
tracker: akinv.Tracker = akinv.Tracker(store, transient_snapshots=3, transient_seconds=60.0)
persistent: list[Anomaly] = tracker.anomalies(state="persistent", ongoing=True)
tracker.anomalies(state="gone")  # type: ignore[arg-type]
network: NetworkGpus = gpu_availability(store)
rows: dict[str, int] = akinv.export_parquet(store, "out")


async def sweep() -> list[Snapshot]:
    snapshots = []
    options = akinv.FetchOptions(concurrency=8, max_bytes=1 << 20, verify="ca.pem")
    async for result in akinv.fetch(["provider.example.com"], options):
        if result.error in ("timeout", "tls"):
            continue
        snapshots.append(result.snapshot())
    return snapshots


akinv.FetchOptions(concurrency="8")  # type: ignore[arg-type]
summary: akinv.dask.ScanSummary = akinv.dask.scan(["history.jsonl"], partition_bytes=1 << 26)
totals: dict[str, dict[str, int]] = summary.totals
