"""pydantic v2 models (model_validate_json) covering all three shapes and both v1 key styles.

Strict scalar types: lax pydantic would turn "64000" or 4000.0 into an int and hide exactly the
values the rules must flag. A document that does not fit the models is parsed again untyped and walked
as dicts, so the result never depends on which path ran.
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from pydantic import AliasChoices, BaseModel, Field, StrictFloat, StrictInt, StrictStr, ValidationError

from .quantity import parse_quantity
from .rules import Summary
from .walk_dicts import check_document as check_dicts
from .walk_objects import check_document as check_objects

Number = StrictInt | StrictFloat | StrictStr | None
Text = StrictStr | None


def _either(snake: str, camel: str) -> Any:
    """A field read from its Go JSON (snake_case) or protojson (lowerCamelCase) key."""
    return Field(None, validation_alias=AliasChoices(snake, camel))


class QuantityObject(BaseModel):
    """protojson's rendering of a Kubernetes Quantity: {"string": "16"}."""

    string: Text = None


Quantity = StrictStr | QuantityObject | StrictInt | StrictFloat | None


class Pair(BaseModel):
    """A ResourcePair; cpu, memory and gpu wrap theirs in "quantity", storage ones are bare."""

    quantity: Pair | None = None
    allocatable: Quantity = None
    allocated: Quantity = None
    capacity: Quantity = None


class CpuInfo(BaseModel):
    id: Text = None
    vendor: Text = None
    model: Text = None
    vcores: StrictInt | None = None


class GpuInfo(BaseModel):
    vendor: Text = None
    name: Text = None
    interface: Text = None
    vendor_id: Text = _either("vendor_id", "vendorId")
    model_id: Text = _either("model_id", "modelid")
    memory_size: Text = _either("memory_size", "memorySize")


class CpuResource(Pair):
    info: list[CpuInfo] | None = None


class GpuResource(Pair):
    info: list[GpuInfo] | None = None


class V1Resources(BaseModel):
    cpu: CpuResource | None = None
    memory: Pair | None = None
    gpu: GpuResource | None = None
    ephemeral_storage: Pair | None = _either("ephemeral_storage", "ephemeralStorage")


class V1Node(BaseModel):
    name: Text = None
    resources: V1Resources | None = None


class PoolInfo(BaseModel):
    class_: Text = Field(None, alias="class")
    iops: Text = None


class V1Pool(BaseModel):
    quantity: Pair | None = None
    info: PoolInfo | None = None


class V1Cluster(BaseModel):
    nodes: list[V1Node] | None = None
    storage: list[V1Pool] | None = None


class ReservedResources(BaseModel):
    cpu: Quantity = None
    memory: Quantity = None
    gpu: Quantity = None
    ephemeral_storage: Quantity = _either("ephemeral_storage", "ephemeralStorage")
    storage: dict[str, Quantity] | None = None


class Reservation(BaseModel):
    count: Number = None
    resources: ReservedResources | None = None


class Reservations(BaseModel):
    pending: Reservation | None = None
    active: Reservation | None = None


class LegacyResources(BaseModel):
    cpu: Number = None
    gpu: Number = None
    memory: Number = None
    storage_ephemeral: Number = None
    storage: dict[str, Number] | None = None


class LegacyNode(LegacyResources):
    """A 0.5+ node {name, allocatable, available}, or a flat pre-0.5 one (the inherited fields)."""

    name: Text = None
    allocatable: LegacyResources | None = None
    available: LegacyResources | None = None


class LegacyPool(BaseModel):
    class_: Text = Field(None, alias="class")
    size: Number = None


class LegacyAvailable(BaseModel):
    nodes: list[LegacyNode] | None = None
    storage: list[LegacyPool] | None = None


class Inventory(BaseModel):
    """Both inventories in one model: their field names never clash."""

    active: list[LegacyResources] | None = None
    pending: list[LegacyResources] | None = None
    available: LegacyAvailable | None = None
    cluster: V1Cluster | None = None
    reservations: Reservations | None = None


class Leases(BaseModel):
    active: Number = None


class Cluster(BaseModel):
    leases: StrictInt | StrictFloat | StrictStr | Leases | None = None  # legacy: a count; v1: {"active"}
    inventory: Inventory | None = None


class BidEngine(BaseModel):
    orders: Number = None


class Manifest(BaseModel):
    deployments: Number = None


class Document(BaseModel):
    """Legacy, v1 (either key style) and inventory documents: every top-level field of all three."""

    cluster: Cluster | None = None
    manifest: Manifest | None = None
    bidengine: BidEngine | None = None
    bid_engine: BidEngine | None = _either("bid_engine", "bidEngine")
    public_hostnames: list[StrictStr] | None = _either("public_hostnames", "publicHostnames")
    cluster_public_hostname: Text = None
    address: Text = None
    timestamp: Text = None
    errors: list[Any] | None = None
    nodes: list[LegacyNode] | None = None
    total_allocatable: LegacyResources | None = None
    total_available: LegacyResources | None = None


def job(doc: bytes) -> Summary:
    try:
        decoded = Document.model_validate_json(doc)
    except ValidationError:
        return check_dicts(pydantic_core.from_json(doc), parse_quantity)
    return check_objects(decoded, parse_quantity)
