"""akinv.Pricing: the script's settings from the environment, and quotes that match the hand-computed
table (tests/pricing_table.py) to the last printed decimal."""

from __future__ import annotations

import json
import pickle

import pytest
from pricing_table import CASES, Case

from akinv import Order, Pricing
from akinv.bidding.pricing import DEFAULTS, settings_from_env


def test_settings_from_env_defaults_and_empty_variables() -> None:
    assert settings_from_env({}) == DEFAULTS
    assert DEFAULTS == {
        "cpu": "1.60",
        "memory": "0.80",
        "hd_ephemeral": "0.02",
        "hd_pers_hdd": "0.01",
        "hd_pers_ssd": "0.03",
        "hd_pers_nvme": "0.04",
        "endpoint": "0.05",
        "ip": "5",
        "gpu_mappings": "",
    }
    env = {
        "PRICE_TARGET_CPU": "2",
        "PRICE_TARGET_MEMORY": "",
        "PRICE_TARGET_HD_EPHEMERAL": "0.5",
        "PRICE_TARGET_HD_PERS_HDD": "0.011",
        "PRICE_TARGET_HD_PERS_SSD": "0.031",
        "PRICE_TARGET_HD_PERS_NVME": "0.041",
        "PRICE_TARGET_ENDPOINT": "0.5",
        "PRICE_TARGET_IP": "7",
        "PRICE_TARGET_GPU_MAPPINGS": "a100=900",
        "PRICE_TARGET_OTHER": "1",
    }
    assert settings_from_env(env) == {
        "cpu": "2",
        "memory": "0.80",
        "hd_ephemeral": "0.5",
        "hd_pers_hdd": "0.011",
        "hd_pers_ssd": "0.031",
        "hd_pers_nvme": "0.041",
        "endpoint": "0.5",
        "ip": "7",
        "gpu_mappings": "a100=900",
    }


def test_from_env() -> None:
    pricing = Pricing.from_env({"PRICE_TARGET_CPU": "3", "PRICE_TARGET_GPU_MAPPINGS": "h100=1800"})
    assert pricing.settings == {**DEFAULTS, "cpu": "3", "gpu_mappings": "h100=1800"}
    assert pricing == Pricing(cpu="3", gpu_mappings="h100=1800") and hash(pricing) == hash(
        Pricing(cpu="3", gpu_mappings="h100=1800")
    )
    assert repr(pricing) == "Pricing(cpu='3', gpu_mappings='h100=1800')"
    assert pickle.loads(pickle.dumps(pricing)) == pricing
    with pytest.raises(AttributeError):
        pricing.cpu = "1"
    with pytest.raises(ValueError, match="PRICE_TARGET_CPU"):
        Pricing.from_env({"PRICE_TARGET_CPU": "abc"})


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_quote_script_input_matches_the_hand_computed_table(case: Case) -> None:
    _, stdin, env, akt, stdout, stderr, exit_code = case
    quote = Pricing.from_env(env).quote_script_input(stdin, akt_usd=akt)
    assert (quote.stdout, quote.stderr, quote.exit_code) == (stdout, stderr, exit_code)
    assert quote.rate == (stdout or None)


@pytest.mark.parametrize("case", [c for c in CASES if b'"price": "' not in c[1]], ids=lambda c: c[0])
def test_quote_of_the_order_matches_too(case: Case) -> None:
    """The same rates through akinv.Order: the canonical order writes the same script input back."""
    _, stdin, env, akt, stdout, stderr, exit_code = case
    quote = Pricing.from_env(env).quote(Order.from_script_input(stdin), akt_usd=akt)
    assert (quote.stdout, quote.stderr, quote.exit_code) == (stdout, stderr, exit_code)


def test_breakdown_and_gpu_lines() -> None:
    stdin = next(case[1] for case in CASES if case[0] == "key without its interface")
    pricing = Pricing(gpu_mappings="a100=900,a100.80Gi=1000")
    quote = pricing.quote_script_input(stdin, akt_usd="2.5")
    [line] = quote.gpus
    assert (line["key"], line["matched"], line["catch_all"]) == ("a100.80Gi.sxm", "a100.80Gi", False)
    assert quote.breakdown["gpu"].startswith("1000")
    catch_all = next(case for case in CASES if case[0] == "catch-all is the highest mapping")
    quote = Pricing.from_env(catch_all[2]).quote_script_input(catch_all[1], akt_usd="2.5")
    [line] = quote.gpus
    assert (line["key"], line["matched"], line["catch_all"]) == ("t4", None, True)
    assert quote.usd_per_month.startswith("3606.65")


def test_uakt_needs_an_akt_price_and_uact_does_not() -> None:
    uakt = next(case[1] for case in CASES if case[0] == "uakt")
    with pytest.raises(ValueError, match="AKT price"):
        Pricing().quote_script_input(uakt)
    uact = json.loads(uakt)
    uact["price"]["denom"] = "uact"
    assert Pricing().quote_script_input(json.dumps(uact)).stdout == "15.468390"
