"""Orders and the generic price script's answers, computed by hand from the documented formula.

USD a month = cpu threads x PRICE_TARGET_CPU + memory GiB x _MEMORY + storage GiB per class x its
target (ephemeral, beta1, beta2, beta3; ram is not priced) + endpoints x _ENDPOINT + leased IPs x _IP
(those two NOT multiplied by the count: the script's jq precedence) + count x GPU units x GPU price.
GPU price: the key model[.ram][.interface] from the order, then without its last part, then the bare
model, else the highest mapping (at least 100). uakt per block = USD / AKT price (bc: 20 decimals,
truncated) x 1e6 / 429909 (truncated); uact and the two Axelar USDC denoms = USD / 429909 x 1e6.
Printed with price_precision decimals (6 by default), rounded to nearest; the legacy input (a bare
list, no price) prints a whole number. None of these rates lies near a rounding tie.

Each case: (name, stdin document, environment, AKT price, expected stdout, stderr, exit status).
"""

from __future__ import annotations

import json
from typing import Any

AKT = "2.5"
MAINNET_USDC = "ibc/170C677610AC31DF0904FFE09CD3B5C657492170E7E52372E48756B71E56F2F1"
SANDBOX_USDC = "ibc/12C6A0C374171B595A0A9E18B83FA09D295FB1F2D8C6DAA3AC28683471752D84"
GIB = 1073741824


def unit(**changes: Any) -> dict[str, Any]:
    """2 CPUs, 4 GiB, 10 GiB ephemeral, one endpoint, one replica: 3.20 + 3.20 + 0.20 + 0.05 = 6.65 USD."""
    base: dict[str, Any] = {
        "cpu": 2000,
        "memory": 4 * GIB,
        "gpu": {"units": 0, "attributes": {}},
        "storage": [{"class": "ephemeral", "size": 10 * GIB}],
        "count": 1,
        "endpoint_quantity": 1,
        "ip_lease_quantity": 0,
    }
    base.update(changes)
    return base


def gpu(units: int, vendor: str = "nvidia", **model: str) -> dict[str, Any]:
    return {"units": units, "attributes": {"vendor": {vendor: model}}}


def order(
    *units: dict[str, Any], denom: str = "uakt", amount: str = "100000", precision: int | None = 6
) -> bytes:
    document: dict[str, Any] = {
        "resources": list(units),
        "price": {"denom": denom, "amount": f"{amount}.000000000000000000"},
    }
    if precision is not None:
        document["price_precision"] = precision
    return json.dumps(document).encode()


MAPPINGS = {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,a100.80Gi=1000,a100.80Gi.sxm=1100,h100=1800,*=2000"}
TOO_LOW = "requested rate is too low. min expected "

Case = tuple[str, bytes, dict[str, str], str, str, str, int]
CASES: list[Case] = [
    # 6.65 / 2.5 = 2.66 AKT a month -> 2,660,000 uakt / 429909 = 6.18735592...
    ("uakt", order(unit()), {}, AKT, "6.187356", "", 0),
    # 6.65 / 429909 x 1e6 = 15.46838982...
    ("uact", order(unit(), denom="uact"), {}, AKT, "15.468390", "", 0),
    ("usdc mainnet", order(unit(), denom=MAINNET_USDC), {}, AKT, "15.468390", "", 0),
    ("usdc sandbox", order(unit(), denom=SANDBOX_USDC), {}, AKT, "15.468390", "", 0),
    ("unsupported denom", order(unit(), denom="ufoo"), {}, AKT, "", "denom in not supported: ufoo", 1),
    # The legacy list: 6.187356 printed as a whole number.
    ("legacy input", json.dumps([unit()]).encode(), {}, AKT, "6", "", 0),
    ("too low, uakt", order(unit(), amount="6"), {}, AKT, "", TOO_LOW + "6.187356uakt", 1),
    ("too low, uact", order(unit(), denom="uact", amount="15"), {}, AKT, "", TOO_LOW + "15.468390uact", 1),
    (
        "price not an object",
        json.dumps({"resources": [unit()], "price": "100000"}).encode(),
        {},
        AKT,
        "",
        "price must be an object! make sure you are using the latest akash-provider.",
        1,
    ),
    # 3 replicas: cpu 6 x 1.60 = 9.60, memory 12 x 0.80 = 9.60, ephemeral 30 x 0.02 = 0.60, but
    # endpoints 2 x 0.05 = 0.10 and one IP x 5 = 5 (not x 3): 24.90 USD.
    (
        "endpoints and IPs not x count",
        order(unit(count=3, endpoint_quantity=2, ip_lease_quantity=1)),
        {},
        AKT,
        "23.167694",
        "",
        0,
    ),
    (
        "endpoints and IPs not x count, uact",
        order(unit(count=3, endpoint_quantity=2, ip_lease_quantity=1), denom="uact"),
        {},
        AKT,
        "57.919234",
        "",
        0,
    ),
    # t4 has no mapping: the highest price (1800), not the '*' one (500): 2 x 1800 + 6.65 = 3606.65.
    (
        "catch-all is the highest mapping",
        order(unit(gpu=gpu(2, model="t4"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,h100=1800,*=500"},
        AKT,
        "3355.733423",
        "",
        0,
    ),
    # No mappings at all: 100 a GPU; 106.65 USD.
    ("catch-all without mappings", order(unit(gpu=gpu(1, model="a100"))), {}, AKT, "99.230302", "", 0),
    # Every mapping below 100: the catch-all is still 100; t4 itself is priced at 50 (56.65 USD).
    (
        "catch-all at least 100",
        order(unit(gpu=gpu(1, model="a100"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "t4=50"},
        AKT,
        "99.230302",
        "",
        0,
    ),
    (
        "mapped below 100",
        order(unit(gpu=gpu(1, model="t4"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "t4=50"},
        AKT,
        "52.708829",
        "",
        0,
    ),
    # a100.80Gi.sxm is not mapped, a100.80Gi is: 1000 + 6.65 = 1006.65.
    (
        "key without its interface",
        order(unit(gpu=gpu(1, model="a100", ram="80Gi", interface="sxm"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,a100.80Gi=1000"},
        AKT,
        "936.616819",
        "",
        0,
    ),
    # a100.40Gi.pcie -> a100.40Gi -> a100 = 900 (a100.pcie is never tried when ram is given): 906.65.
    (
        "bare model, model.interface skipped",
        order(unit(gpu=gpu(1, model="a100", ram="40Gi", interface="pcie"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,a100.pcie=950,a100.40Gi.sxm=990"},
        AKT,
        "843.573873",
        "",
        0,
    ),
    # Without ram the key is a100.sxm: mapped at 990 -> 996.65.
    (
        "model.interface",
        order(unit(gpu=gpu(1, model="a100", interface="sxm"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,a100.sxm=990"},
        AKT,
        "927.312524",
        "",
        0,
    ),
    # The full key: a100.80Gi.sxm = 1100, with the shared samples' mappings; here in uact:
    # (1100 + 6.65) / 429909 x 1e6.
    (
        "full key, uact",
        order(unit(gpu=gpu(1, model="a100", ram="80Gi", interface="sxm")), denom="uact"),
        MAPPINGS,
        AKT,
        "2574.149413",
        "",
        0,
    ),
    # A literal '*' model looks up '*' (2000): 2006.65; without a '*' mapping the highest (1800).
    (
        "wildcard priced by '*'",
        order(unit(gpu=gpu(1, model="*"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,*=2000"},
        AKT,
        "1867.046282",
        "",
        0,
    ),
    (
        "wildcard without '*'",
        order(unit(gpu=gpu(1, model="*"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,h100=1800"},
        AKT,
        "1680.960389",
        "",
        0,
    ),
    # amd is read when there is no nvidia entry; with both, nvidia wins.
    (
        "amd",
        order(unit(gpu=gpu(1, vendor="amd", model="mi100"))),
        {"PRICE_TARGET_GPU_MAPPINGS": "mi100=700"},
        AKT,
        "657.487980",
        "",
        0,
    ),
    (
        "nvidia before amd",
        order(
            unit(
                gpu={
                    "units": 1,
                    "attributes": {"vendor": {"amd": {"model": "mi100"}, "nvidia": {"model": "a100"}}},
                }
            )
        ),
        {"PRICE_TARGET_GPU_MAPPINGS": "a100=900,mi100=700"},
        AKT,
        "843.573873",
        "",
        0,
    ),
    # beta1 100 GiB x 0.01 + beta2 100 GiB x 0.03 + beta3 100 GiB x 0.04 = 8.00; ram is not priced: 14.65.
    (
        "storage classes",
        order(
            unit(
                storage=[
                    {"class": "ephemeral", "size": 10 * GIB},
                    {"class": "beta1", "size": 100 * GIB},
                    {"class": "beta2", "size": 100 * GIB},
                    {"class": "beta3", "size": 100 * GIB},
                    {"class": "ram", "size": GIB},
                ]
            )
        ),
        {},
        AKT,
        "13.630792",
        "",
        0,
    ),
    # PRICE_TARGET_CPU=2.5, _MEMORY=1: 5 + 4 + 0.20 + 0.05 = 9.25 USD.
    (
        "targets from the environment",
        order(unit()),
        {"PRICE_TARGET_CPU": "2.5", "PRICE_TARGET_MEMORY": "1"},
        AKT,
        "8.606473",
        "",
        0,
    ),
    # An empty variable is unset (${VAR:-default}).
    ("empty variable is the default", order(unit()), {"PRICE_TARGET_CPU": ""}, AKT, "6.187356", "", 0),
    ("precision 2", order(unit(), precision=2), {}, AKT, "6.19", "", 0),
    ("precision 0", order(unit(), precision=0), {}, AKT, "6", "", 0),
    ("precision absent", order(unit(), precision=None), {}, AKT, "6.187356", "", 0),
    ("uact precision 2", order(unit(), denom="uact", precision=2), {}, AKT, "15.47", "", 0),
    # The shared samples, with their recorded outputs (AKT at 3.00).
    (
        "sample a100-80Gi-sxm",
        order(
            unit(
                cpu=8000,
                memory=32 * GIB,
                gpu=gpu(1, model="a100", ram="80Gi", interface="sxm"),
                storage=[{"class": "ephemeral", "size": 100 * GIB}, {"class": "beta3", "size": 500 * GIB}],
            ),
            amount="10000",
        ),
        MAPPINGS,
        "3.00",
        "899.764059",
        "",
        0,
    ),
    (
        "sample wildcard allocated",
        order(
            unit(
                cpu=8000,
                memory=32 * GIB,
                gpu=gpu(1, model="a100"),
                storage=[{"class": "ephemeral", "size": 100 * GIB}],
            ),
            amount="10000",
        ),
        MAPPINGS,
        "3.00",
        "729.185324",
        "",
        0,
    ),
    (
        "sample wildcard unallocated",
        order(
            unit(
                cpu=8000,
                memory=32 * GIB,
                gpu=gpu(1, model="*"),
                storage=[{"class": "ephemeral", "size": 100 * GIB}],
            ),
            amount="10000",
        ),
        MAPPINGS,
        "3.00",
        "1582.078998",
        "",
        0,
    ),
]
