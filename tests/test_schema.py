"""One JSON shape for a report: Report.to_dict() and every `akinv check --format json` record
follow the JSON Schemas shipped in the package, checked against real output."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from documents import GPU_H100, dumps, legacy, legacy_node, v1, v1_node
from hypothesis import given
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from test_properties import SETTINGS, corrupted_documents, documents

import akinv
from akinv.cli import main
from akinv.cli.records import UNREAD, error_dict, record

SCHEMAS = resources.files("akinv") / "schemas"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


REGISTRY = Registry().with_resources(
    (name, Resource.from_contents(load(name))) for name in ("report.schema.json", "record.schema.json")
)
# The report's top level is open so that a record can add to it; a report alone has nothing else.
REPORT = Draft202012Validator(
    {"$ref": "report.schema.json", "unevaluatedProperties": False}, registry=REGISTRY
)
RECORD = Draft202012Validator(load("record.schema.json"), registry=REGISTRY)


def assert_valid(validator: Draft202012Validator, instance: Any) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def test_the_schemas_are_valid_json_schemas() -> None:
    for name in ("report.schema.json", "record.schema.json"):
        Draft202012Validator.check_schema(load(name))


def test_every_sample_report_follows_the_schema(samples: dict[str, bytes]) -> None:
    for data in samples.values():
        report = akinv.validate(data)
        assert_valid(REPORT, report.to_dict())
        assert_valid(REPORT, akinv.sanitize(data).report.to_dict())


def test_the_schema_rejects_what_a_report_never_holds(samples: dict[str, bytes]) -> None:
    # A test that cannot fail proves nothing: the schema must notice a changed shape.
    report = akinv.validate(samples["v1-go-json-gpu-device-plugin-restart.json"]).to_dict()
    broken: list[dict[str, Any]] = [
        {**report, "extra": 1},
        {**report, "findings": [{**report["findings"][0], "value": 2**64}]},  # beyond int64, not a string
        {**report, "nodes": [{**report["nodes"][0], "gpu": {"allocatable": 1}}]},
        {**report, "counts": {"no-such-code": 1}},
        {k: v for k, v in report.items() if k != "ok"},
    ]
    for instance in broken:
        assert not REPORT.is_valid(instance)


@SETTINGS
@given(documents())
def test_generated_reports_follow_the_schema(generated: tuple[str, dict[str, Any], Any]) -> None:
    _, doc, _ = generated
    assert_valid(REPORT, akinv.validate(doc).to_dict())


@SETTINGS
@given(corrupted_documents())
def test_generated_broken_reports_follow_the_schema(corrupted: tuple[str, dict[str, Any]]) -> None:
    _, doc = corrupted
    for policy in (None, akinv.Policy(int_limit="js")):
        report = akinv.validate(doc, policy=policy).to_dict()
        assert_valid(REPORT, report)
        # Every JSON library can write and read it back exactly: no integer beyond int64.
        assert orjson.loads(orjson.dumps(report)) == report == json.loads(json.dumps(report))


def test_a_value_of_2_to_the_64_is_a_string_every_json_library_writes() -> None:
    report = akinv.validate(dumps(legacy(legacy_node(gpu=2**64 + 5))))
    [finding] = [f for f in report.findings if f.path.endswith("available.gpu")]
    assert finding.value == 2**64 + 5  # exact in Python
    data = report.to_dict()
    assert data["findings"][0]["value"] == str(2**64 + 5)
    assert orjson.loads(orjson.dumps(data)) == data
    assert_valid(REPORT, data)


def check_records(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    main(["check", "--format", "json", *args])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for r in records:
        assert_valid(RECORD, r)
    return records


def test_check_records_are_the_report_dict_with_source_line_and_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "docs.jsonl"
    docs = [dumps(legacy(legacy_node())), dumps(v1(v1_node(gpu=("0", "5"), gpu_info=[GPU_H100] * 8)))]
    path.write_bytes(b"\n".join(docs) + b"\n")
    records = check_records([str(path), "--demo"], capsys)
    assert len(records) == 2 + 6
    for r, doc in zip(records, docs, strict=False):
        assert r == {"source": str(path), "line": r["line"], "error": None, **akinv.validate(doc).to_dict()}
    assert [r["line"] for r in records[:2]] == [1, 2]
    # What an indexer needs is there: nodes with devices and storage classes, GPU groups, counts.
    v1_record = records[1]
    assert v1_record["nodes"][0]["gpu_devices"][0]["model"] == "h100"
    assert v1_record["nodes"][0]["storage_classes"] == ["beta3"]
    assert v1_record["counts"] == {"over-allocated": 1, "gpu-info-mismatch": 1}
    assert v1_record["gpus"][0]["devices"] == 8 and v1_record["inventory_ready"] is True


def test_unreadable_documents_say_why_and_look_like_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"cluster": ')
    shapeless = tmp_path / "shapeless.json"
    shapeless.write_bytes(b'{"hello": "world"}')
    missing = tmp_path / "missing.json"
    records = check_records([str(broken), str(shapeless), str(missing)], capsys)
    assert [r["error"]["kind"] for r in records] == ["malformed", "unknown-shape", "unreadable"]
    assert (records[0]["error"]["line"], records[0]["error"]["column"]) == (1, 13)
    for r in records:
        assert {k: v for k, v in r.items() if k not in ("source", "line", "error")} == UNREAD
        assert r["ok"] is False and r["totals"] is None
    assert set(UNREAD) == set(akinv.validate(dumps(legacy(legacy_node()))).to_dict())


def test_a_document_too_large_is_its_own_kind() -> None:
    error = akinv.PayloadTooLargeError("document of 300000000 bytes is larger than the limit")
    made = record(akinv.ScanResult("big.json", None, None, error))
    assert (
        made["error"]
        == error_dict(error)
        == {
            "kind": "too-large",
            "message": error.message,
            "line": None,
            "column": None,
        }
    )
    assert_valid(RECORD, made)


def test_inventory_not_ready_is_not_an_empty_healthy_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    # The legacy REST handler says "error": {} while the provider's inventory is not ready.
    not_ready = {"cluster": {"leases": 0, "inventory": {"error": {}}}, "bidengine": {"orders": 0}}
    report = akinv.validate(not_ready)
    assert report.inventory_ready is False and report.inventory_error == "{}"
    data = report.to_dict()
    assert data["inventory_ready"] is False and data["inventory_error"] == "{}"
    assert_valid(REPORT, data)
    assert "inventory_ready=False, inventory_error='{}'" in repr(report)
