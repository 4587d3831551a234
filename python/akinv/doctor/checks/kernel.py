"""Kernels newer than 5.15 and calico-node starving.

Providers found that hosts on kernels after 5.15 (6.2 on Ubuntu 22.04 hypervisors) running
over-provisioned VMs starve calico-node until its liveness probe fails: leases are lost, pods
terminate, workers drop out. A node's reported kernel is the host's on bare metal; in a VM the
hypervisor's kernel is the one that matters, and the node cannot report it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from akinv.doctor import kube
from akinv.doctor.checks.context import Context
from akinv.doctor.cluster import NodeFacts
from akinv.doctor.findings import DoctorFinding, JsonValue
from akinv.doctor.health import Health, pod_health

__all__ = ["LAST_SAFE_KERNEL", "check_kernel_and_calico", "is_calico_node", "kernel_release"]

LAST_SAFE_KERNEL = (5, 15)
_RELEASE = re.compile(r"(\d+)\.(\d+)")
_REMEDY = (
    "On bare metal this is the host's kernel: run 5.15 (Ubuntu 22.04's GA kernel rather than the 6.x HWE "
    "one), or double calico-node's livenessProbe timeoutSeconds and keep CPU headroom. If {node} is a "
    "virtual machine, what matters is the hypervisor's kernel: check `uname -r` on the host, and do not "
    "over-provision its vCPUs."
)


def kernel_release(version: str) -> tuple[int, int] | None:
    """(major, minor) of a kernel version such as "6.2.0-39-generic"; None if it has none."""
    match = _RELEASE.match(version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_calico_node(pod: kube.Pod) -> bool:
    labels = pod.metadata.labels
    return labels.get("k8s-app") == "calico-node" or (
        not labels and pod.metadata.name.startswith("calico-node-")
    )


def _calico_trouble(context: Context, node: NodeFacts) -> list[Health]:
    pods = context.cluster.node_pods(node.name)
    healths = [pod_health(p.pod, "calico-node") for p in pods if p.active and is_calico_node(p.pod)]
    return [h for h in healths if h.troubled]


def check_kernel_and_calico(context: Context) -> Iterator[DoctorFinding]:
    """kernel-newer-than-5-15 (an error when calico-node restarts on the same node) and
    calico-node-restarting on nodes whose kernel is not the suspect."""
    for node in context.cluster.nodes:
        release = kernel_release(node.kernel_version)
        trouble = _calico_trouble(context, node)
        calico: list[JsonValue] = [h.evidence() for h in trouble]
        if release is not None and release > LAST_SAFE_KERNEL:
            message = f"kernel {node.kernel_version} is newer than 5.15"
            if trouble:
                message += (
                    f", and calico-node on this node is {trouble[0].describe()}: the starvation pattern"
                )
            else:
                message += ": over-provisioned VMs on such hosts starve calico-node"
            yield DoctorFinding(
                code="kernel-newer-than-5-15",
                severity="error" if trouble else "warning",
                node=node.name,
                message=message,
                evidence={
                    "kernel_version": node.kernel_version,
                    "os_image": node.os_image,
                    "calico_node": calico,
                },
                remedy=_REMEDY.format(node=node.name),
            )
        elif trouble:
            yield DoctorFinding(
                code="calico-node-restarting",
                severity="warning",
                node=node.name,
                message=f"calico-node is {trouble[0].describe()}",
                evidence={"kernel_version": node.kernel_version, "calico_node": calico},
                remedy=(
                    "Its liveness probe fails when it gets no CPU in time: look at the node's CPU load and "
                    "steal time, keep its 150m-300m requests honoured (no over-commit), and read "
                    "`kubectl -n <ns> logs <pod> -c calico-node --previous`. "
                    + _REMEDY.format(node=node.name)
                ),
            )
