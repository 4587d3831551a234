"""akinv reserve and akinv match: exit codes, tables at 80 columns, JSON records, statuses files."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from statuses import node, status

import akinv.bidding.cli as bidding_cli
from akinv.bidding.cli import gpu_text, read_statuses
from akinv.cli.options import CommandError
from akinv.errors import PayloadTooLargeError
from akinv.io import read_document

SDL = """\
version: "2.0"
services:
  llm:
    image: vllm/vllm-openai
    expose:
      - port: 8000
        as: 80
        to:
          - global: true
profiles:
  compute:
    llm:
      resources:
        cpu: {units: 8}
        memory: {size: 64Gi}
        storage: {size: 100Gi}
        gpu:
          units: 2
          attributes:
            vendor:
              nvidia:
%s
  placement:
    dcloud:
      pricing:
        llm: {denom: uakt, amount: 100000}
deployment:
  llm:
    dcloud: {profile: llm, count: 1}
"""
WILDCARD = SDL % ""
H100 = SDL % "                - model: h100"
T4_NODE = node("a-t4", 4, [("t4", "16Gi", "PCIe")] * 4)
H100_NODE = node("b-h100", 8, [("h100", "80Gi", "SXM5")] * 8)
SMALL = node("c-small", 0, [], cpu=4, memory=16)


def akinv(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PRICE_TARGET", "AKINV_"))}
    full.update(env or {})
    full.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "akinv", *args], capture_output=True, text=True, env=full, check=False
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "wildcard.yaml").write_text(WILDCARD)
    (tmp_path / "h100.yaml").write_text(H100)
    (tmp_path / "both.json").write_bytes(status(H100_NODE, T4_NODE))
    (tmp_path / "small.json").write_bytes(status(SMALL))
    with open(tmp_path / "statuses.jsonl", "w") as out:
        out.write(
            json.dumps({"provider": "akash1both", "status": json.loads(status(H100_NODE, T4_NODE))}) + "\n"
        )
        out.write(status(SMALL).decode() + "\n\n")
        out.write(json.dumps({"provider": "akash1t4", "status": json.loads(status(T4_NODE))}) + "\n")
        out.write('{"cluster": \n')
    return tmp_path


def test_read_statuses(files: Path) -> None:
    path = files / "statuses.jsonl"
    ids = [provider for provider, _ in read_statuses(str(path))]
    assert ids == ["akash1both", "statuses.jsonl:2", "akash1t4", "statuses.jsonl:5"]
    packed = files / "statuses.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert [p for p, _ in read_statuses(str(packed))][0] == "akash1both"
    status_bytes = dict(read_statuses(str(path)))["akash1t4"]
    assert json.loads(status_bytes) == json.loads(status(T4_NODE))


def test_a_bad_envelope_or_an_endless_line_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "statuses.jsonl"
    path.write_bytes(b'{"provider": "akash1ok", "status": {}}\n{"provider": 5, "status": {}}\n')
    with pytest.raises(CommandError, match=r"statuses.jsonl:2: provider: Expected `str`, got `int`"):
        list(read_statuses(str(path)))
    # A line is refused once it passes the document limit, not held whole.
    monkeypatch.setattr(bidding_cli, "MAX_DOCUMENT_BYTES", 64)
    path.write_bytes(b'{"provider": "akash1ok", "status": {}}\n' + b"[" * 100 + b"\n")
    with pytest.raises(CommandError, match=r"statuses.jsonl:2: longer than 64 bytes"):
        list(read_statuses(str(path)))
    path.write_bytes(b" " * 62 + b"{}\r\n")  # exactly the limit, and its line ending
    assert list(read_statuses(str(path))) == [("statuses.jsonl:1", b" " * 62 + b"{}")]


def test_orders_and_inventories_are_read_no_further_than_the_limit(tmp_path: Path) -> None:
    plain, packed = tmp_path / "status.json", tmp_path / "bomb.json.gz"
    plain.write_bytes(b"{}" + b" " * 100)
    packed.write_bytes(gzip.compress(b" " * (64 << 20)))
    assert read_document(str(plain), limit=102) == b"{}" + b" " * 100
    for path in (plain, packed):
        with pytest.raises(PayloadTooLargeError, match="larger than 101 bytes; not read"):
            read_document(str(path), limit=101)


def test_gpu_text() -> None:
    device = {
        "vendor": "nvidia",
        "model": "h100",
        "memory_size": "80Gi",
        "interface": "SXM5",
        "uncertain": False,
    }
    assert gpu_text(device) == "h100 80Gi SXM5"
    assert gpu_text({**device, "vendor": "amd", "uncertain": True}) == "amd h100 80Gi SXM5 ?"
    assert gpu_text(("nvidia", "t4", "16Gi", "PCIe")) == "t4 16Gi PCIe" and gpu_text(None) == "-"


def test_reserve_text_explain_and_price(files: Path) -> None:
    env = {"PRICE_TARGET_GPU_MAPPINGS": "h100=1800,t4=80", "AKINV_AKT_USD": "3"}
    result = akinv(
        "reserve",
        "--inventory",
        str(files / "both.json"),
        str(files / "wildcard.yaml"),
        "--explain",
        "--price",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "FITS dcloud: 1 unit, 1 replica"
    assert max(len(line) for line in lines) <= 80
    # Nodes by name: a-t4 comes first, so a wildcard gets T4s.
    assert "a-t4 x1" in result.stdout and "t4 16Gi PCIe" in result.stdout
    assert "vendor/nvidia/model/t4" in result.stdout
    # 8 cpu x 1.60 + 64 GiB x 0.80 + 100 GiB x 0.02 + 0.05 + 2 x 80 = 226.05 USD a month
    assert "uakt per block (226.05" in result.stdout
    assert "GPU key t4: mapping t4, 80 USD" in result.stdout


def test_reserve_no_fit_and_json(files: Path) -> None:
    result = akinv("reserve", "--inventory", str(files / "small.json"), str(files / "h100.yaml"))
    assert result.returncode == 1
    assert result.stdout.startswith("NO FIT dcloud: 1 unit, 1 replica (insufficient-capacity)")
    result = akinv(
        "reserve", "--inventory", str(files / "both.json"), str(files / "h100.yaml"), "--format", "json"
    )
    record = json.loads(result.stdout)
    assert (record["ok"], record["source"], record["no_fit"]) == (True, "sdl", None)
    [unit] = record["units"]
    assert unit["nodes"] == [["b-h100", 1]] and unit["gpu"]["model"] == "h100"


def test_reserve_exact_mode_cheapest(files: Path) -> None:
    env = {"PRICE_TARGET_GPU_MAPPINGS": "h100=1800,t4=80", "AKINV_AKT_USD": "3"}
    args = (
        "reserve",
        "--inventory",
        str(files / "both.json"),
        str(files / "wildcard.yaml"),
        "--mode",
        "exact",
    )
    record = json.loads(
        akinv(*args, "--wildcard", "most-expensive", "--price", "--format", "json", env=env).stdout
    )
    assert record["units"][0]["gpu"]["model"] == "h100"
    assert {option["gpu"][1] for option in record["options"]} == {"h100", "t4"}
    wrong = akinv(
        "reserve",
        "--inventory",
        str(files / "both.json"),
        str(files / "wildcard.yaml"),
        "--wildcard",
        "cheapest",
    )
    assert wrong.returncode == 2 and "mode='exact'" in wrong.stderr


def test_match_text_and_json(files: Path) -> None:
    env = {"PRICE_TARGET_GPU_MAPPINGS": "h100=1800,t4=80"}
    result = akinv(
        "match", str(files / "h100.yaml"), str(files / "statuses.jsonl"), "--price", "--akt-usd", "3", env=env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "1 of 4 providers can host dcloud" in result.stdout
    records = [
        json.loads(line)
        for line in akinv(
            "match", str(files / "h100.yaml"), str(files / "statuses.jsonl"), "--format", "json"
        ).stdout.splitlines()
    ]
    assert [(r["provider"].rsplit("/", 1)[-1], r["ok"], r["kind"]) for r in records] == [
        ("akash1both", True, "fits"),
        ("statuses.jsonl:2", False, "insufficient-capacity"),
        ("akash1t4", False, "insufficient-capacity"),
        ("statuses.jsonl:5", False, "unreadable"),
    ]
    assert records[0]["gpus"][0]["node"] == "b-h100"
    nobody = akinv("match", str(files / "h100.yaml"), str(files / "small.json"))
    assert nobody.returncode == 1


def test_unreadable_order(files: Path) -> None:
    (files / "bad.yaml").write_text(WILDCARD.replace("units: 8", "units: 8K"))
    result = akinv("reserve", "--inventory", str(files / "both.json"), str(files / "bad.yaml"))
    assert result.returncode == 2
    assert (
        "line 14: profiles.compute.llm.resources.cpu.units: cpu units: '8K' is not a decimal number"
        in result.stderr
    )
