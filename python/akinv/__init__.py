"""akinv: the truth about Akash provider inventory.

Exact, wrap-free reading of provider status documents (legacy REST ``/status``,
``akash.provider.v1.Status`` and inventory dumps) in a Rust core: validate them, sanitize
them, and aggregate what they say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from akinv import _akinv
from akinv._akinv import (
    Change,
    Finding,
    GpuDevice,
    GpuGroup,
    Inventories,
    Inventory,
    Match,
    NodeSummary,
    Policy,
    Quote,
    Report,
    Reservation,
    Sanitized,
    Totals,
    Usage,
    __version__,
    match,
    parse_quantities,
    parse_quantity,
)
from akinv.errors import (
    AkinvError,
    MalformedJSONError,
    OrderError,
    PayloadError,
    PayloadTooLargeError,
    QuantityError,
    UnknownShapeError,
)

# typing is not imported at run time: akinv-bid-price starts through this module, and typing
# brings re, enum and functools with it. These names are for the type checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from akinv import dask, index
    from akinv.bidding.order import Order
    from akinv.bidding.pricing import Pricing
    from akinv.bidding.spec import OrderFinding
    from akinv.index.fetch import FetchOptions, FetchResult, fetch
    from akinv.index.parquet import export_parquet
    from akinv.index.tracker import Tracker
    from akinv.io import SanitizeSummary, ScanResult, Schema, sanitize_file, scan

# Names loaded on first use, so that `import akinv` stays cheap (akinv-bid-price starts through
# it): name -> (module, attribute; None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "SanitizeSummary": ("akinv.io", "SanitizeSummary"),
    "ScanResult": ("akinv.io", "ScanResult"),
    "Schema": ("akinv.io", "Schema"),
    "sanitize_file": ("akinv.io", "sanitize_file"),
    "scan": ("akinv.io", "scan"),
    "Order": ("akinv.bidding.order", "Order"),
    "OrderFinding": ("akinv.bidding.spec", "OrderFinding"),
    "Pricing": ("akinv.bidding.pricing", "Pricing"),
    "FetchOptions": ("akinv.index.fetch", "FetchOptions"),
    "FetchResult": ("akinv.index.fetch", "FetchResult"),
    "Tracker": ("akinv.index.tracker", "Tracker"),
    "dask": ("akinv.dask", None),
    "export_parquet": ("akinv.index.parquet", "export_parquet"),
    "fetch": ("akinv.index.fetch", "fetch"),
    "index": ("akinv.index", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'akinv' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


Payload = bytes | bytearray | memoryview | str | Mapping[str, "Any"]

__all__ = [
    "AkinvError",
    "Change",
    "FetchOptions",
    "FetchResult",
    "Finding",
    "GpuDevice",
    "GpuGroup",
    "Inventories",
    "Inventory",
    "Match",
    "NodeSummary",
    "MalformedJSONError",
    "Order",
    "OrderError",
    "OrderFinding",
    "Payload",
    "PayloadError",
    "PayloadTooLargeError",
    "Policy",
    "Pricing",
    "QuantityError",
    "Quote",
    "Report",
    "Reservation",
    "Sanitized",
    "SanitizeSummary",
    "ScanResult",
    "Schema",
    "Totals",
    "Tracker",
    "UnknownShapeError",
    "Usage",
    "__version__",
    "dask",
    "export_parquet",
    "fetch",
    "index",
    "match",
    "parse_quantities",
    "parse_quantity",
    "sanitize",
    "sanitize_file",
    "sanitize_many",
    "scan",
    "validate",
    "validate_many",
]


def _as_document(payload: Payload) -> bytes | bytearray | memoryview | str:
    """Decoded documents go back to JSON once; big integers survive json.dumps exactly.

    A decoded document that is not JSON (a set, an integer past Python's 4,300-digit limit) is a
    PayloadError, as the same text would be."""
    if isinstance(payload, Mapping):
        import json

        try:
            return json.dumps(
                payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain
            )
        except (TypeError, ValueError, RecursionError) as error:
            raise PayloadError(f"the document cannot be written as JSON: {error}") from error
    return payload


def _as_documents(
    payloads: Iterable[Payload], verb: str
) -> tuple[list[bytes | bytearray | memoryview | str], dict[int, PayloadError]]:
    """Each payload as a document; those that are not JSON become errors at their index (the
    core gets an empty stand-in), so one bad document never stops a batch."""
    if isinstance(payloads, bytes | bytearray | memoryview | str | Mapping):
        # Iterating one document would give its bytes or characters (or a dict's keys).
        raise TypeError(
            f"{verb}_many takes a list (or any iterable) of documents, not one document "
            f"({type(payloads).__name__}): pass [document], or call {verb}(document)"
        )
    documents: list[bytes | bytearray | memoryview | str] = []
    refused: dict[int, PayloadError] = {}
    for index, payload in enumerate(payloads):
        try:
            documents.append(_as_document(payload))
        except PayloadError as error:
            refused[index] = error
            documents.append(b"")
    return documents, refused


def _plain(value: object) -> dict[Any, Any]:
    """Mappings that are not dicts (a MappingProxyType, a custom Mapping) are written as objects."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"a status document holds JSON values, not {type(value).__name__}")


def validate(payload: Payload, /, *, schema: Schema | None = None, policy: Policy | None = None) -> Report:
    """Read one status document and report everything wrong with it.

    Raises PayloadError when the input is not JSON or of no known shape.
    """
    return _akinv.validate(_as_document(payload), schema=schema, policy=policy)


def sanitize(payload: Payload, /, *, schema: Schema | None = None, policy: Policy | None = None) -> Sanitized:
    """Replace every untrusted number; every other byte of the document stays as it was."""
    return _akinv.sanitize(_as_document(payload), schema=schema, policy=policy)


def validate_many(
    payloads: Iterable[Payload],
    /,
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
) -> list[Report | PayloadError]:
    """Validate many documents in parallel, GIL released; a bad one becomes a PayloadError item."""
    documents, refused = _as_documents(payloads, "validate")
    results = _akinv.validate_many(documents, threads=threads, schema=schema, policy=policy)
    return [refused.get(index, result) for index, result in enumerate(results)]


def sanitize_many(
    payloads: Iterable[Payload],
    /,
    *,
    threads: int | None = None,
    schema: Schema | None = None,
    policy: Policy | None = None,
) -> list[Sanitized | PayloadError]:
    """Sanitize many documents in parallel, GIL released; a bad one becomes a PayloadError item."""
    documents, refused = _as_documents(payloads, "sanitize")
    results = _akinv.sanitize_many(documents, threads=threads, schema=schema, policy=policy)
    return [refused.get(index, result) for index, result in enumerate(results)]
