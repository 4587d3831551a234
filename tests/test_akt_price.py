"""The AKT price for akinv-bid-price (environment, hourly cache, sources) and WHITELIST_URL."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest
from loopback import serve

from akinv.bidding.aktprice import AktPriceError, akt_usd, check_price, known_akt_usd, price_from_body
from akinv.bidding.whitelist import is_whitelisted


@pytest.mark.parametrize("text", ["3", "3.00", "0.5", "0.000001", "1000000", "1000000.000", "007.5"])
def test_valid_prices(text: str) -> None:
    assert check_price(text) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "abc is not an integer/floating number!"),
        ("3.", "3. is not an integer/floating number!"),
        (".5", ".5 is not an integer/floating number!"),
        ("-1", "-1 is not an integer/floating number!"),
        ("1e3", "1e3 is not an integer/floating number!"),
        ("", " is not an integer/floating number!"),
        ("0", "0 is outside the permitted range (>0, <=1000000)"),
        ("0.000", "0.000 is outside the permitted range (>0, <=1000000)"),
        ("1000000.01", "1000000.01 is outside the permitted range (>0, <=1000000)"),
        ("1000001", "1000001 is outside the permitted range (>0, <=1000000)"),
    ],
)
def test_invalid_prices_with_the_scripts_messages(text: str, message: str) -> None:
    with pytest.raises(AktPriceError) as caught:
        check_price(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("body", "price"),
    [
        (b'{"Symbol": "AKT", "Price": 2.3456789012345678, "Time": "x"}', "2.3456789012345678"),
        (b'{"akash-network": {"usd": 1.23}}', "1.23"),
        (b"2.5", "2.5"),
        (b"  4.75\n", "4.75"),
        (b'"3.1"', "3.1"),
    ],
)
def test_price_in_answers(body: bytes, price: str) -> None:
    assert price_from_body(body) == price


@pytest.mark.parametrize("body", [b'{"Price": null}', b'{"other": 1}', b"-2", b'{"Price": 1e-05}'])
def test_no_price_in_answers(body: bytes) -> None:
    with pytest.raises(AktPriceError):
        price_from_body(body)


def env_for(tmp_path: Path, *urls: str, **more: str) -> dict[str, str]:
    return {
        "AKINV_AKT_PRICE_CACHE": str(tmp_path / "akt.cache"),
        "AKINV_AKT_PRICE_URL": ",".join(urls),
        **more,
    }


def test_environment_wins(tmp_path: Path) -> None:
    env = env_for(tmp_path, "http://127.0.0.1:9/", AKINV_AKT_USD="4.20")
    assert akt_usd(env) == known_akt_usd(env) == "4.20"
    with pytest.raises(AktPriceError, match="outside the permitted range"):
        akt_usd({**env, "AKINV_AKT_USD": "0"})


def test_fetched_once_an_hour_and_cached(tmp_path: Path) -> None:
    with serve() as server:
        server.answers["/dia"] = (200, b'{"Price": 2.75}')
        env = env_for(tmp_path, server.url("/dia"))
        assert known_akt_usd(env) is None
        assert akt_usd(env) == "2.75"
        assert (tmp_path / "akt.cache").read_text() == "2.75\n"
        server.answers["/dia"] = (200, b'{"Price": 9}')
        assert akt_usd(env) == known_akt_usd(env) == "2.75"
        assert server.hits["/dia"] == 1
        # An hour later the cache is stale: fetched again.
        old = time.time() - 3601
        os.utime(tmp_path / "akt.cache", (old, old))
        assert known_akt_usd(env) is None
        assert akt_usd(env) == "9"
        assert server.hits["/dia"] == 2


def test_sources_in_order_and_stale_cache_kept(tmp_path: Path) -> None:
    with serve() as server:
        server.answers["/down"] = (500, b"oops")
        server.answers["/bad"] = (200, b'{"Price": -1}')
        server.answers["/gecko"] = (200, b'{"akash-network": {"usd": 1.5}}')
        env = env_for(tmp_path, server.url("/down"), server.url("/bad"), server.url("/gecko"))
        assert akt_usd(env) == "1.5"
        assert [server.hits[p] for p in ("/down", "/bad", "/gecko")] == [1, 1, 1]
        # Every source failing: the stale cache still serves, as the script keeps its cache.
        old = time.time() - 7200
        os.utime(tmp_path / "akt.cache", (old, old))
        server.answers["/gecko"] = (503, b"")
        assert akt_usd(env) == "1.5"


def test_no_price_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    with serve() as server:
        env = env_for(tmp_path, server.url("/missing"))
        with pytest.raises(AktPriceError) as caught:
            akt_usd(env)
    message = str(caught.value)
    assert message.startswith("no AKT price: AKINV_AKT_USD is not set, no cache at ")
    assert server.url("/missing") in message and "404" in message


def test_a_refresh_under_way_serves_the_stale_price(tmp_path: Path) -> None:
    cache = tmp_path / "akt.cache"
    cache.write_text("3.3\n")
    old = time.time() - 7200
    os.utime(cache, (old, old))
    with serve() as server, open(f"{cache}.lock", "a") as lock:
        server.answers["/dia"] = (200, b"5")
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another akinv-bid-price refreshing
        assert akt_usd(env_for(tmp_path, server.url("/dia"))) == "3.3"
        assert server.hits["/dia"] == 0


def test_whitelist(tmp_path: Path) -> None:
    env = {"AKINV_WHITELIST_CACHE": str(tmp_path / "list")}
    with serve() as server:
        server.answers["/list"] = (200, b"akash1alice\nakash1bob, akash1carol\n")
        url = server.url("/list")
        assert is_whitelisted("akash1bob", url, env)
        assert is_whitelisted("akash1carol", url, env)
        assert not is_whitelisted("akash1bo", url, env)  # a whole word, as grep -w
        assert not is_whitelisted("akash1dave", url, env)
        assert not is_whitelisted("", url, env)
        assert server.hits["/list"] == 1  # cached for 10 minutes
    unreachable = {"AKINV_WHITELIST_CACHE": str(tmp_path / "none")}
    assert not is_whitelisted("akash1alice", "http://127.0.0.1:9/list", unreachable)
