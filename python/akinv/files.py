"""Streaming files through the core: JSON, JSON Lines, gzip, directories, stdin.

Memory stays bounded: JSON Lines are read in batches of at most ``batch_bytes`` and each
batch goes to the core in one call with the GIL released.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from akinv import _akinv
from akinv.errors import PayloadError

if TYPE_CHECKING:
    from akinv._akinv import Policy, Report, Sanitized

__all__ = ["ScanResult", "SanitizeSummary", "iter_documents", "sanitize_file", "scan"]

# Larger single documents are refused by the core; say so without reading them.
MAX_DOCUMENT_BYTES = 256 << 20
DEFAULT_BATCH_BYTES = 8 << 20
_LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_DOCUMENT_SUFFIXES = (".json", ".json.gz")

Schema = Literal["legacy", "v1", "inventory"]
_Stream = IO[bytes] | gzip.GzipFile


@dataclass(frozen=True)
class ScanResult:
    """One document's outcome: where it came from and its report or error."""

    source: str
    line: int | None
    report: Report | None
    error: PayloadError | None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


@dataclass(frozen=True)
class _Document:
    source: str
    line: int | None
    data: bytes
    error: PayloadError | None = None


def _expand(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    for raw in paths:
        path = os.fspath(raw)
        if path != "-" and os.path.isdir(path):
            for found in sorted(Path(path).rglob("*")):
                if found.is_file() and found.name.endswith(_LINE_SUFFIXES + _DOCUMENT_SUFFIXES):
                    yield str(found)
        else:
            yield path


def _open(path: str) -> _Stream:
    if path == "-":
        return sys.stdin.buffer
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _is_single_json_error(error: PayloadError) -> bool:
    """True when a whole text failed as one document because more followed the first value."""
    return "TrailingCharacters" in error.message or "trailing characters" in error.message


def iter_documents(paths: Iterable[str | os.PathLike[str]]) -> Iterator[_Document]:
    """Every document in the inputs, one at a time, with its source and 1-based line."""
    for path in _expand(paths):
        try:
            if path.endswith(_LINE_SUFFIXES):
                yield from _lines(path)
            elif path != "-" and not path.endswith(".gz") and os.path.getsize(path) > MAX_DOCUMENT_BYTES:
                size = os.path.getsize(path)
                message = f"document of {size} bytes is larger than the {MAX_DOCUMENT_BYTES}-byte limit"
                yield _Document(path, None, b"", PayloadError(message))
            else:
                with _open(path) as handle:
                    data = handle.read(MAX_DOCUMENT_BYTES + 1)
                if path.endswith(_DOCUMENT_SUFFIXES) or not _looks_like_lines(data):
                    yield _Document(path, None, data)
                else:
                    yield from _split_lines(path, data)
        except OSError as error:
            yield _Document(path, None, b"", PayloadError(f"cannot read {path}: {error.strerror or error}"))


def _looks_like_lines(data: bytes) -> bool:
    """stdin and unknown suffixes: one JSON value is a document, several lines are JSON Lines."""
    try:
        _akinv.validate(data)
    except PayloadError as error:
        return _is_single_json_error(error)
    return False


def _split_lines(source: str, data: bytes) -> Iterator[_Document]:
    for number, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield _Document(source, number, line)


def _lines(path: str) -> Iterator[_Document]:
    with _open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _Document(path, number, line.rstrip(b"\r\n"))


def _batches(documents: Iterable[_Document], batch_bytes: int) -> Iterator[list[_Document]]:
    batch: list[_Document] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += len(document.data)
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def scan(
    paths: Iterable[str | os.PathLike[str]],
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> Iterator[ScanResult]:
    """Validate every document in files, JSON Lines (optionally gzip) and directories, lazily.

    ``-`` reads standard input. Unreadable or malformed documents are results with an error,
    never exceptions, so one bad line does not stop a scan of years of history.
    """
    for batch in _batches(iter_documents(paths), batch_bytes):
        readable = [d for d in batch if d.error is None]
        results = iter(
            _akinv.validate_many([d.data for d in readable], threads=threads, schema=schema, policy=policy)
        )
        for document in batch:
            outcome = document.error if document.error is not None else next(results)
            if isinstance(outcome, PayloadError):
                yield ScanResult(document.source, document.line, None, outcome)
            else:
                yield ScanResult(document.source, document.line, outcome, None)


@dataclass
class SanitizeSummary:
    """What sanitize_file did."""

    documents: int = 0
    changed_documents: int = 0
    changes: int = 0
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)


def sanitize_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> SanitizeSummary:
    """Sanitize a JSON document or a JSON Lines file (gzip by suffix) into ``dst``.

    JSON Lines stay JSON Lines, in order (blank lines dropped); a line that cannot be read is copied as it
    was and listed in ``errors``, so nothing is lost. ``-`` is stdin or stdout.
    """
    summary = SanitizeSummary()
    target = os.fspath(dst)
    out: _Stream
    if target == "-":
        out = sys.stdout.buffer
    elif target.endswith(".gz"):
        out = gzip.open(target, "wb")
    else:
        out = open(target, "wb")
    try:
        documents = iter_documents([src])
        for batch in _batches(documents, batch_bytes):
            readable = [d for d in batch if d.error is None]
            results = iter(
                _akinv.sanitize_many(
                    [d.data for d in readable], threads=threads, schema=schema, policy=policy
                )
            )
            for document in batch:
                outcome: Sanitized | PayloadError = document.error or next(results)
                summary.documents += 1
                if isinstance(outcome, PayloadError):
                    summary.errors.append((document.source, document.line, outcome.message))
                    data = document.data
                else:
                    data = outcome.data
                    changes = outcome.changes
                    if changes:
                        summary.changed_documents += 1
                        summary.changes += len(changes)
                        summary.reasons.update(c.reason for c in changes)
                out.write(data)
                if document.line is not None:
                    out.write(b"\n")
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    return summary
