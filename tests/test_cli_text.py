"""`akinv check` as text: a line per ok document, a findings table only under documents with
findings, readable at 80 columns with no number cut; --summary and --errors-only; the command
registry."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from documents import dumps, legacy, legacy_node

from akinv.cli import SUBCOMMANDS, build_parser, command_name
from akinv.cli.render import cores, exact_cores, size, size_pair

GOOD = dumps(legacy(legacy_node()))
WRAPPED = dumps(legacy(legacy_node(gpu=2**64 - 1)))
NOT_READY = json.dumps(
    {"cluster": {"leases": 0, "inventory": {"error": {}}}, "bidengine": {"orders": 0}}
).encode()


def run(*args: str, columns: int = 80, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": str(columns), **env}
    for name in ("FORCE_COLOR", "NO_COLOR"):
        if name not in env:
            environment.pop(name, None)
    command = [sys.executable, "-m", "akinv", *args]
    done = subprocess.run(command, input=stdin, capture_output=True, check=False, env=environment)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def demo_records() -> list[dict[str, object]]:
    result = run("check", "--demo", "--format", "json")
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("columns", [80, 200])
def test_demo_fits_the_terminal_and_cuts_no_number(columns: int) -> None:
    result = run("check", "--demo", columns=columns)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    words = set(result.stdout.split())
    # Every number in every finding (its value and those in its message) is shown whole.
    for record in demo_records():
        for finding in record["findings"]:  # type: ignore[attr-defined]
            numbers = re.findall(r"-?\d+", finding["message"]) + [str(finding["value"])]
            for number in numbers:
                assert any(number in word for word in words), (number, columns)
    # Rich's tables ended cut numbers with an ellipsis ("12,026,754,555,5…"); nothing does now.
    assert not re.search(r"\d…|…\d", result.stdout)
    # Amounts are in larger units: 1.9 of 2.7 TiB of memory free, 282 of 400 CPU cores.
    assert "3/8 GPU, 282/400 CPU, 1.9/2.7 TiB free" in result.stdout


def test_ok_documents_are_one_line_each_and_findings_get_a_table(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\n".join([GOOD, GOOD, WRAPPED, GOOD]) + b"\n")
    result = run("check", str(path))
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    ok = [line for line in lines if line.startswith("ok ")]
    # At 80 columns an ok document keeps to one line, leaving out its node count (on every line).
    assert len(ok) == 3 and all(
        re.search(r"docs\.jsonl:\d  6/8 GPU, 51\.5/64 CPU, 438/503 GiB free$", x) for x in ok
    )
    wide = run("check", str(path), columns=100).stdout.splitlines()
    assert wide[0].endswith("docs.jsonl:1  1 node, 6/8 GPU, 51.5/64 CPU, 438/503 GiB free")
    error_at = next(i for i, line in enumerate(lines) if line.startswith("error "))
    assert "docs.jsonl:3" in lines[error_at]
    assert lines[error_at + 1].split(", ")[:2] == ["      legacy", "1 node"]
    table = lines[error_at + 2 : -1]
    # At 80 columns the path goes under its row, whole, rather than cut.
    assert table[0].split() == ["error", "wrapped-negative", "node1"]
    assert table[1].strip() == "cluster.inventory.available.nodes[0].available.gpu"
    assert str(2**64 - 1) in " ".join(table)
    assert lines[-1] == "4 documents: 3 ok, 1 with errors, 0 unreadable"
    # The old output printed a totals table for each document: eight lines or more each.
    assert len(lines) < 4 + 8


def test_wide_terminals_get_the_findings_on_one_row() -> None:
    result = run("check", "-", stdin=WRAPPED, columns=200)
    row = result.stdout.splitlines()[1]
    assert row.split()[:4] == [
        "error",
        "wrapped-negative",
        "node1",
        "cluster.inventory.available.nodes[0].available.gpu",
    ]
    assert "is a uint64 wraparound of -1" in row


def test_summary_adds_up_every_input() -> None:
    result = run("check", "--demo", "--summary")
    assert result.returncode == 1
    text = result.stdout
    assert not re.search(r"^(ok|error) ", text, re.M)  # no line per document
    lines = text.splitlines()
    assert lines[0] == "6 documents: 2 ok, 4 with errors, 0 unreadable"
    records = demo_records()
    gpu_allocatable = sum(r["totals"]["gpu"]["allocatable"] for r in records)  # type: ignore[index]
    nodes = sum(len(r["nodes"]) for r in records)  # type: ignore[arg-type]
    assert re.search(rf"^  GPU +{gpu_allocatable} ", text, re.M)
    assert re.search(rf"^  nodes +{nodes}$", text, re.M)
    assert re.search(r"^  wrapped-negative +2 +2$", text, re.M)  # in 2 documents, 2 findings
    assert re.search(r"^  nvidia h100 80Gi sxm5 +8 +3 +16$", text, re.M)
    assert re.search(r"^  \(no device info\) +8 +3 +0$", text, re.M)
    assert max(len(line) for line in lines) <= 80


def test_errors_only(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\n".join([GOOD, WRAPPED, b"{", GOOD]) + b"\n")
    result = run("check", "--errors-only", str(path))
    statuses = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert statuses == ["error", "unreadable", "4"]
    assert result.returncode == 2
    records = run("check", "--errors-only", "--format", "json", str(path)).stdout.splitlines()
    assert [json.loads(r)["line"] for r in records] == [2, 3]
    both = run("check", "--errors-only", "--summary", str(path)).stdout
    assert both.startswith("error ") and "4 documents: 2 ok, 1 with errors, 1 unreadable" in both


def test_inventory_not_ready_is_said(tmp_path: Path) -> None:
    result = run("check", "-", stdin=NOT_READY)
    line = result.stdout.splitlines()[0]
    assert line.startswith("not ready <stdin>")
    assert 'inventory not ready ("error": {})' in line
    assert result.stdout.splitlines()[-1] == "1 document: 0 ok, 1 inventory not ready, 0 unreadable"


def test_unreadable_documents_name_the_file_and_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"cluster": ')
    result = run("check", str(path))
    lines = result.stdout.splitlines()
    assert lines[0].startswith("unreadable ") and lines[0].endswith("broken.json")
    assert lines[1].strip().startswith("malformed JSON at line 1 column 13")
    assert result.returncode == 2


def test_colour_only_when_wanted() -> None:
    plain = run("check", "--demo")
    assert "\x1b[" not in plain.stdout
    coloured = run("check", "--demo", FORCE_COLOR="1")
    assert "\x1b[32mok\x1b[0m" in coloured.stdout and "\x1b[1;31merror\x1b[0m" in coloured.stdout
    assert "\x1b[" not in run("check", "--demo", FORCE_COLOR="1", NO_COLOR="1").stdout


def test_units() -> None:
    assert [size(n) for n in (0, 512, 1536, 2**40 * 27 // 10, 503 * 2**30, 2**40 - 1, 2**63 - 1)] == [
        "0 B",
        "512 B",
        "1.5 KiB",
        "2.7 TiB",
        "503 GiB",
        "1 TiB",
        "8 EiB",
    ]
    assert size_pair(2**39, 3 * 2**40) == "0.5/3 TiB" and size_pair(1, 2**40) == "<0.1/1 TiB"
    assert [cores(m) for m in (64000, 12500, 282250, 250)] == ["64", "12.5", "282", "0.2"]
    assert [exact_cores(m) for m in (1282250, 64000, 5, -1500)] == ["1,282.25", "64", "0.005", "-1.5"]


def test_every_subcommand_is_a_module_with_add_parser() -> None:
    assert SUBCOMMANDS[:3] == ("akinv.cli.check", "akinv.cli.sanitize", "akinv.cli.quantity")
    assert [command_name(m) for m in SUBCOMMANDS][:4] == ["check", "sanitize", "quantity", "doctor"]
    parser = build_parser()
    for argv in (["check", "--demo"], ["sanitize", "x"], ["quantity", "1"]):
        for built in (parser, build_parser(argv[0])):
            args = built.parse_args(argv)
            assert callable(args.run) and args.run.__module__ == f"akinv.cli.{argv[0]}"


def test_a_command_imports_only_what_it_needs() -> None:
    probe = (
        "import sys; from akinv.cli import main; main(['quantity', '1']); "
        "print(sorted({'rich', 'msgspec', 'akinv.doctor', 'akinv.cli.check'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True, text=True)
    assert done.stdout.splitlines()[-1] == "[]"
    result = run("--help")
    assert result.returncode == 0
    assert all(name in result.stdout for name in ("check", "sanitize", "quantity", "doctor"))
