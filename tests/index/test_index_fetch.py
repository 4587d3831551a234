"""akinv.fetch against a real local HTTPS server: every failure is a result with its reason."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from documents import dumps, legacy, legacy_node, v1, v1_node
from provider_server import Answer, ProviderServer

import akinv
from akinv.index.fetch import FetchOptions, FetchResult, fetch, status_url

GOOD = dumps(legacy(legacy_node()))


def collect(urls: list[str], **settings: Any) -> dict[str, FetchResult]:
    async def run() -> dict[str, FetchResult]:
        return {result.url: result async for result in fetch(urls, FetchOptions(**settings))}

    return asyncio.run(run())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_status_url_completes_hosts_and_host_uris() -> None:
    assert status_url("provider.example.com") == "https://provider.example.com:8443/status"
    assert status_url("provider.example.com:9443") == "https://provider.example.com:9443/status"
    assert status_url("https://provider.example.com:8443") == "https://provider.example.com:8443/status"
    assert status_url("https://provider.example.com:8443/") == "https://provider.example.com:8443/status"
    assert (
        status_url("https://gw.example.com/v1/status/akash1x") == "https://gw.example.com/v1/status/akash1x"
    )


def test_each_failure_has_its_kind(provider_server: ProviderServer) -> None:
    server = provider_server
    urls = {
        "legacy": server.add("legacy", lambda poll: Answer(GOOD)),
        "v1": server.add("v1", lambda poll: Answer(dumps(v1(v1_node())))),
        "hang": server.add("hang", lambda poll: Answer(mode="hang")),
        "garbage": server.add("garbage", lambda poll: Answer(b"<html>502 Bad Gateway</html>")),
        "shape": server.add("shape", lambda poll: Answer(b'{"hello": "world"}')),
        "missing": server.add("missing", lambda poll: Answer(b"no", status=404)),
        "refused": f"https://127.0.0.1:{closed_port()}/status",
    }
    began = time.monotonic()
    # 2 s: an answer on a loaded machine can take more than half a second.
    results = collect(list(urls.values()), timeout=2.0, retries=0, concurrency=8)
    assert time.monotonic() - began < 15
    got = {name: results[url] for name, url in urls.items()}
    assert got["legacy"].ok and got["legacy"].report is not None and got["legacy"].report.schema == "legacy"
    assert got["v1"].ok and got["v1"].report is not None and got["v1"].report.schema == "v1"
    assert got["legacy"].status == 200 and got["legacy"].error is None
    expected = {
        "hang": "timeout",
        "garbage": "not-json",
        "shape": "unknown-shape",
        "missing": "http-status",
        "refused": "refused",
    }
    assert {name: got[name].error for name in expected} == expected
    assert got["missing"].status == 404 and got["missing"].reason == "HTTP 404 Not Found"
    assert "within 2 s" in (got["hang"].reason or "")
    assert all(not got[name].ok and got[name].reason for name in expected)


def test_tls_verification_is_configurable(
    provider_server: ProviderServer, certificate: tuple[Path, Path]
) -> None:
    url = provider_server.add("tls", lambda poll: Answer(GOOD))
    assert collect([url], verify=False)[url].ok
    refused = collect([url], verify=True, retries=0)[url]
    assert refused.error == "tls" and "certificate" in (refused.reason or "")
    assert collect([url], verify=str(certificate[0]))[url].ok


@pytest.mark.parametrize("mode", ["length", "chunked"])
def test_a_body_over_the_limit_is_refused_never_cut(provider_server: ProviderServer, mode: str) -> None:
    # A valid document once padded: were it cut at the limit, the result could not be "too-large".
    big = GOOD[:-1] + b"," + b'"pad":"' + b"x" * (300 << 10) + b'"}'
    url = provider_server.add("big", lambda poll: Answer(big, mode=mode))
    result = collect([url], max_bytes=256 << 10)[url]
    assert result.error == "too-large" and not result.ok
    assert "262,144-byte limit" in (result.reason or "")
    if mode == "length":
        assert "Content-Length" in (result.reason or "") and "not read" in (result.reason or "")
    else:
        assert "stopped reading" in (result.reason or "")
    exact = collect([url], max_bytes=len(big))[url]
    assert exact.ok and exact.sanitized is not None and exact.sanitized.data == big


def test_max_bytes_is_a_64_bit_setting() -> None:
    assert FetchOptions(max_bytes=2**63 - 1).max_bytes == 2**63 - 1
    with pytest.raises(ValueError, match="max_bytes"):
        FetchOptions(max_bytes=2**63)
    with pytest.raises(ValueError, match="max_bytes"):
        FetchOptions(max_bytes=-1)


def test_fast_failures_are_retried_with_backoff(provider_server: ProviderServer) -> None:
    flaky = provider_server.add(
        "flaky", lambda poll: Answer(b"busy", status=503) if poll < 3 else Answer(GOOD)
    )
    broken = provider_server.add("broken", lambda poll: Answer(b"down", status=500))
    began = time.monotonic()
    results = collect([flaky, broken], retries=2, backoff=0.05)
    assert results[flaky].ok and results[flaky].attempts == 3
    assert results[broken].error == "http-status" and results[broken].attempts == 3
    assert provider_server.polls_of(broken) == 3
    assert time.monotonic() - began >= 0.05 * 0.5 + 0.1 * 0.5  # two waits, with jitter at least half
    # 4xx and documents that are not status documents are not retried.
    missing = provider_server.add("missing", lambda poll: Answer(b"", status=404))
    assert collect([missing], retries=3, backoff=0.01)[missing].attempts == 1


def test_timeouts_are_retried_only_when_asked(provider_server: ProviderServer) -> None:
    hang = provider_server.add("hang", lambda poll: Answer(mode="hang"))
    assert collect([hang], timeout=0.2, retries=2)[hang].attempts == 1
    assert collect([hang], timeout=0.2, retries=1, backoff=0.01, retry_timeouts=True)[hang].attempts == 2


def test_the_sweep_never_stops_and_respects_the_concurrency_limit(provider_server: ProviderServer) -> None:
    # 12 hanging providers at concurrency 4 and a timeout of 1 s: three waves, about 3 s.
    urls = [provider_server.add(f"h{i}", lambda poll: Answer(mode="hang")) for i in range(12)]
    urls += [provider_server.add(f"ok{i}", lambda poll: Answer(GOOD)) for i in range(8)]
    urls.append("https://[::1")  # not even a URL
    began = time.monotonic()
    results = collect(urls, timeout=1.0, concurrency=4, retries=0)
    elapsed = time.monotonic() - began
    assert len(results) == len(urls)
    assert sum(r.ok for r in results.values()) == 8
    assert sum(r.error == "timeout" for r in results.values()) == 12
    assert results[status_url("https://[::1")].error in {"bad-url", "network"}
    assert 2.9 <= elapsed < 20


def test_a_fetched_document_becomes_a_sanitized_snapshot(provider_server: ProviderServer) -> None:
    wrapped = dumps(legacy(legacy_node(gpu=2**64 - 1)))
    url = provider_server.add("wrapped", lambda poll: Answer(wrapped))
    result = collect([url])[url]
    snapshot = result.snapshot()
    assert snapshot.provider == url and snapshot.report is not None
    assert [f.code for f in snapshot.report.findings] == ["wrapped-negative"]
    assert snapshot.document is not None and b"18446744073709551615" not in snapshot.document
    assert akinv.validate(snapshot.document).ok


def test_the_providers_file() -> None:
    from akinv.index.indexer import read_providers

    text = "# mainnet\nprovider.a.com\nhttps://provider.b.com:8443  # b\n\nprovider.a.com:8443\n"
    assert read_providers(text) == [
        "https://provider.a.com:8443/status",
        "https://provider.b.com:8443/status",
    ]
    with pytest.raises(ValueError, match="line 2"):
        read_providers("ok.com\n" + "x" * 1001)


def test_large_bodies_are_read_a_few_at_a_time(provider_server: ProviderServer) -> None:
    # Three 17 MiB bodies, each pausing 0.5 s after 16 MiB (beyond what socket buffers hold ahead of
    # a reader stopped at 1 MiB). Read one at a time past 1 MiB, the pauses add up (1.5 s); three at
    # a time, they overlap (0.5 s). Compared in one test, so the machine's load counts on both sides.
    big = GOOD[:-1] + b',"pad":"' + b"x" * (17 << 20) + b'"}'
    answer = Answer(big, mode="chunked", pause_after=16 << 20, pause=0.5)
    urls = [provider_server.add(f"big{i}", lambda poll: answer) for i in range(3)]

    def slowest(large_bodies: int) -> float:
        results = collect(urls, large_bodies=large_bodies, timeout=60)
        assert all(r.ok for r in results.values())
        return max(r.elapsed for r in results.values())

    assert slowest(1) - slowest(3) >= 0.6
