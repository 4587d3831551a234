"""`akinv match`: which providers of a network snapshot could host an order, on which GPU and at
what rate (the command lives in ``akinv.bidding.cli``)."""

from __future__ import annotations

from akinv.bidding.cli import add_match_parser as add_parser

__all__ = ["add_parser"]
