"""What the paths given name: a file, standard input (``-``), or the status files under a
directory, each with the format its name says. Nothing found is passed over without a word."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Format", "Source", "as_paths", "source_of", "sources"]

Format = Literal["lines", "documents"]
_LINE_SUFFIXES = (".jsonl", ".ndjson")
_DOCUMENT_SUFFIXES = (".json",)


@dataclass(frozen=True)
class Source:
    """One input: its path (``-`` for standard input); ``format`` by its name ("lines" or
    "documents"; None to tell from its first lines); gzip by its name; and, when it cannot be
    read at all, why."""

    path: str
    format: Format | None = None
    gzip: bool = False
    problem: str | None = None


def as_paths(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> Iterator[str]:
    """The paths asked for, lazily: one path given alone (a common slip) is that path, not its
    letters."""
    if isinstance(paths, str | os.PathLike):
        yield os.fspath(paths)
        return
    for path in paths:
        yield os.fspath(path)


def source_of(path: str) -> Source:
    """A path as a source: suffixes are matched whatever their case (``.JSONL.GZ``)."""
    name = path.lower()
    packed = name.endswith(".gz")
    if packed:
        name = name[: -len(".gz")]
    format: Format | None = None
    if name.endswith(_LINE_SUFFIXES):
        format = "lines"
    elif name.endswith(_DOCUMENT_SUFFIXES):
        format = "documents"
    return Source(path, format, packed)


def _is_status_file(name: str) -> bool:
    return source_of(name).format is not None


def sources(paths: Iterable[str]) -> Iterator[Source]:
    """Each path as a source, a directory replaced by the status files under it (sorted)."""
    for path in paths:
        if path != "-" and os.path.isdir(path):
            yield from _directory(path)
        else:
            yield source_of(path)


def _directory(path: str) -> Iterator[Source]:
    """The status files under ``path`` by their names' case-insensitive suffixes; an entry so
    named that cannot be read (a broken symbolic link, a FIFO) and a directory that cannot be
    listed are sources with a problem. Symbolic links to directories are not followed (they
    could make a loop)."""
    found: list[str] = []
    failed: list[OSError] = []
    for folder, _, names in os.walk(path, onerror=failed.append):
        found.extend(os.path.join(folder, name) for name in names if _is_status_file(name))
    for each in sorted(found, key=lambda name: Path(name).parts):
        source = source_of(each)
        problem = _problem(each)
        yield source if problem is None else Source(each, source.format, source.gzip, problem)
    for error in failed:
        yield Source(error.filename or path, problem=error.strerror or str(error))


def _problem(path: str) -> str | None:
    """Why a directory entry cannot be read as a file, if it cannot: opening a FIFO would wait
    for a writer forever."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "broken symbolic link" if os.path.islink(path) else "no such file"
    except OSError as error:
        return error.strerror or str(error)
    return None if stat.S_ISREG(mode) else "not a regular file"
