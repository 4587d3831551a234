"""A plain, independent restatement of akinv's capacity rules, used as a test oracle.

Everything here works on the decoded JSON (``json.loads`` output) and re-derives the numbers
akinv should report, without calling akinv. Quantities are parsed by a small exact parser that
knows only the spellings the property tests produce; anything else is flagged as unparsable
(when it is not a quantity at all) or raises ``OracleError`` (when it looks like a quantity the
oracle was never meant to judge).

Rules (first match wins when classifying one value):

* ``unparsable``: bad quantity text, or a legacy number that is not an integer;
* ``wrong-type``: not a JSON number (legacy), not a string/object/number/null (v1);
* ``wrapped-negative``: ``2**64 - 2**32 <= v < 2**64 + 2**32``;
* ``not-int64-safe``: ``v >= int_limit`` (2**63 by default);
* ``negative``: ``v < 0``, except an allocatable whose Value() is -1 ("unbounded": -1, or
  -1000..-1 millicores for a v1 cpu);
* ``above-cap``: above the per-node plausibility cap.

Node triples (allocatable, allocated, available) are built from trusted values only, and the
totals are their per-resource sums, bounded by the largest allowed integer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

INT64_LIMIT = 2**63
JS_LIMIT = 2**53
WRAP_LOW = 2**64 - 2**32
WRAP_HIGH = 2**64 + 2**32

RESOURCES = ("cpu", "memory", "gpu", "ephemeral_storage")
REPORT_NAMES = {
    "cpu": "cpu_millis",
    "memory": "memory_bytes",
    "gpu": "gpu",
    "ephemeral_storage": "ephemeral_storage_bytes",
}
LEGACY_KEYS = {"cpu": "cpu", "memory": "memory", "gpu": "gpu", "ephemeral_storage": "storage_ephemeral"}
DEFAULT_CAPS = {
    "cpu": 4096 * 1000,
    "memory": 64 * 2**40,
    "gpu": 64,
    "ephemeral_storage": 2**50,
}

UNTRUSTED_CODES = frozenset(
    {"unparsable", "wrong-type", "wrapped-negative", "not-int64-safe", "negative", "above-cap"}
)


class OracleError(Exception):
    """The input is outside what this oracle was written to judge."""


# ---- quantities ----

_QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:(?P<exponent>[eE][+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?"
)

SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


def round_away_from_zero(x: Fraction) -> int:
    """Kubernetes' Value()/MilliValue() rounding: up in magnitude."""
    magnitude = math.ceil(abs(x))
    return -magnitude if x < 0 else magnitude


def quantity_fraction(text: str) -> Fraction:
    """The exact value of a quantity string; ValueError when it is not one."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f"not a quantity: {text!r}")
    number = match["number"]
    if len(number) > 40:
        raise OracleError(f"quantity {text!r} has more digits than the oracle judges")
    value = Fraction(number)
    if match["exponent"] is not None:
        exponent = int(match["exponent"][1:])
        if abs(exponent) > 40:
            raise OracleError(f"quantity {text!r} has a larger exponent than the oracle judges")
        value *= Fraction(10) ** exponent
    else:
        value *= SUFFIXES[match["suffix"] or ""]
    return -value if match["sign"] == "-" else value


def parse_quantity(text: str, *, milli: bool = False) -> int:
    """Value() (or MilliValue() with ``milli``) of a quantity string; ValueError if invalid."""
    value = quantity_fraction(text)
    if milli:
        value *= 1000
    return round_away_from_zero(value)


# ---- readings ----


@dataclass(frozen=True)
class Reading:
    """One value as read: ``state`` is absent, trusted, unbounded or untrusted."""

    state: str
    value: int = 0
    code: str | None = None

    @property
    def trusted_value(self) -> int | None:
        """The value when it may be used (absent counts as 0), else None."""
        if self.state == "absent":
            return 0
        if self.state == "trusted":
            return self.value
        return None


ABSENT = Reading("absent")


def classify(
    value: int, resource: str, *, allocatable: bool, int_limit: int, caps: dict[str, int], milli: bool = False
) -> Reading:
    # Unbounded is an allocatable whose Value() is -1 (akash-api ResourcePair.Available): for a
    # v1 cpu read in millicores, anything from -1000m to -1m.
    unbounded = -1000 <= value <= -1 if milli else value == -1
    if allocatable and unbounded:
        return Reading("unbounded", value)
    if WRAP_LOW <= value < WRAP_HIGH:
        return Reading("untrusted", code="wrapped-negative")
    if value >= int_limit:
        return Reading("untrusted", code="not-int64-safe")
    if value < 0:
        return Reading("untrusted", code="negative")
    if value > caps[resource]:
        return Reading("untrusted", code="above-cap")
    return Reading("trusted", value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def legacy_reading(
    container: Any, key: str, resource: str, *, allocatable: bool, int_limit: int, caps: dict[str, int]
) -> Reading:
    """A legacy/inventory number: ``container`` is the allocatable/available object (or None)."""
    if container is None:
        return ABSENT
    if not isinstance(container, dict):
        return Reading("untrusted", code="wrong-type")
    if key not in container:
        return ABSENT
    value = container[key]
    if not _is_number(value):
        return Reading("untrusted", code="wrong-type")
    if isinstance(value, float):
        if not value.is_integer():
            return Reading("untrusted", code="unparsable")
        if abs(value) >= 2**53:
            raise OracleError(f"float {value!r} is not exact")
        value = int(value)
    return classify(value, resource, allocatable=allocatable, int_limit=int_limit, caps=caps)


def v1_reading(
    pair: dict[str, Any], key: str, resource: str, *, allocatable: bool, int_limit: int, caps: dict[str, int]
) -> Reading:
    """A v1 quantity: a string, ``{"string": ...}``, a bare number, or missing/null/``{}`` (0)."""
    if key not in pair or pair[key] is None:
        return ABSENT
    value = pair[key]
    milli = resource == "cpu"
    if isinstance(value, dict):
        text = value.get("string")
        if not isinstance(text, str):
            # An object without a string member is an empty quantity.
            return ABSENT
        value = text
    if isinstance(value, str):
        try:
            number = parse_quantity(value, milli=milli)
        except ValueError:
            return Reading("untrusted", code="unparsable")
    elif _is_number(value):
        exact = Fraction(value)
        if isinstance(value, float) and (exact.denominator > 2 or abs(value) >= 2**53):
            raise OracleError(f"float {value!r} is not one the oracle judges")
        number = round_away_from_zero(exact * 1000 if milli else exact)
    else:
        return Reading("untrusted", code="wrong-type")
    return classify(number, resource, allocatable=allocatable, int_limit=int_limit, caps=caps, milli=milli)


# ---- node rules ----

Triple = tuple[int, int, int]
ZERO: Triple = (0, 0, 0)


def legacy_triple(a: Reading, v: Reading) -> Triple:
    """Allocatable A and available V, both published numbers."""
    if a.state == "unbounded":
        return ZERO
    if a.state == "absent":
        # No allocatable at all: what is available is published, nothing is allocated.
        available = v.trusted_value
        return (0, 0, available if available is not None else 0)
    if a.state == "untrusted":
        return ZERO
    alloc = a.value
    avail = v.trusted_value
    if avail is None or avail > alloc:
        return (alloc, alloc, 0)
    return (alloc, alloc - avail, avail)


def v1_triple(a: Reading, used: Reading) -> Triple:
    """Allocatable A and allocated L of a v1 ResourcePair."""
    allocated = used.trusted_value
    if a.state == "unbounded":
        return (0, allocated if allocated is not None else 0, 0)
    alloc = a.trusted_value
    if alloc is None:
        return (0, allocated if allocated is not None else 0, 0)
    if allocated is None:
        return (alloc, 0, 0)
    if allocated > alloc:
        return (alloc, allocated, 0)
    return (alloc, allocated, alloc - allocated)


class Judge:
    """Reads nodes under one policy and collects the findings of node values."""

    def __init__(self, int_limit: int, caps: dict[str, int]) -> None:
        self.int_limit = int_limit
        self.caps = caps
        self.findings: list[tuple[str, str]] = []

    def legacy(self, container: Any, key: str, res: str, path: str, *, allocatable: bool) -> Reading:
        r = legacy_reading(
            container, key, res, allocatable=allocatable, int_limit=self.int_limit, caps=self.caps
        )
        if r.code is not None and isinstance(container, dict) and key in container:
            self.findings.append((f"{path}.{key}", r.code))
        return r

    def v1(self, pair: dict[str, Any], key: str, res: str, path: str, *, allocatable: bool) -> Reading:
        r = v1_reading(pair, key, res, allocatable=allocatable, int_limit=self.int_limit, caps=self.caps)
        if r.code is not None:
            self.findings.append((f"{path}.{key}", r.code))
        return r

    def legacy_node(self, node: dict[str, Any], path: str) -> dict[str, Triple]:
        if "allocatable" not in node and "available" not in node:
            if any(k in node for k in LEGACY_KEYS.values()):
                raise OracleError("flat (pre-0.5) legacy nodes are not judged")
        allocatable = node.get("allocatable")
        available = node.get("available")
        out = {}
        for res in RESOURCES:
            key = LEGACY_KEYS[res]
            a = self.legacy(allocatable, key, res, f"{path}.allocatable", allocatable=True)
            v = self.legacy(available, key, res, f"{path}.available", allocatable=False)
            if a.state == "trusted" and v.state == "trusted" and v.value > a.value:
                self.findings.append((f"{path}.available.{key}", "negative"))
            out[res] = legacy_triple(a, v)
        return out

    def v1_node(self, node: dict[str, Any], path: str) -> dict[str, Triple]:
        out = dict.fromkeys(RESOURCES, ZERO)
        resources = node.get("resources")
        if not isinstance(resources, dict):
            return out
        if "ephemeral_storage" in resources and "ephemeralStorage" in resources:
            raise OracleError("both ephemeral_storage and ephemeralStorage")
        for res in RESOURCES:
            if res == "ephemeral_storage":
                name = "ephemeralStorage" if "ephemeralStorage" in resources else "ephemeral_storage"
                obj = resources.get(name)
                pair = _v1_pair_object(obj, wrapped=False)
                where = f"{path}.resources.{name}"
                if pair is not None and pair is not obj:
                    where += ".quantity"
            else:
                pair = _v1_pair_object(resources.get(res), wrapped=True)
                where = f"{path}.resources.{res}.quantity"
            if pair is None:
                continue
            a = self.v1(pair, "allocatable", res, where, allocatable=True)
            used = self.v1(pair, "allocated", res, where, allocatable=False)
            self.v1(pair, "capacity", res, where, allocatable=False)
            alloc, allocated = a.trusted_value, used.trusted_value
            if a.state != "unbounded" and alloc is not None and allocated is not None and allocated > alloc:
                self.findings.append((f"{where}.allocated", "over-allocated"))
            out[res] = v1_triple(a, used)
        return out


def _v1_pair_object(resource_object: Any, *, wrapped: bool) -> dict[str, Any] | None:
    """The ``{allocatable, allocated, ...}`` object of one resource, or None."""
    if not isinstance(resource_object, dict):
        return None
    if wrapped:
        pair = resource_object.get("quantity")
        return pair if isinstance(pair, dict) else None
    # ephemeral storage: a bare pair, or (as some writers do) wrapped once in "quantity".
    inner = resource_object.get("quantity")
    if isinstance(inner, dict):
        if any(k in resource_object for k in ("allocatable", "allocated", "capacity")):
            raise OracleError("ephemeral storage pair both bare and wrapped")
        return inner
    return resource_object


# ---- documents ----


def shape_of(doc: dict[str, Any]) -> str:
    """legacy, v1 or inventory, as the oracle's generators build them."""
    if "nodes" in doc or "total_allocatable" in doc or "total_available" in doc:
        return "inventory"
    inventory = doc["cluster"]["inventory"]
    if "cluster" in inventory or "reservations" in inventory:
        return "v1"
    return "legacy"


_NODE_PATHS = {
    "inventory": ("nodes",),
    "v1": ("cluster", "inventory", "cluster", "nodes"),
    "legacy": ("cluster", "inventory", "available", "nodes"),
}


def _node_list(doc: dict[str, Any], shape: str) -> list[Any]:
    nodes: Any = doc
    for key in _NODE_PATHS[shape]:
        if not isinstance(nodes, dict) or key not in nodes:
            return []
        nodes = nodes[key]
    return nodes if isinstance(nodes, list) else []


def _judge(
    doc: dict[str, Any], int_limit: int, caps: dict[str, int] | None
) -> tuple[Judge, list[dict[str, Triple]]]:
    judge = Judge(int_limit, DEFAULT_CAPS if caps is None else caps)
    shape = shape_of(doc)
    prefix = ".".join(_NODE_PATHS[shape])
    nodes = []
    for i, node in enumerate(_node_list(doc, shape)):
        if not isinstance(node, dict):
            continue
        path = f"{prefix}[{i}]"
        nodes.append(judge.v1_node(node, path) if shape == "v1" else judge.legacy_node(node, path))
    return judge, nodes


def expected_nodes(
    doc: dict[str, Any], *, int_limit: int = INT64_LIMIT, caps: dict[str, int] | None = None
) -> list[dict[str, dict[str, int]]]:
    """Per node (objects only, in order): report name -> {allocatable, allocated, available}."""
    _, nodes = _judge(doc, int_limit, caps)
    return [{REPORT_NAMES[res]: _usage(triples[res]) for res in RESOURCES} for triples in nodes]


def expected_findings(
    doc: dict[str, Any], *, int_limit: int = INT64_LIMIT, caps: dict[str, int] | None = None
) -> list[tuple[str, str]]:
    """Sorted (path, code) of every untrusted node value and every over-allocation."""
    judge, _ = _judge(doc, int_limit, caps)
    return sorted(judge.findings)


def _usage(triple: Triple) -> dict[str, int]:
    allocatable, allocated, available = triple
    return {"allocatable": allocatable, "allocated": allocated, "available": available}


def expected_totals(
    doc: dict[str, Any], *, int_limit: int = INT64_LIMIT, caps: dict[str, int] | None = None
) -> dict[str, dict[str, int]]:
    """Report name of each resource -> summed {allocatable, allocated, available}."""
    totals = {REPORT_NAMES[res]: _usage(ZERO) for res in RESOURCES}
    for node in expected_nodes(doc, int_limit=int_limit, caps=caps):
        for name, usage in node.items():
            for field, value in usage.items():
                totals[name][field] += value
    # A sum past the limit is reported as the largest allowed integer (a sum-saturated finding).
    return {
        name: {field: min(value, int_limit - 1) for field, value in usage.items()}
        for name, usage in totals.items()
    }
