"""The report gives what akinv reads: per-node devices and storage classes, counters,
reservations, public hostnames, inventory readiness; untrusted figures are named, not hidden;
messages quote the document."""

from __future__ import annotations

import pytest
from documents import GPU_H100, dumps, legacy, legacy_node, v1, v1_node

import akinv

A100 = dict(GPU_H100, name="a100", interface="PCIe", memory_size="40Gi")


def test_nodes_give_their_devices_and_storage_classes() -> None:
    node = v1_node("mixed", gpu=("4", "1"), gpu_info=[GPU_H100, GPU_H100, A100, A100])
    report = akinv.validate(dumps(v1(v1_node("plain", gpu=("0", "0")), node)))
    mixed = report.nodes[1]
    assert (mixed.name, mixed.index) == ("mixed", 1)
    assert [(d.vendor, d.model, d.memory_size, d.interface) for d in mixed.gpu_devices] == [
        ("nvidia", "h100", "80Gi", "SXM5")
    ] * 2 + [("nvidia", "a100", "40Gi", "PCIe")] * 2
    assert mixed.storage_classes == ["beta3"] and report.nodes[0].gpu_devices == []
    data = report.to_dict()["nodes"][1]
    assert data["gpu_devices"][2] == {
        "vendor": "nvidia",
        "model": "a100",
        "memory_size": "40Gi",
        "interface": "PCIe",
    }
    assert data["storage_classes"] == ["beta3"] and data["index"] == 1
    # Legacy documents list neither.
    plain = akinv.validate(dumps(legacy(legacy_node())))
    assert plain.nodes[0].gpu_devices == [] and plain.nodes[0].storage_classes is None


def test_counters_reservations_hostnames_and_address() -> None:
    report = akinv.validate(dumps(v1(v1_node())))
    assert report.counters == {"leases": 1, "orders": 0, "deployments": 1}
    assert report.reservations is not None
    assert report.reservations["active"]["count"] == 1
    assert report.reservations["active"]["cpu_millis"] == 12500
    assert report.reservations["active"]["memory_bytes"] == 64 * 2**30
    assert report.public_hostnames == ["provider.example.com"]
    assert report.address is None
    old = akinv.validate(dumps(legacy(legacy_node())))
    assert old.address == "akash1r82zuxp283dk7lhfx5mvudpe96gsrnlpdsyh7m"
    assert old.public_hostnames == ["provider.example.com"]
    assert old.counters == {"leases": 1, "orders": 0, "deployments": 1}
    data = report.to_dict()
    assert {"counters", "reservations", "public_hostnames", "address", "inventory_ready", "counts"} <= set(
        data
    )


def test_inventory_readiness_comes_with_its_reason() -> None:
    ready = akinv.validate(dumps(legacy(legacy_node())))
    assert ready.inventory_ready and ready.inventory_error is None
    waiting = akinv.validate(b'{"cluster": {"leases": 0, "inventory": {"error": {"code":  503}}}}')
    assert not waiting.inventory_ready
    assert waiting.inventory_error == '{"code":  503}'  # as written


def test_devices_of_a_node_with_an_untrusted_count_stay_in_the_gpu_groups() -> None:
    node = v1_node("b", gpu=("1000000", "2"), gpu_info=[GPU_H100] * 8)
    report = akinv.validate(dumps(v1(v1_node("a", gpu=("8", "7")), node)))
    [group] = report.gpus
    assert (group.devices, group.withheld, group.allocatable, group.available) == (16, True, 8, 1)
    assert report.to_dict()["gpus"][0]["withheld"] is True


def test_gpu_info_mismatch_quotes_the_untrusted_count() -> None:
    node = v1_node(gpu=("1000000", "0"), gpu_info=[GPU_H100] * 8)
    report = akinv.validate(dumps(v1(node)))
    [mismatch] = [f for f in report.findings if f.code == "gpu-info-mismatch"]
    assert "1000000" in mismatch.message and "8 GPU devices" in mismatch.message
    assert "but 0 allocatable" not in mismatch.message


def test_withheld_figures_are_named() -> None:
    # A pair with an untrusted side: the figures reported as 0 say so.
    report = akinv.validate(dumps(legacy(legacy_node("a"), legacy_node("b", gpu=2**64 - 3))))
    gpu = report.totals.gpu
    assert gpu.withheld == ["allocated", "available"]
    assert report.nodes[0].gpu.withheld == [] and report.nodes[1].gpu.withheld == ["allocated", "available"]
    totals = report.to_dict()["totals"]
    assert totals["withheld"] == {"gpu": ["allocated", "available"]}
    assert report.to_dict()["nodes"][0]["withheld"] == {}


def test_change_original_is_the_token_as_written_with_its_place() -> None:
    data = dumps(legacy(legacy_node())).replace(b'"gpu": 6', b'"gpu": 1E30')
    [change] = akinv.sanitize(data).changes
    assert change.original == "1E30" and data[change.start : change.end] == b"1E30"
    assert change.to_dict() == {
        "path": "cluster.inventory.available.nodes[0].available.gpu",
        "original": "1E30",
        "replacement": "0",
        "reason": "unparsable",
        "start": change.start,
        "end": change.end,
    }


def test_a_policy_typo_names_the_setting() -> None:
    with pytest.raises(TypeError, match=r"Policy has no setting 'gpuu'; the settings are gpu, cpu_millis"):
        akinv.Policy(gpuu=1)  # type: ignore[call-arg]
    with pytest.raises(
        ValueError, match=r"^severity: unknown finding code 'x'|^severity: unknown finding code \"x\""
    ):
        akinv.Policy(severity={"x": "error"})
    with pytest.raises(TypeError, match="severity must be a dict of"):
        akinv.Policy(severity={"negative": 1})  # type: ignore[dict-item]


@pytest.mark.parametrize("one", [b"{}", "{}", bytearray(b"{}"), {"nodes": []}])
def test_one_document_given_to_a_batch_call_says_to_pass_a_list(one: object) -> None:
    for call, verb in ((akinv.validate_many, "validate"), (akinv.sanitize_many, "sanitize")):
        with pytest.raises(
            TypeError, match=rf"{verb}_many takes a list .* pass \[document\], or call {verb}\(document\)"
        ):
            call(one)  # type: ignore[arg-type]


def test_leased_ips_are_reported_where_the_document_gives_them() -> None:
    doc = v1(v1_node())
    doc["cluster"]["inventory"]["leased_ip"] = {"allocatable": "16", "allocated": "5"}
    report = akinv.validate(dumps(doc))
    assert report.leased_ips is not None
    assert report.leased_ips.to_dict() == {"allocatable": 16, "allocated": 5, "available": 11}
    assert report.to_dict()["leased_ips"] == {"allocatable": 16, "allocated": 5, "available": 11}
    assert akinv.validate(dumps(v1(v1_node()))).to_dict()["leased_ips"] is None
