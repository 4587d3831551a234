"""akinv.sanitize: only untrusted numbers change, every other byte stays, and the result is safe."""

from __future__ import annotations

import json
from typing import Any

import pytest
from documents import GPU_H100, dumps, inventory, legacy, legacy_node, pair, v1, v1_node

import akinv

U64_MAX = 2**64 - 1
INT64_MAX = 2**63 - 1


def integers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [i for v in value.values() for i in integers(v)]
    if isinstance(value, list):
        return [i for v in value for i in integers(v)]
    return []


def changed_bytes(before: bytes, after: bytes, result: akinv.Sanitized) -> None:
    """Every byte outside the listed changes is the input's own."""
    rebuilt = bytearray()
    cursor = 0
    for change in result.changes:
        rebuilt += before[cursor : change.start] + change.replacement.encode()
        cursor = change.end
    rebuilt += before[cursor:]
    assert bytes(rebuilt) == after


ODD = (
    b'{ "address":"akash1\xc3\xa9\xe2\x9c\x93",\n\t"cluster" : {"leases":1 ,"inventory":{"available":{"nodes":[\n'
    b'  {"name":"n\xc3\xb6de","extra":{"keep":[1,2.50,"x"]},"allocatable":{"cpu":64000,"gpu":0,'
    b'"memory":   540000000000,"storage_ephemeral":1900000000000},\n'
    b'   "available":{"cpu":51500 ,"gpu":18446744073709551615,"memory":470000000000,"storage_ephemeral":1}}]}}},'
    b'"bidengine":{"orders":0},"unknown":{"n":1e400}}   \n'
)


def test_only_the_untrusted_number_changes_and_every_other_byte_is_kept() -> None:
    result = akinv.sanitize(ODD)
    assert result.data == ODD.replace(b'"gpu":18446744073709551615', b'"gpu":0')
    [change] = result.changes
    assert change.path == "cluster.inventory.available.nodes[0].available.gpu"
    # The token as written: the exact text, whatever its size or spelling.
    assert (
        change.original == str(U64_MAX) and change.replacement == "0" and change.reason == "wrapped-negative"
    )
    assert result.report.findings[0].code == "wrapped-negative"  # the report is of the input
    changed_bytes(ODD, result.data, result)


def test_clean_document_is_returned_unchanged() -> None:
    data = dumps(v1(v1_node()))
    result = akinv.sanitize(data)
    assert result.data == data and result.changes == []


def test_legacy_untrusted_allocatable_zeroes_available_too() -> None:
    doc = legacy(legacy_node(allocatable={"cpu": 2**64 - 1307616}, cpu=1000))
    result = akinv.sanitize(dumps(doc))
    node = json.loads(result.data)["cluster"]["inventory"]["available"]["nodes"][0]
    assert node["allocatable"]["cpu"] == 0 and node["available"]["cpu"] == 0
    assert {c.reason for c in result.changes} == {"wrapped-negative"}


def test_legacy_available_above_allocatable_becomes_zero() -> None:
    result = akinv.sanitize(dumps(legacy(legacy_node(allocatable={"gpu": 2}, gpu=4))))
    node = json.loads(result.data)["cluster"]["inventory"]["available"]["nodes"][0]
    assert node["available"]["gpu"] == 0 and node["allocatable"]["gpu"] == 2


def test_v1_over_allocated_sets_allocated_to_allocatable() -> None:
    result = akinv.sanitize(dumps(v1(v1_node(gpu=("0", "5"), gpu_info=[GPU_H100] * 8))))
    gpu = json.loads(result.data)["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["gpu"]
    assert gpu["quantity"] == {"allocatable": "0", "allocated": "0"}
    [change] = result.changes
    assert (change.original, change.reason) == ('"5"', "over-allocated")


def test_v1_untrusted_side_takes_the_trusted_sides_text() -> None:
    result = akinv.sanitize(dumps(v1(v1_node(gpu=("4000000", "2"), gpu_info=[GPU_H100] * 8))))
    quantity = json.loads(result.data)["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["gpu"][
        "quantity"
    ]
    assert quantity == {"allocatable": "2", "allocated": "2"}
    result = akinv.sanitize(dumps(v1(v1_node(cpu=("64", "12K")))))
    quantity = json.loads(result.data)["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["cpu"][
        "quantity"
    ]
    assert quantity == {"allocatable": "64", "allocated": "64"}


def test_protojson_quantity_objects_keep_their_shape(samples: dict[str, bytes]) -> None:
    data = samples["v1-protojson-3nodes-8xH100.json"]
    broken = data.replace(b'"string": "81650m"', b'"string": "1e30"', 1)
    assert broken != data
    result = akinv.sanitize(broken)
    [change] = result.changes
    assert change.reason == "not-int64-safe"
    assert result.data == broken.replace(b'"string": "1e30"', b'"string": "224"', 1)


def test_inventory_totals_are_recomputed_from_sanitized_nodes(samples: dict[str, bytes]) -> None:
    result = akinv.sanitize(samples["inventory-wrapped-cpu-memory.json"])
    doc = json.loads(result.data)
    for side in ("allocatable", "available"):
        for key in ("cpu", "gpu", "memory", "storage_ephemeral"):
            assert doc[f"total_{side}"][key] == sum(n[side][key] for n in doc["nodes"]), (side, key)


def test_total_mismatch_alone_is_fixed_too() -> None:
    doc = inventory(legacy_node("a"), legacy_node("b"))
    doc["total_available"]["gpu"] = 99
    result = akinv.sanitize(dumps(doc))
    assert json.loads(result.data)["total_available"]["gpu"] == 12
    assert [c.reason for c in result.changes] == ["total-mismatch"]


def test_sanitized_output_is_int64_safe_and_idempotent(samples: dict[str, bytes]) -> None:
    for name, data in samples.items():
        first = akinv.sanitize(data)
        assert all(i <= INT64_MAX for i in integers(json.loads(first.data))), name
        again = akinv.sanitize(first.data)
        assert again.changes == [] and again.data == first.data, name
        errors = {f.code for f in again.report.findings if f.severity == "error"}
        assert errors <= {"duplicate-node", "missing-field"}, (name, errors)


def test_js_int_limit_bounds_every_integer() -> None:
    doc = legacy(legacy_node(allocatable={"memory": 2**53 + 7}, memory=2**53))
    policy = akinv.Policy(int_limit="js", memory_bytes=2**60)
    result = akinv.sanitize(dumps(doc), policy=policy)
    assert all(i <= 2**53 - 1 for i in integers(json.loads(result.data)))
    assert {c.reason for c in result.changes} == {"not-int64-safe"}
    custom = akinv.Policy(int_limit=1000, memory_bytes=2**60, cpu_millis=2**40)
    assert all(i <= 1000 for i in integers(json.loads(akinv.sanitize(dumps(doc), policy=custom).data)))


@pytest.mark.parametrize(
    "value", ['"8"', "true", "null", "[1]", '{"gpu": 1}', "-3", "1.5", "1e400", "18446744073709551616"]
)
def test_any_bad_legacy_value_becomes_zero(value: str) -> None:
    data = dumps(legacy(legacy_node(gpu=7))).replace(b'"gpu": 7', b'"gpu": ' + value.encode())
    result = akinv.sanitize(data)
    node = json.loads(result.data)["cluster"]["inventory"]["available"]["nodes"][0]
    assert node["available"]["gpu"] == 0
    assert akinv.sanitize(result.data).changes == []


def test_reservations_and_counters_are_sanitized() -> None:
    doc = legacy(legacy_node(), active=[{"cpu": 2**64 - 1, "gpu": 1, "memory": 1, "storage_ephemeral": 1}])
    doc["bidengine"]["orders"] = -1
    result = akinv.sanitize(dumps(doc))
    out = json.loads(result.data)
    assert out["cluster"]["inventory"]["active"][0]["cpu"] == 0
    assert out["bidengine"]["orders"] == 0
    doc = v1(v1_node())
    doc["cluster"]["inventory"]["reservations"]["active"]["resources"]["memory"] = "-64Gi"
    out = json.loads(akinv.sanitize(dumps(doc)).data)
    assert out["cluster"]["inventory"]["reservations"]["active"]["resources"]["memory"] == "0"


def test_storage_pool_over_allocated() -> None:
    doc = v1(v1_node(), storage=[{"quantity": pair("100Gi", "101Gi"), "info": {"class": "beta3"}}])
    out = json.loads(akinv.sanitize(dumps(doc)).data)
    assert out["cluster"]["inventory"]["cluster"]["storage"][0]["quantity"] == pair("100Gi", "100Gi")


def test_sanitize_many_matches_sanitize() -> None:
    docs = [dumps(legacy(legacy_node(gpu=U64_MAX))), b"{oops", dumps(v1(v1_node(gpu=("0", "1"))))]
    many = akinv.sanitize_many(docs, threads=2)
    assert isinstance(many[1], akinv.PayloadError)
    for doc, result in zip(docs, many, strict=True):
        if isinstance(result, akinv.Sanitized):
            assert result.data == akinv.sanitize(doc).data


@pytest.mark.parametrize(
    "data",
    [
        # Legacy: the wrapped value comes first, a sane one last (Go's decoder keeps the last).
        dumps(legacy(legacy_node(gpu=7))).replace(b'"gpu": 7', b'"gpu": 18446744073709551615, "gpu": 7'),
        # v1: a wrapped allocatable given twice.
        dumps(v1(v1_node(memory=("503Gi", "64Gi")))).replace(
            b'"allocatable": "503Gi"', b'"allocatable": "18446744073709551615", "allocatable": "503Gi"'
        ),
        # Legacy/inventory: a node's allocatable object given twice, the first one wrapped; the
        # objects merge key by key, as in Go, so the wrapped gpu is overridden by the second.
        dumps(legacy(legacy_node(gpu=7))).replace(
            b'"allocatable": {',
            b'"allocatable": {"gpu": 18446744073709551615}, "allocatable": {',
        ),
        dumps(inventory(legacy_node("a"))).replace(
            b'"allocatable": {',
            b'"allocatable": {"cpu": 18446744073709551615, "gpu": 18446744073709551614}, "allocatable": {',
        ),
        # A flat pre-0.5 "gpu" beside the allocatable and available objects counts for nothing,
        # but a reader that takes it must not get a wrapped count either.
        dumps(legacy(legacy_node(gpu=7))).replace(
            b'"allocatable": {', b'"gpu": 18446744073709551615, "allocatable": {'
        ),
        # Inventory: a whole total object given twice.
        dumps(inventory(legacy_node("a"))).replace(
            b'"total_allocatable": {',
            b'"total_allocatable": {"cpu": 18446744073709551615}, "total_allocatable": {',
        ),
    ],
)
def test_duplicate_keys_leave_no_unsafe_integer(data: bytes) -> None:
    assert b"18446744073709551615" in data
    before = akinv.validate(data)
    assert "wrapped-negative" in before.counts()
    assert "duplicate-key" in before.counts() or b'"gpu": 18446744073709551615, "allocatable"' in data
    result = akinv.sanitize(data)
    assert b"18446744073709551615" not in result.data
    assert b"18446744073709551614" not in result.data
    # Whatever a reader of duplicate keys takes, no untrusted number is left.
    after = akinv.validate(result.data)
    assert [f.code for f in after.findings if f.code in NUMBER_CODES] == []
    assert akinv.sanitize(result.data).changes == []


NUMBER_CODES = {"wrapped-negative", "negative", "above-cap", "unparsable", "not-int64-safe", "over-allocated"}


@pytest.mark.parametrize(
    "quantity",
    [
        '{"string":"18446744073709551615","string":"8"}',
        '{"string":"8","string":"18446744073709551615"}',
        '{"string":"18446744073709551615","string":"18446744073709551615"}',
        '{"string":5,"string":"8"}',
    ],
)
def test_protojson_quantity_given_twice_is_sanitized_whole(quantity: str) -> None:
    # An untrusted first "string" was kept: sanitize changed nothing and never reached a clean
    # document.
    doc = dumps(v1(v1_node()))
    doc = doc.replace(b'"allocatable": "8"', b'"allocatable": ' + quantity.encode(), 1)
    assert quantity.encode() in doc
    assert not akinv.validate(doc).ok
    once = akinv.sanitize(doc)
    assert once.changes
    assert akinv.validate(once.data).ok
    assert akinv.sanitize(once.data).changes == []
