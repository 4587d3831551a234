"""The exceptions akinv raises. Findings in a report are data; these are for input that cannot be read."""

from __future__ import annotations

__all__ = ["AkinvError", "PayloadError", "QuantityError"]


class AkinvError(Exception):
    """Base class of every akinv exception."""


class QuantityError(AkinvError, ValueError):
    """A Kubernetes quantity text that Kubernetes would reject, or one too large to represent."""


class PayloadError(AkinvError, ValueError):
    """A status document that cannot be read: malformed JSON, an unknown shape, or bad input type."""
