"""What every check is given: the cluster's facts and, when read, the provider's status report."""

from __future__ import annotations

from dataclasses import dataclass

import akinv
from akinv.doctor.cluster import Cluster

__all__ = ["Context", "status_findings_on"]


@dataclass(frozen=True)
class Context:
    cluster: Cluster
    status: akinv.Report | None


def status_findings_on(status: akinv.Report | None, node: str, resource: str) -> list[akinv.Finding]:
    """The status report's findings about one resource ("gpu", "cpu", ...) of one node."""
    if status is None:
        return []
    return [f for f in status.findings if f.node == node and f.resource == resource]
