"""msgspec typed Structs covering all three shapes and both v1 key styles, the careful parser.

msgspec has no field aliases, so a protojson lowerCamelCase key gets its own renamed field and a
property folds it into the snake_case name walk_objects reads. A document that does not fit the types
(a container of the wrong JSON type, a bool where a number goes, an int beyond uint64) is decoded again
untyped and walked as dicts, so the result never depends on which path ran.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Struct, field

from .quantity import parse_quantity
from .rules import Summary
from .walk_dicts import check_document as check_dicts
from .walk_objects import check_document as check_objects

# A legacy number as the JSON may spell it; the rules decide which types are acceptable.
Number = int | float | str | None


class QuantityObject(Struct):
    """protojson's rendering of a Kubernetes Quantity: {"string": "16"}."""

    string: str | None = None


Quantity = str | QuantityObject | int | float | None


class Pair(Struct):
    """A ResourcePair; cpu, memory and gpu wrap theirs in "quantity", storage ones are bare."""

    quantity: Pair | None = None
    allocatable: Quantity = None
    allocated: Quantity = None
    capacity: Quantity = None


class CpuInfo(Struct):
    id: str | None = None
    vendor: str | None = None
    model: str | None = None
    vcores: int | None = None


class GpuInfo(Struct):
    vendor: str | None = None
    name: str | None = None
    interface: str | None = None
    vendor_id_snake: str | None = field(name="vendor_id", default=None)
    vendor_id_camel: str | None = field(name="vendorId", default=None)
    model_id_snake: str | None = field(name="model_id", default=None)
    model_id_camel: str | None = field(name="modelid", default=None)
    memory_size_snake: str | None = field(name="memory_size", default=None)
    memory_size_camel: str | None = field(name="memorySize", default=None)


class CpuResource(Pair):
    info: list[CpuInfo] | None = None


class GpuResource(Pair):
    info: list[GpuInfo] | None = None


class V1Resources(Struct):
    cpu: CpuResource | None = None
    memory: Pair | None = None
    gpu: GpuResource | None = None
    ephemeral_storage_snake: Pair | None = field(name="ephemeral_storage", default=None)
    ephemeral_storage_camel: Pair | None = field(name="ephemeralStorage", default=None)

    @property
    def ephemeral_storage(self) -> Pair | None:
        snake = self.ephemeral_storage_snake
        return self.ephemeral_storage_camel if snake is None else snake


class V1Node(Struct):
    name: str | None = None
    resources: V1Resources | None = None


class PoolInfo(Struct):
    class_: str | None = field(name="class", default=None)
    iops: str | None = None


class V1Pool(Struct):
    quantity: Pair | None = None
    info: PoolInfo | None = None


class V1Cluster(Struct):
    nodes: list[V1Node] | None = None
    storage: list[V1Pool] | None = None


class ReservedResources(Struct):
    cpu: Quantity = None
    memory: Quantity = None
    gpu: Quantity = None
    storage: dict[str, Quantity] | None = None
    ephemeral_storage_snake: Quantity = field(name="ephemeral_storage", default=None)
    ephemeral_storage_camel: Quantity = field(name="ephemeralStorage", default=None)

    @property
    def ephemeral_storage(self) -> Any:
        snake = self.ephemeral_storage_snake
        return self.ephemeral_storage_camel if snake is None else snake


class Reservation(Struct):
    count: Number = None
    resources: ReservedResources | None = None


class Reservations(Struct):
    pending: Reservation | None = None
    active: Reservation | None = None


class LegacyResources(Struct):
    cpu: Number = None
    gpu: Number = None
    memory: Number = None
    storage_ephemeral: Number = None
    storage: dict[str, Number] | None = None


class LegacyNode(LegacyResources):
    """A 0.5+ node {name, allocatable, available}, or a flat pre-0.5 one (the inherited fields)."""

    name: str | None = None
    allocatable: LegacyResources | None = None
    available: LegacyResources | None = None


class LegacyPool(Struct):
    class_: str | None = field(name="class", default=None)
    size: Number = None


class LegacyAvailable(Struct):
    nodes: list[LegacyNode] | None = None
    storage: list[LegacyPool] | None = None


class Inventory(Struct):
    """Both inventories in one Struct: their field names never clash."""

    active: list[LegacyResources] | None = None
    pending: list[LegacyResources] | None = None
    available: LegacyAvailable | None = None
    cluster: V1Cluster | None = None
    reservations: Reservations | None = None


class Leases(Struct):
    active: Number = None


class Cluster(Struct):
    leases: int | float | str | Leases | None = None  # legacy: a count; v1: {"active": n}
    inventory: Inventory | None = None


class BidEngine(Struct):
    orders: Number = None


class Manifest(Struct):
    deployments: Number = None


class Document(Struct):
    """Legacy, v1 (either key style) and inventory documents: every top-level field of all three."""

    cluster: Cluster | None = None
    manifest: Manifest | None = None
    bidengine: BidEngine | None = None
    bid_engine_snake: BidEngine | None = field(name="bid_engine", default=None)
    bid_engine_camel: BidEngine | None = field(name="bidEngine", default=None)
    public_hostnames_snake: list[str] | None = field(name="public_hostnames", default=None)
    public_hostnames_camel: list[str] | None = field(name="publicHostnames", default=None)
    cluster_public_hostname: str | None = None
    address: str | None = None
    timestamp: str | None = None
    errors: list[Any] | None = None
    nodes: list[LegacyNode] | None = None
    total_allocatable: LegacyResources | None = None
    total_available: LegacyResources | None = None

    @property
    def bid_engine(self) -> BidEngine | None:
        snake = self.bid_engine_snake
        return self.bid_engine_camel if snake is None else snake

    @property
    def public_hostnames(self) -> list[str] | None:
        snake = self.public_hostnames_snake
        return self.public_hostnames_camel if snake is None else snake


_DECODER = msgspec.json.Decoder(Document)


def job(doc: bytes) -> Summary:
    try:
        decoded = _DECODER.decode(doc)
    except msgspec.ValidationError:
        return check_dicts(msgspec.json.decode(doc), parse_quantity)
    return check_objects(decoded, parse_quantity)
