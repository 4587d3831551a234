"""``akinv.Pricing``: the generic price script's targets, and its quote for an order.

The arithmetic is the Rust core's (exact decimals emulating the script's jq, bc, awk and printf);
this module reads the settings the way the script does and hands orders to it. It imports nothing
heavy, because ``akinv-bid-price`` starts through it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, final

from akinv import _akinv
from akinv.bidding.settings import DEFAULTS, ENVIRONMENT, settings_from_env

if TYPE_CHECKING:
    from decimal import Decimal

    from akinv.bidding.order import Order

__all__ = ["DEFAULTS", "ENVIRONMENT", "Pricing", "settings_from_env"]


def _from_settings(settings: dict[str, str]) -> Pricing:
    return Pricing(**settings)


def akt_text(akt_usd: str | int | Decimal | None) -> str | None:
    """An AKT price as the decimal text the core reads (a Decimal without exponent notation)."""
    if akt_usd is None or isinstance(akt_usd, str):
        return akt_usd
    if isinstance(akt_usd, int):
        return str(akt_usd)
    return format(akt_usd, "f")


@final
class Pricing:
    """Price targets in USD per month, as decimal strings exactly as the script's variables hold
    them: cpu per thread, memory and storage per GiB, per endpoint, per leased IP, and GPU mappings
    (``a100=900,a100.80Gi=1000,*=2000``, USD per GPU). Immutable."""

    __slots__ = ("_parsed", "_settings")
    _settings: dict[str, str]
    _parsed: _akinv.Pricing

    def __init__(
        self,
        *,
        cpu: str = DEFAULTS["cpu"],
        memory: str = DEFAULTS["memory"],
        hd_ephemeral: str = DEFAULTS["hd_ephemeral"],
        hd_pers_hdd: str = DEFAULTS["hd_pers_hdd"],
        hd_pers_ssd: str = DEFAULTS["hd_pers_ssd"],
        hd_pers_nvme: str = DEFAULTS["hd_pers_nvme"],
        endpoint: str = DEFAULTS["endpoint"],
        ip: str = DEFAULTS["ip"],
        gpu_mappings: str = DEFAULTS["gpu_mappings"],
    ) -> None:
        settings = {
            "cpu": cpu,
            "memory": memory,
            "hd_ephemeral": hd_ephemeral,
            "hd_pers_hdd": hd_pers_hdd,
            "hd_pers_ssd": hd_pers_ssd,
            "hd_pers_nvme": hd_pers_nvme,
            "endpoint": endpoint,
            "ip": ip,
            "gpu_mappings": gpu_mappings,
        }
        object.__setattr__(self, "_settings", settings)
        object.__setattr__(self, "_parsed", _akinv.Pricing(**settings))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Pricing:
        """The pricing the generic script would use in this environment (``PRICE_TARGET_*``)."""
        return cls(**settings_from_env(env))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Pricing is immutable; cannot set {name!r}")

    def __reduce__(self) -> tuple[object, tuple[dict[str, str]]]:
        return (_from_settings, (self._settings,))

    @property
    def settings(self) -> dict[str, str]:
        """The keyword arguments that make this pricing."""
        return dict(self._settings)

    @property
    def core(self) -> _akinv.Pricing:
        return self._parsed

    def quote(self, order: Order, /, *, akt_usd: str | int | Decimal | None = None) -> _akinv.Quote:
        """What the generic script prints for ``order`` as given (not reserved): the rate per block in
        the order's denom, with a breakdown. ``akt_usd`` (USD per AKT) is needed for uakt."""
        return self._parsed.quote(order.core, akt_usd=akt_text(akt_usd))

    def quote_script_input(
        self, stdin: bytes | str, /, *, akt_usd: str | int | Decimal | None = None
    ) -> _akinv.Quote:
        """What the generic script does with this stdin document, byte for byte."""
        data = stdin.encode() if isinstance(stdin, str) else stdin
        return self._parsed.quote_script_input(data, akt_usd=akt_text(akt_usd))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pricing) and self._settings == other._settings

    def __hash__(self) -> int:
        return hash(tuple(self._settings.items()))

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._settings.items() if v != DEFAULTS[k]}
        return f"Pricing({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
