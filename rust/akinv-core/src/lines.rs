//! JSON Lines: splitting a buffer into its documents, with their line numbers.

/// How many lines end in `buffer` (its `\n` bytes): how far [`json_lines`]' numbering moves past
/// it, for a reader that hands over a file block by block.
pub fn lines_ended(buffer: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', buffer).count()
}

/// The non-blank lines of a JSON Lines buffer, each with its 0-based line number; a trailing
/// `\r` is dropped. Lines are borrowed from the buffer.
pub fn json_lines(buffer: &[u8]) -> Vec<(usize, &[u8])> {
    // memchr finds the newlines with SIMD: splitting byte by byte took 5.3 ms of the 20 MB
    // corpus, a tenth of validating it and all of it on one thread.
    let ends = memchr::memchr_iter(b'\n', buffer).chain(std::iter::once(buffer.len()));
    let mut start = 0;
    let mut lines = Vec::new();
    for (number, end) in ends.enumerate() {
        let line = &buffer[start..end];
        start = end.saturating_add(1);
        if let Some(text) = line_text(line) {
            lines.push((number, text));
        }
    }
    lines
}

/// A line's document: the line without a trailing `\r`, or `None` when it is blank.
pub fn line_text(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    (!line.iter().all(u8::is_ascii_whitespace)).then_some(line)
}

/// [`json_lines`] numbered from `first_line` (the number of the buffer's first line).
pub fn numbered_lines(buffer: &[u8], first_line: usize) -> Vec<(usize, &[u8])> {
    let mut lines = json_lines(buffer);
    for (number, _) in &mut lines {
        *number = first_line.saturating_add(*number);
    }
    lines
}
