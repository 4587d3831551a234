"""scan: every document of files, JSON Lines, JSON texts one after another, gzip, directories and
standard input, validated lazily; what cannot be read is a result, never an exception."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Literal, NamedTuple

from akinv import _akinv
from akinv.errors import PayloadError
from akinv.io.paths import Source, as_paths, sources
from akinv.io.streams import (
    DEFAULT_BATCH_BYTES,
    MAX_DOCUMENT_BYTES,
    ReadFailure,
    blocks,
    check_limits,
    document_stream,
)

if TYPE_CHECKING:
    from akinv._akinv import DocumentStream, Policy, Report

__all__ = ["ScanResult", "Schema", "scan"]

Schema = Literal["legacy", "v1", "inventory"]


class ScanResult(NamedTuple):
    """One document's outcome: where it came from (``line`` is the line it starts on, None for
    a source that is one document alone) and its report or error.

    A named tuple: a scan builds one per document, and these are cheap to make."""

    source: str
    line: int | None
    report: Report | None
    error: PayloadError | None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


def scan(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> Generator[ScanResult, None, None]:
    """Validate every document in files, JSON Lines (optionally gzip) and directories, lazily.

    ``-`` reads standard input. Unreadable or malformed documents are results with an error,
    never exceptions, so one bad line does not stop a scan of years of history. Memory stays
    near three blocks of ``batch_bytes`` and the largest document (refused past
    ``max_document_bytes``), whatever the input.
    """
    check_limits(batch_bytes, max_document_bytes)
    # Bad thread counts are refused at the call, as the core refuses them (an empty batch).
    _akinv.validate_many([], threads=threads)
    return _scan(as_paths(paths), threads, schema, policy, batch_bytes, max_document_bytes)


def _scan(
    paths: Iterable[str],
    threads: int | None,
    schema: Schema | None,
    policy: Policy | None,
    batch_bytes: int,
    max_document_bytes: int,
) -> Generator[ScanResult, None, None]:
    for source in sources(paths):
        if source.problem is not None:
            error = PayloadError(f"cannot read {source.path}: {source.problem}")
            yield ScanResult(source.path, None, None, error)
            continue
        stream = document_stream(source, max_document_bytes)
        check = (threads, schema, policy)
        failure: ReadFailure | None = None
        read = False
        for block in blocks(source, batch_bytes):
            if isinstance(block, ReadFailure):
                failure = block
                break
            read = True
            stream.push(block)
            yield from _results(source, stream, *check)
        stream.end(cut=failure is not None)
        yield from _results(source, stream, *check)
        if failure is not None:
            error = failure.describe(source.path, stream.line if read else None)
            yield ScanResult(source.path, None, None, error)


def _results(
    source: Source,
    stream: DocumentStream,
    threads: int | None,
    schema: Schema | None,
    policy: Policy | None,
) -> Iterator[ScanResult]:
    """The results of the documents ``stream`` has found so far."""
    while outcomes := stream.validate(threads=threads, schema=schema, policy=policy):
        for line, outcome in outcomes:
            if isinstance(outcome, PayloadError):
                yield ScanResult(source.path, line, None, outcome)
            else:
                yield ScanResult(source.path, line, outcome, None)
