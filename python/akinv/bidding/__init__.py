"""Bid matching and pricing: orders, the generic price script's pricing, reservation and matching.

Kept free of imports so that ``akinv-bid-price`` (``akinv.bidding.script``) starts fast; the public
names are ``akinv.Order``, ``akinv.Pricing`` and friends.
"""
