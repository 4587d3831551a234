"""The job every peer does, on already-decoded values: classify numbers, total nodes, count findings.

akinv implements the same rules in Rust; the target is an exact match of totals and finding counts.

Units. cpu in millicores (v1 quantities read with milli=True; legacy numbers are millicores already),
memory and storage in bytes, gpu in devices.

Classifying one value (first match wins); any of these makes the value untrusted:
  wrong-type       v1: not a string, {"string": str} or number (Go's Quantity reads bare numbers);
                   legacy: not a JSON number (str, bool, ...)
  unparsable       v1: bad quantity text; legacy: a JSON number that is not an integer (4000.5)
  wrapped-negative 2^64 - 2^32 <= v < 2^64 + 2^32 (a negative int64 cast to uint64)
  not-int64-safe   v >= 2^63
  negative         v < 0, except a v1 ResourcePair allocatable of exactly -1 ("unbounded")
  above-cap        node: gpu > 64, cpu > 4096 cores, memory > 64 TiB, ephemeral > 1 PiB;
                   storage pools (v1 cluster storage, legacy available.storage) > 10 PiB
A missing value (or JSON null) is 0 and trusted. A missing or null container (Go JSON writes a nil
slice as null, e.g. "storage": null, "info": null) is empty; a container of another type reads as
empty too. The unbounded -1 is checked on the value in report units (so cpu "-1m", not "-1").
Shape: "nodes" at the top -> inventory; v1 keys (cluster.inventory.cluster/reservations, leases
object, bid_engine/bidEngine, public_hostnames/publicHostnames, timestamp, errors) -> v1; else legacy.

v1 node, per resource (allocatable A, allocated L):
  both trusted and A != -1 and L > A      -> over-allocated
  allocatable = A if trusted and A != -1 else 0
  allocated   = L if trusted else 0
  available   = A - L if both trusted, A != -1 and not over-allocated, else 0
  len(gpu.info) != the node's gpu allocatable as totalled above -> gpu-info-mismatch
legacy 0.5+ and inventory node (allocatable A, available V):
  both trusted and V > A                  -> negative (allocated would be negative)
  allocatable = A if trusted else 0; available = V if both trusted and V <= A else 0
  allocated   = allocatable - available
legacy flat node (<= 0.4: {cpu, gpu?, memory, storage_ephemeral}, no name): available only,
  allocatable = allocated = 0, available = V if trusted else 0.
Every shape: a node name already seen in the document -> duplicate-node (one per repeat).
Inventory shape: per side (total_allocatable / total_available) and resource, the total differs from
  the sum of the nodes' values -> total-mismatch, compared only when the total and every node value
  involved are trusted and the total is present.
Findings only, never totals (and no caps: these are sums over leases, not one machine):
  legacy active[]/pending[] entries, v1 reservations quantities, inventory total_* values.
Storage pools: classified with the pool cap; a v1 pool pair can be over-allocated too.
Counters (leases, orders, deployments, reservations count): classified like legacy numbers with a
  uint32 cap (a float is unparsable).
Totals are the sums of the node triples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict

RESOURCES = ("cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes")
MILLI = (True, False, False, False)  # per RESOURCES: is the v1 quantity read as MilliValue?
NODE_CAPS = (4096 * 1000, 64 << 40, 64, 1 << 50)  # per RESOURCES
POOL_CAP = 10 << 50
COUNTER_CAP = 2**32 - 1
WRAP_LOW, WRAP_HIGH = 2**64 - 2**32, 2**64 + 2**32
INT64_LIMIT = 2**63

# What a walker passes for a value whose JSON type is wrong but that has no value of its own
# (e.g. a protojson quantity object without a string).
MALFORMED = object()

Parse = Callable[[str, bool], int]
"""A quantity parser: (text, milli) -> exact int rounded up away from zero; ValueError if invalid."""


class Triple(TypedDict):
    allocatable: int
    allocated: int
    available: int


class Summary(TypedDict):
    schema: str
    totals: dict[str, Triple]
    findings: dict[str, int]


class Checker:
    """Accumulates one document's totals and findings; walkers feed it raw decoded values."""

    __slots__ = ("parse", "findings", "totals", "names", "sums")

    def __init__(self, parse: Parse) -> None:
        self.parse = parse
        self.findings: dict[str, int] = {}
        self.totals = [[0, 0, 0] for _ in RESOURCES]
        self.names: set[str] = set()
        # Inventory shape: per side, per resource, the sum of node values, or None once untrusted.
        self.sums: dict[str, list[int | None]] = {
            "allocatable": [0] * len(RESOURCES),
            "available": [0] * len(RESOURCES),
        }

    def flag(self, code: str) -> None:
        self.findings[code] = self.findings.get(code, 0) + 1

    # -- one value ---------------------------------------------------------------------------------

    def judge(self, value: int, cap: int | None, unbounded_ok: bool = False) -> int | None:
        """The value if trusted, else None after flagging why."""
        if WRAP_LOW <= value < WRAP_HIGH:
            self.flag("wrapped-negative")
        elif value >= INT64_LIMIT:
            self.flag("not-int64-safe")
        elif value < 0 and not (unbounded_ok and value == -1):
            self.flag("negative")
        elif cap is not None and value > cap:
            self.flag("above-cap")
        else:
            return value
        return None

    def quantity(self, raw: Any, milli: bool, cap: int | None, unbounded_ok: bool = False) -> int | None:
        """A v1 quantity: a string, already unwrapped from protojson's {"string": ...}."""
        if raw is None:
            return 0
        if type(raw) is int or type(raw) is float:
            raw = repr(raw)  # a bare JSON number, read as a quantity the way Go does
        if type(raw) is not str:
            self.flag("wrong-type")
            return None
        try:
            value = self.parse(raw, milli)
        except ValueError:
            self.flag("unparsable")
            return None
        return self.judge(value, cap, unbounded_ok)

    def number(self, raw: Any, cap: int | None) -> int | None:
        """A legacy JSON number (Go uint64, or int64 for storage sizes)."""
        if type(raw) is int:  # not bool: True is an int subclass
            return self.judge(raw, cap)
        if raw is None:
            return 0
        self.flag("unparsable" if type(raw) is float else "wrong-type")
        return None

    def counter(self, raw: Any) -> None:
        self.number(raw, COUNTER_CAP)

    def node_name(self, name: Any) -> None:
        if type(name) is not str:
            return
        if name in self.names:
            self.flag("duplicate-node")
        else:
            self.names.add(name)

    # -- nodes -------------------------------------------------------------------------------------

    def v1_node(self, name: Any, pairs: Iterable[tuple[Any, Any]], gpu_info: int) -> None:
        """pairs: (allocatable, allocated) raw quantities in RESOURCES order."""
        self.node_name(name)
        for index, (a_raw, l_raw) in enumerate(pairs):
            milli, cap = MILLI[index], NODE_CAPS[index]
            a = self.quantity(a_raw, milli, cap, unbounded_ok=True)
            used = self.quantity(l_raw, milli, cap)
            total = self.totals[index]
            if a is not None and a != -1:
                if used is not None and used > a:
                    self.flag("over-allocated")
                elif used is not None:
                    total[2] += a - used
                total[0] += a
            if used is not None:
                total[1] += used
            if index == 2 and gpu_info != (a if a is not None and a != -1 else 0):
                self.flag("gpu-info-mismatch")

    def legacy_node(self, name: Any, allocatable: Iterable[Any], available: Iterable[Any]) -> None:
        """allocatable, available: raw numbers in RESOURCES order (cpu, memory, gpu, ephemeral)."""
        self.node_name(name)
        sum_a, sum_v = self.sums["allocatable"], self.sums["available"]
        for index, (a_raw, v_raw) in enumerate(zip(allocatable, available, strict=True)):
            cap = NODE_CAPS[index]
            a = self.number(a_raw, cap)
            v = self.number(v_raw, cap)
            if a is not None and v is not None and v > a:
                self.flag("negative")
            kept_a = a if a is not None else 0
            kept_v = v if a is not None and v is not None and v <= a else 0
            total = self.totals[index]
            total[0] += kept_a
            total[1] += kept_a - kept_v
            total[2] += kept_v
            sa, sv = sum_a[index], sum_v[index]
            sum_a[index] = None if sa is None or a is None else sa + a
            sum_v[index] = None if sv is None or v is None else sv + v

    def flat_node(self, available: Iterable[Any]) -> None:
        for index, raw in enumerate(available):
            v = self.number(raw, NODE_CAPS[index])
            if v is not None:
                self.totals[index][2] += v

    # -- findings-only values ----------------------------------------------------------------------

    def v1_pool(self, a_raw: Any, l_raw: Any) -> None:
        a = self.quantity(a_raw, False, POOL_CAP, unbounded_ok=True)
        used = self.quantity(l_raw, False, POOL_CAP)
        if a is not None and a != -1 and used is not None and used > a:
            self.flag("over-allocated")

    def inventory_totals(self, side: str, raws: Iterable[Any]) -> None:
        """One total_* object's cpu, memory, gpu, storage_ephemeral (RESOURCES order)."""
        for index, raw in enumerate(raws):
            if raw is None:
                continue  # nothing to compare
            total = self.number(raw, None)
            node_sum = self.sums[side][index]
            if total is not None and node_sum is not None and total != node_sum:
                self.flag("total-mismatch")

    def summary(self, schema: str) -> Summary:
        totals = {
            name: Triple(allocatable=t[0], allocated=t[1], available=t[2])
            for name, t in zip(RESOURCES, self.totals, strict=True)
        }
        return Summary(schema=schema, totals=totals, findings=dict(sorted(self.findings.items())))
