from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol, TypeAlias, final

from akinv.errors import PayloadError

__version__: str

_Document = bytes | bytearray | memoryview | str
_Schema = Literal["legacy", "v1", "inventory"]
_Code = Literal[
    "wrapped-negative",
    "over-allocated",
    "negative",
    "above-cap",
    "unparsable",
    "not-int64-safe",
    "wrong-type",
    "missing-field",
    "gpu-info-mismatch",
    "duplicate-node",
    "total-mismatch",
    "sum-saturated",
    "duplicate-key",
]
_Severity = Literal["error", "warning"]

@final
class Policy:
    """Plausibility caps per node, the integer bound for sanitized output, and severities."""

    def __new__(
        cls,
        *,
        gpu: int = ...,
        cpu_millis: int = ...,
        memory_bytes: int = ...,
        ephemeral_storage_bytes: int = ...,
        storage_bytes: int = ...,
        int_limit: Literal["int64", "js"] | int = ...,
        severity: Mapping[str, str] = ...,
    ) -> Policy: ...
    @property
    def gpu(self) -> int: ...
    @property
    def cpu_millis(self) -> int: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def ephemeral_storage_bytes(self) -> int: ...
    @property
    def storage_bytes(self) -> int: ...
    @property
    def int_limit(self) -> int:
        """The largest integer a sanitized document may hold."""
    def severity(self, code: str) -> _Severity: ...
    def settings(self) -> dict[str, object]:
        """The keyword arguments that make this policy."""
    def __getnewargs_ex__(self) -> tuple[tuple[()], dict[str, object]]: ...

@final
class Finding:
    @property
    def code(self) -> _Code: ...
    @property
    def severity(self) -> _Severity: ...
    @property
    def path(self) -> str: ...
    @property
    def node(self) -> str | None: ...
    @property
    def resource(self) -> str | None: ...
    @property
    def value(self) -> int | str | None: ...
    @property
    def message(self) -> str: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Usage:
    @property
    def allocatable(self) -> int: ...
    @property
    def allocated(self) -> int: ...
    @property
    def available(self) -> int: ...
    @property
    def withheld(self) -> list[Literal["allocatable", "allocated", "available"]]:
        """The figures reported as 0 because the document's number was untrusted."""
    @property
    def unbounded(self) -> bool:
        """The document gave allocatable as -1: no limit."""
    def to_dict(self) -> dict[str, int]: ...

@final
class GpuDevice:
    """One GPU device as the document lists it (labels as written)."""

    @property
    def vendor(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def memory_size(self) -> str: ...
    @property
    def interface(self) -> str: ...
    def to_dict(self) -> dict[str, str]: ...

@final
class NodeSummary:
    @property
    def name(self) -> str | None: ...
    @property
    def index(self) -> int:
        """Its index in the document's node array."""
    @property
    def gpu_devices(self) -> list[GpuDevice]:
        """Its GPU devices in document order (legacy documents list none)."""
    @property
    def storage_classes(self) -> list[str] | None:
        """The storage classes it supports, where the document says (v1)."""
    @property
    def cpu_millis(self) -> Usage: ...
    @property
    def memory_bytes(self) -> Usage: ...
    @property
    def gpu(self) -> Usage: ...
    @property
    def ephemeral_storage_bytes(self) -> Usage: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Totals:
    @property
    def cpu_millis(self) -> Usage: ...
    @property
    def memory_bytes(self) -> Usage: ...
    @property
    def gpu(self) -> Usage: ...
    @property
    def ephemeral_storage_bytes(self) -> Usage: ...
    @property
    def storage(self) -> dict[str, Usage]: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class GpuGroup:
    @property
    def vendor(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def memory_size(self) -> str: ...
    @property
    def interface(self) -> str: ...
    @property
    def allocatable(self) -> int: ...
    @property
    def available(self) -> int: ...
    @property
    def devices(self) -> int:
        """Devices of this kind listed by the nodes."""
    @property
    def withheld(self) -> bool:
        """Some node's GPU count was untrusted: its devices count here, its GPUs do not."""
    def to_dict(self) -> dict[str, object]: ...

@final
class Report:
    @property
    def schema(self) -> _Schema: ...
    @property
    def ok(self) -> bool: ...
    @property
    def inventory_ready(self) -> bool: ...
    @property
    def inventory_error(self) -> str | None:
        """What the provider said instead of an inventory, as written."""
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def nodes(self) -> list[NodeSummary]: ...
    @property
    def totals(self) -> Totals: ...
    @property
    def gpus(self) -> list[GpuGroup]: ...
    @property
    def counters(self) -> dict[str, int | None]:
        """The provider's counters: leases, orders, deployments (None when not given)."""
    @property
    def reservations(self) -> dict[str, dict[str, object]] | None:
        """Resources held by pending and active reservations."""
    @property
    def public_hostnames(self) -> list[str]: ...
    @property
    def address(self) -> str | None:
        """The provider's account, which only the legacy REST handler adds."""
    @property
    def leased_ips(self) -> Usage | None:
        """Leased IP addresses (v1 ``leased_ip``), where the provider runs the IP operator."""
    def counts(self) -> dict[str, int]:
        """Findings by code; codes without findings are left out."""
    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data, the shape ``akinv/schemas/report.schema.json`` describes:
        integers beyond int64 (only a finding's value can be one) are strings of digits."""

@final
class Change:
    @property
    def path(self) -> str: ...
    @property
    def original(self) -> str:
        """The token replaced, exactly as written in the document."""
    @property
    def replacement(self) -> str: ...
    @property
    def reason(self) -> _Code: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Sanitized:
    @property
    def data(self) -> bytes: ...
    @property
    def report(self) -> Report: ...
    @property
    def changes(self) -> list[Change]: ...

def _restore(kind: str, state: bytes, /) -> object:
    """Rebuilds an object from the state its ``__reduce__`` gave (pickle calls this).

    Raises ValueError for state that is cut short, corrupt, of another format version, or of
    another kind of object."""

def parse_quantity(text: str, /, *, milli: bool = False) -> int:
    """Parse a Kubernetes quantity exactly, rounded up away from zero (Value()/MilliValue())."""

def parse_quantities(texts: Sequence[str], /, *, milli: bool = False) -> list[int]:
    """Parse many quantities in the Rust core with the GIL released.

    Raises QuantityError naming the first bad text's index, TypeError for a non-str item or a bare str.
    """

def validate(
    payload: _Document, /, *, schema: _Schema | None = None, policy: Policy | None = None
) -> Report: ...
def sanitize(
    payload: _Document, /, *, schema: _Schema | None = None, policy: Policy | None = None
) -> Sanitized: ...
def validate_many(
    payloads: Iterable[_Document],
    /,
    *,
    threads: int | None = None,
    schema: _Schema | None = None,
    policy: Policy | None = None,
) -> list[Report | PayloadError]: ...
def sanitize_many(
    payloads: Iterable[_Document],
    /,
    *,
    threads: int | None = None,
    schema: _Schema | None = None,
    policy: Policy | None = None,
) -> list[Sanitized | PayloadError]: ...

MAX_DOCUMENT_BYTES: int
"""Larger documents are refused (a stream's limit may only be lower)."""
MAX_DEPTH: int
"""Deeper nesting is refused."""

@final
class DocumentStream:
    """A stream's documents, found by the core as its blocks are handed over: JSON Lines, or
    JSON texts one after another (pretty or compact); the format is told from the first lines
    when not given."""

    def __new__(
        cls, *, format: Literal["lines", "documents"] | None = None, limit: int = ...
    ) -> DocumentStream: ...
    @property
    def format(self) -> Literal["lines", "documents"] | None:
        """The stream's format, once its first lines have shown it."""
    @property
    def line(self) -> int:
        """The line of the document being read (or of the next byte)."""
    def push(self, block: bytes, /) -> None:
        """Hand over the next block."""
    def end(self, *, cut: bool = False) -> None:
        """No block follows; ``cut`` when reading failed (the last document is left unread)."""
    def validate(
        self,
        *,
        threads: int | None = None,
        schema: _Schema | None = None,
        policy: Policy | None = None,
    ) -> list[tuple[int | None, Report | PayloadError]]:
        """Reports of the next documents, with the line each starts on (None for a stream that
        is one document alone); empty once the blocks handed over are used up."""
    def sanitize(
        self,
        *,
        separate: bool = False,
        keep_errors: int = 0,
        threads: int | None = None,
        schema: _Schema | None = None,
        policy: Policy | None = None,
    ) -> SanitizedPart | None:
        """The next documents sanitized; None once the blocks handed over are used up."""

@final
class SanitizedPart:
    """What sanitizing part of a stream wrote and found."""

    @property
    def data(self) -> bytes: ...
    @property
    def documents(self) -> int: ...
    @property
    def changed_documents(self) -> int: ...
    @property
    def changes(self) -> int: ...
    @property
    def reasons(self) -> dict[str, int]: ...
    @property
    def errors(self) -> list[tuple[int | None, PayloadError]]:
        """The errors kept, with the line of each document."""
    @property
    def dropped(self) -> int:
        """Errors beyond those kept."""

# Bid matching and pricing. Orders and pricings may be given as the core objects or as the
# Python `akinv.Order` / `akinv.Pricing`, which carry them in their `core` attribute.

class _HasOrderCore(Protocol):
    @property
    def core(self) -> OrderCore: ...

class _HasPricingCore(Protocol):
    @property
    def core(self) -> Pricing: ...

_Order: TypeAlias = "OrderCore | _HasOrderCore"
_Pricing: TypeAlias = "Pricing | _HasPricingCore"
_Mode = Literal["provider", "exact"]
_Wildcard = Literal["provider-order", "cheapest", "most-expensive"]

@final
class OrderCore:
    """A canonical order document, read by the core (built by `akinv.Order`)."""

    def __new__(cls, canonical: bytes, /) -> OrderCore: ...
    def script_input(self) -> bytes:
        """The price script's stdin document of the order as given."""

@final
class Pricing:
    """The generic price script's settings, as decimal strings."""

    def __new__(
        cls,
        *,
        cpu: str | None = None,
        memory: str | None = None,
        hd_ephemeral: str | None = None,
        hd_pers_hdd: str | None = None,
        hd_pers_ssd: str | None = None,
        hd_pers_nvme: str | None = None,
        endpoint: str | None = None,
        ip: str | None = None,
        gpu_mappings: str = "",
    ) -> Pricing: ...
    def quote_script_input(self, data: bytes, /, *, akt_usd: str | None = None) -> Quote:
        """The generic script on its raw stdin: what it prints and how it exits."""
    def quote(self, order: _Order, /, *, akt_usd: str | None = None) -> Quote: ...
    def __getnewargs_ex__(self) -> tuple[tuple[()], dict[str, str]]: ...

@final
class Quote:
    @property
    def exit_code(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def denom(self) -> str: ...
    @property
    def rate(self) -> str | None: ...
    @property
    def rate_exact(self) -> str | None: ...
    @property
    def usd_per_month(self) -> str: ...
    @property
    def breakdown(self) -> dict[str, str]: ...
    @property
    def gpus(self) -> list[dict[str, object]]: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Reservation:
    @property
    def ok(self) -> bool: ...
    @property
    def no_fit(self) -> dict[str, object] | None: ...
    @property
    def units(self) -> list[dict[str, object]]: ...
    @property
    def quirks(self) -> list[str]: ...
    @property
    def notes(self) -> list[str]: ...
    def allocated_script_input(self) -> bytes | None: ...
    @property
    def quote(self) -> Quote | ValueError | None: ...
    @property
    def options(self) -> list[dict[str, object]]: ...

@final
class Inventory:
    @staticmethod
    def from_status(
        payload: _Document, /, *, schema: _Schema | None = None, policy: Policy | None = None
    ) -> Inventory: ...
    @property
    def report(self) -> Report: ...
    @property
    def has_devices(self) -> bool: ...
    @property
    def nodes(self) -> list[dict[str, object]]: ...
    def reserve(
        self,
        order: _Order,
        /,
        *,
        mode: _Mode = "provider",
        wildcard: _Wildcard = "provider-order",
        pricing: _Pricing | None = None,
        akt_usd: str | None = None,
        dry_run: bool = True,
        overcommit: Mapping[Literal["cpu", "memory", "storage"], int] | None = None,
    ) -> Reservation: ...

@final
class Match:
    @property
    def provider(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def gpus(self) -> list[dict[str, object]]: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def rate(self) -> str | None: ...
    @property
    def quote(self) -> Quote | ValueError | None: ...
    @property
    def error(self) -> PayloadError | None: ...

@final
class Inventories:
    def __new__(
        cls,
        items: Iterable[tuple[str, _Document]],
        /,
        *,
        threads: int | None = None,
        policy: Policy | None = None,
    ) -> Inventories: ...
    def __len__(self) -> int: ...
    @property
    def providers(self) -> list[str]: ...
    def match(
        self,
        order: _Order,
        /,
        *,
        pricing: _Pricing | None = None,
        pricings: Mapping[str, _Pricing] | None = None,
        akt_usd: str | None = None,
        threads: int | None = None,
    ) -> list[Match]: ...

def match(
    order: _Order,
    items: Iterable[tuple[str, _Document]],
    /,
    *,
    pricing: _Pricing | None = None,
    pricings: Mapping[str, _Pricing] | None = None,
    akt_usd: str | None = None,
    threads: int | None = None,
    policy: Policy | None = None,
) -> list[Match]:
    """One order against many (provider id, status payload) pairs, read and matched in parallel."""
