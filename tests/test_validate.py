"""akinv.validate: every finding code, every shape, every input type, and the report's numbers."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from documents import GPU_H100, dumps, inventory, legacy, legacy_node, pair, v1, v1_node

import akinv

U64_MAX = 2**64 - 1


def codes(report: akinv.Report) -> list[str]:
    return [f.code for f in report.findings]


def only(report: akinv.Report, code: str) -> akinv.Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, report.findings
    return found[0]


# ---- clean documents of each shape ----


def test_clean_legacy_document() -> None:
    report = akinv.validate(dumps(legacy(legacy_node("a"), legacy_node("b"))))
    assert report.schema == "legacy"
    assert report.ok and report.findings == []
    assert [n.name for n in report.nodes] == ["a", "b"]
    assert report.totals.gpu.to_dict() == {"allocatable": 16, "allocated": 4, "available": 12}
    assert report.totals.cpu_millis.available == 2 * 51500


def test_clean_v1_document_go_json() -> None:
    report = akinv.validate(dumps(v1(v1_node("a"))))
    assert report.schema == "v1" and report.ok, report.findings
    node = report.nodes[0]
    assert node.cpu_millis.to_dict() == {"allocatable": 64000, "allocated": 12500, "available": 51500}
    assert node.memory_bytes.available == (503 - 64) * 2**30
    assert node.gpu.to_dict() == {"allocatable": 8, "allocated": 2, "available": 6}
    assert report.totals.storage["beta3"].to_dict() == {
        "allocatable": 10 * 2**40,
        "allocated": 2**40,
        "available": 9 * 2**40,
    }
    [group] = report.gpus
    assert (group.vendor, group.model, group.memory_size, group.interface) == (
        "nvidia",
        "h100",
        "80Gi",
        "sxm5",
    )
    assert (group.allocatable, group.available) == (8, 6)


def test_clean_inventory_document() -> None:
    report = akinv.validate(dumps(inventory(legacy_node("a"), legacy_node("b"))))
    assert report.schema == "inventory" and report.ok, report.findings
    assert report.totals.memory_bytes.allocated == 2 * (540000000000 - 470000000000)


def test_storage_class_written_with_escapes_is_its_decoded_name() -> None:
    doc = inventory(legacy_node("a"))
    doc["total_allocatable"]["storage"] = {"beta3": 5}
    escaped = dumps(doc).replace(b'"beta3"', b'"be\\u0074a3"')
    assert json.loads(escaped) == doc
    report = akinv.validate(escaped)
    assert list(report.totals.storage) == ["beta3"]
    assert report.to_dict() == akinv.validate(dumps(doc)).to_dict()


def test_protojson_encoding_is_read_like_go_json(samples: dict[str, bytes]) -> None:
    protojson = akinv.validate(samples["v1-protojson-3nodes-8xH100.json"])
    assert protojson.schema == "v1" and protojson.ok
    assert protojson.totals.gpu.to_dict() == {"allocatable": 8, "allocated": 5, "available": 3}
    legacy_report = akinv.validate(samples["legacy-3nodes-8xH100.json"])
    # The same cluster in both formats: same available capacity per resource.
    for resource in ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes"):
        assert (
            getattr(protojson.totals, resource).available == getattr(legacy_report.totals, resource).available
        )


def test_inventory_not_ready_is_not_an_error() -> None:
    doc = {"cluster": {"leases": 0, "inventory": {"available": {}, "error": {}}}, "bidengine": {"orders": 0}}
    report = akinv.validate(dumps(doc))
    assert report.schema == "legacy" and report.ok and not report.inventory_ready


def test_pre_gpu_legacy_nodes_publish_available_only(shared_samples: Any) -> None:
    data = shared_samples(
        "akash-network_docs__providers__akash-provider-troubleshooting__provider-status-and-general-info.md"
        "_L35-89__cli-status-legacy-pre-gpu.json"
    )
    report = akinv.validate(data)
    assert report.schema == "legacy" and report.ok
    assert all(n.name is None for n in report.nodes)
    assert report.totals.cpu_millis.allocatable == 0 and report.totals.cpu_millis.available > 0


# ---- one test per finding code: each fails without its rule ----


def test_wrapped_negative_gpu_device_plugin_restart() -> None:
    node = legacy_node("node3", allocatable={"gpu": 0}, gpu=2**64 - 5)
    report = akinv.validate(dumps(legacy(node)))
    finding = only(report, "wrapped-negative")
    assert finding.severity == "error" and not report.ok
    assert finding.path == "cluster.inventory.available.nodes[0].available.gpu"
    assert finding.node == "node3" and finding.resource == "gpu"
    assert finding.value == 2**64 - 5 and isinstance(finding.value, int)
    assert "-5" in finding.message
    assert report.totals.gpu.available == 0


def test_wrapped_negative_as_printed_through_a_float() -> None:
    # support#120: jq printed uint64(-1) as 18446744073709552000, above u64::MAX.
    report = akinv.validate(
        b'{"cluster":{"leases":1,"inventory":{"available":{"nodes":[{"cpu":20425,"gpu":18446744073709552000,"memory":1,"storage_ephemeral":1}]}}}}'
    )
    assert only(report, "wrapped-negative").value == 18446744073709552000
    # The same number in exponent form is not a JSON integer, which Go's uint64 decoder requires.
    report = akinv.validate(dumps(legacy(legacy_node(gpu=1.8446744073709552e19))))
    assert codes(report) == ["unparsable"]


def test_over_allocated_v1() -> None:
    report = akinv.validate(dumps(v1(v1_node("node3", gpu=("0", "5"), gpu_info=[GPU_H100] * 8))))
    finding = only(report, "over-allocated")
    assert finding.path == "cluster.inventory.cluster.nodes[0].resources.gpu.quantity.allocated"
    assert finding.value == 5 and finding.node == "node3" and finding.severity == "error"
    assert report.nodes[0].gpu.to_dict() == {"allocatable": 0, "allocated": 5, "available": 0}


def test_negative_v1_quantity_and_unbounded_allocatable() -> None:
    report = akinv.validate(dumps(v1(v1_node(memory=("-1Gi", "0")))))
    assert only(report, "negative").value == -(2**30)
    # An allocatable of exactly -1 means unbounded: no finding, and it adds nothing to totals.
    report = akinv.validate(dumps(v1(v1_node(memory=("-1", "0")))))
    assert report.ok and report.findings == [], report.findings
    assert report.totals.memory_bytes.allocatable == 0


def test_negative_legacy_storage_size() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(), storage=[{"class": "beta3", "size": -275152609037}])))
    finding = only(report, "negative")
    assert finding.path == "cluster.inventory.available.storage[0].size"
    assert finding.value == -275152609037
    assert report.totals.storage == {}


def test_negative_legacy_available_above_allocatable() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(allocatable={"gpu": 2}, gpu=4))))
    assert only(report, "negative").path.endswith("nodes[0].available.gpu")
    assert report.totals.gpu.available == 0


@pytest.mark.parametrize(
    ("field", "value", "cap"),
    [
        ("gpu", 65, 64),
        ("cpu", 4096001, 4096000),
        ("memory", 64 * 2**40 + 1, 64 * 2**40),
        ("storage_ephemeral", 2**50 + 1, 2**50),
    ],
)
def test_above_cap_default_caps(field: str, value: int, cap: int) -> None:
    node = legacy_node(allocatable={field: value}, **{field: 0})
    report = akinv.validate(dumps(legacy(node)))
    finding = only(report, "above-cap")
    assert finding.value == value and str(cap) in finding.message
    # Exactly at the cap is fine.
    node = legacy_node(allocatable={field: cap}, **{field: 0})
    assert akinv.validate(dumps(legacy(node))).ok


def test_above_cap_is_configurable() -> None:
    doc = dumps(v1(v1_node(gpu=("8", "0"))))
    assert akinv.validate(doc).ok
    report = akinv.validate(doc, policy=akinv.Policy(gpu=4))
    assert codes(report).count("above-cap") == 1


def test_unparsable_quantity() -> None:
    report = akinv.validate(dumps(v1(v1_node(cpu=("12K", "0")))))
    finding = only(report, "unparsable")
    assert finding.value == '"12K"' and "unknown suffix" in finding.message
    assert report.nodes[0].cpu_millis.available == 0


def test_unparsable_non_integer_legacy_number() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(gpu=1.5))))
    assert only(report, "unparsable").value == "1.5"


def test_not_int64_safe() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(allocatable={"memory": 2**63}, memory=0))))
    finding = only(report, "not-int64-safe")
    assert finding.value == 2**63
    # A value far beyond any integer type is reported by its text.
    report = akinv.validate(dumps(v1(v1_node(memory=("1e40", "0")))))
    assert only(report, "not-int64-safe").value == '"1e40"'


def test_js_int_limit_flags_values_above_2_53() -> None:
    doc = dumps(legacy(legacy_node(allocatable={"memory": 2**53}, memory=0)))
    relaxed = akinv.Policy(memory_bytes=2**60)
    assert akinv.validate(doc, policy=relaxed).ok
    js = akinv.Policy(memory_bytes=2**60, int_limit="js")
    assert codes(akinv.validate(doc, policy=js)) == ["not-int64-safe"]
    assert js.int_limit == 2**53 - 1


def test_wrong_type() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(gpu="8"))))
    finding = only(report, "wrong-type")
    assert finding.path.endswith("available.gpu") and "found a string" in finding.message
    report = akinv.validate(dumps(v1(v1_node(cpu=(True, "0")))))
    assert codes(report) == ["wrong-type"]
    report = akinv.validate(b'{"cluster": {"leases": 1, "inventory": {"available": {"nodes": {}}}}}')
    assert only(report, "wrong-type").path == "cluster.inventory.available.nodes"


def test_missing_field() -> None:
    node = legacy_node()
    del node["allocatable"]["memory"]
    report = akinv.validate(dumps(legacy(node)))
    finding = only(report, "missing-field")
    assert finding.path == "cluster.inventory.available.nodes[0].allocatable.memory"
    node = legacy_node()
    del node["available"]
    assert codes(akinv.validate(dumps(legacy(node)))) == ["missing-field"]


def test_gpu_info_mismatch_is_a_warning() -> None:
    # Under-report after a kubelet restart: 0 allocatable while 8 devices are listed.
    report = akinv.validate(dumps(v1(v1_node(gpu=("0", "0"), gpu_info=[GPU_H100] * 8))))
    finding = only(report, "gpu-info-mismatch")
    assert finding.severity == "warning" and report.ok
    assert "8 GPU devices" in finding.message
    strict = akinv.Policy(severity={"gpu-info-mismatch": "error"})
    assert not akinv.validate(dumps(v1(v1_node(gpu=("0", "0"), gpu_info=[GPU_H100] * 8))), policy=strict).ok


def test_duplicate_node() -> None:
    report = akinv.validate(dumps(legacy(legacy_node("a"), legacy_node("b"), legacy_node("a"))))
    finding = only(report, "duplicate-node")
    assert finding.path == "cluster.inventory.available.nodes[2].name" and finding.value == "a"


def test_total_mismatch_is_a_warning() -> None:
    doc = inventory(legacy_node("a"), legacy_node("b"))
    doc["total_allocatable"]["cpu"] += 1
    report = akinv.validate(dumps(doc))
    finding = only(report, "total-mismatch")
    assert finding.severity == "warning" and report.ok
    assert finding.path == "total_allocatable.cpu" and finding.value == 128001


def test_severity_can_be_lowered() -> None:
    doc = dumps(legacy(legacy_node(gpu=U64_MAX)))
    lenient = akinv.Policy(severity={"wrapped-negative": "warning"})
    assert akinv.validate(doc, policy=lenient).ok
    assert lenient.severity("wrapped-negative") == "warning"


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="unknown finding code"):
        akinv.Policy(severity={"wrapped": "error"})
    with pytest.raises(ValueError, match="severity"):
        akinv.Policy(severity={"negative": "fatal"})
    with pytest.raises(ValueError, match="int_limit"):
        akinv.Policy(int_limit="int32")
    with pytest.raises(ValueError, match="int_limit"):
        akinv.Policy(int_limit=2**63)
    with pytest.raises(ValueError, match="cap gpu must be between 0 and 2\\*\\*63 - 1"):
        akinv.Policy(gpu=-1)
    # Caps beyond int64 let sums of accepted values leave int64; beyond i128 they raised
    # OverflowError out of `akinv check --policy`.
    for too_large in (2**63, 2**200):
        with pytest.raises(ValueError, match="cap memory_bytes"):
            akinv.Policy(memory_bytes=too_large)
    assert akinv.Policy(memory_bytes=2**63 - 1).memory_bytes == 2**63 - 1


@pytest.mark.parametrize("threads", [0, -1, 1025])
def test_thread_counts_out_of_range_are_refused(threads: int) -> None:
    # -1 raised OverflowError, and 20,000 threads for 4 documents took minutes.
    with pytest.raises(ValueError, match="threads must be between 1 and 1024"):
        akinv.validate_many([dumps(legacy(legacy_node()))], threads=threads)


def test_more_threads_than_documents_is_fine() -> None:
    reports = akinv.validate_many([dumps(legacy(legacy_node()))] * 3, threads=1024)
    assert [r.ok for r in reports if isinstance(r, akinv.Report)] == [True] * 3


# ---- observed anomalies (shared/samples/observed-anomalies.tsv): one fixture per row ----

CPU_WRAPPED = 2**64 - 1307616  # support#192: ~18446744073708244 "cores" = millicores / 1000
OBSERVED: list[tuple[str, dict[str, Any], list[str]]] = [
    ("support#137 wrapped GPU", legacy(legacy_node(gpu=U64_MAX)), ["wrapped-negative"]),
    (
        "support#192 wrapped allocatable CPU",
        legacy(legacy_node(allocatable={"cpu": CPU_WRAPPED}, cpu=1000)),
        ["wrapped-negative"],
    ),
    (
        "support#192 allocatable memory ~16 EiB",
        legacy(legacy_node(allocatable={"memory": int(17179863965.33 * 2**30)}, memory=1)),
        ["not-int64-safe"],
    ),
    (
        "support#192 node4 memory ~2^64",
        inventory(
            legacy_node("node4", allocatable={"memory": int(17179869145.17 * 2**30)}, memory=1), totals=False
        ),
        ["not-int64-safe"],
    ),
    (
        "support#232 wrapped available CPU",
        legacy(legacy_node(cpu=18446744073709550000)),
        ["wrapped-negative"],
    ),
    (
        "support#232 negative persistent storage",
        v1(v1_node(), storage=[{"quantity": pair("100Gi", "100.63Gi"), "info": {"class": "beta3"}}]),
        ["over-allocated"],
    ),
    (
        "support#97 negative storage size",
        legacy(legacy_node(), storage=[{"class": "beta3", "size": -275152609037}]),
        ["negative"],
    ),
    (
        "support#244 operator GPU count wrapped",
        v1(v1_node(gpu=(str(U64_MAX), "1"), gpu_info=[GPU_H100])),
        ["wrapped-negative", "gpu-info-mismatch"],
    ),
    (
        "support#429 millions of GPUs on an 8-GPU host",
        v1(v1_node(gpu=("4000000", "2"), gpu_info=[GPU_H100] * 8)),
        ["above-cap", "gpu-info-mismatch"],
    ),
    (
        "support#128/#207 GPU under-report after restart",
        v1(v1_node(gpu=("0", "0"), gpu_info=[GPU_H100] * 4)),
        ["gpu-info-mismatch"],
    ),
    ("support#275 pod sprawl inflates allocated", v1(v1_node(cpu=("64", "900"))), ["over-allocated"]),
    ("community#988 legacy GPU host at 0", legacy(legacy_node(allocatable={"gpu": 0}, gpu=0)), []),
]


@pytest.mark.parametrize(("case", "doc", "expected"), OBSERVED, ids=[c for c, _, _ in OBSERVED])
def test_observed_anomalies(case: str, doc: dict[str, Any], expected: list[str]) -> None:
    assert sorted(codes(akinv.validate(dumps(doc)))) == sorted(expected), case


def test_thin_provisioned_storage_needs_a_tighter_cap() -> None:
    # community#1518: Ceph thin disks report 2.7 PiB on ~2.7 TB of disks: plausible to the default cap.
    doc = dumps(v1(v1_node(), storage=[{"quantity": pair("2.7Pi", "1Ti"), "info": {"class": "beta3"}}]))
    assert akinv.validate(doc).ok
    assert codes(akinv.validate(doc, policy=akinv.Policy(storage_bytes=2**50))) == ["above-cap"]


def test_observed_anomalies_table_is_covered(shared_samples: Any) -> None:
    rows = shared_samples("observed-anomalies.tsv").decode().splitlines()[1:]
    issues = {row.split("\t")[0].rsplit("/", 1)[-1] for row in rows if row.strip()}
    covered = {"137", "120", "192", "232", "97", "244", "429", "128", "207", "988", "275", "1518"}
    assert issues <= covered, issues - covered


# ---- inputs and errors ----


def test_every_input_type_gives_the_same_report() -> None:
    doc = legacy(legacy_node(gpu=U64_MAX))
    data = dumps(doc)
    expected = akinv.validate(data).to_dict()
    for payload in (data, data.decode(), bytearray(data), memoryview(data), doc):
        assert akinv.validate(payload).to_dict() == expected


def test_malformed_json_says_where() -> None:
    with pytest.raises(akinv.PayloadError) as info:
        akinv.validate(b'{"cluster": {\n  "leases": 1,\n  "inventory": [}')
    assert info.value.line == 3 and info.value.column is not None
    assert "line 3" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, akinv.AkinvError)


@pytest.mark.parametrize("data", [b"", b"   ", b'{"cluster": ', b"\xff\xfe", b"[1, 2]", b"null", b"{} {}"])
def test_unreadable_input_raises_payload_error(data: bytes) -> None:
    with pytest.raises(akinv.PayloadError):
        akinv.validate(data)


def test_unknown_shape_names_the_accepted_shapes() -> None:
    with pytest.raises(akinv.PayloadError, match="legacy REST /status.*v1.Status.*inventory"):
        akinv.validate(b'{"hello": "world"}')


def test_a_str_that_is_not_unicode_text_is_a_payload_error() -> None:
    # json.loads("\"\\ud800\"") makes a lone surrogate; it raised a TypeError saying a str is
    # not a str, and aborted whole batches.
    doc = legacy(legacy_node("bad\ud800"))
    # In a field akinv skips too: its bytes would have gone into sanitize's output unread.
    skipped = {**legacy(legacy_node()), "x": "\ud800"}
    good = dumps(legacy(legacy_node()))
    for bad in (doc, skipped):
        with pytest.raises(akinv.PayloadError, match="not Unicode text"):
            akinv.validate(json.dumps(bad, ensure_ascii=False))
        with pytest.raises(akinv.PayloadError, match="not Unicode text"):
            akinv.sanitize(bad)
        reports = akinv.validate_many([good, json.dumps(bad, ensure_ascii=False), bad, good])
        assert [type(r).__name__ for r in reports] == [
            "Report",
            "MalformedJSONError",
            "MalformedJSONError",
            "Report",
        ]
        assert isinstance(reports[1], akinv.PayloadError)


@pytest.mark.parametrize(
    "bad",
    [{"x": {1, 2}}, {"x": 10**5000}, {"x": b"bytes"}],
    ids=["set", "int-past-4300-digits", "bytes"],
)
def test_a_decoded_document_that_is_not_json_is_a_payload_error(bad: dict[str, Any]) -> None:
    # json.dumps raised TypeError or ValueError out of validate, and stopped whole batches.
    doc = {**legacy(legacy_node()), **bad}
    with pytest.raises(akinv.PayloadError, match="cannot be written as JSON"):
        akinv.validate(doc)
    good = legacy(legacy_node())
    reports = akinv.validate_many([good, doc, good])
    assert [type(r).__name__ for r in reports] == ["Report", "PayloadError", "Report"]
    fixed = akinv.sanitize_many([doc, good])
    assert [type(r).__name__ for r in fixed] == ["PayloadError", "Sanitized"]


def test_any_mapping_is_a_decoded_document() -> None:
    from types import MappingProxyType

    doc = legacy(legacy_node(gpu=2**64 - 1))
    expected = akinv.validate(doc).to_dict()
    assert akinv.validate(MappingProxyType(doc)).to_dict() == expected
    nested = {**doc, "cluster": MappingProxyType(doc["cluster"])}
    assert akinv.validate(nested).to_dict() == expected


def test_wrong_input_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="status document"):
        akinv.validate(42)  # type: ignore[arg-type]


def test_schema_can_be_forced() -> None:
    empty = b'{"cluster": {"inventory": {}}}'
    with pytest.raises(akinv.UnknownShapeError):
        akinv.validate(empty)
    assert akinv.validate(dumps(v1(v1_node())), schema="v1").schema == "v1"
    # A forced schema is an assertion: a document that does not fit it is refused, naming what
    # it looks like, instead of passing with nothing read.
    with pytest.raises(akinv.UnknownShapeError, match="does not fit the legacy shape.*v1 document"):
        akinv.validate(dumps(v1(v1_node())), schema="legacy")
    with pytest.raises(akinv.UnknownShapeError, match="does not fit the v1 shape"):
        akinv.validate(empty, schema="v1")
    with pytest.raises(ValueError, match="schema"):
        akinv.validate(empty, schema="v2")  # type: ignore[arg-type]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = b'{"cluster": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    with pytest.raises(akinv.PayloadError):
        akinv.validate(deep)


def test_unknown_fields_are_ignored() -> None:
    doc = v1(v1_node())
    doc["cluster"]["inventory"]["cluster"]["nodes"][0]["capabilities"]["interconnect_fabric"] = {"x": [1, 2]}
    doc["future"] = {"gpu": "not a number"}
    assert akinv.validate(dumps(doc)).ok


def test_report_to_dict_is_json_ready() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(gpu=U64_MAX))))
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["findings"][0]["code"] == "wrapped-negative"
    assert set(data["totals"]) == {
        "cpu_millis",
        "memory_bytes",
        "gpu",
        "ephemeral_storage_bytes",
        "storage",
        "withheld",
        "unbounded",
    }


def test_gpu_groups_split_mixed_nodes() -> None:
    a100 = dict(GPU_H100, name="a100", interface="SXM4", memory_size="85899345920")
    node = v1_node(gpu=("4", "1"), gpu_info=[GPU_H100, GPU_H100, a100, a100])
    groups = {g.model: g for g in akinv.validate(dumps(v1(node))).gpus}
    assert groups["a100"].memory_size == "80Gi"  # 85899345920 bytes, normalized
    assert groups["h100"].allocatable + groups["a100"].allocatable == 4
    assert groups["h100"].available + groups["a100"].available == 3


def test_validate_many_keeps_order_and_isolates_errors() -> None:
    good = dumps(legacy(legacy_node()))
    bad = dumps(legacy(legacy_node(gpu=U64_MAX)))
    results = akinv.validate_many([good, b"{not json", bad, "also not json", good], threads=2)
    assert isinstance(results[1], akinv.PayloadError) and isinstance(results[3], akinv.PayloadError)
    assert [r.ok for r in results if isinstance(r, akinv.Report)] == [True, False, True]
    with pytest.raises(ValueError, match="threads"):
        akinv.validate_many([good], threads=0)


def test_dict_input_round_trips_big_integers() -> None:
    doc = copy.deepcopy(legacy(legacy_node(gpu=U64_MAX)))
    assert only(akinv.validate(doc), "wrapped-negative").value == U64_MAX


def test_go_nulls_are_empty_not_wrong() -> None:
    # Go's encoder writes nil slices and maps as null.
    doc = v1(v1_node(gpu_info=[]))
    doc["cluster"]["inventory"]["cluster"]["storage"] = None
    doc["cluster"]["inventory"]["cluster"]["nodes"][0]["resources"]["memory"]["info"] = None
    doc["cluster"]["inventory"]["reservations"] = None
    doc["errors"] = None
    report = akinv.validate(dumps(doc))
    assert [f.code for f in report.findings] == ["gpu-info-mismatch"]
    assert report.totals.storage == {}


def test_v1_bare_number_quantities_are_read_like_go() -> None:
    # resource.Quantity's UnmarshalJSON accepts bare numbers.
    report = akinv.validate(dumps(v1(v1_node(cpu=(32, 1.5)))))
    assert report.ok and report.nodes[0].cpu_millis.to_dict() == {
        "allocatable": 32000,
        "allocated": 1500,
        "available": 30500,
    }


def test_protojson_quantity_holding_a_number_is_wrong_type() -> None:
    node = v1_node()
    node["resources"]["memory"]["quantity"] = {"allocatable": {"string": 64}, "allocated": {"string": "1"}}
    report = akinv.validate(dumps(v1(node)))
    finding = only(report, "wrong-type")
    assert finding.path.endswith("resources.memory.quantity.allocatable") and finding.value == "64"
    sanitized = akinv.sanitize(dumps(v1(node)))
    assert b'"allocatable": {"string": "1"}' in sanitized.data


def test_report_totals_stay_within_the_integer_limit() -> None:
    # 8,200 nodes within every cap summed past int64: the total could not be stored.
    node = {"cpu": 1000, "gpu": 0, "memory": 1, "storage_ephemeral": 2**50}
    doc = {"nodes": [{"name": f"n{i}", "allocatable": node, "available": node} for i in range(8200)]}
    report = akinv.validate(doc)
    exact = 8200 * 2**50
    assert report.totals.ephemeral_storage_bytes.allocatable == 2**63 - 1
    assert report.totals.ephemeral_storage_bytes.available == 2**63 - 1
    saturated = [f for f in report.findings if f.code == "sum-saturated"]
    assert [(f.severity, f.resource, f.value) for f in saturated] == [
        ("warning", "ephemeral_storage", exact)
    ] * 2
    assert report.ok


def test_report_totals_follow_a_js_limit() -> None:
    policy = akinv.Policy(memory_bytes=2**53 - 1, int_limit="js")
    node = legacy_node("a", allocatable={"memory": 2**53 - 1}, memory=2**53 - 1)
    report = akinv.validate(legacy(node, {**node, "name": "b"}), policy=policy)
    assert report.totals.memory_bytes.allocatable == 2**53 - 1
    assert {f.value for f in report.findings if f.code == "sum-saturated"} == {2 * (2**53 - 1)}


def test_integers_past_4300_digits_are_malformed_as_for_python() -> None:
    # As json.loads refuses them (sys.get_int_max_str_digits); up to the limit they are read.
    base = dumps(legacy(legacy_node()))[:-1]
    assert akinv.validate(base + b', "x": ' + b"1" * 4300 + b"}").ok
    with pytest.raises(akinv.PayloadError, match="number out of range"):
        akinv.validate(base + b', "x": ' + b"1" * 4301 + b"}")
