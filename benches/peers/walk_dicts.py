"""Feed a document decoded to plain dicts and lists (json, orjson, untyped msgspec) to the rules.

Reads both key styles of v1 (Go JSON snake_case, protojson lowerCamelCase) and both quantity forms
(a bare string, protojson's {"string": ...}). A container of the wrong JSON type reads as empty.
"""

from __future__ import annotations

from typing import Any

from .rules import MALFORMED, POOL_CAP, Checker, Parse, Summary

LEGACY_KEYS = ("cpu", "memory", "gpu", "storage_ephemeral")  # in rules.RESOURCES order
V1_MARKERS = ("bid_engine", "bidEngine", "public_hostnames", "publicHostnames", "timestamp", "errors")
_EMPTY: dict[str, Any] = {}


def _obj(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else _EMPTY


def _list(value: Any) -> list[Any]:
    return value if type(value) is list else []


def _either(obj: dict[str, Any], snake: str, camel: str) -> Any:
    value = obj.get(snake)
    return obj.get(camel) if value is None else value


def _quantity(value: Any) -> Any:
    """A protojson quantity object becomes its string; anything else is passed on as is."""
    if type(value) is dict:
        text = value.get("string")
        return text if type(text) is str else MALFORMED
    return value


def _pair(resource: Any) -> tuple[Any, Any]:
    """(allocatable, allocated) of a ResourcePair, bare or wrapped in {"quantity": ...}."""
    obj = _obj(resource)
    inner = obj.get("quantity")
    if type(inner) is dict:
        obj = inner
    return _quantity(obj.get("allocatable")), _quantity(obj.get("allocated"))


def check_document(doc: Any, parse: Parse) -> Summary:
    if type(doc) is not dict:
        raise ValueError("a status document is a JSON object")
    checker = Checker(parse)
    if doc.get("nodes") is not None:
        _inventory(doc, checker)
        return checker.summary("inventory")
    cluster = _obj(doc.get("cluster"))
    inventory = _obj(cluster.get("inventory"))
    if (
        inventory.get("cluster") is not None
        or inventory.get("reservations") is not None
        or type(cluster.get("leases")) is dict
        or any(doc.get(key) is not None for key in V1_MARKERS)
    ):
        _v1(doc, cluster, inventory, checker)
        return checker.summary("v1")
    _legacy(doc, cluster, inventory, checker)
    return checker.summary("legacy")


def _v1(doc: dict[str, Any], cluster: dict[str, Any], inventory: dict[str, Any], checker: Checker) -> None:
    checker.counter(_obj(cluster.get("leases")).get("active"))
    checker.counter(_obj(_either(doc, "bid_engine", "bidEngine")).get("orders"))
    checker.counter(_obj(doc.get("manifest")).get("deployments"))
    inner = _obj(inventory.get("cluster"))
    for node in _list(inner.get("nodes")):
        node = _obj(node)
        res = _obj(node.get("resources"))
        gpu = _obj(res.get("gpu"))
        pairs = (
            _pair(res.get("cpu")),
            _pair(res.get("memory")),
            _pair(gpu),
            _pair(_either(res, "ephemeral_storage", "ephemeralStorage")),
        )
        checker.v1_node(node.get("name"), pairs, len(_list(gpu.get("info"))))
    for pool in _list(inner.get("storage")):
        checker.v1_pool(*_pair(_obj(pool).get("quantity")))
    reservations = _obj(inventory.get("reservations"))
    for side in ("pending", "active"):
        reservation = _obj(reservations.get(side))
        checker.counter(reservation.get("count"))
        res = _obj(reservation.get("resources"))
        checker.quantity(_quantity(res.get("cpu")), True, None)
        checker.quantity(_quantity(res.get("memory")), False, None)
        checker.quantity(_quantity(res.get("gpu")), False, None)
        checker.quantity(_quantity(_either(res, "ephemeral_storage", "ephemeralStorage")), False, None)
        for value in _obj(res.get("storage")).values():
            checker.quantity(_quantity(value), False, None)


def _legacy(
    doc: dict[str, Any], cluster: dict[str, Any], inventory: dict[str, Any], checker: Checker
) -> None:
    checker.counter(cluster.get("leases"))
    checker.counter(_obj(doc.get("bidengine")).get("orders"))
    checker.counter(_obj(doc.get("manifest")).get("deployments"))
    for entry in _list(inventory.get("active")) + _list(inventory.get("pending")):
        entry = _obj(entry)
        for key in LEGACY_KEYS:
            checker.number(entry.get(key), None)
        for value in _obj(entry.get("storage")).values():
            checker.number(value, None)
    available = _obj(inventory.get("available"))
    for node in _list(available.get("nodes")):
        _legacy_node(_obj(node), checker)
    for pool in _list(available.get("storage")):
        checker.number(_obj(pool).get("size"), POOL_CAP)


def _legacy_node(node: dict[str, Any], checker: Checker) -> None:
    name, allocatable, available = node.get("name"), node.get("allocatable"), node.get("available")
    if name is None and allocatable is None and available is None:
        checker.flat_node([node.get(key) for key in LEGACY_KEYS])
        return
    allocatable, available = _obj(allocatable), _obj(available)
    checker.legacy_node(
        name, [allocatable.get(key) for key in LEGACY_KEYS], [available.get(key) for key in LEGACY_KEYS]
    )


def _inventory(doc: dict[str, Any], checker: Checker) -> None:
    for node in _list(doc.get("nodes")):
        _legacy_node(_obj(node), checker)
    for side in ("allocatable", "available"):
        total = doc.get(f"total_{side}")
        if type(total) is dict:
            checker.inventory_totals(side, [total.get(key) for key in LEGACY_KEYS])
            for value in _obj(total.get("storage")).values():
                checker.number(value, None)
