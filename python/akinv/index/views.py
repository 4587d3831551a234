"""The network as the store sees it: GPU availability from each provider's latest snapshot.

A provider counts with its latest snapshot. Providers are never dropped silently: those whose latest
poll failed, whose inventory was not ready, or that carry a persistent anomaly are listed apart
(the last with their sanitized GPU figures, which are not added to the network's). Sums are exact
and saturate at the BIGINT maximum, like the report's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import akinv
from akinv.index.snapshot import INT64_MAX
from akinv.index.store import Store

if TYPE_CHECKING:
    from akinv._akinv import Inventories, Policy

__all__ = ["ApartProvider", "GpuRow", "NetworkGpus", "ProviderGpus", "gpu_availability", "inventories"]

GpuKey = tuple[str, str, str, str]  # vendor, model, memory size, interface (normalised by the core)
ApartReason = Literal["failed", "inventory-not-ready", "persistent-anomalies"]


@dataclass
class GpuRow:
    """GPUs of one kind: devices listed, allocatable and available counts, how many providers."""

    vendor: str
    model: str
    memory_size: str
    interface: str
    providers: int = 0
    devices: int = 0
    allocatable: int = 0
    available: int = 0
    # Some node's GPU count was untrusted: its devices are counted, its GPUs are not.
    withheld: bool = False
    # A sum reached the BIGINT maximum and stopped there.
    saturated: bool = False

    def add(self, devices: int, allocatable: int, available: int, withheld: bool) -> None:
        self.providers += 1
        self.withheld = self.withheld or withheld
        for name, value in (("devices", devices), ("allocatable", allocatable), ("available", available)):
            total = getattr(self, name) + value
            if total > INT64_MAX:
                total, self.saturated = INT64_MAX, True
            setattr(self, name, total)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class ProviderGpus:
    provider: str
    checked_at: datetime
    snapshot_id: int
    gpus: list[GpuRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "checked_at": self.checked_at.isoformat(),
            "snapshot_id": self.snapshot_id,
            "gpus": [row.to_dict() for row in self.gpus],
        }


@dataclass
class ApartProvider:
    """A provider left out of the network table, and why."""

    provider: str
    reason: ApartReason
    checked_at: datetime | None
    snapshot_id: int | None
    error: str | None = None
    detail: str | None = None
    anomalies: list[str] = field(default_factory=list)
    gpus: list[GpuRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "reason": self.reason,
            "checked_at": None if self.checked_at is None else self.checked_at.isoformat(),
            "snapshot_id": self.snapshot_id,
            "error": self.error,
            "detail": self.detail,
            "anomalies": list(self.anomalies),
            "gpus": [row.to_dict() for row in self.gpus],
        }


@dataclass
class NetworkGpus:
    """``gpus``: the network's GPUs by kind from the providers counted; ``providers``: each counted
    provider's GPUs; ``apart``: the providers not counted; ``counted``: how many were."""

    gpus: list[GpuRow]
    providers: list[ProviderGpus]
    apart: list[ApartProvider]
    counted: int

    def to_dict(self) -> dict[str, object]:
        return {
            "counted": self.counted,
            "gpus": [row.to_dict() for row in self.gpus],
            "providers": [p.to_dict() for p in self.providers],
            "apart": [p.to_dict() for p in self.apart],
        }


def _persistent(store: Store) -> dict[int, list[str]]:
    """Ongoing persistent anomalies per provider id, as ``code node/resource`` texts."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = store.query(
        "SELECT provider_id, code, node, resource FROM anomaly "
        "WHERE state = 'persistent' AND ended_at IS NULL ORDER BY provider_id, started_at, id"
    )
    for provider_id, code, node, resource in rows:
        where = "/".join(part for part in (node, resource) if part)
        found[int(provider_id)].append(f"{code} {where}".strip())
    return found


def _gpu_rows(store: Store) -> dict[int, list[tuple[Any, ...]]]:
    """The GPU groups of each provider's latest snapshot, by snapshot id."""
    rows = store.query(
        "SELECT g.snapshot_id, g.vendor, g.model, g.memory_size, g.interface, g.devices, g.allocatable, "
        "g.available, g.withheld FROM gpu g JOIN provider p ON p.last_snapshot_id = g.snapshot_id "
        "ORDER BY g.snapshot_id, g.position"
    )
    by_snapshot: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_snapshot[int(row[0])].append(row[1:])
    return by_snapshot


def _provider_rows(groups: list[tuple[Any, ...]]) -> list[GpuRow]:
    out: list[GpuRow] = []
    for vendor, model, memory_size, interface, devices, allocatable, available, withheld in groups:
        row = GpuRow(vendor, model, memory_size, interface)
        row.add(int(devices), int(allocatable), int(available), bool(withheld))
        out.append(row)
    return out


def gpu_availability(store: Store) -> NetworkGpus:
    """GPU availability by (vendor, model, memory size, interface), network-wide and per provider."""
    latest = store.query(
        "SELECT p.id, p.name, s.id, s.checked_at, s.error, s.reason, s.inventory_ready FROM provider p "
        "JOIN snapshot s ON s.id = p.last_snapshot_id ORDER BY p.name"
    )
    persistent = _persistent(store)
    groups = _gpu_rows(store)
    network: dict[GpuKey, GpuRow] = {}
    providers: list[ProviderGpus] = []
    apart: list[ApartProvider] = []
    counted = 0
    for provider_id, name, snapshot_id, checked, error, reason, ready in latest:
        checked_at = store.from_db_time(checked)
        snapshot_id = int(snapshot_id)
        rows = _provider_rows(groups.get(snapshot_id, []))
        if error is not None:
            apart.append(ApartProvider(name, "failed", checked_at, snapshot_id, error, reason))
            continue
        if not ready:
            apart.append(ApartProvider(name, "inventory-not-ready", checked_at, snapshot_id))
            continue
        anomalies = persistent.get(int(provider_id))
        if anomalies:
            apart.append(
                ApartProvider(
                    name, "persistent-anomalies", checked_at, snapshot_id, anomalies=anomalies, gpus=rows
                )
            )
            continue
        counted += 1
        if rows:
            providers.append(ProviderGpus(name, checked_at, snapshot_id, rows))
        for row in rows:
            key = (row.vendor, row.model, row.memory_size, row.interface)
            total = network.get(key)
            if total is None:
                total = network[key] = GpuRow(*key)
            total.add(row.devices, row.allocatable, row.available, row.withheld)
            total.saturated = total.saturated or row.saturated
    table = sorted(network.values(), key=lambda r: (r.vendor, r.model, r.memory_size, r.interface))
    return NetworkGpus(table, providers, apart, counted)


def inventories(store: Store, *, threads: int | None = None, policy: Policy | None = None) -> Inventories:
    """Bid matching on the latest sweep ("who can host this order"): ``akinv.Inventories`` of the
    latest sanitized document of each provider whose latest poll succeeded. Archived documents
    (``akinv ingest``) are not kept, so only fetched providers take part."""
    return akinv.Inventories(list(store.latest_documents().items()), threads=threads, policy=policy)
