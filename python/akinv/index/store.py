"""Where snapshots go: SQLite (default, embedded) or PostgreSQL (psycopg 3, bulk writes with COPY).

The store creates and migrates its own schema (a ``schema_version`` table records what was applied)
and writes snapshots idempotently: the same provider, time, sequence number and content twice adds
nothing. Both backends share this module's logic; each supplies a handful of primitives.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

from akinv.errors import StoreError
from akinv.index.schema import SCHEMA_VERSION, Dialect, columns, migration
from akinv.index.snapshot import Row, Rows, Snapshot, build_rows

__all__ = ["DEFAULT_URL", "Added", "Store", "StoredSnapshot", "TextNulError", "connect"]

DEFAULT_URL = "sqlite:///akinv.db"
CHILD_TABLES = ("node", "gpu_device", "gpu", "storage", "finding")
_KEY_COLUMNS = ["id", "provider_id", "checked_at", "seq", "content_hash"]


class TextNulError(StoreError):
    """PostgreSQL refused a text holding a NUL character (its text type cannot hold one)."""


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot the store just added. ``late`` when it is not newer than what the store already
    held for its provider: it is kept, but the tracker does not learn from it."""

    rows: Rows
    id: int
    provider_id: int
    late: bool


@dataclass(frozen=True)
class Added:
    stored: list[StoredSnapshot]
    duplicates: int


@dataclass
class _Provider:
    id: int
    last_checked_at: datetime | None
    last_seq: int | None
    last_snapshot_id: int | None
    last_ok_snapshot_id: int | None
    changed: bool = False


class Store(ABC):
    """A connection to the indexer's database. Use it as a context manager, or call close()."""

    dialect: Dialect

    def __init__(self, url: str) -> None:
        self.url = url
        self._depth = 0

    @abstractmethod
    def _begin(self) -> None: ...
    @abstractmethod
    def _commit(self) -> None: ...
    @abstractmethod
    def _rollback(self) -> None: ...
    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query written with ``?`` placeholders."""

    @abstractmethod
    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    @abstractmethod
    def insert(self, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows in bulk (COPY on PostgreSQL)."""

    @abstractmethod
    def reserve_ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh ids for ``table`` (snapshot or anomaly), within the open transaction."""

    @abstractmethod
    def _providers_locked(self, names: Sequence[str], now: datetime) -> dict[str, tuple[Any, ...]]:
        """Create the providers not yet known; (id, last_checked_at, last_seq, last_snapshot_id,
        last_ok_snapshot_id) of each, locked until the transaction ends."""

    @abstractmethod
    def _existing(self, keys: Sequence[tuple[int, datetime, int, bytes]]) -> set[tuple[int, Any, int, bytes]]:
        """Which (provider_id, time as stored, seq, hash) keys the snapshot table already holds."""

    @abstractmethod
    def update_many(self, table: str, key: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Set ``names`` of the rows whose ``key`` is each row's last value."""

    @abstractmethod
    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, Any]:
        """A condition "column is one of values" with one ``?`` placeholder, and its parameter."""

    @abstractmethod
    def to_db_time(self, value: datetime) -> Any: ...
    @abstractmethod
    def from_db_time(self, value: Any) -> datetime: ...
    @abstractmethod
    def close(self) -> None: ...
    @abstractmethod
    def table_sizes(self) -> dict[str, tuple[int, int | None]]:
        """Rows and bytes on disk (None when the backend cannot tell) of each table."""

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested calls join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def migrate(self) -> int:
        """Bring the schema to this library's version; returns the version found before."""
        with self.transaction():
            self._lock_schema()
            self._create_version_table()
            found = self.query("SELECT max(version) FROM schema_version")[0][0] or 0
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.url}: the database has schema version {found}, newer than this akinv "
                    f"({SCHEMA_VERSION}); upgrade akinv"
                )
            for version in range(found + 1, SCHEMA_VERSION + 1):
                for statement in migration(version, self.dialect):
                    self.query(statement)
                self.query(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (version, self.to_db_time(datetime.now(timezone.utc))),
                )
            return int(found)

    def schema_version(self) -> int:
        return int(self.query("SELECT max(version) FROM schema_version")[0][0] or 0)

    @abstractmethod
    def _lock_schema(self) -> None:
        """Serialize migrations between writers, within the open transaction."""

    def _create_version_table(self) -> None:
        self.query(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            f"applied_at {'TIMESTAMPTZ' if self.dialect == 'postgresql' else 'TEXT'} NOT NULL)"
        )

    def add(self, snapshots: Sequence[Snapshot | Rows]) -> Added:
        """Store snapshots (in one transaction); the ones already stored are skipped."""
        with self.transaction():
            return self._add([s if isinstance(s, Rows) else build_rows(s) for s in snapshots])

    def _add(self, built: list[Rows]) -> Added:
        if not built:
            return Added([], 0)
        now = datetime.now(timezone.utc)
        providers = {
            name: _Provider(*state)
            for name, state in self._providers_locked(sorted({r.provider for r in built}), now).items()
        }
        for provider in providers.values():
            if provider.last_checked_at is not None:
                provider.last_checked_at = self.from_db_time(provider.last_checked_at)
        fresh = self._fresh(built, providers)
        duplicates = len(built) - len(fresh)
        fresh.sort(key=lambda rows: (providers[rows.provider].id, rows.checked_at, rows.seq))
        ids = self.reserve_ids("snapshot", len(fresh))
        stored: list[StoredSnapshot] = []
        snapshot_rows: list[Row] = []
        children: dict[str, list[Row]] = {table: [] for table in CHILD_TABLES}
        documents: dict[int, tuple[int, Any, bytes]] = {}
        to_db_time = self.to_db_time
        for rows, snapshot_id in zip(fresh, ids, strict=True):
            provider = providers[rows.provider]
            late = _late(provider, rows)
            checked_at = to_db_time(rows.checked_at)
            if not late:
                provider.last_checked_at, provider.last_seq = rows.checked_at, rows.seq
                provider.last_snapshot_id = snapshot_id
                if rows.ok:
                    provider.last_ok_snapshot_id = snapshot_id
                provider.changed = True
                if rows.document is not None:
                    documents[provider.id] = (snapshot_id, checked_at, rows.document)
            stored.append(StoredSnapshot(rows, snapshot_id, provider.id, late))
            row = rows.snapshot
            row[0], row[1], row[2], row[3], row[4] = (
                snapshot_id,
                provider.id,
                checked_at,
                rows.seq,
                rows.content_hash,
            )
            snapshot_rows.append(row)
            _add_children(children, snapshot_id, rows)
        self.insert("snapshot", _KEY_COLUMNS + columns("snapshot"), snapshot_rows)
        for table, table_rows in children.items():
            if table_rows:
                self.insert(table, ["snapshot_id", *columns(table)], table_rows)
        self._update_providers(providers.values())
        if documents:
            self.execute_many(
                "INSERT INTO latest_document (provider_id, snapshot_id, checked_at, document) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (provider_id) DO UPDATE SET "
                "snapshot_id = excluded.snapshot_id, checked_at = excluded.checked_at, "
                "document = excluded.document",
                [(provider_id, *rest) for provider_id, rest in documents.items()],
            )
        return Added(stored, duplicates)

    def _fresh(self, built: list[Rows], providers: dict[str, _Provider]) -> list[Rows]:
        """The snapshots not stored yet, once each. Only a snapshot not newer than its provider's
        latest can be stored already: the others need no look-up."""
        keyed = [
            ((providers[r.provider].id, self.to_db_time(r.checked_at), r.seq, r.content_hash), r)
            for r in built
        ]
        existing = self._existing([key for key, r in keyed if _late(providers[r.provider], r)])
        fresh: list[Rows] = []
        for key, item in keyed:
            if key not in existing:
                existing.add(key)
                fresh.append(item)
        return fresh

    def _update_providers(self, providers: Iterator[_Provider] | Any) -> None:
        rows = [
            (
                self.to_db_time(p.last_checked_at) if p.last_checked_at else None,
                p.last_seq,
                p.last_snapshot_id,
                p.last_ok_snapshot_id,
                p.id,
            )
            for p in providers
            if p.changed
        ]
        if rows:
            self.update_many(
                "provider",
                "id",
                ["last_checked_at", "last_seq", "last_snapshot_id", "last_ok_snapshot_id"],
                rows,
            )

    def providers(self) -> list[tuple[int, str]]:
        return [
            (int(row[0]), str(row[1])) for row in self.query("SELECT id, name FROM provider ORDER BY name")
        ]

    def latest_documents(self) -> dict[str, bytes]:
        """Each provider's latest sanitized document (fetched providers whose latest poll succeeded)."""
        rows = self.query(
            "SELECT p.name, d.document FROM latest_document d JOIN provider p ON p.id = d.provider_id "
            "WHERE d.snapshot_id = p.last_snapshot_id ORDER BY p.name"
        )
        return {str(name): bytes(document) for name, document in rows}


def _late(provider: _Provider, rows: Rows) -> bool:
    if provider.last_checked_at is None:
        return False
    return (rows.checked_at, rows.seq) <= (provider.last_checked_at, provider.last_seq or 0)


def _add_children(children: dict[str, list[Row]], snapshot_id: int, rows: Rows) -> None:
    """Each child row of the snapshot, its snapshot id slot filled in place."""
    for table, table_rows in (
        ("node", rows.nodes),
        ("gpu_device", rows.gpu_devices),
        ("gpu", rows.gpus),
        ("storage", rows.storage),
        ("finding", rows.findings),
    ):
        if table_rows:
            for row in table_rows:
                row[0] = snapshot_id
            children[table] += table_rows


def connect(url: str | os.PathLike[str] | None = None, *, create: bool = True, migrate: bool = True) -> Store:
    """Open the store at ``url``: ``sqlite:///PATH`` (``sqlite:///:memory:`` in memory), a plain file
    path, or ``postgresql://...``; the default is ``akinv.db`` in the working directory. The schema
    is created or migrated unless ``migrate`` is False; an SQLite file that does not exist is an
    error unless ``create``."""
    text = os.fspath(url) if url is not None else DEFAULT_URL
    store: Store
    if text.startswith(("postgresql://", "postgres://")):
        from akinv.index.postgres import PostgresStore

        store = PostgresStore(text)
    else:
        from akinv.index.sqlite import SqliteStore

        path = text[len("sqlite:///") :] if text.startswith("sqlite:///") else text
        if text.startswith("sqlite:") and not text.startswith("sqlite:///"):
            raise StoreError(f"not an SQLite URL: {text!r} (write sqlite:///PATH)")
        if "://" in path:
            raise StoreError(f"unknown database URL: {text!r} (sqlite:///PATH or postgresql://...)")
        if not create and path != ":memory:" and not os.path.exists(path):
            raise StoreError(f"no database at {path} (akinv index or akinv ingest creates it)")
        store = SqliteStore(text, path)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store
