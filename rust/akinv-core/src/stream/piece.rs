//! What the splitter hands out: documents, and pieces of documents too large to keep, each with
//! where it starts in the stream.

use crate::error::DocumentError;

/// What a piece of the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One whole JSON value (documents).
    Value,
    /// One non-blank line, without its line ending (JSON Lines): whether it is JSON is for the
    /// reader to say.
    Line,
    /// A document that is not JSON, up to the next line that opens a value, or the end.
    Malformed,
    /// Part of a document larger than the limit, which goes by without being kept.
    TooLarge,
    /// What there was of the last document when the input was cut short (a damaged file).
    Cut,
}

/// A place in the stream: 1-based line, and 1-based column in characters (UTF-8 continuation
/// bytes do not start one), as the core's error positions count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    pub(super) const START: Position = Position { line: 1, column: 1 };

    /// The position after `bytes`.
    pub(super) fn advance(&mut self, bytes: &[u8]) {
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        let after = match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line = self.line.saturating_add(newlines);
                self.column = 1;
                &bytes[last + 1..]
            }
            None => bytes,
        };
        let characters = after.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
        self.column = self.column.saturating_add(characters);
    }
}

/// A document, or one piece of a document too large to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub kind: Kind,
    pub bytes: &'a [u8],
    /// Where `bytes` starts in the stream: the document's first line is `start.line`.
    pub start: Position,
    /// The first and the last piece of its document (a document that was kept is both).
    pub first: bool,
    pub last: bool,
    /// The document's size in bytes up to the end of this piece.
    pub size: u64,
    /// The stream holds this one document and nothing else (set on its last piece).
    pub only: bool,
    /// For a document alone, the line ending the stream ends with (`\r\n`, `\n` or none):
    /// what it is written back with in its own shape.
    pub ending: &'static [u8],
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Piece<'_> {
    /// `error`, from reading this piece alone, with its position moved to where it is in the
    /// stream (the core reads a document after its byte order mark).
    pub fn locate(&self, error: DocumentError) -> DocumentError {
        match error {
            DocumentError::Malformed {
                message,
                line,
                column,
            } => {
                let (line, column) = if line <= 1 {
                    let mark = u64::from(self.bytes.starts_with(BOM));
                    let shift = self.start.column.saturating_add(mark).saturating_sub(1);
                    (self.start.line, (column as u64).saturating_add(shift))
                } else {
                    let shift = self.start.line.saturating_sub(1);
                    ((line as u64).saturating_add(shift), column as u64)
                };
                DocumentError::Malformed {
                    message,
                    line: usize::try_from(line).unwrap_or(usize::MAX),
                    column: usize::try_from(column).unwrap_or(usize::MAX),
                }
            }
            other => other,
        }
    }
}
