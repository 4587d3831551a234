"""What an SDL's services, profiles and deployments are once read, and how they become the units
of one placement group (endpoints numbered and volumes sorted as the Go SDL does)."""

from __future__ import annotations

from dataclasses import dataclass, field

from yaml.nodes import Node

from akinv.bidding.quantities import Quantity, format_dec
from akinv.bidding.spec import Coin, OrderSpec, Unit, Volume
from akinv.bidding.yamlnodes import fail

__all__ = [
    "LEASED_IP",
    "SdlCompute",
    "SdlDeployment",
    "SdlExpose",
    "SdlPrice",
    "SdlService",
    "SdlTo",
    "SdlVolume",
    "UnitDraft",
    "endpoints_of",
    "go_stable_sort",
    "group_spec",
    "sequence_numbers",
]

LEASED_IP = "leased-ip"


@dataclass
class SdlVolume:
    name: str
    size: Quantity
    attributes: dict[str, str]
    node: Node


@dataclass
class SdlCompute:
    name: str
    node: Node
    cpu: Quantity
    memory: Quantity
    gpu_units: int
    gpu_keys: tuple[str, ...]
    volumes: list[SdlVolume]


@dataclass
class SdlTo:
    global_: bool
    ip: str
    node: Node


@dataclass
class SdlExpose:
    port: int
    as_: int
    proto: str
    to: list[SdlTo]
    node: Node


@dataclass
class SdlService:
    name: str
    node: Node
    exposes: list[SdlExpose]
    image: str = ""
    mounts: dict[str, tuple[str, Node]] = field(default_factory=dict)
    has_storage_params: bool = False
    tee: str | None = None


@dataclass
class SdlPrice:
    atto: int
    denom: str
    node: Node


@dataclass
class SdlDeployment:
    service: str
    placement: str
    profile: str
    count: int
    node: Node


@dataclass
class UnitDraft:
    compute: SdlCompute
    price: SdlPrice
    count: int
    endpoints: list[tuple[str, int]]
    services: list[str]


def group_spec(group: str, drafts: list[UnitDraft]) -> OrderSpec:
    units = []
    denoms: dict[str, Node] = {}
    total = 0
    for index, draft in enumerate(drafts):
        compute, price = draft.compute, draft.price
        denoms.setdefault(price.denom, price.node)
        total += price.atto * draft.count
        volumes = tuple(
            Volume(
                name=volume.name,
                bytes=volume.size.value,
                class_=volume.attributes.get("class"),
                persistent=volume.attributes.get("persistent") == "true",
            )
            for volume in compute.volumes
        )
        units.append(
            Unit(
                id=index + 1,
                name=f"{compute.name} ({', '.join(draft.services)})",
                count=draft.count,
                cpu_millis=compute.cpu.value,
                memory_bytes=compute.memory.value,
                gpu_units=compute.gpu_units,
                gpu_attributes=compute.gpu_keys,
                storage=volumes,
                endpoints=len(draft.endpoints),
                ips=len({number for kind, number in draft.endpoints if kind == LEASED_IP}),
                price=Coin(price.denom, format_dec(price.atto)),
            )
        )
    if len(denoms) > 1:
        node = list(denoms.values())[1]
        fail(
            node,
            f"profiles.placement.{group}.pricing",
            f"the group's units are priced in different denoms: {sorted(denoms)}",
        )
    group_price = Coin(next(iter(denoms)), format_dec(total))
    return OrderSpec("sdl", group, tuple(units), group_price, 6)


def endpoints_of(service: SdlService, sequence_numbers: dict[str, int]) -> list[tuple[str, int]]:
    """go/manifest ServiceExpose.GetEndpoints: a global 'to' is one endpoint (HTTP on port 80 over TCP,
    a random port otherwise), plus a leased IP when it names one."""
    endpoints = []
    for expose in service.exposes:
        for to in expose.to:
            if not to.global_:
                continue
            if to.ip:
                endpoints.append((LEASED_IP, sequence_numbers.get(to.ip, 0)))
            external = expose.as_ or expose.port
            kind = "shared-http" if expose.proto == "TCP" and external == 80 else "random-port"
            endpoints.append((kind, 0))
    return endpoints


def sequence_numbers(services: dict[str, SdlService], deployments: list[SdlDeployment]) -> dict[str, int]:
    """go/sdl computeEndpointSequenceNumbers: the 'ip' names of every deployed service's 'to' entries
    (not global ones without an ip), sorted, numbered from 1; a name listed twice keeps its last number."""
    names = []
    for name in sorted({deployment.service for deployment in deployments}):
        for expose in services[name].exposes:
            for to in expose.to:
                if to.global_ and not to.ip:
                    continue
                names.append(to.ip)
    return {name: number for number, name in enumerate(sorted(names), start=1)}


def go_stable_sort(volumes: list[SdlVolume]) -> None:
    """go/sdl v2ResourceStorageArray.sort, as sort.SliceStable runs it on up to 20 items (an insertion
    sort). Its 'class' comparison reads the persistent attribute, and its less is not a strict order;
    the same algorithm gives the same order."""

    def less(a: SdlVolume, b: SdlVolume) -> bool:
        if a.size.value != b.size.value:
            return a.size.value < b.size.value
        a_value, b_value = a.attributes.get("persistent", ""), b.attributes.get("persistent", "")
        if (not a_value and b_value) or (a_value and b_value and a_value < b_value):
            return True
        if a_value and not b_value:
            return False
        if a_value != "true":
            return True
        if b_value != "true":
            return False
        return a.name < b.name

    for i in range(1, len(volumes)):
        j = i
        while j > 0 and less(volumes[j], volumes[j - 1]):
            volumes[j], volumes[j - 1] = volumes[j - 1], volumes[j]
            j -= 1
