"""The Rust core's bidding API, typed, while its stubs are not yet in ``_akinv.pyi``.

The lead's ``akinv._akinv`` brings ``OrderCore``, ``Pricing``, ``Inventory``, ``Inventories`` and
``match``; this module names their types as Protocols and reaches them through ``getattr``, so the
Python side type-checks before the core lands. ``available()`` says whether it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Protocol, cast

from akinv import _akinv

__all__ = ["available", "core"]

Mode = Literal["provider", "exact"]
Wildcard = Literal["provider-order", "cheapest", "most-expensive"]


class QuoteCore(Protocol):
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


class OrderCoreObject(Protocol):
    def script_input(self) -> bytes: ...


class PricingCore(Protocol):
    def quote_script_input(self, data: bytes, /, *, akt_usd: str | None = None) -> QuoteCore: ...
    def quote(self, order: Any, /, *, akt_usd: str | None = None) -> QuoteCore: ...


class ReservationCore(Protocol):
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
    def quote(self) -> QuoteCore | ValueError | None: ...
    @property
    def options(self) -> list[dict[str, object]]: ...


class InventoryCore(Protocol):
    @property
    def has_devices(self) -> bool: ...
    def reserve(
        self,
        order: Any,
        /,
        *,
        mode: Mode = "provider",
        wildcard: Wildcard = "provider-order",
        pricing: Any = None,
        akt_usd: str | None = None,
        dry_run: bool = True,
    ) -> ReservationCore: ...


class MatchCore(Protocol):
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
    def quote(self) -> QuoteCore | ValueError | None: ...
    @property
    def error(self) -> Exception | None: ...


class InventoriesCore(Protocol):
    def __len__(self) -> int: ...
    def match(
        self,
        order: Any,
        /,
        *,
        pricing: Any = None,
        pricings: Any = None,
        akt_usd: str | None = None,
        threads: int | None = None,
    ) -> list[MatchCore]: ...


class _Module(Protocol):
    def OrderCore(self, canonical: bytes, /) -> OrderCoreObject: ...  # noqa: N802
    def Pricing(  # noqa: N802
        self,
        *,
        cpu: str = ...,
        memory: str = ...,
        hd_ephemeral: str = ...,
        hd_pers_hdd: str = ...,
        hd_pers_ssd: str = ...,
        hd_pers_nvme: str = ...,
        endpoint: str = ...,
        ip: str = ...,
        gpu_mappings: str = ...,
    ) -> PricingCore: ...

    @property
    def Inventory(self) -> Any: ...  # noqa: N802
    def Inventories(  # noqa: N802
        self, items: Iterable[tuple[str, bytes | str]], /, *, threads: int | None = None
    ) -> InventoriesCore: ...
    def match(
        self,
        order: Any,
        items: Iterable[tuple[str, bytes | str]],
        /,
        *,
        pricing: Any = None,
        akt_usd: str | None = None,
        threads: int | None = None,
    ) -> list[MatchCore]: ...


def available(name: str = "Pricing") -> bool:
    """Whether the compiled core has ``name`` yet (``OrderCore``, ``Pricing``, ``Inventory``, ...)."""
    return hasattr(_akinv, name)


def core() -> _Module:
    """The compiled module, typed as the bidding contract."""
    return cast(_Module, _akinv)


def inventory_from_status(payload: bytes | str, /) -> InventoryCore:
    """``_akinv.Inventory.from_status(payload)``."""
    return cast(InventoryCore, core().Inventory.from_status(payload))
