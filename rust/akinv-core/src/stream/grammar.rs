//! The JSON grammar (RFC 8259) as an automaton that can stop at any byte and go on with the
//! next block: it says where a value ends and where a text stops being JSON, building nothing.
//!
//! It is at most as strict as the core's parser, so it never cuts a document the core would
//! read: strings may hold any byte but a control character (the core reads invalid UTF-8, as
//! Go does), and a `\u` escape is not checked for surrogates (the core refuses a lone one, which
//! makes that document malformed but does not move where it ends).

use crate::error::MAX_DEPTH;

/// Nesting the splitter follows. The core refuses a value nested deeper than [`MAX_DEPTH`]
/// inside the few levels of a status document, so anything deeper than twice that is not a
/// document it reads; past it the text is called malformed, which keeps the automaton's
/// memory at a fixed 2.5 KB.
pub const MAX_NESTING: usize = 2 * MAX_DEPTH;

const WORDS: [&[u8]; 3] = [b"true", b"false", b"null"];

/// Where the automaton stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing read yet: a value, which a byte order mark may precede.
    Start,
    /// The bytes of a byte order mark read so far.
    Mark(u8),
    /// A value (after `:`, after `,` in an array, or at the top after a byte order mark).
    Value,
    /// After `[`: a value or `]`.
    FirstItem,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the container's closer.
    Next,
    /// In a string, a key when `key` is set.
    Text { key: bool },
    /// After a backslash in a string.
    Escape { key: bool },
    /// In a `\u` escape, with `left` hex digits to come.
    Hex { key: bool, left: u8 },
    /// In a number.
    Number(Number),
    /// In `true`, `false` or `null` (`WORDS[word]`), `at` letters read.
    Word { word: u8, at: u8 },
    /// A whole value has been read at the top.
    Done,
    /// Not JSON.
    Failed,
}

/// The parts of a number, in order: `-`, `0` or digits, `.` and digits, `e`, its sign, digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    Minus,
    Zero,
    Integer,
    Point,
    Fraction,
    Exponent,
    ExponentSign,
    ExponentDigits,
}

impl Number {
    /// Whether a number may end here.
    fn complete(self) -> bool {
        matches!(
            self,
            Number::Zero | Number::Integer | Number::Fraction | Number::ExponentDigits
        )
    }

    /// The part `byte` moves to, or `None` when it does not continue the number.
    fn next(self, byte: u8) -> Option<Number> {
        let digit = byte.is_ascii_digit();
        match (self, byte) {
            (Number::Minus, b'0') => Some(Number::Zero),
            (Number::Minus, _) if digit => Some(Number::Integer),
            (Number::Integer, _) if digit => Some(Number::Integer),
            (Number::Zero | Number::Integer, b'.') => Some(Number::Point),
            (Number::Point | Number::Fraction, _) if digit => Some(Number::Fraction),
            (Number::Zero | Number::Integer | Number::Fraction, b'e' | b'E') => {
                Some(Number::Exponent)
            }
            (Number::Exponent, b'+' | b'-') => Some(Number::ExponentSign),
            (Number::Exponent | Number::ExponentSign | Number::ExponentDigits, _) if digit => {
                Some(Number::ExponentDigits)
            }
            _ => None,
        }
    }
}

/// What a run of bytes did to the value being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The value ends before byte `.0` of the run: every byte up to there is part of it.
    End(usize),
    /// Byte `.0` of the run is where the text stops being JSON.
    Error(usize),
    /// Every byte was read and the value goes on.
    More,
}

/// One top-level JSON value, read a run of bytes at a time.
#[derive(Debug, Clone)]
pub struct Grammar {
    state: State,
    depth: usize,
    /// One bit per open container, set for an object.
    objects: Vec<u64>,
}

impl Default for Grammar {
    fn default() -> Self {
        Grammar::new()
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

impl Grammar {
    pub fn new() -> Grammar {
        Grammar {
            state: State::Start,
            depth: 0,
            objects: vec![0; MAX_NESTING.div_ceil(64)],
        }
    }

    /// Ready for the next value.
    pub fn reset(&mut self) {
        self.state = State::Start;
        self.depth = 0;
    }

    /// Whether the input may end here: a number at the top ends with it (every other value
    /// ends at its last byte, which [`Grammar::feed`] reports).
    pub fn may_end(&self) -> bool {
        match self.state {
            State::Number(number) => self.depth == 0 && number.complete(),
            State::Done => true,
            _ => false,
        }
    }

    /// Reads `bytes`, the next of the value's text.
    pub fn feed(&mut self, bytes: &[u8]) -> Step {
        let mut at = 0;
        while at < bytes.len() {
            match self.state {
                State::Text { key } => match text_end(&bytes[at..]) {
                    None => return Step::More,
                    Some(offset) => {
                        at += offset;
                        match bytes[at] {
                            b'"' => {
                                at += 1;
                                if key {
                                    self.state = State::Colon;
                                } else if self.value_read() {
                                    return Step::End(at);
                                }
                            }
                            b'\\' => {
                                at += 1;
                                self.state = State::Escape { key };
                            }
                            _ => return self.fail(at),
                        }
                    }
                },
                State::Number(number) => match number.next(bytes[at]) {
                    Some(next) => {
                        self.state = State::Number(next);
                        at += 1;
                    }
                    // Blank space or a closer ends a number, and belongs to what follows it;
                    // anything else (`01`, `1.5.3`, `12ab`) makes it no number.
                    None if number.complete() && matches!(bytes[at], b',' | b']' | b'}')
                        || number.complete() && is_space(bytes[at]) =>
                    {
                        if self.value_read() {
                            return Step::End(at);
                        }
                    }
                    None => return self.fail(at),
                },
                _ => {
                    let byte = bytes[at];
                    match self.byte(byte) {
                        Ok(true) => return Step::End(at + 1),
                        Ok(false) => at += 1,
                        Err(()) => return self.fail(at),
                    }
                }
            }
        }
        Step::More
    }

    fn fail(&mut self, at: usize) -> Step {
        self.state = State::Failed;
        Step::Error(at)
    }

    /// One byte outside a string's text and a number; `Ok(true)` when it ends the value.
    fn byte(&mut self, byte: u8) -> Result<bool, ()> {
        match self.state {
            State::Start if byte == 0xEF => self.state = State::Mark(1),
            State::Mark(1) if byte == 0xBB => self.state = State::Mark(2),
            State::Mark(2) if byte == 0xBF => self.state = State::Value,
            State::Start | State::Value | State::FirstItem if is_space(byte) => {}
            State::FirstKey | State::Key | State::Colon | State::Next if is_space(byte) => {}
            State::FirstItem if byte == b']' => return self.close(false),
            State::Start | State::Value | State::FirstItem => return self.value(byte),
            State::FirstKey if byte == b'}' => return self.close(true),
            State::FirstKey | State::Key if byte == b'"' => {
                self.state = State::Text { key: true };
            }
            State::Colon if byte == b':' => self.state = State::Value,
            State::Next => match byte {
                b',' if self.in_object() => self.state = State::Key,
                b',' => self.state = State::Value,
                b']' | b'}' => return self.close(byte == b'}'),
                _ => return Err(()),
            },
            State::Escape { key } => match byte {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                    self.state = State::Text { key };
                }
                b'u' => self.state = State::Hex { key, left: 4 },
                _ => return Err(()),
            },
            State::Hex { key, left } if byte.is_ascii_hexdigit() => {
                self.state = if left == 1 {
                    State::Text { key }
                } else {
                    State::Hex {
                        key,
                        left: left - 1,
                    }
                };
            }
            State::Word { word, at } if WORDS[usize::from(word)][usize::from(at)] == byte => {
                let at = at + 1;
                if usize::from(at) == WORDS[usize::from(word)].len() {
                    return Ok(self.value_read());
                }
                self.state = State::Word { word, at };
            }
            _ => return Err(()),
        }
        Ok(false)
    }

    /// The first byte of a value.
    fn value(&mut self, byte: u8) -> Result<bool, ()> {
        self.state = match byte {
            b'{' | b'[' => return self.open(byte == b'{'),
            b'"' => State::Text { key: false },
            b'-' => State::Number(Number::Minus),
            b'0' => State::Number(Number::Zero),
            b'1'..=b'9' => State::Number(Number::Integer),
            b't' => State::Word { word: 0, at: 1 },
            b'f' => State::Word { word: 1, at: 1 },
            b'n' => State::Word { word: 2, at: 1 },
            _ => return Err(()),
        };
        Ok(false)
    }

    fn open(&mut self, object: bool) -> Result<bool, ()> {
        if self.depth >= MAX_NESTING {
            return Err(());
        }
        let (word, bit) = (self.depth / 64, self.depth % 64);
        if object {
            self.objects[word] |= 1 << bit;
        } else {
            self.objects[word] &= !(1 << bit);
        }
        self.depth += 1;
        self.state = if object {
            State::FirstKey
        } else {
            State::FirstItem
        };
        Ok(false)
    }

    fn in_object(&self) -> bool {
        let top = self.depth.saturating_sub(1);
        self.depth > 0 && self.objects[top / 64] & (1 << (top % 64)) != 0
    }

    fn close(&mut self, object: bool) -> Result<bool, ()> {
        if self.depth == 0 || self.in_object() != object {
            return Err(());
        }
        self.depth -= 1;
        Ok(self.value_read())
    }

    /// A value has been read: `true` when it was the top one.
    fn value_read(&mut self) -> bool {
        if self.depth == 0 {
            self.state = State::Done;
            true
        } else {
            self.state = State::Next;
            false
        }
    }
}

/// Where a string's text stops: its closing quote, a backslash, or a control character (which
/// JSON does not allow in a string).
fn text_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the first value of `text` ends, read whole: `Ok(end)` or `Err(error offset)`;
    /// `Ok(len)` for a number the input ends, `Err(len)` for a value left open.
    fn first_value(text: &[u8]) -> Result<usize, usize> {
        let mut grammar = Grammar::new();
        match grammar.feed(text) {
            Step::End(end) => Ok(end),
            Step::Error(at) => Err(at),
            Step::More if grammar.may_end() => Ok(text.len()),
            Step::More => Err(text.len()),
        }
    }

    #[test]
    fn values_end_where_json_says() {
        for (text, end) in [
            (&b"{}"[..], 2),
            (b"{} {}", 2),
            (b"[1, 2]x", 6),
            (b"\"a\\\"b\" 1", 6),
            (b"123 4", 3),
            (b"-0.5e+3,", 7),
            (b"true false", 4),
            (b"null", 4),
            (b"\xEF\xBB\xBF {\"a\": [1, {\"b\": null}]}", 27),
            (b"{\"\\u00e9\\n\": \"\xff\"}", 17),
            (b" \n\t\r{\"a\" : 1 }", 14),
            (b"12", 2),
        ] {
            assert_eq!(
                first_value(text),
                Ok(end),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn malformed_text_is_found_where_it_starts() {
        for (text, at) in [
            (&b"{broken}"[..], 1),
            (b"[1,]", 3),
            (b"{\"a\":1,}", 7),
            (b"{\"a\" 1}", 5),
            (b"[1 2]", 3),
            (b"[}", 1),
            (b"{]", 1),
            (b"01", 1),
            (b"1.", 2),
            (b"1.e3", 2),
            (b"-", 1),
            (b"1e+", 3),
            (b".5", 0),
            (b"tru", 3),
            (b"trUe", 2),
            (b"\"a\x01\"", 2),
            (b"\"\\x\"", 2),
            (b"\"\\u12g4\"", 5),
            (b"NaN", 0),
            (b"}", 0),
            (b"\xEF\xBB", 2),
            (b"\xEF{}", 1),
            (b"{\"a\":\n", 6),
        ] {
            assert_eq!(
                first_value(text),
                Err(at),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn any_cut_reads_the_same() {
        let text = b"{\"a\": [1, -2.5e3, \"x\\u00e9\\\"\", true, null, {}], \"b\": false} ";
        for cut in 0..text.len() {
            let mut grammar = Grammar::new();
            let step = match grammar.feed(&text[..cut]) {
                Step::More => match grammar.feed(&text[cut..]) {
                    Step::End(end) => Step::End(cut + end),
                    other => other,
                },
                other => other,
            };
            assert_eq!(step, Step::End(text.len() - 1), "cut at {cut}");
        }
    }

    #[test]
    fn nesting_is_followed_to_its_limit() {
        let deep = |n: usize| [vec![b'['; n], vec![b']'; n]].concat();
        assert_eq!(
            first_value(&deep(MAX_NESTING)),
            Ok(2 * MAX_NESTING),
            "as deep as allowed"
        );
        assert_eq!(first_value(&deep(MAX_NESTING + 1)), Err(MAX_NESTING));
        let objects = "{\"a\":".repeat(70) + "[1]" + &"}".repeat(70);
        assert_eq!(first_value(objects.as_bytes()), Ok(objects.len()));
        let wrong = "{\"a\":".repeat(70) + "[1]" + &"}".repeat(69) + "]";
        assert_eq!(first_value(wrong.as_bytes()), Err(wrong.len() - 1));
    }
}
