"""The Rust core's bidding API, typed, while its stubs are not yet in ``_akinv.pyi``.

The lead's ``akinv._akinv`` brings ``OrderCore``, ``Pricing``, ``Inventory``, ``Inventories`` and
``match``; this module names their types as Protocols and reaches them through ``getattr``, so the
Python side type-checks before the core lands. ``available()`` says whether it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    def rate(self) -> str | None: ...
    @property
    def denom(self) -> str | None: ...
    @property
    def usd_per_month(self) -> str: ...
    @property
    def breakdown(self) -> dict[str, str]: ...
    @property
    def gpus(self) -> list[dict[str, Any]]: ...


class OrderCoreObject(Protocol):
    def script_input(self) -> bytes: ...


class PricingCore(Protocol):
    def quote_script_input(self, stdin: bytes, /, *, akt_usd: str | None = None) -> QuoteCore: ...
    def quote(self, order: OrderCoreObject, /, *, akt_usd: str | None = None) -> QuoteCore: ...


class ReservationCore(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def units(self) -> Sequence[Any]: ...
    @property
    def no_fit(self) -> Any: ...
    @property
    def quirks(self) -> list[str]: ...
    @property
    def quote(self) -> QuoteCore | None: ...
    @property
    def quotes(self) -> Any: ...
    def allocated_script_input(self) -> bytes: ...


class InventoryCore(Protocol):
    def reserve(
        self,
        order: OrderCoreObject,
        /,
        *,
        mode: Mode = "provider",
        wildcard: Wildcard = "provider-order",
        pricing: PricingCore | None = None,
        akt_usd: str | None = None,
        dry_run: bool = True,
    ) -> ReservationCore: ...


class MatchCore(Protocol):
    @property
    def provider(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def gpu(self) -> Any: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def rate(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...


class InventoriesCore(Protocol):
    def match(
        self,
        order: OrderCoreObject,
        /,
        *,
        pricing: PricingCore | None = None,
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


def available(name: str = "Pricing") -> bool:
    """Whether the compiled core has ``name`` yet (``OrderCore``, ``Pricing``, ``Inventory``, ...)."""
    return hasattr(_akinv, name)


def core() -> _Module:
    """The compiled module, typed as the bidding contract."""
    return cast(_Module, _akinv)


def inventory_from_status(payload: bytes | str, /) -> InventoryCore:
    """``_akinv.Inventory.from_status(payload)``."""
    return cast(InventoryCore, core().Inventory.from_status(payload))
