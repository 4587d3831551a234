//! The trust rules for a pair of numbers: from what a document says of one resource, the
//! trusted triple, and the findings and edits that go with it. Pure functions: they see only
//! their readings and tell a [`Sink`] what to report and replace.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::classify::Trust;
use super::Reading;
use crate::report::Code;
use crate::units::{Flags, Triple};

/// What an untrusted token is replaced with.
#[derive(Debug, Clone, Copy)]
pub(super) enum Replacement<'r> {
    /// `0` (or `"0"` for a quantity).
    Zero,
    /// The text of a trusted token of the same pair.
    CopyOf(&'r Reading),
    /// A number akinv computed (an inventory total recomputed from its nodes).
    Value(i64),
}

/// Where the rules' findings and edits go.
pub(super) trait Sink {
    fn finding(
        &mut self,
        code: Code,
        at: &Reading,
        resource: &'static str,
        value: i64,
        message: String,
    );
    fn replace(&mut self, target: &Reading, with: Replacement<'_>, reason: Code);
}

fn withheld(flags: &[Flags]) -> Flags {
    flags.iter().fold(Flags::default(), |all, f| all.union(*f))
}

/// The legacy rule for one resource: allocatable A and available V, published as numbers.
/// An untrusted side publishes 0 available; V above A is a negative allocation.
pub(super) fn legacy_pair(
    resource: &'static str,
    a: &Reading,
    v: &Reading,
    sink: &mut impl Sink,
) -> Triple<i64> {
    if let Some(code) = a.untrusted_code() {
        sink.replace(a, Replacement::Zero, code);
        sink.replace(v, Replacement::Zero, code);
    }
    if let Some(code) = v.untrusted_code() {
        sink.replace(v, Replacement::Zero, code);
    }
    let mut triple = Triple::default();
    if a.trust == Trust::Unbounded {
        triple.flags = Flags::UNBOUNDED;
        return triple;
    }
    if !a.present() {
        // No allocatable (reported as missing): publish what is available, nothing more.
        triple.available = v.trusted().unwrap_or(0);
        triple.flags = withheld(&[Flags::ALLOCATABLE_WITHHELD, Flags::ALLOCATED_WITHHELD]);
        if v.trusted().is_none() {
            triple.flags.insert(Flags::AVAILABLE_WITHHELD);
        }
        return triple;
    }
    let all = withheld(&[
        Flags::ALLOCATABLE_WITHHELD,
        Flags::ALLOCATED_WITHHELD,
        Flags::AVAILABLE_WITHHELD,
    ]);
    let unknown_use = withheld(&[Flags::ALLOCATED_WITHHELD, Flags::AVAILABLE_WITHHELD]);
    match (a.trusted(), v.trusted()) {
        (Some(alloc), Some(avail)) if avail > alloc && v.present() => {
            let message = format!(
                "{resource} available {avail} is above allocatable {alloc}: allocated would be negative"
            );
            sink.finding(Code::Negative, v, resource, avail, message);
            sink.replace(v, Replacement::Zero, Code::Negative);
            Triple {
                allocatable: alloc,
                allocated: alloc,
                available: 0,
                flags: unknown_use,
            }
        }
        (Some(alloc), Some(avail)) => Triple::new(alloc, alloc.saturating_sub(avail), avail),
        (Some(alloc), None) => Triple {
            allocatable: alloc,
            allocated: alloc,
            available: 0,
            flags: unknown_use,
        },
        (None, _) => Triple {
            flags: all,
            ..Triple::default()
        },
    }
}

/// A v1 `ResourcePair` as read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pair {
    pub allocatable: Reading,
    pub allocated: Reading,
    pub capacity: Reading,
}

impl Pair {
    pub const EMPTY: Pair = Pair {
        allocatable: Reading::ABSENT,
        allocated: Reading::ABSENT,
        capacity: Reading::ABSENT,
    };
}

/// The v1 pair rule (allocatable A, allocated L; an omitted quantity is 0).
///
/// Sanitizing: an untrusted side is replaced by the trusted one's text (so allocatable minus
/// allocated is 0); both untrusted become "0"; over-allocation sets allocated to allocatable;
/// an untrusted capacity becomes the (sanitized) allocatable.
pub(super) fn v1_pair(resource: &'static str, pair: &Pair, sink: &mut impl Sink) -> Triple<i64> {
    let (a, l) = (&pair.allocatable, &pair.allocated);
    fn copy_of(reading: &Reading) -> Replacement<'_> {
        if reading.present() {
            Replacement::CopyOf(reading)
        } else {
            Replacement::Zero
        }
    }
    let reason = |reading: &Reading| reading.untrusted_code().unwrap_or(Code::WrongType);
    let triple = match (a.trust, a.trusted(), l.trusted()) {
        (Trust::Unbounded, _, _) => unbounded_pair(l, sink),
        (_, Some(alloc), Some(used)) if used > alloc => {
            let message = format!("{resource} allocated {used} exceeds allocatable {alloc}");
            sink.finding(Code::OverAllocated, l, resource, used, message);
            sink.replace(l, copy_of(a), Code::OverAllocated);
            Triple::new(alloc, used, 0)
        }
        (_, Some(alloc), Some(used)) => Triple::new(alloc, used, alloc.saturating_sub(used)),
        (_, Some(alloc), None) => {
            sink.replace(l, copy_of(a), reason(l));
            Triple {
                allocatable: alloc,
                allocated: 0,
                available: 0,
                flags: withheld(&[Flags::ALLOCATED_WITHHELD, Flags::AVAILABLE_WITHHELD]),
            }
        }
        (_, None, Some(used)) => {
            sink.replace(a, copy_of(l), reason(a));
            Triple {
                allocatable: 0,
                allocated: used,
                available: 0,
                flags: withheld(&[Flags::ALLOCATABLE_WITHHELD, Flags::AVAILABLE_WITHHELD]),
            }
        }
        (_, None, None) => {
            sink.replace(a, Replacement::Zero, reason(a));
            sink.replace(l, Replacement::Zero, reason(l));
            Triple {
                flags: withheld(&[
                    Flags::ALLOCATABLE_WITHHELD,
                    Flags::ALLOCATED_WITHHELD,
                    Flags::AVAILABLE_WITHHELD,
                ]),
                ..Triple::default()
            }
        }
    };
    fix_capacity(pair, sink);
    triple
}

/// An unbounded allocatable (a claim of unlimited capacity): nothing is available to count;
/// an untrusted allocated becomes 0.
fn unbounded_pair(allocated: &Reading, sink: &mut impl Sink) -> Triple<i64> {
    if let Some(code) = allocated.untrusted_code() {
        sink.replace(allocated, Replacement::Zero, code);
    }
    let mut flags = Flags::UNBOUNDED;
    if allocated.trusted().is_none() {
        flags.insert(Flags::ALLOCATED_WITHHELD);
    }
    Triple {
        allocated: allocated.trusted().unwrap_or(0),
        flags,
        ..Triple::default()
    }
}

/// An untrusted capacity becomes the trusted allocatable (or allocated), else 0.
fn fix_capacity(pair: &Pair, sink: &mut impl Sink) {
    let (a, l) = (&pair.allocatable, &pair.allocated);
    if let Some(code) = pair.capacity.untrusted_code() {
        let with = match (a.trusted(), l.trusted()) {
            (Some(_), _) if a.present() => Replacement::CopyOf(a),
            (_, Some(_)) if l.present() => Replacement::CopyOf(l),
            _ => Replacement::Zero,
        };
        sink.replace(&pair.capacity, with, code);
    }
}

#[cfg(test)]
mod tests {
    use super::super::classify::Spelling;
    use super::*;
    use crate::quantity::Scale;

    #[derive(Default)]
    struct Log {
        findings: Vec<(Code, usize)>,
        edits: Vec<(usize, String)>,
    }

    impl Sink for Log {
        fn finding(&mut self, code: Code, at: &Reading, _: &'static str, _: i64, _: String) {
            self.findings.push((code, at.start));
        }
        fn replace(&mut self, target: &Reading, with: Replacement<'_>, _: Code) {
            if !target.present() {
                return;
            }
            let text = match with {
                Replacement::Zero => "0".to_owned(),
                Replacement::CopyOf(source) => format!("copy {}", source.start),
                Replacement::Value(value) => value.to_string(),
            };
            self.edits.push((target.start, text));
        }
    }

    fn reading(start: usize, trust: Trust, value: i64) -> Reading {
        Reading {
            value,
            trust,
            start,
            end: start.saturating_add(1),
            at: start,
            spelling: Spelling::Quantity(Scale::Unit),
        }
    }

    fn trusted(start: usize, value: i64) -> Reading {
        reading(start, Trust::Trusted, value)
    }

    fn wrapped(start: usize) -> Reading {
        reading(start, Trust::Untrusted(Code::WrappedNegative), 0)
    }

    #[test]
    fn legacy_publishes_nothing_available_from_an_untrusted_side() {
        let mut log = Log::default();
        let t = legacy_pair("gpu", &trusted(1, 8), &wrapped(2), &mut log);
        assert_eq!((t.allocatable, t.allocated, t.available), (8, 8, 0));
        assert_eq!(
            t.flags.withheld().collect::<Vec<_>>(),
            ["allocated", "available"]
        );
        assert_eq!(log.edits, [(2, "0".to_owned())]);

        let mut log = Log::default();
        let t = legacy_pair("gpu", &wrapped(1), &trusted(2, 3), &mut log);
        assert_eq!((t.allocatable, t.allocated, t.available), (0, 0, 0));
        assert_eq!(log.edits, [(1, "0".to_owned()), (2, "0".to_owned())]);
    }

    #[test]
    fn legacy_available_above_allocatable_is_a_negative_allocation() {
        let mut log = Log::default();
        let t = legacy_pair("cpu", &trusted(1, 4), &trusted(2, 5), &mut log);
        assert_eq!((t.allocatable, t.allocated, t.available), (4, 4, 0));
        assert_eq!(log.findings, [(Code::Negative, 2)]);
        assert_eq!(log.edits, [(2, "0".to_owned())]);
        let t = legacy_pair("cpu", &trusted(1, 5), &trusted(2, 4), &mut Log::default());
        assert_eq!((t.allocatable, t.allocated, t.available), (5, 1, 4));
    }

    #[test]
    fn v1_copies_the_trusted_side_over_the_untrusted_one() {
        let mut log = Log::default();
        let pair = Pair {
            allocatable: trusted(1, 8),
            allocated: wrapped(2),
            capacity: wrapped(3),
        };
        let t = v1_pair("gpu", &pair, &mut log);
        assert_eq!((t.allocatable, t.allocated, t.available), (8, 0, 0));
        assert_eq!(
            log.edits,
            [(2, "copy 1".to_owned()), (3, "copy 1".to_owned())]
        );
    }

    #[test]
    fn v1_over_allocation_sets_allocated_to_allocatable() {
        let mut log = Log::default();
        let pair = Pair {
            allocatable: trusted(1, 0),
            allocated: trusted(2, 5),
            capacity: Reading::ABSENT,
        };
        let t = v1_pair("gpu", &pair, &mut log);
        assert_eq!((t.allocatable, t.allocated, t.available), (0, 5, 0));
        assert_eq!(log.findings, [(Code::OverAllocated, 2)]);
        assert_eq!(log.edits, [(2, "copy 1".to_owned())]);
    }

    #[test]
    fn v1_unbounded_adds_nothing() {
        let pair = Pair {
            allocatable: reading(1, Trust::Unbounded, -1),
            allocated: trusted(2, 5),
            capacity: Reading::ABSENT,
        };
        let t = v1_pair("cpu", &pair, &mut Log::default());
        assert_eq!((t.allocatable, t.allocated, t.available), (0, 5, 0));
        assert!(t.flags.contains(Flags::UNBOUNDED));
    }
}
