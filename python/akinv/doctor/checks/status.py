"""The provider's own status document: every finding of akinv.validate, tied to its node.

A wrapped or over-allocated number there is the symptom; the cluster findings on the same node
are the cause, so each status finding names them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from akinv.doctor.checks.context import Context
from akinv.doctor.findings import DoctorFinding, JsonValue

__all__ = ["STATUS_REMEDIES", "check_status"]

_CAUSE = "Fix the cause named by the node's other findings (device plugin, labels, over-commit). "
_SANITIZE = "Until it heals, `akinv sanitize` writes a copy an indexer can trust."
STATUS_REMEDIES: dict[str, str] = {
    "wrapped-negative": (
        "The provider published allocatable minus allocated, negative, as uint64. "
        + _CAUSE
        + "Providers from v0.10.6 clamp available at 0. "
        + _SANITIZE
    ),
    "over-allocated": "Allocated is above allocatable, the state that wraps on older providers. " + _CAUSE,
    "negative": (
        "A negative quantity: allocated above allocatable for this resource, or for storage a pool whose "
        "free space went below zero (check the pool, e.g. `ceph df`). " + _CAUSE + _SANITIZE
    ),
    "above-cap": (
        "A value no node has: a wrapped or corrupted count, or a thin-provisioned pool reporting its virtual "
        "size. " + _CAUSE + _SANITIZE
    ),
    "not-int64-safe": (
        "A value past the integer limit: indexers reading it as int64 or as a JavaScript number break. "
        + _CAUSE
        + _SANITIZE
    ),
    "unparsable": "The provider wrote a quantity no Kubernetes client reads: upgrade the provider. "
    + _SANITIZE,
    "wrong-type": "The provider wrote a value of the wrong JSON type: upgrade the provider. " + _SANITIZE,
    "missing-field": "A required part of the status is missing: upgrade the provider, or wait for its inventory.",
    "gpu-info-mismatch": (
        "The inventory lists another number of GPU devices than are allocatable: the device plugin is "
        "restarting (allocatable 0), or the inventory operator does not know a card's PCI id."
    ),
    "duplicate-node": "Two nodes share a name in the status: check the inventory operator's configuration.",
    "total-mismatch": "The totals do not add up to the nodes: the inventory was read mid-change; read it again.",
    "sum-saturated": "A total too large to represent: the nodes' numbers are implausible; see their findings.",
    "duplicate-key": "The provider wrote a key twice (the last value counts, as in Go): upgrade the provider.",
}


def check_status(context: Context, cluster_findings: Sequence[DoctorFinding]) -> Iterator[DoctorFinding]:
    """status-<code> for each finding of the status report, and status-nodes-not-in-cluster."""
    status = context.status
    if status is None:
        return
    known = {node.name for node in context.cluster.nodes}
    causes: dict[str, list[str]] = {}
    for cause in cluster_findings:
        if cause.node is not None and cause.severity != "info":
            causes.setdefault(cause.node, []).append(cause.code)
    for finding in status.findings:
        node = finding.node
        explained: list[JsonValue] = []
        if node is not None:
            explained.extend(sorted(set(causes.get(node, []))))
        evidence: dict[str, JsonValue] = {
            "schema": status.schema,
            "path": finding.path,
            "resource": finding.resource,
            "value": finding.value,
            "node_in_cluster": None if node is None else node in known,
            "explained_by": explained,
        }
        yield DoctorFinding(
            code=f"status-{finding.code}",
            severity=finding.severity,
            node=node,
            message=f"provider status: {finding.message}",
            evidence=evidence,
            remedy=STATUS_REMEDIES.get(finding.code, _CAUSE.strip()),
        )
    missing = sorted({n.name for n in status.nodes if n.name is not None and n.name not in known})
    if missing:
        yield DoctorFinding(
            code="status-nodes-not-in-cluster",
            severity="warning",
            node=None,
            message=(
                f"{len(missing):,} node(s) of the provider's status are not in the NodeList: "
                + ", ".join(missing[:10])
                + (" ..." if len(missing) > 10 else "")
            ),
            evidence={"nodes": list[JsonValue](missing), "cluster_nodes": len(known)},
            remedy=(
                "The status and the NodeList come from different clusters (check --context and --status-url), "
                "or the nodes were removed and the provider has not caught up."
            ),
        )
