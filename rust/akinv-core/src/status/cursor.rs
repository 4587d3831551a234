//! Moving through the document: objects and their keys, arrays, strings read in place,
//! skipping what akinv does not read, and values of the wrong JSON type.
//!
//! No path is kept while walking: a finding or an edit records the byte offset of its token,
//! and `paths` turns offsets into JSON paths once, at the end, for the few that need one.

use super::{Place, Walker};
use crate::error::MAX_DEPTH;
use crate::report::{Code, FindingValue};
use jiter::{JiterError, JiterErrorType, JsonErrorType, Peek};
use std::borrow::Cow;

pub(super) type Result<T> = std::result::Result<T, JiterError>;

/// A value of the wrong type is quoted in its finding up to this many bytes.
const QUOTED_BYTES: usize = 200;

/// The text of a JSON string's content (quotes excluded) with its escapes decoded; bytes that
/// are not UTF-8 become U+FFFD, as Go's decoder makes them.
pub(super) fn decoded(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw);
    }
    let lossy = String::from_utf8_lossy(raw);
    let quoted = format!("\"{lossy}\"");
    match jiter::Jiter::new(quoted.as_bytes()).next_str() {
        Ok(text) => Cow::Owned(text.to_owned()),
        // An escape that does not decode (a lone surrogate): the text as written.
        Err(_) => Cow::Owned(lossy.into_owned()),
    }
}

pub(super) fn too_deep(index: usize) -> JiterError {
    JiterError {
        error_type: JiterErrorType::JsonError(JsonErrorType::RecursionLimitExceeded),
        index,
    }
}

pub(super) fn json_kind(peek: Peek) -> &'static str {
    match peek {
        Peek::Null => "null",
        Peek::True | Peek::False => "a boolean",
        Peek::String => "a string",
        Peek::Array => "an array",
        Peek::Object => "an object",
        _ => "a number",
    }
}

impl<'a> Walker<'a, '_> {
    /// The offset of the next value (after `peek`).
    pub(super) fn index(&self) -> usize {
        self.jiter.current_index()
    }

    /// Iterates an object's keys if the next value is an object; `false` when it is not (then
    /// nothing is consumed). Keys with escapes are matched decoded: Go and every JSON reader
    /// take `"\u0067pu"` as `"gpu"`, so a wrapped count must not hide behind an escape.
    pub(super) fn object(
        &mut self,
        mut each: impl FnMut(&mut Self, &[u8]) -> Result<()>,
    ) -> Result<bool> {
        if self.jiter.peek()? != Peek::Object {
            return Ok(false);
        }
        let data = self.data;
        let mut key = self.jiter.next_object_bytes()?.map(|k| span_of(data, k));
        while let Some((start, end)) = key {
            let raw = &data[start..end];
            each(self, raw)?;
            // A key no arm claimed may still be a known one written with escapes: only then is
            // it searched for a backslash (searching every key cost 1% of validate).
            if std::mem::take(&mut self.unclaimed) {
                if raw.contains(&b'\\') {
                    each(self, decoded(raw).as_bytes())?;
                }
                if std::mem::take(&mut self.unclaimed) || !raw.contains(&b'\\') {
                    self.skip()?;
                }
            }
            key = self.jiter.next_key_bytes()?.map(|k| span_of(data, k));
        }
        Ok(true)
    }

    /// Like [`Walker::object`], reporting `wrong-type` and skipping anything but an object or null.
    pub(super) fn expect_object(
        &mut self,
        each: impl FnMut(&mut Self, &[u8]) -> Result<()>,
    ) -> Result<bool> {
        if self.object(each)? {
            return Ok(true);
        }
        if !self.null()? {
            self.wrong_type("an object", None)?;
        }
        Ok(false)
    }

    /// Calls `each` with the index of every element of an array; null is an empty array.
    pub(super) fn expect_array(
        &mut self,
        mut each: impl FnMut(&mut Self, usize) -> Result<()>,
    ) -> Result<bool> {
        if self.null()? {
            return Ok(true);
        }
        if self.jiter.peek()? != Peek::Array {
            self.wrong_type("an array", None)?;
            return Ok(false);
        }
        let mut item = self.jiter.known_array()?;
        let mut index = 0usize;
        while item.is_some() {
            each(self, index)?;
            index = index.saturating_add(1);
            item = self.jiter.array_step()?;
        }
        Ok(true)
    }

    /// What a closure given to [`Walker::object`] says of a key it does not read: the value is
    /// left for `object`, which tries the key again decoded if it has escapes, else skips it.
    pub(super) fn unknown(&mut self) -> Result<()> {
        self.unclaimed = true;
        Ok(())
    }

    /// Consumes a `null`, which Go's encoder writes for nil slices, maps and pointers.
    pub(super) fn null(&mut self) -> Result<bool> {
        if self.jiter.peek()? == Peek::Null {
            self.jiter.known_null()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// A string's text (escapes decoded, invalid UTF-8 replaced) when the next value is one.
    pub(super) fn string(&mut self) -> Result<Option<String>> {
        if self.jiter.peek()? != Peek::String {
            return Ok(None);
        }
        Ok(Some(decoded(self.jiter.known_bytes()?).into_owned()))
    }

    /// The byte span of a string's content, quotes excluded, read in place.
    pub(super) fn string_span(&mut self) -> Result<(usize, usize)> {
        let start = self.jiter.current_index().saturating_add(1);
        self.jiter.known_bytes()?;
        let end = self.jiter.current_index().saturating_sub(1).max(start);
        Ok((start, end))
    }

    /// Skips the next value. Nesting deeper than jiter's skip allows (200 levels) makes the
    /// whole read start again in deep mode, which skips without recursion up to `MAX_DEPTH`.
    pub(super) fn skip(&mut self) -> Result<()> {
        if self.deep {
            let peek = self.jiter.peek()?;
            return self.skip_deep(peek);
        }
        self.jiter.next_skip()
    }

    fn known_skip(&mut self, peek: Peek) -> Result<()> {
        if self.deep {
            return self.skip_deep(peek);
        }
        self.jiter.known_skip(peek)
    }

    fn skip_deep(&mut self, first: Peek) -> Result<()> {
        // Each open container: is it an object (its members have keys)?
        let mut open: Vec<bool> = Vec::new();
        let mut peek = first;
        loop {
            if matches!(peek, Peek::Array | Peek::Object) && open.len() >= MAX_DEPTH {
                return Err(too_deep(self.jiter.current_index()));
            }
            // The first member of a container just opened, or None when the value is complete.
            let mut member = match peek {
                Peek::Array => {
                    let first = self.jiter.known_array()?;
                    if first.is_some() {
                        open.push(false);
                    }
                    first
                }
                Peek::Object => match self.jiter.next_object_bytes()? {
                    Some(_) => {
                        open.push(true);
                        Some(self.jiter.peek()?)
                    }
                    None => None,
                },
                scalar => {
                    self.jiter.known_skip(scalar)?;
                    None
                }
            };
            // A complete value: step its parents until one has another member.
            while member.is_none() {
                let Some(&is_object) = open.last() else {
                    return Ok(());
                };
                member = if is_object {
                    match self.jiter.next_key_bytes()? {
                        Some(_) => Some(self.jiter.peek()?),
                        None => None,
                    }
                } else {
                    self.jiter.array_step()?
                };
                if member.is_none() {
                    open.pop();
                }
            }
            peek = member.unwrap_or(Peek::Null);
        }
    }

    /// Reports the next value as being of the wrong type and skips it; its byte span.
    pub(super) fn wrong_type(
        &mut self,
        expected: &str,
        resource: Option<&'static str>,
    ) -> Result<(usize, usize)> {
        self.jiter.peek()?;
        let at = self.index();
        self.wrong_type_at(expected, resource, at)
    }

    /// Like [`Walker::wrong_type`], with the finding's path at `at` (an enclosing key).
    pub(super) fn wrong_type_at(
        &mut self,
        expected: &str,
        resource: Option<&'static str>,
        at: usize,
    ) -> Result<(usize, usize)> {
        let peek = self.jiter.peek()?;
        let start = self.jiter.current_index();
        self.known_skip(peek)?;
        let end = self.jiter.current_index();
        let found = json_kind(peek);
        let value = self.quoted(start, end);
        self.finding(
            Code::WrongType,
            Place::at(at),
            resource,
            value,
            format!("{} must be {expected}, found {found}", super::FIELD),
        );
        Ok((start, end))
    }

    /// A value's text for a finding, cut when long (it stays whole in the document).
    pub(super) fn quoted(&self, start: usize, end: usize) -> FindingValue {
        let raw = &self.data[start..end];
        if raw.len() > QUOTED_BYTES {
            let cut = String::from_utf8_lossy(&raw[..QUOTED_BYTES]);
            return FindingValue::Text(format!("{cut}..."));
        }
        FindingValue::Text(String::from_utf8_lossy(raw).into_owned())
    }
}

/// Where `slice`, which the parser cut from `data`, lies in it: keys are then read from `data`
/// itself, with no copy and no borrow of the parser.
pub(super) fn span_of(data: &[u8], slice: &[u8]) -> (usize, usize) {
    let start = (slice.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    match start.checked_add(slice.len()) {
        Some(end) if end <= data.len() => (start, end),
        // Not part of the input (never seen): an empty key matches nothing akinv reads.
        _ => (0, 0),
    }
}
