"""Anomalies seen in real provider status documents, injected into about 1% of the corpus.

Each injector edits a rendered document in place (v1 in its Go JSON form, before any protojson
conversion) and returns False when the document has nothing it applies to; inject() then tries
another. Sources: ../../shared/samples/observed-anomalies.tsv and the Akash support tracker.
"""

from __future__ import annotations

import copy
import functools
import random
from collections.abc import Callable
from typing import Any

from providers import Provider, Q, inventory_totals
from spelling import spell_millicores

ANOMALY_RATE = 0.01
U64 = 2**64

Injector = Callable[[dict[str, Any], random.Random, Provider], bool]


def _wrap(value: int) -> int:
    """What Go's uint64(x) makes of a negative int64."""
    return value % U64


# -- legacy REST /status and the inventory dump (same node shape) -----------------------------------------


def _legacy_nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "nodes" in doc:
        return list(doc["nodes"])
    return list(doc["cluster"]["inventory"].get("available", {}).get("nodes", []))


def _named(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [node for node in _legacy_nodes(doc) if "name" in node]


def _available(node: dict[str, Any]) -> dict[str, Any]:
    """The available values of a 0.5+ node, or a flat pre-0.5 node itself."""
    return node["available"] if "available" in node else node


def legacy_wrapped_gpu(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    gpu_nodes = [n for n in named if n["allocatable"]["gpu"] > 0]
    if gpu_nodes:
        node = rng.choice(gpu_nodes)
        used = max(1, node["allocatable"]["gpu"] - node["available"]["gpu"])
        if rng.random() < 0.5:  # device plugin restarting: allocatable reads 0, pods still hold GPUs
            node["allocatable"]["gpu"] = 0
            node["available"]["gpu"] = _wrap(-used)
        else:  # a card pulled from a running server, or a mislabelled node: 2^64-1, 2^64-5
            node["available"]["gpu"] = _wrap(-rng.choice((1, 5)))
        return True
    flat = [n for n in _legacy_nodes(doc) if "gpu" in n and "name" not in n]
    if flat:  # support#120: provider 0.4.6, available-only nodes
        rng.choice(flat)["gpu"] = _wrap(-1)
        return True
    return False


def legacy_wrapped_cpu(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _legacy_nodes(doc)
    if not nodes:
        return False
    _available(rng.choice(nodes))["cpu"] = 18446744073709531616  # 2^64 - 20000 millicores
    return True


def legacy_wrapped_memory(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    if not named:
        return False
    rng.choice(named)["allocatable"]["memory"] = _wrap(-rng.randint(1, 2**31))  # about 16 EiB
    return True


def legacy_negative_storage(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    available = doc["cluster"]["inventory"].setdefault("available", {})
    storage = available.setdefault("storage", [])
    if not storage:
        storage.append({"class": "beta3", "size": 0})
    rng.choice(storage)["size"] = -rng.choice((275152609037, 680000000, rng.randint(1, 10**12)))
    return True


def legacy_absurd_gpu(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    if not named:
        return False
    node = rng.choice(named)
    used = node["allocatable"]["gpu"] - node["available"]["gpu"]
    node["allocatable"]["gpu"] = 1000
    node["available"]["gpu"] = 1000 - used
    return True


def legacy_non_integer(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _legacy_nodes(doc)
    if not nodes:
        return False
    values = _available(rng.choice(nodes))
    values["cpu"] = values["cpu"] + 0.5  # a third-party serializer's float
    return True


def legacy_wrong_type(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    if not named:
        return False
    values = rng.choice(named)["allocatable"]
    values["memory"] = str(values["memory"])  # a number quoted as a string
    return True


def legacy_duplicate_node(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    if not named:
        return False
    if len(named) >= 2:
        first, second = rng.sample(named, 2)
        second["name"] = first["name"]
    else:
        nodes = doc["nodes"] if "nodes" in doc else doc["cluster"]["inventory"]["available"]["nodes"]
        nodes.append(copy.deepcopy(named[0]))
    return True


def legacy_available_above_allocatable(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    named = _named(doc)
    if not named:
        return False
    node = rng.choice(named)
    node["available"]["cpu"] = node["allocatable"]["cpu"] + rng.choice((500, 1500))
    return True


# -- inventory dump: node anomalies change the totals as Go would sum them ---------------------------------


def _then_totals(injector: Injector) -> Injector:
    @functools.wraps(injector)
    def run(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
        applied = injector(doc, rng, provider)
        if applied:
            inventory_totals(doc, provider)
        return applied

    return run


def inventory_stale_total(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    side, key = rng.choice(
        (("total_available", "cpu"), ("total_available", "memory"), ("total_allocatable", "gpu"))
    )
    doc[side][key] += rng.choice((1, 8, 1500, 1 << 30))  # a dump taken between two node updates
    return True


# -- v1 Status (Go JSON form) --------------------------------------------------------------------------


def _v1_nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["cluster"]["inventory"]["cluster"]["nodes"])


def _quantity(node: dict[str, Any], resource: str) -> dict[str, Any]:
    res: dict[str, Any] = node["resources"][resource]
    return res if resource == "ephemeral_storage" else res["quantity"]  # the bare ResourcePair


def v1_plugin_restart(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    gpu_nodes = [n for n in _v1_nodes(doc) if n["resources"]["gpu"]["info"]]
    if not gpu_nodes:
        return False
    node = rng.choice(gpu_nodes)
    quantity = _quantity(node, "gpu")
    used = max(int(quantity["allocated"]), rng.randint(1, len(node["resources"]["gpu"]["info"])))
    quantity["allocatable"] = Q("0")  # the device plugin is restarting; info still lists every card
    quantity["allocated"] = Q(str(used))
    return True


def v1_over_allocated(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    index = rng.randrange(len(provider.nodes)) if provider.nodes else None
    if index is None:
        return False
    node = provider.nodes[index]
    # Pending reservations are added on top of the pods' requests, or thousands of Failed pods linger.
    over = node.cpu + rng.choice((250, 1500, 20000))
    _quantity(_v1_nodes(doc)[index], "cpu")["allocated"] = Q(spell_millicores(rng, over))
    return True


def v1_wrapped(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _v1_nodes(doc)
    if not nodes:
        return False
    resource, text = rng.choice(
        (
            ("cpu", "18446744073708244"),  # support#192: ~2^64 millicores, printed as cores
            ("memory", "18446744073709551615"),
            ("memory", "16Ei"),  # 2^64 bytes exactly
            ("gpu", "18446744073709551615"),
        )
    )
    _quantity(rng.choice(nodes), resource)["allocatable"] = Q(text)
    return True


def v1_unparsable(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _v1_nodes(doc)
    if not nodes:
        return False
    resource, side = rng.choice((("memory", "allocated"), ("ephemeral_storage", "allocatable")))
    _quantity(rng.choice(nodes), resource)[side] = Q(rng.choice(("12K", "12K", "1ki", "n/a")))
    return True


def v1_absurd_gpu(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _v1_nodes(doc)
    if not nodes:
        return False
    _quantity(rng.choice(nodes), "gpu")["allocatable"] = Q("1000")
    return True


def v1_not_int64_safe(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _v1_nodes(doc)
    if not nodes:
        return False
    _quantity(rng.choice(nodes), "memory")["allocatable"] = Q(rng.choice(("10Ei", "9223372036854775808")))
    return True


def v1_wrong_type(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    index = rng.randrange(len(provider.nodes)) if provider.nodes else None
    if index is None:
        return False
    # A hand-rolled serializer wrote the number itself; protojson keeps it as a number too.
    _quantity(_v1_nodes(doc)[index], "cpu")["allocatable"] = provider.nodes[index].cores
    return True


def v1_storage_pool(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    pools = doc["cluster"]["inventory"]["cluster"]["storage"] or []
    doc["cluster"]["inventory"]["cluster"]["storage"] = pools
    if not pools:
        pools.append({"quantity": {"allocatable": Q("1Ti"), "allocated": Q("0")}, "info": {"class": "beta3"}})
    quantity = rng.choice(pools)["quantity"]
    if rng.random() < 0.5:  # thin-provisioned Ceph: more claimed than MAX AVAIL
        quantity["allocatable"] = Q("1Ti")
        quantity["allocated"] = Q("1100Gi")
    else:  # support#97: a negative pool
        quantity["allocatable"] = Q("-275152609037")
    return True


def v1_unbounded(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = _v1_nodes(doc)
    if not nodes:
        return False
    _quantity(rng.choice(nodes), "ephemeral_storage")["allocatable"] = Q("-1")  # -1 means unbounded
    return True


def v1_duplicate_node(doc: dict[str, Any], rng: random.Random, provider: Provider) -> bool:
    nodes = doc["cluster"]["inventory"]["cluster"]["nodes"]
    if not nodes:
        return False
    if len(nodes) >= 2:
        first, second = rng.sample(nodes, 2)
        second["name"] = first["name"]
    else:
        nodes.append(copy.deepcopy(nodes[0]))
    return True


INJECTORS: dict[str, tuple[Injector, ...]] = {
    "legacy": (
        legacy_wrapped_gpu,
        legacy_wrapped_cpu,
        legacy_wrapped_memory,
        legacy_negative_storage,
        legacy_absurd_gpu,
        legacy_non_integer,
        legacy_wrong_type,
        legacy_duplicate_node,
        legacy_available_above_allocatable,
    ),
    "inventory": (
        _then_totals(legacy_wrapped_gpu),
        _then_totals(legacy_wrapped_cpu),
        _then_totals(legacy_absurd_gpu),
        _then_totals(legacy_duplicate_node),
        _then_totals(legacy_available_above_allocatable),
        inventory_stale_total,
    ),
    "v1": (
        v1_plugin_restart,
        v1_over_allocated,
        v1_wrapped,
        v1_unparsable,
        v1_absurd_gpu,
        v1_not_int64_safe,
        v1_wrong_type,
        v1_storage_pool,
        v1_unbounded,
        v1_duplicate_node,
    ),
}


def inject(family: str, doc: dict[str, Any], rng: random.Random, provider: Provider) -> str | None:
    """Apply one anomaly of the family (legacy, v1, inventory); its name, or None if none applied."""
    for injector in rng.sample(INJECTORS[family], len(INJECTORS[family])):
        if injector(doc, rng, provider):
            return injector.__name__
    return None
