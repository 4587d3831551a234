"""GPU groups against an independent model of the grouping rule.

Per node with GPUs: devices are counted per kind in the order listed (labels compared without
case, the memory size exactly); allocatable and available are handed to the kinds in that order,
each kind taking at most its device count and the last kind what is left; a node with no device
list gives everything to an unknown kind. Kinds are then merged across nodes by their key: labels
lower-cased, the memory size normalized to whole GiB/MiB when it is a quantity.
"""

from __future__ import annotations

from typing import Any

import oracle
import pytest
from budget import examples
from documents import dumps, v1, v1_node
from hypothesis import given, settings
from hypothesis import strategies as st

import akinv

# Raw spellings seen in provider payloads: the same card in different cases, sizes in bytes or Gi,
# one size that is not a quantity, and surrounding spaces.
VENDORS = ("nvidia", "NVIDIA", " nvidia ", "amd")
MODELS = ("h100", "H100", "a100", "rtx4090", "mi300x")
MEMORY = ("80Gi", "85899345920", "80gi", "40Gi", "24Gi", "192Gi", "Nothsure", "nothsure", "512Mi")
INTERFACES = ("SXM5", "sxm5", "PCIe", "pcie", "oam")

Key = tuple[str, str, str, str]


def normalized_memory(text: str) -> str:
    try:
        size = oracle.parse_quantity(text)
    except ValueError:  # not a quantity: kept as written
        return text
    if size > 0 and size % 2**30 == 0:
        return f"{size >> 30}Gi"
    if size > 0 and size % 2**20 == 0:
        return f"{size >> 20}Mi"
    return str(size)


def kind_of(device: dict[str, str]) -> tuple[str, str, str, str]:
    """What decides whether two devices are one kind."""
    return (
        device["vendor"].strip().lower(),
        device["name"].strip().lower(),
        device["memory_size"].strip(),
        device["interface"].strip().lower(),
    )


def key_of(kind: tuple[str, str, str, str]) -> Key:
    vendor, model, memory, interface = kind
    return (vendor, model, normalized_memory(memory), interface)


def expected_groups(
    nodes: list[tuple[int, int, list[dict[str, str]] | None]],
) -> dict[Key, tuple[int, int, int]]:
    """(allocatable, available, devices listed) per key. Devices count whatever their node's
    GPU count says: a node listing 8 devices with 0 allocatable (device plugin restarting)
    still shows what it has."""
    groups: dict[Key, list[int]] = {}
    for allocatable, available, devices in nodes:
        counts: dict[tuple[str, str, str, str], int] = {}
        for device in devices or []:
            kind = kind_of(device)
            counts[kind] = counts.get(kind, 0) + 1
        if not counts and allocatable == 0 and available == 0:
            continue
        kinds = [(key_of(kind), n) for kind, n in counts.items()] or [(("", "", "", ""), 0)]
        allocatable_left, available_left = allocatable, available
        for i, (key, n) in enumerate(kinds):
            last = i == len(kinds) - 1
            a = allocatable_left if last else min(n, allocatable_left)
            v = available_left if last else min(n, available_left)
            allocatable_left -= a
            available_left -= v
            group = groups.setdefault(key, [0, 0, 0])
            group[0] += a
            group[1] += v
            group[2] += n
    return {key: (a, v, n) for key, (a, v, n) in groups.items()}


devices = st.builds(
    lambda vendor, model, memory, interface: {
        "vendor": vendor,
        "name": model,
        "memory_size": memory,
        "interface": interface,
    },
    st.sampled_from(VENDORS),
    st.sampled_from(MODELS),
    st.sampled_from(MEMORY),
    st.sampled_from(INTERFACES),
)


@st.composite
def gpu_nodes(draw: st.DrawFn) -> tuple[int, int, list[dict[str, str]] | None]:
    listed = draw(st.one_of(st.none(), st.lists(devices, max_size=8)))
    allocatable = len(listed) if listed is not None and draw(st.booleans()) else draw(st.integers(0, 8))
    allocated = draw(st.integers(0, allocatable))
    return allocatable, allocatable - allocated, listed


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(gpu_nodes(), min_size=1, max_size=6))
def test_gpu_groups_match_the_model(nodes: list[tuple[int, int, list[dict[str, str]] | None]]) -> None:
    check_groups(nodes)


@st.composite
def crowded_gpu_nodes(draw: st.DrawFn) -> tuple[int, int, list[dict[str, str]] | None]:
    """Nodes listing more kinds than akinv scans before it hashes them (16)."""
    listed = draw(st.lists(devices, min_size=17, max_size=80))
    # At most the default cap of 64 GPUs a node, which the model does not know.
    allocatable = draw(st.sampled_from([min(len(listed), 64), draw(st.integers(0, 64))]))
    return allocatable, allocatable - draw(st.integers(0, allocatable)), listed


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(crowded_gpu_nodes(), min_size=1, max_size=4))
def test_gpu_groups_of_many_kinds_match_the_model(
    nodes: list[tuple[int, int, list[dict[str, str]] | None]],
) -> None:
    # Many kinds are found by hash, not by scanning (a hostile list of 40,000 models took 17 s):
    # the groups must not change.
    check_groups(nodes)


def check_groups(nodes: list[tuple[int, int, list[dict[str, str]] | None]]) -> None:
    doc: dict[str, Any] = v1(
        *(
            v1_node(f"node{i}", gpu=(str(a), str(a - v)), gpu_info=listed if listed is not None else [])
            for i, (a, v, listed) in enumerate(nodes)
        )
    )
    for node, (_, _, listed) in zip(doc["cluster"]["inventory"]["cluster"]["nodes"], nodes, strict=True):
        if listed is None:
            del node["resources"]["gpu"]["info"]
    report = akinv.validate(dumps(doc))
    got = {
        (g.vendor, g.model, g.memory_size, g.interface): (g.allocatable, g.available, g.devices)
        for g in report.gpus
    }
    assert got == expected_groups(nodes)


@pytest.mark.parametrize("fillers", [0, 15, 16, 40])
def test_labels_holding_any_bytes_keep_kinds_apart(fillers: int) -> None:
    # Hashed kinds once joined fields with a 0xFF separator, which a label may hold itself:
    # vendor "a\xff" + model "b" and vendor "a" + model "\xffb" became one kind past 16 kinds.
    devices = [
        {"vendor": "nvidia", "name": f"m{i}", "memory_size": "80Gi", "interface": "pcie"}
        for i in range(fillers)
    ]
    devices += [
        {"vendor": "aQ", "name": "b", "memory_size": "80Gi", "interface": "pcie"},
        {"vendor": "a", "name": "Qb", "memory_size": "80Gi", "interface": "pcie"},
    ]
    count = str(len(devices))
    data = dumps(v1(v1_node("n", gpu=(count, count), gpu_info=devices))).replace(b"Q", b"\xff")
    report = akinv.validate(data)
    assert sorted(g.allocatable for g in report.gpus if g.vendor.startswith("a")) == [1, 1]
