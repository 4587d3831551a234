"""The JSON record of one document in `akinv check --format json`: the report's own dictionary
(``Report.to_dict()``, the shape ``akinv/schemas/report.schema.json`` describes) with where the
document came from and, for one that could not be read, why (``record.schema.json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from akinv.errors import MalformedJSONError, PayloadError, PayloadTooLargeError, UnknownShapeError

if TYPE_CHECKING:
    from akinv import ScanResult

# What a document that could not be read says in each report field: nothing is known, and
# nothing looks like an empty, healthy cluster (no totals, no counters, not ready, not ok).
UNREAD: dict[str, Any] = {
    "schema": None,
    "ok": False,
    "inventory_ready": False,
    "inventory_error": None,
    "counts": {},
    "findings": [],
    "nodes": [],
    "totals": None,
    "gpus": [],
    "counters": None,
    "reservations": None,
    "public_hostnames": [],
    "address": None,
    "leased_ips": None,
}


def error_kind(error: PayloadError) -> str:
    """malformed, unknown-shape, too-large, or unreadable (the file, not the document)."""
    if isinstance(error, MalformedJSONError):
        return "malformed"
    if isinstance(error, UnknownShapeError):
        return "unknown-shape"
    if isinstance(error, PayloadTooLargeError):
        return "too-large"
    return "unreadable"


def error_dict(error: PayloadError) -> dict[str, Any]:
    return {"kind": error_kind(error), "message": error.message, "line": error.line, "column": error.column}


def record(result: ScanResult) -> dict[str, Any]:
    """The JSON record of one scanned document."""
    head: dict[str, Any] = {"source": result.source, "line": result.line}
    if result.report is None:
        error = result.error if result.error is not None else PayloadError("unreadable")
        head["error"] = error_dict(error)
        head.update(UNREAD)
        return head
    head["error"] = None
    head.update(result.report.to_dict())
    return head
