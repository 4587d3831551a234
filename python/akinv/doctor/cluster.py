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
    requested: dict[str, Resources] = {}
    for facts in pod_facts:
        grouped.setdefault(facts.node, []).append(facts)
        if facts.active:
            requested[facts.node] = requested.get(facts.node, ZERO).plus(facts.requests)
    by_node = {name: tuple(group) for name, group in grouped.items()}
    return Cluster(node_facts, pod_facts, by_node, requested)


class _Batch:
    """Quantity texts gathered for one parse; `add` returns where the value will be."""

    def __init__(self, with_paths: bool) -> None:
        self.milli: list[str] = []
        self.plain: list[str] = []
        self.paths: dict[tuple[bool, int], str] | None = {} if with_paths else None

    def add(self, name: str, text: str | int, path: str | None) -> tuple[bool, int]:
        is_cpu = name == "cpu"
        texts = self.milli if is_cpu else self.plain
        texts.append(text if isinstance(text, str) else str(text))
        slot = (is_cpu, len(texts) - 1)
        if self.paths is not None and path is not None:
            self.paths[slot] = path
        return slot


# Where each resource's parsed value will be: field -> (is millicores, index in its batch).
_Slots = dict[str, tuple[bool, int]]
_Gathered = TypeVar("_Gathered")


def _gather(batch: _Batch, quantities: kube.Quantities, path: str | None) -> _Slots:
    """Slots of the resources the checks use."""
    slots: _Slots = {}
    for name, attribute in RESOURCE_NAMES.items():
        text = quantities.get(name)
        if text is not None:
            slots[attribute] = batch.add(name, text, f"{path}.{name}" if path is not None else None)
    return slots


def _gather_container(batch: _Batch, container: kube.Container, path: str | None) -> _Slots:
    """A container's requests; its limit stands for a request it does not give, as the API server
    defaults it (extended resources such as GPUs are often given as limits only)."""
    requests, limits = container.resources.requests, container.resources.limits
    slots: _Slots = {}
    for name, attribute in RESOURCE_NAMES.items():
        text, part = requests.get(name), "requests"
        if text is None:
            text, part = limits.get(name), "limits"
        if text is not None:
            slots[attribute] = batch.add(name, text, f"{path}.{part}.{name}" if path is not None else None)
    return slots


def _parse(gather: Callable[[_Batch], _Gathered], source: str) -> tuple[_Gathered, list[int], list[int]]:
    batch = _Batch(with_paths=False)
    gathered = gather(batch)
    try:
        milli = akinv.parse_quantities(batch.milli, milli=True)
        plain = akinv.parse_quantities(batch.plain)
    except QuantityError:
        # Rare: gather again, this time with paths, and name the first text that fails.
        named = _Batch(with_paths=True)
        gather(named)
        assert named.paths is not None
        for (is_cpu, index), path in named.paths.items():
            text = (named.milli if is_cpu else named.plain)[index]
            try:
                akinv.parse_quantity(text, milli=is_cpu)
            except QuantityError as error:
                raise DoctorInputError(f"{source}: {path}: {error}") from error
        raise
    return gathered, milli, plain


def _resolve(slots: _Slots, milli: Sequence[int], plain: Sequence[int]) -> Resources:
    if not slots:
        return ZERO
    return Resources(**{f: (milli if is_cpu else plain)[i] for f, (is_cpu, i) in slots.items()})


def _node_facts(nodes: Sequence[kube.Node], source: str) -> tuple[NodeFacts, ...]:
    def gather(batch: _Batch) -> list[tuple[_Slots, _Slots]]:
        named = batch.paths is not None
        return [
            (
                _gather(batch, node.status.capacity, f"$.items[{i}].status.capacity" if named else None),
                _gather(
                    batch, node.status.allocatable, f"$.items[{i}].status.allocatable" if named else None
                ),
            )
            for i, node in enumerate(nodes)
        ]

    slots, milli, plain = _parse(gather, source)
    facts = []
    for node, (capacity, allocatable) in zip(nodes, slots, strict=True):
        if not node.metadata.name:
            raise DoctorInputError(f"{source}: a node has no metadata.name")
        facts.append(
            NodeFacts(
                name=node.metadata.name,
                labels=node.metadata.labels,
                capacity=_resolve(capacity, milli, plain),
                allocatable=_resolve(allocatable, milli, plain),
                conditions=tuple(node.status.conditions),
                kernel_version=node.status.node_info.kernel_version,
                os_image=node.status.node_info.os_image,
                unschedulable=node.spec.unschedulable,
            )
        )
    return tuple(facts)


# A pod's containers as gathered: (regular containers, init containers with "is a sidecar", overhead).
_PodSlots = tuple[list[_Slots], list[tuple[bool, _Slots]], _Slots]


def _pod_facts(pods: Sequence[kube.Pod], source: str) -> tuple[PodFacts, ...]:
    bound = [(i, pod) for i, pod in enumerate(pods) if pod.spec.node_name]

    def gather(batch: _Batch) -> list[_PodSlots]:
        named = batch.paths is not None
        gathered: list[_PodSlots] = []
        for i, pod in bound:
            spec = f"$.items[{i}].spec" if named else None
            containers = [
                _gather_container(batch, c, f"{spec}.containers[{j}].resources" if spec else None)
                for j, c in enumerate(pod.spec.containers)
            ]
            inits = [
                (
                    c.restart_policy == "Always",
                    _gather_container(batch, c, f"{spec}.initContainers[{j}].resources" if spec else None),
                )
                for j, c in enumerate(pod.spec.init_containers)
            ]
            overhead = _gather(batch, pod.spec.overhead, f"{spec}.overhead" if spec else None)
            gathered.append((containers, inits, overhead))
        return gathered

    slots, milli, plain = _parse(gather, source)
    return tuple(
        PodFacts(pod, _pod_requests(pod_slots, milli, plain))
        for (_, pod), pod_slots in zip(bound, slots, strict=True)
    )


def _pod_requests(slots: _PodSlots, milli: Sequence[int], plain: Sequence[int]) -> Resources:
    """What the scheduler reserves for a pod: its containers' requests summed, or the largest init
    container's if more (sidecars, init containers that keep running, add to both), plus overhead."""
    containers, inits, overhead = slots
    if len(containers) == 1 and not inits and not overhead:
        return _resolve(containers[0], milli, plain)
    total = ZERO
    for container in containers:
        total = total.plus(_resolve(container, milli, plain))
    sidecars = ZERO
    largest_init = ZERO
    for is_sidecar, init in inits:
        amounts = _resolve(init, milli, plain)
        if is_sidecar:
            total = total.plus(amounts)
            sidecars = sidecars.plus(amounts)
            largest_init = largest_init.most(sidecars)
        else:
            largest_init = largest_init.most(amounts.plus(sidecars))
    return total.most(largest_init).plus(_resolve(overhead, milli, plain))
