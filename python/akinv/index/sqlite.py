"""The SQLite store (stdlib sqlite3): WAL journal, one writer at a time (BEGIN IMMEDIATE)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from akinv.errors import StoreError
from akinv.index.store import Store

__all__ = ["SqliteStore"]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, url: str, path: str) -> None:
        super().__init__(url)
        self._last_time: tuple[datetime | None, str] = (None, "")
        try:
            # Autocommit mode: transactions are begun and ended explicitly.
            self._db = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB of page cache (the default is 2 MiB): the snapshot table's unique index takes
            # keys in provider order, all over the tree.
            self._db.execute("PRAGMA cache_size=-65536")
        except sqlite3.Error as error:
            raise StoreError(f"{url}: {error}") from error

    def _fail(self, error: sqlite3.Error) -> StoreError:
        return StoreError(f"{self.url}: {error}")

    def _begin(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def _commit(self) -> None:
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def insert(self, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(names))
        self.execute_many(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)

    def _lock_schema(self) -> None:
        pass  # BEGIN IMMEDIATE already holds the database's write lock

    def reserve_ids(self, table: str, count: int) -> list[int]:
        # Within BEGIN IMMEDIATE no other writer runs, so the ids after the largest are free.
        last = self.query(f"SELECT coalesce(max(id), 0) FROM {table}")[0][0]
        return list(range(last + 1, last + 1 + count))

    def _providers_locked(self, names: Sequence[str], now: datetime) -> dict[str, tuple[Any, ...]]:
        listed = json.dumps(list(names), ensure_ascii=False)
        self.query(
            "INSERT OR IGNORE INTO provider (name, first_seen) SELECT value, ? FROM json_each(?)",
            (self.to_db_time(now), listed),
        )
        rows = self.query(
            "SELECT name, id, last_checked_at, last_seq, last_snapshot_id, last_ok_snapshot_id "
            "FROM provider WHERE name IN (SELECT value FROM json_each(?))",
            (listed,),
        )
        return {row[0]: row[1:] for row in rows}

    def _existing(self, keys: Sequence[tuple[int, Any, int, bytes]]) -> set[tuple[int, Any, int, bytes]]:
        found: set[tuple[int, Any, int, bytes]] = set()
        cursor = self._db.cursor()
        try:
            for key in keys:
                hit = cursor.execute(
                    "SELECT 1 FROM snapshot WHERE provider_id = ? AND checked_at = ? AND seq = ? "
                    "AND content_hash = ?",
                    key,
                ).fetchone()
                if hit is not None:
                    found.add(key)
        except sqlite3.Error as error:
            raise self._fail(error) from error
        return found

    def update_many(self, table: str, key: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        assignments = ", ".join(f"{name} = ?" for name in names)
        self.execute_many(f"UPDATE {table} SET {assignments} WHERE {key} = ?", rows)

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, Any]:
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(list(values), ensure_ascii=False)

    def to_db_time(self, value: datetime) -> str:
        # An archive's documents share their file's time: convert each time once.
        if value != self._last_time[0]:
            self._last_time = (value, value.astimezone(timezone.utc).strftime(_TIME_FORMAT))
        return self._last_time[1]

    def from_db_time(self, value: Any) -> datetime:
        return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)

    def close(self) -> None:
        self._db.close()

    def table_sizes(self) -> dict[str, tuple[int, int | None]]:
        tables = [
            row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        sizes: dict[str, tuple[int, int | None]] = {}
        for table in tables:
            count = int(self.query(f"SELECT count(*) FROM {table}")[0][0])
            try:
                # dbstat is compiled into most SQLite builds; without it the size is unknown.
                size = self._db.execute(
                    "SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = ? AND type = 'index')",
                    (table, table),
                ).fetchone()[0]
            except sqlite3.Error:
                size = None
            sizes[table] = (count, None if size is None else int(size))
        return sizes
