"""Feed a document decoded to typed objects (msgspec Structs, pydantic models) to the rules.

The typed peers declare the same attribute names (see peer_msgspec.py, peer_pydantic.py), with both
key styles folded into the snake_case name. A container of the wrong JSON type never gets here: the
typed decode fails and the peer falls back to walk_dicts, so this walker only has to handle None.
"""

from __future__ import annotations

from typing import Any

from .rules import MALFORMED, POOL_CAP, Checker, Parse, Summary
from .walk_dicts import LEGACY_KEYS

_SCALARS = (type(None), int, float, str)


def _quantity(value: Any) -> Any:
    """A protojson quantity object becomes its string; scalars are passed on as is."""
    if type(value) in _SCALARS:
        return value
    text = value.string
    return text if type(text) is str else MALFORMED


def _pair(resource: Any) -> tuple[Any, Any]:
    """(allocatable, allocated) of a ResourcePair, bare or wrapped in {"quantity": ...}."""
    if resource is None:
        return None, None
    if resource.quantity is not None:
        resource = resource.quantity
    return _quantity(resource.allocatable), _quantity(resource.allocated)


def check_document(doc: Any, parse: Parse) -> Summary:
    checker = Checker(parse)
    if doc.nodes is not None:
        _inventory(doc, checker)
        return checker.summary("inventory")
    cluster = doc.cluster
    leases = cluster.leases if cluster is not None else None
    inventory = cluster.inventory if cluster is not None else None
    if (
        (inventory is not None and (inventory.cluster is not None or inventory.reservations is not None))
        or type(leases) not in _SCALARS
        or doc.bid_engine is not None
        or doc.public_hostnames is not None
        or doc.timestamp is not None
        or doc.errors is not None
    ):
        _v1(doc, leases, inventory, checker)
        return checker.summary("v1")
    _legacy(doc, leases, inventory, checker)
    return checker.summary("legacy")


def _v1(doc: Any, leases: Any, inventory: Any, checker: Checker) -> None:
    if type(leases) not in _SCALARS:  # v1 leases is {"active": n}; a bare number is ignored, as in dicts
        checker.counter(leases.active)
    if doc.bid_engine is not None:
        checker.counter(doc.bid_engine.orders)
    if doc.manifest is not None:
        checker.counter(doc.manifest.deployments)
    if inventory is None:
        return
    inner = inventory.cluster
    if inner is not None:
        for node in inner.nodes or ():
            res = node.resources
            if res is None:
                checker.v1_node(node.name, ((None, None),) * 4, 0)
                continue
            gpu = res.gpu
            pairs = (_pair(res.cpu), _pair(res.memory), _pair(gpu), _pair(res.ephemeral_storage))
            info = gpu.info if gpu is not None else None
            checker.v1_node(node.name, pairs, len(info) if info is not None else 0)
        for pool in inner.storage or ():
            checker.v1_pool(*_pair(pool.quantity))
    reservations = inventory.reservations
    if reservations is None:
        return
    for reservation in (reservations.pending, reservations.active):
        if reservation is None:
            continue
        checker.counter(reservation.count)
        res = reservation.resources
        if res is None:
            continue
        checker.quantity(_quantity(res.cpu), True, None)
        checker.quantity(_quantity(res.memory), False, None)
        checker.quantity(_quantity(res.gpu), False, None)
        checker.quantity(_quantity(res.ephemeral_storage), False, None)
        for value in (res.storage or {}).values():
            checker.quantity(_quantity(value), False, None)


def _legacy(doc: Any, leases: Any, inventory: Any, checker: Checker) -> None:
    checker.counter(leases)
    if doc.bidengine is not None:
        checker.counter(doc.bidengine.orders)
    if doc.manifest is not None:
        checker.counter(doc.manifest.deployments)
    if inventory is None:
        return
    for entry in (inventory.active or []) + (inventory.pending or []):
        checker.number(entry.cpu, None)
        checker.number(entry.memory, None)
        checker.number(entry.gpu, None)
        checker.number(entry.storage_ephemeral, None)
        for value in (entry.storage or {}).values():
            checker.number(value, None)
    available = inventory.available
    if available is None:
        return
    for node in available.nodes or ():
        _legacy_node(node, checker)
    for pool in available.storage or ():
        checker.number(pool.size, POOL_CAP)


def _values(res: Any) -> list[Any]:
    if res is None:
        return [None] * len(LEGACY_KEYS)
    return [res.cpu, res.memory, res.gpu, res.storage_ephemeral]


def _legacy_node(node: Any, checker: Checker) -> None:
    if node.name is None and node.allocatable is None and node.available is None:
        checker.flat_node(_values(node))
    else:
        checker.legacy_node(node.name, _values(node.allocatable), _values(node.available))


def _inventory(doc: Any, checker: Checker) -> None:
    for node in doc.nodes:
        _legacy_node(node, checker)
    for side, total in (("allocatable", doc.total_allocatable), ("available", doc.total_available)):
        if total is not None:
            checker.inventory_totals(side, _values(total))
            for value in (total.storage or {}).values():
                checker.number(value, None)
