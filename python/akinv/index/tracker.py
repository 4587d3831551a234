"""Anomalies over time: a provider's finding on a node, followed from snapshot to snapshot.

An anomaly is keyed by provider, node, finding code and resource. It opens with the first snapshot
that shows it and ends with the first later snapshot of that provider whose document was read
(inventory ready) and no longer shows it. It is *transient* when it ended within
``transient_snapshots`` snapshots or within ``transient_seconds`` of its start (a device plugin
restarting heals in seconds), and *persistent* once it can no longer be either (a misconfigured
node, a card pulled from a running server). Until then it is *open*. Failed polls neither extend
nor end anything. The state lives in the store's ``anomaly`` table, so a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from akinv.index.snapshot import INT4_MAX, Rows, Snapshot, build_rows
from akinv.index.store import Added, Store, StoredSnapshot, TextNulError

__all__ = ["Anomaly", "AnomalyState", "Recorded", "Tracker"]

AnomalyState = Literal["open", "transient", "persistent"]
_Key = tuple[str, str, str]  # node, code, resource ('' when the finding has none)
_MUTABLE = (
    "state",
    "severity",
    "last_seen_at",
    "ended_at",
    "snapshots",
    "last_snapshot_id",
    "end_snapshot_id",
    "path",
    "value",
    "message",
)
_COLUMNS = (
    "id",
    "provider_id",
    "node",
    "code",
    "resource",
    "started_at",
    "first_snapshot_id",
    *_MUTABLE,
)


@dataclass(frozen=True)
class Anomaly:
    """One anomaly as the store holds it. ``value`` is the latest original value, as text."""

    id: int
    provider: str
    node: str | None
    code: str
    resource: str | None
    severity: str
    state: AnomalyState
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    snapshots: int
    path: str
    value: str | None
    message: str
    first_snapshot_id: int
    last_snapshot_id: int
    end_snapshot_id: int | None

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for name in ("started_at", "last_seen_at", "ended_at"):
            value = data[name]
            data[name] = value.isoformat() if value is not None else None
        return data


@dataclass(frozen=True)
class Recorded:
    """What one call to Tracker.record did."""

    stored: int
    duplicates: int
    late: int
    opened: int
    ended: int
    persistent: int


@dataclass
class _Open:
    """An ongoing anomaly while a batch is processed."""

    id: int
    provider_id: int
    key: _Key
    started_at: datetime
    first_snapshot_id: int
    state: str
    severity: str
    last_seen_at: datetime
    ended_at: datetime | None
    snapshots: int
    last_snapshot_id: int
    end_snapshot_id: int | None
    path: str
    value: str | None
    message: str
    new: bool = False
    changed: bool = False


class Tracker:
    """Classifies each provider's anomalies as transient or persistent as snapshots arrive.

    ``record(snapshots)`` stores snapshots and updates the anomalies in one transaction.
    """

    def __init__(
        self, store: Store, *, transient_snapshots: int = 3, transient_seconds: float = 300.0
    ) -> None:
        if not 0 <= transient_snapshots <= INT4_MAX:
            raise ValueError(f"transient_snapshots must be within 0..{INT4_MAX}")
        if not transient_seconds >= 0:
            raise ValueError("transient_seconds must be 0 or more")
        self.store = store
        self.transient_snapshots = transient_snapshots
        self.transient_seconds = transient_seconds

    def __reduce__(self) -> str:
        raise TypeError(
            "cannot pickle a Tracker: it holds an open store; connect to the store's URL where it is needed"
        )

    def record(self, snapshots: Sequence[Snapshot | Rows]) -> Recorded:
        """Store snapshots and learn from them, in one transaction."""
        built = [s if isinstance(s, Rows) else build_rows(s) for s in snapshots]
        try:
            return self._record(built)
        except TextNulError:
            # Rare (a NUL in a node name, say) and only on PostgreSQL: retry the batch cleaned.
            return self._record([rows.without_nul() for rows in built])

    def _record(self, built: list[Rows]) -> Recorded:
        with self.store.transaction():
            return self.observe(self.store.add(built))

    def observe(self, added: Added) -> Recorded:
        """Learn from snapshots the store just added (call within the same transaction)."""
        tracked = [s for s in added.stored if not s.late and s.rows.tracked]
        late = sum(s.late for s in added.stored)
        ongoing = self._load([s.provider_id for s in tracked])
        finished: list[_Open] = []
        opened = persistent = 0
        for stored in tracked:
            current = ongoing.setdefault(stored.provider_id, {})
            seen = _findings(stored)
            for key, finding in seen.items():
                anomaly = current.get(key)
                if anomaly is None:
                    anomaly = current[key] = self._open(stored, key, finding)
                    opened += 1
                else:
                    self._extend(anomaly, stored, finding)
                if anomaly.state == "open" and self._outlived(anomaly):
                    anomaly.state = "persistent"
                    persistent += 1
            for key in [key for key in current if key not in seen]:
                anomaly = current.pop(key)
                was_open = anomaly.state == "open"
                self._end(anomaly, stored)
                persistent += was_open and anomaly.state == "persistent"
                finished.append(anomaly)
        self._write([a for provider in ongoing.values() for a in provider.values()] + finished)
        return Recorded(len(added.stored), added.duplicates, late, opened, len(finished), persistent)

    def _outlived(self, anomaly: _Open) -> bool:
        """Neither ending can be transient any more: seen in more snapshots than allowed, and
        lasting at least as long as allowed (it can only end later than it was last seen)."""
        lasted = (anomaly.last_seen_at - anomaly.started_at).total_seconds()
        return anomaly.snapshots > self.transient_snapshots and lasted >= self.transient_seconds

    def _open(self, stored: StoredSnapshot, key: _Key, finding: tuple[Any, ...]) -> _Open:
        rows = stored.rows
        anomaly = _Open(
            id=0,
            provider_id=stored.provider_id,
            key=key,
            started_at=rows.checked_at,
            first_snapshot_id=stored.id,
            state="open",
            severity=finding[0],
            last_seen_at=rows.checked_at,
            ended_at=None,
            snapshots=1,
            last_snapshot_id=stored.id,
            end_snapshot_id=None,
            path=finding[1],
            value=finding[2],
            message=finding[3],
            new=True,
        )
        return anomaly

    def _extend(self, anomaly: _Open, stored: StoredSnapshot, finding: tuple[Any, ...]) -> None:
        anomaly.last_seen_at = stored.rows.checked_at
        anomaly.last_snapshot_id = stored.id
        anomaly.snapshots = min(anomaly.snapshots + 1, INT4_MAX)
        anomaly.severity, anomaly.path, anomaly.value, anomaly.message = finding
        anomaly.changed = True

    def _end(self, anomaly: _Open, stored: StoredSnapshot) -> None:
        anomaly.ended_at = stored.rows.checked_at
        anomaly.end_snapshot_id = stored.id
        if anomaly.state == "open":
            lasted = (anomaly.ended_at - anomaly.started_at).total_seconds()
            quick = anomaly.snapshots <= self.transient_snapshots or lasted <= self.transient_seconds
            anomaly.state = "transient" if quick else "persistent"
        anomaly.changed = True

    def _load(self, provider_ids: Iterable[int]) -> dict[int, dict[_Key, _Open]]:
        ids = sorted(set(provider_ids))
        ongoing: dict[int, dict[_Key, _Open]] = {}
        if not ids:
            return ongoing
        condition, parameter = self.store.in_list("provider_id", ids)
        rows = self.store.query(
            f"SELECT {', '.join(_COLUMNS)} FROM anomaly WHERE ended_at IS NULL AND {condition}",
            (parameter,),
        )
        for row in rows:
            values = dict(zip(_COLUMNS, row, strict=True))
            key = (values.pop("node"), values.pop("code"), values.pop("resource"))
            for name in ("started_at", "last_seen_at"):
                values[name] = self.store.from_db_time(values[name])
            anomaly = _Open(key=key, **values)
            ongoing.setdefault(anomaly.provider_id, {})[key] = anomaly
        return ongoing

    def _write(self, anomalies: list[_Open]) -> None:
        store = self.store
        fresh = [a for a in anomalies if a.new]
        for anomaly, anomaly_id in zip(fresh, store.reserve_ids("anomaly", len(fresh)), strict=True):
            anomaly.id = anomaly_id

        def time(value: datetime | None) -> Any:
            return None if value is None else store.to_db_time(value)

        def mutable(a: _Open) -> tuple[Any, ...]:
            return (
                a.state,
                a.severity,
                time(a.last_seen_at),
                time(a.ended_at),
                a.snapshots,
                a.last_snapshot_id,
                a.end_snapshot_id,
                a.path,
                a.value,
                a.message,
            )

        if fresh:
            store.insert(
                "anomaly",
                _COLUMNS,
                [
                    (a.id, a.provider_id, *a.key, time(a.started_at), a.first_snapshot_id, *mutable(a))
                    for a in fresh
                ],
            )
        changed = [(*mutable(a), a.id) for a in anomalies if a.changed and not a.new]
        if changed:
            store.update_many("anomaly", "id", _MUTABLE, changed)

    def anomalies(
        self,
        *,
        state: AnomalyState | None = None,
        ongoing: bool | None = None,
        provider: str | None = None,
    ) -> list[Anomaly]:
        """The anomalies the store holds, oldest first, optionally only of one state, only ongoing
        (or only ended) ones, or only one provider's."""
        conditions: list[str] = []
        params: list[Any] = []
        if state is not None:
            conditions.append("a.state = ?")
            params.append(state)
        if ongoing is not None:
            conditions.append("a.ended_at IS NULL" if ongoing else "a.ended_at IS NOT NULL")
        if provider is not None:
            conditions.append("p.name = ?")
            params.append(provider)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.store.query(
            "SELECT a.id, p.name, a.node, a.code, a.resource, a.severity, a.state, a.started_at, "
            "a.last_seen_at, a.ended_at, a.snapshots, a.path, a.value, a.message, a.first_snapshot_id, "
            "a.last_snapshot_id, a.end_snapshot_id FROM anomaly a JOIN provider p ON p.id = a.provider_id "
            f"{where} ORDER BY a.started_at, a.id",
            params,
        )
        return [self._anomaly(row) for row in rows]

    def _anomaly(self, row: tuple[Any, ...]) -> Anomaly:
        time = self.store.from_db_time
        return Anomaly(
            id=int(row[0]),
            provider=row[1],
            node=row[2] or None,
            code=row[3],
            resource=row[4] or None,
            severity=row[5],
            state=row[6],
            started_at=time(row[7]),
            last_seen_at=time(row[8]),
            ended_at=None if row[9] is None else time(row[9]),
            snapshots=int(row[10]),
            path=row[11],
            value=row[12],
            message=row[13],
            first_snapshot_id=int(row[14]),
            last_snapshot_id=int(row[15]),
            end_snapshot_id=None if row[16] is None else int(row[16]),
        )


def _findings(stored: StoredSnapshot) -> dict[_Key, tuple[Any, ...]]:
    """The snapshot's findings by anomaly key: (severity, path, value, message) of the first."""
    seen: dict[_Key, tuple[Any, ...]] = {}
    for _, _, code, severity, path, node, resource, value, message in stored.rows.findings:
        key: _Key = (node or "", code, resource or "")
        if key not in seen:
            seen[key] = (severity, path, value, message)
    return seen
