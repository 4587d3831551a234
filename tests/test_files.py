"""scan and sanitize_file: JSON, JSON Lines, gzip, directories; bad lines never stop a scan."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
import threading
import zlib
from pathlib import Path

import pytest
from budget import examples
from documents import dumps, legacy, legacy_node, v1, v1_node
from hypothesis import given, settings
from hypothesis import strategies as st

import akinv
import akinv.io.output

GOOD = dumps(legacy(legacy_node()))
WRAPPED = dumps(legacy(legacy_node(gpu=2**64 - 1)))
V1 = dumps(v1(v1_node()))


def compact(document: bytes) -> bytes:
    """The document on one line without blank space between tokens (the tests' documents have
    no blank space in strings)."""
    return json.dumps(json.loads(document), separators=(",", ":")).encode()


def write_lines(path: Path, lines: list[bytes]) -> None:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(b"\n".join(lines) + b"\n")


def test_scan_json_lines_with_source_and_line(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    write_lines(path, [GOOD, b"", WRAPPED, b"{broken", V1])
    results = list(akinv.scan([path]))
    assert [(r.line, r.ok) for r in results] == [(1, True), (3, False), (4, False), (5, True)]
    assert results[1].report is not None and results[1].report.findings[0].code == "wrapped-negative"
    # Positions name the line in the file, not in the line read alone.
    assert results[2].error is not None and (results[2].error.line, results[2].error.column) == (4, 2)
    assert all(r.source == str(path) for r in results)


def test_scan_gzip_directories_and_single_documents(tmp_path: Path) -> None:
    write_lines(tmp_path / "a.jsonl.gz", [GOOD, WRAPPED])
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "b.json").write_text(json.dumps(v1(v1_node()), indent=2))
    (tmp_path / "notes.txt").write_text("ignored")
    results = list(akinv.scan([tmp_path]))
    assert [(Path(r.source).name, r.line) for r in results] == [
        ("a.jsonl.gz", 1),
        ("a.jsonl.gz", 2),
        ("b.json", None),
    ]


def test_scan_small_batches_keep_order(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    lines = [GOOD if i % 3 else WRAPPED for i in range(200)]
    write_lines(path, lines)
    results = list(akinv.scan([path], batch_bytes=1000, threads=2))
    assert [r.ok for r in results] == [i % 3 != 0 for i in range(200)]


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_gzip_lines_are_read_up_to_the_damage(tmp_path: Path, damage: str) -> None:
    # A history file cut off while it was written, or corrupted on disk: the scan keeps every line
    # read before the damage and ends the file with one error result, never an exception.
    path = tmp_path / "history.jsonl.gz"
    lines = [GOOD if i % 2 else V1 for i in range(400)]
    write_lines(path, lines)
    data = path.read_bytes()
    cut = len(data) // 2
    path.write_bytes(data[:cut] if damage == "truncated" else data[:cut] + bytes(200) + data[cut + 200 :])
    results = list(akinv.scan([path], batch_bytes=4000))
    *read, last = results
    assert [r.line for r in read] == list(range(1, len(read) + 1))
    assert last.report is None and last.error is not None
    assert last.error.message.startswith(f"cannot read {path} from line {len(read) + 1}: ")
    if damage == "truncated":
        # Only the line cut in two is lost, whatever the block size: zlib alone recovers as many.
        whole_lines = zlib.decompressobj(wbits=31).decompress(path.read_bytes()).count(b"\n")
        assert len(read) == whole_lines > 0
        assert len(list(akinv.scan([path]))) == whole_lines + 1
    summary = akinv.sanitize_file(path, tmp_path / "out.jsonl", batch_bytes=4000)
    assert summary.documents == len(read) + 1 and summary.errors[-1][0] == str(path)
    if damage == "truncated":
        # Decompressed bytes before the cut are exact, and none is lost: the clean lines come out
        # as they went in, followed by the part of the line that was cut.
        assert read and all(r.ok for r in read)
        recovered = zlib.decompressobj(wbits=31).decompress(path.read_bytes())
        assert (tmp_path / "out.jsonl").read_bytes() == recovered


@settings(max_examples=examples(100), deadline=None)
@given(st.floats(0.0, 1.0), st.integers(200, 30000))
def test_gzip_cut_anywhere_loses_only_the_cut_line(
    tmp_path_factory: pytest.TempPathFactory, where: float, batch: int
) -> None:
    # Wherever a .jsonl.gz is cut (header, middle, checksum) and whatever the block size, every
    # line zlib itself can recover is read, in order, and an incomplete file ends with one error.
    lines = [[GOOD, WRAPPED, V1][i % 3] for i in range(120)]
    data = gzip.compress(b"\n".join(lines) + b"\n")
    cut = data[: int(len(data) * where)]
    path = tmp_path_factory.mktemp("cut") / "history.jsonl.gz"
    path.write_bytes(cut)
    recovered = zlib.decompressobj(wbits=31).decompress(cut) if len(cut) > 10 else b""
    whole = recovered.count(b"\n")
    results = list(akinv.scan([path], batch_bytes=batch))
    read = [r for r in results if r.line is not None]
    assert [r.line for r in read] == list(range(1, whole + 1))
    assert [r.ok for r in read] == [i % 3 != 1 for i in range(whole)]
    if cut == data:
        assert len(results) == whole == 120
    elif not cut:
        assert results == []  # gzip reads an empty file as an empty stream
    else:
        assert len(results) == whole + 1 and results[-1].error is not None


def test_truncated_gzip_through_a_pipe_keeps_what_came_before(tmp_path: Path) -> None:
    # A pipe cannot seek back to re-read a block that failed: its blocks are read piece by piece.
    data = gzip.compress(b"\n".join([GOOD, V1] * 200) + b"\n")
    truncated = data[: len(data) // 2]
    whole_lines = zlib.decompressobj(wbits=31).decompress(truncated).count(b"\n")
    fifo = tmp_path / "pipe.jsonl.gz"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(truncated,))
    writer.start()
    results = list(akinv.scan([fifo]))
    writer.join()
    assert len(results) == whole_lines + 1 and all(r.ok for r in results[:-1])
    assert results[-1].error is not None


def test_damaged_gzip_document_is_a_result(tmp_path: Path) -> None:
    path = tmp_path / "status.json.gz"
    path.write_bytes(gzip.compress(V1)[:-12])
    [result] = list(akinv.scan([path]))
    assert result.report is None and result.error is not None
    assert result.error.message.startswith(f"cannot read {path} from line 1: ")
    [result] = list(akinv.scan([tmp_path / "missing.json.gz"]))
    assert result.error is not None and result.error.message.startswith("cannot read ")
    assert " from line" not in result.error.message


def open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def test_stopping_a_scan_early_stops_its_reader(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    write_lines(path, [GOOD] * 300)
    results = akinv.scan([path], batch_bytes=2000)
    assert next(results).ok
    assert str(path) in open_files()
    results.close()
    assert not any(t.name.startswith("akinv-read") for t in threading.enumerate())
    assert str(path) not in open_files()


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_json_lines_of_any_name_stream_past_the_document_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    # Lines piped into `akinv check -` (or in a .log file) are read block by block, not as one
    # document cut at the size limit (made small here: 5,000 bytes).
    lines = [GOOD if i % 3 else WRAPPED for i in range(300)]
    data = b"\n".join(lines) + b"\n"
    if source == "stdin":
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        path = "-"
    else:
        path = str(tmp_path / "history.log")
        Path(path).write_bytes(data)
    results = list(akinv.scan([path], batch_bytes=1000, max_document_bytes=5000))
    assert [r.line for r in results] == list(range(1, 301))
    assert [r.ok for r in results] == [i % 3 != 0 for i in range(300)]


def test_scan_unreadable_path_is_a_result(tmp_path: Path) -> None:
    [result] = list(akinv.scan([tmp_path / "missing.json"]))
    assert result.report is None and result.error is not None and "cannot read" in result.error.message


def test_sanitize_file_json_lines_keeps_every_line(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl.gz"
    write_lines(src, [GOOD, WRAPPED, b"{broken"])
    summary = akinv.sanitize_file(src, dst)
    with gzip.open(dst, "rb") as handle:
        out = handle.read().splitlines()
    assert out[0] == GOOD and out[2] == b"{broken"
    assert out[1] == WRAPPED.replace(b"18446744073709551615", b"0")
    assert (summary.documents, summary.changed_documents, summary.changes) == (3, 1, 1)
    assert summary.reasons == {"wrapped-negative": 1}
    assert summary.errors[0][1] == 3


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.sampled_from([GOOD, WRAPPED, V1, b"", b"  ", b"{broken"]), max_size=25),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.integers(1, 4000),
)
def test_chunked_reading_matches_a_plain_split(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], newline: bytes, trailing: bool, batch: int
) -> None:
    path = tmp_path_factory.mktemp("chunks") / "lines.jsonl"
    path.write_bytes(newline.join(lines) + (newline if trailing else b""))
    expected = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    results = list(akinv.scan([path], batch_bytes=batch))
    assert [r.line for r in results] == [number for number, _ in expected]
    for result, (_, line) in zip(results, expected, strict=True):
        assert (result.error is None) == (line != b"{broken")
        if result.report is not None:
            assert result.report.to_dict() == akinv.validate(line).to_dict()
    out = path.with_suffix(".out.jsonl")
    akinv.sanitize_file(path, out, batch_bytes=batch)
    assert out.read_bytes().splitlines() == [
        akinv.sanitize(line).data if line != b"{broken" else line for _, line in expected
    ]


def stdin_of(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize(
    "first",
    [b'{"cluster": ', b"[1, 2]", b'"a string"', b"x" * 3000],
    ids=["broken", "array", "string", "longer-than-a-block"],
)
def test_json_lines_on_stdin_whatever_the_first_line(monkeypatch: pytest.MonkeyPatch, first: bytes) -> None:
    # A bad first line once made the whole stream one bad document: every good line was lost
    # to `check`, and `sanitize` copied wrapped counts through.
    stdin_of(monkeypatch, first + b"\n" + GOOD + b"\n" + WRAPPED + b"\n")
    results = list(akinv.scan(["-"], batch_bytes=1000))
    assert [(r.line, r.ok, r.error is None) for r in results] == [
        (1, False, False),
        (2, True, True),
        (3, False, True),
    ]


def test_a_pretty_printed_document_on_stdin_is_one_document(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin_of(monkeypatch, json.dumps(legacy(legacy_node(gpu=2**64 - 1)), indent=2).encode())
    [result] = list(akinv.scan(["-"], batch_bytes=100))
    assert result.line is None and result.report is not None
    assert [f.code for f in result.report.findings] == ["wrapped-negative"]


def test_sanitize_file_in_place(tmp_path: Path) -> None:
    # Opening the output truncated the input before it was read: the file was emptied, exit 0.
    path = tmp_path / "history.jsonl"
    write_lines(path, [GOOD, WRAPPED])
    summary = akinv.sanitize_file(path, path)
    assert summary.changes == 1
    assert path.read_bytes() == GOOD + b"\n" + WRAPPED.replace(b"18446744073709551615", b"0") + b"\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.jsonl"]


def test_sanitize_file_refuses_bad_arguments_before_touching_the_output(tmp_path: Path) -> None:
    out, src = tmp_path / "out.jsonl", tmp_path / "in.jsonl"
    out.write_bytes(b"previous\n")
    write_lines(src, [GOOD])
    with pytest.raises(ValueError, match="threads"):
        akinv.sanitize_file(src, out, threads=0)
    assert out.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_in_place_keeps_the_mode_and_a_symlink(tmp_path: Path) -> None:
    path, link = tmp_path / "history.jsonl", tmp_path / "link.jsonl"
    write_lines(path, [WRAPPED])
    path.chmod(0o640)
    link.symlink_to(path.name)
    akinv.sanitize_file(link, link)
    assert link.is_symlink() and (path.stat().st_mode & 0o777) == 0o640
    assert b"18446744073709551615" not in path.read_bytes()


def test_in_place_failure_keeps_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A write error while copying an over-limit document was taken for a read error, and the
    # cut output replaced the input.
    path = tmp_path / "big.json"
    data = dumps(legacy(*(legacy_node(f"node{i}") for i in range(40))))
    path.write_bytes(data)
    written = 0

    def write(self: object, piece: bytes) -> None:
        nonlocal written
        written += len(piece)
        if written > 2000:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(akinv.io.output.Output, "write", write)
    with pytest.raises(OSError, match="No space left"):
        akinv.sanitize_file(path, path, batch_bytes=1000, max_document_bytes=5000)
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["big.json"]


def test_outputs_that_are_not_regular_files_are_written_through(tmp_path: Path) -> None:
    # Replacing the output turned /dev/null, a FIFO or a symlink into a regular file. (A FIFO
    # of the test's own stands for /dev/null: a regression must not break the machine.)
    src = tmp_path / "a.json"
    src.write_bytes(WRAPPED)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    akinv.sanitize_file(src, fifo)
    reader.join(timeout=10)
    assert fifo.is_fifo() and received == [WRAPPED.replace(b"18446744073709551615", b"0")]
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_bytes(b"old")
    link.symlink_to(target)
    akinv.sanitize_file(src, link)
    assert link.is_symlink() and b"18446744073709551615" not in target.read_bytes()


@pytest.mark.parametrize("source", ["file.json", "file.json.gz", "file.log", "stdin"])
def test_a_document_over_the_limit_is_copied_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    # sanitize said "copied unchanged" but wrote nothing (.json) or cut the copy at the limit.
    data = dumps(legacy(*(legacy_node(f"node{i}", gpu=2**64 - 1) for i in range(40))))
    assert len(data) > 5000
    if source == "stdin":
        stdin_of(monkeypatch, data)
        path = "-"
    else:
        path = str(tmp_path / source)
        (gzip.open if source.endswith(".gz") else open)(path, "wb").write(data)  # noqa: SIM115
    out = tmp_path / "out.json"
    summary = akinv.sanitize_file(path, out, batch_bytes=1000, max_document_bytes=5000)
    assert out.read_bytes() == data
    assert summary.documents == 1 and "larger than the 5000-byte limit" in summary.errors[0][2]
    assert f"document of {len(data)} bytes" in summary.errors[0][2]


def test_sanitize_file_of_a_directory_separates_documents(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_bytes(GOOD)
    (tmp_path / "in" / "b.json").write_bytes(WRAPPED)
    out = tmp_path / "out.jsonl"
    akinv.sanitize_file(tmp_path / "in", out)
    lines = out.read_bytes().splitlines()
    assert [json.loads(line)["cluster"]["leases"] for line in lines] == [1, 1]
    # One compact document a line: only the blank space between tokens went.
    assert lines[1] == compact(WRAPPED.replace(b"18446744073709551615", b"0"))


def test_a_directory_reports_what_is_not_a_regular_file(tmp_path: Path) -> None:
    # os.walk lists a FIFO among the files: opening one blocked the scan for good. Both were
    # then skipped without a word, and so were names in capitals (issue 13, case 9).
    write_lines(tmp_path / "a.jsonl", [GOOD])
    os.mkfifo(tmp_path / "b.json")
    (tmp_path / "c.json").symlink_to(tmp_path / "missing.json")
    (tmp_path / "D.JSON").write_bytes(GOOD)
    write_lines(tmp_path / "E.JSONL.GZ", [GOOD, WRAPPED])
    (tmp_path / "notes.txt").write_text("not a status file")
    results = [
        (Path(r.source).name, r.line, r.ok, r.error and r.error.message) for r in akinv.scan([tmp_path])
    ]
    assert results == [
        ("D.JSON", None, True, None),
        ("E.JSONL.GZ", 1, True, None),
        ("E.JSONL.GZ", 2, False, None),
        ("a.jsonl", 1, True, None),
        ("b.json", None, False, f"cannot read {tmp_path / 'b.json'}: not a regular file"),
        ("c.json", None, False, f"cannot read {tmp_path / 'c.json'}: broken symbolic link"),
    ]


def test_a_directory_s_output_separates_documents_after_errors(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    big = dumps(legacy(*(legacy_node(f"node{i}") for i in range(40))))
    (tmp_path / "in" / "a.json").write_bytes(big)
    (tmp_path / "in" / "b.json").write_bytes(b"{broken")
    (tmp_path / "in" / "c.json").write_bytes(GOOD)
    out = tmp_path / "out.jsonl"
    akinv.sanitize_file(tmp_path / "in", out, max_document_bytes=5000)
    assert out.read_bytes().splitlines() == [big, b"{broken", compact(GOOD)]


@pytest.mark.parametrize("batch_bytes", [3, 1000])
def test_blank_lines_after_the_first_line_do_not_hide_json_lines(
    monkeypatch: pytest.MonkeyPatch, batch_bytes: int
) -> None:
    stdin_of(monkeypatch, b"{}\n" + b"\n \n" * 50 + GOOD + b"\n")
    results = list(akinv.scan(["-"], batch_bytes=batch_bytes))
    assert [(r.line, r.ok) for r in results] == [(1, False), (102, True)]


def test_a_deeply_nested_line_is_judged_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    # json.loads of the second line raised RecursionError out of scan.
    stdin_of(monkeypatch, b"not json\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n")
    results = list(akinv.scan(["-"]))
    assert [r.line for r in results] == [1, 2] and all(r.error is not None for r in results)


def test_scan_refuses_bad_threads_at_once(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="threads"):
        akinv.scan([tmp_path / "missing.json"], threads=0)


def test_closed_standard_streams(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A closed stdin or stdout is None in Python: it raised AttributeError.
    monkeypatch.setattr(sys, "stdin", None)
    [result] = list(akinv.scan(["-"]))
    assert result.error is not None and "standard input is closed" in result.error.message
    monkeypatch.setattr(sys, "stdout", None)
    path = tmp_path / "a.json"
    path.write_bytes(GOOD)
    with pytest.raises(OSError, match="standard output is closed"):
        akinv.sanitize_file(path, "-")


def test_scan_of_one_path_given_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_lines(path, [GOOD])
    assert [r.ok for r in akinv.scan(str(path))] == [True]
    assert [r.ok for r in akinv.scan(path)] == [True]


def test_an_unlistable_directory_is_a_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lines(tmp_path / "a.jsonl", [GOOD])
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    (tmp_path / "locked").mkdir()
    monkeypatch.setattr(os, "scandir", scandir)
    results = list(akinv.scan([tmp_path]))
    assert [r.ok for r in results] == [True, False]
    assert results[1].error is not None and "Permission denied" in results[1].error.message


@pytest.mark.parametrize("batch_bytes", [0, -1])
def test_batch_bytes_below_one_is_refused_at_once(tmp_path: Path, batch_bytes: int) -> None:
    # It once made scan and sanitize_file produce nothing, silently.
    with pytest.raises(ValueError, match="batch_bytes"):
        akinv.scan([tmp_path], batch_bytes=batch_bytes)
    with pytest.raises(ValueError, match="batch_bytes"):
        akinv.sanitize_file(tmp_path, tmp_path / "out", batch_bytes=batch_bytes)
