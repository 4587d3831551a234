"""akinv.Order from its three shapes: the canonical JSON of each, findings, and every refusal."""

from __future__ import annotations

import json
import pickle
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

import akinv
from akinv import Order, OrderError

GIB = 2**30
SAMPLES = (
    "bidscript-stdin_a100-80Gi-sxm.json",
    "bidscript-stdin_gpu-wildcard_allocated-a100.json",
    "bidscript-stdin_gpu-wildcard_unallocated.json",
)


def canonical(order: Order) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(order.to_json())
    return result


# --- the price script's stdin ---------------------------------------------------------------


def test_script_input_sample_canonical(shared_samples: Callable[[str], bytes]) -> None:
    order = Order.from_script_input(shared_samples("bidscript-stdin_a100-80Gi-sxm.json"))
    assert canonical(order) == {
        "source": "script-input",
        "name": "",
        "units": [
            {
                "id": 1,
                "name": "unit 1",
                "count": 1,
                "cpu_millis": 8000,
                "memory_bytes": 32 * GIB,
                "gpu_units": 1,
                "gpu_attributes": ["vendor/nvidia/model/a100/ram/80Gi/interface/sxm"],
                "storage": [
                    {"name": "ephemeral", "bytes": 100 * GIB, "class": None, "persistent": False},
                    {"name": "beta3", "bytes": 500 * GIB, "class": "beta3", "persistent": True},
                ],
                "endpoints": 1,
                "ips": 0,
                "price": None,
            }
        ],
        "price": {"denom": "uakt", "amount": "10000.000000000000000000"},
        "price_precision": 6,
    }
    assert order.findings == ()


@pytest.mark.parametrize(
    ("sample", "keys"),
    [
        ("bidscript-stdin_gpu-wildcard_allocated-a100.json", ["vendor/nvidia/model/a100"]),
        ("bidscript-stdin_gpu-wildcard_unallocated.json", ["vendor/nvidia/model/*"]),
    ],
)
def test_script_input_gpu_keys(shared_samples: Callable[[str], bytes], sample: str, keys: list[str]) -> None:
    order = Order.from_script_input(shared_samples(sample))
    assert list(order.units[0].gpu_attributes) == keys
    assert order.units[0].storage[0].class_ is None


def test_script_input_legacy_list_and_dicts() -> None:
    resource = {"cpu": 100, "memory": 2**20, "count": 3, "storage": [{"class": "ram", "size": 5}]}
    order = Order.from_script_input([resource])
    assert order.price is None and order.price_precision is None
    assert order.units[0].count == 3 and order.units[0].gpu_units == 0
    assert order.units[0].storage[0].class_ == "ram" and not order.units[0].storage[0].persistent
    both = {
        "resources": [
            {
                **resource,
                "gpu": {
                    "units": 1,
                    "attributes": {"vendor": {"nvidia": {"model": "a100"}, "amd": {"model": "mi100"}}},
                },
            }
        ]
    }
    assert order.units[0].gpu_attributes == ()
    assert Order.from_script_input(json.dumps(both)).units[0].gpu_attributes == (
        "vendor/amd/model/mi100",
        "vendor/nvidia/model/a100",
    )


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"resources": [{"cpu": "8000", "memory": 1, "count": 1}]}, "$.resources[0].cpu"),
        ({"resources": [{"cpu": -1, "memory": 1, "count": 1}]}, "$.resources[0].cpu"),
        ({"resources": [{"cpu": 1, "memory": 1, "count": 2**32}]}, "$.resources[0].count"),
        ({"resources": [{"cpu": 1, "memory": 1}]}, "$.resources[0]"),
        ({"resources": [], "price": "100"}, "$.price"),
        (
            {"resources": [{"cpu": 1, "memory": 1, "count": 1}], "price": {"denom": "uakt", "amount": "-1"}},
            "$.price.amount",
        ),
    ],
)
def test_script_input_errors_name_the_path(document: Any, path: str) -> None:
    with pytest.raises(OrderError) as caught:
        Order.from_script_input(json.dumps(document))
    assert caught.value.path == path and path in str(caught.value)


def test_not_json() -> None:
    with pytest.raises(OrderError, match="not JSON"):
        Order.from_script_input(b"{")


# --- the on-chain GroupSpec -----------------------------------------------------------------


def test_group_spec_sample_canonical(shared_samples: Callable[[str], bytes]) -> None:
    order = Order.from_group_spec(shared_samples("chain-sdk_gpu-basic_group-specs.json"))
    assert canonical(order) == {
        "source": "group-spec",
        "name": "westcoast",
        "units": [
            {
                "id": 1,
                "name": "unit 1",
                "count": 1,
                "cpu_millis": 1000,
                "memory_bytes": 2 * GIB,
                "gpu_units": 1,
                "gpu_attributes": ["vendor/nvidia/model/rtx3080"],
                "storage": [{"name": "default", "bytes": 10 * GIB, "class": None, "persistent": False}],
                "endpoints": 1,
                "ips": 0,
                "price": {"denom": "uakt", "amount": "1000.000000000000000000"},
            }
        ],
        "price": {"denom": "uakt", "amount": "1000.000000000000000000"},
        "price_precision": 6,
    }


def group(name: str, *units: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "requirements": {"signed_by": {}, "attributes": []}, "resources": list(units)}


def resource_unit(
    id: int = 1,
    count: int = 1,
    cpu: str = "1000",
    endpoints: list[dict[str, Any]] | None = None,
    storage: list[dict[str, Any]] | None = None,
    price: str = "10.5",
    denom: str = "uakt",
) -> dict[str, Any]:
    return {
        "resource": {
            "id": id,
            "cpu": {"units": {"val": cpu}},
            "memory": {"size": {"val": str(GIB)}},
            "storage": storage or [{"name": "default", "size": {"val": str(GIB)}}],
            "gpu": {"units": {"val": "0"}},
            "endpoints": endpoints if endpoints is not None else [{"sequence_number": 0}],
        },
        "count": count,
        "price": {"denom": denom, "amount": price},
    }


def test_group_spec_list_chosen_by_name_and_group_price() -> None:
    groups = [group("a", resource_unit()), group("b", resource_unit(1, 3), resource_unit(2, 2, price="0.25"))]
    with pytest.raises(OrderError, match="2 groups \\(a, b\\): choose one"):
        Order.from_group_spec(groups)
    with pytest.raises(OrderError, match="no group named 'c'"):
        Order.from_group_spec(groups, name="c")
    order = Order.from_group_spec(groups, name="b")
    # 10.5 x 3 + 0.25 x 2
    assert order.price == akinv.bidding.spec.Coin("uakt", "32.000000000000000000")
    assert [unit.price.amount for unit in order.units if unit.price] == [
        "10.500000000000000000",
        "0.250000000000000000",
    ]


def test_group_spec_endpoints_storage_and_kinds() -> None:
    endpoints: list[dict[str, Any]] = [
        {"kind": 1, "sequence_number": 0},
        {"sequence_number": 0},
        {"kind": 2, "sequence_number": 2},
        {"kind": "LEASED_IP", "sequence_number": 2},
        {"kind": 2, "sequence_number": 3},
    ]
    storage = [
        {
            "name": "data",
            "size": {"val": "5"},
            "attributes": [{"key": "class", "value": "beta3"}, {"key": "persistent", "value": "true"}],
        },
        {
            "name": "shm",
            "size": {"val": "7"},
            "attributes": [{"key": "class", "value": "ram"}, {"key": "persistent", "value": "false"}],
        },
    ]
    unit = Order.from_group_spec(group("g", resource_unit(endpoints=endpoints, storage=storage))).units[0]
    assert unit.endpoints == 5 and unit.ips == 2
    assert [(v.name, v.class_, v.persistent) for v in unit.storage] == [
        ("data", "beta3", True),
        ("shm", "ram", False),
    ]
    with pytest.raises(OrderError, match="unknown endpoint kind 'PORT'"):
        Order.from_group_spec(group("g", resource_unit(endpoints=[{"kind": "PORT"}])))


def test_group_spec_errors_and_limits() -> None:
    with pytest.raises(OrderError, match=r"\$.resources\[0\].resource.cpu.units.val"):
        Order.from_group_spec(group("g", resource_unit(cpu="1.5")))
    with pytest.raises(OrderError, match="different denoms"):
        Order.from_group_spec(group("g", resource_unit(), resource_unit(2, denom="uact")))
    order = Order.from_group_spec(group("g", resource_unit(cpu="500000", price="10000001")))
    assert [(f.code, f.limit) for f in order.findings] == [("chain-limit", 384000), ("chain-limit", 10000000)]


# --- the SDL --------------------------------------------------------------------------------

SDL = """\
version: "{version}"
services:
  web:
    image: nginx
    expose:
      - port: 80
        as: 80
        to:
          - global: true
{services}
profiles:
  compute:
    web:
      resources:
        cpu:
          units: {cpu}
        memory:
          size: {memory}
        storage:
          size: {storage}
{gpu}
  placement:
    dc:
      pricing:
        web:
          denom: uakt
          amount: 1000
deployment:
  web:
    dc:
      profile: web
      count: 2
{deployment}"""


def sdl(
    *,
    version: str = "2.0",
    cpu: str = "0.5",
    memory: str = "512Mi",
    storage: str = "1Gi",
    gpu: str = "",
    services: str = "",
    deployment: str = "",
) -> str:
    return SDL.format(
        version=version,
        cpu=cpu,
        memory=memory,
        storage=storage,
        gpu=textwrap.indent(textwrap.dedent(gpu), " " * 8) if gpu else "",
        services=textwrap.indent(textwrap.dedent(services), "  ") if services else "",
        deployment=textwrap.indent(textwrap.dedent(deployment), "  ") if deployment else "",
    )


def test_sdl_canonical() -> None:
    order = Order.from_sdl(sdl())
    assert canonical(order) == {
        "source": "sdl",
        "name": "dc",
        "units": [
            {
                "id": 1,
                "name": "web (web)",
                "count": 2,
                "cpu_millis": 500,
                "memory_bytes": 512 * 2**20,
                "gpu_units": 0,
                "gpu_attributes": [],
                "storage": [{"name": "default", "bytes": GIB, "class": None, "persistent": False}],
                "endpoints": 1,
                "ips": 0,
                "price": {"denom": "uakt", "amount": "1000.000000000000000000"},
            }
        ],
        "price": {"denom": "uakt", "amount": "2000.000000000000000000"},
        "price_precision": 6,
    }
    assert order.findings == ()
    assert Order.from_sdl(sdl().encode()) == order


@pytest.mark.parametrize(
    ("text", "millis"),
    [("0.5", 500), ("500m", 500), ('"1"', 1000), ("2", 2000), (".25", 250), ("1e1", 10000), ("100m", 100)],
)
def test_sdl_cpu_units(text: str, millis: int) -> None:
    assert Order.from_sdl(sdl(cpu=text)).units[0].cpu_millis == millis


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1Gi", GIB),
        ("1G", 10**9),
        ("1.5Gi", 3 * 2**29),
        ("512Mi", 2**29),
        ("1k", 1000),
        ("2Ki", 2048),
        ("1048576", 2**20),
        ("1e9", 10**9),
        ("2Ti", 2 * 2**40),
        ("1T", 10**12),
        ("3Pi", 3 * 2**50),
        ("15Ei", 15 * 2**60),
    ],
)
def test_sdl_sizes(text: str, size: int) -> None:
    order = Order.from_sdl(sdl(storage=text))
    assert order.units[0].storage[0].bytes == size
    assert Order.from_sdl(sdl(memory=text)).units[0].memory_bytes == size


def test_sdl_float_rounding_is_a_finding() -> None:
    order = Order.from_sdl(sdl(cpu="1.001"))
    # float64: 1.001 x 1000 = 1000.9999999999999, truncated; the chain holds 1000.
    assert order.units[0].cpu_millis == 1000
    [finding] = order.findings
    assert finding.code == "sdl-float-rounding" and finding.line == 16 and finding.value == 1000
    assert "1001" in finding.message


VOLUMES = """\
version: "2.0"
services:
  web:
    image: nginx
    expose:
      - port: 80
        to:
          - global: true
    params:
      storage:
        data:
          mount: /data
        shm:
          mount: /dev/shm
profiles:
  compute:
    web:
      resources:
        cpu: {units: 1}
        memory: {size: 1Gi}
        storage:
          - size: 10Gi
          - name: data
            size: 100Gi
            attributes:
              persistent: true
              class: beta3
          - name: shm
            size: 1Gi
            attributes:
              class: ram
          - name: plain
            size: 20Gi
            attributes:
              persistent: yes
  placement:
    dc:
      pricing:
        web: {denom: uakt, amount: 1}
deployment:
  web:
    dc: {profile: web, count: 1}
"""


def test_sdl_storage_volumes_sorted_with_classes() -> None:
    order = Order.from_sdl(VOLUMES)
    volumes = [(v.name, v.bytes // GIB, v.class_, v.persistent) for v in order.units[0].storage]
    # Sorted by size; a persistent volume with no class gets the class "default".
    assert volumes == [
        ("shm", 1, "ram", False),
        ("default", 10, None, False),
        ("plain", 20, "default", True),
        ("data", 100, "beta3", True),
    ]
    without_params = VOLUMES.replace(
        "    params:\n      storage:\n        data:\n          mount: /data\n"
        "        shm:\n          mount: /dev/shm\n",
        "",
    )
    with pytest.raises(
        OrderError, match="line 26: .*persistent volume 'plain' needs services.web.params.storage.plain.mount"
    ):
        Order.from_sdl(without_params)
    with pytest.raises(OrderError, match="line 14: .*the mount must be an absolute path"):
        Order.from_sdl(VOLUMES.replace("mount: /dev/shm", "mount: shm"))
    with pytest.raises(OrderError, match="line 14: .*already used"):
        Order.from_sdl(VOLUMES.replace("mount: /dev/shm", "mount: /data"))
    with pytest.raises(OrderError, match="line 26: .*ephemeral storage cannot set a class"):
        Order.from_sdl(VOLUMES.replace("              persistent: true\n", ""))
    with pytest.raises(OrderError, match="line 32: .*the ram storage class cannot be persistent"):
        Order.from_sdl(
            VOLUMES.replace(
                "              class: ram", "              class: ram\n              persistent: true"
            )
        )
    with pytest.raises(OrderError, match="line 27: .*unknown storage class 'ssd'"):
        Order.from_sdl(VOLUMES.replace("class: beta3", "class: ssd"))


@pytest.mark.parametrize(
    ("gpu", "keys"),
    [
        ("gpu:\n  units: 1\n  attributes:\n    vendor:\n      nvidia:\n", ["vendor/nvidia/model/*"]),
        ("gpu:\n  units: 1\n  attributes:\n    vendor:\n      nvidia: []\n", ["vendor/nvidia/model/*"]),
        (
            "gpu:\n  units: 2\n  attributes:\n    vendor:\n      nvidia:\n"
            "        - model: h100\n        - model: a100\n          ram: 81920Mi\n          interface: sxm\n",
            ["vendor/nvidia/model/a100/ram/80Gi/interface/sxm", "vendor/nvidia/model/h100"],
        ),
        (
            "gpu:\n  units: 1\n  attributes:\n    vendor:\n      nvidia:\n        - model: '*'\n",
            ["vendor/nvidia/model/*"],
        ),
        (
            "gpu:\n  units: 1\n  attributes:\n    vendor:\n      nvidia:\n        - model: t4\n          ram: 16Gi\n",
            ["vendor/nvidia/model/t4/ram/16Gi"],
        ),
        ("gpu:\n  units: 0\n", []),
    ],
)
def test_sdl_gpu_keys(gpu: str, keys: list[str]) -> None:
    unit = Order.from_sdl(sdl(gpu=gpu)).units[0]
    assert list(unit.gpu_attributes) == keys
    assert unit.gpu_units == int(gpu.split("units: ")[1].split("\n")[0])


SECOND_SERVICE = """\
api:
  image: api
  expose:
    - port: 8080
      to:
        - global: true
          ip: shared
    - port: 9090
      to:
        - service: web
"""


def with_api(version: str, profile: str = "web", web_ip: str = "shared", placement: str = "dc") -> str:
    text = sdl(
        version=version,
        services=SECOND_SERVICE,
        deployment=f"""\
        api:
          {placement}:
            profile: {profile}
            count: 3
        """,
    )
    text = text.replace(
        "          - global: true\n  api:", f"          - global: true\n            ip: {web_ip}\n  api:"
    )
    endpoints = "endpoints:\n  shared:\n    kind: ip\n" + (
        f"  {web_ip}:\n    kind: ip\n" if web_ip != "shared" else ""
    )
    return text + endpoints


def test_sdl_2_0_one_unit_a_service_endpoints_and_ips() -> None:
    order = Order.from_sdl(with_api("2.0"))
    api, web = order.units
    assert (api.id, api.name, api.count, web.id, web.count) == (1, "web (api)", 3, 2, 2)
    # api: one global 'to' with an ip -> 2 endpoints (a random port and a leased IP); the
    # service-to-service expose is not an endpoint. web: port 80 with the same ip -> 2.
    assert (api.endpoints, api.ips, web.endpoints, web.ips) == (2, 1, 2, 1)
    assert order.price is not None and order.price.amount == "5000.000000000000000000"


def test_sdl_2_1_services_of_a_profile_share_a_unit() -> None:
    shared = Order.from_sdl(with_api("2.1"))
    [unit] = shared.units
    assert (unit.name, unit.count, unit.endpoints, unit.ips) == ("web (api, web)", 5, 4, 1)
    distinct = Order.from_sdl(with_api("2.1", web_ip="other")).units[0]
    assert (distinct.endpoints, distinct.ips) == (4, 2)


def test_sdl_placement_groups() -> None:
    text = with_api("2.0", placement="eu").replace(
        "  placement:\n    dc:",
        "  placement:\n    eu:\n      pricing:\n        web:\n          denom: uakt\n          amount: 7\n    dc:",
    )
    with pytest.raises(OrderError, match=r"2 placement groups \(dc, eu\): choose one with group="):
        Order.from_sdl(text)
    eu = Order.from_sdl(text, group="eu")
    assert (eu.name, [u.count for u in eu.units], eu.price) == (
        "eu",
        [3],
        akinv.bidding.spec.Coin("uakt", "21.000000000000000000"),
    )
    assert Order.from_sdl(text, group="dc").units[0].count == 2
    with pytest.raises(OrderError, match="no placement group named 'us'"):
        Order.from_sdl(text, group="us")


def test_sdl_anchors_and_merge_keys() -> None:
    text = sdl().replace("        cpu:\n          units: 0.5\n", "        cpu: &cpu\n          units: 0.5\n")
    text = text.replace("        memory:\n", "        gpu:\n          <<: {units: 0}\n        memory:\n")
    assert Order.from_sdl(text).units[0].cpu_millis == 500


MAX_BODY = """\
expose:
  - port: 8080
    http_options:
      max_body_size: {value}
    to:
      - global: true
"""


@pytest.mark.parametrize(
    ("value", "code", "limit"),
    [
        (5 * GIB, "max-body-size-over-uint32", 2**32 - 1),
        (100 * 2**20 + 1, "max-body-size-over-limit", 100 * 2**20),
        (2**32, "max-body-size-over-uint32", 2**32 - 1),
        (2**64 + 7, "max-body-size-over-uint32", 2**32 - 1),
    ],
)
def test_sdl_max_body_size_findings(value: int, code: str, limit: int) -> None:
    text = sdl(
        services="api:\n  image: api\n" + textwrap.indent(MAX_BODY.format(value=value), "  "),
        deployment="""\
        api:
          dc:
            profile: web
            count: 1
        """,
    )
    order = Order.from_sdl(text)
    [finding] = order.findings
    assert (finding.code, finding.value, finding.limit, finding.line) == (code, value, limit, 15)
    assert (
        str(limit) in finding.message and finding.path == "services.api.expose[0].http_options.max_body_size"
    )
    assert order.units[0].endpoints == 1  # read, never truncated or refused


def api_with(expose: str) -> str:
    return sdl(
        services="api:\n  image: api\n" + textwrap.indent(textwrap.dedent(expose), "  "),
        deployment="api:\n  dc:\n    profile: web\n    count: 1\n",
    )


def test_sdl_http_options_within_limits_and_other_options() -> None:
    assert Order.from_sdl(api_with(MAX_BODY.format(value=100 * 2**20))).findings == ()
    other = MAX_BODY.replace("max_body_size: {value}", "read_timeout: 60001\n      next_cases: [off, error]")
    codes = [(f.code, f.line) for f in Order.from_sdl(api_with(other)).findings]
    assert codes == [("http-option-over-limit", 15), ("http-next-cases-refused", 16)]
    # http_options under 'to' are decoded into uint32 fields but never used: only an overflow counts.
    under_to = """\
        expose:
          - port: 81
            to:
              - global: true
                http_options:
                  max_body_size: {value}
        """
    assert Order.from_sdl(api_with(under_to.format(value=104857601))).findings == ()
    [finding] = Order.from_sdl(api_with(under_to.format(value=2**32))).findings
    assert (finding.code, finding.line) == ("max-body-size-over-uint32", 17)


def test_sdl_ignored_service_key_is_a_finding() -> None:
    text = sdl().replace("    image: nginx\n", "    image: nginx\n    depends_on: [db]\n")
    [finding] = Order.from_sdl(text).findings
    assert (finding.code, finding.line, finding.value) == ("sdl-ignored-key", 5, "depends_on")


def replace(old: str, new: str, text: str | None = None) -> str:
    base = sdl() if text is None else text
    assert old in base
    return base.replace(old, new, 1)


GPU_UNITS = "gpu:\n  units: 1\n  attributes:\n    vendor:\n      nvidia:\n        - model: a100\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (replace('version: "2.0"', 'version: "3.0"'), 1, "SDL version '3.0' is not supported"),
        (replace("deployment:", "extra: 1\ndeployment:"), 28, "an SDL does not support 'extra'"),
        (
            replace("    image: nginx\n", "    image: nginx\n    image: other\n"),
            5,
            "already defined at line 4",
        ),
        (replace("      - port: 80\n", "      - port: [80\n"), 7, "not YAML"),
        (replace("units: 0.5", "units: 1K"), 16, "'1K' is not a decimal number"),
        (replace("size: 512Mi", "size: 512m"), 18, "'512m' is not a decimal number"),
        (replace("size: 1Gi", "size: -1Gi"), 20, "negative value not allowed"),
        (replace("size: 1Gi", "size: 16Ei"), 20, "above 18446744073709551615"),
        (replace("units: 0.5", "units: 4294967296m"), 16, "does not fit in 32 bits"),
        (replace("      count: 2", "      count: 0"), 32, "count must be at least 1"),
        (replace("      count: 2", "      count: two"), 32, "expected an unsigned decimal integer"),
        (replace("      profile: web", "      profile: api"), 31, "no compute profile named 'api'"),
        (
            replace("      pricing:\n        web:", "      pricing:\n        api:"),
            31,
            "no pricing for profile 'web'",
        ),
        (replace("      - port: 80", "      - port: 70000"), 6, "the port must be 1 to 65535"),
        (replace("        to:", "        proto: http\n        to:"), 8, "unsupported protocol 'HTTP'"),
        (replace("          - global: true", "          - global: false"), 29, "zero global services"),
        (replace("          - global: true", "          - ip: x"), 9, "an 'ip' needs global: true"),
        (replace("        storage:\n          size: 1Gi\n", ""), 15, "'storage' is missing"),
        (sdl() + "endpoints:\n  shared:\n    kind: ip\n", 35, "endpoint 'shared' is declared but never used"),
        (replace("          amount: 1000", "          amount: 0"), 27, "amount is zero"),
        (replace("          denom: uakt", "          denom: u"), 26, "invalid denom 'u'"),
        (sdl(gpu=GPU_UNITS.replace("nvidia:", "amd:")), 25, "does not support 'amd'"),
        (sdl(gpu=GPU_UNITS.replace("- model: a100", "- ram: 80Gi")), 26, "a GPU entry needs a model"),
        (sdl(gpu=GPU_UNITS + "          interface: SXM4\n"), 27, "invalid GPU interface 'SXM4'"),
        (sdl(gpu=GPU_UNITS + "          ram: 80GB\n"), 27, "binary suffixes only"),
        (sdl(gpu=GPU_UNITS.replace("a100", "'*'") + "          ram: 80Gi\n"), 26, "'*' may only end it"),
        (sdl(gpu="gpu:\n  units: 1\n"), 22, "GPU attributes must be present when units > 0"),
        (sdl(gpu=GPU_UNITS.replace("units: 1", "units: 0")), 24, "GPU attributes need units > 0"),
        (
            sdl(gpu=GPU_UNITS + "        - model: a100\n"),
            27,
            "GPU key 'vendor/nvidia/model/a100' is given twice",
        ),
        (
            replace("          units: 0.5", "          units: 0.5\n          speed: 3"),
            17,
            "cpu does not support 'speed'",
        ),
        (
            replace("      count: 2", "      count: 2\n      region: eu"),
            33,
            "a deployment does not support 'region'",
        ),
        (
            replace("include", "include", sdl().replace("deployment:", "include: [a.yaml]\ndeployment:")),
            28,
            "include is not supported",
        ),
    ],
)
def test_sdl_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(OrderError) as caught:
        Order.from_sdl(text)
    assert caught.value.line == line, str(caught.value)
    assert message in str(caught.value) and str(caught.value).startswith(f"line {line}: ")


def test_sdl_mixed_denoms_refused() -> None:
    text = (
        with_api("2.0")
        .replace(
            "        web:\n          denom: uakt",
            "        api:\n          denom: uact\n          amount: 1\n        web:\n          denom: uakt",
        )
        .replace("      profile: web\n      count: 3", "      profile: api\n      count: 3")
    )
    text = text.replace(
        "  compute:\n",
        "  compute:\n    api:\n      resources:\n        cpu: {units: 1}\n"
        "        memory: {size: 1Gi}\n        storage: {size: 1Gi}\n",
    )
    with pytest.raises(OrderError, match="different denoms"):
        Order.from_sdl(text)


def test_empty_and_non_mapping_documents() -> None:
    with pytest.raises(OrderError, match="empty document"):
        Order.from_sdl("")
    with pytest.raises(OrderError, match="line 1: .*expected a mapping"):
        Order.from_sdl("- a\n- b\n")


# --- the Order object -----------------------------------------------------------------------


def test_from_document_recognises_each_shape(shared_samples: Callable[[str], bytes]) -> None:
    script = shared_samples(SAMPLES[0])
    spec = shared_samples("chain-sdk_gpu-basic_group-specs.json")
    assert Order.from_document(script).source == "script-input"
    assert Order.from_document(spec).source == "group-spec"
    assert Order.from_document(sdl()).source == "sdl"
    assert Order.from_document(b'[{"cpu": 1, "memory": 1, "count": 1}]').source == "script-input"


def test_order_is_immutable_hashable_and_picklable() -> None:
    order = Order.from_sdl(sdl())
    with pytest.raises(AttributeError):
        order.name = "other"  # type: ignore[misc]
    assert hash(order) == hash(Order.from_sdl(sdl())) and order == Order.from_sdl(sdl())
    assert order != Order.from_sdl(sdl(cpu="1"))
    assert repr(order) == (
        "Order(source='sdl', name='dc', units=1, replicas=2, price='2000.000000000000000000uakt', findings=[])"
    )
    again_order = pickle.loads(pickle.dumps(Order.from_sdl(sdl(cpu="1.001"))))
    assert (
        again_order == Order.from_sdl(sdl(cpu="1.001"))
        and again_order.findings[0].code == "sdl-float-rounding"
    )
    assert json.loads(again_order.script_input())["resources"][0]["cpu"] == 1000
    error = OrderError("line 3: bad", path="x", line=3)
    again = pickle.loads(pickle.dumps(error))
    assert (again.message, again.path, again.line) == ("line 3: bad", "x", 3)
    assert isinstance(again, ValueError) and isinstance(again, akinv.AkinvError)


def test_core_reads_every_canonical_order(shared_samples: Callable[[str], bytes]) -> None:
    orders = [Order.from_script_input(shared_samples(name)) for name in SAMPLES]
    orders.append(Order.from_group_spec(shared_samples("chain-sdk_gpu-basic_group-specs.json")))
    orders.append(Order.from_sdl(with_api("2.1")))
    for order in orders:
        assert order.core is order.core
        stdin = json.loads(order.script_input())
        assert len(stdin["resources"]) == len(order.units)


@pytest.mark.parametrize("name", SAMPLES)
def test_script_input_round_trip(shared_samples: Callable[[str], bytes], name: str) -> None:
    original = shared_samples(name)
    assert json.loads(Order.from_script_input(original).script_input()) == json.loads(original)
