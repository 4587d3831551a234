"""Archives of past snapshots into the store, through the same validator and tracker as a live round.

Files are read as ``akinv.scan`` reads them (JSON, JSON Lines, gzip, directories, ``-``). An archived
document says neither who published it nor when it was fetched, so:

- its provider is the document's ``address`` (legacy REST adds it), else its first public hostname,
  else the file it came from (``provider=`` names one for all);
- its time is the file's modification time, and its line number orders the documents of one file
  (``seq``). Ingesting the same file twice therefore adds nothing.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import marshal
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import akinv
from akinv.index.partitions import DEFAULT_PARTITION_BYTES, Partition, Placer, plan, read
from akinv.index.snapshot import Rows, Snapshot, build_rows
from akinv.index.tracker import Recorded, Tracker

if TYPE_CHECKING:
    from akinv._akinv import Policy, Report
    from akinv.errors import PayloadError
    from akinv.io import Schema

__all__ = ["FileTimes", "IngestSummary", "ingest", "provider_of"]

DEFAULT_BATCH = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Unreadable documents listed in a summary (all are counted).
MAX_LISTED_ERRORS = 100


@dataclass
class IngestSummary:
    documents: int = 0
    stored: int = 0
    duplicates: int = 0
    late: int = 0
    unreadable: int = 0
    opened: int = 0
    ended: int = 0
    persistent: int = 0
    errors: list[tuple[str, int | None, str]] = field(default_factory=list)
    # The largest peak RSS of the worker processes, in bytes, and their CPU time in seconds (0
    # without workers).
    worker_rss: int = 0
    worker_cpu: float = 0.0

    def add(self, recorded: Recorded) -> None:
        self.stored += recorded.stored
        self.duplicates += recorded.duplicates
        self.late += recorded.late
        self.opened += recorded.opened
        self.ended += recorded.ended
        self.persistent += recorded.persistent


def provider_of(report: Report | None, source: str) -> str:
    """Who published an archived document: its address, else its first public hostname, else its
    file. A name longer than a host name can be (253) is no name: the document wrote it."""
    if report is not None:
        if report.address and len(report.address) <= 253:
            return report.address
        hostnames = report.public_hostnames
        if hostnames and 0 < len(hostnames[0]) <= 253:
            return hostnames[0]
    return source


class FileTimes:
    """Each source's modification time, read once (standard input: the time ingest started)."""

    def __init__(self) -> None:
        self._started = datetime.now(timezone.utc)
        self._known: dict[str, datetime] = {}

    def __call__(self, source: str) -> datetime:
        known = self._known.get(source)
        if known is None:
            try:
                microseconds = os.stat(source).st_mtime_ns // 1000
                known = _EPOCH + timedelta(microseconds=microseconds)
            except (OSError, ValueError, OverflowError):
                known = self._started
            self._known[source] = known
        return known


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    tracker: Tracker,
    *,
    provider: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
    batch: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Validate every document of ``paths`` and record it; unreadable ones are counted and listed.

    With ``workers`` above 1, partitions of the archives are validated and turned into rows in that
    many processes while this one writes (the rows are the same either way). The default uses every
    core for archives of 32 MiB or more, and this process alone for less or for standard input."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    names = [os.fspath(path) for path in paths]
    partitions = plan(names, DEFAULT_PARTITION_BYTES)
    if workers is None:
        workers = _default_workers(partitions)
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if "-" in names:
        workers = 1
    summary = IngestSummary()
    writer = _Writer(tracker, summary, batch, progress)
    with _fewer_collections():
        _ingest(names, partitions, writer, summary, workers, threads, (provider, schema, policy))
    return summary


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Rows are many small lists, and the cyclic garbage collector would walk every live one each
    few hundred allocations: it took 8 to 15 us of a document's 110 to 130 (50 MB corpus, one
    process). Ingesting makes no cycles, so collections are made rarer while it runs."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _ingest(
    names: list[str],
    partitions: list[Partition],
    writer: _Writer,
    summary: IngestSummary,
    workers: int,
    threads: int | None,
    options: _Options,
) -> None:
    provider, schema, policy = options
    if workers == 1:
        times = FileTimes()
        for result in akinv.scan(names, threads=threads, schema=schema, policy=policy):
            rows = _rows(summary, result.source, result.line, result.report, result.error, provider, times)
            if rows is not None:
                writer.add(rows)
    else:
        _ingest_parallel(partitions, writer, summary, workers, options)
    writer.flush()


def _default_workers(partitions: list[Partition]) -> int:
    total = 0
    for partition in partitions:
        if partition.ranged:
            total += partition.end - partition.start
        else:
            for name in partition.files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(name) if name != "-" else 0
    return (os.cpu_count() or 1) if total >= 32 << 20 else 1


class _Writer:
    """Records rows in batches of ``batch``."""

    def __init__(
        self, tracker: Tracker, summary: IngestSummary, batch: int, progress: Callable[[int], None] | None
    ):
        self.tracker, self.summary, self.batch, self.progress = tracker, summary, batch, progress
        self.pending: list[Rows] = []

    def add(self, rows: Rows) -> None:
        self.pending.append(rows)
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.summary.add(self.tracker.record(self.pending))
            if self.progress is not None:
                self.progress(len(self.pending))
            self.pending = []


def _rows(
    summary: IngestSummary,
    source: str,
    line: int | None,
    report: Report | None,
    error: PayloadError | None,
    provider: str | None,
    times: FileTimes,
) -> Rows | None:
    """One document's rows, or None after counting it as unreadable."""
    summary.documents += 1
    if report is None:
        summary.unreadable += 1
        if len(summary.errors) < MAX_LISTED_ERRORS:
            summary.errors.append((source, line, error.message if error is not None else "unreadable"))
        return None
    snapshot = Snapshot(
        provider or provider_of(report, source),
        times(source),
        report,
        seq=line or 0,
        source=source if line is None else f"{source}:{line}",
    )
    return build_rows(snapshot)


_Options = tuple["str | None", "Schema | None", "Policy | None"]


def _partition_rows(partition: Partition, options: _Options) -> tuple[bytes, int, IngestSummary]:
    """In a worker process: a partition's rows (marshalled), its line count, and its unreadable
    documents."""
    provider, schema, policy = options
    began = time.process_time()
    results, lines = read(partition, threads=1, schema=schema, policy=policy)
    summary = IngestSummary()
    times = FileTimes()
    with _fewer_collections():
        built = [_rows(summary, *result, provider, times) for result in results]
    plain = marshal.dumps([rows.to_plain() for rows in built if rows is not None])
    summary.worker_rss = _peak_rss()
    summary.worker_cpu = time.process_time() - began
    return plain, lines, summary


def _peak_rss() -> int:
    try:
        import resource
    except ImportError:  # not on Unix
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _quiet_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ingest_parallel(
    partitions: list[Partition], writer: _Writer, summary: IngestSummary, workers: int, options: _Options
) -> None:
    placer = Placer()
    # Not fork: the writer's database connection and threads must not be copied into workers.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker) as pool:
        queue = iter(partitions)
        # A bounded window of partitions in flight keeps memory flat when writing is the slower part.
        window: deque[tuple[Partition, Future[tuple[bytes, int, IngestSummary]]]] = deque()
        try:
            for partition in itertools.islice(queue, workers * 2):
                window.append((partition, pool.submit(_partition_rows, partition, options)))
            while window:
                partition, future = window.popleft()
                plain, lines, part = future.result()
                following = next(queue, None)
                if following is not None:
                    window.append((following, pool.submit(_partition_rows, following, options)))
                offset = placer.offset(partition)
                placer.done(partition, lines)
                summary.documents += part.documents
                summary.unreadable += part.unreadable
                summary.worker_rss = max(summary.worker_rss, part.worker_rss)
                summary.worker_cpu += part.worker_cpu
                for source, line, message in part.errors:
                    if len(summary.errors) < MAX_LISTED_ERRORS:
                        summary.errors.append((source, None if line is None else line + offset, message))
                for item in map(Rows.from_plain, marshal.loads(plain)):
                    if offset:
                        item = item.placed(item.seq + offset, f"{partition.path}:{item.seq + offset}")
                    writer.add(item)
        except BaseException:
            for _, future in window:
                future.cancel()
            raise
