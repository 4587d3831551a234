"""Pure-Python peers of akinv: each does the whole job on one document's bytes and returns a Summary.

They share the rules (rules.py) and the walkers (walk_dicts.py, walk_objects.py); they differ only in
how the bytes are decoded and which quantity parser they use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .rules import Summary

# Table name -> module in this package.
PEERS = {
    "json+kubernetes": "peer_json_k8s",
    "orjson": "peer_orjson",
    "msgspec": "peer_msgspec",
    "pydantic": "peer_pydantic",
}


def load(name: str) -> Callable[[bytes], Summary]:
    """The job function of one peer, imported on demand (so a timing subprocess loads only its own)."""
    module = importlib.import_module(f".{PEERS[name]}", __name__)
    job: Callable[[bytes], Summary] = module.job
    return job
