"""End to end: a local HTTPS server plays 50 providers, `akinv index` polls them for several rounds.

Healthy providers (v1 with H100s or RTX 4090s, legacy with unnamed GPUs), four whose device plugin
restarts (a wrapped GPU count for three polls, then healthy), three with a wrapped count that never
heals, one that hangs, one that answers garbage and one whose body is over the limit. Afterwards the
database holds every snapshot with int64-safe numbers, the tracker tells the restarts (transient)
from the misconfigurations (persistent), and `akinv gpus` shows the expected table, against SQLite
and a real PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from documents import dumps, legacy, legacy_node, v1, v1_node
from provider_server import Answer, ProviderServer

import akinv
from akinv import _akinv
from akinv.cli import main
from akinv.index import Tracker, connect
from akinv.index.views import inventories

WRAPPED = 2**64 - 1
RTX4090 = {
    "vendor": "nvidia",
    "vendor_id": "10de",
    "name": "rtx4090",
    "model_id": "2684",
    "interface": "PCIe",
    "memory_size": "24Gi",
}
# Enough for the restarting plugin to heal (poll 4) and the stuck count to outlive 3 snapshots.
ROUNDS = 4
LIMIT = 256 << 10


def h100_provider(i: int) -> bytes:
    return dumps(v1(v1_node("gpu1", gpu=("8", str(i % 9))), v1_node("cpu1", gpu=("0", "0"), gpu_info=[])))


def rtx_provider(i: int) -> bytes:
    return dumps(v1(v1_node("gpu1", gpu=("4", str(i % 5)), gpu_info=[dict(RTX4090) for _ in range(4)])))


def legacy_provider(i: int, gpu_available: int | None = None) -> bytes:
    available = i % 9 if gpu_available is None else gpu_available
    return dumps(legacy(legacy_node("node1", gpu=available), legacy_node("node2", {"gpu": 0}, gpu=0)))


def the_providers() -> dict[str, tuple[str, Callable[[int], Answer]]]:
    """name -> (kind, behaviour)"""
    providers: dict[str, tuple[str, Callable[[int], Answer]]] = {}

    def constant(body: bytes) -> Callable[[int], Answer]:
        return lambda poll: Answer(body)

    for i in range(20):
        providers[f"h100-{i}"] = ("healthy", constant(h100_provider(i)))
    for i in range(10):
        providers[f"rtx-{i}"] = ("healthy", constant(rtx_provider(i)))
    for i in range(10):
        providers[f"legacy-{i}"] = ("healthy", constant(legacy_provider(i)))
    for i in range(4):
        wrapped, healed = legacy_provider(i, WRAPPED), legacy_provider(i, 5)
        providers[f"restart-{i}"] = (
            "restart",
            lambda poll, wrapped=wrapped, healed=healed: Answer(wrapped if poll <= 3 else healed),
        )
    for i in range(3):
        providers[f"stuck-{i}"] = ("stuck", constant(legacy_provider(i, WRAPPED)))
    providers["hang"] = ("hang", lambda poll: Answer(mode="hang"))
    providers["garbage"] = ("garbage", lambda poll: Answer(b"\x00\xffnot json at all"))
    big = h100_provider(0)[:-1] + b',"pad":"' + b"x" * LIMIT + b'"}'
    providers["huge"] = ("huge", lambda poll: Answer(big, mode="chunked"))
    return providers


def h100_order() -> _akinv.OrderCore:
    unit = {
        "id": 1,
        "name": "train",
        "count": 1,
        "cpu_millis": 1000,
        "memory_bytes": 1 << 30,
        "gpu_units": 1,
        "gpu_attributes": ["vendor/nvidia/model/h100"],
        "storage": [{"name": "default", "bytes": 1 << 30}],
        "endpoints": 1,
        "ips": 0,
    }
    doc = {
        "source": "test",
        "units": [unit],
        "price": {"denom": "uact", "amount": "1000000"},
        "price_precision": 6,
    }
    return _akinv.OrderCore(json.dumps(doc).encode())


def expected_gpus(bodies: dict[str, bytes]) -> dict[tuple[str, str, str, str], dict[str, int]]:
    """The network table from the core's own GPU groups of each counted provider's last document."""
    table: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for body in bodies.values():
        for group in akinv.validate(body).gpus:
            row = table.setdefault(
                (group.vendor, group.model, group.memory_size, group.interface),
                {"providers": 0, "devices": 0, "allocatable": 0, "available": 0},
            )
            row["providers"] += 1
            row["devices"] += group.devices
            row["allocatable"] += group.allocatable
            row["available"] += group.available
    return table


@pytest.mark.slow
def test_index_rounds_end_to_end(
    provider_server: ProviderServer, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    providers = the_providers()
    urls = {name: provider_server.add(name, behaviour) for name, (_, behaviour) in providers.items()}
    kind = {urls[name]: k for name, (k, _) in providers.items()}
    listing = tmp_path / "providers.txt"
    listing.write_text("# the test's providers\n" + "\n".join(urls.values()) + "\n\n")
    assert len(urls) == 50

    code = main(
        ["index", "--providers", str(listing), "--db", db_url, "--every", "0s", "--rounds", str(ROUNDS),
         "--timeout", "1.5s", "--concurrency", "16", "--max-bytes", f"{LIMIT}",
         "--transient-snapshots", "3", "--transient-seconds", "0"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.count(": 50 providers in ") == ROUNDS
    for name in ("hang", "garbage", "huge"):
        assert f"{urls[name]}: " in err  # each failed provider named, with why
    assert f"{urls['hang']}: timeout: " in err and f"{urls['huge']}: too-large: " in err
    assert f"{urls['garbage']}: not-json: " in err
    assert all(provider_server.polls_of(url) == ROUNDS for url in urls.values())

    with connect(db_url) as store:
        check_snapshots(store, urls, kind)
        tracker = Tracker(store)
        check_anomalies(tracker, urls, kind)

    # The GPU table: every provider's last answer counted, except the failed and the stuck ones.
    assert main(["gpus", "--db", db_url, "--format", "json"]) == 0
    network = json.loads(capsys.readouterr().out)
    counted = {name for name, (k, _) in providers.items() if k in {"healthy", "restart"}}
    last = {name: providers[name][1](ROUNDS).body for name in counted}
    expected = expected_gpus(last)
    got = {
        (row["vendor"], row["model"], row["memory_size"], row["interface"]): {
            key: row[key] for key in ("providers", "devices", "allocatable", "available")
        }
        for row in network["gpus"]
    }
    assert got == expected
    assert network["counted"] == len(counted) == 44
    # Spelled out, so the oracle itself is checked: 20 nodes of 8 H100s, 10 of 4 RTX 4090s, and the
    # legacy nodes' GPUs (no device information: the empty kind).
    h100 = got[("nvidia", "h100", "80Gi", "sxm5")]
    assert h100 == {
        "providers": 20,
        "devices": 160,
        "allocatable": 160,
        "available": sum(8 - i % 9 for i in range(20)),
    }
    rtx = got[("nvidia", "rtx4090", "24Gi", "pcie")]
    assert rtx == {
        "providers": 10,
        "devices": 40,
        "allocatable": 40,
        "available": sum(4 - i % 5 for i in range(10)),
    }
    assert got[("", "", "", "")]["available"] == sum(i % 9 for i in range(10)) + 4 * 5
    apart = {row["provider"]: row for row in network["apart"]}
    assert {p: row["reason"] for p, row in apart.items()} == {
        **{urls[n]: "failed" for n in ("hang", "garbage", "huge")},
        **{urls[f"stuck-{i}"]: "persistent-anomalies" for i in range(3)},
    }
    assert apart[urls["hang"]]["error"] == "timeout"
    assert apart[urls["stuck-0"]]["anomalies"] == ["wrapped-negative node1/gpu"]
    # The stuck providers' GPUs are listed apart, untrusted ones withheld: never dropped silently.
    assert (
        apart[urls["stuck-0"]]["gpus"][0]["allocatable"] == 8
        and apart[urls["stuck-0"]]["gpus"][0]["available"] == 0
    )
    assert len(network["providers"]) == 20 + 10 + 10 + 4

    # The same sweep answers "who can host this order": one H100, fed to bid matching.
    with connect(db_url) as store:
        matches = inventories(store).match(h100_order())
    # Legacy documents list no device models, so their free GPUs may be any model to the matcher.
    expected = {urls[f"h100-{i}"] for i in range(20) if i % 9 != 8}
    expected |= {urls[f"legacy-{i}"] for i in range(10) if i % 9} | {urls[f"restart-{i}"] for i in range(4)}
    assert {m.provider for m in matches if m.ok} == expected
    assert len(matches) == 47  # every provider whose last poll answered

    assert main(["gpus", "--db", db_url]) == 0
    text = capsys.readouterr().out
    assert "GPUs of 44 providers" in text and "h100" in text and "persistent anomalies" in text
    assert main(["anomalies", "--db", db_url, "--persistent", "--format", "json"]) == 0
    persistent = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(a["provider"] for a in persistent) == sorted(urls[f"stuck-{i}"] for i in range(3))


def check_snapshots(store: Any, urls: dict[str, str], kind: dict[str, str]) -> None:
    rows = store.query(
        "SELECT p.name, s.error, s.valid, s.gpu_available, s.gpu_allocatable FROM snapshot s "
        "JOIN provider p ON p.id = s.provider_id"
    )
    assert len(rows) == 50 * ROUNDS
    by_provider: dict[str, list[tuple[Any, ...]]] = {}
    for name, *rest in rows:
        by_provider.setdefault(name, []).append(tuple(rest))
    assert set(by_provider) == set(urls.values())
    errors = {"hang": "timeout", "garbage": "not-json", "huge": "too-large"}
    for url, snapshots in by_provider.items():
        assert len(snapshots) == ROUNDS
        if kind[url] in errors:
            assert {s[0] for s in snapshots} == {errors[kind[url]]}
        else:
            assert {s[0] for s in snapshots} == {None}
        if kind[url] == "stuck":
            assert {(s[1], s[2], s[3]) for s in snapshots} == {(False, 0, 8)}
    # No number anywhere beyond int64: the wrapped counts were withheld, not stored.
    bound = 2**63 - 1
    quantities = [
        c for c in _columns(store, "snapshot") if c.endswith(("_allocatable", "_allocated", "_available"))
    ]
    biggest = store.query(f"SELECT {', '.join(f'max({c})' for c in quantities)} FROM snapshot")[0]
    assert all(v is None or 0 <= v <= bound for v in biggest)
    withheld = store.query("SELECT count(*) FROM node WHERE withheld = 'gpu.allocated,gpu.available'")[0][0]
    assert withheld == 3 * ROUNDS + 4 * 3
    values = {row[0] for row in store.query("SELECT value FROM finding WHERE code = 'wrapped-negative'")}
    assert values == {str(WRAPPED)}  # the original value, exactly


def check_anomalies(tracker: Tracker, urls: dict[str, str], kind: dict[str, str]) -> None:
    found = tracker.anomalies()
    assert {(a.provider, a.node, a.code, a.resource) for a in found} == {
        (url, "node1", "wrapped-negative", "gpu") for url, k in kind.items() if k in {"restart", "stuck"}
    }
    for anomaly in found:
        if kind[anomaly.provider] == "restart":
            assert anomaly.state == "transient" and anomaly.snapshots == 3 and anomaly.ended_at is not None
            assert anomaly.ended_at > anomaly.started_at
        else:
            assert anomaly.state == "persistent" and anomaly.snapshots == ROUNDS and anomaly.ongoing
    assert {a.provider for a in tracker.anomalies(state="persistent", ongoing=True)} == {
        url for url, k in kind.items() if k == "stuck"
    }


def _columns(store: Any, table: str) -> list[str]:
    from akinv.index.schema import columns

    return columns(table)
