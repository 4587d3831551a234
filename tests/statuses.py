"""Small hand-made provider status documents (v1, Go JSON spelling) for the bidding tests."""

from __future__ import annotations

import json
from typing import Any


def node(
    name: str, gpus: int, devices: list[tuple[str, str, str]], cpu: int = 64, memory: int = 512
) -> dict[str, Any]:
    return {
        "name": name,
        "resources": {
            "cpu": {"quantity": {"allocatable": str(cpu), "allocated": "0"}},
            "memory": {"quantity": {"allocatable": f"{memory}Gi", "allocated": "0"}},
            "gpu": {
                "quantity": {"allocatable": str(gpus), "allocated": "0"},
                "info": [
                    {"vendor": "nvidia", "name": model, "memory_size": size, "interface": interface}
                    for model, size, interface in devices
                ],
            },
            "ephemeral_storage": {"allocatable": "1000Gi", "allocated": "0"},
        },
        "capabilities": {"storage_classes": ["beta3"]},
    }


def status(*nodes: dict[str, Any]) -> bytes:
    return json.dumps({"cluster": {"inventory": {"cluster": {"nodes": list(nodes), "storage": []}}}}).encode()
