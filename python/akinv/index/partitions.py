"""Archives cut into partitions that separate processes (or Dask workers) validate independently.

A partition is either whole files, read as ``akinv.scan`` reads them (small files grouped up to the
partition size; gzip and single JSON documents always whole), or a byte range of one large JSON
Lines file. A line belongs to the range its first byte lies in. A range does not know how many lines
precede it, so its results carry line numbers counted from the range's first line, and the
partition's line count; whoever reads the partitions in order adds the lines of the ranges before.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import akinv
from akinv import _akinv

if TYPE_CHECKING:
    from akinv._akinv import Policy, Report
    from akinv.errors import PayloadError
    from akinv.io import Schema

__all__ = ["DEFAULT_PARTITION_BYTES", "Partition", "Placer", "plan", "read"]

DEFAULT_PARTITION_BYTES = 8 << 20
_LINE_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


@dataclass(frozen=True)
class Partition:
    """Whole ``files``, or bytes ``start`` to ``end`` of the JSON Lines file ``path``."""

    index: int
    files: tuple[str, ...] = ()
    path: str | None = None
    start: int = 0
    end: int = 0

    @property
    def ranged(self) -> bool:
        return self.path is not None


def _expand(paths: Iterable[str]) -> Iterator[str]:
    """Files as scan finds them: a directory gives the status files under it, sorted."""
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield path
            continue
        found = [
            os.path.join(folder, name)
            for folder, _, names in os.walk(path)
            for name in names
            if name.endswith(_SUFFIXES) and os.path.isfile(os.path.join(folder, name))
        ]
        yield from sorted(found, key=lambda name: Path(name).parts)


def plan(
    paths: Iterable[str | os.PathLike[str]], partition_bytes: int = DEFAULT_PARTITION_BYTES
) -> list[Partition]:
    """Partitions of at most about ``partition_bytes`` each, in reading order."""
    if partition_bytes < 1:
        raise ValueError("partition_bytes must be at least 1")
    partitions: list[Partition] = []
    group: list[str] = []
    group_bytes = 0

    def close_group() -> None:
        nonlocal group, group_bytes
        if group:
            partitions.append(Partition(len(partitions), files=tuple(group)))
            group, group_bytes = [], 0

    for path in _expand(os.fspath(p) for p in paths):
        try:
            size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else 0
        except OSError:
            size = 0
        if size > partition_bytes and path.endswith(_LINE_SUFFIXES):
            close_group()
            for start in range(0, size, partition_bytes):
                partitions.append(
                    Partition(len(partitions), path=path, start=start, end=min(size, start + partition_bytes))
                )
            continue
        if group and group_bytes + size > partition_bytes:
            close_group()
        group.append(path)
        group_bytes += size
    close_group()
    return partitions


def _range_bytes(path: str, start: int, end: int) -> bytes:
    """The whole lines whose first byte lies in [start, end)."""
    with open(path, "rb") as handle:
        if start > 0:
            handle.seek(start - 1)
            if handle.read(1) != b"\n":
                handle.readline()
        position = handle.tell()
        if position >= end:
            return b""
        data = handle.read(end - position)
        if data and not data.endswith(b"\n"):
            data += handle.readline()
        return data


def read(
    partition: Partition,
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
) -> tuple[list[tuple[str, int | None, Report | None, PayloadError | None]], int]:
    """Each document's (source, line, report, error), and the lines the partition spans (0 for
    whole files, whose line numbers are already absolute)."""
    if not partition.ranged:
        results = akinv.scan(list(partition.files), threads=threads, schema=schema, policy=policy)
        return [(r.source, r.line, r.report, r.error) for r in results], 0
    path = partition.path
    assert path is not None
    try:
        data = _range_bytes(path, partition.start, partition.end)
    except OSError as error:
        from akinv.errors import PayloadError

        message = f"{path}: cannot read bytes {partition.start}-{partition.end}: {error}"
        return [(path, None, None, PayloadError(message))], 0
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    out: list[tuple[str, int | None, Report | None, PayloadError | None]] = []
    stream = _akinv.DocumentStream(format="lines")
    stream.push(data)
    stream.end()
    while batch := stream.validate(threads=threads, schema=schema, policy=policy):
        for line, outcome in batch:
            if isinstance(outcome, Exception):
                out.append((path, line, None, outcome))
            else:
                out.append((path, line, outcome, None))
    return out, lines


class Placer:
    """Turns a ranged partition's relative line numbers into the file's, reading partitions in order."""

    def __init__(self) -> None:
        self._before: dict[str, int] = {}

    def offset(self, partition: Partition) -> int:
        return self._before.get(partition.path or "", 0) if partition.ranged else 0

    def done(self, partition: Partition, lines: int) -> None:
        if partition.ranged and partition.path is not None:
            self._before[partition.path] = self._before.get(partition.path, 0) + lines
