"""sanitize_file: a copy of files, streams and directories with every untrusted number replaced;
what cannot be read is copied as it was, so nothing is lost."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from akinv import _akinv
from akinv.io.output import Output, replacing
from akinv.io.paths import Source, sources
from akinv.io.scanner import Schema
from akinv.io.streams import (
    DEFAULT_BATCH_BYTES,
    MAX_DOCUMENT_BYTES,
    ReadFailure,
    blocks,
    check_limits,
    document_stream,
)

if TYPE_CHECKING:
    from akinv._akinv import DocumentStream, Policy, SanitizedPart

__all__ = ["MAX_ERRORS", "SanitizeSummary", "sanitize_file"]

# Errors a summary lists; the others are counted (a stream of a billion bad lines must not fill
# memory with their messages).
MAX_ERRORS = 1000


@dataclass
class SanitizeSummary:
    """What sanitize_file did. ``errors`` lists the first ``max_errors`` documents copied unchanged
    (source, line, message); ``dropped_errors`` counts the others."""

    documents: int = 0
    changed_documents: int = 0
    changes: int = 0
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    dropped_errors: int = 0

    @property
    def unreadable(self) -> int:
        """Documents copied unchanged because they could not be read, listed or not."""
        return len(self.errors) + self.dropped_errors

    def _add(self, source: str, part: SanitizedPart) -> None:
        self.documents += part.documents
        self.changed_documents += part.changed_documents
        self.changes += part.changes
        self.reasons.update(part.reasons)
        self.errors.extend((source, line, error.message) for line, error in part.errors)
        self.dropped_errors += part.dropped

    def _error(self, source: str, message: str, keep: int) -> None:
        """A source, or the rest of one, that could not be read: one document more, unread."""
        self.documents += 1
        if len(self.errors) < keep:
            self.errors.append((source, None, message))
        else:
            self.dropped_errors += 1


def sanitize_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
    max_errors: int = MAX_ERRORS,
) -> SanitizeSummary:
    """Sanitize a document, a stream of them or a directory into ``dst`` (gzip by suffix).

    JSON Lines stay JSON Lines, in order (blank lines dropped); documents of a stream of JSON texts
    and of a directory are written compact, one a line (only blank space between tokens goes);
    a source that is one document alone is written in its own shape. A document that cannot be
    read (one over ``max_document_bytes`` too) is copied as it was and listed in ``errors``, so
    nothing is lost. ``dst`` is written under a temporary name and replaces the old file only
    once complete, so it may be ``src`` itself, and an interrupted run leaves the old file or
    none. ``-`` is stdin or stdout.
    """
    check_limits(batch_bytes, max_document_bytes)
    _akinv.validate_many([], threads=threads)
    if max_errors < 0:
        raise ValueError(f"max_errors must be at least 0, not {max_errors}")
    source = os.fspath(src)
    # A directory's documents follow one another: each goes on a line of its own.
    separate = source != "-" and os.path.isdir(source)
    job = _Job(separate, max_errors, threads, schema, policy, batch_bytes, max_document_bytes)
    summary = SanitizeSummary()
    with replacing(os.fspath(dst)) as out:
        for each in sources([source]):
            job.run(each, out, summary)
    return summary


@dataclass(frozen=True)
class _Job:
    separate: bool
    max_errors: int
    threads: int | None
    schema: Schema | None
    policy: Policy | None
    batch_bytes: int
    max_document_bytes: int

    def run(self, source: Source, out: Output, summary: SanitizeSummary) -> None:
        """One source into ``out``; what cannot be read is copied as far as it could be."""
        if source.problem is not None:
            summary._error(source.path, f"cannot read {source.path}: {source.problem}", self.max_errors)
            return
        stream = document_stream(source, self.max_document_bytes)
        failure: ReadFailure | None = None
        read = False
        for block in blocks(source, self.batch_bytes):
            if isinstance(block, ReadFailure):
                failure = block
                break
            read = True
            stream.push(block)
            self._drain(source, stream, out, summary)
        stream.end(cut=failure is not None)
        self._drain(source, stream, out, summary)
        if failure is not None:
            message = failure.describe(source.path, stream.line if read else None).message
            summary._error(source.path, message, self.max_errors)
        if self.separate and not out.at_line_start:
            # What a damaged file left ends its line: the next file's documents start their own.
            out.write(b"\n")

    def _drain(self, source: Source, stream: DocumentStream, out: Output, summary: SanitizeSummary) -> None:
        while True:
            part = stream.sanitize(
                separate=self.separate,
                keep_errors=max(0, self.max_errors - len(summary.errors)),
                threads=self.threads,
                schema=self.schema,
                policy=self.policy,
            )
            if part is None:
                return
            out.write(part.data)
            summary._add(source.path, part)
