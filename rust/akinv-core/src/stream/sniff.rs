//! Telling JSON Lines from JSON texts one after another, by a stream's first lines.
//!
//! - The first non-blank line is one whole JSON value and more follows: JSON Lines.
//! - It is not one whole value (a pretty-printed document goes on past it, or it is broken),
//!   and the second non-blank line is a JSON object on its own: JSON Lines whose first line is
//!   broken (a pretty-printed document has no such line).
//! - Anything else is documents: one after another, each ends where its JSON value does. One
//!   value and nothing after it is a single document either way.

use super::grammar::{Grammar, Step};
use super::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first non-blank byte.
    Blank,
    /// In the value that starts the first line.
    First,
    /// After that value, on the same line.
    FirstRest,
    /// The first line held one whole value: is there more?
    AfterFirst,
    /// The first line is not one whole value: to its end.
    SkipFirst,
    /// Before the second non-blank line.
    BlankSecond,
    /// In the value that starts the second line.
    Second,
    /// After that value, on the same line.
    SecondRest,
}

#[derive(Debug, Clone)]
pub(super) struct Sniffer {
    state: State,
    grammar: Grammar,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

impl Sniffer {
    pub(super) fn new() -> Sniffer {
        Sniffer {
            state: State::Blank,
            grammar: Grammar::new(),
        }
    }

    /// Reads the next bytes of the stream's head: the format once they show it.
    pub(super) fn feed(&mut self, bytes: &[u8]) -> Option<Format> {
        let mut at = 0;
        while at < bytes.len() {
            let rest = &bytes[at..];
            match self.state {
                State::Blank | State::AfterFirst | State::BlankSecond => {
                    let skip = rest.iter().position(|&b| !is_space(b))?;
                    at += skip;
                    match self.state {
                        State::AfterFirst => return Some(Format::Lines),
                        State::BlankSecond if bytes[at] != b'{' => return Some(Format::Documents),
                        State::BlankSecond => self.state = State::Second,
                        _ => self.state = State::First,
                    }
                    self.grammar.reset();
                }
                State::First | State::Second => match self.value(rest) {
                    Ok(read) => at += read,
                    Err(decided) => return decided,
                },
                State::FirstRest | State::SecondRest => {
                    let other = rest
                        .iter()
                        .position(|&b| !matches!(b, b' ' | b'\t' | b'\r'))?;
                    at += other + 1;
                    match (bytes[at - 1], self.state) {
                        (b'\n', State::FirstRest) => self.state = State::AfterFirst,
                        (b'\n', _) => return Some(Format::Lines),
                        _ => return Some(Format::Documents),
                    }
                }
                State::SkipFirst => {
                    let end = memchr::memchr(b'\n', rest)?;
                    at += end + 1;
                    self.state = State::BlankSecond;
                }
            }
        }
        None
    }

    /// Reads on in the value that starts the first or second line: how many bytes it took, or
    /// the format once they show it (`None`: more is needed).
    fn value(&mut self, rest: &[u8]) -> Result<usize, Option<Format>> {
        let line = memchr::memchr(b'\n', rest);
        let first = self.state == State::First;
        match (self.grammar.feed(&rest[..line.unwrap_or(rest.len())]), line) {
            (Step::End(end), _) => {
                self.state = if first {
                    State::FirstRest
                } else {
                    State::SecondRest
                };
                Ok(end)
            }
            (Step::More, None) => Err(None),
            // A number the line ends is a whole value.
            (Step::More, Some(end)) if first && self.grammar.may_end() => {
                self.state = State::AfterFirst;
                Ok(end + 1)
            }
            (Step::More, Some(end)) if first => {
                self.state = State::BlankSecond;
                Ok(end + 1)
            }
            (Step::Error(error), _) if first => {
                self.state = State::SkipFirst;
                Ok(error)
            }
            _ => Err(Some(Format::Documents)),
        }
    }

    /// The stream ended: the format of what was seen.
    pub(super) fn end(&self) -> Format {
        match self.state {
            State::SecondRest => Format::Lines,
            State::Second if self.grammar.may_end() => Format::Lines,
            _ => Format::Documents,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &[u8]) -> Format {
        let mut sniffer = Sniffer::new();
        sniffer.feed(text).unwrap_or_else(|| sniffer.end())
    }

    #[test]
    fn formats_a_user_would_expect() {
        let lines = Format::Lines;
        let documents = Format::Documents;
        for (text, format) in [
            (&b"{\"a\": 1}\n{\"b\": 2}\n"[..], lines),
            (b"\n\n  {}\r\n\n[1]", lines),
            (b"{\"a\": 1}\n", documents),
            (b"{\"a\": 1}", documents),
            (b"{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n", documents),
            (b"{\"a\": 1} {\"b\": 2}\n{\"c\": 3}\n", documents),
            (b"{\"cluster\": \n{\"a\": 1}\n{\"b\": 2}\n", lines),
            (b"not json\n{\"a\": 1}\n", lines),
            (b"not json\n[1]\n", documents),
            (b"{\"a\": [\n{\"b\": 1}, 2]}", documents),
            (b"{\"a\": [\n{\"b\": 1}\n]}", lines),
            (b"\xEF\xBB\xBF{\"a\": 1}\n{}\n", lines),
            (b"12\n13", lines),
            (b"12 13\n", documents),
            (b"", documents),
            (b"  \n ", documents),
        ] {
            assert_eq!(sniff(text), format, "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn byte_by_byte_it_decides_alike() {
        for text in [
            &b"{\"a\": 1}\n{\"b\": 2}\n"[..],
            b"{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n",
            b"{\"cluster\": \n{\"a\": 1}\n{\"b\": 2}\n",
            b"not json\n[1]\n",
        ] {
            let mut sniffer = Sniffer::new();
            let decided = text
                .iter()
                .find_map(|b| sniffer.feed(std::slice::from_ref(b)))
                .unwrap_or_else(|| sniffer.end());
            assert_eq!(decided, sniff(text));
        }
    }
}
