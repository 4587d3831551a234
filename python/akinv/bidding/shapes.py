"""The two JSON order shapes, decoded by msgspec (strict, typed), and their canonical orders.

* The price script's stdin (provider ``bidengine/pricing.go`` ``dataForScript``): ``resources`` with
  per-replica ``cpu``/``memory``/``gpu``/``storage``, ``count``, ``endpoint_quantity``,
  ``ip_lease_quantity``; ``price`` (the group's max per block) and ``price_precision``. Before the
  ``price`` object existed, providers sent the bare array of resources: that legacy form is read too.
* The on-chain GroupSpec JSON (chain-sdk ``deployment/v1beta4``, as ``akash query`` and the Go SDL
  fixtures write it): ``name``, ``resources[].resource.{id, cpu.units.val, memory.size.val,
  storage[].{name, size.val, attributes}, gpu.{units.val, attributes}, endpoints[]}``, ``count``,
  ``price``. ``requirements`` are not part of an order's resources and are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

from akinv.bidding import limits
from akinv.bidding.quantities import QuantitySyntaxError, format_dec, parse_dec, parse_uint
from akinv.bidding.spec import Coin, OrderFinding, OrderSpec, Unit, Volume
from akinv.errors import OrderError

__all__ = ["GroupSpec", "ScriptInput", "group_spec_order", "script_input_order"]

# Go's uint64 fields; the core reads integers up to int64 (9.2 EB, far above any real resource).
U64 = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
U32 = Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1)]


class _Price(msgspec.Struct, frozen=True):
    denom: str
    amount: str


class _GpuModel(msgspec.Struct, frozen=True):
    model: str
    ram: str | None = None
    interface: str | None = None


class _GpuAttributes(msgspec.Struct, frozen=True):
    vendor: dict[str, _GpuModel] = msgspec.field(default_factory=dict)


class _Gpu(msgspec.Struct, frozen=True):
    units: U64 = 0
    attributes: _GpuAttributes = msgspec.field(default_factory=_GpuAttributes)


class _Storage(msgspec.Struct, frozen=True):
    class_: str = msgspec.field(name="class")
    size: U64


class _Resource(msgspec.Struct, frozen=True):
    cpu: U64
    memory: U64
    count: U32
    gpu: _Gpu = msgspec.field(default_factory=_Gpu)
    storage: list[_Storage] = msgspec.field(default_factory=list)
    endpoint_quantity: U64 = 0
    ip_lease_quantity: U64 = 0


class ScriptInput(msgspec.Struct, frozen=True):
    """The price script's stdin document."""

    resources: list[_Resource]
    price: _Price | None = None
    price_precision: int | None = None


ScriptInputShape = ScriptInput | list[_Resource]


class _Value(msgspec.Struct, frozen=True):
    val: str


class _Attribute(msgspec.Struct, frozen=True):
    key: str
    value: str


class _Cpu(msgspec.Struct, frozen=True):
    units: _Value


class _Memory(msgspec.Struct, frozen=True):
    size: _Value


class _Volume(msgspec.Struct, frozen=True):
    size: _Value
    name: str = ""
    attributes: list[_Attribute] | None = None


class _GpuSpec(msgspec.Struct, frozen=True):
    units: _Value
    attributes: list[_Attribute] | None = None


class _Endpoint(msgspec.Struct, frozen=True):
    kind: int | str = 0
    sequence_number: U32 = 0


class _Resources(msgspec.Struct, frozen=True):
    id: U32
    cpu: _Cpu
    memory: _Memory
    storage: list[_Volume] | None = None
    gpu: _GpuSpec | None = None
    endpoints: list[_Endpoint] | None = None


class _ResourceUnit(msgspec.Struct, frozen=True):
    resource: _Resources
    count: U32
    price: _Price | None = None


class GroupSpec(msgspec.Struct, frozen=True):
    """One on-chain GroupSpec (deployment v1beta4)."""

    name: str
    resources: list[_ResourceUnit]


GroupSpecShape = GroupSpec | list[GroupSpec]

# Endpoint kinds (akash.base.resources.v1beta4.Endpoint.Kind); protojson writes the names.
LEASED_IP = 2
_KINDS = {"SHARED_HTTP": 0, "RANDOM_PORT": 1, "LEASED_IP": 2}


def _coin(price: _Price | None, path: str, *, allow_zero: bool) -> tuple[Coin | None, int]:
    if price is None:
        return None, 0
    try:
        atto = parse_dec(price.amount, allow_zero=allow_zero)
    except QuantitySyntaxError as error:
        raise OrderError(f"{error} - at `{path}.amount`", path=f"{path}.amount") from None
    return Coin(price.denom, format_dec(atto)), atto


def script_input_order(document: ScriptInputShape) -> OrderSpec:
    """The canonical order of a price script's stdin (the legacy bare array has no price)."""
    resources = document if isinstance(document, list) else document.resources
    units = tuple(_script_unit(index, resource) for index, resource in enumerate(resources))
    if isinstance(document, list):
        return OrderSpec("script-input", "", units, None, None)
    price, _ = _coin(document.price, "$.price", allow_zero=True)
    return OrderSpec("script-input", "", units, price, document.price_precision)


def _script_unit(index: int, resource: _Resource) -> Unit:
    keys = []
    for vendor, attributes in resource.gpu.attributes.vendor.items():
        key = f"vendor/{vendor}/model/{attributes.model}"
        if attributes.ram is not None:
            key += f"/ram/{attributes.ram}"
        if attributes.interface is not None:
            key += f"/interface/{attributes.interface}"
        keys.append(key)
    volumes = tuple(
        Volume(
            name=volume.class_,
            bytes=volume.size,
            class_=None if volume.class_ == "ephemeral" else volume.class_,
            persistent=volume.class_ not in ("ephemeral", "ram"),
        )
        for volume in resource.storage
    )
    return Unit(
        id=index + 1,
        name=f"unit {index + 1}",
        count=resource.count,
        cpu_millis=resource.cpu,
        memory_bytes=resource.memory,
        gpu_units=resource.gpu.units,
        gpu_attributes=tuple(sorted(keys)),
        storage=volumes,
        endpoints=resource.endpoint_quantity,
        ips=resource.ip_lease_quantity,
        price=None,
    )


def choose_group(groups: Sequence[GroupSpec], name: str | None) -> GroupSpec:
    """The group called ``name``, or the only group."""
    names = [group.name for group in groups]
    if name is None:
        if len(groups) == 1:
            return groups[0]
        raise OrderError(f"{len(groups)} groups ({', '.join(names) or 'none'}): choose one with name=")
    for group in groups:
        if group.name == name:
            return group
    raise OrderError(f"no group named {name!r} (groups: {', '.join(names) or 'none'})")


def group_spec_order(group: GroupSpec, path: str) -> tuple[OrderSpec, list[OrderFinding]]:
    """The canonical order of one GroupSpec, with the chain's limits as findings."""
    units = []
    total = 0
    denoms: set[str] = set()
    priced = True
    for index, unit in enumerate(group.resources):
        where = f"{path}.resources[{index}]"
        price, atto = _coin(unit.price, f"{where}.price", allow_zero=False)
        if price is None:
            priced = False
        else:
            denoms.add(price.denom)
            total += atto * unit.count
        units.append(_group_unit(unit, price, where))
    if len(denoms) > 1:
        raise OrderError(
            f"the units of group {group.name!r} are priced in different denoms: {sorted(denoms)}"
        )
    group_price = Coin(denoms.pop(), format_dec(total)) if priced and denoms else None
    spec = OrderSpec("group-spec", group.name, tuple(units), group_price, 6)
    return spec, limits.check(spec, [f"{path}.resources[{i}]" for i in range(len(units))])


def _val(value: _Value, path: str) -> int:
    try:
        return parse_uint(value.val)
    except QuantitySyntaxError as error:
        raise OrderError(f"{error} - at `{path}.val`", path=f"{path}.val") from None


def _group_unit(unit: _ResourceUnit, price: Coin | None, where: str) -> Unit:
    resource = unit.resource
    at = f"{where}.resource"
    volumes = []
    for index, volume in enumerate(resource.storage or ()):
        attributes = {a.key: a.value for a in volume.attributes or ()}
        volumes.append(
            Volume(
                name=volume.name,
                bytes=_val(volume.size, f"{at}.storage[{index}].size"),
                class_=attributes.get("class"),
                persistent=_go_parse_bool(attributes.get("persistent", "")),
            )
        )
    gpu = resource.gpu
    gpu_units = _val(gpu.units, f"{at}.gpu.units") if gpu else 0
    gpu_keys = tuple(a.key for a in gpu.attributes or ()) if gpu else ()
    kinds = []
    for index, endpoint in enumerate(resource.endpoints or ()):
        kind = _KINDS.get(endpoint.kind) if isinstance(endpoint.kind, str) else endpoint.kind
        if kind not in _KINDS.values():
            raise OrderError(
                f"unknown endpoint kind {endpoint.kind!r} - at `{at}.endpoints[{index}].kind`",
                path=f"{at}.endpoints[{index}].kind",
            )
        kinds.append((kind, endpoint.sequence_number))
    return Unit(
        id=resource.id,
        name=f"unit {resource.id}",
        count=unit.count,
        cpu_millis=_val(resource.cpu.units, f"{at}.cpu.units"),
        memory_bytes=_val(resource.memory.size, f"{at}.memory.size"),
        gpu_units=gpu_units,
        gpu_attributes=gpu_keys,
        storage=tuple(volumes),
        endpoints=len(kinds),
        ips=len({number for kind, number in kinds if kind == LEASED_IP}),
        price=price,
    )


def _go_parse_bool(text: str) -> bool:
    """strconv.ParseBool, as the provider reads a volume's ``persistent`` attribute (unset is false)."""
    return text in ("1", "t", "T", "TRUE", "true", "True")
