"""Rounds of the indexer: fetch every provider, record each answer as it arrives, stop cleanly.

Results are recorded in small batches while the round runs, so an interrupted round keeps what it
fetched. ``stop`` (an asyncio.Event, set by the command line's Ctrl-C handler) ends a round early:
requests in flight are cancelled and what was fetched is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from akinv.index.fetch import FetchOptions, FetchResult, fetch, status_url
from akinv.index.snapshot import Snapshot
from akinv.index.tracker import Tracker

__all__ = ["RoundSummary", "read_providers", "run_round"]

MAX_URL = 1000
# Results recorded together: small enough that little is pending when a round is interrupted.
BATCH = 64
# ... or after this many seconds, whichever comes first.
BATCH_SECONDS = 1.0


@dataclass
class RoundSummary:
    providers: int = 0
    fetched: int = 0
    ok: int = 0
    stored: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    opened: int = 0
    ended: int = 0
    persistent: int = 0
    elapsed: float = 0.0
    interrupted: bool = False


def read_providers(text: str) -> list[str]:
    """Status URLs from a providers file: one a line, ``#`` comments and blank lines ignored,
    duplicates (after completing bare hosts) once."""
    urls: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if len(entry) > MAX_URL:
            raise ValueError(f"providers file, line {number}: a URL of more than {MAX_URL} characters")
        if entry:
            urls.setdefault(status_url(entry), None)
    return list(urls)


async def run_round(
    urls: Sequence[str],
    tracker: Tracker,
    options: FetchOptions,
    *,
    stop: asyncio.Event | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
) -> RoundSummary:
    """Fetch every URL once and record the snapshots; returns what happened."""
    summary = RoundSummary(providers=len(urls))
    began = time.monotonic()
    pending: list[Snapshot] = []
    last_write = began

    def write() -> None:
        nonlocal pending, last_write
        if pending:
            recorded = tracker.record(pending)
            summary.stored += recorded.stored
            summary.opened += recorded.opened
            summary.ended += recorded.ended
            summary.persistent += recorded.persistent
            pending = []
        last_write = time.monotonic()

    results = fetch(urls, options)
    stopped = asyncio.ensure_future(stop.wait()) if stop is not None else None
    following: asyncio.Future[FetchResult] | None = None
    try:
        while True:
            if following is None:
                following = asyncio.ensure_future(results.__anext__())
            waiting: set[asyncio.Future[Any]] = {following}
            if stopped is not None:
                waiting.add(stopped)
            # While results wait to be written, wake up in time to write them even if no other
            # answer comes (the rest may all be hanging).
            timeout = max(0.0, last_write + BATCH_SECONDS - time.monotonic()) if pending else None
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if stopped is not None and stopped in done and following not in done:
                following.cancel()
                await asyncio.gather(following, return_exceptions=True)
                summary.interrupted = True
                break
            if following not in done:
                write()
                continue
            try:
                result = following.result()
            except StopAsyncIteration:
                break
            following = None
            summary.fetched += 1
            if result.ok:
                summary.ok += 1
            elif result.error is not None:
                summary.failed[result.error] += 1
            if on_result is not None:
                on_result(result)
            pending.append(result.snapshot())
            if len(pending) >= BATCH or time.monotonic() - last_write >= BATCH_SECONDS:
                write()
    finally:
        if stopped is not None:
            stopped.cancel()
        await results.aclose()
        # What was fetched is stored, interrupted or not.
        write()
        summary.elapsed = time.monotonic() - began
    return summary
