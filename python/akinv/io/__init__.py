"""Reading files and streams through the core: paths and directories, blocks and gzip, scan and
sanitize_file. Splitting a stream into documents and telling its format are the core's
(``akinv._akinv.DocumentStream``); this package reads, writes and keeps the tallies."""

from __future__ import annotations

from akinv.io.sanitize import MAX_ERRORS, SanitizeSummary, sanitize_file
from akinv.io.scanner import ScanResult, Schema, scan
from akinv.io.streams import DEFAULT_BATCH_BYTES, MAX_DOCUMENT_BYTES, read_document

__all__ = [
    "DEFAULT_BATCH_BYTES",
    "MAX_DOCUMENT_BYTES",
    "MAX_ERRORS",
    "SanitizeSummary",
    "ScanResult",
    "Schema",
    "read_document",
    "sanitize_file",
    "scan",
]
