//! The edits sanitizing makes: byte-range replacements of tokens, one per token.
//!
//! The first rule to edit a token decides its replacement; a later edit that overlaps one
//! already made is refused, whatever order the rules run in. Every untrusted number is noted
//! when read, and those no rule replaced are zeroed at the end: an untrusted number can
//! never survive sanitizing, whichever value a reader of duplicate keys would take.

use super::classify::Spelling;
use super::Place;
use crate::report::Code;
use std::collections::BTreeMap;

/// One byte-range replacement made by sanitizing.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    /// JSON path of the value replaced.
    pub path: String,
    /// The token as written in the document.
    pub original: String,
    pub reason: Code,
}

/// An edit before its path is known.
pub(super) struct PendingEdit {
    pub end: usize,
    pub replacement: String,
    pub place: Place,
    pub reason: Code,
}

#[derive(Default)]
pub(super) struct EditLog {
    /// By start offset.
    edits: BTreeMap<usize, PendingEdit>,
    /// Untrusted tokens as read: (start, end, place, spelling, code).
    untrusted: Vec<(usize, usize, Place, Spelling, Code)>,
}

impl EditLog {
    /// Records the edit unless it overlaps one already made; `true` when recorded.
    pub fn push(&mut self, start: usize, edit: PendingEdit) -> bool {
        if edit.end <= start {
            return false;
        }
        let before = self.edits.range(..=start).next_back();
        if before.is_some_and(|(_, previous)| previous.end > start) {
            return false;
        }
        let after = self.edits.range(start..).next();
        if after.is_some_and(|(&next, _)| next < edit.end) {
            return false;
        }
        self.edits.insert(start, edit);
        true
    }

    pub fn note_untrusted(
        &mut self,
        span: (usize, usize),
        place: Place,
        spelling: Spelling,
        code: Code,
    ) {
        self.untrusted.push((span.0, span.1, place, spelling, code));
    }

    /// Zeroes every untrusted token no rule replaced, then lists the edits in document order.
    pub fn finish(mut self) -> impl Iterator<Item = (usize, PendingEdit)> {
        for (start, end, place, spelling, reason) in std::mem::take(&mut self.untrusted) {
            self.push(
                start,
                PendingEdit {
                    end,
                    replacement: spelling.zero().to_owned(),
                    place,
                    reason,
                },
            );
        }
        self.edits.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(end: usize) -> PendingEdit {
        PendingEdit {
            end,
            replacement: "0".to_owned(),
            place: Place::at(0),
            reason: Code::Negative,
        }
    }

    #[test]
    fn overlapping_edits_are_refused_whatever_the_order() {
        let mut log = EditLog::default();
        assert!(log.push(10, edit(20)));
        assert!(!log.push(10, edit(12)));
        assert!(!log.push(5, edit(11)));
        assert!(!log.push(19, edit(25)));
        assert!(log.push(20, edit(25)));
        assert!(log.push(0, edit(10)));
        assert!(!log.push(30, edit(30)));
        let starts: Vec<usize> = log.finish().map(|(start, _)| start).collect();
        assert_eq!(starts, [0, 10, 20]);
    }

    #[test]
    fn untrusted_tokens_without_an_edit_are_zeroed() {
        let mut log = EditLog::default();
        log.push(0, edit(4));
        log.note_untrusted((0, 4), Place::at(0), Spelling::Integer, Code::Negative);
        log.note_untrusted(
            (8, 12),
            Place::at(8),
            Spelling::Quantity(crate::Scale::Unit),
            Code::AboveCap,
        );
        let edits: Vec<(usize, String)> = log
            .finish()
            .map(|(start, e)| (start, e.replacement))
            .collect();
        assert_eq!(edits, [(0, "0".to_owned()), (8, "\"0\"".to_owned())]);
    }
}
