"""``WHITELIST_URL``, as the generic script honours it: bid only for tenants listed there.

The list is downloaded at most every 10 minutes (3 s timeouts) into a cache file
(``AKINV_WHITELIST_CACHE``, default ``/tmp/akinv-whitelist.cache``); a tenant (``AKASH_OWNER``) is
listed when it appears as a whole word, as ``grep -w`` finds it. A list that cannot be had refuses.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

__all__ = ["is_whitelisted"]

CACHE_PATH = "/tmp/akinv-whitelist.cache"
CACHE_SECONDS = 600
TIMEOUT_SECONDS = 3.0


def is_whitelisted(owner: str, url: str, env: Mapping[str, str] = os.environ) -> bool:
    path = env.get("AKINV_WHITELIST_CACHE") or CACHE_PATH
    try:
        fresh = time.time() - os.stat(path).st_mtime < CACHE_SECONDS
    except OSError:
        fresh = False
    if not fresh:
        _download(url, path)
    try:
        with open(path, "rb") as file:
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(owner) and _has_word(text, owner)


def _download(url: str, path: str) -> None:
    import urllib.request

    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(16 << 20)
        with open(temporary, "wb") as file:
            file.write(body)
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _has_word(text: str, word: str) -> bool:
    """``grep -w``: an occurrence not preceded or followed by a word character."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if not (before and _is_word_character(before)) and not (after and _is_word_character(after)):
            return True
        start = text.find(word, start + 1)
    return False
