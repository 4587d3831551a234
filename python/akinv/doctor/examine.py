"""The doctor's entry points: read the lists, run every check, sort what they found."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import akinv
from akinv.doctor import kube
from akinv.doctor.checks import Context, run_checks
from akinv.doctor.cluster import Cluster, build_cluster
from akinv.doctor.findings import DoctorFinding, sort_findings

__all__ = ["Diagnosis", "StatusInput", "diagnose", "examine", "read_cluster"]

StatusInput = akinv.Payload | akinv.Report


@dataclass(frozen=True)
class Diagnosis:
    """The findings with what they were drawn from, for renderers that show the cluster too."""

    findings: tuple[DoctorFinding, ...]
    cluster: Cluster
    status: akinv.Report | None

    @property
    def ok(self) -> bool:
        """No finding of error severity."""
        return all(f.severity != "error" for f in self.findings)


def read_cluster(
    nodes: kube.KubeInput,
    pods: kube.KubeInput | None = None,
    *,
    nodes_source: str = "nodes",
    pods_source: str = "pods",
) -> Cluster:
    """Decode a NodeList and optionally a PodList (JSON text or decoded data) into exact facts.

    Raises DoctorInputError naming the source and the JSON path of what cannot be read.
    """
    with _collector_paused():
        node_items = kube.decode_nodes(nodes, nodes_source)
        pod_items = None if pods is None else kube.decode_pods(pods, pods_source)
        return build_cluster(node_items, pod_items, nodes_source=nodes_source, pods_source=pods_source)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading a big list makes millions of dicts and lists that cannot form cycles; the cycle
    collector would walk them again and again (half the decode time of 200,000 pods), and walks
    them all again whenever the checks allocate. It is switched back on afterwards, if it was on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def diagnose(cluster: Cluster, status: StatusInput | None = None) -> Diagnosis:
    """Run every check on a cluster read by read_cluster, with the provider's status if given.

    Raises akinv.PayloadError when the status is not a document akinv reads.
    """
    report = status if isinstance(status, akinv.Report) or status is None else akinv.validate(status)
    with _collector_paused():
        findings = run_checks(Context(cluster, report))
        ordered = sort_findings(findings, (node.name for node in cluster.nodes))
    return Diagnosis(tuple(ordered), cluster, report)


def examine(
    nodes: kube.KubeInput,
    pods: kube.KubeInput | None = None,
    status: StatusInput | None = None,
) -> list[DoctorFinding]:
    """Everything the doctor finds in a cluster: ``kubectl get nodes -o json``, optionally
    ``kubectl get pods -A -o json`` (bytes, str or decoded) and the provider's status document.

    Errors first, then warnings, then notes (such as which checks lacked input to run).
    """
    return list(diagnose(read_cluster(nodes, pods), status).findings)
