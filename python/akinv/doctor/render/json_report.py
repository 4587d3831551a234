"""JSON for scripts: ``{"findings": [...], "summary": {...}, "inputs": {...}, "nodes": [...]}``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping

from akinv.doctor.examine import Diagnosis
from akinv.doctor.findings import JsonValue, count_by_severity
from akinv.doctor.render.usage import node_usages

__all__ = ["render_json", "report_data", "summary"]


def summary(diagnosis: Diagnosis) -> dict[str, JsonValue]:
    counts = count_by_severity(diagnosis.findings)
    codes: dict[str, JsonValue] = dict(sorted(Counter(f.code for f in diagnosis.findings).items()))
    pods = diagnosis.cluster.pods
    return {
        "ok": diagnosis.ok,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "info": counts["info"],
        "codes": codes,
        "nodes": len(diagnosis.cluster.nodes),
        "pods": None if pods is None else len(pods),
        "status_schema": None if diagnosis.status is None else diagnosis.status.schema,
    }


def report_data(diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None) -> dict[str, JsonValue]:
    return {
        "findings": [finding.to_dict() for finding in diagnosis.findings],
        "summary": summary(diagnosis),
        "inputs": dict(inputs or {}),
        "nodes": [usage.to_dict() for usage in node_usages(diagnosis)],
    }


def render_json(diagnosis: Diagnosis, inputs: Mapping[str, str] | None = None) -> str:
    # Integers stay exact: json writes Python ints of any size digit for digit.
    return json.dumps(report_data(diagnosis, inputs), indent=2, ensure_ascii=False) + "\n"
