"""Decoding ``kubectl get nodes -o json`` and ``kubectl get pods -A -o json``.

The Structs keep only the fields the checks read; msgspec skips everything else without building
it, which is what makes a 200,000-pod list decode in seconds. Quantities stay text here: they are
parsed exactly, in one batch, by :mod:`akinv.doctor.cluster`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from akinv.doctor.errors import DoctorInputError

__all__ = [
    "Container",
    "ContainerState",
    "ContainerStatus",
    "Node",
    "NodeCondition",
    "NodeList",
    "Pod",
    "PodList",
    "decode_nodes",
    "decode_pods",
]

# gc=False on every Struct: decoded JSON holds no reference cycles, and leaving 200,000 pods out
# of the cycle collector's sight halves the decode time.
# The API server always writes quantities as strings; a hand-written list may hold bare numbers.
Quantities = dict[str, str | int]


class ObjectMeta(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str = ""
    namespace: str = ""
    labels: dict[str, str] = {}


class NodeCondition(msgspec.Struct, rename="camel", frozen=True, gc=False):
    type: str
    status: str = "Unknown"
    reason: str = ""
    message: str = ""
    last_transition_time: str = ""


class NodeSystemInfo(msgspec.Struct, rename="camel", frozen=True, gc=False):
    kernel_version: str = ""
    os_image: str = ""
    kubelet_version: str = ""


class NodeStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    capacity: Quantities = {}
    allocatable: Quantities = {}
    conditions: list[NodeCondition] = []
    node_info: NodeSystemInfo = NodeSystemInfo()


class NodeSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    unschedulable: bool = False
    provider_id: str = msgspec.field(default="", name="providerID")


class Node(msgspec.Struct, rename="camel", frozen=True, gc=False):
    metadata: ObjectMeta = ObjectMeta()
    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()


class NodeList(msgspec.Struct, rename="camel", frozen=True, gc=False):
    kind: str = ""
    items: list[Node] | None = None


class ResourceRequirements(msgspec.Struct, rename="camel", frozen=True, gc=False):
    requests: Quantities = {}
    limits: Quantities = {}


class Container(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str = ""
    image: str = ""
    resources: ResourceRequirements = ResourceRequirements()
    # "Always" on an init container makes it a sidecar: it keeps running beside the others.
    restart_policy: str = ""


class PodSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    node_name: str = ""
    containers: list[Container] = []
    init_containers: list[Container] = []
    overhead: Quantities = {}


class StateWaiting(msgspec.Struct, rename="camel", frozen=True, gc=False):
    reason: str = ""
    message: str = ""


class StateTerminated(msgspec.Struct, rename="camel", frozen=True, gc=False):
    reason: str = ""
    exit_code: int = 0
    finished_at: str = ""


class ContainerState(msgspec.Struct, rename="camel", frozen=True, gc=False):
    waiting: StateWaiting | None = None
    terminated: StateTerminated | None = None


class ContainerStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str = ""
    ready: bool = False
    restart_count: int = 0
    state: ContainerState = ContainerState()
    last_state: ContainerState = ContainerState()


class PodStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    phase: str = ""
    container_statuses: list[ContainerStatus] = []


class Pod(msgspec.Struct, rename="camel", frozen=True, gc=False):
    metadata: ObjectMeta = ObjectMeta()
    spec: PodSpec = PodSpec()
    status: PodStatus = PodStatus()


class PodList(msgspec.Struct, rename="camel", frozen=True, gc=False):
    kind: str = ""
    items: list[Pod] | None = None


_NODE_DECODER = msgspec.json.Decoder(NodeList)
_POD_DECODER = msgspec.json.Decoder(PodList)
# What each flag asks kubectl for, to name it in errors about the wrong kind of list.
_EXPECTED = {"NodeList": "kubectl get nodes -o json", "PodList": "kubectl get pods -A -o json"}

KubeInput = bytes | bytearray | memoryview | str | dict[str, Any] | NodeList | PodList


def decode_nodes(data: KubeInput, source: str = "nodes") -> list[Node]:
    """The nodes of a NodeList given as JSON text or as decoded data."""
    decoded = _decode(data, NodeList, _NODE_DECODER, source)
    return _items(decoded.kind, decoded.items, "NodeList", source)


def decode_pods(data: KubeInput, source: str = "pods") -> list[Pod]:
    """The pods of a PodList given as JSON text or as decoded data."""
    decoded = _decode(data, PodList, _POD_DECODER, source)
    return _items(decoded.kind, decoded.items, "PodList", source)


def _decode(
    data: KubeInput,
    kind: type[NodeList] | type[PodList],
    decoder: msgspec.json.Decoder[Any],
    source: str,
) -> Any:
    if isinstance(data, kind):
        return data
    try:
        if isinstance(data, bytes | bytearray | memoryview | str):
            return decoder.decode(data)
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        # msgspec names the JSON path: "Expected `str`, got `array` - at `$.items[3].metadata.name`".
        raise DoctorInputError(f"{source}: {error}") from error
    except msgspec.DecodeError as error:
        raise DoctorInputError(f"{source}: not JSON: {error}") from error


def _items(kind: str, items: list[Any] | None, expected: str, source: str) -> list[Any]:
    wanted = _EXPECTED[expected]
    if kind and kind not in (expected, "List"):
        raise DoctorInputError(f"{source}: holds a {kind}, not a {expected} (the output of `{wanted}`)")
    if items is None:
        raise DoctorInputError(f"{source}: has no `items`: expected a {expected} (the output of `{wanted}`)")
    return items
