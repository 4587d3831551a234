//! A stream split into its documents a block at a time: JSON Lines, or JSON texts one after
//! another (pretty or compact: what `cat a.json b.json`, `jq .` or a curl loop make).
//!
//! Memory is bounded whatever the input: a document is kept only until it passes the limit;
//! past it its bytes go by in pieces (for a copy) and are dropped, and its end is still found,
//! in linear time. What was kept of it is let go a few blocks a call, so a reader that copies
//! the pieces never holds a second copy of it. The format is told from the stream's first
//! lines ([`sniff`]) unless given.
//!
//! A document of JSON texts ends where its value does ([`grammar`]). Where the text stops being
//! JSON, the document runs on to the next line that starts with `{` or `[` (where `jq .` and
//! a curl loop start each document; a byte order mark may come first), so one broken document
//! does not swallow the rest.

mod compact;
mod grammar;
mod piece;
mod sniff;

pub use compact::compact;
pub use grammar::{Grammar, Step, MAX_NESTING};
pub use piece::{Kind, Piece, Position};

use std::collections::VecDeque;
use std::ops::Range;

/// What was kept of a refused document is let go a piece of at most this size a call, so a
/// reader that copies it holds a few megabytes more, not a second copy of it.
const RELEASE_BYTES: usize = 4 << 20;
/// A carried document is kept in parts of at most this size: each part grows by doubling, so
/// keeping is linear, and no reallocation ever copies more than a part (a 256 MiB document in
/// one buffer passes through 384 MiB while it doubles). 31 MiB, not 32: with its header a part
/// then fits one 32 MiB block of mimalloc's arenas, where 32 MiB would take two.
const PART_BYTES: usize = 31 << 20;

/// Appends `bytes` to the parts of a carried document.
fn append(parts: &mut Vec<Vec<u8>>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let room = match parts.last() {
            Some(last) if last.len() < PART_BYTES => PART_BYTES - last.len(),
            _ => {
                parts.push(Vec::with_capacity(bytes.len().min(PART_BYTES)));
                PART_BYTES
            }
        };
        let (now, later) = bytes.split_at(bytes.len().min(room));
        let last = parts.last_mut().expect("a part to append to");
        if last.capacity() - last.len() < now.len() {
            let wanted = (2 * last.capacity())
                .max(last.len() + now.len())
                .min(PART_BYTES);
            last.reserve_exact(wanted - last.len());
        }
        last.extend_from_slice(now);
        bytes = later;
    }
}

/// How a stream holds its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One document a line (JSON Lines, NDJSON).
    Lines,
    /// JSON texts one after another, each ending where its value does.
    Documents,
}

/// Where a piece's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// In the block being split.
    Block(Range<usize>),
    /// In `done`: a document that began in an earlier block.
    Done,
    /// In the first of `refused`: what was kept of a document before it was refused.
    Refused(Range<usize>),
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
    /// Everything has been handed out.
    closed: bool,
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
    /// The open document's bytes from earlier blocks, while it is kept, in parts (see
    /// [`PART_BYTES`]); when it is refused, each part is let go as a piece, without a copy.
    carry: Vec<Vec<u8>>,
    carried: u64,
    /// A document that began in an earlier block, finished by the current call.
    done: Vec<u8>,
    /// The parts of a document refused after it was kept, and the pieces of them to let go of
    /// (each with whether it ends its part, which then goes at the next call).
    refused: VecDeque<Vec<u8>>,
    queue: VecDeque<(Range<usize>, Cut, bool)>,
    part_done: bool,
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
                closed: false,
                at: 0,
                base: 0,
                counted: 0,
                position: Position::START,
                tail: [0; 2],
                grammar: Grammar::new(),
                open: None,
                carry: Vec::new(),
                carried: 0,
                done: Vec::new(),
                refused: VecDeque::new(),
                queue: VecDeque::new(),
                part_done: false,
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
                    Source::Refused(range) => &state.refused[0][range],
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
        self.state.done.clear();
        loop {
            // A part of a refused document all let go, and no piece of it is borrowed.
            if cuts.is_empty() && std::mem::take(&mut self.state.part_done) {
                self.state.refused.pop_front();
            }
            if !self.state.queue.is_empty() {
                self.state.release(&mut cuts);
                if cuts.is_empty() {
                    continue;
                }
                return cuts;
            }
            if self.spent {
                self.spent = false;
                if let Some(block) = self.blocks.pop_front() {
                    self.state.base += block.as_ref().len() as u64;
                }
                self.state.at = 0;
            }
            if self.state.format.is_none() && !self.sniff() {
                return cuts;
            }
            let Some(block) = self.blocks.front() else {
                if self.state.ended && !self.state.finished {
                    self.state.finish(&mut cuts);
                }
                if !self.state.queue.is_empty() {
                    // The last document was refused as the stream ended: let it go first.
                    if cuts.is_empty() {
                        continue;
                    }
                    return cuts;
                }
                if self.state.finished {
                    self.state.last(&mut cuts);
                }
                return cuts;
            };
            let block = block.as_ref();
            self.state.split(block, &mut cuts, max);
            if self.state.at == block.len() && self.state.queue.is_empty() {
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
        // A document refused as it ended goes first: nothing after it before it is let go.
        while self.at < block.len() && cuts.len() < max && self.queue.is_empty() {
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
        } else if open.start < self.base {
            // Began in an earlier block: its parts, and what of this block ends it (or less
            // than the parts, when it ends before the newline that ends the last one).
            let mut parts = std::mem::take(&mut self.carry);
            self.carried = 0;
            append(&mut parts, &block[..end_in_block]);
            let mut left = size as usize;
            for part in &mut parts {
                part.truncate(left);
                left -= part.len();
            }
            if size > self.limit {
                self.refuse(parts, open.position, true);
                return;
            }
            self.done = parts.concat();
            cut.source = Source::Done;
        } else if size > self.limit {
            cut.kind = Kind::TooLarge;
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
            Source::Refused(range) => self.refused[0][range.clone()].to_vec(),
            _ => Vec::new(),
        };
        self.held = Some(Cut {
            source: Source::Held,
            ..cut
        });
    }

    /// The pieces of a document kept until it passed the limit, to let go of one a call;
    /// `ends` when the last of them ends it. Returns their size.
    fn refuse(&mut self, parts: Vec<Vec<u8>>, position: Position, ends: bool) -> u64 {
        let mut size = 0;
        let mut first = true;
        for part in parts.into_iter().filter(|part| !part.is_empty()) {
            let mut at = 0;
            while at < part.len() {
                let end = part.len().min(at + RELEASE_BYTES);
                size += (end - at) as u64;
                let cut = too_large(Source::Empty, position, first, size);
                self.queue.push_back((at..end, cut, end == part.len()));
                (first, at) = (false, end);
            }
            self.refused.push_back(part);
        }
        if let Some((_, cut, _)) = self.queue.back_mut() {
            cut.last = ends;
        }
        size
    }

    /// Lets go of the next piece of a refused document.
    fn release(&mut self, cuts: &mut Vec<Cut>) {
        let Some((range, mut cut, ends_part)) = self.queue.pop_front() else {
            return;
        };
        self.part_done = ends_part;
        cut.source = Source::Refused(range);
        if cut.last {
            self.keep(cut, &[], cuts);
        } else {
            cuts.push(cut);
        }
    }

    /// The block is used up: keep the open document's part of it, or let it go by when that
    /// takes the document past the limit.
    fn block_end(&mut self, block: &[u8], cuts: &mut Vec<Cut>) {
        if let Some(mut open) = self.open.take() {
            let from = open.start.saturating_sub(self.base) as usize;
            // A document's newline at the end of a block may turn out to be the line ending
            // before the next document (when that line opens a value where this one is cut).
            let newline = self.format == Some(Format::Documents) && block.ends_with(b"\n");
            let part = &block[from..block.len() - usize::from(newline)];
            if !open.refused && self.carried + part.len() as u64 > self.limit {
                open.refused = true;
                let mut parts = std::mem::take(&mut self.carry);
                self.carried = 0;
                append(&mut parts, part);
                open.size = self.refuse(parts, open.position, false);
            } else if !open.refused {
                self.carried += (block.len() - from) as u64;
                append(&mut self.carry, &block[from..]);
            } else {
                if open.newline {
                    open.size += 1;
                    cuts.push(too_large(Source::Newline, open.position, false, open.size));
                }
                if !part.is_empty() {
                    open.size += part.len() as u64;
                    let source = Source::Block(from..from + part.len());
                    cuts.push(too_large(source, open.position, false, open.size));
                }
            }
            open.newline = newline && open.refused;
            self.open = Some(open);
        }
        self.position_at(block, block.len());
        self.tail = match block {
            [.., before, last] => [*before, *last],
            [last] => [self.tail[1], *last],
            [] => self.tail,
        };
    }

    /// The stream ended: the open document ends with it.
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
                debug_assert_eq!(open.start + self.carried, end);
                self.close(kind, &[], end, cuts);
            }
        }
    }

    /// After the last document: the first one, held until now, or an empty one when there was
    /// none.
    fn last(&mut self, cuts: &mut Vec<Cut>) {
        if std::mem::replace(&mut self.closed, true) {
            return;
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

/// A line's document: the line without a trailing `\r`, or `None` when it is blank.
fn line_text(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    (!line.iter().all(u8::is_ascii_whitespace)).then_some(line)
}
