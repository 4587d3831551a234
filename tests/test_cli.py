"""The akinv command: exit codes, output formats, stdin, demo, policy files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from documents import dumps, legacy, legacy_node

import akinv
from akinv.cli import main

GOOD = dumps(legacy(legacy_node()))
WRAPPED = dumps(legacy(legacy_node(gpu=2**64 - 1)))


def run(*args: str, stdin: bytes = b"", columns: int = 250) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("FORCE_COLOR", None)
    command = [sys.executable, "-m", "akinv", *args]
    return subprocess.run(command, input=stdin, capture_output=True, check=False, env=env)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.decode().strip() == f"akinv {akinv.__version__}"


def test_check_exit_codes(tmp_path: Path) -> None:
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_bytes(GOOD)
    bad.write_bytes(WRAPPED)
    broken.write_bytes(b"{")
    assert main(["check", str(good)]) == 0
    assert main(["check", str(good), str(bad)]) == 1
    assert main(["check", str(good), str(bad), str(broken)]) == 2


def test_check_json_lines_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(GOOD + b"\n" + WRAPPED + b"\n")
    assert main(["check", "--format", "json", str(path)]) == 1
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in records] == [True, False]
    finding = records[1]["findings"][0]
    assert {"code", "severity", "path", "value", "message"} <= set(finding)
    # Beyond int64 the JSON carries the exact integer as a string, which every reader keeps.
    assert finding["value"] == str(2**64 - 1)
    assert set(records[0]["totals"]) >= {"cpu_millis", "memory_bytes", "gpu", "ephemeral_storage_bytes"}
    assert records[0]["totals"]["gpu"] == {"allocatable": 8, "allocated": 2, "available": 6}
    assert records[0]["source"] == str(path) and records[1]["line"] == 2


def test_check_reads_stdin() -> None:
    result = run("check", "--format", "json", "-", stdin=WRAPPED)
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["code"] == "wrapped-negative"
    result = run("check", "--format", "json", "-", stdin=GOOD + b"\n" + GOOD + b"\n")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2


def test_stdin_named_twice_is_read_once() -> None:
    # The second "-" finds standard input used up (an empty document), not closed.
    result = run("check", "--format", "json", "-", "-", stdin=GOOD)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["source"] for record in records] == ["-", "-"]
    assert records[0]["ok"] and records[1]["error"]
    assert b"closed file" not in result.stderr


def test_check_demo_shows_clean_and_broken_documents() -> None:
    result = run("check", "--demo")
    assert result.returncode == 1
    text = result.stdout.decode()
    assert "\nok    " in text and "wrapped-negative" in text and "over-allocated" in text
    assert text.endswith("6 documents: 2 ok, 4 with errors, 0 unreadable\n")


def test_policy_file(tmp_path: Path) -> None:
    doc = tmp_path / "doc.json"
    doc.write_bytes(WRAPPED)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"severity": {"wrapped-negative": "warning"}}))
    assert main(["check", "--policy", str(policy), str(doc)]) == 0
    toml = tmp_path / "policy.toml"
    toml.write_text('gpu = 1\nint_limit = "js"\n')
    assert main(["check", "--policy", str(toml), str(doc)]) == 1
    policy.write_text(json.dumps({"gpus": 1}))
    assert main(["check", "--policy", str(policy), str(doc)]) == 2


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("p.toml", "gpu = 1\nint_limit = \n", "not valid TOML: Invalid value (at line 2, column 13)"),
        ("p.json", '{"gpu": 1,\n "severity": }', "line 2, column 14: not valid JSON: Expecting value"),
        ("p.json", '{"gpuu": 1}', "Policy has no setting 'gpuu'; the settings are gpu, cpu_millis"),
        ("p.json", '{"gpu": -1}', "cap gpu must be between 0 and 2**63 - 1, not -1"),
        ("p.json", '{"severity": {"wraped-negative": "error"}}', "severity: unknown finding code"),
        (
            "p.json",
            '{"severity": {"negative": "fatal"}}',
            "severity of negative must be 'error' or 'warning'",
        ),
        ("p.json", '{"int_limit": "int32"}', "int_limit must be 'int64', 'js' or an integer"),
        ("p.json", "[1]", "must hold an object of settings, not list"),
    ],
)
def test_policy_file_errors_name_the_file_and_the_field(
    tmp_path: Path, name: str, content: str, said: str
) -> None:
    doc = tmp_path / "doc.json"
    doc.write_bytes(GOOD)
    policy = tmp_path / name
    policy.write_text(content)
    result = run("check", "--policy", str(policy), str(doc))
    assert result.returncode == 2 and result.stdout == b""
    error = result.stderr.decode()
    assert error.startswith(f"akinv check: policy file {policy}"), error
    assert said in error, error
    assert "Traceback" not in error and "__new__" not in error


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    result = run("check", "--policy", str(tmp_path / "nope.json"), "--demo")
    assert result.returncode == 2
    assert (
        result.stderr.decode()
        == f"akinv check: policy file {tmp_path / 'nope.json'}: cannot read it: No such file or directory\n"
    )


def test_options_are_checked_where_they_are_named() -> None:
    result = run("check", "--threads", "0", "--demo")
    assert result.returncode == 2 and b"--threads: must be between 1 and 1024, not 0" in result.stderr
    result = run("check", "--summary", "--format", "json", "--demo")
    assert result.returncode == 2 and b"--summary is for text output" in result.stderr


def test_sanitize_command(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(WRAPPED + b"\n" + GOOD + b"\n")
    result = run("sanitize", str(src), "-o", str(out))
    assert result.returncode == 0
    assert b"1 changed" in result.stderr and b"wrapped-negative: 1" in result.stderr
    lines = out.read_bytes().splitlines()
    assert lines == [WRAPPED.replace(b"18446744073709551615", b"0"), GOOD]
    result = run("sanitize", "-", stdin=WRAPPED)
    assert result.stdout == WRAPPED.replace(b"18446744073709551615", b"0")


def test_quantity_command() -> None:
    result = run("quantity", "503Gi", "12500m")
    assert result.stdout.decode().splitlines() == ["503Gi\t540092137472", "12500m\t13"]
    assert run("quantity", "1K").returncode == 2


def test_quantity_prints_the_good_and_names_the_bad_by_position() -> None:
    result = run("quantity", "12K", "1")
    assert result.returncode == 2
    assert result.stdout.decode() == "1\t1\n"
    error = result.stderr.decode()
    assert error.startswith('akinv quantity: QUANTITY 1 of 2: invalid quantity "12K": unknown suffix "K"')
    assert "texts[" not in error


def test_progress_bar_on_a_terminal_for_long_scans(tmp_path: Path) -> None:
    import pty

    big = tmp_path / "big.jsonl"
    big.write_bytes((GOOD + b"\n") * (5_000_000 // len(GOOD)))
    out = tmp_path / "out.jsonl"
    leader, follower = pty.openpty()
    with out.open("wb") as stdout:
        env = {**os.environ, "COLUMNS": "100"}
        command = [sys.executable, "-m", "akinv", "check", "--format", "json", str(big)]
        process = subprocess.Popen(command, stdout=stdout, stderr=follower, env=env)
        os.close(follower)
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            terminal += chunk
        assert process.wait() == 0
    os.close(leader)
    assert b"documents" in terminal
    assert len(out.read_bytes().splitlines()) == 5_000_000 // len(GOOD)
