"""akinv-bid-price end to end, in a subprocess as the provider runs it: stdout, stderr, exit status,
the AKT price cache, WHITELIST_URL and --inventory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import serve
from pricing_table import CASES, GIB, Case, gpu, order, unit
from statuses import node, status


def bid_price(
    stdin: bytes, env: dict[str, str], *arguments: str, tmp: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The command as the provider runs it: no arguments, the provider's environment plus ours."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PRICE_TARGET", "AKINV_", "WHITELIST"))}
    if tmp is not None:
        base["AKINV_AKT_PRICE_CACHE"] = str(tmp / "akt.cache")
        base["AKINV_AKT_PRICE_URL"] = "http://127.0.0.1:9/unreachable"
    command = [sys.executable, "-m", "akinv.bidding.script", *arguments]
    return subprocess.run(
        command, input=stdin, capture_output=True, env={**base, **env}, check=False, timeout=60
    )


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_the_hand_computed_table(case: Case, tmp_path: Path) -> None:
    _, stdin, env, akt, stdout, stderr, exit_code = case
    result = bid_price(stdin, {**env, "AKINV_AKT_USD": akt}, tmp=tmp_path)
    assert (result.stdout.decode(), result.stderr.decode(), result.returncode) == (stdout, stderr, exit_code)


def test_the_installed_command() -> None:
    command = Path(sys.executable).with_name("akinv-bid-price")
    if not command.exists():
        pytest.skip("akinv-bid-price is not installed beside this interpreter")
    result = subprocess.run([str(command), "--help"], capture_output=True, check=False)
    assert result.returncode == 0 and b"usage: akinv-bid-price" in result.stdout


UAKT = order(unit())


def test_akt_price_from_a_source_then_the_cache(tmp_path: Path) -> None:
    with serve() as server:
        server.answers["/price"] = (200, b'{"Price": 2.5}')
        env = {
            "AKINV_AKT_PRICE_CACHE": str(tmp_path / "akt.cache"),
            "AKINV_AKT_PRICE_URL": server.url("/price"),
        }
        first = bid_price(UAKT, env)
        assert (first.stdout, first.returncode) == (b"6.187356", 0), first.stderr
        assert (tmp_path / "akt.cache").read_text() == "2.5\n"
        server.answers["/price"] = (200, b'{"Price": 5}')
        assert bid_price(UAKT, env).stdout == b"6.187356"
        assert server.hits["/price"] == 1
        old = time.time() - 3700
        os.utime(tmp_path / "akt.cache", (old, old))
        # An hour later: refreshed. 6.65 / 5 x 1e6 / 429909 = 3.09367796...
        assert bid_price(UAKT, env).stdout == b"3.093678"
        assert server.hits["/price"] == 2


def test_no_akt_price_is_a_clear_error_but_uact_needs_none(tmp_path: Path) -> None:
    result = bid_price(UAKT, {}, tmp=tmp_path)
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().startswith("no AKT price: AKINV_AKT_USD is not set")
    uact = bid_price(order(unit(), denom="uact"), {}, tmp=tmp_path)
    assert (uact.stdout, uact.stderr, uact.returncode) == (b"15.468390", b"", 0)
    bad = bid_price(UAKT, {"AKINV_AKT_USD": "0"}, tmp=tmp_path)
    assert (bad.stderr, bad.returncode) == (b"0 is outside the permitted range (>0, <=1000000)", 1)


def test_whitelist(tmp_path: Path) -> None:
    with serve() as server:
        server.answers["/list"] = (200, b"akash1alice\n")
        env = {
            "AKINV_AKT_USD": "2.5",
            "WHITELIST_URL": server.url("/list"),
            "AKINV_WHITELIST_CACHE": str(tmp_path / "list"),
        }
        assert bid_price(UAKT, {**env, "AKASH_OWNER": "akash1alice"}).stdout == b"6.187356"
        refused = bid_price(UAKT, {**env, "AKASH_OWNER": "akash1bob"})
        assert (refused.stdout, refused.stderr, refused.returncode) == (
            b"",
            b"akash1bob is not whitelisted",
            1,
        )


WILDCARD = order(unit(gpu=gpu(1, model="*")), amount="100000")
MAPPINGS = {"AKINV_AKT_USD": "2.5", "PRICE_TARGET_GPU_MAPPINGS": "h100=1800,t4=80,*=2000"}


def test_inventory_resolves_a_wildcard(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    # Nodes by name: a-t4 first, so the provider allocates a t4 (80 USD) to a wildcard.
    path.write_bytes(
        status(node("b-h100", 8, [("h100", "80Gi", "SXM5")] * 8), node("a-t4", 1, [("t4", "16Gi", "PCIe")]))
    )
    plain = bid_price(WILDCARD, MAPPINGS)
    assert plain.stdout == b"1867.046282"  # '*' = 2000: (2000 + 6.65) / 2.5 x 1e6 / 429909
    resolved = bid_price(WILDCARD, MAPPINGS, "--inventory", str(path))
    # t4 = 80: 86.65 / 2.5 x 1e6 / 429909 = 80.62171...
    assert (resolved.stdout, resolved.returncode) == (b"80.621713", 0), resolved.stderr
    from_env = bid_price(WILDCARD, {**MAPPINGS, "AKINV_INVENTORY": str(path)})
    assert from_env.stdout == b"80.621713"
    # A concrete model is priced as given (the provider's status already counts its reservation).
    h100 = order(unit(gpu=gpu(1, model="h100")), amount="100000")
    assert bid_price(h100, MAPPINGS, "--inventory", str(path)).stdout == bid_price(h100, MAPPINGS).stdout


def test_inventory_that_cannot_host_the_order(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_bytes(status(node("a", 0, [])))
    result = bid_price(WILDCARD, MAPPINGS, "--inventory", str(path))
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().startswith("no bid: the provider cannot host this order")
    missing = bid_price(WILDCARD, MAPPINGS, "--inventory", str(tmp_path / "absent.json"))
    assert missing.returncode == 1 and b"absent.json" in missing.stderr


def test_unreadable_input_is_refused_without_the_network(tmp_path: Path) -> None:
    with serve() as server:
        env = {
            "AKINV_AKT_PRICE_CACHE": str(tmp_path / "akt.cache"),
            "AKINV_AKT_PRICE_URL": server.url("/price"),
        }
        for stdin in (b"{", b'{"resources": [{"cpu": 1000, "memory": 1, "count": 1}]}'):
            result = bid_price(stdin, env)
            assert result.returncode == 1 and result.stdout == b""
            assert result.stderr.startswith(b"akinv-bid-price: "), result.stderr
        assert server.hits["/price"] == 0


def test_the_start_path_stays_lean() -> None:
    """The provider starts one process an order: nothing heavy may creep into the start path."""
    probe = (
        "import sys\n"
        "from akinv.bidding import script\n"
        "stdout, stderr, status = script.answer(sys.stdin.buffer.read(), {'AKINV_AKT_USD': '3'})\n"
        "assert status == 0, stderr\n"
        "heavy = ('typing', 're', 'json', 'msgspec', 'yaml', 'rich', 'argparse', 'urllib.request', 'decimal')\n"
        "print(' '.join(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], input=order(unit()), capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == ""


def test_arguments() -> None:
    assert bid_price(b"", {}, "--help").stdout.startswith(b"usage: akinv-bid-price")
    wrong = bid_price(b"", {}, "--frobnicate")
    assert wrong.returncode == 2 and b"unknown argument '--frobnicate'" in wrong.stderr


def test_many_gib_do_not_lose_precision() -> None:
    big = order(unit(memory=2048 * GIB, count=50), denom="uact", amount="1000000")
    result = bid_price(big, {})
    # 50 replicas: cpu 100 x 1.60 = 160, memory 102400 GiB x 0.80 = 81920, ephemeral 500 x 0.02 = 10,
    # one endpoint 0.05: 82090.05 USD / 429909 x 1e6 = 190947.50...
    assert (result.stdout, result.returncode) == (b"190947.502844", 0), result.stderr
