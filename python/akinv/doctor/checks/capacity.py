"""Requests above allocatable, and the conditions the kubelet reports."""

from __future__ import annotations

from collections.abc import Iterator

from akinv.doctor.checks.context import Context
from akinv.doctor.cluster import NodeFacts
from akinv.doctor.findings import DoctorFinding, JsonValue, Severity
from akinv.doctor.units import amount

__all__ = ["check_conditions", "check_overcommit"]

_LISTED_PODS = 5
_OVERCOMMIT = {
    "cpu_millis": ("cpu-requests-above-allocatable", "CPU"),
    "memory_bytes": ("memory-requests-above-allocatable", "memory"),
}
# Condition -> (code, severity, remedy) when its status is "True".
_PRESSURE: dict[str, tuple[str, Severity, str]] = {
    "MemoryPressure": (
        "node-memory-pressure",
        "warning",
        "The kubelet is evicting pods to free memory: find the largest users "
        "(`kubectl top pods -A --sort-by=memory`) and stop over-committing memory.",
    ),
    "DiskPressure": (
        "node-disk-pressure",
        "warning",
        "The node's root or image filesystem is nearly full: prune images (`crictl rmi --prune`) and "
        "look for pods writing large ephemeral data.",
    ),
    "PIDPressure": (
        "node-pid-pressure",
        "warning",
        "Processes are running out: find the pod forking without bound and set the kubelet's podPidsLimit.",
    ),
}


def check_overcommit(context: Context) -> Iterator[DoctorFinding]:
    """cpu-requests-above-allocatable, memory-requests-above-allocatable."""
    cluster = context.cluster
    if cluster.pods is None:
        return
    for node in cluster.nodes:
        requested = cluster.node_requested(node.name)
        for field, (code, label) in _OVERCOMMIT.items():
            held, allocatable = getattr(requested, field), getattr(node.allocatable, field)
            if held > allocatable:
                yield _overcommit(context, node, field, code, label, held, allocatable)


def _overcommit(
    context: Context, node: NodeFacts, field: str, code: str, label: str, held: int, allocatable: int
) -> DoctorFinding:
    pods = [p for p in context.cluster.node_pods(node.name) if p.active]
    largest = sorted(pods, key=lambda p: getattr(p.requests, field), reverse=True)[:_LISTED_PODS]
    return DoctorFinding(
        code=code,
        severity="error",
        node=node.name,
        message=(
            f"pods request {amount(field, held)} of {label} but {amount(field, allocatable)} is allocatable "
            f"({amount(field, held - allocatable)} over)"
        ),
        evidence={
            "resource": field,
            "allocatable": allocatable,
            "requested": held,
            "excess": held - allocatable,
            "pods": len(pods),
            "largest": [f"{p.name}: {getattr(p.requests, field)}" for p in largest],
        },
        remedy=(
            "The scheduler never places pods past allocatable, so allocatable shrank under running pods "
            "(kubelet reservations raised, memory or CPUs lost) or pods were bound directly (static pods, "
            f"spec.nodeName). Move pods off {node.name} until requests fit; a provider computing available "
            "= allocatable - allocated publishes a negative number, which older providers wrap."
        ),
    )


def check_conditions(context: Context) -> Iterator[DoctorFinding]:
    """node-not-ready, node-memory-pressure, node-disk-pressure, node-pid-pressure."""
    for node in context.cluster.nodes:
        conditions = {c.type: c for c in node.conditions}
        ready = conditions.get("Ready")
        if ready is None or ready.status != "True":
            state = "has no Ready condition" if ready is None else f"is not ready (Ready={ready.status})"
            reason = f": {ready.reason}" if ready is not None and ready.reason else ""
            yield DoctorFinding(
                code="node-not-ready",
                severity="error",
                node=node.name,
                message=f"the node {state}{reason}",
                evidence=_condition_evidence(node, "Ready"),
                remedy=(
                    f"`kubectl describe node {node.name}` says why; on the node check the kubelet "
                    "(`journalctl -u kubelet`) and the network plugin (calico-node). The Akash inventory "
                    "operator leaves not-ready nodes out, so their capacity is not offered."
                ),
            )
        for kind, (code, severity, remedy) in _PRESSURE.items():
            condition = conditions.get(kind)
            if condition is not None and condition.status == "True":
                yield DoctorFinding(
                    code=code,
                    severity=severity,
                    node=node.name,
                    message=f"the kubelet reports {kind}"
                    + (f": {condition.message}" if condition.message else ""),
                    evidence=_condition_evidence(node, kind),
                    remedy=remedy,
                )


def _condition_evidence(node: NodeFacts, kind: str) -> dict[str, JsonValue]:
    for condition in node.conditions:
        if condition.type == kind:
            return {
                "type": kind,
                "status": condition.status,
                "reason": condition.reason,
                "message": condition.message,
                "last_transition_time": condition.last_transition_time,
            }
    return {"type": kind, "status": None}
