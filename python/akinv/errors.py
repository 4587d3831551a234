"""The exceptions akinv raises. Findings in a report are data; these are for input that cannot be read."""

from __future__ import annotations

__all__ = ["AkinvError", "PayloadError", "QuantityError"]


class AkinvError(Exception):
    """Base class of every akinv exception."""


class QuantityError(AkinvError, ValueError):
    """A Kubernetes quantity text that Kubernetes would reject, or one too large to represent."""


class PayloadError(AkinvError, ValueError):
    """A status document that cannot be read: malformed JSON, an unknown shape, or too large.

    ``line`` and ``column`` (1-based) say where malformed JSON went wrong; both are None otherwise.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type[PayloadError], tuple[str, int | None, int | None]]:
        return (type(self), (self.message, self.line, self.column))
