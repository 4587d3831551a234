"""Property tests: generated status documents of every shape, corrupted copies, and an oracle.

Valid documents are generated from an abstract model (per node: allocatable, allocated,
capacity) and encoded as a legacy v0.5+ ``/status``, a v1 ``Status`` (Go JSON with snake_case
keys and bare quantity strings, or protojson with camelCase keys and ``{"string": ...}``), or an
inventory dump. ``tests/oracle.py`` re-derives the totals from the decoded JSON on its own.
"""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction
from typing import Any

import oracle
import pytest
from budget import examples
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

import akinv

SETTINGS = settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(SETTINGS, max_examples=examples(60))

CAPS = oracle.DEFAULT_CAPS
SHAPES = ("legacy", "v1-go", "v1-proto", "inventory")
NUMBER_CODES = {"wrapped-negative", "negative", "above-cap", "unparsable", "not-int64-safe", "over-allocated"}
POLICIES = {"int64": oracle.INT64_LIMIT, "js": oracle.JS_LIMIT}
_LEGACY_LEAF = r"nodes\[\d+\]\.(allocatable|available)\.(cpu|gpu|memory|storage_ephemeral)"
NODE_LEAF = {
    "legacy": re.compile(r"cluster\.inventory\.available\." + _LEGACY_LEAF),
    "inventory": re.compile(_LEGACY_LEAF),
    "v1": re.compile(
        r"cluster\.inventory\.cluster\.nodes\[\d+\]\.resources\."
        r"((cpu|memory|gpu)\.quantity|(ephemeral_storage|ephemeralStorage)(\.quantity)?)"
        r"\.(allocatable|allocated|capacity)"
    ),
}

GPU_MODELS = [
    # vendor, vendor id, name, model id, interface, memory size
    ("nvidia", "10de", "h100", "2330", "SXM5", "80Gi"),
    ("nvidia", "10de", "a100", "20b2", "SXM4", "80Gi"),
    ("nvidia", "10de", "rtx4090", "2684", "PCIe", "24Gi"),
    ("amd", "1002", "mi300x", "74a1", "OAM", "192Gi"),
]
CPU_MODELS = ["AMD EPYC 7763 64-Core Processor", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"]
NAME_PREFIXES = ["node", "worker-", "gpu-h100-", "nöde-", 'we"ird\\name-', "\u7bc0\u70b9"]
BAD_TEXTS = ["12K", "abc", "", "1.2.3", "0x10", "Gi", "1Gb", "--1", "1 Gi", "12k8", "1e", "NaN", "1,000"]


# ---- quantity spellings ----


def decimal_text(x: Fraction, max_places: int = 9) -> str | None:
    """Finite decimal text of x >= 0 with at most ``max_places`` fractional digits."""
    for places in range(max_places + 1):
        scaled = x * 10**places
        if scaled.denominator == 1:
            digits = str(scaled.numerator)
            if places == 0:
                return digits
            digits = digits.rjust(places + 1, "0")
            return f"{digits[:-places]}.{digits[-places:]}"
    return None


def spellings(n: int, *, milli: bool) -> list[str]:
    """Quantity strings whose Value() (MilliValue() with ``milli``) is exactly ``n`` >= 0."""
    x = Fraction(n, 1000) if milli else Fraction(n)
    out = []
    plain = decimal_text(x)
    assert plain is not None
    out += [plain, "+" + plain]
    for suffix, multiplier in oracle.SUFFIXES.items():
        if suffix == "":
            continue
        text = decimal_text(x / multiplier, 6)
        if text is not None and len(text) <= 24:
            out.append(text + suffix)
    if x > 0 and x.denominator == 1:
        mantissa, exponent = x.numerator, 0
        while mantissa % 10 == 0:
            mantissa //= 10
            exponent += 1
        if exponent:
            out += [f"{mantissa}e{exponent}", f"{mantissa}E+{exponent}"]
            if mantissa >= 10:
                text = decimal_text(Fraction(mantissa, 10))
                out.append(f"{text}e{exponent + 1}")
    if n >= 1:
        # Spellings that Kubernetes rounds up to n.
        below = Fraction(n - 1, 1000) if milli else Fraction(n - 1)
        step = Fraction(1, 2000) if milli else Fraction(1, 2)
        out.append(decimal_text(below + step))
        out.append(decimal_text(below + step / 1000))
        if milli:
            out.append(f"{(n - 1) * 10**6 + 1}n")
        else:
            out.append(f"{(n - 1) * 1000 + 1}m")
    for text in out:
        assert oracle.parse_quantity(text, milli=milli) == n, (text, n, milli)
    return out


def spell(draw: st.DrawFn, n: int, *, milli: bool) -> str:
    return draw(st.sampled_from(spellings(n, milli=milli)))


def bad_spelling(n: int, *, milli: bool) -> str:
    """A plain spelling of any integer (in millicores when ``milli``)."""
    if milli:
        return str(n // 1000) if n % 1000 == 0 else f"{n}m"
    return str(n)


# ---- abstract model ----

VALUES = {
    "cpu": st.one_of(
        st.integers(0, CAPS["cpu"]),
        st.integers(0, 4096).map(lambda k: k * 1000),
        st.integers(0, 4096 * 4).map(lambda k: k * 250),
    ),
    "memory": st.one_of(
        st.integers(0, CAPS["memory"]),
        st.integers(0, 65536).map(lambda k: k << 30),
        st.integers(0, 64 << 20).map(lambda k: k << 20),
        st.integers(0, 70368).map(lambda k: k * 10**9),
    ),
    "gpu": st.one_of(st.integers(1, 8), st.integers(1, CAPS["gpu"])),
    "ephemeral_storage": st.one_of(
        st.integers(0, CAPS["ephemeral_storage"]),
        st.integers(0, 1 << 20).map(lambda k: k << 30),
        st.integers(0, 1125).map(lambda k: k * 10**12),
        st.just(CAPS["ephemeral_storage"]),
    ),
}


@st.composite
def abstract_nodes(draw: st.DrawFn, big_allowed: bool = True) -> list[dict[str, Any]]:
    """0-12 nodes: per resource (allocatable, allocated, capacity or None), with allocated <= allocatable.

    A third of the clusters are big: 8-12 nodes near every cap, so sums reach 2**53.
    """
    big = big_allowed and draw(st.integers(0, 2)) == 0
    count = draw(st.integers(8, 12) if big else st.integers(0, 12))
    prefix = draw(st.sampled_from(NAME_PREFIXES))
    nodes = []
    for i in range(count):
        has_gpu = draw(st.booleans())
        node: dict[str, Any] = {"name": f"{prefix}{i + 1}", "gpu_model": draw(st.sampled_from(GPU_MODELS))}
        for res in oracle.RESOURCES:
            if res == "gpu" and not has_gpu:
                node[res] = (0, 0, None)
                continue
            allocatable = draw(st.integers(CAPS[res] * 3 // 4, CAPS[res]) if big else VALUES[res])
            allocated = draw(st.one_of(st.just(0), st.just(allocatable), st.integers(0, allocatable)))
            capacity = draw(st.one_of(st.none(), st.integers(allocatable, CAPS[res])))
            node[res] = (allocatable, allocated, capacity)
        nodes.append(node)
    return nodes


def model_totals(nodes: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    totals = {}
    for res in oracle.RESOURCES:
        allocatable = sum(n[res][0] for n in nodes)
        allocated = sum(n[res][1] for n in nodes)
        totals[oracle.REPORT_NAMES[res]] = {
            "allocatable": allocatable,
            "allocated": allocated,
            "available": allocatable - allocated,
        }
    return totals


# ---- legacy and inventory encodings ----


def legacy_node(draw: st.DrawFn, node: dict[str, Any]) -> dict[str, Any]:
    omit_gpu = node["gpu"][0] == 0 and draw(st.booleans())
    allocatable, available = {}, {}
    for res in oracle.RESOURCES:
        if res == "gpu" and omit_gpu:
            continue
        key = oracle.LEGACY_KEYS[res]
        a, used, _ = node[res]
        allocatable[key] = a
        available[key] = a - used
    return {"name": node["name"], "allocatable": allocatable, "available": available}


def reservation(draw: st.DrawFn) -> dict[str, Any]:
    entry = {
        "cpu": draw(st.integers(0, 64)) * 1000,
        "gpu": draw(st.integers(0, 8)),
        "memory": draw(st.integers(0, 512)) << 30,
        "storage_ephemeral": draw(st.integers(0, 1024)) << 30,
    }
    if draw(st.booleans()):
        entry["storage"] = {"beta3": draw(st.integers(0, 1 << 40))}
    return entry


def legacy_document(draw: st.DrawFn, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    inventory: dict[str, Any] = {"active": [reservation(draw) for _ in range(draw(st.integers(0, 3)))]}
    if draw(st.booleans()):
        inventory["pending"] = [reservation(draw) for _ in range(draw(st.integers(0, 2)))]
    inventory["available"] = {
        "nodes": [legacy_node(draw, n) for n in nodes],
        "storage": [{"class": "beta3", "size": draw(st.integers(0, 1 << 45))}],
    }
    doc = {
        "cluster": {"leases": len(inventory["active"]), "inventory": inventory},
        "bidengine": {"orders": draw(st.integers(0, 20))},
        "manifest": {"deployments": draw(st.integers(0, 20))},
        "cluster_public_hostname": "provider.example.com",
    }
    if draw(st.booleans()):
        doc["address"] = "akash1r82zuxp283dk7lhfx5mvudpe96gsrnlpdsyh7m"
    return doc


def inventory_document(draw: st.DrawFn, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    encoded = [legacy_node(draw, n) for n in nodes]
    storage_allocatable = draw(st.integers(0, 1 << 45))
    storage_available = draw(st.integers(0, storage_allocatable))
    totals: dict[str, dict[str, Any]] = {}
    for side in ("allocatable", "available"):
        total: dict[str, Any] = {}
        for key in oracle.LEGACY_KEYS.values():
            total[key] = sum(n[side].get(key, 0) for n in encoded)
        total["storage"] = {"beta3": storage_allocatable if side == "allocatable" else storage_available}
        totals[side] = total
    return {
        "nodes": encoded,
        "total_allocatable": totals["allocatable"],
        "total_available": totals["available"],
    }


# ---- v1 encodings ----


def v1_quantity(draw: st.DrawFn, n: int, *, milli: bool, proto: bool) -> Any:
    """A quantity as Go JSON (a bare string) or protojson ({"string": ...}); zero may be left out.

    Readers must also take a bare JSON number, so a few quantities are written as one.
    """
    text = spell(draw, n, milli=milli)
    if n == 0 and draw(st.integers(0, 3)) == 0:
        return {} if proto and draw(st.booleans()) else None
    if draw(st.integers(0, 9)) == 0 and (not milli or n % 1000 == 0):
        return n // 1000 if milli else n
    return {"string": text} if proto else text


def v1_pair(
    draw: st.DrawFn, triple: tuple[int, int, int | None], *, milli: bool, proto: bool
) -> dict[str, Any]:
    allocatable, allocated, capacity = triple
    pair = {}
    for key, value in (("allocatable", allocatable), ("allocated", allocated), ("capacity", capacity)):
        if value is None:
            continue
        quantity = v1_quantity(draw, value, milli=milli, proto=proto)
        if quantity is not None:
            pair[key] = quantity
        elif draw(st.booleans()):
            pair[key] = None
    return pair


def gpu_info(model: tuple[str, ...], count: int, proto: bool) -> list[dict[str, str]]:
    vendor, vendor_id, name, model_id, interface, memory = model
    keys = ("vendorId", "modelid", "memorySize") if proto else ("vendor_id", "model_id", "memory_size")
    entry = {
        "vendor": vendor,
        keys[0]: vendor_id,
        "name": name,
        keys[1]: model_id,
        "interface": interface,
        keys[2]: memory,
    }
    return [dict(entry) for _ in range(count)]


def v1_node(draw: st.DrawFn, node: dict[str, Any], proto: bool) -> dict[str, Any]:
    cores = node["cpu"][0] // 1000
    resources: dict[str, Any] = {
        "cpu": {
            "quantity": v1_pair(draw, node["cpu"], milli=True, proto=proto),
            "info": [
                {
                    "id": "0",
                    "vendor": "AuthenticAMD",
                    "model": draw(st.sampled_from(CPU_MODELS)),
                    "vcores": cores,
                }
            ],
        },
        "memory": {"quantity": v1_pair(draw, node["memory"], milli=False, proto=proto)},
        "gpu": {"quantity": v1_pair(draw, node["gpu"], milli=False, proto=proto)},
    }
    gpus = node["gpu"][0]
    if gpus or draw(st.booleans()):
        resources["gpu"]["info"] = gpu_info(node["gpu_model"], gpus, proto)
    ephemeral = v1_pair(draw, node["ephemeral_storage"], milli=False, proto=proto)
    if draw(st.booleans()):
        ephemeral = {"quantity": ephemeral}
    volumes = v1_pair(draw, (0, 0, 0), milli=False, proto=proto)
    if proto:
        resources.update(
            ephemeralStorage=ephemeral, volumesAttached=volumes, volumesMounted=copy.deepcopy(volumes)
        )
        capabilities = {"storageClasses": ["beta3"]}
    else:
        resources.update(
            ephemeral_storage=ephemeral, volumes_attached=volumes, volumes_mounted=copy.deepcopy(volumes)
        )
        capabilities = {"storage_classes": ["default", "beta3"]}
    return {"name": node["name"], "resources": resources, "capabilities": capabilities}


def v1_document(draw: st.DrawFn, nodes: list[dict[str, Any]], proto: bool) -> dict[str, Any]:
    def q(n: int, milli: bool = False) -> Any:
        text = spell(draw, n, milli=milli)
        return {"string": text} if proto else text

    storage_allocatable = draw(st.integers(0, 1 << 45))
    storage = [
        {
            "quantity": v1_pair(
                draw,
                (storage_allocatable, draw(st.integers(0, storage_allocatable)), None),
                milli=False,
                proto=proto,
            ),
            "info": {"class": "beta3", "iops": ""},
        }
    ]
    eph = "ephemeralStorage" if proto else "ephemeral_storage"
    reservations = {}
    for state in ("pending", "active"):
        reservations[state] = {
            "count": draw(st.integers(0, 5)),
            "resources": {
                "cpu": q(draw(st.integers(0, 64)) * 500, milli=True),
                "memory": q(draw(st.integers(0, 512)) << 30),
                "gpu": q(draw(st.integers(0, 8))),
                eph: q(draw(st.integers(0, 1024)) << 30),
                "storage": {"beta3": q(draw(st.integers(0, 1 << 40)))},
            },
        }
    active = draw(st.integers(0, 20))
    inventory = {"cluster": {"nodes": [v1_node(draw, n, proto) for n in nodes], "storage": storage}}
    inventory["reservations"] = reservations
    if proto:
        return {
            "cluster": {"leases": {"active": active} if active else {}, "inventory": inventory},
            "bidEngine": {"orders": draw(st.integers(0, 20))},
            "manifest": {"deployments": draw(st.integers(0, 20))},
            "publicHostnames": ["provider.example.com"],
            "timestamp": "2026-11-27T00:00:00Z",
        }
    return {
        "errors": [],
        "cluster": {"leases": {"active": active}, "inventory": inventory},
        "bid_engine": {"orders": draw(st.integers(0, 20))},
        "manifest": {"deployments": draw(st.integers(0, 20))},
        "public_hostnames": ["provider.example.com"],
        "timestamp": "2026-11-27T00:00:00Z",
    }


@st.composite
def documents(
    draw: st.DrawFn,
    shapes: tuple[str, ...] = SHAPES,
    *,
    big: bool = True,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(shape, document, model totals) of a valid document; ``big=False`` keeps clusters small."""
    shape = draw(st.sampled_from(shapes))
    nodes = draw(abstract_nodes(big))
    if shape == "legacy":
        doc = legacy_document(draw, nodes)
    elif shape == "inventory":
        doc = inventory_document(draw, nodes)
    else:
        doc = v1_document(draw, nodes, proto=shape == "v1-proto")
    return shape, doc, model_totals(nodes)


# ---- corruption ----


def node_list(doc: dict[str, Any], shape: str) -> list[Any]:
    try:
        if shape == "inventory":
            nodes = doc["nodes"]
        elif shape == "legacy":
            nodes = doc["cluster"]["inventory"]["available"]["nodes"]
        else:
            nodes = doc["cluster"]["inventory"]["cluster"]["nodes"]
    except (KeyError, TypeError):
        return []
    return nodes if isinstance(nodes, list) else []


def v1_pairs(node: Any) -> list[tuple[dict[str, Any], str]]:
    """(pair object, resource) of every node resource that is still shaped as generated."""
    if not isinstance(node, dict) or not isinstance(node.get("resources"), dict):
        return []
    resources = node["resources"]
    out = []
    for res in ("cpu", "memory", "gpu"):
        obj = resources.get(res)
        if isinstance(obj, dict) and isinstance(obj.get("quantity"), dict):
            out.append((obj["quantity"], res))
    obj = resources.get("ephemeral_storage", resources.get("ephemeralStorage"))
    if isinstance(obj, dict):
        inner = obj.get("quantity")
        out.append((inner if isinstance(inner, dict) else obj, "ephemeral_storage"))
    return out


def number_slots(doc: dict[str, Any], shape: str) -> list[tuple[dict[str, Any], str, str, str]]:
    """(container, key, resource, role) of every number position, present or not."""
    slots = []
    for node in node_list(doc, shape):
        if shape.startswith("v1"):
            for pair, res in v1_pairs(node):
                for role in ("allocatable", "allocated", "capacity"):
                    slots.append((pair, role, res, role))
        elif isinstance(node, dict):
            for side in ("allocatable", "available"):
                if isinstance(node.get(side), dict):
                    for res in oracle.RESOURCES:
                        slots.append((node[side], oracle.LEGACY_KEYS[res], res, side))
    if shape == "inventory":
        for side in ("total_allocatable", "total_available"):
            if isinstance(doc.get(side), dict):
                for res in oracle.RESOURCES:
                    slots.append((doc[side], oracle.LEGACY_KEYS[res], res, side))
    return slots


def other_slots(doc: dict[str, Any], shape: str) -> list[tuple[dict[str, Any], str, str, str]]:
    """(container, key, resource, role) of reservation numbers and uint32 counters."""
    slots = []
    if shape == "inventory":
        return slots
    cluster, inventory = doc["cluster"], doc["cluster"]["inventory"]
    if shape == "legacy":
        slots.append((cluster, "leases", "counter", "counter"))
        for state in ("active", "pending"):
            for entry in inventory.get(state, []):
                for res in oracle.RESOURCES:
                    slots.append((entry, oracle.LEGACY_KEYS[res], res, "reservation"))
        slots.append((doc["bidengine"], "orders", "counter", "counter"))
    else:
        if isinstance(cluster["leases"], dict):
            slots.append((cluster["leases"], "active", "counter", "counter"))
        for reservation in inventory["reservations"].values():
            slots.append((reservation, "count", "counter", "counter"))
            for key in reservation["resources"]:
                if key != "storage":
                    res = "ephemeral_storage" if key.startswith("ephemeral") else key
                    slots.append((reservation["resources"], key, res, "reservation"))
        slots.append((doc.get("bidEngine", doc.get("bid_engine")), "orders", "counter", "counter"))
    slots.append((doc["manifest"], "deployments", "counter", "counter"))
    return slots


def node_list_slot(doc: dict[str, Any], shape: str) -> tuple[dict[str, Any], str] | None:
    """(parent, "nodes") of the node list, when its parent is still an object."""
    if shape == "inventory":
        return doc, "nodes"
    parent = doc["cluster"]["inventory"].get("available" if shape == "legacy" else "cluster")
    return (parent, "nodes") if isinstance(parent, dict) else None


def container_slots(doc: dict[str, Any], shape: str) -> list[tuple[Any, Any]]:
    """(parent, key) of every object or array inside the node list (the nodes included)."""
    out: list[tuple[Any, Any]] = []

    def walk(parent: Any, key: Any) -> None:
        value = parent[key]
        if isinstance(value, dict):
            out.append((parent, key))
            for k in list(value):
                walk(value, k)
        elif isinstance(value, list):
            out.append((parent, key))
            for i in range(len(value)):
                walk(value, i)

    nodes = node_list(doc, shape)
    for i in range(len(nodes)):
        walk(nodes, i)
    return out


def bad_integers(res: str) -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(1, 2**32).map(lambda k: 2**64 - k),
        st.integers(0, 2**32 - 1).map(lambda k: 2**64 + k),
        st.just(2**64 - 1),
        st.integers(-(10**13), -1),
        st.just(-1),
        st.integers(2**63, 2**64 - 2**32 - 1),
        st.integers(2**64 + 2**32, 2**80),
        st.integers(2**53, 2**63 - 1),
        st.integers(CAPS[res] + 1, CAPS[res] + 1000),
        st.just(CAPS[res]),
    )


# Fresh objects each time: a shared {} would collect the mutations made to it across examples.
JUNK = st.sampled_from([True, False, None, [], [1], {}, {"x": 1}]).map(copy.deepcopy)


def encode_like(draw: st.DrawFn, text: str, shape: str) -> Any:
    """A quantity text as the document's encoding spells it (sometimes the other one)."""
    if shape == "v1-proto" and draw(st.integers(0, 4)):
        return {"string": text}
    return text


def bad_value(draw: st.DrawFn, shape: str, res: str) -> Any:
    if res == "counter":
        return draw(st.one_of(JUNK, bad_integers("gpu"), st.just(2**32), st.just(0.5), st.just("7")))
    kind = draw(st.sampled_from(["int", "int", "int", "text", "junk", "half"]))
    if kind == "junk":
        return draw(JUNK)
    if kind == "half":
        return draw(st.integers(0, 1000)) + 0.5
    if kind == "text":
        text = draw(st.sampled_from(BAD_TEXTS))
        return encode_like(draw, text, shape) if shape.startswith("v1") else text
    n = draw(bad_integers(res))
    if not shape.startswith("v1"):
        return n
    milli = res == "cpu"
    if draw(st.integers(0, 3)) == 0 and (not milli or n % 1000 == 0):
        return n // 1000 if milli else n  # a bare JSON number
    return encode_like(draw, bad_spelling(n, milli=milli), shape)


def reading(shape: str, container: dict[str, Any], key: str, res: str, role: str) -> oracle.Reading:
    if shape.startswith("v1"):
        return oracle.v1_reading(
            container, key, res, allocatable=role == "allocatable", int_limit=oracle.INT64_LIMIT, caps=CAPS
        )
    return oracle.legacy_reading(
        container, key, res, allocatable=role == "allocatable", int_limit=oracle.INT64_LIMIT, caps=CAPS
    )


def as_json_number(res: str, value: int) -> int | float | None:
    """A trusted quantity as a bare JSON number (cpu in cores), if one spells it exactly."""
    if res != "cpu":
        return value
    if value % 1000 == 0:
        return value // 1000
    if value % 500 == 0:
        return value / 1000
    return None


def mutate(draw: st.DrawFn, doc: dict[str, Any], shape: str) -> str:
    """Applies one corruption in place; returns what it did."""
    kinds = ["replace", "replace", "replace", "delete", "duplicate", "over", "gpu-zero", "junk"]
    kind = draw(st.sampled_from([*kinds, "respell", "mixed-pair"]))
    nodes = node_list(doc, shape)
    slots = number_slots(doc, shape)
    if kind == "replace" and slots:
        container, key, res, role = draw(st.sampled_from(slots + other_slots(doc, shape)))
        container[key] = value = bad_value(draw, shape, res)
        return f"replace {res} {role} {key} with {value!r}"
    if kind == "delete":
        targets = [(c, k) for c, k, _, _ in slots if k in c]
        targets += [(p, k) for p, k in container_slots(doc, shape) if isinstance(p, dict)]
        targets += [(n, "name") for n in nodes if isinstance(n, dict) and "name" in n]
        if targets:
            parent, key = draw(st.sampled_from(targets))
            del parent[key]
            return f"delete {key}"
    if kind == "duplicate" and nodes:
        i = draw(st.integers(0, len(nodes) - 1))
        j = draw(st.integers(0, len(nodes)))
        nodes.insert(j, copy.deepcopy(nodes[i]))
        return f"duplicate node {i} at {j}"
    if kind == "over" and slots:
        allocatables = [s for s in slots if s[3] == "allocatable"]
        if allocatables:
            container, key, res, _ = draw(st.sampled_from(allocatables))
            a = reading(shape, container, key, res, "allocatable")
            if a.state == "trusted":
                extra = draw(st.one_of(st.integers(1, 8), st.integers(1, 2**40)))
                if shape.startswith("v1"):
                    container["allocated"] = encode_like(
                        draw, bad_spelling(a.value + extra, milli=res == "cpu"), shape
                    )
                else:
                    side = next(n for n in nodes if isinstance(n, dict) and n.get("allocatable") is container)
                    if isinstance(side.get("available"), dict):
                        side["available"][key] = a.value + extra
                return f"over-allocate {res} by {extra}"
    if kind == "gpu-zero":
        for node in nodes:
            if shape.startswith("v1") and isinstance(node, dict):
                gpu = (
                    node.get("resources", {}).get("gpu") if isinstance(node.get("resources"), dict) else None
                )
                if isinstance(gpu, dict) and gpu.get("info") and isinstance(gpu.get("quantity"), dict):
                    gpu["quantity"]["allocatable"] = encode_like(draw, "0", shape)
                    return f"gpu allocatable 0 with info on {node.get('name')!r}"
            elif isinstance(node, dict) and isinstance(node.get("allocatable"), dict):
                if node["allocatable"].get("gpu"):
                    node["allocatable"]["gpu"] = 0
                    return f"legacy gpu allocatable 0 on {node.get('name')!r}"
    if kind == "junk":
        holder = node_list_slot(doc, shape)
        targets = container_slots(doc, shape) + ([holder] if holder else [])
        if targets:
            parent, key = draw(st.sampled_from(targets))
            parent[key] = value = draw(JUNK)
            return f"replace container {key!r} with {value!r}"
    if kind == "respell" and shape.startswith("v1") and slots:
        container, key, res, role = draw(st.sampled_from(slots))
        r = reading(shape, container, key, res, role)
        number = as_json_number(res, r.value)
        if r.state == "trusted" and container.get(key) is not None and number is not None:
            container[key] = number
            return f"respell {res} {key} as the JSON number {number!r}"
    if kind == "mixed-pair" and shape.startswith("v1"):
        # One side of a pair written as a bare JSON number, the other side corrupted.
        pairs = [p for n in nodes for p in v1_pairs(n)]
        if pairs:
            pair, res = draw(st.sampled_from(pairs))
            good, bad = draw(st.sampled_from([("allocatable", "allocated"), ("allocated", "allocatable")]))
            r = reading(shape, pair, good, res, good)
            number = as_json_number(res, r.value)
            if r.state == "trusted" and number is not None:
                pair[good] = number
                pair[bad] = value = bad_value(draw, shape, res)
                return f"mixed pair {res}: {good} {number!r}, {bad} {value!r}"
    return "noop"


@st.composite
def corrupted_documents(
    draw: st.DrawFn,
    shapes: tuple[str, ...] = SHAPES,
    *,
    big: bool = True,
) -> tuple[str, dict[str, Any]]:
    shape, doc, _ = draw(documents(shapes, big=big))
    doc = copy.deepcopy(doc)
    log = [mutate(draw, doc, shape) for _ in range(draw(st.integers(1, 5)))]
    for line in log:
        event(line.split(" ")[0])
    note(f"mutations: {log}")
    return shape, doc


# ---- helpers ----


def schema_of(shape: str) -> str:
    return "v1" if shape.startswith("v1") else shape


RESOURCES = ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes")


def totals_of(report: akinv.Report) -> dict[str, dict[str, int]]:
    """The four resources' figures, which the oracle computes."""
    totals = report.totals.to_dict()
    return {name: totals[name] for name in RESOURCES}


def nodes_of(report: akinv.Report) -> list[dict[str, Any]]:
    return [{name: node.to_dict()[name] for name in RESOURCES} for node in report.nodes]


def dumps(doc: dict[str, Any], indent: bool) -> str:
    return json.dumps(doc, indent=1 if indent else None, ensure_ascii=indent)


def walk_values(value: Any) -> Any:
    if isinstance(value, dict):
        for item in value.values():
            yield from walk_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_values(item)
    else:
        yield value


MISSING = object()
_PATH_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def resolve(doc: Any, path: str) -> Any:
    """The value at an akinv path ("a.b[2].c"), or MISSING."""
    value = doc
    for match in _PATH_PART.finditer(path):
        key, index = match.groups()
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return MISSING
    return value


def policy_for(name: str) -> akinv.Policy:
    return akinv.Policy(int_limit=name)


# ---- (a) valid documents ----


@SETTINGS
@given(documents(), st.booleans())
def test_valid_documents_are_ok_and_match_the_oracle(
    generated: tuple[str, dict[str, Any], Any], indent: bool
) -> None:
    shape, doc, model = generated
    text = dumps(doc, indent)
    report = akinv.validate(text)
    assert report.schema == schema_of(shape)
    assert [f.to_dict() for f in report.findings] == []
    assert report.ok
    expected = oracle.expected_totals(json.loads(text))
    assert expected == model  # the oracle and the generator agree on what was written
    assert totals_of(report) == expected
    assert nodes_of(report) == oracle.expected_nodes(doc)
    assert [n.name for n in report.nodes] == [n["name"] for n in node_list(doc, shape)]
    # bytes, str and an already decoded document are the same input
    assert akinv.validate(text.encode()).to_dict() == report.to_dict()
    assert akinv.validate(doc).to_dict() == report.to_dict()


# ---- (b) corrupted documents ----


@SETTINGS
@given(corrupted_documents(), st.sampled_from(sorted(POLICIES)))
def test_corrupted_documents_give_a_report_matching_the_oracle(
    corrupted: tuple[str, dict[str, Any]], policy: str
) -> None:
    shape, doc = corrupted
    text = json.dumps(doc)
    report = akinv.validate(text, policy=policy_for(policy))
    assert report.schema == schema_of(shape)
    decoded = json.loads(text)
    assert totals_of(report) == oracle.expected_totals(decoded, int_limit=POLICIES[policy])
    assert nodes_of(report) == oracle.expected_nodes(decoded, int_limit=POLICIES[policy])
    for finding in report.findings:
        assert finding.severity in ("error", "warning")
        assert isinstance(finding.message, str) and finding.message


# Keys akinv reads (rust/akinv-core/src/status.rs), which a writer may spell with JSON escapes.
KNOWN_KEYS = frozenset(
    "active allocatable allocated available bidEngine bid_engine bidengine capacity class cluster count"
    " cpu deployments ephemeralStorage ephemeral_storage error gpu info interface inventory leases"
    " manifest memory memorySize memory_size name nodes orders pending quantity reservations resources"
    " size storage storage_ephemeral string total_allocatable total_available vendor volumesAttached"
    " volumesMounted volumes_attached volumes_mounted".split()
)


def escape_keys(text: str, escape: list[bool]) -> str:
    """`text` with known keys' first letter written as a \\u escape, where `escape` (cycled) says."""
    picks = iter(escape * (len(text) // max(len(escape), 1) + 1))

    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in KNOWN_KEYS or not next(picks):
            return match.group(0)
        return f'"\\u{ord(key[0]):04x}{key[1:]}":'

    return re.sub(r'"([A-Za-z_]+)":', one, text)


# A wrapped GPU count under a known key: with every key escaped it was once read as an unknown field.
WRAPPED_GPU_DOC = {
    "cluster": {
        "leases": 0,
        "inventory": {
            "available": {
                "nodes": [
                    {
                        "name": "a",
                        "allocatable": {"cpu": 1000, "gpu": 2**64 - 1, "memory": 1, "storage_ephemeral": 1},
                        "available": {"cpu": 1000, "gpu": 0, "memory": 1, "storage_ephemeral": 1},
                    }
                ]
            }
        },
    }
}


@FEW
@given(corrupted_documents(), st.lists(st.booleans(), min_size=1, max_size=8))
@example(("legacy", WRAPPED_GPU_DOC), [True])
def test_escaped_keys_read_like_plain_ones(corrupted: tuple[str, dict[str, Any]], escape: list[bool]) -> None:
    """`"\\u0067pu"` is "gpu" to Go and to every JSON reader: a wrapped count behind an escaped
    key was once neither found nor sanitized."""
    _, doc = corrupted
    text = json.dumps(doc)
    escaped = escape_keys(text, escape)
    note(escaped)
    assert json.loads(escaped) == doc
    assert akinv.validate(escaped).to_dict() == akinv.validate(text).to_dict()
    fixed, plain_fixed = akinv.sanitize(escaped), akinv.sanitize(text)
    # The same changes, at other byte offsets (escapes are longer than the letters they stand for).
    described = [(c.path, c.original, c.replacement, c.reason) for c in fixed.changes]
    assert described == [(c.path, c.original, c.replacement, c.reason) for c in plain_fixed.changes]
    assert akinv.validate(fixed.data).to_dict() == akinv.validate(plain_fixed.data).to_dict()


# Minimal documents of bugs these properties found in akinv (fixed in fd62540); each is also an
# explicit example of the property that found it.

# Over-allocated ephemeral storage wrapped in "quantity": the finding and the change once named
# "...ephemeral_storage.allocated", a path not in the document.
WRAPPED_EPHEMERAL_DOC = {
    "cluster": {
        "leases": {"active": 1},
        "inventory": {
            "cluster": {
                "nodes": [
                    {
                        "name": "n1",
                        "resources": {
                            "ephemeral_storage": {"quantity": {"allocatable": "100Gi", "allocated": "200Gi"}}
                        },
                    }
                ]
            }
        },
    }
}

# A bare-number allocatable and a bad protojson allocated: sanitize once wrote {"string": 64},
# which reads as an empty quantity, so the sanitized document published 64 available.
MIXED_PAIR_DOC = {
    "cluster": {
        "leases": {},
        "inventory": {
            "cluster": {
                "nodes": [
                    {
                        "name": "n1",
                        "resources": {
                            "memory": {"quantity": {"allocatable": 64, "allocated": {"string": "12K"}}}
                        },
                    }
                ]
            }
        },
    }
}

# A v1 cpu allocatable of "-1" (Value() == -1: unbounded) was once reported negative.
UNBOUNDED_CPU_DOC = {
    "cluster": {
        "leases": {},
        "inventory": {
            "cluster": {
                "nodes": [
                    {
                        "name": "n1",
                        "resources": {
                            "cpu": {"quantity": {"allocatable": "-1", "allocated": "2"}},
                            "memory": {"quantity": {"allocatable": "64", "allocated": "0"}},
                        },
                    }
                ]
            }
        },
    }
}


def big_inventory_document(nodes: int = 8, ephemeral: int = CAPS["ephemeral_storage"]) -> dict[str, Any]:
    """Nodes at the ephemeral storage cap (1 PiB): 8 of them sum to exactly 2**53.

    With int_limit="js" the totals were once flagged not-int64-safe yet left as they were.
    """
    resources = {"cpu": 64000, "gpu": 0, "memory": 256 << 30, "storage_ephemeral": ephemeral}
    node_list = [
        {"name": f"node{i}", "allocatable": dict(resources), "available": dict(resources)}
        for i in range(nodes)
    ]
    total = {key: value * nodes for key, value in resources.items()}
    return {"nodes": node_list, "total_allocatable": total, "total_available": dict(total)}


BIG_INVENTORY = ("inventory", big_inventory_document(), None)


def check_findings(shape: str, doc: dict[str, Any], policy: str) -> None:
    """Every node value is classified as the oracle classifies it, at the same path."""
    report = akinv.validate(json.dumps(doc), policy=policy_for(policy))
    leaf = NODE_LEAF[schema_of(shape)]
    found = sorted((f.path, f.code) for f in report.findings if f.code in NUMBER_CODES | {"wrong-type"})
    expected = oracle.expected_findings(doc, int_limit=POLICIES[policy])
    assert [f for f in found if leaf.fullmatch(f[0])] == expected
    # and every number finding, node value or not, names a place that is in the document
    for path, code in found:
        assert resolve(doc, path) is not MISSING, (path, code)


@SETTINGS
@given(corrupted=corrupted_documents(), policy=st.sampled_from(sorted(POLICIES)))
@example(corrupted=("v1-go", WRAPPED_EPHEMERAL_DOC), policy="int64")
@example(corrupted=("v1-go", UNBOUNDED_CPU_DOC), policy="int64")
def test_corrupted_documents_findings_match_the_oracle(
    corrupted: tuple[str, dict[str, Any]], policy: str
) -> None:
    check_findings(*corrupted, policy)


# ---- (c) sanitize ----


def check_sanitized(text: str, policy: str) -> None:
    limit = POLICIES[policy]
    original = akinv.validate(text, policy=policy_for(policy))
    sanitized = akinv.sanitize(text, policy=policy_for(policy))
    note(f"changes: {[c.to_dict() for c in sanitized.changes]}")
    assert sanitized.report.to_dict() == original.to_dict()
    decoded = json.loads(text)
    for change in sanitized.changes:
        assert resolve(decoded, change.path) is not MISSING, change.to_dict()
    out = json.loads(sanitized.data)
    note(f"sanitized: {sanitized.data.decode()}")
    for value in walk_values(out):
        if isinstance(value, int) and not isinstance(value, bool):
            assert -limit < value < limit, value
        elif isinstance(value, str):
            try:
                parsed = oracle.parse_quantity(value)
            except (ValueError, oracle.OracleError):
                continue
            assert parsed < oracle.INT64_LIMIT, value
    again = akinv.validate(sanitized.data, policy=policy_for(policy))
    assert [f.to_dict() for f in again.findings if f.code in NUMBER_CODES] == []
    available = {name: usage["available"] for name, usage in totals_of(original).items()}
    available_again = {name: usage["available"] for name, usage in totals_of(again).items()}
    assert available_again == available
    storage = {c: u.available for c, u in original.totals.storage.items()}
    assert {c: u.available for c, u in again.totals.storage.items()} == storage
    assert totals_of(again) == oracle.expected_totals(out, int_limit=limit)
    twice = akinv.sanitize(sanitized.data, policy=policy_for(policy))
    assert [c.to_dict() for c in twice.changes] == []
    assert twice.data == sanitized.data


@pytest.mark.parametrize("policy", sorted(POLICIES))
@SETTINGS
@given(corrupted=corrupted_documents())
@example(corrupted=("v1-proto", MIXED_PAIR_DOC))
@example(corrupted=("v1-go", WRAPPED_EPHEMERAL_DOC))
@example(corrupted=BIG_INVENTORY[:2])
def test_sanitize_corrupted_documents(corrupted: tuple[str, dict[str, Any]], policy: str) -> None:
    check_sanitized(json.dumps(corrupted[1]), policy)


@pytest.mark.parametrize("policy", sorted(POLICIES))
@FEW
@given(generated=documents())
@example(generated=BIG_INVENTORY)
def test_sanitize_valid_documents(generated: tuple[str, dict[str, Any], Any], policy: str) -> None:
    text = json.dumps(generated[1], indent=2)
    check_sanitized(text, policy)
    if policy == "int64":
        # Nothing in a valid document is untrusted: sanitizing changes no byte.
        sanitized = akinv.sanitize(text)
        assert [c.to_dict() for c in sanitized.changes] == []
        assert sanitized.data == text.encode()


@FEW
@given(generated=documents(big=False))
def test_sanitize_valid_small_documents_js(generated: tuple[str, dict[str, Any], Any]) -> None:
    """Clusters whose sums stay below 2**53 are JavaScript-safe as they are."""
    text = json.dumps(generated[1])
    check_sanitized(text, "js")
    sanitized = akinv.sanitize(text, policy=policy_for("js"))
    assert [c.to_dict() for c in sanitized.changes] == []


# ---- regression tests for the bugs above ----


@pytest.mark.parametrize(
    ("allocatable", "allocated"),
    [(64, {"string": "12K"}), ({"string": "12K"}, 5), (64, {"string": "18446744073709551615"})],
)
def test_sanitize_never_writes_a_number_into_a_protojson_quantity(allocatable: Any, allocated: Any) -> None:
    doc = copy.deepcopy(MIXED_PAIR_DOC)
    pair = doc["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["memory"]["quantity"]
    pair.update(allocatable=allocatable, allocated=allocated)
    original = akinv.validate(doc)
    sanitized = akinv.sanitize(doc)
    out = json.loads(sanitized.data)
    quantities = out["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["memory"]["quantity"]
    for value in quantities.values():
        if isinstance(value, dict):
            assert isinstance(value["string"], str), sanitized.data
    again = akinv.validate(sanitized.data)
    assert again.totals.memory_bytes.available == original.totals.memory_bytes.available
    assert [f.code for f in again.findings] == []
    assert akinv.sanitize(sanitized.data).changes == []


def test_js_sanitize_bounds_inventory_totals() -> None:
    doc = big_inventory_document()
    js = policy_for("js")
    report = akinv.validate(doc, policy=js)
    assert [(f.code, f.path) for f in report.findings] == [
        ("not-int64-safe", "total_allocatable.storage_ephemeral"),
        ("not-int64-safe", "total_available.storage_ephemeral"),
        # the nodes sum to 2**53 too: the report's own total stays within the limit
        ("sum-saturated", "nodes"),
        ("sum-saturated", "nodes"),
    ]
    assert report.totals.ephemeral_storage_bytes.allocatable == 2**53 - 1
    sanitized = akinv.sanitize(doc, policy=js)
    out = json.loads(sanitized.data)
    assert out["total_allocatable"]["storage_ephemeral"] <= js.int_limit
    assert out["total_available"]["storage_ephemeral"] <= js.int_limit
    assert akinv.sanitize(sanitized.data, policy=js).changes == []


def test_wrapped_ephemeral_storage_paths_are_in_the_document() -> None:
    sanitized = akinv.sanitize(WRAPPED_EPHEMERAL_DOC)
    expected = "cluster.inventory.cluster.nodes[0].resources.ephemeral_storage.quantity.allocated"
    assert [(f.code, f.path) for f in sanitized.report.findings] == [("over-allocated", expected)]
    assert [(c.path, c.replacement) for c in sanitized.changes] == [(expected, '"100Gi"')]


@pytest.mark.parametrize("text", ["-1", "-500m", "-1m", "-1000m"])
def test_v1_cpu_allocatable_of_minus_one_is_unbounded(text: str) -> None:
    """akash-api's ResourcePair.Available() treats Allocatable.Value() == -1 as unbounded."""
    doc = copy.deepcopy(UNBOUNDED_CPU_DOC)
    doc["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["cpu"]["quantity"]["allocatable"] = text
    report = akinv.validate(doc)
    assert [f.code for f in report.findings] == []
    assert report.totals.cpu_millis.to_dict() == {"allocatable": 0, "allocated": 2000, "available": 0}
    assert akinv.sanitize(doc).changes == []


@pytest.mark.parametrize("text", ["-1001m", "-2", "-1.5"])
def test_v1_cpu_allocatable_below_minus_one_is_negative(text: str) -> None:
    doc = copy.deepcopy(UNBOUNDED_CPU_DOC)
    doc["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["cpu"]["quantity"]["allocatable"] = text
    assert [f.code for f in akinv.validate(doc).findings] == ["negative"]


# ---- (d) validate_many ----


@FEW
@given(
    st.lists(
        st.one_of(corrupted_documents().map(lambda c: c[1]), documents().map(lambda g: g[1])), max_size=6
    ),
    st.lists(st.sampled_from(["{", "[]", '{"x": 1}', "nul", '{"nodes": [}']), max_size=2),
)
def test_validate_many_equals_validate_one_by_one(docs: list[dict[str, Any]], broken: list[str]) -> None:
    payloads: list[Any] = [json.dumps(d) for d in docs] + broken
    payloads[::2] = [p.encode() for p in payloads[::2]]

    def one(payload: Any) -> Any:
        try:
            return akinv.validate(payload).to_dict()
        except akinv.PayloadError as error:
            return ("PayloadError", str(error))

    def many_item(item: Any) -> Any:
        if isinstance(item, akinv.PayloadError):
            return ("PayloadError", str(item))
        return item.to_dict()

    many = akinv.validate_many(payloads, threads=2)
    assert [many_item(r) for r in many] == [one(p) for p in payloads]


# ---- (e) garbage ----


def report_or_payload_error(payload: Any) -> akinv.Report | None:
    try:
        report = akinv.validate(payload)
    except akinv.PayloadError:
        return None
    assert isinstance(report, akinv.Report)
    report.to_dict()
    return report


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    report_or_payload_error(data)
    try:
        akinv.sanitize(data)
    except akinv.PayloadError:
        pass


@SETTINGS
@given(documents(), st.data())
def test_truncated_documents_raise_payload_error(
    generated: tuple[str, dict[str, Any], Any], data: st.DataObject
) -> None:
    text = json.dumps(generated[1], indent=data.draw(st.sampled_from([None, 1])))
    cut = data.draw(st.integers(0, len(text) - 1))
    prefix = text[:cut].encode()
    with pytest.raises(akinv.PayloadError):
        akinv.validate(prefix)
    with pytest.raises(akinv.PayloadError):
        akinv.sanitize(prefix)


@SETTINGS
@given(documents(), st.data())
def test_damaged_bytes_never_crash(generated: tuple[str, dict[str, Any], Any], data: st.DataObject) -> None:
    raw = bytearray(json.dumps(generated[1]).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.sampled_from(b'"{}[],:0123456789-.eE \\tnul\xff\xc3'))
    report_or_payload_error(bytes(raw))
    try:
        akinv.sanitize(bytes(raw))
    except akinv.PayloadError:
        pass
