"""Reading a source in blocks, and handing them to the core's splitter.

Plain files, gzip (a damaged stream is read up to its damage) and standard input are read a
block at a time; a file's next block is read on a helper thread while the core works on the
current one (reads and the core both release the GIL). About three blocks are alive at a time,
plus the document the splitter is assembling (at most its limit).
"""

from __future__ import annotations

import gzip
import io
import sys
import threading
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO

from akinv import _akinv
from akinv.errors import PayloadError, PayloadTooLargeError
from akinv.io.paths import Source, source_of

__all__ = [
    "DEFAULT_BATCH_BYTES",
    "MAX_DOCUMENT_BYTES",
    "READ_ERRORS",
    "ReadFailure",
    "blocks",
    "check_limits",
    "document_stream",
    "read_document",
]

# Larger documents are refused by the core; a stream may refuse smaller ones.
MAX_DOCUMENT_BYTES: int = _akinv.MAX_DOCUMENT_BYTES
# 2 MiB: each fresh read costs page faults, which grow with the block (a 20 MB scan on one thread
# took 51.8, 52.1, 54.4 and 55.4 ms with 1, 2, 4 and 8 MiB blocks, and on two threads 31.0, 30.5,
# 31.9 and 33.4 ms); 2 MiB is still about 500 documents per parallel batch.
DEFAULT_BATCH_BYTES = 2 << 20

_Stream = IO[bytes] | gzip.GzipFile
# What a damaged file raises while it is read: OSError (gzip.BadGzipFile among them), EOFError
# for a truncated gzip stream, zlib.error for corrupt compressed data.
READ_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class ReadFailure:
    """Why reading a source stopped before its end."""

    error: BaseException

    def describe(self, path: str, line: int | None) -> PayloadError:
        """The error of a scan or a summary: where reading stopped, when anything was read."""
        error = self.error
        reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
        where = "" if line is None else f" from line {line}"
        return PayloadError(f"cannot read {path}{where}: {reason}")


def check_limits(batch_bytes: int, max_document_bytes: int) -> None:
    """Refuse sizes that would read nothing, at the call."""
    if batch_bytes < 1:
        raise ValueError(f"batch_bytes must be at least 1, not {batch_bytes}")
    if not 1 <= max_document_bytes <= MAX_DOCUMENT_BYTES:
        raise ValueError(
            f"max_document_bytes must be between 1 and {MAX_DOCUMENT_BYTES}, not {max_document_bytes}"
        )


def document_stream(source: Source, max_document_bytes: int) -> _akinv.DocumentStream:
    """The core's splitter for ``source``: its format by name, or told from its first lines."""
    return _akinv.DocumentStream(format=source.format, limit=max_document_bytes)


def blocks(source: Source, size: int) -> Iterator[bytes | ReadFailure]:
    """The blocks of ``source`` (at most ``size`` bytes each), then, if reading failed, why.
    Failing to open the source is a failure before any block."""
    try:
        handle = _open(source)
    except READ_ERRORS as error:
        yield ReadFailure(error)
        return
    try:
        yield from _read_ahead(handle, size)
    except READ_ERRORS as error:
        yield ReadFailure(error)


def read_document(path: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """One whole document from a file, a gzip file or standard input ("-"), read no further than
    ``limit`` bytes: a larger one is a PayloadTooLargeError, never held in memory whole."""
    handle = _open(source_of(path))
    try:
        data = handle.read(limit + 1)
    finally:
        _close(handle)
    if len(data) > limit:
        raise PayloadTooLargeError(f"{path}: larger than {limit:,} bytes; not read")
    return data


def _open(source: Source) -> _Stream:
    if source.path == "-":
        if sys.stdin is None:
            raise OSError("standard input is closed")
        # Standard input stays open: it is the caller's, and may be named again.
        stdin: IO[bytes] = sys.stdin.buffer
        return stdin
    if source.gzip:
        return gzip.open(source.path, "rb")
    return open(source.path, "rb")


def _read_block(handle: _Stream, size: int) -> tuple[bytes, BaseException | None]:
    """Up to ``size`` bytes, and the error that cut the read short, if any.

    A damaged gzip stream raises from ``read`` and drops all that call decompressed, so what
    came before the damage is read piece by piece: after seeking back to where the failed read
    began (healthy blocks keep the one fast read), or from the outset when the file cannot seek
    (a pipe)."""
    if not isinstance(handle, gzip.GzipFile):
        return (handle.read(size) if _is_file(handle) else _read_pipe(handle, size)), None
    fileobj = handle.fileobj
    if not (isinstance(fileobj, io.IOBase) and fileobj.seekable()):
        return _read_pieces(handle, size)
    start = handle.tell()
    try:
        return handle.read(size), None
    except READ_ERRORS as error:
        try:
            handle.seek(start)
        except READ_ERRORS:
            return b"", error
        return _read_pieces(handle, size)[0], error


def _read_pipe(handle: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of a pipe, one read at a time. ``BufferedReader.read(size)`` loops over
    reads in C without a check for signals between them: a Ctrl-C that lands during a read that
    returns data leaves the next one waiting for the writer, and the run does not stop."""
    read1 = getattr(handle, "read1", handle.read)
    pieces: list[bytes] = []
    missing = size
    while missing > 0 and (piece := read1(missing)):
        pieces.append(piece)
        missing -= len(piece)
    return b"".join(pieces)


def _read_pieces(handle: gzip.GzipFile, size: int) -> tuple[bytes, BaseException | None]:
    pieces: list[bytes] = []
    missing = size
    try:
        while missing > 0 and (piece := handle.read1(missing)):
            pieces.append(piece)
            missing -= len(piece)
    except READ_ERRORS as error:
        return b"".join(pieces), error
    return b"".join(pieces), None


class _Pending:
    """One block of a file being read on a helper thread."""

    def __init__(self, handle: _Stream, size: int) -> None:
        self._result: tuple[bytes, BaseException | None] = (b"", None)
        self.thread = threading.Thread(target=self._run, args=(handle, size), name="akinv-read", daemon=True)
        self.thread.start()

    def _run(self, handle: _Stream, size: int) -> None:
        try:
            self._result = _read_block(handle, size)
        except BaseException as error:  # noqa: BLE001 - raised on the caller's thread
            self._result = (b"", error)

    def result(self) -> tuple[bytes, BaseException | None]:
        self.thread.join()
        return self._result


def _is_file(handle: _Stream) -> bool:
    """Whether a read of ``handle`` ends by itself (a file), or may wait on a writer (a pipe).

    A pipe (standard input) is read on the caller's thread: a helper blocked on it could not be
    stopped by Ctrl-C, nor joined, and a daemon one holding stdin's lock makes the interpreter
    abort at exit."""
    raw = handle.fileobj if isinstance(handle, gzip.GzipFile) else handle
    return isinstance(raw, io.IOBase) and raw.seekable()


def _read_ahead(handle: _Stream, size: int) -> Generator[bytes, None, None]:
    """The blocks of ``handle``, then a raise of the error that stopped it, if any; ``handle``
    is closed at the end (standard input excepted). After a full first block of a file each
    next one is read on a helper thread while the caller works on the current one."""
    pending: _Pending | None = None
    try:
        block, error = _read_block(handle, size)
        # Most files fit in one block: a thread only for those that do not.
        ahead = len(block) == size and error is None and _is_file(handle)
        while block:
            if error is None:
                pending = _Pending(handle, size) if ahead else None
            yield block
            if error is not None:
                break
            block, error = pending.result() if pending is not None else _read_block(handle, size)
            pending = None
        if error is not None:
            raise error
    finally:
        # Stopped early: the helper is done with the handle before it is closed.
        if pending is not None:
            pending.thread.join()
        _close(handle)


def _close(handle: _Stream) -> None:
    if handle is not getattr(sys.stdin, "buffer", None):
        handle.close()
