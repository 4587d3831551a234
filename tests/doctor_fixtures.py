"""The doctor's fixture cluster (tests/fixtures/doctor) and small editors for its variants."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from akinv.doctor import DoctorFinding

FIXTURES = Path(__file__).parent / "fixtures" / "doctor"
NODES = FIXTURES / "nodes.json"
PODS = FIXTURES / "pods.json"
STATUS = FIXTURES / "status-legacy.json"
AKASH_GPU = "akash.network/capabilities.gpu.vendor.nvidia.model."

_LOADED = {path: json.loads(path.read_bytes()) for path in (NODES, PODS, STATUS)}


def nodes() -> dict[str, Any]:
    """A fresh copy of the NodeList, to edit."""
    return copy.deepcopy(_LOADED[NODES])


def pods() -> dict[str, Any]:
    return copy.deepcopy(_LOADED[PODS])


def status() -> dict[str, Any]:
    return copy.deepcopy(_LOADED[STATUS])


def node(node_list: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in node_list["items"] if item["metadata"]["name"] == name)


def pod(pod_list: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in pod_list["items"] if item["metadata"]["name"] == name)


def without_pods(pod_list: dict[str, Any], *names: str) -> dict[str, Any]:
    pod_list["items"] = [p for p in pod_list["items"] if p["metadata"]["name"] not in names]
    return pod_list


def only_nodes(node_list: dict[str, Any], pod_list: dict[str, Any], *names: str) -> None:
    """Keep the named nodes and the pods bound to them (in place)."""
    node_list["items"] = [n for n in node_list["items"] if n["metadata"]["name"] in names]
    pod_list["items"] = [p for p in pod_list["items"] if p["spec"].get("nodeName") in names]


def found(findings: list[DoctorFinding]) -> set[tuple[str, str | None]]:
    return {(f.code, f.node) for f in findings}


def by_code(findings: list[DoctorFinding], code: str, node: str | None = None) -> DoctorFinding:
    matches = [f for f in findings if f.code == code and (node is None or f.node == node)]
    assert len(matches) == 1, f"{code} on {node}: {[(f.code, f.node) for f in findings]}"
    return matches[0]
