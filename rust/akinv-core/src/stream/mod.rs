//! A stream split into its documents a block at a time: JSON Lines, or JSON texts one after
//! another (pretty or compact: what `cat a.json b.json`, `jq .` or a curl loop make).
//!
//! Memory is bounded whatever the input: a document is kept only until it passes the limit;
//! past it its bytes go by in pieces (for a copy) and are dropped, and its end is still found,
//! in linear time. The format is told from the stream's first lines ([`sniff`]) unless given.
//!
//! A document of JSON texts ends where its value does ([`grammar`]). Where the text stops being
//! JSON, the document runs on to the next line that starts with `{` or `[` (where `jq .` and
//! a curl loop start each document; a byte order mark may come first), so one broken document
//! does not swallow the rest.

mod compact;
mod grammar;
mod sniff;

pub use compact::compact;
pub use grammar::{Grammar, Step, MAX_NESTING};

use crate::error::DocumentError;
use crate::lines::line_text;
use std::collections::VecDeque;
use std::ops::Range;

/// How a stream holds its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One document a line (JSON Lines, NDJSON).
    Lines,
    /// JSON texts one after another, each ending where its value does.
    Documents,
}

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
    const START: Position = Position { line: 1, column: 1 };

    /// The position after `bytes`.
    fn advance(&mut self, bytes: &[u8]) {
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

/// Where a piece's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// In the block being split.
    Block(Range<usize>),
    /// In `done`: a document that began in an earlier block.
    Done,
    /// In `held`: the first document, kept until the stream shows whether another follows.
    Held,
    /// A newline held back at the end of the previous block.
    Newline,
    Empty,
}

#[derive(Debug, Clone)]
struct Cut {
    kind: Kind,
    source: Source,
    start: Position,
    first: bool,
    last: bool,
    size: u64,
    only: bool,
}

/// The document being read.
#[derive(Debug, Clone)]
struct Open {
    /// Its first byte's offset in the stream, and position.
    start: u64,
    position: Position,
    /// Past the limit: its bytes are no longer kept.
    refused: bool,
    /// Bytes so far (counted when refused).
    size: u64,
    /// Not JSON: skipping to a line that starts with `{` or `[`.
    broken: bool,
    /// Refused, the last block ended with a newline that was not let go: it ends the document
    /// if the next line opens a value where it is cut, and is part of it otherwise.
    newline: bool,
}

/// Splits a stream handed over in blocks (anything that holds bytes) into documents.
#[derive(Debug)]
pub struct Splitter<B> {
    blocks: VecDeque<B>,
    /// The front block is used up (its pieces may still be borrowed): dropped at the next call.
    spent: bool,
    state: State,
}

#[derive(Debug)]
struct State {
    format: Option<Format>,
    sniffer: sniff::Sniffer,
    /// Bytes of the stream's head read by the sniffer, and where it stands (block, offset).
    sniffed: (u64, usize, usize),
    limit: u64,
    /// No block will follow, and whether that is because the input was cut short.
    ended: bool,
    cut: bool,
    finished: bool,
    /// Offset in the front block, and the stream offset of that block.
    at: usize,
    base: u64,
    /// The position of stream offset `counted`.
    counted: u64,
    position: Position,
    /// The stream's last two bytes so far, last one last.
    tail: [u8; 2],
    grammar: Grammar,
    open: Option<Open>,
    /// The open document's bytes from earlier blocks, while it is kept.
    carry: Vec<u8>,
    /// A document that began in an earlier block, finished by the current call.
    done: Vec<u8>,
    /// The last piece of the first document (documents only), until a second one begins.
    held: Option<Cut>,
    held_bytes: Vec<u8>,
    /// Documents begun.
    begun: u64,
}

impl<B: AsRef<[u8]>> Splitter<B> {
    /// A splitter of a stream of `format` (told from its first lines when `None`) that keeps
    /// documents of at most `limit` bytes.
    pub fn new(format: Option<Format>, limit: usize) -> Splitter<B> {
        Splitter {
            blocks: VecDeque::new(),
            spent: false,
            state: State {
                format,
                sniffer: sniff::Sniffer::new(),
                sniffed: (0, 0, 0),
                limit: limit as u64,
                ended: false,
                cut: false,
                finished: false,
                at: 0,
                base: 0,
                counted: 0,
                position: Position::START,
                tail: [0; 2],
                grammar: Grammar::new(),
                open: None,
                carry: Vec::new(),
                done: Vec::new(),
                held: None,
                held_bytes: Vec::new(),
                begun: 0,
            },
        }
    }

    /// The stream's format, once known.
    pub fn format(&self) -> Option<Format> {
        self.state.format
    }

    /// The next block of the stream.
    pub fn push(&mut self, block: B) {
        assert!(!self.state.ended, "push after the end of the stream");
        if !block.as_ref().is_empty() {
            self.blocks.push_back(block);
        }
    }

    /// No block follows; `cut` when the input ended early (a read failed): the document it
    /// leaves unfinished is then a [`Kind::Cut`] piece.
    pub fn end(&mut self, cut: bool) {
        self.state.ended = true;
        self.state.cut = cut;
    }

    /// The line of the document being read, or of the next byte: where a cut input stopped.
    pub fn line(&self) -> u64 {
        match &self.state.open {
            Some(open) => open.position.line,
            None => self.state.position.line,
        }
    }

    /// Whether [`Splitter::end`] was called.
    pub fn ended(&self) -> bool {
        self.state.ended
    }

    /// The next documents and pieces, at most `max` (at least one), in stream order; empty
    /// when the blocks handed over are used up (or the stream is done).
    pub fn next(&mut self, max: usize) -> Vec<Piece<'_>> {
        let cuts = self.cuts(max.max(1));
        let block = if self.blocks.is_empty() {
            &[][..]
        } else {
            self.blocks[0].as_ref()
        };
        let state = &self.state;
        cuts.into_iter()
            .map(|cut| Piece {
                kind: cut.kind,
                bytes: match cut.source {
                    Source::Block(range) => &block[range],
                    Source::Done => &state.done,
                    Source::Held => &state.held_bytes,
                    Source::Newline => b"\n",
                    Source::Empty => &[],
                },
                start: cut.start,
                first: cut.first,
                last: cut.last,
                size: cut.size,
                only: cut.only,
                ending: if cut.only { state.ending() } else { b"" },
            })
            .collect()
    }

    fn cuts(&mut self, max: usize) -> Vec<Cut> {
        let mut cuts = Vec::new();
        loop {
            if self.spent {
                self.spent = false;
                if let Some(block) = self.blocks.pop_front() {
                    self.state.base += block.as_ref().len() as u64;
                }
                self.state.at = 0;
                self.state.done.clear();
            }
            if self.state.format.is_none() && !self.sniff() {
                return cuts;
            }
            let Some(block) = self.blocks.front() else {
                if self.state.ended && !self.state.finished {
                    self.state.finish(&mut cuts);
                }
                return cuts;
            };
            let block = block.as_ref();
            self.state.split(block, &mut cuts, max);
            if self.state.at == block.len() {
                self.state.block_end(block, &mut cuts);
                self.spent = true;
            }
            if !cuts.is_empty() {
                return cuts;
            }
        }
    }

    /// Reads the stream's head until its format shows; `false` while more is needed.
    fn sniff(&mut self) -> bool {
        let state = &mut self.state;
        let (seen, mut index, mut offset) = state.sniffed;
        let mut seen = seen;
        while let Some(block) = self.blocks.get(index) {
            // The head is read up to one byte past the limit, wherever the blocks end.
            let room = usize::try_from(state.limit + 1 - seen).unwrap_or(usize::MAX);
            let bytes = &block.as_ref()[offset..];
            let bytes = &bytes[..bytes.len().min(room)];
            if let Some(format) = state.sniffer.feed(bytes) {
                state.format = Some(format);
                return true;
            }
            seen += bytes.len() as u64;
            (index, offset) = (index + 1, 0);
            if seen > state.limit {
                // A first line longer than a document may be: documents end where their value
                // does, so its end is found whatever it is.
                state.format = Some(Format::Documents);
                return true;
            }
        }
        state.sniffed = (seen, index, offset);
        if state.ended {
            state.format = Some(state.sniffer.end());
        }
        state.ended
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether a line that starts with `byte` may start a document: `{`, `[`, or a byte order mark.
fn opens(byte: u8) -> bool {
    matches!(byte, b'{' | b'[' | 0xEF)
}

impl State {
    /// The line ending the stream ends with so far.
    fn ending(&self) -> &'static [u8] {
        match self.tail {
            [b'\r', b'\n'] => b"\r\n",
            [_, b'\n'] => b"\n",
            _ => b"",
        }
    }

    /// The position of `block[at]`, counting from where counting stopped.
    fn position_at(&mut self, block: &[u8], at: usize) -> Position {
        let from = (self.counted - self.base) as usize;
        self.position.advance(&block[from..at]);
        self.counted = self.base + at as u64;
        self.position
    }

    fn split(&mut self, block: &[u8], cuts: &mut Vec<Cut>, max: usize) {
        while self.at < block.len() && cuts.len() < max {
            match self.format {
                Some(Format::Lines) => self.line(block, cuts),
                _ => self.document(block, cuts),
            }
        }
    }

    /// The next line, or the rest of the block when it goes on past it.
    fn line(&mut self, block: &[u8], cuts: &mut Vec<Cut>) {
        let from = self.at;
        if self.open.is_none() {
            let position = self.position_at(block, from);
            self.open = Some(self.opened(from, position));
        }
        match memchr::memchr(b'\n', &block[from..]) {
            Some(length) => {
                self.at = from + length + 1;
                self.close(Kind::Line, block, self.base + (from + length) as u64, cuts);
            }
            None => self.at = block.len(),
        }
    }

    /// Between documents: skips blank space and opens the next one; in one: reads on.
    fn document(&mut self, block: &[u8], cuts: &mut Vec<Cut>) {
        let from = self.at;
        let Some(open) = &mut self.open else {
            match block[from..].iter().position(|&b| !is_space(b)) {
                None => self.at = block.len(),
                Some(skip) => {
                    self.at = from + skip;
                    if let Some(held) = self.held.take() {
                        cuts.push(held);
                    }
                    let position = self.position_at(block, self.at);
                    self.open = Some(self.opened(self.at, position));
                    self.grammar.reset();
                }
            }
            return;
        };
        if open.broken {
            return self.resync(block, cuts);
        }
        match self.grammar.feed(&block[from..]) {
            Step::End(length) => {
                self.at = from + length;
                self.close(Kind::Value, block, self.base + self.at as u64, cuts);
            }
            Step::Error(length) => {
                let at = from + length;
                let line_start = if at == 0 {
                    self.tail[1] == b'\n'
                } else {
                    block[at - 1] == b'\n'
                };
                self.at = at;
                if line_start && opens(block[at]) {
                    // Where jq and curl loops start a document: this one was cut short (and
                    // ends before its line ending).
                    let end = self.base + at as u64 - 1;
                    self.close(Kind::Malformed, block, end, cuts);
                } else {
                    open.broken = true;
                }
            }
            Step::More => self.at = block.len(),
        }
    }

    /// A broken document runs on to the next line that starts with `{` or `[` (its line ending
    /// not included).
    fn resync(&mut self, block: &[u8], cuts: &mut Vec<Cut>) {
        let mut from = self.at;
        if from == 0 && self.tail[1] == b'\n' && opens(block[0]) {
            return self.close(Kind::Malformed, block, self.base - 1, cuts);
        }
        while let Some(length) = memchr::memchr(b'\n', &block[from..]) {
            let newline = from + length;
            from = newline + 1;
            if from < block.len() && opens(block[from]) {
                self.at = from;
                return self.close(Kind::Malformed, block, self.base + newline as u64, cuts);
            }
        }
        self.at = block.len();
    }

    fn opened(&mut self, at: usize, position: Position) -> Open {
        self.begun += 1;
        Open {
            start: self.base + at as u64,
            position,
            refused: false,
            size: 0,
            broken: false,
            newline: false,
        }
    }

    /// The open document ends at stream offset `end`.
    fn close(&mut self, kind: Kind, block: &[u8], end: u64, cuts: &mut Vec<Cut>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let size = end - open.start;
        let within = |offset: u64| offset.saturating_sub(self.base) as usize;
        let (start, end_in_block) = (within(open.start), within(end));
        let mut cut = Cut {
            kind,
            source: Source::Block(start..end_in_block),
            start: open.position,
            first: true,
            last: true,
            size,
            only: false,
        };
        if open.refused {
            cut.kind = Kind::TooLarge;
            cut.first = false;
            if open.newline && end >= self.base {
                cuts.push(too_large(Source::Newline, open.position, false, 0));
            }
        } else if size > self.limit {
            cut.kind = Kind::TooLarge;
            if open.start < self.base {
                // What was carried goes first, as its own piece.
                cuts.push(Cut {
                    source: Source::Done,
                    last: false,
                    size: self.carry.len() as u64,
                    ..cut.clone()
                });
                self.done = std::mem::take(&mut self.carry);
                cut.first = false;
            }
        } else if open.start < self.base {
            self.done = std::mem::take(&mut self.carry);
            if end >= self.base {
                self.done.extend_from_slice(&block[..end_in_block]);
            } else {
                self.done.truncate(size as usize);
            }
            cut.source = Source::Done;
        }
        if kind == Kind::Line && cut.kind == Kind::Line {
            // A line without its line ending; a blank line is no document.
            let bytes = match &cut.source {
                Source::Block(range) => &block[range.clone()],
                _ => &self.done,
            };
            let Some(text) = line_text(bytes) else {
                return;
            };
            cut.size = text.len() as u64;
            match &mut cut.source {
                Source::Block(range) => range.end = range.start + text.len(),
                _ => self.done.truncate(text.len()),
            }
        }
        self.keep(cut, block, cuts);
    }

    /// A finished document's last piece: the first document of documents is held until the
    /// stream shows whether another follows.
    fn keep(&mut self, cut: Cut, block: &[u8], cuts: &mut Vec<Cut>) {
        if self.format != Some(Format::Documents) || self.begun > 1 {
            return cuts.push(cut);
        }
        self.held_bytes = match &cut.source {
            Source::Block(range) => block[range.clone()].to_vec(),
            Source::Done => std::mem::take(&mut self.done),
            _ => Vec::new(),
        };
        self.held = Some(Cut {
            source: Source::Held,
            ..cut
        });
    }

    /// The block is used up: keep the open document's part of it, or let it go by when that
    /// takes the document past the limit.
    fn block_end(&mut self, block: &[u8], cuts: &mut Vec<Cut>) {
        if let Some(open) = &mut self.open {
            let from = open.start.saturating_sub(self.base) as usize;
            // A document's newline at the end of a block may turn out to be the line ending
            // before the next document (when that line opens a value where this one is cut).
            let newline = self.format == Some(Format::Documents) && block.ends_with(b"\n");
            let part = &block[from..block.len() - usize::from(newline)];
            if !open.refused && (self.carry.len() + part.len()) as u64 > self.limit {
                open.refused = true;
                open.size = self.carry.len() as u64;
                if !self.carry.is_empty() {
                    self.done = std::mem::take(&mut self.carry);
                    cuts.push(too_large(Source::Done, open.position, true, open.size));
                }
            } else if !open.refused {
                self.carry.extend_from_slice(&block[from..]);
            }
            if open.refused {
                if open.newline {
                    open.size += 1;
                    cuts.push(too_large(Source::Newline, open.position, false, open.size));
                }
                if !part.is_empty() {
                    let first = open.size == 0;
                    open.size += part.len() as u64;
                    let source = Source::Block(from..from + part.len());
                    cuts.push(too_large(source, open.position, first, open.size));
                }
                open.newline = newline;
            }
        }
        self.position_at(block, block.len());
        self.tail = match block {
            [.., before, last] => [*before, *last],
            [last] => [self.tail[1], *last],
            [] => self.tail,
        };
    }

    /// The stream ended: the open document ends with it, then the held one goes.
    fn finish(&mut self, cuts: &mut Vec<Cut>) {
        self.finished = true;
        if let Some(open) = &self.open {
            let kind = match self.format {
                _ if self.cut => Kind::Cut,
                Some(Format::Lines) => Kind::Line,
                _ if open.broken || !self.grammar.may_end() => Kind::Malformed,
                _ => Kind::Value,
            };
            if open.refused {
                let (position, size) = (open.position, open.size);
                self.open = None;
                let mut cut = too_large(Source::Empty, position, false, size);
                cut.last = true;
                self.keep(cut, &[], cuts);
            } else {
                // Everything is carried: end is where the carried bytes end.
                let end = self.base;
                let (start, carried) = (open.start, self.carry.len() as u64);
                debug_assert_eq!(start + carried, end);
                self.close(kind, &[], end, cuts);
            }
        }
        if let Some(mut held) = self.held.take() {
            held.only = self.begun == 1 && !self.cut;
            cuts.push(held);
        } else if self.begun == 0 && !self.cut && self.format != Some(Format::Lines) {
            // No document at all where one was expected (an empty `.json`, stdin left empty):
            // an empty one, which the core calls malformed, as `json.loads` would.
            cuts.push(Cut {
                kind: Kind::Malformed,
                source: Source::Empty,
                start: self.position,
                first: true,
                last: true,
                size: 0,
                only: true,
            });
        }
    }
}

fn too_large(source: Source, start: Position, first: bool, size: u64) -> Cut {
    Cut {
        kind: Kind::TooLarge,
        source,
        start,
        first,
        last: false,
        size,
        only: false,
    }
}

#[cfg(test)]
mod tests;
