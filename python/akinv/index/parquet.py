"""Node-level and GPU-level rows as Parquet (pyarrow), for dashboards and notebooks.

``nodes.parquet`` has a row per node of every snapshot: its figures (int64: millicores, bytes,
GPUs), what was withheld, its storage classes and its GPU devices (a list of structs).
``gpus.parquet`` has a row per GPU kind of every snapshot: devices listed, GPUs allocatable and
available. Both carry the provider, the time and the source of their snapshot.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from akinv.errors import AkinvError
from akinv.index.snapshot import KEY_SLOTS, Row, Rows
from akinv.index.store import Store, connect

__all__ = ["export_parquet", "node_columns", "gpu_columns", "write_rows"]

_FIGURES = [
    f"{prefix}_{side}"
    for prefix in ("cpu", "memory", "gpu", "ephemeral_storage")
    for side in ("allocatable", "allocated", "available")
]


def _pyarrow() -> Any:
    """pyarrow, imported on first use (it has no type information: it is Any here)."""
    try:
        pyarrow = importlib.import_module("pyarrow")
        importlib.import_module("pyarrow.parquet")
    except ImportError as error:
        raise AkinvError("Parquet export needs pyarrow: pip install 'akinv[index]'") from error
    return pyarrow


def _schemas(pa: Any) -> tuple[Any, Any]:
    key = [
        pa.field("provider", pa.string(), nullable=False),
        pa.field("checked_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("snapshot_id", pa.int64()),
        pa.field("source", pa.string()),
    ]
    device = pa.struct(
        [
            pa.field("vendor", pa.string()),
            pa.field("model", pa.string()),
            pa.field("memory_size", pa.string()),
            pa.field("interface", pa.string()),
            pa.field("devices", pa.int32()),
        ]
    )
    nodes = pa.schema(
        [
            *key,
            pa.field("schema", pa.string()),
            pa.field("position", pa.int32()),
            pa.field("node_index", pa.int32()),
            pa.field("node", pa.string()),
            *(pa.field(name, pa.int64()) for name in _FIGURES),
            pa.field("withheld", pa.string()),
            pa.field("unbounded", pa.string()),
            pa.field("storage_classes", pa.list_(pa.string())),
            pa.field("gpu_devices", pa.list_(device)),
        ]
    )
    gpus = pa.schema(
        [
            *key,
            pa.field("vendor", pa.string()),
            pa.field("model", pa.string()),
            pa.field("memory_size", pa.string()),
            pa.field("interface", pa.string()),
            pa.field("devices", pa.int32()),
            pa.field("allocatable", pa.int64()),
            pa.field("available", pa.int64()),
            pa.field("withheld", pa.bool_()),
        ]
    )
    return nodes, gpus


def node_columns() -> list[str]:
    return ["provider", "checked_at", "snapshot_id", "source", "schema", "position", "node_index", "node",
            *_FIGURES, "withheld", "unbounded", "storage_classes", "gpu_devices"]  # fmt: skip


def gpu_columns() -> list[str]:
    return ["provider", "checked_at", "snapshot_id", "source", "vendor", "model", "memory_size", "interface",
            "devices", "allocatable", "available", "withheld"]  # fmt: skip


def _device(row: Sequence[Any]) -> dict[str, object]:
    vendor, model, memory_size, interface, devices = row
    return {
        "vendor": vendor,
        "model": model,
        "memory_size": memory_size,
        "interface": interface,
        "devices": devices,
    }


def _classes(text: str | None) -> list[str] | None:
    return None if text is None else list(json.loads(text))


class _Columns:
    """Rows gathered column by column, written as one row group at a time."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.data: list[list[Any]] = [[] for _ in names]

    def add(self, values: Sequence[Any]) -> None:
        for column, value in zip(self.data, values, strict=True):
            column.append(value)

    def __len__(self) -> int:
        return len(self.data[0])

    def table(self, pa: Any, schema: Any) -> Any:
        table = pa.table(dict(zip(self.names, self.data, strict=True)), schema=schema)
        self.data = [[] for _ in self.names]
        return table


def _add_rows(
    nodes: _Columns, gpus: _Columns, key: tuple[str, datetime, int | None, str | None], rows: Rows
) -> None:
    """One snapshot's node and GPU rows."""
    schema = rows.snapshot[KEY_SLOTS + 5]
    devices: dict[int, list[dict[str, object]]] = {}
    for _, node_position, _, *device in rows.gpu_devices:
        devices.setdefault(node_position, []).append(_device(device))
    for node in rows.nodes:
        _, position, index, name, *figures, withheld, unbounded, classes = node
        nodes.add((*key, schema, position, index, name, *figures, withheld, unbounded, _classes(classes),
                   devices.get(position, [])))  # fmt: skip
    for _, _, vendor, model, memory_size, interface, allocatable, available, count, withheld in rows.gpus:
        gpus.add((*key, vendor, model, memory_size, interface, count, allocatable, available, bool(withheld)))


def write_rows(
    items: Iterable[tuple[int | None, Rows]], directory: str | os.PathLike[str], name: str = "part"
) -> dict[str, int]:
    """Write snapshots' rows (with their snapshot id, if stored) as ``nodes/NAME.parquet`` and
    ``gpus/NAME.parquet`` under ``directory``; returns the rows written to each."""
    pa = _pyarrow()
    node_schema, gpu_schema = _schemas(pa)
    nodes, gpus = _Columns(node_columns()), _Columns(gpu_columns())
    for snapshot_id, rows in items:
        _add_rows(nodes, gpus, (rows.provider, rows.checked_at, snapshot_id, rows.snapshot[KEY_SLOTS]), rows)
    counts = {"nodes": len(nodes), "gpus": len(gpus)}
    for folder, columns, schema in (("nodes", nodes, node_schema), ("gpus", gpus, gpu_schema)):
        path = Path(directory) / folder
        path.mkdir(parents=True, exist_ok=True)
        pa.parquet.write_table(columns.table(pa, schema), path / f"{name}.parquet")
    return counts


def export_parquet(
    store: Store | str | os.PathLike[str],
    directory: str | os.PathLike[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    snapshots_per_group: int = 10_000,
) -> dict[str, int]:
    """Write the store's snapshots (taken at or after ``since`` and before ``until``) to
    ``directory/nodes.parquet`` and ``directory/gpus.parquet``; returns the rows written to each.
    Memory stays bounded: snapshots are read and written ``snapshots_per_group`` at a time."""
    pa = _pyarrow()
    if isinstance(store, Store):
        return _export(pa, store, Path(directory), since, until, snapshots_per_group)
    with connect(store, create=False) as opened:
        return _export(pa, opened, Path(directory), since, until, snapshots_per_group)


def _export(
    pa: Any, store: Store, directory: Path, since: datetime | None, until: datetime | None, group: int
) -> dict[str, int]:
    if group < 1:
        raise ValueError("snapshots_per_group must be at least 1")
    directory.mkdir(parents=True, exist_ok=True)
    node_schema, gpu_schema = _schemas(pa)
    conditions, params = ["s.id > ?", "s.error IS NULL"], []
    if since is not None:
        conditions.append("s.checked_at >= ?")
        params.append(store.to_db_time(since))
    if until is not None:
        conditions.append("s.checked_at < ?")
        params.append(store.to_db_time(until))
    where = " AND ".join(conditions)
    counts = {"nodes": 0, "gpus": 0}
    with (
        pa.parquet.ParquetWriter(directory / "nodes.parquet", node_schema) as node_file,
        pa.parquet.ParquetWriter(directory / "gpus.parquet", gpu_schema) as gpu_file,
    ):
        last = 0
        while True:
            snapshots = store.query(
                f"SELECT s.id, p.name, s.checked_at, s.source, s.schema FROM snapshot s "
                f"JOIN provider p ON p.id = s.provider_id WHERE {where} ORDER BY s.id LIMIT ?",
                [last, *params, group],
            )
            if not snapshots:
                break
            first, last = int(snapshots[0][0]), int(snapshots[-1][0])
            nodes, gpus = _Columns(node_columns()), _Columns(gpu_columns())
            _export_group(store, snapshots, first, last, nodes, gpus)
            counts["nodes"] += len(nodes)
            counts["gpus"] += len(gpus)
            node_file.write_table(nodes.table(pa, node_schema))
            gpu_file.write_table(gpus.table(pa, gpu_schema))
    return counts


def _by_snapshot(rows: list[tuple[Any, ...]]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in rows:
        grouped.setdefault(int(row[0]), []).append(list(row))
    return grouped


def _export_group(
    store: Store, snapshots: list[tuple[Any, ...]], first: int, last: int, nodes: _Columns, gpus: _Columns
) -> None:
    from akinv.index.schema import columns

    between = "snapshot_id BETWEEN ? AND ?"
    node_rows = _by_snapshot(
        store.query(f"SELECT snapshot_id, {', '.join(columns('node'))} FROM node WHERE {between} "
                    "ORDER BY snapshot_id, position", (first, last))
    )  # fmt: skip
    device_rows = _by_snapshot(
        store.query(f"SELECT snapshot_id, {', '.join(columns('gpu_device'))} FROM gpu_device WHERE {between} "
                    "ORDER BY snapshot_id, node_position, position", (first, last))
    )  # fmt: skip
    gpu_rows = _by_snapshot(
        store.query(f"SELECT snapshot_id, {', '.join(columns('gpu'))} FROM gpu WHERE {between} "
                    "ORDER BY snapshot_id, position", (first, last))
    )  # fmt: skip
    for snapshot_id, provider, checked_at, source, schema in snapshots:
        sid = int(snapshot_id)
        head = [None] * KEY_SLOTS + [source, None, None, None, None, schema]
        rows = Rows(provider, store.from_db_time(checked_at), 0, True, True, None, head)
        rows.nodes = node_rows.get(sid, [])
        rows.gpu_devices = device_rows.get(sid, [])
        rows.gpus = gpu_rows.get(sid, [])
        _add_rows(nodes, gpus, (rows.provider, rows.checked_at, sid, source), rows)
