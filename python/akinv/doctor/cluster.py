"""The cluster as the checks see it: nodes and pods with every quantity an exact integer.

Quantities are gathered from the whole list first and parsed in two batches (millicores and
plain values) by the Rust core, so a 200,000-pod list costs two calls, not a million.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, TypeVar

import akinv
from akinv.doctor import kube
from akinv.doctor.errors import DoctorInputError
from akinv.errors import QuantityError

__all__ = [
    "GPU_RESOURCES",
    "RESOURCE_NAMES",
    "VENDOR_NAMES",
    "ZERO",
    "Cluster",
    "NodeFacts",
    "PodFacts",
    "Resources",
    "Vendor",
    "build_cluster",
]

Vendor: TypeAlias = Literal["nvidia", "amd"]
# The GPU vendors Akash knows (its GPU attribute parser accepts these two) and their resources.
GPU_RESOURCES: Mapping[Vendor, str] = {"nvidia": "nvidia.com/gpu", "amd": "amd.com/gpu"}
VENDOR_NAMES: Mapping[Vendor, str] = {"nvidia": "NVIDIA", "amd": "AMD"}
# Resource name in Kubernetes -> field of Resources; cpu is read as MilliValue().
RESOURCE_NAMES: Mapping[str, str] = {
    "cpu": "cpu_millis",
    "memory": "memory_bytes",
    "ephemeral-storage": "ephemeral_storage_bytes",
    "nvidia.com/gpu": "nvidia_gpus",
    "amd.com/gpu": "amd_gpus",
}
_FIELDS = tuple(RESOURCE_NAMES.values())
# Phases of a pod that still holds its requests (kubectl describe node counts these).
_NON_TERMINATED = frozenset({"", "Pending", "Running", "Unknown"})
_CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")


@dataclass(frozen=True, slots=True)
class Resources:
    """Amounts of the resources the checks compare, exact: millicores, bytes, devices."""

    cpu_millis: int = 0
    memory_bytes: int = 0
    ephemeral_storage_bytes: int = 0
    nvidia_gpus: int = 0
    amd_gpus: int = 0

    def gpus(self, vendor: Vendor) -> int:
        return self.nvidia_gpus if vendor == "nvidia" else self.amd_gpus

    def plus(self, other: Resources) -> Resources:
        return Resources(*(getattr(self, f) + getattr(other, f) for f in _FIELDS))

    def most(self, other: Resources) -> Resources:
        """Each resource's larger amount."""
        return Resources(*(max(getattr(self, f), getattr(other, f)) for f in _FIELDS))


ZERO = Resources()


@dataclass(frozen=True, slots=True)
class NodeFacts:
    name: str
    labels: Mapping[str, str]
    capacity: Resources
    allocatable: Resources
    conditions: tuple[kube.NodeCondition, ...]
    kernel_version: str
    os_image: str
    unschedulable: bool

    @property
    def control_plane(self) -> bool:
        return any(label in self.labels for label in _CONTROL_PLANE_LABELS)


@dataclass(frozen=True, slots=True)
class PodFacts:
    """A pod bound to a node, with what the scheduler counts against that node."""

    pod: kube.Pod
    requests: Resources

    @property
    def name(self) -> str:
        return f"{self.pod.metadata.namespace}/{self.pod.metadata.name}"

    @property
    def node(self) -> str:
        return self.pod.spec.node_name

    @property
    def active(self) -> bool:
        """Not Succeeded or Failed: it still holds what it requested."""
        return self.pod.status.phase in _NON_TERMINATED


@dataclass(frozen=True)
class Cluster:
    nodes: tuple[NodeFacts, ...]
    # None when no PodList was given: the checks that need pods say they did not run.
    pods: tuple[PodFacts, ...] | None
    pods_by_node: Mapping[str, tuple[PodFacts, ...]] = field(default_factory=dict)
    requested: Mapping[str, Resources] = field(default_factory=dict)

    def node_pods(self, node: str) -> tuple[PodFacts, ...]:
        return self.pods_by_node.get(node, ())

    def node_requested(self, node: str) -> Resources:
        """The sum of the requests of the node's non-terminated pods."""
        return self.requested.get(node, ZERO)


def build_cluster(
    nodes: Sequence[kube.Node],
    pods: Sequence[kube.Pod] | None,
    *,
    nodes_source: str = "nodes",
    pods_source: str = "pods",
) -> Cluster:
    """Exact facts from decoded lists; a quantity Kubernetes would refuse is a DoctorInputError
    naming the source and JSON path."""
    node_facts = _node_facts(nodes, nodes_source)
    if pods is None:
        return Cluster(node_facts, None)
    pod_facts = _pod_facts(pods, pods_source)
    grouped: dict[str, list[PodFacts]] = {}
    for facts in pod_facts:
        grouped.setdefault(facts.node, []).append(facts)
    by_node = {name: tuple(group) for name, group in grouped.items()}
    requested = {name: _sum([p.requests for p in group if p.active]) for name, group in by_node.items()}
    return Cluster(node_facts, pod_facts, by_node, requested)


def _sum(amounts: Sequence[Resources]) -> Resources:
    return Resources(*(sum(getattr(a, f) for a in amounts) for f in _FIELDS))


class _Batch:
    """Quantity texts gathered per resource for one parse each, with the target each adds to:
    a node's capacity or allocatable, or a pod (-1 for a container of a pod summed by hand)."""

    def __init__(self, with_paths: bool) -> None:
        self.texts: dict[str, list[str]] = {f: [] for f in _FIELDS}
        self.targets: dict[str, list[int]] = {f: [] for f in _FIELDS}
        self.paths: dict[str, list[str]] | None = {f: [] for f in _FIELDS} if with_paths else None

    def add(
        self, quantities: kube.Quantities, target: int, path: str | None, skip: kube.Quantities | None = None
    ) -> _Slots:
        """Gather the resources the checks use; names in `skip` are left out. Returns where each went."""
        slots: _Slots = {}
        for name, text in quantities.items():
            resource = RESOURCE_NAMES.get(name)
            if resource is None or (skip is not None and name in skip):
                continue
            texts = self.texts[resource]
            slots[resource] = len(texts)
            texts.append(text if isinstance(text, str) else str(text))
            self.targets[resource].append(target)
            if self.paths is not None:
                self.paths[resource].append(f"{path}.{name}")
        return slots

    def add_container(self, container: kube.Container, target: int, path: str | None) -> _Slots:
        """A container's requests; its limit stands for a request it does not give, as the API
        server defaults it (extended resources such as GPUs are often given as limits only)."""
        requests, limits = container.resources.requests, container.resources.limits
        slots = self.add(requests, target, f"{path}.requests" if path is not None else None)
        # Usually limits name only what requests name too (Akash sets both alike): nothing to add.
        if limits and not limits.keys() <= requests.keys():
            slots.update(
                self.add(limits, target, f"{path}.limits" if path is not None else None, skip=requests)
            )
        return slots


# Where each resource's text went: resource -> index in that resource's batch.
_Slots = dict[str, int]
_Gathered = TypeVar("_Gathered")
_Parsed = dict[str, list[int]]


def _parse(gather: Callable[[_Batch], _Gathered], source: str) -> tuple[_Gathered, _Batch, _Parsed]:
    batch = _Batch(with_paths=False)
    gathered = gather(batch)
    try:
        parsed = {
            f: akinv.parse_quantities(texts, milli=f == "cpu_millis") for f, texts in batch.texts.items()
        }
    except QuantityError:
        # Rare: gather again, this time with paths, and name the first text that fails.
        named = _Batch(with_paths=True)
        gather(named)
        assert named.paths is not None
        for resource, texts in named.texts.items():
            for text, path in zip(texts, named.paths[resource], strict=True):
                try:
                    akinv.parse_quantity(text, milli=resource == "cpu_millis")
                except QuantityError as error:
                    raise DoctorInputError(f"{source}: {path}: {error}") from error
        raise
    return gathered, batch, parsed


def _sum_by_target(batch: _Batch, parsed: _Parsed, count: int) -> list[Resources]:
    """Each target's Resources: the sum of the values gathered for it."""
    columns = []
    for resource in _FIELDS:
        column = [0] * count
        for target, value in zip(batch.targets[resource], parsed[resource], strict=True):
            if target >= 0:
                column[target] += value
        columns.append(column)
    return [Resources(*row) for row in zip(*columns, strict=True)]


def _resolve(slots: _Slots, parsed: _Parsed) -> Resources:
    if not slots:
        return ZERO
    return Resources(**{resource: parsed[resource][index] for resource, index in slots.items()})


def _node_facts(nodes: Sequence[kube.Node], source: str) -> tuple[NodeFacts, ...]:
    def gather(batch: _Batch) -> None:
        named = batch.paths is not None
        for i, node in enumerate(nodes):
            where = f"$.items[{i}].status" if named else None
            batch.add(node.status.capacity, 2 * i, f"{where}.capacity" if where else None)
            batch.add(node.status.allocatable, 2 * i + 1, f"{where}.allocatable" if where else None)

    _, batch, parsed = _parse(gather, source)
    amounts = _sum_by_target(batch, parsed, 2 * len(nodes))
    facts = []
    for i, node in enumerate(nodes):
        if not node.metadata.name:
            raise DoctorInputError(f"{source}: $.items[{i}] has no metadata.name")
        facts.append(
            NodeFacts(
                name=node.metadata.name,
                labels=node.metadata.labels,
                capacity=amounts[2 * i],
                allocatable=amounts[2 * i + 1],
                conditions=tuple(node.status.conditions),
                kernel_version=node.status.node_info.kernel_version,
                os_image=node.status.node_info.os_image,
                unschedulable=node.spec.unschedulable,
            )
        )
    return tuple(facts)


# A pod whose requests are not a plain sum: its regular containers, its init containers with
# "is a sidecar", and its overhead.
_Layered = tuple[list[_Slots], list[tuple[bool, _Slots]], _Slots]


def _pod_facts(pods: Sequence[kube.Pod], source: str) -> tuple[PodFacts, ...]:
    bound = [(i, pod) for i, pod in enumerate(pods) if pod.spec.node_name]

    def gather(batch: _Batch) -> dict[int, _Layered]:
        named = batch.paths is not None
        layered: dict[int, _Layered] = {}
        for position, (i, pod) in enumerate(bound):
            spec = f"$.items[{i}].spec" if named else None
            if not pod.spec.init_containers and not pod.spec.overhead:
                # The common case: what the pod holds is its containers' sum.
                for j, container in enumerate(pod.spec.containers):
                    batch.add_container(
                        container, position, f"{spec}.containers[{j}].resources" if spec else None
                    )
                continue
            containers = [
                batch.add_container(c, -1, f"{spec}.containers[{j}].resources" if spec else None)
                for j, c in enumerate(pod.spec.containers)
            ]
            inits = [
                (
                    c.restart_policy == "Always",
                    batch.add_container(c, -1, f"{spec}.initContainers[{j}].resources" if spec else None),
                )
                for j, c in enumerate(pod.spec.init_containers)
            ]
            overhead = batch.add(pod.spec.overhead, -1, f"{spec}.overhead" if spec else None)
            layered[position] = (containers, inits, overhead)
        return layered

    layered, batch, parsed = _parse(gather, source)
    summed = _sum_by_target(batch, parsed, len(bound))
    for position, layers in layered.items():
        summed[position] = _layered_requests(layers, parsed)
    return tuple(PodFacts(pod, requests) for (_, pod), requests in zip(bound, summed, strict=True))


def _layered_requests(layers: _Layered, parsed: _Parsed) -> Resources:
    """What the scheduler reserves for a pod: its containers' requests summed, or the largest init
    container's if more (sidecars, init containers that keep running, add to both), plus overhead."""
    containers, inits, overhead = layers
    total = ZERO
    for container in containers:
        total = total.plus(_resolve(container, parsed))
    sidecars = ZERO
    largest_init = ZERO
    for is_sidecar, init in inits:
        amounts = _resolve(init, parsed)
        if is_sidecar:
            total = total.plus(amounts)
            sidecars = sidecars.plus(amounts)
            largest_init = largest_init.most(sidecars)
        else:
            largest_init = largest_init.most(amounts.plus(sidecars))
    return total.most(largest_init).plus(_resolve(overhead, parsed))
