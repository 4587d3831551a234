"""Reading what a node's labels claim about its GPUs.

Two sources: the Akash inventory operator's capability labels, whose value is the number of such
devices present (``akash.network/capabilities.gpu.vendor.nvidia.model.a100=8``, with ``.ram.80Gi``
and ``.interface.sxm`` forms), and NVIDIA GPU feature discovery, which reads the device itself
(``nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB``, ``nvidia.com/gpu.memory=81920`` in MiB).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from akinv.doctor.cluster import GPU_RESOURCES, Vendor

__all__ = [
    "AKASH_GPU_PREFIX",
    "AkashGpuLabel",
    "FeatureDiscovery",
    "Interface",
    "akash_gpu_labels",
    "feature_discovery",
    "product_interface",
    "product_names_model",
]

AKASH_GPU_PREFIX = "akash.network/capabilities.gpu.vendor."
Interface: TypeAlias = Literal["pcie", "sxm"]
_DIGITS = re.compile(r"[0-9]+")
_PRODUCT_SPLIT = re.compile(r"[-_ ]+")


@dataclass(frozen=True, slots=True)
class AkashGpuLabel:
    """One capability label. ``count`` is None when the value is not a whole number."""

    key: str
    value: str
    vendor: str
    model: str
    ram: str | None
    interface: str | None

    @property
    def count(self) -> int | None:
        return int(self.value) if _DIGITS.fullmatch(self.value) else None

    @property
    def plain(self) -> bool:
        """The model-only form, the one whose counts add up to the node's devices."""
        return self.ram is None and self.interface is None


def akash_gpu_labels(labels: Mapping[str, str]) -> list[AkashGpuLabel]:
    """The node's Akash GPU capability labels, in key order."""
    found = []
    for key in sorted(labels):
        if not key.startswith(AKASH_GPU_PREFIX):
            continue
        # <vendor>.model.<model>[.ram.<size>|.interface.<pcie|sxm>]; a size has no dots ("80Gi").
        parts = key[len(AKASH_GPU_PREFIX) :].split(".")
        if len(parts) < 3 or parts[1] != "model":
            continue
        vendor, model, rest = parts[0], parts[2], parts[3:]
        ram = rest[1] if len(rest) == 2 and rest[0] == "ram" else None
        interface = rest[1] if len(rest) == 2 and rest[0] == "interface" else None
        if rest and ram is None and interface is None:
            continue
        found.append(AkashGpuLabel(key, labels[key], vendor, model, ram, interface))
    return found


def labelled_vendors(labels: list[AkashGpuLabel]) -> set[Vendor]:
    return {v for v in GPU_RESOURCES if any(label.vendor == v for label in labels)}


@dataclass(frozen=True, slots=True)
class FeatureDiscovery:
    """What NVIDIA GPU feature discovery says about a node's devices (None: it says nothing)."""

    product: str | None
    memory_mib: int | None
    count: int | None
    present: bool


def feature_discovery(labels: Mapping[str, str]) -> FeatureDiscovery:
    memory = labels.get("nvidia.com/gpu.memory", "")
    count = labels.get("nvidia.com/gpu.count", "")
    return FeatureDiscovery(
        product=labels.get("nvidia.com/gpu.product") or None,
        memory_mib=int(memory) if _DIGITS.fullmatch(memory) else None,
        count=int(count) if _DIGITS.fullmatch(count) else None,
        present=labels.get("nvidia.com/gpu.present") == "true",
    )


def _product_parts(product: str) -> list[str]:
    # "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb" -> ["nvidia", "a100", "sxm4", "80gb", "mig", "1g.10gb"]
    return [part for part in _PRODUCT_SPLIT.split(product.lower()) if part]


def product_names_model(product: str, model: str) -> bool:
    """Whether a feature-discovery product names an Akash model: the model is one part of the
    product or several consecutive parts run together ("rtx4090" in NVIDIA-GeForce-RTX-4090).
    Whole parts only, so an a10 label does not pass for an A100."""
    wanted = re.sub(r"[-_ ]", "", model.lower())
    parts = _product_parts(product)
    for start in range(len(parts)):
        joined = ""
        for part in parts[start:]:
            joined += part
            if joined == wanted:
                return True
            if len(joined) >= len(wanted):
                break
    return False


def product_interface(product: str) -> Interface | None:
    """The interface a product name states (SXM4, PCIe), or None where it states none
    (consumer cards such as NVIDIA-GeForce-RTX-4090 are PCIe but do not say so)."""
    for part in _product_parts(product):
        if part.startswith("sxm"):
            return "sxm"
        if part == "pcie":
            return "pcie"
    return None
