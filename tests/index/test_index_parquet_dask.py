"""Parquet export from the store, and akinv.dask.scan on a real LocalCluster of two worker processes."""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from documents import GPU_H100, dumps, legacy, legacy_node, v1, v1_node
from system import require

import akinv
from akinv.index import Tracker, connect
from akinv.index.ingest import ingest

A100 = {**GPU_H100, "name": "a100", "interface": "PCIe"}


def pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet
    except ImportError:
        require("pyarrow is not installed (pip install 'akinv[index]')")
    return pyarrow.parquet


def corpus(folder: Path) -> list[Path]:
    """Documents of every kind: mixed GPU nodes, wrapped counts, a broken line, gzip, a directory."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(400):
        if i % 7 == 0:
            lines.append(dumps(legacy(legacy_node(gpu=2**64 - 1), legacy_node("node2"))))
        elif i % 2:
            mixed = [dict(GPU_H100)] * 2 + [dict(A100)] * 2
            lines.append(dumps(v1(v1_node(gpu=("4", str(i % 5)), gpu_info=mixed), v1_node("n2"))))
        else:
            lines.append(dumps(legacy(legacy_node(gpu=i % 8))))
    lines.insert(123, b'{"cluster": broken')
    big = folder / "big.jsonl"
    big.write_bytes(b"\n".join(lines) + b"\n")
    packed = folder / "small.jsonl.gz"
    with gzip.open(packed, "wb") as out:
        out.write(dumps(v1(v1_node())) + b"\n")
    (folder / "dir").mkdir(exist_ok=True)
    (folder / "dir" / "x.json").write_bytes(dumps(v1(v1_node(gpu=("2", "0"), gpu_info=[dict(A100)] * 2))))
    return [big, packed, folder / "dir"]


def test_export_parquet_from_the_store(db_url: str, tmp_path: Path) -> None:
    pq = pyarrow_parquet()
    paths = corpus(tmp_path / "in")
    with connect(db_url) as store:
        ingest(paths, Tracker(store))
        node_rows = store.query("SELECT count(*), sum(gpu_allocatable), max(memory_allocatable) FROM node")[0]
        gpu_rows = store.query("SELECT count(*), sum(available) FROM gpu")[0]
        counts = akinv.export_parquet(store, tmp_path / "out", snapshots_per_group=50)
    nodes = pq.read_table(tmp_path / "out" / "nodes.parquet")
    gpus = pq.read_table(tmp_path / "out" / "gpus.parquet")
    assert counts == {"nodes": node_rows[0], "gpus": gpu_rows[0]} and nodes.num_rows == node_rows[0]
    assert sum(nodes.column("gpu_allocatable").to_pylist()) == node_rows[1]
    assert max(nodes.column("memory_allocatable").to_pylist()) == node_rows[2]
    assert sum(gpus.column("available").to_pylist()) == gpu_rows[1]
    assert str(nodes.schema.field("cpu_allocatable").type) == "int64"
    mixed = next(r for r in nodes.to_pylist() if len(r["gpu_devices"]) == 2)
    assert [(d["model"], d["devices"]) for d in mixed["gpu_devices"]] == [("h100", 2), ("a100", 2)]
    withheld = [r for r in nodes.to_pylist() if r["withheld"]]
    assert withheld and all(r["gpu_available"] == 0 for r in withheld)
    # Reading the URL opens it without creating anything.
    if db_url.startswith("sqlite"):
        assert akinv.export_parquet(db_url, tmp_path / "again") == counts


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        require("dask.distributed is not installed (pip install 'akinv[dask]')")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def reference(
    paths: list[Path],
) -> tuple[dict[str, dict[str, int]], Counter[tuple[str, ...]], list[tuple[Any, ...]]]:
    """Totals, GPU kinds and findings the plain way: akinv.scan over everything, summed here."""
    totals: dict[str, dict[str, int]] = {}
    kinds: Counter[tuple[str, ...]] = Counter()
    findings = []
    for result in akinv.scan([str(p) for p in paths]):
        if result.report is None:
            continue
        for name, usage in result.report.totals.to_dict().items():
            if isinstance(usage, dict) and "allocatable" in usage:
                for side in ("allocatable", "allocated", "available"):
                    totals.setdefault(name, {}).setdefault(side, 0)
                    totals[name][side] += usage[side]
        for group in result.report.gpus:
            kinds[(group.vendor, group.model, group.memory_size, group.interface)] += group.available
        findings += [(result.source, result.line, f.code, f.path) for f in result.report.findings]
    return totals, kinds, findings


def test_dask_scan_on_two_worker_processes(cluster_client: Any, tmp_path: Path) -> None:
    pq = pyarrow_parquet()
    paths = corpus(tmp_path / "in")
    workers = cluster_client.scheduler_info()["workers"]
    assert len(workers) == 2 and len({w["host"] + str(w.get("pid", id(w))) for w in workers.values()}) == 2
    summary = akinv.dask.scan(paths, client=cluster_client, partition_bytes=16 << 10, parquet=tmp_path / "pq")
    assert summary.partitions > 4  # the big file is cut into byte ranges
    totals, kinds, findings = reference(paths)
    assert summary.documents == 403 and summary.unreadable == 1
    assert summary.errors[0][:2] == (str(paths[0]), 124)
    assert {name: summary.totals[name] for name in totals} == totals
    assert Counter({k: v["available"] for k, v in summary.gpus.items()}) == kinds
    assert [(f["source"], f["line"], f["code"], f["path"]) for f in summary.findings] == findings
    assert summary.finding_counts["wrapped-negative"] == 58
    # The same call without a cluster gives the same answer.
    local = akinv.dask.scan(paths, partition_bytes=16 << 10)
    assert (local.totals, local.gpus, local.findings, local.errors) == (
        summary.totals,
        summary.gpus,
        summary.findings,
        summary.errors,
    )
    nodes = pq.read_table(tmp_path / "pq" / "nodes")
    assert (
        nodes.num_rows
        == summary.parquet["nodes"]
        == sum(len(r.report.nodes) for r in akinv.scan([str(p) for p in paths]) if r.report)
    )
    sources = set(nodes.column("source").to_pylist())
    assert f"{paths[0]}:400" in sources and f"{paths[0]}:401" in sources  # absolute line numbers
