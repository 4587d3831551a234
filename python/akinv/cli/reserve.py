"""`akinv reserve`: place an order on one provider's inventory as the provider would (the command
lives in ``akinv.bidding.cli``)."""

from __future__ import annotations

from akinv.bidding.cli import add_reserve_parser as add_parser

__all__ = ["add_parser"]
