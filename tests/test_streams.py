"""The stream reader against a plain reading of each document: whatever the blocks, gzip or not,
pretty or compact, JSON Lines or JSON texts one after another."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from budget import examples
from documents import dumps, inventory, legacy, legacy_node, v1, v1_node
from hypothesis import given, settings
from hypothesis import strategies as st

import akinv

DOCUMENTS = [
    legacy(legacy_node()),
    legacy(legacy_node(gpu=2**64 - 1)),
    v1(v1_node()),
    v1(v1_node(gpu=("8", "9"))),
    inventory(legacy_node("a"), legacy_node("b", cpu=2**64 - 2)),
]


def compact(document: bytes) -> bytes:
    """The builders' documents hold no blank space in strings: json.dumps writes them compact."""
    return json.dumps(json.loads(document), separators=(",", ":")).encode()


def text_of(document: dict[str, Any], indent: int | None) -> bytes:
    return json.dumps(document, indent=indent).encode()


def write(path: Path, data: bytes, packed: bool) -> Path:
    target = path.with_name(path.name + ".gz") if packed else path
    if packed:
        with gzip.open(target, "wb") as out:
            out.write(data)
    else:
        target.write_bytes(data)
    return target


texts = st.lists(
    st.tuples(st.sampled_from(range(len(DOCUMENTS))), st.sampled_from([None, 0, 2, 4])),
    min_size=1,
    max_size=6,
)
gaps = st.sampled_from([b"\n", b"\n\n", b"\r\n", b" ", b"\n  \t"])


@settings(max_examples=examples(60), deadline=None)
@given(texts, gaps, st.integers(1, 5000), st.booleans())
def test_documents_one_after_another(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[tuple[int, int | None]],
    gap: bytes,
    batch: int,
    packed: bool,
) -> None:
    documents = [text_of(DOCUMENTS[index], indent) for index, indent in chosen]
    data = gap.join(documents) + b"\n"
    path = write(tmp_path_factory.mktemp("texts") / "stream.json", data, packed)
    # Where each document starts: its line.
    starts, at = [], 0
    for document in documents:
        at = data.index(document, at)
        starts.append(data.count(b"\n", 0, at) + 1)
        at += len(document)
    results = list(akinv.scan(path, batch_bytes=batch))
    single = len(documents) == 1
    assert [r.line for r in results] == ([None] if single else starts)
    for result, document in zip(results, documents, strict=True):
        assert result.report is not None, result.error
        assert result.report.to_dict() == akinv.validate(document).to_dict()
    out = path.with_name("out.jsonl")
    summary = akinv.sanitize_file(path, out, batch_bytes=batch)
    assert summary.documents == len(documents) and not summary.errors
    sanitized = [akinv.sanitize(document).data for document in documents]
    if single:
        # One document alone keeps its shape, and the line ending it ended with.
        assert out.read_bytes() == sanitized[0] + b"\n"
    else:
        assert out.read_bytes() == b"".join(compact(s) + b"\n" for s in sanitized)


lines = st.lists(
    st.one_of(
        st.sampled_from([dumps(d) for d in DOCUMENTS]),
        st.sampled_from([b"", b"   ", b"{broken", b"[1, 2]", b'"text" more', b"\xff\xfe"]),
    ),
    max_size=20,
)


@settings(max_examples=examples(60), deadline=None)
@given(lines, st.sampled_from([b"\n", b"\r\n"]), st.booleans(), st.integers(1, 3000), st.booleans())
def test_json_lines_whatever_the_blocks(
    tmp_path_factory: pytest.TempPathFactory,
    chosen: list[bytes],
    newline: bytes,
    trailing: bool,
    batch: int,
    packed: bool,
) -> None:
    data = newline.join(chosen) + (newline if trailing else b"")
    path = write(tmp_path_factory.mktemp("lines") / "history.jsonl", data, packed)
    expected = [(number, line) for number, line in enumerate(chosen, start=1) if line.strip()]
    results = list(akinv.scan(path, batch_bytes=batch))
    assert [r.line for r in results] == [number for number, _ in expected]
    for result, (number, line) in zip(results, expected, strict=True):
        try:
            report = akinv.validate(line)
        except akinv.PayloadError as error:
            assert result.error is not None and type(result.error) is type(error)
            if error.line is not None:
                # Placed in the file: the line's own number, the same column.
                assert (result.error.line, result.error.column) == (number, error.column)
        else:
            assert result.report is not None and result.report.to_dict() == report.to_dict()
    out = path.with_name("out.jsonl")
    summary = akinv.sanitize_file(path, out, batch_bytes=batch)
    written = []
    for _, line in expected:
        try:
            written.append(akinv.sanitize(line).data)
        except akinv.PayloadError:
            written.append(line)
    assert out.read_bytes() == b"".join(line + b"\n" for line in written)
    assert summary.documents == len(expected)


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        # Pretty documents, or compact ones on one line: JSON texts one after another.
        (text_of(DOCUMENTS[0], 2) + b"\n" + text_of(DOCUMENTS[2], 2), [1, 35]),
        (dumps(DOCUMENTS[0]) + b" " + dumps(DOCUMENTS[2]), [1, 1]),
        # A line a document: JSON Lines, even when the first is broken.
        (dumps(DOCUMENTS[0]) + b"\n" + dumps(DOCUMENTS[2]) + b"\n", [1, 2]),
        (b'{"cut": \n' + dumps(DOCUMENTS[0]) + b"\n" + dumps(DOCUMENTS[2]) + b"\n", [1, 2, 3]),
        # One document, pretty or not.
        (text_of(DOCUMENTS[1], 2), [None]),
        (dumps(DOCUMENTS[1]) + b"\n", [None]),
    ],
)
def test_the_format_of_other_names_is_told_from_their_first_lines(
    tmp_path: Path, data: bytes, lines: list[int | None]
) -> None:
    path = tmp_path / "capture.log"
    path.write_bytes(data)
    assert [r.line for r in akinv.scan(path)] == lines
