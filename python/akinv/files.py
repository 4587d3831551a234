"""Streaming files through the core: JSON, JSON Lines, gzip, directories, stdin.

Memory stays bounded: JSON Lines are read in batches of at most ``batch_bytes`` and each
batch goes to the core in one call with the GIL released.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import secrets
import shutil
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext, suppress
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
_ALL_SUFFIXES = _LINE_SUFFIXES + _DOCUMENT_SUFFIXES
_NON_BLANK = re.compile(rb"\S")

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
    # A document over the size limit: the rest of its stream, unread, which sanitize_file copies
    # on after ``data`` (open only until the next unit is asked for).
    remainder: _Stream | None = None


def _paths(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> Iterator[str]:
    """The paths asked for, lazily: one path given alone (a common slip) is that path, not its
    letters."""
    if isinstance(paths, str | os.PathLike):
        yield os.fspath(paths)
        return
    for path in paths:
        yield os.fspath(path)


def _expand(paths: Iterable[str]) -> Iterator[str | _Unit]:
    """Each path, with directories replaced by the status files under them (sorted), and an error
    unit for a directory that cannot be listed."""
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        found: list[str] = []
        failed: list[OSError] = []
        for folder, _, names in os.walk(path, onerror=failed.append):
            for name in names:
                found_path = os.path.join(folder, name)
                # Regular files only: a FIFO would block the scan, a socket cannot be read.
                if name.endswith(_ALL_SUFFIXES) and os.path.isfile(found_path):
                    found.append(found_path)
        yield from sorted(found, key=lambda name: Path(name).parts)
        for error in failed:
            yield _Unit(error.filename or path, b"", error=_read_error(error.filename or path, error))


def _open(path: str) -> AbstractContextManager[_Stream]:
    if path == "-":
        if sys.stdin is None:
            raise OSError("standard input is closed")
        # Standard input stays open: it is the caller's, and may be named again.
        return nullcontext(sys.stdin.buffer)
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _is_single_json_error(error: PayloadError) -> bool:
    """True when a whole text failed as one document because more followed the first value."""
    return "trailing characters" in error.message


def _looks_like_lines(data: bytes) -> bool:
    """stdin and unknown suffixes: one JSON value is a document, several lines are JSON Lines.

    A broken first line, or one that is not an object, does not make the whole stream one bad
    document: a later line that is a JSON object on its own says lines (a pretty-printed document
    has no such line)."""
    first_end = data.find(b"\n")
    if first_end < 0 or _NON_BLANK.search(data, first_end) is None:
        return False
    try:
        _akinv.validate(data)
    except PayloadError as error:
        return _is_single_json_error(error) or _has_object_line(data, first_end + 1)
    return False


def _has_object_line(data: bytes, start: int) -> bool:
    """Whether the first non-blank line of ``data`` from ``start`` is a JSON object."""
    blank = _NON_BLANK.search(data, start)
    if blank is None:
        return False
    end = data.find(b"\n", blank.start())
    line = data[blank.start() : end if end >= 0 else len(data)]
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
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


def _units(paths: Iterable[str], batch_bytes: int) -> Iterator[_Unit]:
    for path in _expand(paths):
        if isinstance(path, _Unit):
            yield path
            continue
        try:
            if path.endswith(_LINE_SUFFIXES):
                yield from _line_chunks(path, batch_bytes)
            elif path.endswith(_DOCUMENT_SUFFIXES):
                with _open(path) as handle:
                    yield _document(path, handle, b"")
            else:
                yield from _document_or_lines(path, batch_bytes)
        except _READ_ERRORS as error:
            yield _Unit(path, b"", error=_read_error(path, error))


def _document(path: str, handle: _Stream, head: bytes) -> _Unit:
    """One document: ``head`` and the rest of ``handle``, up to the size limit. Past it, the unit
    is an error whose remainder is the unread rest (a plain file that is too large is not read)."""
    size = _plain_file_size(handle)
    if size is None or size <= MAX_DOCUMENT_BYTES:
        # read(n) with n below zero would read everything.
        head += handle.read(max(0, MAX_DOCUMENT_BYTES + 1 - len(head)))
        if len(head) <= MAX_DOCUMENT_BYTES:
            return _Unit(path, head)
        size = None
    described = "document" if size is None else f"document of {size} bytes"
    message = f"{described} is larger than the {MAX_DOCUMENT_BYTES}-byte limit"
    return _Unit(path, head, error=PayloadError(message), remainder=handle)


def _plain_file_size(handle: _Stream) -> int | None:
    """The size of an uncompressed regular file, known without reading it; None for the rest."""
    if isinstance(handle, gzip.GzipFile):
        return None
    try:
        status = os.fstat(handle.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _document_or_lines(path: str, batch_bytes: int) -> Iterator[_Unit]:
    """Standard input and files of other names: one JSON document, or JSON Lines, which are read
    on as a stream when the head shows them (memory bounded by the block, not the input)."""
    with _open(path) as handle:
        head = _head(handle, batch_bytes)
        if _looks_like_lines(head):
            with closing(_read_ahead(handle, batch_bytes)) as blocks:
                yield from _lines_of(path, chain([head], blocks))
        else:
            yield _document(path, handle, head)


def _head(handle: _Stream, batch_bytes: int) -> bytes:
    """The first block, read on while it does not hold a whole second line (the first line is
    longer than a block, or blank lines follow it), up to the size limit: enough to tell a
    document from JSON Lines. Each byte is searched once."""
    head = bytearray(handle.read(batch_bytes))
    first_end = head.find(b"\n")
    # Where to look next: for the first newline, then for the second line, then for its end.
    looked = len(head) if first_end < 0 else first_end
    second = -1
    while len(head) <= MAX_DOCUMENT_BYTES:
        if first_end >= 0 and second < 0:
            found = _NON_BLANK.search(head, looked)
            second, looked = (found.start(), found.start()) if found else (-1, len(head))
        if second >= 0 and head.find(b"\n", looked) >= 0:
            break
        if second >= 0:
            looked = len(head)
        more = handle.read(batch_bytes)
        if not more:
            break
        head += more
        if first_end < 0:
            first_end = head.find(b"\n", looked)
            looked = len(head) if first_end < 0 else first_end
    return bytes(head)


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
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> Generator[ScanResult, None, None]:
    """Validate every document in files, JSON Lines (optionally gzip) and directories, lazily.

    ``-`` reads standard input. Unreadable or malformed documents are results with an error,
    never exceptions, so one bad line does not stop a scan of years of history.
    """
    _check_batch_bytes(batch_bytes)
    _check_threads(threads)
    return _scan(_paths(paths), threads, schema, policy, batch_bytes)


def _check_batch_bytes(batch_bytes: int) -> None:
    if batch_bytes < 1:
        raise ValueError(f"batch_bytes must be at least 1, not {batch_bytes}")


def _check_threads(threads: int | None) -> None:
    """Bad thread counts are refused at the call, as the core refuses them (an empty batch)."""
    _akinv.validate_many([], threads=threads)


def _scan(
    paths: Iterable[str],
    threads: int | None,
    schema: Schema | None,
    policy: Policy | None,
    batch_bytes: int,
) -> Generator[ScanResult, None, None]:
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

    JSON Lines stay JSON Lines, in order (blank lines dropped); a line or document that cannot be
    read (one over the 256 MiB limit too) is copied as it was and listed in ``errors``, so nothing
    is lost. A directory's documents are written one after another, each ending with a newline.
    ``dst`` may be ``src`` itself (or lie in the directory ``src``): it is then replaced only once
    the output is complete. ``-`` is stdin or stdout.
    """
    _check_batch_bytes(batch_bytes)
    _check_threads(threads)
    summary = SanitizeSummary()
    source = os.fspath(src)
    # A directory's documents follow one another: each ends with a newline, so compact ones
    # make JSON Lines and none runs into the next.
    separate = source != "-" and os.path.isdir(source)
    with _output(os.fspath(dst), source) as out:
        _sanitize_units(_units([source], batch_bytes), _Tail(out), summary, separate, threads, schema, policy)
    return summary


class _Tail:
    """An output that remembers whether what it last wrote ended a line."""

    def __init__(self, out: _Stream) -> None:
        self.out = out
        self.at_line_start = True

    def write(self, data: bytes) -> None:
        if data:
            self.out.write(data)
            self.at_line_start = data.endswith(b"\n")


@contextmanager
def _output(target: str, source: str) -> Iterator[_Stream]:
    """Where sanitize_file writes: stdout, or ``target`` opened for writing. When ``target`` is
    (or lies under) ``source``, writing it would destroy what is still to be read: the output then
    goes to a new file beside it, which replaces it (keeping its mode) only once complete."""
    if target == "-":
        if sys.stdout is None:
            raise OSError("standard output is closed")
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if not _overwrites(target, source):
        with open(target, "wb") as plain, _packed(plain, target) as out:
            yield out
        return
    real = os.path.realpath(target)
    folder, name = os.path.split(real)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
    # Created as open() would create the output (0o666 less the umask); an existing output's
    # mode is copied over at the end.
    raw = os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    try:
        with raw, _packed(raw, target) as out:
            yield out
        if os.path.exists(real):
            shutil.copymode(real, temporary)
        os.replace(temporary, real)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


@contextmanager
def _packed(raw: IO[bytes], target: str) -> Iterator[_Stream]:
    if target.endswith(".gz"):
        with gzip.GzipFile(filename=target, mode="wb", fileobj=raw) as packed:
            yield packed
    else:
        yield raw


def _overwrites(target: str, source: str) -> bool:
    """Whether writing ``target`` would overwrite the file ``source``, or a file under the
    directory ``source`` (which would then be read as an input while being written)."""
    if source == "-":
        return False
    real, read = os.path.realpath(target), os.path.realpath(source)
    if real == read:
        return os.path.isfile(real)
    return os.path.isdir(read) and real.startswith(read.rstrip(os.sep) + os.sep)


def _sanitize_units(
    units: Iterable[_Unit],
    out: _Tail,
    summary: SanitizeSummary,
    separate: bool,
    threads: int | None,
    schema: Schema | None,
    policy: Policy | None,
) -> None:
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

    for unit in units:
        if unit.error is not None:
            record(unit.error, unit.data, unit.source, None)
            if unit.remainder is not None:
                _copy_rest(unit, out, summary)
            if separate and not out.at_line_start:
                out.write(b"\n")
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
            if separate and not out.at_line_start:
                out.write(b"\n")


def _copy_rest(unit: _Unit, out: _Tail, summary: SanitizeSummary) -> None:
    """The unread rest of a document too large to sanitize goes out as it was. A failure to
    read it is an error of the summary; a failure to write raises."""
    assert unit.remainder is not None
    while True:
        try:
            piece = unit.remainder.read(1 << 20)
        except _READ_ERRORS as error:
            summary.errors.append((unit.source, None, _read_error(unit.source, error).message))
            return
        if not piece:
            return
        out.write(piece)
