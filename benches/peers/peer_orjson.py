"""orjson to plain dicts, the careful integer parser for quantities.

orjson silently turns an integer outside [-2^63, 2^64) into a float (18446744073709551621 becomes
1.8446744073709552e+19), which the rules then flag as unparsable or wrong-type. Only such documents
are read again with the exact stdlib decoder, so the clean majority pays nothing for it.
"""

from __future__ import annotations

import json

import orjson

from .quantity import parse_quantity
from .rules import Summary
from .walk_dicts import check_document


def job(doc: bytes) -> Summary:
    summary = check_document(orjson.loads(doc), parse_quantity)
    if "unparsable" in summary["findings"] or "wrong-type" in summary["findings"]:
        return check_document(json.loads(doc), parse_quantity)
    return summary
