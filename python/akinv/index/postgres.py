"""The PostgreSQL store (psycopg 3): tables in the ``akinv`` schema, rows written with COPY."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from akinv.errors import StoreError
from akinv.index.store import Store, TextNulError

__all__ = ["PostgresStore"]

SCHEMA = "akinv"
# PostgreSQL types of the columns update_many sets, for the arrays it unnests.
_TYPES = {
    "id": "bigint",
    "last_checked_at": "timestamptz",
    "last_seq": "bigint",
    "last_snapshot_id": "bigint",
    "last_ok_snapshot_id": "bigint",
    "state": "text",
    "severity": "text",
    "last_seen_at": "timestamptz",
    "ended_at": "timestamptz",
    "snapshots": "integer",
    "end_snapshot_id": "bigint",
    "path": "text",
    "value": "text",
    "message": "text",
}


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        try:
            import psycopg
        except ImportError as error:
            raise StoreError("a PostgreSQL store needs psycopg 3: pip install 'akinv[index]'") from error
        self._errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        try:
            # Autocommit between transactions, so reads never leave a transaction open.
            self._db = psycopg.connect(url, autocommit=True)
            self._db.execute(f"SET search_path TO {SCHEMA}")
        except psycopg.Error as error:
            raise StoreError(f"{_redacted(url)}: {str(error).strip()}") from error
        self._cursor = self._db.cursor()
        self._transaction: Any = None
        self._types: dict[str, dict[str, int]] = {}

    def _fail(self, error: BaseException) -> StoreError:
        message = f"{_redacted(self.url)}: {str(error).strip()}"
        if getattr(error, "sqlstate", None) == "22021" and "0x00" in str(error):
            return TextNulError(message)
        return StoreError(message)

    def _begin(self) -> None:
        try:
            self._transaction = self._db.transaction()
            self._transaction.__enter__()
        except self._errors as error:
            raise self._fail(error) from error

    def _commit(self) -> None:
        transaction, self._transaction = self._transaction, None
        try:
            transaction.__exit__(None, None, None)
        except self._errors as error:
            raise self._fail(error) from error

    def _rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            rollback = RuntimeError("rolled back")
            try:
                transaction.__exit__(RuntimeError, rollback, None)
            except self._errors:
                pass

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cursor = self._cursor.execute(sql.replace("?", "%s"), params or None)
            return cursor.fetchall() if cursor.description is not None else []
        except self._errors as error:
            raise self._fail(error) from error

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._cursor.executemany(sql.replace("?", "%s"), rows)
        except self._errors as error:
            raise self._fail(error) from error

    def insert(self, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        # Binary COPY: the server parses no text (it costs it a third less CPU than text COPY).
        types = self._column_types(table)
        try:
            with self._cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[name] for name in names])
                write = copy.write_row
                for row in rows:
                    write(row)
        except self._errors as error:
            raise self._fail(error) from error

    def _column_types(self, table: str) -> dict[str, int]:
        """The type oid of each of a table's columns, asked once."""
        types = self._types.get(table)
        if types is None:
            rows = self.query(
                "SELECT attname, atttypid::integer FROM pg_attribute WHERE attrelid = ?::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                (f"{SCHEMA}.{table}",),
            )
            types = self._types[table] = {str(name): int(oid) for name, oid in rows}
        return types

    def reserve_ids(self, table: str, count: int) -> list[int]:
        if count == 0:
            return []
        rows = self.query(f"SELECT nextval('{table}_id_seq') FROM generate_series(1, ?)", (count,))
        return [int(row[0]) for row in rows]

    def _lock_schema(self) -> None:
        self.query("SELECT pg_advisory_xact_lock(hashtext('akinv schema'))")
        self.query(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")

    def _providers_locked(self, names: Sequence[str], now: datetime) -> dict[str, tuple[Any, ...]]:
        self.query(
            "INSERT INTO provider (name, first_seen) SELECT n, ? FROM unnest(?::text[]) AS n "
            "ON CONFLICT (name) DO NOTHING",
            (now, list(names)),
        )
        rows = self.query(
            "SELECT name, id, last_checked_at, last_seq, last_snapshot_id, last_ok_snapshot_id "
            "FROM provider WHERE name = ANY(?::text[]) ORDER BY id FOR UPDATE",
            (list(names),),
        )
        return {row[0]: row[1:] for row in rows}

    def _existing(self, keys: Sequence[tuple[int, Any, int, bytes]]) -> set[tuple[int, Any, int, bytes]]:
        if not keys:
            return set()
        provider_ids, times, seqs, hashes = (list(column) for column in zip(*keys, strict=True))
        rows = self.query(
            "SELECT s.provider_id, s.checked_at, s.seq, s.content_hash FROM snapshot s "
            "JOIN unnest(?::integer[], ?::timestamptz[], ?::bigint[], ?::bytea[]) AS k(p, t, q, h) "
            "ON s.provider_id = k.p AND s.checked_at = k.t AND s.seq = k.q AND s.content_hash = k.h",
            (provider_ids, times, seqs, hashes),
        )
        # Aware datetimes compare and hash by instant, whatever zone the session returns them in.
        return {(p, t, q, bytes(h)) for p, t, q, h in rows}

    def update_many(self, table: str, key: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        all_names = [*names, key]
        arrays = [list(column) for column in zip(*rows, strict=True)]
        unnest = ", ".join(f"?::{_TYPES[name]}[]" for name in all_names)
        assignments = ", ".join(f"{name} = u.{name}" for name in names)
        self.query(
            f"UPDATE {table} AS t SET {assignments} FROM unnest({unnest}) AS u({', '.join(all_names)}) "
            f"WHERE t.{key} = u.{key}",
            arrays,
        )

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, Any]:
        return f"{column} = ANY(?)", list(values)

    def to_db_time(self, value: datetime) -> datetime:
        return value

    def from_db_time(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError(f"{_redacted(self.url)}: expected a timestamp, got {value!r}")
        return value.astimezone(timezone.utc)

    def close(self) -> None:
        self._db.close()

    def table_sizes(self) -> dict[str, tuple[int, int | None]]:
        tables = [
            row[0]
            for row in self.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename", (SCHEMA,)
            )
        ]
        sizes: dict[str, tuple[int, int | None]] = {}
        for table in tables:
            count = int(self.query(f"SELECT count(*) FROM {table}")[0][0])
            size = self.query("SELECT pg_total_relation_size(?::regclass)", (f"{SCHEMA}.{table}",))[0][0]
            sizes[table] = (count, int(size))
        return sizes


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"
