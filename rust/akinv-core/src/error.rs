//! Documents that cannot be read at all. Findings are data (see `report`); these are failures.

use std::fmt;

/// Larger documents are refused rather than read (a status document is kilobytes).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;
/// Deeper nesting is refused: Go's JSON decoder, which providers use, stops at the same depth.
pub const MAX_DEPTH: usize = 10_000;

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Not JSON: what is wrong and where (1-based line and column, in characters).
    Malformed {
        message: String,
        line: usize,
        column: usize,
    },
    /// Valid JSON of none of the document shapes (or not of the one asked for).
    UnknownShape { detail: String },
    /// Larger than akinv reads in one document.
    TooLarge { bytes: usize, limit: usize },
}

impl DocumentError {
    /// Malformed JSON at byte `index` of `data`.
    pub fn malformed(data: &[u8], index: usize, message: impl Into<String>) -> DocumentError {
        let (line, column) = position(data, index);
        DocumentError::Malformed {
            message: message.into(),
            line,
            column,
        }
    }

    /// The kind's name: what the bindings map to an exception type.
    pub fn kind(&self) -> &'static str {
        match self {
            DocumentError::Malformed { .. } => "malformed",
            DocumentError::UnknownShape { .. } => "unknown-shape",
            DocumentError::TooLarge { .. } => "too-large",
        }
    }
}

/// The 1-based line and column of byte `index`; columns count characters, as an editor (and
/// Python's `json` module) does, and the end of the input is one past its last character.
pub fn position(data: &[u8], index: usize) -> (usize, usize) {
    let before = &data[..index.min(data.len())];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |at| at.saturating_add(1));
    let line = memchr::memchr_iter(b'\n', before).count().saturating_add(1);
    // UTF-8 continuation bytes do not start a character.
    let characters = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count();
    (line, characters.saturating_add(1))
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Malformed {
                message,
                line,
                column,
            } => write!(
                f,
                "malformed JSON at line {line} column {column}: {message}"
            ),
            DocumentError::UnknownShape { detail } => write!(
                f,
                "unknown document shape ({detail}); expected a legacy REST /status document \
                 (cluster.inventory.available), an akash.provider.v1.Status document \
                 (cluster.inventory.cluster) or an inventory cluster ({{\"nodes\": [...]}})"
            ),
            DocumentError::TooLarge { bytes, limit } => write!(
                f,
                "document of {bytes} bytes is larger than the {limit}-byte limit"
            ),
        }
    }
}

impl std::error::Error for DocumentError {}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn positions_are_one_based_characters() {
        assert_eq!(position(b"", 0), (1, 1));
        assert_eq!(position(b"{", 1), (1, 2));
        assert_eq!(position(b"{\n", 2), (2, 1));
        assert_eq!(position(b"{\n  x", 4), (2, 3));
        assert_eq!(position("é x".as_bytes(), 3), (1, 3));
        assert_eq!(position(b"ab", 99), (1, 3));
    }
}
