"""Per node and resource: capacity, allocatable, what pods request and what the status says.

Shared by every renderer so the table, the chart and the JSON show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import akinv
from akinv.doctor.cluster import NodeFacts, Resources
from akinv.doctor.examine import Diagnosis
from akinv.doctor.findings import JsonValue
from akinv.doctor.units import amount

__all__ = [
    "RESOURCE_ROWS",
    "NodeUsage",
    "ResourceUsage",
    "format_amount",
    "node_usages",
    "per_mille",
    "plural",
]

# (field of Resources, label, field of akinv.NodeSummary)
RESOURCE_ROWS = (
    ("cpu_millis", "CPU", "cpu_millis"),
    ("memory_bytes", "memory", "memory_bytes"),
    ("gpus", "GPU", "gpu"),
    ("ephemeral_storage_bytes", "ephemeral storage", "ephemeral_storage_bytes"),
)


@dataclass(frozen=True, slots=True)
class ResourceUsage:
    field: str
    label: str
    capacity: int
    allocatable: int
    # Requests of the node's non-terminated pods; None without a PodList.
    requested: int | None
    # The provider status's numbers for this node (trusted ones only); None without a status.
    status_allocatable: int | None
    status_allocated: int | None

    @property
    def allocated(self) -> int | None:
        """What the chart draws against allocatable: pod requests, else the status's allocated."""
        return self.requested if self.requested is not None else self.status_allocated

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "capacity": self.capacity,
            "allocatable": self.allocatable,
            "requested": self.requested,
            "status_allocatable": self.status_allocatable,
            "status_allocated": self.status_allocated,
        }


@dataclass(frozen=True, slots=True)
class NodeUsage:
    node: NodeFacts
    resources: tuple[ResourceUsage, ...]

    @property
    def ready(self) -> bool:
        return any(c.type == "Ready" and c.status == "True" for c in self.node.conditions)

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "name": self.node.name,
            "ready": self.ready,
            "control_plane": self.node.control_plane,
            "kernel_version": self.node.kernel_version,
            "os_image": self.node.os_image,
            "resources": {usage.field: usage.to_dict() for usage in self.resources},
        }


def _amount(resources: Resources, field: str) -> int:
    if field == "gpus":
        return resources.nvidia_gpus + resources.amd_gpus
    value: int = getattr(resources, field)
    return value


def node_usages(diagnosis: Diagnosis) -> list[NodeUsage]:
    cluster = diagnosis.cluster
    summaries: dict[str, akinv.NodeSummary] = {}
    if diagnosis.status is not None:
        summaries = {n.name: n for n in diagnosis.status.nodes if n.name is not None}
    usages = []
    for node in cluster.nodes:
        requested = cluster.node_requested(node.name) if cluster.pods is not None else None
        summary = summaries.get(node.name)
        rows: list[ResourceUsage] = []
        for field, label, status_field in RESOURCE_ROWS:
            reported: akinv.Usage | None = getattr(summary, status_field) if summary is not None else None
            rows.append(
                ResourceUsage(
                    field=field,
                    label=label,
                    capacity=_amount(node.capacity, field),
                    allocatable=_amount(node.allocatable, field),
                    requested=None if requested is None else _amount(requested, field),
                    status_allocatable=None if reported is None else reported.allocatable,
                    status_allocated=None if reported is None else reported.allocated,
                )
            )
        usages.append(NodeUsage(node, tuple(rows)))
    return usages


def format_amount(field: str, value: int | None) -> str:
    if value is None:
        return "-"
    return amount("count" if field == "gpus" else field, value)


def per_mille(part: int, whole: int) -> int:
    """part / whole in thousandths, rounded down, exact."""
    return 0 if whole <= 0 else (max(part, 0) * 1000) // whole


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
