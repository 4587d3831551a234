//! Any bytes as a stream, split whole and in two blocks cut anywhere: never a panic; the same
//! documents either way; nothing but blank space between them; every value whole JSON and every
//! malformed piece not JSON, by serde_json (an independent parser) and by the core.
#![no_main]
use akinv_core::{validate, DocumentError, Format, Kind, Policy, Splitter, MAX_DOCUMENT_BYTES};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, IgnoredAny};

/// A piece as owned data: kind, bytes, line, column, first, last, size, only.
type Owned = (Kind, Vec<u8>, u64, u64, bool, bool, u64, bool);

fn split(blocks: &[&[u8]], format: Option<Format>, limit: usize, max: usize) -> Vec<Owned> {
    let mut splitter: Splitter<&[u8]> = Splitter::new(format, limit);
    let mut pieces: Vec<Owned> = Vec::new();
    let mut take = |splitter: &mut Splitter<&[u8]>| loop {
        let next = splitter.next(max);
        if next.is_empty() {
            break;
        }
        for p in &next {
            // Pieces of one document too large to keep are joined: where blocks end is not
            // the documents' business.
            match pieces.last_mut() {
                Some(last) if p.kind == Kind::TooLarge && !p.first => {
                    assert_eq!(last.0, Kind::TooLarge);
                    last.1.extend_from_slice(p.bytes);
                    (last.5, last.6, last.7) = (p.last, p.size, p.only);
                }
                _ => pieces.push((
                    p.kind,
                    p.bytes.to_vec(),
                    p.start.line,
                    p.start.column,
                    p.first,
                    p.last,
                    p.size,
                    p.only,
                )),
            }
        }
    };
    for block in blocks {
        splitter.push(block);
        take(&mut splitter);
    }
    splitter.end(false);
    take(&mut splitter);
    pieces
}

/// Whether `text` is one JSON value, after the byte order mark a document may start with (the
/// core skips it, as Python's json does on bytes).
fn is_json(text: &[u8]) -> bool {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut reader = serde_json::Deserializer::from_slice(text);
    reader.disable_recursion_limit();
    IgnoredAny::deserialize(&mut reader).is_ok() && reader.end().is_ok()
}

/// What may lie between documents: JSON's blank space, and blank lines of JSON Lines.
fn is_space(byte: u8) -> bool {
    byte.is_ascii_whitespace()
}

fuzz_target!(|input: &[u8]| {
    let [mode, size, cut_at, rest @ ..] = input else {
        return;
    };
    let format = [None, Some(Format::Lines), Some(Format::Documents)][usize::from(*mode % 3)];
    // Small limits too, so that documents are refused and skipped.
    let limit = match size {
        0..=127 => usize::from(*size) + 1,
        _ => MAX_DOCUMENT_BYTES,
    };
    let max = usize::from(*mode / 3 % 4) + 1;
    let whole = split(&[rest], format, limit, usize::MAX);
    let cut = usize::from(*cut_at) * rest.len() / 255;
    let (head, tail) = rest.split_at(cut);
    assert_eq!(split(&[head, tail], format, limit, max), whole);

    let mut left = rest;
    let policy = Policy::default();
    for (kind, bytes, ..) in &whole {
        let at = left
            .windows(bytes.len().max(1))
            .position(|w| bytes.is_empty() || w == &bytes[..])
            .unwrap_or(0);
        assert!(
            left[..at].iter().all(|&b| is_space(b)),
            "lost {:?}",
            &left[..at]
        );
        left = &left[at + bytes.len()..];
        match kind {
            Kind::Value => assert!(is_json(bytes), "not one JSON value: {bytes:?}"),
            Kind::Malformed => {
                assert!(!is_json(bytes), "JSON called malformed: {bytes:?}");
                let read = validate(bytes, None, &policy);
                assert!(
                    matches!(read, Err(DocumentError::Malformed { .. })),
                    "the core reads what was called malformed: {bytes:?}"
                );
            }
            Kind::Line => assert!(!bytes.contains(&b'\n')),
            _ => {}
        }
    }
    assert!(left.iter().all(|&b| is_space(b)), "lost {left:?}");
});
