"""GPU devices against the labels that claim them.

The Akash inventory operator labels each node with the number of GPUs of each model it found;
those labels steer tenant pods to nodes. Labels on a node without devices, devices without
labels, and labels naming another model than NVIDIA's feature discovery reads from the card are
how "counts that stay wrong" begin.
"""

from __future__ import annotations

from collections.abc import Iterator

import akinv
from akinv.doctor.checks.context import Context
from akinv.doctor.cluster import GPU_RESOURCES, VENDOR_NAMES, NodeFacts, Vendor
from akinv.doctor.findings import DoctorFinding, JsonValue
from akinv.doctor.labels import (
    AkashGpuLabel,
    akash_gpu_labels,
    feature_discovery,
    product_interface,
    product_names_model,
)

__all__ = ["check_gpu_labels", "check_gpu_models"]

_OPERATOR = (
    "The Akash inventory operator (operator-inventory) writes these labels from the devices it finds; "
    "labels it did not write, or that outlived a hardware change, stay until removed."
)
# A RAM label and feature discovery's MiB agree when within 5% (an 80Gi A100 reports 81,920 MiB,
# an 80GB H100 81,559, a 24Gi RTX 4090 24,564).
_MEMORY_TOLERANCE_PERCENT = 5


def check_gpu_labels(context: Context) -> Iterator[DoctorFinding]:
    """gpu-labels-without-gpus, gpus-without-labels, gpu-label-count-mismatch."""
    for node in context.cluster.nodes:
        labels = akash_gpu_labels(node.labels)
        for vendor, resource in GPU_RESOURCES.items():
            mine = [label for label in labels if label.vendor == vendor]
            capacity = node.capacity.gpus(vendor)
            if mine and capacity == 0:
                yield _labels_without_gpus(node, vendor, resource, mine)
            elif capacity > 0 and not mine:
                yield _gpus_without_labels(node, vendor, resource)
            elif mine:
                finding = _count_mismatch(node, resource, capacity, mine)
                if finding is not None:
                    yield finding


def _label_evidence(labels: list[AkashGpuLabel]) -> dict[str, JsonValue]:
    return {label.key: label.value for label in labels}


def _labels_without_gpus(
    node: NodeFacts, vendor: Vendor, resource: str, labels: list[AkashGpuLabel]
) -> DoctorFinding:
    discovery = feature_discovery(node.labels)
    seen_by_discovery = vendor == "nvidia" and (discovery.present or bool(discovery.count))
    why = (
        "feature discovery sees NVIDIA devices, so the device plugin is not advertising them"
        if seen_by_discovery
        else "nothing on the node reports a device"
    )
    return DoctorFinding(
        code="gpu-labels-without-gpus",
        severity="error",
        node=node.name,
        message=f"Akash labels claim {VENDOR_NAMES[vendor]} GPUs but the node has no {resource} capacity: {why}",
        evidence={
            "labels": _label_evidence(labels),
            "capacity": node.capacity.gpus(vendor),
            "allocatable": node.allocatable.gpus(vendor),
            "gpu_present_label": node.labels.get("nvidia.com/gpu.present"),
        },
        remedy=(
            f"If {node.name} has no GPUs, remove the labels "
            f"(`kubectl label node {node.name} {labels[0].key}-`, and the same for the others). "
            f"If it has them, get the {VENDOR_NAMES[vendor]} device plugin running on it (see the device-plugin findings). "
            + _OPERATOR
        ),
    )


def _gpus_without_labels(node: NodeFacts, vendor: Vendor, resource: str) -> DoctorFinding:
    return DoctorFinding(
        code="gpus-without-labels",
        severity="warning",
        node=node.name,
        message=(
            f"the node has {node.capacity.gpus(vendor):,} {resource} but no Akash GPU capability label: "
            "tenants asking for a GPU model are never placed on it"
        ),
        evidence={
            "capacity": node.capacity.gpus(vendor),
            "allocatable": node.allocatable.gpus(vendor),
            "gpu_product_label": node.labels.get("nvidia.com/gpu.product"),
        },
        remedy=(
            "Check that the Akash inventory operator runs and that the node is Ready and schedulable "
            "(it labels no other node), and that the card's PCI vendor and device ids are in the "
            "provider-configs GPU database: unknown ids are skipped silently."
        ),
    )


def _count_mismatch(
    node: NodeFacts, resource: str, capacity: int, labels: list[AkashGpuLabel]
) -> DoctorFinding | None:
    plain = [label for label in labels if label.plain]
    counts = [label.count for label in plain]
    if plain and None not in counts and sum(c for c in counts if c is not None) == capacity:
        return None
    claimed = ", ".join(f"{label.value} x {label.model}" for label in plain) or "no model-only label"
    return DoctorFinding(
        code="gpu-label-count-mismatch",
        severity="error",
        node=node.name,
        message=f"Akash labels count {claimed}, but the node has {capacity:,} {resource}",
        evidence={"labels": _label_evidence(labels), "capacity": capacity},
        remedy=(
            "Each model label's value is the number of such devices on the node. Correct or remove the "
            f"stale labels (`kubectl label node {node.name} <key>=<count> --overwrite`), then restart the "
            "inventory operator so it relabels the node. " + _OPERATOR
        ),
    )


def check_gpu_models(context: Context) -> Iterator[DoctorFinding]:
    """gpu-model-mismatch, gpu-memory-mismatch, gpu-interface-mismatch: Akash's NVIDIA labels
    against what feature discovery reads from the device."""
    for node in context.cluster.nodes:
        discovery = feature_discovery(node.labels)
        if discovery.product is None:
            continue
        product = discovery.product
        base: dict[str, JsonValue] = {
            "gpu_product_label": product,
            "gpu_memory_mib_label": discovery.memory_mib,
            "gpu_count_label": discovery.count,
        }
        for label in akash_gpu_labels(node.labels):
            if label.vendor != "nvidia":
                continue
            if label.plain and not product_names_model(product, label.model):
                yield _mismatch(
                    node,
                    "gpu-model-mismatch",
                    label,
                    base,
                    f"the Akash label says model {label.model}; the device is {product}",
                )
            elif label.ram is not None and discovery.memory_mib is not None:
                label_mib = _mebibytes(label.ram)
                if label_mib is None or _memory_differs(label_mib, discovery.memory_mib):
                    yield _mismatch(
                        node,
                        "gpu-memory-mismatch",
                        label,
                        base,
                        f"the Akash label says {label.ram} per GPU; the device has "
                        f"{discovery.memory_mib:,} MiB ({product})",
                    )
            elif label.interface is not None:
                stated = product_interface(product)
                if stated is not None and stated != label.interface:
                    yield _mismatch(
                        node,
                        "gpu-interface-mismatch",
                        label,
                        base,
                        f"the Akash label says interface {label.interface}; the device is {product} ({stated})",
                    )


def _mismatch(
    node: NodeFacts, code: str, label: AkashGpuLabel, base: dict[str, JsonValue], message: str
) -> DoctorFinding:
    return DoctorFinding(
        code=code,
        severity="error",
        node=node.name,
        message=message,
        evidence={"label": label.key, "label_value": label.value, **base},
        remedy=(
            f"Remove the wrong label (`kubectl label node {node.name} {label.key}-`) and let the inventory "
            "operator relabel the node from its devices; labels copied from another node or kept after a "
            "card swap send tenants' pods to hardware they did not order. " + _OPERATOR
        ),
    )


def _mebibytes(ram: str) -> int | None:
    """A RAM label ("80Gi") in MiB; Akash requires a binary suffix, so anything else is wrong."""
    if not ram.endswith("i"):
        return None
    try:
        return akinv.parse_quantity(ram) >> 20
    except akinv.QuantityError:
        return None


def _memory_differs(label_mib: int, device_mib: int) -> bool:
    return abs(label_mib - device_mib) * 100 > label_mib * _MEMORY_TOLERANCE_PERCENT
