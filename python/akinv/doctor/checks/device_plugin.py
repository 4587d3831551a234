"""The GPU device plugins, and what happens to the GPU count when one is down.

While the NVIDIA device plugin restarts, the kubelet reports 0 allocatable GPUs although pods
still hold theirs; a provider computing available = allocatable - allocated as uint64 then
publishes 2^64 minus the difference (18446744073709551615 for -1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from akinv.doctor import kube
from akinv.doctor.checks.context import Context, status_findings_on
from akinv.doctor.cluster import GPU_RESOURCES, VENDOR_NAMES, NodeFacts, PodFacts, Vendor
from akinv.doctor.findings import DoctorFinding, JsonValue
from akinv.doctor.health import Health, pod_health
from akinv.doctor.labels import akash_gpu_labels

__all__ = ["check_device_plugins", "check_gpu_requests", "plugin_vendor"]

UINT64 = 1 << 64
# How many pods a finding names; the rest are counted.
_LISTED_PODS = 8
# Label values and pod-name prefixes of the device-plugin daemonsets: NVIDIA's helm chart and static
# manifest, the GPU operator, and AMD's ROCm plugin.
_PLUGIN_NAMES: dict[str, Vendor] = {
    "nvidia-device-plugin": "nvidia",
    "nvidia-device-plugin-ds": "nvidia",
    "nvidia-device-plugin-daemonset": "nvidia",
    "amdgpu-dp-ds": "amd",
    "amdgpu-device-plugin": "amd",
    "amd-gpu-device-plugin": "amd",
}
_PLUGIN_LABELS = ("app.kubernetes.io/name", "name", "app", "k8s-app")
# A daemonset's pods are named after it: "nvidia-device-plugin-daemonset-4kq2p".
_PLUGIN_POD_NAME = re.compile(
    "(" + "|".join(sorted(map(re.escape, _PLUGIN_NAMES), key=len, reverse=True)) + ")-"
)


def plugin_vendor(pod: kube.Pod) -> Vendor | None:
    """Which vendor's device plugin a pod runs, from its labels, name or image; None if none."""
    labels = pod.metadata.labels
    for key in _PLUGIN_LABELS:
        vendor = _PLUGIN_NAMES.get(labels.get(key, ""))
        if vendor is not None:
            return vendor
    named = _PLUGIN_POD_NAME.match(pod.metadata.name)
    if named is not None:
        return _PLUGIN_NAMES[named.group(1)]
    for container in pod.spec.containers:
        image = container.image.lower()
        if "k8s-device-plugin" in image:
            # nvcr.io/nvidia/k8s-device-plugin, rocm/k8s-device-plugin
            return "amd" if "rocm" in image or "amd" in image else "nvidia"
    return None


def _plugins_by_vendor(pods: tuple[PodFacts, ...]) -> dict[Vendor, list[PodFacts]]:
    found: dict[Vendor, list[PodFacts]] = {}
    for pod in pods:
        if pod.active:
            vendor = plugin_vendor(pod.pod)
            if vendor is not None:
                found.setdefault(vendor, []).append(pod)
    return found


def _has_gpus(node: NodeFacts, vendor: Vendor) -> bool:
    """Anything on the node says it has this vendor's GPUs: capacity, Akash labels, or NVIDIA's
    gpu.present label."""
    if node.capacity.gpus(vendor) > 0 or node.allocatable.gpus(vendor) > 0:
        return True
    if any(label.vendor == vendor for label in akash_gpu_labels(node.labels)):
        return True
    return vendor == "nvidia" and node.labels.get("nvidia.com/gpu.present") == "true"


def check_device_plugins(context: Context) -> Iterator[DoctorFinding]:
    """device-plugin-missing, device-plugin-without-gpus, device-plugin-restarting."""
    cluster = context.cluster
    if cluster.pods is None:
        return
    for node in cluster.nodes:
        by_vendor = _plugins_by_vendor(cluster.node_pods(node.name))
        for vendor, resource in GPU_RESOURCES.items():
            plugins = by_vendor.get(vendor, [])
            has_gpus = _has_gpus(node, vendor)
            if has_gpus and not plugins:
                yield _missing(node, vendor, resource)
            elif plugins and not has_gpus:
                yield _without_gpus(node, vendor, resource, plugins)
            elif plugins:
                for plugin in plugins:
                    health = pod_health(plugin.pod)
                    if health.troubled:
                        yield _restarting(node, vendor, resource, health)


def _missing(node: NodeFacts, vendor: Vendor, resource: str) -> DoctorFinding:
    return DoctorFinding(
        code="device-plugin-missing",
        severity="error",
        node=node.name,
        message=f"the node has {VENDOR_NAMES[vendor]} GPUs but no {VENDOR_NAMES[vendor]} device plugin pod runs on it",
        evidence={
            "capacity": node.capacity.gpus(vendor),
            "allocatable": node.allocatable.gpus(vendor),
            "gpu_present_label": node.labels.get("nvidia.com/gpu.present"),
            "akash_gpu_labels": [
                label.key for label in akash_gpu_labels(node.labels) if label.vendor == vendor
            ],
        },
        remedy=(
            f"Without the plugin the kubelet cannot hand out {resource}. Check the plugin daemonset's "
            f"nodeSelector, affinity and tolerations against {node.name}'s labels and taints "
            "(`kubectl get ds -A | grep device-plugin`, `kubectl describe ds ...`)."
        ),
    )


def _without_gpus(node: NodeFacts, vendor: Vendor, resource: str, plugins: list[PodFacts]) -> DoctorFinding:
    return DoctorFinding(
        code="device-plugin-without-gpus",
        severity="warning",
        node=node.name,
        message=f"an {VENDOR_NAMES[vendor]} device plugin runs on a node without {VENDOR_NAMES[vendor]} GPUs",
        evidence={
            "pods": [pod_health(p.pod).evidence() for p in plugins],
            "capacity": node.capacity.gpus(vendor),
        },
        remedy=(
            "Schedule the plugin only on GPU nodes: give its daemonset a nodeSelector such as "
            '`nvidia.com/gpu.present: "true"` (or node affinity on the Akash GPU labels). Mixed clusters '
            f"with the plugin everywhere were never tested by Akash and go with wrong {resource} counts."
        ),
    )


def _restarting(node: NodeFacts, vendor: Vendor, resource: str, health: Health) -> DoctorFinding:
    down = not health.ready or bool(health.waiting)
    return DoctorFinding(
        code="device-plugin-restarting",
        severity="error" if down else "warning",
        node=node.name,
        message=f"the {VENDOR_NAMES[vendor]} device plugin is {health.describe()}",
        evidence={
            **health.evidence(),
            "capacity": node.capacity.gpus(vendor),
            "allocatable": node.allocatable.gpus(vendor),
        },
        remedy=(
            f"Read why it stops: `kubectl -n {health.pod.split('/')[0]} logs {health.pod.split('/')[1]} "
            "--previous`; on the node check the driver (`nvidia-smi`) and the container runtime's GPU hook. "
            f"While it is down the kubelet reports 0 allocatable {resource} and providers before v0.10.6 "
            "publish wrapped GPU counts."
        ),
    )


def check_gpu_requests(context: Context) -> Iterator[DoctorFinding]:
    """gpu-requests-above-allocatable: pods hold more GPUs than the node can allocate."""
    cluster = context.cluster
    if cluster.pods is None:
        return
    for node in cluster.nodes:
        requested = cluster.node_requested(node.name)
        for vendor, resource in GPU_RESOURCES.items():
            held, allocatable = requested.gpus(vendor), node.allocatable.gpus(vendor)
            if held > allocatable:
                yield _requests_above(context, node, vendor, resource, held, allocatable)


def _requests_above(
    context: Context, node: NodeFacts, vendor: Vendor, resource: str, held: int, allocatable: int
) -> DoctorFinding:
    cluster = context.cluster
    capacity = node.capacity.gpus(vendor)
    deficit = held - allocatable
    holders = [p for p in cluster.node_pods(node.name) if p.active and p.requests.gpus(vendor) > 0]
    plugins = _plugins_by_vendor(cluster.node_pods(node.name)).get(vendor, [])
    if allocatable == 0 and capacity > 0:
        cause = f"allocatable {resource} is 0 of {capacity:,}: the device plugin is restarting or broken"
    elif allocatable == 0:
        cause = f"the node advertises no {resource}: the device plugin is not running or the cards are gone"
    else:
        cause = "fewer GPUs are allocatable than pods hold: a card was lost or pulled while in use"
    wrapped = UINT64 - deficit
    status: list[JsonValue] = [
        {"code": f.code, "path": f.path, "value": f.value}
        for f in status_findings_on(context.status, node.name, "gpu")
    ]
    evidence: dict[str, JsonValue] = {
        "resource": resource,
        "capacity": capacity,
        "allocatable": allocatable,
        "requested": held,
        "deficit": deficit,
        "wrapped_available": wrapped,
        "pods": [f"{p.name}: {p.requests.gpus(vendor)}" for p in holders[:_LISTED_PODS]],
        "more_pods": max(0, len(holders) - _LISTED_PODS),
        "device_plugin": [pod_health(p.pod).evidence() for p in plugins],
        "status": status,
    }
    seen = (
        " (the provider's status shows it)"
        if any(f.value == wrapped for f in status_findings_on(context.status, node.name, "gpu"))
        else ""
    )
    return DoctorFinding(
        code="gpu-requests-above-allocatable",
        severity="error",
        node=node.name,
        message=(
            f"{len(holders):,} pods hold {held:,} {resource} but {allocatable:,} are allocatable; {cause}. "
            f"available = allocatable - allocated is -{deficit:,}, published as uint64 {wrapped}{seen}"
        ),
        evidence=evidence,
        remedy=(
            f"Get the {VENDOR_NAMES[vendor]} device plugin on {node.name} Running and Ready (its logs say why it stops); "
            "the count heals when it registers the devices again. If the node lost a card (`nvidia-smi` "
            f"lists fewer), drain it (`kubectl drain {node.name} --ignore-daemonsets`) and repair it. "
            "Providers from v0.10.6 clamp available at 0; older ones publish the wrapped number until then."
        ),
    )
