"""Where sanitize_file writes: standard output, or a file replaced only once it is complete."""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO

__all__ = ["Output", "replacing"]


class Output:
    """A binary output that remembers whether what it last wrote ended a line."""

    def __init__(self, out: IO[bytes] | gzip.GzipFile) -> None:
        self.out = out
        self.at_line_start = True

    def write(self, data: bytes) -> None:
        if data:
            self.out.write(data)
            self.at_line_start = data.endswith(b"\n")


@contextmanager
def replacing(target: str) -> Iterator[Output]:
    """An output to ``target`` (gzip by its suffix): ``-`` is standard output; a FIFO, a device
    or any file that is not a regular one is written through; a regular file (or a new one) is
    written beside it under a temporary name and renamed over it only once complete, keeping
    its mode and a symbolic link to it. An interrupted or failed write (Ctrl-C, a full disk, an
    error that stops the run) leaves the old file, or none, and no temporary file."""
    if target == "-":
        if sys.stdout is None:
            raise OSError("standard output is closed")
        yield Output(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    real = os.path.realpath(target)
    try:
        mode: int | None = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "wb") as plain, _packed(plain, target) as out:
            yield Output(out)
        return
    folder, name = os.path.split(real)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
    # Created as open() would create the output (0o666 less the umask); an existing output's
    # mode is copied over at the end.
    raw = os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    try:
        with raw, _packed(raw, target) as out:
            yield Output(out)
        if mode is not None:
            shutil.copymode(real, temporary)
        os.replace(temporary, real)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


@contextmanager
def _packed(raw: IO[bytes], target: str) -> Iterator[IO[bytes] | gzip.GzipFile]:
    if target.lower().endswith(".gz"):
        with gzip.GzipFile(filename=os.path.basename(target), mode="wb", fileobj=raw) as packed:
            yield packed
    else:
        yield raw
