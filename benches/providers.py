"""Akash providers as data, and their renderings as status documents.

A provider is built first (nodes, leases packed onto them, storage pools) and then rendered, so every
document is internally consistent: legacy REST /status in three provider eras, v1 Status as Go JSON
(snake_case keys, bare quantity strings) or protojson (lowerCamelCase, {"string": ...}, zero fields
omitted), or the provider's logged inventory dump ({"nodes", "total_allocatable", "total_available"}).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from spelling import spell_bytes, spell_millicores

GiB, MiB = 1 << 30, 1 << 20


@dataclass(frozen=True)
class GpuModel:
    vendor: str
    vendor_id: str
    name: str
    model_id: str
    interface: str
    memory_size: str


GPU_MODELS = (
    GpuModel("nvidia", "10de", "a100", "20b2", "SXM4", "80Gi"),
    GpuModel("nvidia", "10de", "h100", "2330", "SXM5", "80Gi"),
    GpuModel("nvidia", "10de", "rtx4090", "2684", "PCIe", "24Gi"),
    GpuModel("nvidia", "10de", "t4", "1eb8", "PCIe", "16Gi"),
    GpuModel("nvidia", "10de", "a6000", "2230", "PCIe", "48Gi"),
)
CPU_MODELS = (
    ("AuthenticAMD", "AMD EPYC 7763 64-Core Processor"),
    ("AuthenticAMD", "AMD EPYC 7443P 24-Core Processor"),
    ("AuthenticAMD", "AMD EPYC 9554 64-Core Processor"),
    ("AuthenticAMD", "AMD Ryzen Threadripper PRO 5975WX 32-Cores"),
    ("GenuineIntel", "Intel(R) Xeon(R) CPU @ 2.20GHz"),
    ("GenuineIntel", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"),
    ("GenuineIntel", "Intel(R) Xeon(R) Platinum 8480+"),
)
STORAGE_CLASSES = ("beta3", "beta2", "beta1", "default")
STORAGE_CLASS_WEIGHTS = (6, 3, 1, 1)
DISKS = (240, 480, 960, 1920, 3840, 7680)  # GB, as sold
WORDS = ("akash", "cloud", "gpu", "compute", "node", "edge", "deep", "hurricane", "europlots", "sky", "nova")
TLDS = ("com", "net", "io", "xyz", "cloud", "dev")
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@dataclass
class Lease:
    cpu: int  # millicores
    memory: int
    gpu: int
    ephemeral: int
    storage: dict[str, int] = field(default_factory=dict)


@dataclass
class Node:
    name: str
    cores: int
    cpu_info: tuple[str, str]
    sockets: int
    cpu: int  # allocatable millicores
    memory_capacity: int
    memory: int
    ephemeral_capacity: int
    ephemeral: int
    gpu_model: GpuModel | None
    gpus: int
    used: Lease  # allocated: system pods plus the leases placed here
    classes: list[str]


@dataclass
class Pool:
    storage_class: str
    allocatable: int
    allocated: int


@dataclass
class Provider:
    hostname: str
    address: str
    nodes: list[Node]
    pools: list[Pool]
    active: list[Lease]
    pending: list[Lease]
    orders: int
    timestamp: str
    reclamation_window: int | None  # nanoseconds, newest providers only
    capacity: bool  # v1 ResourcePair.capacity exists since akash-api v0.0.74


# -- building a provider ---------------------------------------------------------------------------


def _node_count(rng: random.Random) -> int:
    """Skewed small: most providers run 1-8 nodes, a few run up to 64."""
    r = rng.random()
    if r < 0.86:
        return rng.choices(range(1, 9), (26, 16, 14, 10, 6, 6, 3, 5))[0]
    if r < 0.95:
        return rng.randint(9, 16)
    if r < 0.99:
        return rng.randint(17, 32)
    return rng.randint(33, 64)


def _node(rng: random.Random, name: str, gpu_model: GpuModel | None, classes: list[str]) -> Node:
    gpus = rng.choices((1, 2, 3, 4, 5, 6, 7, 8), (20, 15, 3, 20, 2, 3, 2, 35))[0] if gpu_model else 0
    cores = rng.choice((32, 48, 64, 96, 128, 192, 224, 256) if gpus else (4, 8, 16, 24, 32, 48, 64, 96, 128))
    sockets = 2 if cores >= 128 and rng.random() < 0.5 else 1
    reserved_cpu = 0 if rng.random() < 0.8 else rng.choice((100, 250, 500, 1000))
    # kubelet reports memory in Ki; allocatable drops the kube/system reservation and eviction threshold.
    memory_ki = cores * rng.choice((2, 4, 4, 8)) * GiB // 1024 - rng.randint(0, 2 * 1024 * 1024)
    if rng.random() < 0.3:
        memory = memory_ki * 1024 // GiB * GiB  # a provider that configured a round allocatable
    else:
        memory = (memory_ki - rng.choice((102400, 512000, 1048576, 1153434))) * 1024
    disk = rng.choice(DISKS) * 10**9 * max(1, gpus // 2)
    ephemeral_capacity = int(disk * rng.uniform(0.90, 0.98)) // 4096 * 4096
    r = rng.random()
    if r < 0.15:
        ephemeral = ephemeral_capacity * 9 // 10 // 10**9 * 10**9  # "1900G"
    elif r < 0.25:
        ephemeral = ephemeral_capacity * 9 // 10 // GiB * GiB  # "1900Gi"
    else:
        ephemeral = ephemeral_capacity * 9 // 10
    system = Lease(
        cpu=rng.choice((350, 850, 1350, 2850)),
        memory=rng.randint(200, 3000) * MiB,
        gpu=0,
        ephemeral=0 if rng.random() < 0.7 else rng.choice((1, 10, 100)) * GiB,
    )
    return Node(
        name=name,
        cores=cores,
        cpu_info=rng.choice(CPU_MODELS),
        sockets=sockets,
        cpu=cores * 1000 - reserved_cpu,
        memory_capacity=memory_ki * 1024,
        memory=memory,
        ephemeral_capacity=ephemeral_capacity,
        ephemeral=ephemeral,
        gpu_model=gpu_model,
        gpus=gpus,
        used=system,
        classes=classes,
    )


def _lease(rng: random.Random, gpu_provider: bool, classes: list[str]) -> Lease:
    """One deployment's requests, as an SDL would spell them (512Mi, 1Gi, 2G, 0.5 cpu ...)."""
    lease = Lease(
        cpu=rng.choices((100, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000), (3, 5, 8, 10, 8, 6, 4, 2, 1))[
            0
        ],
        memory=rng.choice((256 * MiB, 512 * MiB, GiB, 2 * GiB, 4 * GiB, 8 * GiB, 16 * GiB, 64 * GiB, 10**9)),
        gpu=rng.choice((1, 1, 1, 2, 4, 8)) if gpu_provider and rng.random() < 0.5 else 0,
        ephemeral=rng.choice((512 * MiB, GiB, 10 * GiB, 50 * GiB, 100 * GiB, 10**9, 10 * 10**9, 100 * 10**9)),
    )
    if classes and rng.random() < 0.2:
        lease.storage[rng.choice(classes)] = rng.choice((GiB, 10 * GiB, 100 * GiB, 1 << 40, 10**11, 10**12))
    return lease


def _fits(node: Node, lease: Lease) -> bool:
    used = node.used
    return (
        used.cpu + lease.cpu <= node.cpu
        and used.memory + lease.memory <= node.memory
        and used.gpu + lease.gpu <= node.gpus
        and used.ephemeral + lease.ephemeral <= node.ephemeral
    )


def _address(rng: random.Random) -> str:
    return "akash1" + "".join(rng.choice(BECH32) for _ in range(38))


def _hostname(rng: random.Random) -> str:
    word = rng.choice(WORDS) + (str(rng.randint(1, 99)) if rng.random() < 0.4 else "")
    return f"provider.{word}.{rng.choice(TLDS)}"


def _timestamp(rng: random.Random) -> str:
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{rng.randint(0, 999_999_999):09d}Z"


def build_provider(rng: random.Random) -> Provider:
    n_nodes = _node_count(rng)
    classes: list[str] = []
    if rng.random() >= 0.45:  # persistent storage: one or two classes
        classes = sorted(set(rng.choices(STORAGE_CLASSES, STORAGE_CLASS_WEIGHTS, k=2)))
    gpu_provider = rng.random() < 0.45
    models = rng.sample(GPU_MODELS, rng.choice((1, 1, 1, 2))) if gpu_provider else []
    nodes = []
    for index in range(n_nodes):
        # Mixed clusters are common: some nodes of a GPU provider have no GPU at all.
        with_gpu = gpu_provider and (index == 0 or rng.random() < 0.8)
        name = f"node{index + 1}" if rng.random() < 0.7 else f"worker-{index + 1:02d}"
        nodes.append(_node(rng, name, rng.choice(models) if with_gpu else None, classes))
    active: list[Lease] = []
    pending: list[Lease] = []
    for _ in range(rng.randint(0, 4 * n_nodes)):
        lease = _lease(rng, gpu_provider, classes)
        for node in rng.sample(nodes, min(3, n_nodes)):
            if _fits(node, lease):
                node.used.cpu += lease.cpu
                node.used.memory += lease.memory
                node.used.gpu += lease.gpu
                node.used.ephemeral += lease.ephemeral
                active.append(lease)
                break
        else:
            if len(pending) < 2:
                pending.append(lease)
    pools = []
    for storage_class in classes:
        claimed = sum(lease.storage.get(storage_class, 0) for lease in active)
        size = rng.choice((101796855808, 881387044864, 2445568376832, 10 << 40, 50 << 40, 500 << 40))
        pools.append(Pool(storage_class, max(size, claimed), claimed))
    return Provider(
        hostname=_hostname(rng),
        address=_address(rng),
        nodes=nodes,
        pools=pools,
        active=active,
        pending=pending,
        orders=rng.choices((0, 1, 2, 3), (6, 2, 1, 1))[0],
        timestamp=_timestamp(rng),
        reclamation_window=86400 * 10**9 if rng.random() < 0.1 else None,
        capacity=rng.random() < 0.6,
    )


# -- legacy REST /status -----------------------------------------------------------------------------


def _legacy_lease(lease: Lease, with_gpu: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"cpu": lease.cpu}
    if with_gpu:
        entry["gpu"] = lease.gpu
    entry.update(memory=lease.memory, storage_ephemeral=lease.ephemeral)
    if lease.storage:
        entry["storage"] = dict(sorted(lease.storage.items()))
    return entry


def legacy_node(node: Node) -> dict[str, Any]:
    """A v0.5+ NodeMetrics entry: name, allocatable, available (allocatable minus allocated)."""
    used = node.used
    return {
        "name": node.name,
        "allocatable": {
            "cpu": node.cpu,
            "gpu": node.gpus,
            "memory": node.memory,
            "storage_ephemeral": node.ephemeral,
        },
        "available": {
            "cpu": node.cpu - used.cpu,
            "gpu": node.gpus - used.gpu,
            "memory": node.memory - used.memory,
            "storage_ephemeral": node.ephemeral - used.ephemeral,
        },
    }


def render_legacy(provider: Provider, rng: random.Random) -> dict[str, Any]:
    era = rng.choices(("0.5", "0.4", "0.2"), (85, 10, 5))[0]
    with_gpu = era != "0.2"
    if era == "0.5":
        nodes = [legacy_node(node) for node in provider.nodes]
    else:  # flat, available values only, no name
        nodes = []
        for node in provider.nodes:
            flat = legacy_node(node)["available"]
            if not with_gpu:
                del flat["gpu"]
            nodes.append(flat)
    available: dict[str, Any] = {"nodes": nodes}
    if provider.pools:
        storage = [{"class": p.storage_class, "size": p.allocatable - p.allocated} for p in provider.pools]
        rng.shuffle(storage)  # the provider ranges over a Go map: random order on every call
        available["storage"] = storage
    inventory: dict[str, Any] = {}
    if provider.active:
        inventory["active"] = [_legacy_lease(lease, with_gpu) for lease in provider.active]
    if provider.pending:
        inventory["pending"] = [_legacy_lease(lease, with_gpu) for lease in provider.pending]
    inventory["available"] = available
    if rng.random() < 0.003:  # inventory not ready yet: a Go error marshals as {}
        inventory = {"available": {}, "error": {}}
    doc: dict[str, Any] = {
        "cluster": {"leases": len(provider.active), "inventory": inventory},
        "bidengine": {"orders": provider.orders},
        "manifest": {"deployments": len(provider.active)},
        "cluster_public_hostname": provider.hostname,
    }
    if era == "0.5" and provider.reclamation_window is not None:
        doc["reclamation_window"] = provider.reclamation_window
    if rng.random() < 0.85:  # only the REST handler adds it
        doc["address"] = provider.address
    return doc


# -- inventory dump ({"nodes", "total_allocatable", "total_available"}) ----------------------------------


def inventory_totals(doc: dict[str, Any], provider: Provider) -> None:
    """(Re)compute total_* from the nodes the way Go does: uint64 sums, wrapping mod 2^64."""
    for side in ("allocatable", "available"):
        total: dict[str, Any] = {}
        for key in ("cpu", "gpu", "memory", "storage_ephemeral"):
            values = [node[side][key] for node in doc["nodes"]]
            if all(type(v) is int for v in values):
                total[key] = sum(values) % 2**64
            else:  # an anomaly put a non-number in a node: the dump would carry the same kind of value
                total[key] = next(v for v in values if type(v) is not int)
        pools = {
            p.storage_class: p.allocatable if side == "allocatable" else p.allocatable - p.allocated
            for p in provider.pools
        }
        if pools:
            total["storage"] = dict(sorted(pools.items()))
        doc[f"total_{side}"] = total


def render_inventory(provider: Provider, rng: random.Random) -> dict[str, Any]:
    doc: dict[str, Any] = {"nodes": [legacy_node(node) for node in provider.nodes]}
    inventory_totals(doc, provider)
    return doc


# -- v1 Status ----------------------------------------------------------------------------------------


class Q(str):
    """A quantity string: Go JSON writes it bare, protojson as {"string": ...}."""


def _pair(provider: Provider, allocatable: str, allocated: str, capacity: str) -> dict[str, Any]:
    pair = {"allocatable": Q(allocatable), "allocated": Q(allocated)}
    if provider.capacity:
        pair["capacity"] = Q(capacity)
    return pair


def _v1_node(provider: Provider, node: Node, rng: random.Random) -> dict[str, Any]:
    used = node.used
    vcores = node.cores // node.sockets
    cpu_info = [
        {"id": str(socket), "vendor": node.cpu_info[0], "model": node.cpu_info[1], "vcores": vcores}
        for socket in range(node.sockets)
    ]
    gpu_info = None
    if node.gpu_model is not None:
        model = node.gpu_model
        gpu_info = [
            {
                "vendor": model.vendor,
                "vendor_id": model.vendor_id,
                "name": model.name,
                "model_id": model.model_id,
                "interface": model.interface,
                "memory_size": model.memory_size,
            }
            for _ in range(node.gpus)
        ]
    zero = _pair(provider, "0", "0", "0")
    return {
        "name": node.name,
        "resources": {
            "cpu": {
                "quantity": _pair(
                    provider,
                    spell_millicores(rng, node.cpu),
                    spell_millicores(rng, used.cpu),
                    str(node.cores),
                ),
                "info": cpu_info,
            },
            "memory": {
                "quantity": _pair(
                    provider,
                    spell_bytes(rng, node.memory),
                    spell_bytes(rng, used.memory),
                    spell_bytes(rng, node.memory_capacity),
                ),
                "info": None,
            },
            "gpu": {
                "quantity": _pair(provider, str(node.gpus), str(used.gpu), str(node.gpus)),
                "info": gpu_info,
            },
            "ephemeral_storage": _pair(
                provider,
                spell_bytes(rng, node.ephemeral),
                spell_bytes(rng, used.ephemeral),
                spell_bytes(rng, node.ephemeral_capacity),
            ),
            "volumes_attached": zero,
            "volumes_mounted": dict(zero),
        },
        "capabilities": {"storage_classes": list(node.classes) or None},  # a nil slice is null
    }


def _reservation(leases: list[Lease], rng: random.Random) -> dict[str, Any]:
    storage: dict[str, int] = {}
    for lease in leases:
        for storage_class, size in lease.storage.items():
            storage[storage_class] = storage.get(storage_class, 0) + size
    return {
        "count": len(leases),
        "resources": {
            "cpu": Q(spell_millicores(rng, sum(lease.cpu for lease in leases))),
            "memory": Q(spell_bytes(rng, sum(lease.memory for lease in leases))),
            "gpu": Q(str(sum(lease.gpu for lease in leases))),
            "ephemeral_storage": Q(spell_bytes(rng, sum(lease.ephemeral for lease in leases))),
            "storage": {k: Q(spell_bytes(rng, v)) for k, v in sorted(storage.items())},
        },
    }


def render_v1(provider: Provider, rng: random.Random) -> dict[str, Any]:
    """The Go JSON rendering; to_protojson derives the other one."""
    pools = [
        {
            "quantity": {
                "allocatable": Q(spell_bytes(rng, pool.allocatable)),
                "allocated": Q(spell_bytes(rng, pool.allocated)),
            },
            "info": {"class": pool.storage_class, "iops": ""},
        }
        for pool in provider.pools
    ]
    doc: dict[str, Any] = {
        "errors": None,  # never set by the provider: a nil slice
        "cluster": {
            "leases": {"active": len(provider.active)},
            "inventory": {
                "cluster": {
                    "nodes": [_v1_node(provider, node, rng) for node in provider.nodes],
                    "storage": pools or None,
                },
                "reservations": {
                    "pending": _reservation(provider.pending, rng),
                    "active": _reservation(provider.active, rng),
                },
            },
        },
        "bid_engine": {"orders": provider.orders},
        "manifest": {"deployments": len(provider.active)},
        "public_hostnames": [provider.hostname],
        "timestamp": provider.timestamp,
    }
    if provider.reclamation_window is not None:
        doc["reclamation_window"] = provider.reclamation_window
    return doc


_CAMEL = re.compile(r"_([a-z])")


def _camel(key: str) -> str:
    return "modelid" if key == "model_id" else _CAMEL.sub(lambda m: m.group(1).upper(), key)


def to_protojson(value: Any) -> Any:
    """Go JSON form -> protojson: lowerCamelCase keys, {"string": q}, zero and empty fields omitted."""
    if isinstance(value, Q):
        return {"string": str(value)}
    if isinstance(value, list):
        return [to_protojson(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if key == "reclamation_window" and type(v) is int:
            v = f"{v // 10**9}s"  # a Duration prints as seconds
        # proto3 omits zero scalars and empty lists; an empty map is omitted, an empty message is not.
        if v is None or v == "" or v == [] or (type(v) is int and v == 0) or (key == "storage" and v == {}):
            continue
        out[_camel(key)] = to_protojson(v)
    return out
