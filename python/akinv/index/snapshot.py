"""One poll of one provider, and the rows it becomes in the store.

A snapshot holds the report of a document that was read, or the reason none was. Its rows carry the
report's figures, which the core computes from trusted numbers only and bounds by the policy's integer
limit, so every quantity fits a BIGINT. The counts the document gives as uint32 (leases, orders,
deployments) go to INTEGER columns: one above 2^31 - 1 is stored as NULL with an ``above-column``
finding holding the value, since a real provider never runs two billion leases (it is a wrapped
negative). Sums made here (storage classes, reservations) saturate at the BIGINT maximum.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

from akinv.index.schema import TABLES

if TYPE_CHECKING:
    from akinv._akinv import Report, Usage

__all__ = [
    "INT2_MAX",
    "INT4_MAX",
    "INT64_MAX",
    "ErrorKind",
    "Rows",
    "Snapshot",
    "KEY_SLOTS",
    "build_rows",
    "saturating_sum",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

# A row of a table. Its key slots (KEY_SLOTS in a snapshot row, the snapshot id first in the
# others) are None until the store fills them in place, which saves copying every row.
Row = list[Any]
KEY_SLOTS = 5  # snapshot: id, provider_id, checked_at, seq, content_hash

INT64_MAX = (1 << 63) - 1
MAX_PROVIDER_BYTES = 2048
INT4_MAX = (1 << 31) - 1
INT2_MAX = (1 << 15) - 1

# Why a snapshot holds no report. The first seven are fetch failures (see fetch.py); "unreadable"
# is an archived document that could not be read.
ErrorKind = Literal[
    "timeout",
    "refused",
    "tls",
    "too-large",
    "not-json",
    "unknown-shape",
    "http-status",
    "network",
    "bad-url",
    "unreadable",
]

RESOURCES = ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes")
# Column prefixes of the four resources, as the Console indexer names them (cpu in millicores).
COLUMN_PREFIXES = ("cpu", "memory", "gpu", "ephemeral_storage")
COUNTERS = ("leases", "orders", "deployments")


@dataclass(frozen=True)
class Snapshot:
    """What one poll of one provider produced: a report, or the reason there is none.

    ``seq`` orders snapshots of one provider taken at the same time (an archive's line number).
    ``document`` is the sanitized document, kept as the provider's latest for bid matching.
    """

    provider: str
    checked_at: datetime
    report: Report | None = None
    error: ErrorKind | None = None
    reason: str | None = None
    seq: int = 0
    source: str | None = None
    http_status: int | None = None
    elapsed_ms: int | None = None
    document: bytes | None = None

    def __post_init__(self) -> None:
        if self.checked_at.tzinfo is None:
            raise ValueError("a snapshot's checked_at must be timezone-aware")
        if (self.report is None) == (self.error is None):
            raise ValueError("a snapshot holds either a report or an error kind")
        if not 0 <= self.seq <= INT64_MAX:
            raise ValueError(f"seq must be within 0..{INT64_MAX}")
        if not 0 < len(self.provider.encode("utf-8", "surrogatepass")) <= MAX_PROVIDER_BYTES:
            # PostgreSQL's unique index on provider names takes at most about 2,700 bytes.
            raise ValueError(
                f"a provider's name takes 1 to {MAX_PROVIDER_BYTES} bytes: {self.provider[:80]!r}..."
            )

    @property
    def ok(self) -> bool:
        """A document was read (its findings may still say it is wrong)."""
        return self.report is not None

    @property
    def tracked(self) -> bool:
        """Whether the tracker learns from it: a read document with its inventory ready. A failed
        poll or a provider still building its inventory says nothing about anomalies."""
        return self.report is not None and self.report.inventory_ready


@dataclass
class Rows:
    """A snapshot as the store writes it: its key, and its rows in the column order of
    schema.TABLES (key slots first, see Row). ``content_hash`` identifies what the snapshot says.
    Rows are plain data, so they can be built in other processes."""

    provider: str
    checked_at: datetime
    seq: int
    ok: bool
    tracked: bool
    document: bytes | None
    snapshot: Row
    nodes: list[Row] = field(default_factory=list)
    gpu_devices: list[Row] = field(default_factory=list)
    gpus: list[Row] = field(default_factory=list)
    storage: list[Row] = field(default_factory=list)
    findings: list[Row] = field(default_factory=list)
    content_hash: bytes = b""

    def to_plain(self) -> tuple[Any, ...]:
        """Plain data that marshal writes (to another process, 3x faster than pickling rows)."""
        return (
            self.provider,
            (self.checked_at - _EPOCH) // _MICROSECOND,
            self.seq,
            self.ok,
            self.tracked,
            self.document,
            self.snapshot,
            self.nodes,
            self.gpu_devices,
            self.gpus,
            self.storage,
            self.findings,
            self.content_hash,
        )

    @classmethod
    def from_plain(cls, plain: tuple[Any, ...]) -> Rows:
        provider, micros, *rest = plain
        return cls(provider, _EPOCH + timedelta(microseconds=micros), *rest)

    def without_nul(self) -> Rows:
        """The same rows with each NUL character of a text replaced by U+FFFD, for PostgreSQL,
        whose text cannot hold one (the content hash stays the original's)."""

        def clean(row: Row) -> Row:
            return [v.replace("\0", "\ufffd") if isinstance(v, str) else v for v in row]

        return replace(
            self,
            provider=self.provider.replace("\0", "\ufffd"),
            snapshot=clean(self.snapshot),
            nodes=[clean(r) for r in self.nodes],
            gpu_devices=[clean(r) for r in self.gpu_devices],
            gpus=[clean(r) for r in self.gpus],
            storage=[clean(r) for r in self.storage],
            findings=[clean(r) for r in self.findings],
        )

    def placed(self, seq: int, source: str | None) -> Rows:
        """The same rows at another sequence number and source (neither is part of the content)."""
        snapshot = list(self.snapshot)
        snapshot[KEY_SLOTS] = source
        return replace(self, seq=seq, snapshot=snapshot)


def saturating_sum(values: list[int], limit: int = INT64_MAX) -> int:
    """The sum, or ``limit`` when it would exceed it (Python ints are exact, so only the end counts)."""
    return min(sum(values), limit)


def _usage(usage: Usage) -> tuple[int, int, int]:
    return usage.allocatable, usage.allocated, usage.available


_NO_FLAGS: tuple[str | None, str | None] = (None, None)
_NO_KEY = (None,) * KEY_SLOTS


def _node_flags(usages: tuple[Usage, ...], untrusted: bool) -> tuple[str | None, str | None]:
    """Which figures were withheld (untrusted, reported as 0) and which allocatables are unbounded,
    as ``gpu.available,cpu.allocatable``-style lists."""
    withheld: list[str] = []
    unbounded: list[str] = []
    for prefix, usage in zip(COLUMN_PREFIXES, usages, strict=True):
        if untrusted:
            for side in usage.withheld:
                withheld.append(f"{prefix}.{side}")
        if usage.allocatable == 0 and usage.unbounded:
            unbounded.append(prefix)
    if not withheld and not unbounded:
        return _NO_FLAGS
    return (",".join(withheld) or None, ",".join(unbounded) or None)


# Storage-class lists as JSON text; nodes repeat a handful of lists, so each is written once.
_CLASSES: dict[tuple[str, ...], str] = {}


def _classes(classes: list[str] | None) -> str | None:
    if classes is None:
        return None
    key = tuple(classes)
    text = _CLASSES.get(key)
    if text is None:
        text = json.dumps(classes, ensure_ascii=False)
        if len(_CLASSES) < 4096:
            _CLASSES[key] = text
    return text


def _counters(report: Report, findings: list[Row]) -> tuple[int | None, ...]:
    counters = report.counters
    values: list[int | None] = []
    for name in COUNTERS:
        value = counters.get(name)
        if value is not None and value > INT4_MAX:
            findings.append(
                [
                    None,
                    len(findings),
                    "above-column",
                    "error",
                    f"counters.{name}",
                    None,
                    name,
                    str(value),
                    f"{name} {value} does not fit the store's INTEGER column (at most {INT4_MAX}): "
                    "stored as NULL; a uint32 this large is a wrapped negative",
                ]
            )
            value = None
        values.append(value)
    return tuple(values)


def _reservations(report: Report) -> tuple[int | None, ...]:
    """count, cpu, memory, gpu, ephemeral storage and storage (summed over classes, saturated) of
    the active then the pending reservations."""
    reservations = report.reservations
    out: list[int | None] = []
    for side in ("active", "pending"):
        held = reservations.get(side) if reservations else None
        if not held:
            out += _NO_RESERVATION
            continue
        count = held.get("count")
        out.append(min(count, INT4_MAX) if isinstance(count, int) else None)
        for name in RESOURCES:
            value = held.get(name)
            out.append(value if isinstance(value, int) else None)
        storage = held.get("storage")
        out.append(saturating_sum(list(storage.values())) if isinstance(storage, dict) and storage else None)
    return tuple(out)


_NO_RESERVATION = (None,) * 6


def _findings(report: Report) -> tuple[list[Row], int]:
    findings: list[Row] = []
    errors = 0
    for position, finding in enumerate(report.findings):
        value = finding.value
        findings.append(
            [
                None,
                position,
                finding.code,
                finding.severity,
                finding.path,
                finding.node,
                finding.resource,
                None if value is None else str(value),
                finding.message,
            ]
        )
        errors += finding.severity == "error"
    return findings, errors


def _nodes(report: Report, untrusted: bool, listed: bool, classed: bool) -> tuple[list[Row], list[Row]]:
    """Node rows, and their GPU devices grouped by kind. Only ``listed`` documents (some GPU group
    has devices) are asked for devices, and only ``classed`` ones (v1) for storage classes: each
    question costs a few hundred nanoseconds a node."""
    nodes: list[Row] = []
    devices: list[Row] = []
    for position, node in enumerate(report.nodes):
        cpu, memory, gpu, ephemeral = usages = (
            node.cpu_millis,
            node.memory_bytes,
            node.gpu,
            node.ephemeral_storage_bytes,
        )
        row = [
            None,
            position,
            node.index,
            node.name,
            cpu.allocatable,
            cpu.allocated,
            cpu.available,
            memory.allocatable,
            memory.allocated,
            memory.available,
            gpu.allocatable,
            gpu.allocated,
            gpu.available,
            ephemeral.allocatable,
            ephemeral.allocated,
            ephemeral.available,
        ]
        # Figures are withheld only in a document with findings, and only a zero allocatable can be
        # unbounded (-1 adds nothing to it): most nodes need neither question asked.
        if untrusted or not (row[4] and row[7] and row[10] and row[13]):
            row += _node_flags(usages, untrusted)
        else:
            row += _NO_FLAGS
        row.append(_classes(node.storage_classes) if classed else None)
        nodes.append(row)
        gpu_devices = node.gpu_devices if listed else None
        if gpu_devices:
            kinds: dict[tuple[str, str, str, str], int] = {}
            for device in gpu_devices:
                kind = (device.vendor, device.model, device.memory_size, device.interface)
                kinds[kind] = kinds.get(kind, 0) + 1
            for kind_position, (kind, count) in enumerate(kinds.items()):
                devices.append([None, position, kind_position, *kind, min(count, INT4_MAX)])
    return nodes, devices


def build_rows(snapshot: Snapshot) -> Rows:
    """The snapshot's rows (see schema.py for the columns)."""
    report = snapshot.report
    if report is None:
        head = [snapshot.source, snapshot.error, snapshot.http_status, snapshot.reason, snapshot.elapsed_ms]
        rows = Rows(*_key(snapshot), [*_NO_KEY, *head, *[None] * (len(TABLES["snapshot"]) - len(head))])
        rows.content_hash = _hash(rows)
        return rows
    findings, errors = _findings(report)
    reported = len(findings)
    counters = _counters(report, findings)
    errors += len(findings) - reported
    groups = report.gpus
    nodes, devices = _nodes(report, reported > 0, any(g.devices for g in groups), report.schema == "v1")
    gpus = [
        [
            None,
            position,
            group.vendor,
            group.model,
            group.memory_size,
            group.interface,
            group.allocatable,
            group.available,
            min(group.devices, INT4_MAX),
            group.withheld,
        ]
        for position, group in enumerate(groups)
    ]
    totals = report.totals
    figures = [(name, _usage(usage)) for name, usage in totals.storage.items()]
    storage: list[Row] = [[None, position, name, *usage] for position, (name, usage) in enumerate(figures)]
    storage_sums = (
        tuple(saturating_sum([usage[i] for _, usage in figures]) for i in range(3))
        if figures
        else (None,) * 3
    )
    rows = Rows(
        *_key(snapshot),
        [
            *_NO_KEY,
            snapshot.source,
            None,
            snapshot.http_status,
            None,
            snapshot.elapsed_ms,
            report.schema,
            report.ok and errors == 0,
            report.inventory_ready,
            report.inventory_error,
            min(len(nodes), INT4_MAX),
            min(len(findings), INT4_MAX),
            min(errors, INT4_MAX),
            *counters,
            *_usage(totals.cpu_millis),
            *_usage(totals.memory_bytes),
            *_usage(totals.gpu),
            *_usage(totals.ephemeral_storage_bytes),
            *storage_sums,
            *_reservations(report),
        ],
        nodes,
        devices,
        gpus,
        storage,
        findings,
    )
    rows.content_hash = _hash(rows)
    return rows


def _key(snapshot: Snapshot) -> tuple[str, datetime, int, bool, bool, bytes | None]:
    return (
        snapshot.provider,
        snapshot.checked_at,
        snapshot.seq,
        snapshot.ok,
        snapshot.tracked,
        snapshot.document,
    )


def _hash(rows: Rows) -> bytes:
    """A digest of everything the snapshot says (not where or when it was taken: the key has those).
    marshal's version 2 writes ints, strings, bools, None, tuples and lists exactly and without
    back-references, so equal rows give equal bytes; it is 4x faster than repr."""
    # The key slots are still empty here; the source (first after them) is not content.
    content: Any = (
        rows.snapshot[KEY_SLOTS + 1 :],
        rows.nodes,
        rows.gpu_devices,
        rows.gpus,
        rows.storage,
        rows.findings,
    )
    data = marshal.dumps(content, 2)
    return hashlib.blake2b(data, digest_size=16).digest()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
