//! A JSON text on one line: the blank space between its tokens removed, nothing else changed.

/// `json` (a whole JSON text) without its byte order mark and the blank space between tokens:
/// every string and number stays byte for byte as written, so no value can change. Bytes after
/// an unterminated string are kept as they are.
pub fn compact(json: &[u8]) -> Vec<u8> {
    let mut rest = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
    let mut out = Vec::with_capacity(rest.len());
    while let Some(quote) = memchr::memchr(b'"', rest) {
        out.extend(rest[..quote].iter().filter(|&&b| !is_space(b)));
        let end = string_end(&rest[quote + 1..]).map_or(rest.len(), |end| quote + 1 + end + 1);
        out.extend_from_slice(&rest[quote..end]);
        rest = &rest[end..];
    }
    out.extend(rest.iter().filter(|&&b| !is_space(b)));
    out
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// The offset of the quote that closes a string whose text starts `text`.
fn string_end(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        at += memchr::memchr2(b'"', b'\\', &text[at..])?;
        if text[at] == b'"' {
            return Some(at);
        }
        at += 2;
        if at > text.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compact;

    #[test]
    fn only_blank_space_between_tokens_goes() {
        let pretty =
            b"\xEF\xBB\xBF{\n  \"a b\": [1, -2.5e3,\t\"x\\\" y\\\\\"],\r\n  \"c\" : { } }\n";
        assert_eq!(
            compact(pretty),
            b"{\"a b\":[1,-2.5e3,\"x\\\" y\\\\\"],\"c\":{}}".to_vec()
        );
        assert_eq!(compact(b"\"open \\\" str"), b"\"open \\\" str".to_vec());
        assert_eq!(compact(b"[\"\\"), b"[\"\\".to_vec());
    }
}
