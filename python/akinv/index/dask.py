"""Re-validating archives larger than one machine on a Dask cluster (``dask.distributed``).

``scan(paths, client=client)`` cuts the archives into partitions (files, or byte ranges of large JSON
Lines files), runs the Rust batch validator on each partition on the workers, and brings back
aggregates: exact totals per resource and storage class, the GPU table by kind, finding counts and
the findings themselves (up to ``max_findings``), and the unreadable documents. With ``parquet=DIR``
each worker also writes its partition's node and GPU rows under DIR (``nodes/`` and ``gpus/``, one
file per partition). The paths must be readable by every worker under the same names (a shared
file system or the same copy on each machine).

A ranged partition's line numbers are made absolute by a first, cheap pass that counts the lines of
each range (in parallel on the workers too).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from akinv.index.ingest import FileTimes, provider_of
from akinv.index.partitions import Partition, _range_bytes, plan, read
from akinv.index.snapshot import Rows, Snapshot, build_rows

if TYPE_CHECKING:
    from akinv._akinv import Policy
    from akinv.io import Schema

__all__ = ["ScanSummary", "scan"]

DEFAULT_PARTITION_BYTES = 64 << 20
RESOURCES = ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes")
SIDES = ("allocatable", "allocated", "available")


@dataclass
class ScanSummary:
    """What a scan found, summed exactly over every readable document (sums are Python ints: they
    do not saturate, and can exceed int64 over a large archive)."""

    partitions: int = 0
    documents: int = 0
    ok: int = 0
    unreadable: int = 0
    totals: dict[str, dict[str, int]] = field(
        default_factory=lambda: {r: dict.fromkeys(SIDES, 0) for r in RESOURCES}
    )
    storage: dict[str, dict[str, int]] = field(default_factory=dict)
    # (vendor, model, memory size, interface) -> devices, allocatable, available, documents
    gpus: dict[tuple[str, str, str, str], dict[str, int]] = field(default_factory=dict)
    finding_counts: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, object]] = field(default_factory=list)
    findings_truncated: bool = False
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    parquet: dict[str, int] = field(default_factory=lambda: {"nodes": 0, "gpus": 0})

    def merge(self, other: ScanSummary, max_findings: int) -> None:
        self.partitions += other.partitions
        self.documents += other.documents
        self.ok += other.ok
        self.unreadable += other.unreadable
        _add_usages(self.totals, other.totals)
        _add_usages(self.storage, other.storage)
        for key, counts in other.gpus.items():
            mine = self.gpus.setdefault(
                key, dict.fromkeys(("devices", "allocatable", "available", "documents"), 0)
            )
            for name, value in counts.items():
                mine[name] += value
        for code, count in other.finding_counts.items():
            self.finding_counts[code] = self.finding_counts.get(code, 0) + count
        room = max(0, max_findings - len(self.findings))
        self.findings.extend(other.findings[:room])
        self.findings_truncated = (
            self.findings_truncated or other.findings_truncated or len(other.findings) > room
        )
        self.errors.extend(other.errors[: max(0, max_findings - len(self.errors))])
        for name, count in other.parquet.items():
            self.parquet[name] += count

    def gpu_table(self) -> list[dict[str, object]]:
        return [
            {"vendor": k[0], "model": k[1], "memory_size": k[2], "interface": k[3], **v}
            for k, v in sorted(self.gpus.items())
        ]


def _add_usages(into: dict[str, dict[str, int]], other: dict[str, dict[str, int]]) -> None:
    for name, sides in other.items():
        mine = into.setdefault(name, dict.fromkeys(SIDES, 0))
        for side, value in sides.items():
            mine[side] += value


@dataclass(frozen=True)
class _Options:
    schema: Schema | None
    policy: Policy | None
    parquet: str | None
    max_findings: int


def _count_lines(partition: Partition) -> int:
    """Lines whose first byte lies in a ranged partition."""
    assert partition.path is not None
    data = _range_bytes(partition.path, partition.start, partition.end)
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _scan_partition(partition: Partition, offset: int, options: _Options) -> ScanSummary:
    """On a worker: one partition's summary (and its Parquet files)."""
    results, _ = read(partition, threads=1, schema=options.schema, policy=options.policy)
    summary = ScanSummary(partitions=1)
    rows: list[tuple[int | None, Rows]] = []
    times = FileTimes()
    for source, relative, report, error in results:
        line = None if relative is None else relative + offset
        summary.documents += 1
        if report is None:
            summary.unreadable += 1
            if len(summary.errors) < options.max_findings:
                summary.errors.append((source, line, error.message if error is not None else "unreadable"))
            continue
        summary.ok += report.ok
        totals = report.totals
        for name in RESOURCES:
            usage = getattr(totals, name)
            sums = summary.totals[name]
            sums["allocatable"] += usage.allocatable
            sums["allocated"] += usage.allocated
            sums["available"] += usage.available
        for storage_class, usage in totals.storage.items():
            sums = summary.storage.setdefault(storage_class, dict.fromkeys(SIDES, 0))
            sums["allocatable"] += usage.allocatable
            sums["allocated"] += usage.allocated
            sums["available"] += usage.available
        for group in report.gpus:
            key = (group.vendor, group.model, group.memory_size, group.interface)
            counts = summary.gpus.setdefault(
                key, dict.fromkeys(("devices", "allocatable", "available", "documents"), 0)
            )
            counts["devices"] += group.devices
            counts["allocatable"] += group.allocatable
            counts["available"] += group.available
            counts["documents"] += 1
        for finding in report.findings:
            summary.finding_counts[finding.code] = summary.finding_counts.get(finding.code, 0) + 1
            if len(summary.findings) < options.max_findings:
                summary.findings.append({"source": source, "line": line, **finding.to_dict()})
            else:
                summary.findings_truncated = True
        if options.parquet is not None:
            snapshot = Snapshot(
                provider_of(report, source),
                times(source),
                report,
                seq=line or 0,
                source=source if line is None else f"{source}:{line}",
            )
            rows.append((None, build_rows(snapshot)))
    if options.parquet is not None:
        from akinv.index.parquet import write_rows

        summary.parquet = write_rows(rows, options.parquet, f"part-{partition.index:06d}")
    return summary


def scan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    client: Any = None,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    schema: Schema | None = None,
    policy: Policy | None = None,
    parquet: str | os.PathLike[str] | None = None,
    max_findings: int = 100_000,
) -> ScanSummary:
    """Validate every document of ``paths`` on the Dask cluster of ``client`` (a
    ``distributed.Client``; None uses the current default client, or runs here when there is none)
    and return the aggregate. See the module's documentation."""
    partitions = plan(paths, partition_bytes)
    options = _Options(schema, policy, None if parquet is None else os.fspath(parquet), max_findings)
    if client is None:
        client = _default_client()
    ranged = [p for p in partitions if p.ranged]
    if client is None:
        counts = [_count_lines(p) for p in ranged]
    else:
        counts = client.gather(client.map(_count_lines, ranged, pure=False)) if ranged else []
    offsets = _offsets(partitions, dict(zip((p.index for p in ranged), counts, strict=True)))
    if client is None:
        partials = [_scan_partition(p, offsets[p.index], options) for p in partitions]
    else:
        futures = client.map(
            _scan_partition, partitions, [offsets[p.index] for p in partitions], options=options, pure=False
        )
        partials = client.gather(futures)
    summary = ScanSummary()
    for partial in partials:  # in partition order, so findings keep the archives' order
        summary.merge(partial, max_findings)
    return summary


def _offsets(partitions: list[Partition], counts: dict[int, int]) -> dict[int, int]:
    """Each partition's line offset: the lines of the ranges of its file before it."""
    before: dict[str, int] = {}
    offsets: dict[int, int] = {}
    for partition in partitions:
        if not partition.ranged or partition.path is None:
            offsets[partition.index] = 0
            continue
        offsets[partition.index] = before.get(partition.path, 0)
        before[partition.path] = offsets[partition.index] + counts[partition.index]
    return offsets


def _default_client() -> Any:
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()  # type: ignore[no-untyped-call]
    except ValueError:
        return None
