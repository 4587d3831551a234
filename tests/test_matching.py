"""Bid matching through the Python API: reservations, matching many providers, and that
matching agrees with reserving provider by provider (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import akinv
from akinv import _akinv

MODELS = [
    ("h100", "80Gi", "SXM5"),
    ("a100", "80Gi", "SXM4"),
    ("a100", "40Gi", "PCIe"),
    ("t4", "16Gi", "PCIe"),
]


def v1(nodes: list[dict[str, Any]], pools: dict[str, int] | None = None) -> bytes:
    def node(n: dict[str, Any]) -> dict[str, Any]:
        devices = [
            {"vendor": "nvidia", "name": m, "memory_size": s, "interface": i} for m, s, i in n["devices"]
        ]
        return {
            "name": n["name"],
            "resources": {
                "cpu": {"quantity": {"allocatable": str(n["cpu"]), "allocated": "0"}},
                "memory": {"quantity": {"allocatable": f"{n['memory']}Gi", "allocated": "0"}},
                "gpu": {
                    "quantity": {"allocatable": str(n.get("gpus", len(devices))), "allocated": "0"},
                    "info": devices,
                },
                "ephemeral_storage": {"allocatable": "1000Gi", "allocated": "0"},
            },
            "capabilities": {"storage_classes": n.get("classes", [])},
        }

    storage = [
        {"quantity": {"allocatable": f"{gib}Gi", "allocated": "0"}, "info": {"class": c}}
        for c, gib in (pools or {}).items()
    ]
    cluster = {"nodes": [node(n) for n in nodes], "storage": storage}
    return json.dumps({"cluster": {"inventory": {"cluster": cluster}}}).encode()


def order(
    cpu: int, memory_gib: int, gpus: int, keys: list[str], count: int = 1, denom: str = "uact"
) -> _akinv.OrderCore:
    unit = {
        "id": 1,
        "name": "web",
        "count": count,
        "cpu_millis": cpu * 1000,
        "memory_bytes": memory_gib << 30,
        "gpu_units": gpus,
        "gpu_attributes": keys,
        "storage": [{"name": "default", "bytes": 1 << 30}],
        "endpoints": 1,
        "ips": 0,
    }
    doc = {
        "source": "test",
        "units": [unit],
        "price": {"denom": denom, "amount": "1000000"},
        "price_precision": 6,
    }
    return _akinv.OrderCore(json.dumps(doc).encode())


WILDCARD = ["vendor/nvidia/model/*"]


def test_reserve_names_the_device_and_the_key_the_provider_writes() -> None:
    inventory = akinv.Inventory.from_status(
        v1(
            [
                {"name": "b-t4", "cpu": 8, "memory": 32, "devices": [MODELS[3]]},
                {"name": "a-h100", "cpu": 64, "memory": 512, "devices": [MODELS[0]] * 8},
            ]
        )
    )
    assert inventory.report.ok and inventory.has_devices
    reservation = inventory.reserve(order(4, 16, 1, WILDCARD))
    assert reservation.ok and reservation.no_fit is None
    unit = reservation.units[0]
    assert unit["nodes"] == [("a-h100", 1)]
    gpu = unit["gpu"]
    assert isinstance(gpu, dict)
    assert (gpu["model"], gpu["memory_size"], gpu["interface"], gpu["key"]) == (
        "h100",
        "80Gi",
        "SXM5",
        "vendor/nvidia/model/h100",
    )
    stdin = json.loads(reservation.allocated_script_input() or b"")
    assert stdin["resources"][0]["gpu"]["attributes"] == {"vendor": {"nvidia": {"model": "h100"}}}


def test_a_dry_run_leaves_the_inventory_and_a_reservation_keeps_what_it_takes() -> None:
    inventory = akinv.Inventory.from_status(v1([{"name": "a", "cpu": 8, "memory": 32, "devices": []}]))
    big = order(6, 1, 0, [])
    assert inventory.reserve(big).ok and inventory.reserve(big).ok
    assert inventory.reserve(big, dry_run=False).ok
    assert inventory.nodes[0]["cpu_millis"] == 2000
    no_fit = inventory.reserve(big).no_fit
    assert no_fit is not None and no_fit["kind"] == "insufficient-capacity"
    assert "cpu: needs 6000m, 2000m free" in str(no_fit["message"])


def test_overcommit_is_the_providers_commit_factor_and_the_script_prices_what_is_committed() -> None:
    inventory = akinv.Inventory.from_status(v1([{"name": "a", "cpu": 2, "memory": 8, "devices": []}]))
    three_cores = order(3, 4, 0, [])
    assert not inventory.reserve(three_cores).ok
    # The provider's factor is 1 + pct/100 in integer division: 50% changes nothing.
    assert not inventory.reserve(three_cores, overcommit={"cpu": 50}).ok
    reservation = inventory.reserve(three_cores, overcommit={"cpu": 100, "memory": 0})
    assert reservation.ok
    stdin = json.loads(reservation.allocated_script_input() or b"")
    assert stdin["resources"][0]["cpu"] == 1500
    with pytest.raises(ValueError, match="'gpu'"):
        inventory.reserve(three_cores, overcommit={"gpu": 100})
    with pytest.raises(ValueError, match="percentage"):
        inventory.reserve(three_cores, overcommit={"cpu": -1})


def test_a_legacy_document_reserves_gpus_by_count_and_says_so(samples: dict[str, bytes]) -> None:
    inventory = akinv.Inventory.from_status(samples["legacy-3nodes-8xH100.json"])
    assert not inventory.has_devices
    reservation = inventory.reserve(order(1, 1, 1, WILDCARD))
    assert reservation.ok
    assert reservation.units[0]["gpu"] is None
    assert any("no GPU devices" in note for note in reservation.notes)


def test_exact_mode_quotes_every_model_and_picks_by_policy() -> None:
    inventory = akinv.Inventory.from_status(
        v1(
            [
                {"name": "a-h100", "cpu": 64, "memory": 512, "devices": [MODELS[0]] * 8},
                {"name": "b-t4", "cpu": 8, "memory": 32, "devices": [MODELS[3]]},
            ]
        )
    )
    pricing = _akinv.Pricing(gpu_mappings="t4=80,h100=1800")
    cheapest = inventory.reserve(order(1, 1, 1, WILDCARD), mode="exact", wildcard="cheapest", pricing=pricing)
    gpu = cheapest.units[0]["gpu"]
    assert isinstance(gpu, dict) and gpu["model"] == "t4"
    assert sorted(str(o["gpu"]) for o in cheapest.options) == [
        str(("nvidia", "h100", "80Gi", "SXM5")),
        str(("nvidia", "t4", "16Gi", "PCIe")),
    ]
    quote = cheapest.quote
    # Exact mode tries the device's own keys first (t4.16Gi.pcie, t4.16Gi, t4.pcie), then t4.
    assert isinstance(quote, akinv.Quote) and quote.gpus[0]["key"] == "t4.16Gi.pcie"
    assert quote.gpus[0]["matched"] == "t4"


def test_match_reads_many_providers_and_reports_each() -> None:
    items = [
        ("fits", v1([{"name": "n", "cpu": 64, "memory": 512, "devices": [MODELS[1]] * 8}])),
        ("small", v1([{"name": "n", "cpu": 2, "memory": 4, "devices": []}])),
        ("broken", b"{"),
    ]
    pricing = _akinv.Pricing(gpu_mappings="a100=900")
    results = akinv.match(order(4, 16, 1, WILDCARD), items, pricing=pricing)
    assert [r.provider for r in results] == ["fits", "small", "broken"]
    assert [r.kind for r in results] == ["fits", "insufficient-capacity", "unreadable"]
    assert results[0].gpus[0]["model"] == "a100" and results[0].rate is not None
    assert isinstance(results[2].error, akinv.MalformedJSONError)
    assert (
        akinv.Inventories(items).match(order(4, 16, 1, WILDCARD), pricing=pricing)[0].rate == results[0].rate
    )


node_strategy = st.builds(
    lambda name, cpu, memory, models, gpus: {
        "name": name,
        "cpu": cpu,
        "memory": memory,
        "devices": models,
        "gpus": gpus if gpus is not None else len(models),
    },
    st.sampled_from(["a", "b", "c", "d"]),
    st.integers(0, 64),
    st.integers(0, 256),
    st.lists(st.sampled_from(MODELS), max_size=8),
    st.one_of(st.none(), st.integers(0, 8)),
)
key_strategy = st.sampled_from(
    [
        [],
        WILDCARD,
        ["vendor/nvidia/model/a100"],
        ["vendor/nvidia/model/a100/ram/80Gi"],
        ["vendor/nvidia/model/t4/interface/pcie"],
    ]
)


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(st.lists(node_strategy, max_size=4), min_size=1, max_size=6),
    st.integers(1, 16),
    st.integers(1, 64),
    st.integers(0, 4),
    key_strategy,
    st.integers(1, 3),
)
def test_match_agrees_with_reserve_provider_by_provider(
    providers: list[list[dict[str, Any]]], cpu: int, memory: int, gpus: int, keys: list[str], count: int
) -> None:
    the_order = order(cpu, memory, gpus if keys else 0, keys, count)
    items = [(f"p{i}", v1(nodes)) for i, nodes in enumerate(providers)]
    pricing = _akinv.Pricing(gpu_mappings="a100=900,h100=1800")
    matched = akinv.match(the_order, items, pricing=pricing, threads=2)
    for (_, doc), result in zip(items, matched, strict=True):
        reservation = akinv.Inventory.from_status(doc).reserve(the_order, pricing=pricing)
        assert result.ok == reservation.ok
        if reservation.ok:
            expected = [u["gpu"] for u in reservation.units if u["gpu"] is not None]
            assert result.gpus == expected
            quote = reservation.quote
            assert isinstance(quote, akinv.Quote)
            assert result.rate == quote.rate
        else:
            no_fit = reservation.no_fit
            assert no_fit is not None and result.reason == no_fit["message"]
