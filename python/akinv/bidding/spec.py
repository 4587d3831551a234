"""The canonical order: what every order shape becomes, and what the Rust core reads.

One JSON document per order (``OrderSpec``), the same whether the order came from a price script's
stdin, an on-chain GroupSpec or an SDL: resource units in order (the provider visits them last to
first), exact integers per replica, on-chain GPU attribute keys, the volumes, the endpoint and leased-IP
counts the price script sees, and DecCoin prices with 18 decimals.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = ["Coin", "OrderFinding", "OrderSpec", "Source", "Unit", "Volume"]

Source = Literal["script-input", "group-spec", "sdl"]
UInt = Annotated[int, msgspec.Meta(ge=0)]


class Coin(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A DecCoin: ``amount`` has exactly 18 decimals (``"1000.000000000000000000"``)."""

    denom: str
    amount: str


class Volume(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One storage volume of a replica; ``class_`` is None for ephemeral storage."""

    name: str
    bytes: UInt
    class_: str | None = msgspec.field(name="class")
    persistent: bool


class Unit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A resource unit: ``count`` replicas of the per-replica resources."""

    id: UInt
    name: str
    count: UInt
    cpu_millis: UInt
    memory_bytes: UInt
    gpu_units: UInt
    gpu_attributes: tuple[str, ...]
    storage: tuple[Volume, ...]
    endpoints: UInt
    ips: UInt
    price: Coin | None


class OrderSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The canonical order (``price`` is the group's maximum per block: the sum of unit price x count)."""

    source: Source
    name: str
    units: tuple[Unit, ...]
    price: Coin | None
    price_precision: int | None


class OrderFinding(msgspec.Struct, frozen=True, omit_defaults=True):
    """Something about a readable order that providers or the chain would refuse, or that reads
    differently than it is written. ``code`` is stable kebab-case; ``line`` is the SDL line; ``value``
    the value as read (exact); ``limit`` the limit it breaks, when there is one."""

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    value: int | str | None = None
    limit: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__struct_fields__}
