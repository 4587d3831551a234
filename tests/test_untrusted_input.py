"""Issue 13: untrusted files and streams. One test per case of the issue (each failed on the code
before it), then properties of the stream reader.

The memory cases run in a subprocess under an address-space limit (RLIMIT_AS) well below what
the code before used; their inputs are a few hundred MB, written once per session.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from documents import dumps, inventory, legacy, legacy_node, v1, v1_node

import akinv
from akinv.cli import main

GOOD = dumps(legacy(legacy_node()))
WRAPPED = dumps(legacy(legacy_node(gpu=2**64 - 1)))
U64_MAX = b"18446744073709551615"
MiB = 1 << 20


def compact(document: bytes) -> bytes:
    return json.dumps(json.loads(document), separators=(",", ":")).encode()


# -- memory: a child process under an address-space limit ----------------------------------------

CHILD = """
import json, sys, time
import akinv
mode, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
if mode == "scan":
    counts = {"documents": 0, "ok": 0, "errors": 0, "lines": []}
    for result in akinv.scan(path):
        counts["documents"] += 1
        counts["ok"] += result.ok
        if result.error is not None:
            counts["errors"] += 1
            if len(counts["lines"]) < 5:
                counts["lines"].append([result.line, result.error.message[:80]])
else:
    summary = akinv.sanitize_file(path, sys.argv[3])
    counts = {
        "documents": summary.documents,
        "errors": len(summary.errors),
        "dropped": summary.dropped_errors,
        "first": summary.errors[0][2][:80] if summary.errors else None,
    }
with open("/proc/self/status") as status:
    peak = [int(line.split()[1]) for line in status if line.startswith("VmHWM:")][0]
counts.update(seconds=round(time.perf_counter() - started, 2), peak_mib=peak // 1024)
print(json.dumps(counts))
"""


def limited(*args: str, limit_mib: int, timeout: float = 600) -> dict[str, Any]:
    """Runs the child with ``args`` under ``limit_mib`` MiB of address space; its counts."""
    limit = limit_mib * MiB

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, "-c", CHILD, *args]
    done = subprocess.run(command, preexec_fn=cap, capture_output=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    counts: dict[str, Any] = json.loads(done.stdout)
    print(f"{args[0]} {Path(args[1]).name}: {counts}")
    return counts


@pytest.fixture(scope="session")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs of a few hundred MB, written once."""
    folder = tmp_path_factory.mktemp("big")
    files: dict[str, Path] = {}
    # Case 1: 200 MB of short lines no status document has (2.1 million unknown shapes).
    line = b"[" + b"0," * 48 + b"0]\n"
    files["errors"] = folder / "errors.jsonl"
    with files["errors"].open("wb") as out:
        out.write(line * (200 * MiB // len(line)))
    # ... and 30 MB of the smallest valid document (2.4 million of them).
    files["small"] = folder / "small.jsonl"
    files["small"].write_bytes(b'{"nodes":[]}\n' * (30 * MiB // 13))
    # Case 2: one line of 300 MB between two documents, plain and in gzip.
    long_line = b'{"a": "' + b"x" * (300 * MiB) + b'"}\n'
    files["long"] = folder / "long.jsonl"
    files["long"].write_bytes(GOOD + b"\n" + long_line + WRAPPED + b"\n")
    files["long_gz"] = folder / "long.jsonl.gz"
    with gzip.open(files["long_gz"], "wb", compresslevel=1) as packed:
        packed.write(GOOD + b"\n" + long_line + WRAPPED + b"\n")
    return files


@pytest.mark.slow
def test_case1_unreadable_lines_keep_memory_bounded(big: dict[str, Path], tmp_path: Path) -> None:
    # sanitize kept every unreadable line's error (about 470 bytes each: 5 GB on a gzip bomb).
    # Here the code before peaked at 854 MiB of RSS (30.8 s); under 400 MiB of address space it
    # ran out of memory.
    path = big["errors"]
    lines = path.stat().st_size // 100
    counts = limited("sanitize", str(path), str(tmp_path / "out.jsonl"), limit_mib=400)
    assert counts["documents"] == lines
    assert counts["errors"] == akinv.io.MAX_ERRORS and counts["dropped"] == lines - akinv.io.MAX_ERRORS
    assert counts["first"].startswith("unknown document shape")
    assert (tmp_path / "out.jsonl").read_bytes() == path.read_bytes()


@pytest.mark.slow
def test_case1_small_documents_keep_memory_bounded(big: dict[str, Path]) -> None:
    # A block of 2 MiB held 160,000 reports at once (1.3 GB for a scan of the gzip bomb's `{}`
    # lines): here 222 MiB of RSS before, which 350 MiB of address space did not hold.
    counts = limited("scan", str(big["small"]), limit_mib=350)
    assert counts["documents"] == counts["ok"] == 30 * MiB // 13


@pytest.mark.slow
@pytest.mark.parametrize("name", ["long", "long_gz"])
@pytest.mark.parametrize("mode", ["scan", "sanitize"])
def test_case2_a_long_line_is_refused_in_linear_time(
    big: dict[str, Path], tmp_path: Path, name: str, mode: str
) -> None:
    # A 300 MB line was joined block by block in quadratic time (16 s, 814 MB to check, 1.4 GB to
    # sanitize) before it was refused; in a gzip of 3 GB it had not finished after 120 s. It is
    # refused once it passes the 256 MiB limit and skipped to its end without being kept. Here the
    # code before took 30 to 53 s and 630 (scan) to 931 MiB (sanitize) of RSS, and ran out of
    # memory under these 650 MiB of address space.
    path, out = big[name], tmp_path / "out.jsonl"
    counts = limited(mode, str(path), str(out), limit_mib=650)
    assert counts["documents"] == 3 and counts["errors"] == 1
    message = "document of 314572809 bytes is larger than the 268435456-byte limit"
    if mode == "scan":
        assert counts["ok"] == 1 and counts["lines"] == [[2, message]]
    else:
        assert counts["first"] == message
        with gzip.open(path) if name == "long_gz" else path.open("rb") as original:
            assert out.read_bytes() == original.read().replace(U64_MAX, b"0")


# -- format detection ------------------------------------------------------------------------------


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "250"}
    command = [sys.executable, "-m", "akinv", *args]
    return subprocess.run(command, input=stdin, capture_output=True, check=False, env=env)


def test_case3_a_directory_sanitizes_to_one_compact_document_a_line(tmp_path: Path) -> None:
    # A pretty-printed .json was copied with its newlines: most output lines were not JSON.
    folder = tmp_path / "in"
    folder.mkdir()
    pretty = json.dumps(legacy(legacy_node(gpu=2**64 - 1)), indent=2).encode()
    (folder / "a.json").write_bytes(pretty)
    (folder / "b.jsonl").write_bytes(GOOD + b"\n" + WRAPPED + b"\n")
    (folder / "c.json").write_bytes(b'{"nodes": [], "note": "two  spaces\\n kept"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["sanitize", str(folder), "-o", str(out)]) == 0
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 5
    sanitized = pretty.replace(U64_MAX, b"0")
    assert lines[0] == compact(sanitized) and json.loads(lines[0]) == json.loads(sanitized)
    # JSON Lines stay as they were; only blank space between tokens goes.
    assert lines[1:3] == [GOOD, WRAPPED.replace(U64_MAX, b"0")]
    assert lines[3] == b'{"nodes":[],"note":"two  spaces\\n kept"}'


def test_case3_a_single_document_keeps_its_shape(tmp_path: Path) -> None:
    pretty = json.dumps(legacy(legacy_node(gpu=2**64 - 1)), indent=2).encode() + b"\n"
    source, out = tmp_path / "status.json", tmp_path / "clean.json"
    source.write_bytes(pretty)
    assert main(["sanitize", str(source), "-o", str(out)]) == 0
    assert out.read_bytes() == pretty.replace(U64_MAX, b"0")
    assert run("sanitize", "-", stdin=pretty).stdout == pretty.replace(U64_MAX, b"0")


def test_case4_pretty_documents_one_after_another_on_stdin() -> None:
    # `cat a.json b.json | akinv check -` read hundreds of broken lines.
    a = json.dumps(legacy(legacy_node()), indent=2).encode() + b"\n"
    b = json.dumps(v1(v1_node()), indent=4).encode()
    result = run("check", "--format", "json", "-", stdin=a + b + b"\n" + compact(a) + b"\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["ok"], r["schema"]) for r in records] == [
        (1, True, "legacy"),
        (a.count(b"\n") + 1, True, "v1"),
        (a.count(b"\n") + b.count(b"\n") + 2, True, "legacy"),
    ]
    assert result.returncode == 0
    # sanitize makes them JSON Lines.
    result = run("sanitize", "-", stdin=a + b)
    assert result.stdout.splitlines() == [compact(a), compact(b)]


def test_case4_json_lines_stay_json_lines_and_a_broken_one_is_one_error() -> None:
    result = run("check", "--format", "json", "-", stdin=GOOD + b"\n{broken\n" + WRAPPED + b"\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["ok"]) for r in records] == [(1, True), (2, False), (3, False)]
    assert records[1]["error"]["line"] == 2 and records[1]["error"]["column"] == 2


def test_case5_a_schema_that_does_not_fit_is_an_error(tmp_path: Path) -> None:
    # --schema inventory on a legacy document with a wrapped GPU count said ok, zero totals;
    # sanitize --schema v1 kept the wrapped count with 0 changes.
    path = tmp_path / "legacy.json"
    path.write_bytes(WRAPPED)
    result = run("check", "--schema", "inventory", str(path))
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"does not fit the inventory shape asked for; it looks like a legacy document" in result.stdout
    out = tmp_path / "out.json"
    result = run("sanitize", "--schema", "v1", str(path), "-o", str(out))
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"copied unchanged, unknown document shape (it does not fit the v1 shape" in result.stderr
    assert out.read_bytes() == WRAPPED


# -- Ctrl-C --------------------------------------------------------------------------------------


def interrupt(process: subprocess.Popen[bytes], ready: Iterator[bool]) -> tuple[int, bytes]:
    """SIGINT once ``ready`` says so (within 30 s); the exit status and stderr."""
    deadline = time.monotonic() + 30
    while not next(ready):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    status = process.wait(timeout=30)
    assert process.stderr is not None
    return status, process.stderr.read()


def test_case6_ctrl_c_leaves_the_old_output(tmp_path: Path) -> None:
    # A traceback, and a partial output that looked complete.
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"the previous output\n")
    command = [sys.executable, "-m", "akinv", "sanitize", "-", "-o", str(out)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    # More than a block, and the stream left open: sanitize waits for the rest.
    process.stdin.write((WRAPPED + b"\n") * 8000)
    process.stdin.flush()
    parts = (
        any(p.name.endswith(".part") and p.stat().st_size > 0 for p in tmp_path.iterdir())
        for _ in iter(int, 1)
    )
    status, stderr = interrupt(process, parts)
    process.stdin.close()
    assert (status, stderr) == (130, b"akinv: interrupted\n")
    assert out.read_bytes() == b"the previous output\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_case6_ctrl_c_stops_a_check(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "akinv", "check", "--format", "json", "-"]
    records = tmp_path / "records.jsonl"
    with records.open("wb") as stdout:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE)
        assert process.stdin is not None
        process.stdin.write((GOOD + b"\n") * 8000)
        process.stdin.flush()
        # Results have come out: the first block was read and checked.
        printed = (records.stat().st_size > 0 for _ in iter(int, 1))
        status, stderr = interrupt(process, printed)
        process.stdin.close()
    assert (status, stderr) == (130, b"akinv: interrupted\n")


# -- errors as types, positions of the input -------------------------------------------------------


def test_case7_errors_are_types_with_positions_of_the_input() -> None:
    with pytest.raises(akinv.MalformedJSONError) as malformed:
        akinv.validate(b'{"cluster":\n1,')
    assert (malformed.value.line, malformed.value.column) == (2, 3)
    # 1-based at a line's start and at the end of the input.
    with pytest.raises(akinv.MalformedJSONError) as at_start:
        akinv.validate(b'{"nodes": []}\n}')
    assert (at_start.value.line, at_start.value.column) == (2, 1)
    with pytest.raises(akinv.MalformedJSONError) as at_end:
        akinv.validate(b'{"nodes": [')
    assert (at_end.value.line, at_end.value.column) == (1, 12)
    # A string with text after it is malformed, not of an unknown shape.
    with pytest.raises(akinv.MalformedJSONError):
        akinv.validate(b'"status" and more')
    with pytest.raises(akinv.UnknownShapeError) as unknown:
        akinv.validate(b'{"a": 1}')
    assert (unknown.value.line, unknown.value.column) == (None, None)
    with pytest.raises(akinv.PayloadTooLargeError):
        akinv.validate(b" " * (akinv.io.MAX_DOCUMENT_BYTES + 1))
    # A byte order mark is skipped, as json.loads skips it on bytes.
    assert json.loads(b"\xef\xbb\xbf" + GOOD) and akinv.validate(b"\xef\xbb\xbf" + GOOD).ok
    # A dict has no position the user could look up.
    with pytest.raises(akinv.PayloadError) as from_dict:
        akinv.validate({"cluster": {"leases": float("nan")}})
    assert (from_dict.value.line, from_dict.value.column) == (None, None)
    assert isinstance(malformed.value, akinv.PayloadError) and isinstance(unknown.value, ValueError)


def test_case7_positions_in_a_stream_are_those_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_bytes('{"nodes": [], "é": 1} {"nodes": [}\n\n{\n  "nodes": [1,]\n}'.encode())
    errors = [(r.line, r.error.line, r.error.column) for r in akinv.scan(path) if r.error is not None]
    # As an editor counts: the é is one character.
    assert errors == [(1, 1, 34), (3, 4, 15)]


# -- nesting and UTF-8 -----------------------------------------------------------------------------


def test_case8_deep_nesting_in_an_ignored_field_is_read() -> None:
    # Nesting deeper than about 200 levels anywhere rejected the whole document.
    deep = (b"[" * 10_000) + (b"]" * 10_000)
    document = GOOD[:-1] + b', "extra": ' + deep + b"}"
    assert akinv.validate(document).ok
    with pytest.raises(akinv.MalformedJSONError, match="nesting deeper than 10000 levels"):
        akinv.validate(GOOD[:-1] + b', "extra": [' + deep + b"]}")


def test_case8_invalid_utf8_is_read_everywhere_as_go_reads_it(tmp_path: Path) -> None:
    # Accepted in ignored values but a rejection in a key or a node name. The rule now: bytes
    # that are not UTF-8 are read everywhere, and names decode them to U+FFFD, as Go does.
    document = dumps(v1(v1_node("node-A"))).replace(b"node-A", b"node-\xff")
    document = document.replace(b'"beta3"', b'"be\xfeta3"').replace(b'"errors"', b'"err\xc3ors"')
    document = document.replace(b'"bid_engine": {"orders": 0}', b'"bid_engine": {"orders": 0, "x": "\xff"}')
    report = akinv.validate(document)
    assert report.ok and [n.name for n in report.nodes] == ["node-\ufffd"]
    assert list(report.totals.storage) == ["be\ufffdta3"]
    assert report.nodes[0].storage_classes == ["be\ufffdta3"]
    path = tmp_path / "stream.jsonl"
    path.write_bytes(document + b"\n" + document + b"\n")
    assert [r.ok for r in akinv.scan(path)] == [True, True]


def test_case8_deep_nesting_and_bad_utf8_in_a_stream_of_documents(tmp_path: Path) -> None:
    deep = (b"[" * 10_000) + (b"]" * 10_000)
    first = GOOD[:-1] + b', "extra": ' + deep + b', "\xff": "\xfe"}'
    path = tmp_path / "two.json"
    path.write_bytes(first + b"\n" + json.dumps(legacy(legacy_node()), indent=2).encode())
    assert [(r.line, r.ok) for r in akinv.scan(path)] == [(1, True), (2, True)]


# -- directories, legacy numbers, duplicate nodes ---------------------------------------------------


def test_case9_directories_read_upper_case_names_and_report_broken_links(tmp_path: Path) -> None:
    (tmp_path / "A.JSON").write_bytes(GOOD)
    with gzip.open(tmp_path / "b.JSONL.GZ", "wb") as packed:
        packed.write(GOOD + b"\n")
    (tmp_path / "c.Json").symlink_to(tmp_path / "gone.json")
    results = [(Path(r.source).name, r.ok, r.error and r.error.message) for r in akinv.scan(tmp_path)]
    assert results == [
        ("A.JSON", True, None),
        ("b.JSONL.GZ", True, None),
        ("c.Json", False, f"cannot read {tmp_path / 'c.Json'}: broken symbolic link"),
    ]


@pytest.mark.parametrize("number", [b"1.0e3", b"0.0", b"8.0", b"1e2"])
def test_case9_a_legacy_number_must_be_a_json_integer(number: bytes) -> None:
    # Read as an integer before; Go's uint64 decoder refuses them.
    report = akinv.validate(GOOD.replace(b'"gpu": 8', b'"gpu": ' + number))
    [finding] = report.findings
    assert (finding.code, finding.value, finding.node) == ("unparsable", number.decode(), "node1")
    assert report.totals.gpu.allocatable == 0


def test_case9_duplicate_node_names_across_two_node_arrays(tmp_path: Path) -> None:
    node = json.dumps(legacy_node()).encode()
    twice = GOOD.replace(b'"nodes": [', b'"nodes": [' + node + b'], "nodes": [')
    report = akinv.validate(twice)
    [finding] = report.findings
    assert (finding.code, finding.path, finding.severity) == (
        "duplicate-key",
        "cluster.inventory.available.nodes",
        "warning",
    )
    [node_finding] = akinv.validate(dumps(legacy(legacy_node(), legacy_node()))).findings
    assert (node_finding.code, node_finding.node) == ("duplicate-node", "node1")
    dump = inventory(legacy_node("n1"), legacy_node("n1"))
    assert [(f.code, f.node) for f in akinv.validate(dump).findings] == [("duplicate-node", "n1")]
