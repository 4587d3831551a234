"""Small builders of status documents of each shape, for readable tests."""

from __future__ import annotations

import json
from typing import Any

GPU_H100 = {
    "vendor": "nvidia",
    "vendor_id": "10de",
    "name": "h100",
    "model_id": "2330",
    "interface": "SXM5",
    "memory_size": "80Gi",
}


def legacy_node(
    name: str = "node1", allocatable: dict[str, Any] | None = None, **available: Any
) -> dict[str, Any]:
    """A v0.5+ legacy node; `available` overrides default available numbers."""
    alloc = {"cpu": 64000, "gpu": 8, "memory": 540000000000, "storage_ephemeral": 1900000000000}
    alloc.update(allocatable or {})
    avail = {"cpu": 51500, "gpu": 6, "memory": 470000000000, "storage_ephemeral": 1800000000000}
    avail.update(available)
    return {"name": name, "allocatable": alloc, "available": avail}


def legacy(
    *nodes: dict[str, Any], storage: list[dict[str, Any]] | None = None, **inventory: Any
) -> dict[str, Any]:
    available: dict[str, Any] = {"nodes": list(nodes)}
    if storage is not None:
        available["storage"] = storage
    return {
        "cluster": {"leases": 1, "inventory": {**inventory, "available": available}},
        "bidengine": {"orders": 0},
        "manifest": {"deployments": 1},
        "cluster_public_hostname": "provider.example.com",
        "address": "akash1r82zuxp283dk7lhfx5mvudpe96gsrnlpdsyh7m",
    }


def pair(allocatable: Any, allocated: Any, capacity: Any | None = None) -> dict[str, Any]:
    out = {"allocatable": allocatable, "allocated": allocated}
    if capacity is not None:
        out["capacity"] = capacity
    return out


def v1_node(
    name: str = "node1",
    cpu: tuple[Any, Any] = ("64", "12500m"),
    memory: tuple[Any, Any] = ("503Gi", "64Gi"),
    gpu: tuple[Any, Any] = ("8", "2"),
    ephemeral: tuple[Any, Any] = ("1900Gi", "100Gi"),
    gpu_info: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A v1 node as Go's JSON encoder writes it (snake_case, bare string quantities)."""
    devices = gpu_info if gpu_info is not None else [dict(GPU_H100) for _ in range(int(gpu[0]))]
    return {
        "name": name,
        "resources": {
            "cpu": {"quantity": pair(*cpu), "info": [{"id": "0", "vendor": "AuthenticAMD", "vcores": 64}]},
            "memory": {"quantity": pair(*memory)},
            "gpu": {"quantity": pair(*gpu), "info": devices},
            "ephemeral_storage": pair(*ephemeral),
            "volumes_attached": pair("0", "0"),
            "volumes_mounted": pair("0", "0"),
        },
        "capabilities": {"storage_classes": ["beta3"]},
    }


def v1(*nodes: dict[str, Any], storage: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "errors": [],
        "cluster": {
            "leases": {"active": 1},
            "inventory": {
                "cluster": {
                    "nodes": list(nodes),
                    "storage": storage
                    if storage is not None
                    else [{"quantity": pair("10Ti", "1Ti"), "info": {"class": "beta3", "iops": ""}}],
                },
                "reservations": {
                    "pending": {"count": 0, "resources": {"cpu": "0", "memory": "0", "gpu": "0"}},
                    "active": {"count": 1, "resources": {"cpu": "12500m", "memory": "64Gi", "gpu": "2"}},
                },
            },
        },
        "bid_engine": {"orders": 0},
        "manifest": {"deployments": 1},
        "public_hostnames": ["provider.example.com"],
        "timestamp": "2026-11-27T00:00:00Z",
    }


def inventory(*nodes: dict[str, Any], totals: bool = True) -> dict[str, Any]:
    """The provider's logged inventory dump, with totals equal to the node sums."""
    doc: dict[str, Any] = {"nodes": list(nodes)}
    if totals:
        for side in ("allocatable", "available"):
            doc[f"total_{side}"] = {
                key: sum(n[side][key] for n in nodes) for key in ("cpu", "gpu", "memory", "storage_ephemeral")
            }
    return doc


def dumps(doc: Any) -> bytes:
    return json.dumps(doc).encode()
