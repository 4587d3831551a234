"""``akinv.Order``: one order from any of its three shapes, as the canonical JSON the core reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn, TypeVar, final

import msgspec

from akinv import _akinv
from akinv.bidding.shapes import (
    GroupSpecShape,
    ScriptInputShape,
    choose_group,
    group_spec_order,
    script_input_order,
)
from akinv.bidding.spec import Coin, OrderFinding, OrderSpec, Source, Unit
from akinv.errors import OrderError

__all__ = ["Order", "OrderData"]

OrderData = bytes | bytearray | memoryview | str | Mapping[str, Any] | Sequence[Any]
T = TypeVar("T")

_ENCODER = msgspec.json.Encoder()


@final
class Order:
    """An order: resource units, the group's max price and its precision, from a price script's
    stdin, an on-chain GroupSpec or an SDL. Immutable; equal when their canonical JSON and findings
    are. ``findings`` lists what providers or the chain would refuse in it (never a failure)."""

    __slots__ = ("_findings", "_parsed", "_spec")
    _spec: OrderSpec
    _findings: tuple[OrderFinding, ...]
    _parsed: _akinv.OrderCore | None

    def __init__(self, spec: OrderSpec, /, findings: Sequence[OrderFinding] = ()) -> None:
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_findings", tuple(findings))
        object.__setattr__(self, "_parsed", None)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Order is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Order is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[Order], tuple[OrderSpec, tuple[OrderFinding, ...]]]:
        return (Order, (self._spec, self._findings))

    @classmethod
    def from_script_input(cls, data: OrderData, /) -> Order:
        """The price script's stdin (``resources``, ``price``, ``price_precision``), or the legacy
        bare array of resources."""
        return cls(script_input_order(_decode(data, ScriptInputShape)))

    @classmethod
    def from_group_spec(cls, data: OrderData, /, *, name: str | None = None) -> Order:
        """An on-chain GroupSpec, or a list of them with ``name`` choosing one (the only one when None)."""
        document = _decode(data, GroupSpecShape)
        if isinstance(document, list):
            group = choose_group(document, name)
            path = f"$[{document.index(group)}]"
        else:
            group = choose_group([document], name)
            path = "$"
        spec, findings = group_spec_order(group, path)
        return cls(spec, findings)

    @classmethod
    def from_sdl(cls, text: str | bytes, /, *, group: str | None = None) -> Order:
        """An Akash SDL (2.0 or 2.1): one placement group, ``group`` by name (the only one when None).
        Anything akinv does not support is an OrderError naming its line."""
        from akinv.bidding.sdl import read_sdl

        spec, findings = read_sdl(text, group=group)
        return cls(spec, findings)

    @classmethod
    def from_document(cls, data: str | bytes, /, *, group: str | None = None) -> Order:
        """Any of the three shapes, recognised by content: JSON with ``resources[].resource`` (or a list
        of groups) is a GroupSpec, other JSON a price script's stdin, anything else an SDL."""
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
        stripped = text.lstrip()
        if not stripped.startswith(("{", "[")):
            return cls.from_sdl(text, group=group)
        try:
            document = msgspec.json.decode(text)
        except msgspec.DecodeError:
            # YAML is a superset of JSON's flow style: let the SDL reader say what is wrong.
            return cls.from_sdl(text, group=group)
        if _looks_like_group_spec(document):
            return cls.from_group_spec(document, name=group)
        return cls.from_script_input(document)

    @property
    def spec(self) -> OrderSpec:
        """The canonical order (msgspec Struct)."""
        return self._spec

    @property
    def source(self) -> Source:
        return self._spec.source

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def units(self) -> tuple[Unit, ...]:
        return self._spec.units

    @property
    def price(self) -> Coin | None:
        """The group's maximum per block: the sum of unit price x count."""
        return self._spec.price

    @property
    def price_precision(self) -> int | None:
        return self._spec.price_precision

    @property
    def findings(self) -> tuple[OrderFinding, ...]:
        return self._findings

    def to_json(self) -> bytes:
        """The canonical JSON the core reads."""
        return _ENCODER.encode(self._spec)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = msgspec.to_builtins(self._spec)
        return result

    @property
    def core(self) -> _akinv.OrderCore:
        """The core's parsed order, made once on first use."""
        if self._parsed is None:
            object.__setattr__(self, "_parsed", _akinv.OrderCore(self.to_json()))
        assert self._parsed is not None
        return self._parsed

    def script_input(self) -> bytes:
        """The price script's stdin for this order as given (not yet reserved)."""
        return self.core.script_input()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Order):
            return NotImplemented
        return self._spec == other._spec and self._findings == other._findings

    def __hash__(self) -> int:
        return hash((self._spec, self._findings))

    def __repr__(self) -> str:
        price = f"{self.price.amount}{self.price.denom}" if self.price else None
        replicas = sum(unit.count for unit in self.units)
        codes = [finding.code for finding in self._findings]
        return (
            f"Order(source={self.source!r}, name={self.name!r}, units={len(self.units)}, "
            f"replicas={replicas}, price={price!r}, findings={codes!r})"
        )


def _decode(data: OrderData, shape: Any) -> Any:
    try:
        if isinstance(data, bytes | bytearray | memoryview | str):
            return msgspec.json.decode(data, type=shape, strict=True)
        return msgspec.convert(data, type=shape, strict=True)
    except msgspec.ValidationError as error:
        raise OrderError(str(error), path=_path_of(str(error))) from None
    except msgspec.DecodeError as error:
        raise OrderError(f"not JSON: {error}") from None


def _path_of(message: str) -> str | None:
    marker = " - at `"
    if marker in message and message.endswith("`"):
        return message.rsplit(marker, 1)[1][:-1]
    return None


def _looks_like_group_spec(document: object) -> bool:
    groups = document if isinstance(document, list) else [document]
    for group in groups:
        if isinstance(group, dict):
            resources = group.get("resources")
            if isinstance(resources, list) and resources and isinstance(resources[0], dict):
                return "resource" in resources[0]
            return "requirements" in group
    return False
