"""What the doctor says: findings with a stable code, the node, the evidence and a remedy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

__all__ = ["SEVERITIES", "DoctorFinding", "JsonValue", "Severity", "count_by_severity", "sort_findings"]

Severity: TypeAlias = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
# Evidence is plain JSON data so every renderer can show it as it is.
JsonValue: TypeAlias = "None | bool | int | str | list[JsonValue] | dict[str, JsonValue]"


@dataclass(frozen=True, slots=True)
class DoctorFinding:
    """One thing wrong (or worth knowing) about the cluster.

    ``code`` is stable and kebab-case; ``node`` is None for findings about the whole cluster;
    ``evidence`` holds the numbers and names the finding rests on, exact (integers, never floats).
    """

    code: str
    severity: Severity
    node: str | None
    message: str
    evidence: Mapping[str, JsonValue]
    remedy: str

    def __post_init__(self) -> None:
        # Frozen all the way down: a finding shared between renderers cannot be edited by one.
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "severity": self.severity,
            "node": self.node,
            "message": self.message,
            "evidence": dict(self.evidence),
            "remedy": self.remedy,
        }


def sort_findings(findings: Iterable[DoctorFinding], node_order: Iterable[str] = ()) -> list[DoctorFinding]:
    """Errors first, then warnings, then notes; within a severity, nodes in the cluster's order
    (cluster-wide findings first), then by code."""
    rank = {name: index for index, name in enumerate(node_order)}

    def key(finding: DoctorFinding) -> tuple[int, int, str, str]:
        node = finding.node
        position = -1 if node is None else rank.get(node, len(rank))
        return (SEVERITIES.index(finding.severity), position, node or "", finding.code)

    return sorted(findings, key=key)


def count_by_severity(findings: Iterable[DoctorFinding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts
