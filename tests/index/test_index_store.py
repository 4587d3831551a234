"""The store against SQLite and a real PostgreSQL: schema, column widths, idempotency, the tracker."""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from documents import dumps, legacy, legacy_node, pair, v1, v1_node

import akinv
from akinv.errors import StoreError
from akinv.index import Snapshot, Tracker, connect
from akinv.index.schema import SCHEMA_VERSION, columns
from akinv.index.snapshot import INT4_MAX, INT64_MAX, build_rows

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
GOOD = akinv.validate(dumps(legacy(legacy_node())))
WRAPPED = akinv.validate(dumps(legacy(legacy_node(gpu=2**64 - 1))))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_schema_is_created_and_versioned(db_url: str) -> None:
    with connect(db_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.migrate() == SCHEMA_VERSION  # already there: nothing to do
        tables = set(store.table_sizes())
    assert {"schema_version", "provider", "snapshot", "node", "gpu_device", "gpu", "storage", "finding",
            "anomaly", "latest_document"} <= tables  # fmt: skip
    with connect(db_url) as store:
        store.query(
            "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
            (SCHEMA_VERSION + 1, store.to_db_time(T0)),
        )
    with pytest.raises(StoreError, match="newer than this akinv"):
        connect(db_url)


def test_postgresql_columns_have_the_console_widths(postgres_url: str) -> None:
    with connect(postgres_url) as store:
        types = dict(
            store.query(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'akinv'"
            )
        )
    assert types["snapshot.gpu_available"] == types["node.memory_allocatable"] == "bigint"
    assert types["snapshot.storage_allocatable"] == types["storage.allocated"] == "bigint"
    assert (
        types["snapshot.leases"] == types["snapshot.deployments"] == types["snapshot.node_count"] == "integer"
    )
    assert types["snapshot.http_status"] == "smallint"
    quantities = [c for c in columns("snapshot") if c.endswith(("_allocatable", "_allocated", "_available"))]
    assert {types[f"snapshot.{c}"] for c in quantities} == {"bigint"}


def test_storing_twice_adds_nothing(db_url: str) -> None:
    snapshots = [
        Snapshot("p1", at(0), GOOD),
        Snapshot("p1", at(1), WRAPPED),
        Snapshot("p2", at(0), error="timeout", reason="slow"),
    ]
    with connect(db_url) as store:
        tracker = Tracker(store)
        first = tracker.record(snapshots)
        again = tracker.record(snapshots + snapshots)
        sizes = store.table_sizes()
    assert (first.stored, first.duplicates) == (3, 0)
    assert (again.stored, again.duplicates) == (0, 6)
    assert sizes["snapshot"][0] == 3 and sizes["finding"][0] == 1 and sizes["anomaly"][0] == 1
    # The same time and content at another sequence number is another snapshot (an archive's line).
    with connect(db_url) as store:
        assert Tracker(store).record([Snapshot("p1", at(1), WRAPPED, seq=7)]).stored == 1


def test_counters_beyond_int4_are_null_with_a_finding(db_url: str) -> None:
    doc = legacy(legacy_node())
    doc["cluster"]["leases"] = 4294967295  # uint32 of -1: the core's uint32 cap lets it through
    doc["manifest"]["deployments"] = INT4_MAX
    report = akinv.validate(dumps(doc))
    assert report.counters["leases"] == 4294967295 and report.ok
    with connect(db_url) as store:
        Tracker(store).record([Snapshot("p", at(0), report)])
        leases, deployments, valid, errors = store.query(
            "SELECT leases, deployments, valid, error_count FROM snapshot"
        )[0]
        findings = store.query("SELECT code, resource, value FROM finding")
        anomalies = Tracker(store).anomalies()
    assert (leases, deployments, bool(valid), errors) == (None, INT4_MAX, False, 1)
    assert findings == [("above-column", "leases", "4294967295")]
    assert [(a.code, a.resource, a.value) for a in anomalies] == [("above-column", "leases", "4294967295")]


def test_sums_saturate_at_the_bigint_maximum(db_url: str) -> None:
    # Two storage classes of 7 EiB each: each fits int64, their sum does not.
    storage = [
        {"quantity": pair("7Ei", "1Ei"), "info": {"class": "beta2"}},
        {"quantity": pair("7Ei", "1Ei"), "info": {"class": "beta3"}},
    ]
    policy = akinv.Policy(storage_bytes=INT64_MAX)
    report = akinv.validate(dumps(v1(v1_node(), storage=storage)), policy=policy)
    assert report.totals.storage["beta3"].allocatable == 7 << 60
    with connect(db_url) as store:
        Tracker(store).record([Snapshot("p", at(0), report)])
        row = store.query("SELECT storage_allocatable, storage_allocated, storage_available FROM snapshot")[0]
        per_class = store.query("SELECT class, allocatable FROM storage ORDER BY class")
    assert tuple(row) == (INT64_MAX, 2 << 60, INT64_MAX)
    assert per_class == [("beta2", 7 << 60), ("beta3", 7 << 60)]


def test_the_largest_report_numbers_fit(db_url: str) -> None:
    # Untrusted numbers are withheld and a report's sums saturate within int64: all of it stores.
    nodes = [
        legacy_node(f"n{i}", {"storage_ephemeral": 2**63 - 2}, storage_ephemeral=2**63 - 2) for i in range(3)
    ]
    report = akinv.validate(dumps(legacy(*nodes, storage=[{"class": "beta3", "size": 2**64 - 1}])),
                            policy=akinv.Policy(ephemeral_storage_bytes=INT64_MAX))  # fmt: skip
    assert report.totals.ephemeral_storage_bytes.allocatable == INT64_MAX
    with connect(db_url) as store:
        Tracker(store).record([Snapshot("p", at(0), report)])
        assert store.query("SELECT ephemeral_storage_allocatable FROM snapshot")[0][0] == INT64_MAX
        assert store.query("SELECT max(ephemeral_storage_allocatable) FROM node")[0][0] == 2**63 - 2


def test_no_policy_lets_report_numbers_past_bigint() -> None:
    # The store relies on it: every number in a report stays within int_limit, at most 2^63 - 1.
    assert akinv.Policy(int_limit=INT64_MAX).int_limit == INT64_MAX
    with pytest.raises(ValueError, match="int_limit"):
        akinv.Policy(int_limit=INT64_MAX + 1)


def test_transient_and_persistent(db_url: str) -> None:
    with connect(db_url) as store:
        tracker = Tracker(store, transient_snapshots=2, transient_seconds=90)
        for minute in range(6):
            tracker.record([
                Snapshot("restart", at(minute), WRAPPED if minute < 2 else GOOD),
                Snapshot("slow-heal", at(minute), WRAPPED if minute < 3 else GOOD),
                Snapshot("stuck", at(minute), WRAPPED),
                # A failed poll neither extends nor ends an anomaly; a provider whose inventory is
                # not ready says nothing either.
                Snapshot("flaky", at(minute), WRAPPED if minute in (0, 5) else None,
                         error=None if minute in (0, 5) else "timeout"),
            ])  # fmt: skip
        found = {a.provider: a for a in tracker.anomalies()}
    assert found["restart"].state == "transient" and found["restart"].snapshots == 2
    assert (found["restart"].started_at, found["restart"].ended_at) == (at(0), at(2))
    # Seen in 3 snapshots (more than 2) but ended 3 minutes after it started (more than 90 s).
    assert found["slow-heal"].state == "persistent" and found["slow-heal"].ended_at == at(3)
    assert found["stuck"].state == "persistent" and found["stuck"].ongoing and found["stuck"].snapshots == 6
    # Seen in 2 snapshots only (the failed polls between do not count): not yet classified.
    assert found["flaky"].snapshots == 2 and found["flaky"].state == "open" and found["flaky"].ongoing


def test_the_tracker_state_survives_a_restart(db_url: str) -> None:
    with connect(db_url) as store:
        Tracker(store, transient_snapshots=3, transient_seconds=0).record([Snapshot("p", at(0), WRAPPED)])
    for minute in (1, 2, 3):
        with connect(db_url) as store:  # a new process each time, as a restarted indexer
            Tracker(store, transient_snapshots=3, transient_seconds=0).record(
                [Snapshot("p", at(minute), WRAPPED)]
            )
    with connect(db_url) as store:
        (anomaly,) = Tracker(store).anomalies()
    assert anomaly.snapshots == 4 and anomaly.state == "persistent" and anomaly.started_at == at(0)


def test_older_snapshots_are_kept_but_not_tracked(db_url: str) -> None:
    with connect(db_url) as store:
        tracker = Tracker(store)
        tracker.record([Snapshot("p", at(10), GOOD)])
        recorded = tracker.record([Snapshot("p", at(5), WRAPPED)])
        assert (recorded.stored, recorded.late, recorded.opened) == (1, 1, 0)
        assert tracker.anomalies() == []
        latest = store.query(
            "SELECT s.checked_at FROM provider p JOIN snapshot s ON s.id = p.last_snapshot_id"
        )
        assert store.from_db_time(latest[0][0]) == at(10)


def test_rows_are_bounded_and_hash_their_content() -> None:
    rows = build_rows(Snapshot("p", at(0), WRAPPED))
    again = build_rows(Snapshot("p", at(3), WRAPPED, seq=4, source="x"))
    assert rows.content_hash == again.content_hash  # neither time, place nor source is content
    assert rows.content_hash != build_rows(Snapshot("p", at(0), GOOD)).content_hash
    assert all(v is None or isinstance(v, str | bool) or 0 <= v <= INT64_MAX for v in rows.snapshot)
    with pytest.raises(ValueError, match="timezone-aware"):
        Snapshot("p", datetime(2026, 1, 1), GOOD)
    with pytest.raises(ValueError, match="either a report or an error"):
        Snapshot("p", at(0))


def test_a_missing_database_is_an_error_for_readers(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        connect(tmp_path / "missing.db", create=False)
    with pytest.raises(StoreError, match="unknown database URL"):
        connect("mysql://localhost/x")


def test_a_nul_in_a_document_text_is_stored(db_url: str) -> None:
    # PostgreSQL's text cannot hold NUL: there it becomes U+FFFD; SQLite keeps it.
    report = akinv.validate(dumps(legacy(legacy_node("no\0de", gpu=2**64 - 1))))
    with connect(db_url) as store:
        tracker = Tracker(store)
        assert tracker.record([Snapshot("p", at(0), report)]).stored == 1
        assert tracker.record([Snapshot("p", at(0), report)]).duplicates == 1
        names = {row[0] for row in store.query("SELECT name FROM node")}
        (anomaly,) = tracker.anomalies()
    expected = "no\0de" if db_url.startswith("sqlite") else "no\ufffdde"
    assert names == {expected} and anomaly.node == expected


def test_provider_names_are_bounded() -> None:
    with pytest.raises(ValueError, match="provider's name"):
        Snapshot("x" * 3000, at(0), GOOD)
    with pytest.raises(ValueError, match="provider's name"):
        Snapshot("", at(0), GOOD)
    doc = legacy(legacy_node())
    doc["address"] = "a" * 300  # a document's own say: longer than any host name, so not used
    from akinv.index.ingest import provider_of

    assert provider_of(akinv.validate(dumps(doc)), "file.json") == "provider.example.com"


def test_long_texts_from_a_document_are_stored(db_url: str) -> None:
    # Texts a document writes are never indexed as they are: PostgreSQL's B-tree refuses entries of
    # more than about 2,700 bytes.
    # Random letters: PostgreSQL compresses index entries, and a repeated letter would fit.
    letters = random.Random(1).choices(string.ascii_letters + string.digits, k=15_000)
    name, storage_class = "".join(letters[:10_000]), "".join(letters[10_000:])
    doc = legacy(legacy_node(name, gpu=2**64 - 1), storage=[{"class": storage_class, "size": 1 << 40}])
    report = akinv.validate(dumps(doc))
    with connect(db_url) as store:
        tracker = Tracker(store)
        assert tracker.record([Snapshot("p", at(0), report), Snapshot("p", at(1), report)]).stored == 2
        assert store.query("SELECT class FROM storage")[0][0] == storage_class
        (anomaly,) = tracker.anomalies()
    assert anomaly.node == name and anomaly.snapshots == 2
