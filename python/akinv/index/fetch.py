"""Many providers' status documents at once (async httpx), each failure a result with its reason.

Providers serve the legacy REST ``/status`` over HTTPS on port 8443 with self-signed certificates,
so certificates are not verified unless asked; any URL serving a status document of a known shape
(the v1 JSON document included) works the same. A bare host means ``https://HOST:8443/status`` and
a URL without a path gets ``/status``.

Every request runs under one deadline (``timeout``, covering connect, TLS, headers and the whole
body), so a provider trickling bytes cannot hold a slot longer. A body larger than ``max_bytes``
(64 MiB by default; any size up to 2^63 - 1) is refused, never cut: a larger Content-Length is refused
unread, and a body without one is read as a stream and abandoned once past the limit. Fast failures
(refused, reset, HTTP 5xx and 429) are retried with exponential backoff; a timeout is not, by
default, since a provider that did not answer in ``timeout`` seconds holds a slot that long again,
and the next round retries it anyway. A round's worst case is about
``ceil(providers / concurrency) * timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import akinv
from akinv.errors import MalformedJSONError, PayloadError, PayloadTooLargeError, UnknownShapeError
from akinv.index.snapshot import INT4_MAX, INT64_MAX, ErrorKind, Snapshot, utc_now

if TYPE_CHECKING:
    import httpx

    from akinv._akinv import Policy, Report, Sanitized
    from akinv.io import Schema

__all__ = ["DEFAULT_MAX_BYTES", "FetchOptions", "FetchResult", "fetch", "status_url"]

DEFAULT_MAX_BYTES = 64 << 20
# Bodies at least this large are validated on a worker thread, so the event loop keeps serving.
_THREAD_BYTES = 1 << 20
_LARGE_BYTES = 1 << 20
_RETRIED: frozenset[str] = frozenset({"refused", "network", "http-status"})


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch. ``verify``: False (providers' self-signed certificates), True (system CAs) or
    a CA bundle path. ``retries``: further attempts after a fast failure, waiting ``backoff``,
    then twice that, and so on (with jitter). ``large_bodies``: bodies past 1 MiB read at once
    (the others wait, within their deadline), so memory stays bounded."""

    concurrency: int = 256
    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    retry_timeouts: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    large_bodies: int = 4
    verify: bool | str = False
    policy: Policy | None = None
    schema: Schema | None = None
    user_agent: str = f"akinv/{akinv.__version__}"

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= 65536:
            raise ValueError("concurrency must be within 1..65536")
        if not 0 < self.timeout <= 86400:
            raise ValueError("timeout must be above 0 and at most a day")
        if not 0 <= self.retries <= 100:
            raise ValueError("retries must be within 0..100")
        if not 0 <= self.backoff <= 3600:
            raise ValueError("backoff must be within 0..3600 seconds")
        if not 0 <= self.max_bytes <= INT64_MAX:
            raise ValueError(f"max_bytes must be within 0..{INT64_MAX}")
        if not 1 <= self.large_bodies <= 65536:
            raise ValueError("large_bodies must be within 1..65536")


@dataclass(frozen=True)
class FetchResult:
    """One provider's answer: its sanitized document and report, or why there is none."""

    url: str
    started_at: datetime
    elapsed: float
    attempts: int
    status: int | None = None
    sanitized: Sanitized | None = None
    error: ErrorKind | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.sanitized is not None

    @property
    def report(self) -> Report | None:
        return self.sanitized.report if self.sanitized is not None else None

    def snapshot(self) -> Snapshot:
        """The snapshot to store: the sanitized document is kept as the provider's latest."""
        sanitized = self.sanitized
        return Snapshot(
            self.url,
            self.started_at,
            sanitized.report if sanitized is not None else None,
            error=self.error,
            reason=self.reason,
            source=self.url,
            http_status=self.status,
            elapsed_ms=min(int(self.elapsed * 1000), INT4_MAX),
            document=sanitized.data if sanitized is not None else None,
        )


def status_url(text: str) -> str:
    """A provider's status URL from a host, a host URI (``https://host:8443``) or a full URL."""
    text = text.strip()
    if "://" not in text:
        host = text.rstrip("/")
        return f"https://{host}/status" if ":" in host.rsplit("]", 1)[-1] else f"https://{host}:8443/status"
    scheme, rest = text.split("://", 1)
    if "/" not in rest or rest.endswith("/") and rest.count("/") == 1:
        return f"{scheme}://{rest.rstrip('/')}/status"
    return text


class _Failure(Exception):
    def __init__(self, kind: ErrorKind, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status


def _kind_of(error: BaseException) -> tuple[ErrorKind, str]:
    """A transport error's kind and a reason a person can act on."""
    import httpx

    if isinstance(error, httpx.TimeoutException):
        return "timeout", f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "bad-url", str(error)
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            return "tls", f"certificate not trusted: {link.verify_message or link.reason}"
        if isinstance(link, ssl.SSLError):
            return "tls", f"TLS failed: {link.reason or link}"
        if isinstance(link, ConnectionRefusedError):
            return "refused", "connection refused"
    text = str(error) or type(error).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return "tls", text
    if "refused" in text.lower():
        return "refused", "connection refused"
    return "network", text


class _Fetcher:
    def __init__(self, client: httpx.AsyncClient, options: FetchOptions, large: asyncio.Semaphore) -> None:
        self.client = client
        self.options = options
        # Held by a body once it passes 1 MiB, so memory stays bounded (about concurrency x 1 MiB
        # plus large_bodies x max_bytes) when many providers send big bodies at once.
        self.large = large

    async def one(self, url: str) -> FetchResult:
        options = self.options
        started_at = utc_now()
        clock = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            try:
                status, body = await asyncio.wait_for(self._get(url), options.timeout)
                sanitized = await self._read(body)
                return FetchResult(url, started_at, time.monotonic() - clock, attempts, status, sanitized)
            except _Failure as failure:
                kind, reason, status_code = failure.kind, failure.reason, failure.status
            except asyncio.TimeoutError:
                kind, reason, status_code = (
                    "timeout",
                    f"no complete answer within {options.timeout:g} s",
                    None,
                )
            except Exception as error:  # every transport error becomes a result
                kind, reason = _kind_of(error)
                status_code = None
            retried = kind in _RETRIED and (kind != "http-status" or _transient_status(status_code))
            if (retried or kind == "timeout" and options.retry_timeouts) and attempts <= options.retries:
                delay = options.backoff * 2 ** (attempts - 1)
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                continue
            return FetchResult(
                url, started_at, time.monotonic() - clock, attempts, status_code, None, kind, reason
            )

    async def _get(self, url: str) -> tuple[int, bytes]:
        limit = self.options.max_bytes
        async with self.client.stream("GET", url) as response:
            if response.status_code != 200:
                phrase = response.reason_phrase or ""
                raise _Failure(
                    "http-status", f"HTTP {response.status_code} {phrase}".strip(), response.status_code
                )
            length = response.headers.get("content-length")
            if length is not None and length.strip().isdigit() and int(length) > limit:
                raise _Failure(
                    "too-large",
                    f"Content-Length {int(length):,} bytes is over the {limit:,}-byte limit (not read)",
                    response.status_code,
                )
            chunks: list[bytes] = []
            size = 0
            async with contextlib.AsyncExitStack() as held:
                async for chunk in response.aiter_bytes():
                    if size < _LARGE_BYTES <= size + len(chunk):
                        await held.enter_async_context(self.large)
                    size += len(chunk)
                    if size > limit:
                        raise _Failure(
                            "too-large",
                            f"body over the {limit:,}-byte limit (stopped reading after {size:,} bytes)",
                            response.status_code,
                        )
                    chunks.append(chunk)
                return response.status_code, b"".join(chunks)

    async def _read(self, body: bytes) -> Sanitized:
        options = self.options
        try:
            if len(body) >= _THREAD_BYTES:
                return await asyncio.to_thread(
                    akinv.sanitize, body, schema=options.schema, policy=options.policy
                )
            return akinv.sanitize(body, schema=options.schema, policy=options.policy)
        except MalformedJSONError as error:
            raise _Failure("not-json", f"not JSON: {error.message}", 200) from error
        except UnknownShapeError as error:
            raise _Failure("unknown-shape", error.message, 200) from error
        except PayloadTooLargeError as error:
            raise _Failure("too-large", error.message, 200) from error
        except PayloadError as error:
            raise _Failure("not-json", error.message, 200) from error


def _transient_status(status: int | None) -> bool:
    return status is not None and (status >= 500 or status == 429)


def _ssl_context(options: FetchOptions) -> ssl.SSLContext:
    """One TLS context for every connection (building one per client costs milliseconds)."""
    if options.verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if options.verify is True:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    return ssl.create_default_context(cafile=options.verify)


def _client(options: FetchOptions, context: ssl.SSLContext) -> httpx.AsyncClient:
    """A client of one connection. Each worker has its own: providers are different hosts, so a
    shared pool reuses nothing, and httpcore's pool scans every connection on every event (its CPU
    grew with concurrency squared: 64 connections cost 9 ms of CPU a request)."""
    import httpx

    return httpx.AsyncClient(
        verify=context,
        timeout=httpx.Timeout(options.timeout),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        follow_redirects=True,
        max_redirects=3,
        headers={"User-Agent": options.user_agent, "Accept": "application/json"},
    )


async def fetch(
    urls: Iterable[str], options: FetchOptions | None = None, /
) -> AsyncGenerator[FetchResult, None]:
    """Fetch every URL (bare hosts and host URIs are completed: see status_url) and yield each
    result as it completes. Closing the iterator early cancels what is still in flight."""
    if options is None:
        options = FetchOptions()
    queue: asyncio.Queue[str] = asyncio.Queue()
    count = 0
    for url in urls:
        queue.put_nowait(status_url(url))
        count += 1
    if count == 0:
        return
    results: asyncio.Queue[FetchResult] = asyncio.Queue()
    context = _ssl_context(options)
    large = asyncio.Semaphore(options.large_bodies)

    async def worker() -> None:
        async with _client(options, context) as client:
            fetcher = _Fetcher(client, options, large)
            while True:
                try:
                    url = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await results.put(await fetcher.one(url))

    workers = [asyncio.create_task(worker()) for _ in range(min(options.concurrency, count))]
    try:
        for _ in range(count):
            yield await results.get()
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
