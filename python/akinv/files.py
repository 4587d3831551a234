"""Streaming files through the core: JSON, JSON Lines, gzip, directories, stdin.

Memory stays bounded: JSON Lines are read in batches of at most ``batch_bytes`` and each
batch goes to the core in one call with the GIL released.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, NamedTuple

from akinv import _akinv
from akinv.errors import PayloadError

if TYPE_CHECKING:
    from akinv._akinv import Policy, Report, Sanitized

__all__ = ["SanitizeSummary", "ScanResult", "Schema", "sanitize_file", "scan"]

# Larger single documents are refused by the core; say so without reading them.
MAX_DOCUMENT_BYTES = 256 << 20
# 2 MiB: each fresh read costs page faults, which grow with the block (a 20 MB scan on one thread
# took 51.8, 52.1, 54.4 and 55.4 ms with 1, 2, 4 and 8 MiB blocks, and on two threads 31.0, 30.5,
# 31.9 and 33.4 ms); 2 MiB is still about 500 documents per parallel batch.
DEFAULT_BATCH_BYTES = 2 << 20
_LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_DOCUMENT_SUFFIXES = (".json", ".json.gz")

Schema = Literal["legacy", "v1", "inventory"]
_Stream = IO[bytes] | gzip.GzipFile
# What a damaged file raises while it is read: OSError (gzip.BadGzipFile among them), EOFError
# for a truncated gzip stream, zlib.error for corrupt compressed data.
_READ_ERRORS = (OSError, EOFError, zlib.error)


class ScanResult(NamedTuple):
    """One document's outcome: where it came from and its report or error.

    A named tuple: a scan builds one per document, and these are cheap to make."""

    source: str
    line: int | None
    report: Report | None
    error: PayloadError | None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


@dataclass(frozen=True)
class _Unit:
    """What one read produced: a whole document (``first_line`` None), or whole JSON Lines
    ``data[start:end]`` numbered from ``first_line``, or an error reading ``source``."""

    source: str
    data: bytes
    first_line: int | None = None
    error: PayloadError | None = None
    start: int = 0
    end: int | None = None


def _expand(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    for raw in paths:
        path = os.fspath(raw)
        if path != "-" and os.path.isdir(path):
            for found in sorted(Path(path).rglob("*")):
                if found.is_file() and found.name.endswith(_LINE_SUFFIXES + _DOCUMENT_SUFFIXES):
                    yield str(found)
        else:
            yield path


def _open(path: str) -> AbstractContextManager[_Stream]:
    if path == "-":
        # Standard input stays open: it is the caller's, and may be named again.
        return nullcontext(sys.stdin.buffer)
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _is_single_json_error(error: PayloadError) -> bool:
    """True when a whole text failed as one document because more followed the first value."""
    return "trailing characters" in error.message


def _looks_like_lines(data: bytes) -> bool:
    """stdin and unknown suffixes: one JSON value is a document, several lines are JSON Lines."""
    try:
        _akinv.validate(data)
    except PayloadError as error:
        return _is_single_json_error(error)
    return False


def _read_block(handle: _Stream, size: int) -> tuple[bytes, BaseException | None]:
    """Up to ``size`` bytes, and the error that cut the read short, if any.

    A damaged gzip stream raises from ``read`` and drops all that call decompressed, so what
    came before the damage is read piece by piece: after seeking back to where the failed read
    began (healthy blocks keep the one fast read), or from the outset when the file cannot seek
    (a pipe)."""
    if not isinstance(handle, gzip.GzipFile):
        return handle.read(size), None
    fileobj = handle.fileobj
    if not (isinstance(fileobj, io.IOBase) and fileobj.seekable()):
        return _read_pieces(handle, size)
    start = handle.tell()
    try:
        return handle.read(size), None
    except _READ_ERRORS as error:
        try:
            handle.seek(start)
        except _READ_ERRORS:
            return b"", error
        return _read_pieces(handle, size)[0], error


def _read_pieces(handle: gzip.GzipFile, size: int) -> tuple[bytes, BaseException | None]:
    pieces: list[bytes] = []
    missing = size
    try:
        while missing > 0 and (piece := handle.read1(missing)):
            pieces.append(piece)
            missing -= len(piece)
    except _READ_ERRORS as error:
        return b"".join(pieces), error
    return b"".join(pieces), None


def _read_ahead(handle: _Stream, size: int) -> Generator[bytes, None, None]:
    """The stream's blocks of ``size`` bytes, then a raise of the error that stopped it, if any.
    After a full first block, each next one is read on a helper thread while the caller works on
    the current one: reads and the core both release the GIL, so neither waits for the other.
    About three blocks are alive at a time: the one being read, the one being worked on, the one
    before it."""
    block, error = _read_block(handle, size)
    # Most files fit in one block: a thread only for those that do not.
    reader = None
    if len(block) == size and error is None:
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="akinv-read")
    try:
        while block:
            pending = _submit_read(reader, handle, size) if error is None else None
            yield block
            if error is not None:
                break
            block, error = pending.result() if pending is not None else _read_block(handle, size)
    finally:
        if reader is not None:
            reader.shutdown()
    if error is not None:
        raise error


def _submit_read(
    reader: ThreadPoolExecutor | None, handle: _Stream, size: int
) -> Future[tuple[bytes, BaseException | None]] | None:
    if reader is None:
        return None
    try:
        return reader.submit(_read_block, handle, size)
    except RuntimeError:
        # Executors refuse work once the interpreter is shutting down (a scan run from atexit,
        # or in a thread that outlives the main one): the caller's thread reads instead.
        return None


def _line_chunks(path: str, batch_bytes: int) -> Iterator[_Unit]:
    """A JSON Lines file, in blocks of about ``batch_bytes``."""
    # closing(): the helper thread is done with the handle before the handle is closed, even when
    # the caller stops early.
    with _open(path) as handle, closing(_read_ahead(handle, batch_bytes)) as blocks:
        yield from _lines_of(path, blocks)


def _lines_of(path: str, blocks: Iterable[bytes]) -> Iterator[_Unit]:
    """Whole lines of a stream of blocks: memory stays bounded by the block size (or the longest
    line). A block goes to the core with offsets, not sliced (copied); only a line that
    straddles two blocks is copied."""
    first_line, carry = 1, b""
    try:
        for block in blocks:
            if carry:
                # Finish the straddling line first, from what was carried and this block's head.
                newline = block.find(b"\n")
                if newline < 0:
                    carry += block
                    continue
                yield _Unit(path, carry + block[: newline + 1], first_line)
                first_line += 1
                start = newline + 1
            else:
                start = 0
            end = block.rfind(b"\n", start) + 1
            if end > start:
                yield _Unit(path, block, first_line, start=start, end=end)
                # The core counts with SIMD; bytes.count took 5 ms of a 60 ms scan of 20 MB.
                first_line += _akinv.lines_ended(block, start=start, end=end)
            carry = block[max(end, start) :]
    except _READ_ERRORS as error:
        # A truncated or corrupt file: every whole line before the damage has been read, and
        # the part of the next one that could be goes with the error (sanitize_file keeps it).
        yield _Unit(path, carry, error=_read_error(path, error, f" from line {first_line}"))
        return
    if carry:
        yield _Unit(path, carry, first_line)


def _units(paths: Iterable[str | os.PathLike[str]], batch_bytes: int) -> Iterator[_Unit]:
    for path in _expand(paths):
        try:
            if path.endswith(_LINE_SUFFIXES):
                yield from _line_chunks(path, batch_bytes)
            elif path.endswith(".json") and os.path.getsize(path) > MAX_DOCUMENT_BYTES:
                size = os.path.getsize(path)
                message = f"document of {size} bytes is larger than the {MAX_DOCUMENT_BYTES}-byte limit"
                yield _Unit(path, b"", error=PayloadError(message))
            elif path.endswith(_DOCUMENT_SUFFIXES):
                with _open(path) as handle:
                    data = handle.read(MAX_DOCUMENT_BYTES + 1)
                yield _Unit(path, data)
            else:
                yield from _document_or_lines(path, batch_bytes)
        except _READ_ERRORS as error:
            yield _Unit(path, b"", error=_read_error(path, error))


def _document_or_lines(path: str, batch_bytes: int) -> Iterator[_Unit]:
    """Standard input and files of other names: one JSON document, or JSON Lines, which are read
    on as a stream when the first block shows them (memory bounded by the block, not the input)."""
    with _open(path) as handle:
        head = handle.read(batch_bytes)
        if _looks_like_lines(head):
            with closing(_read_ahead(handle, batch_bytes)) as blocks:
                yield from _lines_of(path, chain([head], blocks))
            return
        # One document, or lines longer than a block: read whole, up to the limit.
        rest = handle.read(MAX_DOCUMENT_BYTES + 1 - len(head))
    data = head + rest
    # A document that fit in the first block was just judged: validating it again to decide
    # would be a third read of it by the core.
    if rest and _looks_like_lines(data):
        yield _Unit(path, data, first_line=1)
    else:
        yield _Unit(path, data)


def _read_error(path: str, error: BaseException, where: str = "") -> PayloadError:
    reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
    return PayloadError(f"cannot read {path}{where}: {reason}")


def _grouped(units: Iterable[_Unit], batch_bytes: int) -> Iterator[list[_Unit]]:
    """Single documents in batches of about ``batch_bytes`` (one core call each, in parallel);
    chunks of lines and errors alone. Order is kept."""
    batch: list[_Unit] = []
    size = 0
    for unit in units:
        if unit.first_line is None and unit.error is None:
            batch.append(unit)
            size += len(unit.data)
            if size < batch_bytes:
                continue
        if batch:
            yield batch
            batch, size = [], 0
        if unit.first_line is not None or unit.error is not None:
            yield [unit]
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
    for group in _grouped(_units(paths, batch_bytes), batch_bytes):
        first = group[0]
        if first.error is not None:
            yield ScanResult(first.source, None, None, first.error)
        elif first.first_line is not None:
            results = _akinv.validate_lines(
                first.data,
                first_line=first.first_line,
                start=first.start,
                end=first.end,
                threads=threads,
                schema=schema,
                policy=policy,
            )
            for line, outcome in results:
                yield _result(first.source, line, outcome)
        else:
            documents = [unit.data for unit in group]
            outcomes = _akinv.validate_many(documents, threads=threads, schema=schema, policy=policy)
            for unit, outcome in zip(group, outcomes, strict=True):
                yield _result(unit.source, None, outcome)


def _result(source: str, line: int | None, outcome: Report | PayloadError) -> ScanResult:
    if isinstance(outcome, PayloadError):
        return ScanResult(source, line, None, outcome)
    return ScanResult(source, line, outcome, None)


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

    def record(outcome: Sanitized | PayloadError, original: bytes, source: str, line: int | None) -> None:
        summary.documents += 1
        if isinstance(outcome, PayloadError):
            summary.errors.append((source, line, outcome.message))
            out.write(original)
        else:
            out.write(outcome.data)
            if outcome.changes:
                summary.changed_documents += 1
                summary.changes += len(outcome.changes)
                summary.reasons.update(c.reason for c in outcome.changes)
        if line is not None:
            out.write(b"\n")

    try:
        for unit in _units([src], batch_bytes):
            if unit.error is not None:
                record(unit.error, unit.data, unit.source, None)
            elif unit.first_line is not None:
                results = _akinv.sanitize_lines(
                    unit.data,
                    first_line=unit.first_line,
                    start=unit.start,
                    end=unit.end,
                    threads=threads,
                    schema=schema,
                    policy=policy,
                )
                for line, sanitized, original in results:
                    record(sanitized, original or b"", unit.source, line)
            else:
                whole: Sanitized | PayloadError
                try:
                    whole = _akinv.sanitize(unit.data, schema=schema, policy=policy)
                except PayloadError as error:
                    whole = error
                record(whole, unit.data, unit.source, None)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    return summary
