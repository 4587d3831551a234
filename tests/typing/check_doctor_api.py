"""Type-checked with mypy --strict by scripts/test: akinv.doctor's surface accepts real use and
rejects misuse."""

from __future__ import annotations

from typing import Literal

import akinv
from akinv.doctor import Diagnosis, DoctorFinding, diagnose, examine, read_cluster

findings: list[DoctorFinding] = examine(b'{"items": []}', '{"items": []}', {"nodes": []})
severity: Literal["error", "warning", "info"] = findings[0].severity
node: str | None = findings[0].node
as_data: dict[str, object] = dict(findings[0].to_dict())
diagnosis: Diagnosis = diagnose(read_cluster({"items": []}), akinv.validate(b"{}"))
ok: bool = diagnosis.ok

examine(5)  # type: ignore[arg-type]
examine(b"{}", None, None, None)  # type: ignore[call-arg]
findings[0].severity = "error"  # type: ignore[misc]
