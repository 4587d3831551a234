"""The indexer pipeline: fetch providers' status, store snapshots, track anomalies, view the network.

Heavy dependencies load on first use: httpx with ``fetch``, psycopg with a PostgreSQL store,
pyarrow with Parquet, dask with ``akinv.dask``.
"""

from __future__ import annotations

from akinv.index.snapshot import ErrorKind, Snapshot
from akinv.index.store import DEFAULT_URL, Store, connect
from akinv.index.tracker import Anomaly, AnomalyState, Recorded, Tracker

__all__ = [
    "DEFAULT_URL",
    "Anomaly",
    "AnomalyState",
    "ErrorKind",
    "Recorded",
    "Snapshot",
    "Store",
    "Tracker",
    "connect",
]
