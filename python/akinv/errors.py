"""The exceptions akinv raises. Findings in a report are data; these are for input that cannot be read."""

from __future__ import annotations

__all__ = [
    "AkinvError",
    "MalformedJSONError",
    "OrderError",
    "PayloadError",
    "PayloadTooLargeError",
    "QuantityError",
    "StoreError",
    "UnknownShapeError",
]


class AkinvError(Exception):
    """Base class of every akinv exception."""


class QuantityError(AkinvError, ValueError):
    """A Kubernetes quantity text that Kubernetes would reject, or one too large to represent."""


class PayloadError(AkinvError, ValueError):
    """A status document that cannot be read: malformed JSON, an unknown shape, or too large.

    ``line`` and ``column`` (1-based, in characters of the input) say where malformed JSON went
    wrong; both are None otherwise. Catch a subclass to tell the three apart.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[PayloadError], tuple[str, int | None, int | None]]:
        return (type(self), (self.message, self.line, self.column))

    def __repr__(self) -> str:
        where = f", line={self.line}, column={self.column}" if self.line is not None else ""
        return f"{type(self).__name__}({self.message!r}{where})"


class MalformedJSONError(PayloadError):
    """The input is not JSON (or not UTF-8 text, when given as str); ``line`` and ``column`` say where."""


class UnknownShapeError(PayloadError):
    """Valid JSON that is none of the status document shapes, or not the one asked for."""


class PayloadTooLargeError(PayloadError):
    """A document larger than akinv reads (256 MiB), refused without being read."""


class OrderError(AkinvError, ValueError):
    """An order (price-script input, GroupSpec JSON or SDL) that cannot be read or that akinv does not
    support. ``path`` is where in the document (``$.resources[0].cpu``, or the SDL keys), ``line`` the
    1-based line of an SDL or JSON document when known; both may be None."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __reduce__(self) -> tuple[object, ...]:
        return (_order_error, (self.message, self.path, self.line))


def _order_error(message: str, path: str | None, line: int | None) -> OrderError:
    return OrderError(message, path=path, line=line)


class StoreError(AkinvError):
    """The indexer's database cannot be opened, migrated or written (its message says why)."""
