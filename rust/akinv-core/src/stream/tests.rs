use super::*;
use crate::error::DocumentError;
use proptest::prelude::*;

/// A piece as owned data: kind, bytes, line, column, first, last, size, only.
type Owned = (Kind, Vec<u8>, u64, u64, bool, bool, u64, bool);

/// Every piece of `text` handed over in blocks of `block` bytes (at most `max` a call).
fn split_with(
    text: &[u8],
    format: Option<Format>,
    limit: usize,
    block: usize,
    max: usize,
) -> Vec<Owned> {
    let mut splitter = Splitter::new(format, limit);
    let mut pieces = Vec::new();
    let mut take = |splitter: &mut Splitter<Vec<u8>>| loop {
        let next = splitter.next(max);
        if next.is_empty() {
            break;
        }
        assert!(
            next.len() <= max.saturating_add(1),
            "{} pieces for {max}",
            next.len()
        );
        pieces.extend(next.iter().map(|p| {
            let at = (p.start.line, p.start.column);
            (
                p.kind,
                p.bytes.to_vec(),
                at.0,
                at.1,
                p.first,
                p.last,
                p.size,
                p.only,
            )
        }));
    };
    for chunk in text.chunks(block.max(1)) {
        splitter.push(chunk.to_vec());
        take(&mut splitter);
    }
    splitter.end(false);
    take(&mut splitter);
    pieces
}

fn split(text: &[u8], format: Option<Format>) -> Vec<Owned> {
    split_with(text, format, 1 << 20, text.len().max(1), usize::MAX)
}

/// (kind, text, line) of each piece.
fn documents(text: &[u8], format: Option<Format>) -> Vec<(Kind, String, u64)> {
    split(text, format)
        .into_iter()
        .map(|p| (p.0, String::from_utf8_lossy(&p.1).into_owned(), p.2))
        .collect()
}

fn s(text: &str) -> String {
    text.to_owned()
}

#[test]
fn json_lines_are_numbered_and_blank_ones_skipped() {
    let text = b"{\"a\":1}\n\n  \r\n{broken\r\n{\"c\":3}";
    assert_eq!(
        documents(text, Some(Format::Lines)),
        [
            (Kind::Line, s("{\"a\":1}"), 1),
            (Kind::Line, s("{broken"), 4),
            (Kind::Line, s("{\"c\":3}"), 5),
        ]
    );
}

#[test]
fn documents_end_where_their_values_do() {
    let text = b"{\n  \"a\": 1\n}\n{\"b\": [2,\n 3]} {\"c\": \"}\"}\n\n12 \"x\"";
    let pieces = split(text, None);
    let found: Vec<_> = pieces.iter().map(|p| (p.0, p.2, p.3, p.7)).collect();
    assert_eq!(
        found,
        [
            (Kind::Value, 1, 1, false),
            (Kind::Value, 4, 1, false),
            (Kind::Value, 5, 6, false),
            (Kind::Value, 7, 1, false),
            (Kind::Value, 7, 4, false),
        ]
    );
    assert_eq!(pieces[2].1, b"{\"c\": \"}\"}");
}

#[test]
fn one_document_alone_is_said_to_be_alone() {
    for text in [&b"{\n  \"a\": 1\n}\n"[..], b"  {\"a\": 1}", b"[1]\r\n\r\n"] {
        let pieces = split(text, None);
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].7, "{:?}", String::from_utf8_lossy(text));
    }
    let mut splitter: Splitter<&[u8]> = Splitter::new(None, 100);
    splitter.push(b"{}\r\n");
    splitter.end(false);
    let pieces = splitter.next(10);
    assert!(pieces[0].only);
    assert_eq!(pieces[0].ending, b"\r\n");
}

#[test]
fn a_document_refused_as_the_stream_ends_is_let_go_whole() {
    // Found by the stream fuzz target: the held first document was lost when it was refused
    // at the end of the stream (its pieces were let go after the held one had been looked for).
    let pieces = split_with(b"\0\n", Some(Format::Documents), 1, 2, usize::MAX);
    let found: Vec<_> = pieces
        .iter()
        .map(|p| (p.0, p.1.clone(), p.5, p.7))
        .collect();
    assert_eq!(found, [(Kind::TooLarge, b"\0\n".to_vec(), true, true)]);
}

#[test]
fn no_document_where_one_was_expected_is_an_empty_one() {
    for text in [&b""[..], b" \n "] {
        let pieces = split(text, None);
        assert_eq!(pieces.len(), 1);
        assert_eq!(
            (pieces[0].0, pieces[0].1.len(), pieces[0].7),
            (Kind::Malformed, 0, true)
        );
        assert!(split(text, Some(Format::Lines)).is_empty());
    }
}

#[test]
fn a_broken_document_runs_to_the_next_line_that_opens_a_value() {
    // A curl loop's document cut short, then the next one; junk after a value; a lone closer.
    let text = b"{\n  \"a\": [1,\n{\n  \"b\": 2\n}\n{\"c\": 3}} tail\nmore\n[4]\n{\"d\" 5}";
    assert_eq!(
        documents(text, None),
        [
            (Kind::Malformed, s("{\n  \"a\": [1,\n{\n  \"b\": 2\n}"), 1),
            (Kind::Value, s("{\"c\": 3}"), 6),
            (Kind::Malformed, s("} tail\nmore"), 6),
            (Kind::Value, s("[4]"), 8),
            (Kind::Malformed, s("{\"d\" 5}"), 9),
        ]
    );
}

#[test]
fn json_lines_with_a_broken_first_line_are_told_apart() {
    let text = b"{\"cluster\": \n{\"a\": 1}\n{\"b\": 2}\n";
    assert_eq!(split(text, None).len(), 3);
    let pretty = b"{\n  \"cluster\": {}\n}\n{\n  \"b\": 2\n}\n";
    assert_eq!(split(pretty, None).len(), 2);
}

#[test]
fn a_line_past_the_limit_goes_by_in_pieces() {
    let long = [b"{\"a\": \"".as_slice(), &[b'x'; 100], b"\"}"].concat();
    let text = [b"{}\n".as_slice(), &long, b"\r\n{\"b\": 1}\n"].concat();
    for format in [Format::Lines, Format::Documents] {
        for block in [1, 7, 50, 1000] {
            let pieces = split_with(&text, Some(format), 50, block, usize::MAX);
            let refused: Vec<_> = pieces.iter().filter(|p| p.0 == Kind::TooLarge).collect();
            assert!(refused[0].4 && refused.iter().skip(1).all(|p| !p.4));
            assert!(refused.last().is_some_and(
                |p| p.5 && p.6 == long.len() as u64 + u64::from(format == Format::Lines)
            ));
            let bytes: Vec<u8> = refused.iter().flat_map(|p| p.1.clone()).collect();
            let expected = if format == Format::Lines {
                [&long[..], b"\r"].concat()
            } else {
                long.clone()
            };
            assert_eq!(bytes, expected, "{format:?} in blocks of {block}");
            // Nothing of it is kept past the limit plus a block.
            assert!(refused.iter().all(|p| p.1.len() <= 50 + block));
            let kept: Vec<_> = pieces
                .iter()
                .filter(|p| p.0 != Kind::TooLarge)
                .map(|p| (p.1.clone(), p.2))
                .collect();
            assert_eq!(kept, [(b"{}".to_vec(), 1), (b"{\"b\": 1}".to_vec(), 3)]);
        }
    }
    // At the limit exactly, a document is kept.
    let pieces = split_with(b"[1,2]\n[3]\n", Some(Format::Lines), 5, 2, usize::MAX);
    assert_eq!(pieces[0].0, Kind::Line);
}

#[test]
fn an_input_cut_short_leaves_its_last_document_cut() {
    let mut splitter: Splitter<&[u8]> = Splitter::new(Some(Format::Lines), 100);
    splitter.push(b"{}\n{\"a\": ");
    assert_eq!(splitter.next(10).len(), 1);
    assert_eq!(splitter.next(10).len(), 0);
    splitter.end(true);
    assert_eq!(splitter.line(), 2);
    let pieces = splitter.next(10);
    assert_eq!(
        (pieces[0].kind, pieces[0].bytes),
        (Kind::Cut, &b"{\"a\": "[..])
    );
}

#[test]
fn errors_are_placed_in_the_stream() {
    let text = "{\"a\": \"\u{e9}\"} {\"b\": x}\n\u{feff}{\"c\"}\n{\n \"d\": x}".as_bytes();
    let mut splitter: Splitter<&[u8]> = Splitter::new(Some(Format::Documents), 100);
    splitter.push(text);
    splitter.end(false);
    let mut errors = Vec::new();
    loop {
        let pieces = splitter.next(10);
        if pieces.is_empty() {
            break;
        }
        errors.extend(pieces.iter().filter_map(|p| {
            match crate::validate(p.bytes, None, &crate::Policy::default()) {
                Err(error @ DocumentError::Malformed { .. }) => Some(p.locate(error).to_string()),
                _ => None,
            }
        }));
    }
    // As `json.loads` would place them in the whole text: the é is one character.
    assert_eq!(errors.len(), 3);
    assert!(
        errors[0].starts_with("malformed JSON at line 1 column 18:"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("malformed JSON at line 2 column 6:"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("malformed JSON at line 4 column 7:"),
        "{}",
        errors[2]
    );
}

#[test]
fn the_same_pieces_whatever_the_blocks_for_the_samples() {
    let pretty = b"{\n  \"a\": [1, {\"b\": \"\\\"}\"}],\n  \"c\": null\n}\n";
    let text = [&pretty[..], &pretty[..], b"{broken\n", &pretty[..]].concat();
    let whole = merged(split(&text, None));
    for block in 1..text.len() {
        assert_eq!(
            merged(split_with(&text, None, 1 << 20, block, 1)),
            whole,
            "{block}"
        );
    }
}

/// Pieces with those of each too-large document joined: what does not depend on the blocks.
fn merged(pieces: Vec<Owned>) -> Vec<Owned> {
    let mut out: Vec<Owned> = Vec::new();
    for piece in pieces {
        match out.last_mut() {
            Some(last) if last.0 == Kind::TooLarge && piece.0 == Kind::TooLarge && !piece.4 => {
                last.1.extend_from_slice(&piece.1);
                (last.5, last.6, last.7) = (piece.5, piece.6, piece.7);
            }
            _ => out.push(piece),
        }
    }
    out
}

/// JSON values, pretty or not, with blank space and junk between them.
fn stream_text() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(b"1".to_vec()),
        Just(b"-0.5e+3".to_vec()),
        Just(b"true".to_vec()),
        Just(b"null".to_vec()),
        "[a-z\"\\\\{}\\[\\] ]{0,6}".prop_map(|s| serde_like_string(&s)),
    ];
    let value = leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                let mut out = b"[".to_vec();
                out.extend(items.join(&b", "[..]));
                out.push(b']');
                out
            }),
            prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(|fields| {
                let mut out = b"{\n".to_vec();
                let fields: Vec<Vec<u8>> = fields
                    .into_iter()
                    .map(|(k, v)| [format!("  \"{k}\": ").into_bytes(), v].concat())
                    .collect();
                out.extend(fields.join(&b",\n"[..]));
                out.extend_from_slice(b"\n}");
                out
            }),
        ]
    });
    let gap = prop_oneof![
        Just(b"\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r\n\n".to_vec()),
        Just(b"\n}x\n".to_vec()),
        Just(b"\n{\"a\":\n".to_vec()),
    ];
    prop::collection::vec((value, gap), 0..6).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(v, g)| [v, g].concat())
            .collect()
    })
}

fn serde_like_string(text: &str) -> Vec<u8> {
    let escaped: String = text
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!("\"{escaped}\"").into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn blocks_do_not_change_the_documents(
        text in stream_text(),
        block in 1usize..40,
        max in 1usize..4,
        limit in 1usize..200,
        format in prop::option::of(prop_oneof![Just(Format::Lines), Just(Format::Documents)]),
    ) {
        let whole = merged(split_with(&text, format, limit, text.len().max(1), usize::MAX));
        prop_assert_eq!(merged(split_with(&text, format, limit, block, max)), whole.clone());
        // Nothing is lost: documents and pieces appear in order, and what is between them is
        // blank space (or a line ending).
        let mut rest = &text[..];
        for piece in &whole {
            let at = find(rest, &piece.1).expect("a piece of the input, in order");
            prop_assert!(rest[..at].iter().all(|&b| is_space(b)), "{:?}", &rest[..at]);
            rest = &rest[at + piece.1.len()..];
        }
        prop_assert!(rest.iter().all(|&b| is_space(b)));
        for piece in &whole {
            if piece.0 == Kind::Value {
                // One whole JSON value, as the core's parser reads it.
                let parsed = jiter::JsonValue::parse(&piece.1, false);
                prop_assert!(parsed.is_ok(), "{:?}", String::from_utf8_lossy(&piece.1));
            }
            if piece.0 == Kind::Malformed {
                prop_assert!(jiter::JsonValue::parse(&piece.1, false).is_err());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
