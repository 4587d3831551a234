//! JSON paths, built only for the values a finding or an edit names: one more pass over the
//! document, in order, that stops after the last offset asked for. Most documents have
//! nothing to name and never pay for it.

use super::cursor::decoded;
use jiter::{Jiter, Peek};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

enum Frame {
    /// The current member's key, as a byte span of the input.
    Object(usize, usize),
    Array(usize),
}

/// The path of the value that starts at each of `offsets` (sorted, without repeats).
pub(super) fn resolve(data: &[u8], offsets: &[usize]) -> HashMap<usize, Vec<Segment>> {
    let mut found = HashMap::with_capacity(offsets.len());
    // The document was read whole before: an error here can only cut the answer short.
    let _ = walk(data, offsets, &mut found);
    found
}

fn walk(
    data: &[u8],
    offsets: &[usize],
    found: &mut HashMap<usize, Vec<Segment>>,
) -> jiter::JiterResult<()> {
    let mut jiter = Jiter::new(data);
    let mut stack: Vec<Frame> = Vec::new();
    let mut wanted = offsets.iter().copied().peekable();
    let mut peek = jiter.peek()?;
    loop {
        let start = jiter.current_index();
        while wanted.next_if(|&offset| offset < start).is_some() {}
        if wanted.next_if_eq(&start).is_some() {
            found.insert(start, segments(data, &stack));
        }
        if wanted.peek().is_none() {
            return Ok(());
        }
        let member = match enter(&mut jiter, data, peek, &mut stack)? {
            Some(member) => member,
            None => match next_member(&mut jiter, data, &mut stack)? {
                Some(member) => member,
                None => return Ok(()),
            },
        };
        peek = member;
    }
}

/// Steps into the value at `peek`: its first member, if it is a non-empty container.
fn enter(
    jiter: &mut Jiter,
    data: &[u8],
    peek: Peek,
    stack: &mut Vec<Frame>,
) -> jiter::JiterResult<Option<Peek>> {
    Ok(match peek {
        Peek::Array => {
            let first = jiter.known_array()?;
            if first.is_some() {
                stack.push(Frame::Array(0));
            }
            first
        }
        Peek::Object => match jiter.next_object_bytes()? {
            Some(key) => {
                let (s, e) = super::cursor::span_of(data, key);
                stack.push(Frame::Object(s, e));
                Some(jiter.peek()?)
            }
            None => None,
        },
        scalar => {
            jiter.known_skip(scalar)?;
            None
        }
    })
}

/// The next member after a value ends, closing containers that end with it; `None` at the
/// end of the document.
fn next_member(
    jiter: &mut Jiter,
    data: &[u8],
    stack: &mut Vec<Frame>,
) -> jiter::JiterResult<Option<Peek>> {
    loop {
        match stack.last_mut() {
            None => return Ok(None),
            Some(Frame::Object(s, e)) => match jiter.next_key_bytes()? {
                Some(key) => {
                    (*s, *e) = super::cursor::span_of(data, key);
                    return Ok(Some(jiter.peek()?));
                }
                None => {
                    stack.pop();
                }
            },
            Some(Frame::Array(index)) => match jiter.array_step()? {
                Some(next) => {
                    *index = index.saturating_add(1);
                    return Ok(Some(next));
                }
                None => {
                    stack.pop();
                }
            },
        }
    }
}

fn segments(data: &[u8], stack: &[Frame]) -> Vec<Segment> {
    stack
        .iter()
        .map(|frame| match *frame {
            Frame::Object(s, e) => Segment::Key(decoded(&data[s..e]).into_owned()),
            Frame::Array(index) => Segment::Index(index),
        })
        .collect()
}

/// `cluster.inventory.nodes[0].name`: keys joined by dots, indices in brackets.
pub(super) fn format(segments: &[Segment], suffix: &str) -> String {
    let mut out = String::with_capacity(64);
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    if !suffix.is_empty() {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(suffix);
    }
    out
}

/// The last two keys of a path, for messages ("gpu allocatable"); `quantity` wrappers are
/// not names.
pub(super) fn field_name(segments: &[Segment], suffix: &str) -> String {
    let keys = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
        .chain(suffix.split('.').filter(|k| !k.is_empty()))
        .filter(|key| *key != "quantity");
    let keys: Vec<&str> = keys.collect();
    keys[keys.len().saturating_sub(2)..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_keys_and_indices_as_written() {
        let data = br#"{"a": [1, {"b\u0063": 7}], "d": {"e": 9}}"#;
        let two = data.iter().position(|&b| b == b'7').unwrap();
        let three = data.iter().position(|&b| b == b'9').unwrap();
        let found = resolve(data, &[two, three]);
        assert_eq!(format(&found[&two], ""), "a[1].bc");
        assert_eq!(format(&found[&three], "x.y"), "d.e.x.y");
        assert_eq!(field_name(&found[&three], "quantity"), "d e");
        assert_eq!(format(&resolve(data, &[0])[&0], "nodes"), "nodes");
    }

    #[test]
    fn deep_nesting_is_walked_without_recursion() {
        let depth = 5000;
        let mut data = "[".repeat(depth).into_bytes();
        data.extend_from_slice(b"7");
        data.extend(std::iter::repeat_n(b']', depth));
        let found = resolve(&data, &[depth]);
        assert_eq!(found[&depth].len(), depth);
    }
}
