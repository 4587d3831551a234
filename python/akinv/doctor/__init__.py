"""Provider doctor: find why a provider's numbers go wrong, from the cluster's own data.

``examine(nodes, pods=None, status=None)`` reads ``kubectl get nodes -o json``, optionally
``kubectl get pods -A -o json`` and the provider's status document, and returns findings with a
stable code, a severity, the node, the evidence and a remedy. ``akinv doctor`` is its command.
"""

from __future__ import annotations

from akinv.doctor.cluster import Cluster, NodeFacts, PodFacts, Resources
from akinv.doctor.errors import DoctorInputError
from akinv.doctor.examine import Diagnosis, diagnose, examine, read_cluster
from akinv.doctor.findings import DoctorFinding, JsonValue, Severity

__all__ = [
    "Cluster",
    "Diagnosis",
    "DoctorFinding",
    "DoctorInputError",
    "JsonValue",
    "NodeFacts",
    "PodFacts",
    "Resources",
    "Severity",
    "diagnose",
    "examine",
    "read_cluster",
]
