//! Amounts with their units in their types: millicores, bytes and GPUs never mix, and every
//! operation on them saturates or is checked, so no sum or difference can wrap.
//!
//! A trusted number is below the policy's integer limit (at most 2^63), so every amount is an
//! `i64`; conversions from the exact `i128` of a quantity are checked.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::fmt;

/// An amount of one resource, in the unit its type names.
pub trait Amount: Copy + Default + Ord + fmt::Debug {
    /// The unit, for messages ("millicores", "bytes", "GPUs").
    const UNIT: &'static str;
    fn new(value: i64) -> Self;
    fn get(self) -> i64;

    /// The exact value of a quantity, when it fits.
    fn checked_from(value: i128) -> Option<Self> {
        i64::try_from(value).ok().map(Self::new)
    }
    fn saturating_add(self, other: Self) -> Self {
        Self::new(self.get().saturating_add(other.get()))
    }
    fn saturating_sub(self, other: Self) -> Self {
        Self::new(self.get().saturating_sub(other.get()))
    }
    /// `self - other` when it does not go below zero: what is left after taking `other`.
    fn checked_take(self, other: Self) -> Option<Self> {
        self.get()
            .checked_sub(other.get())
            .filter(|left| *left >= 0)
            .map(Self::new)
    }
}

macro_rules! amount {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(
            feature = "serde",
            derive(serde::Serialize, serde::Deserialize),
            serde(transparent)
        )]
        pub struct $name(i64);

        impl Amount for $name {
            const UNIT: &'static str = $unit;
            fn new(value: i64) -> Self {
                $name(value)
            }
            fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.0, $unit)
            }
        }
    };
}

amount!(
    /// Thousandths of a CPU core, as Kubernetes' `MilliValue()` of a cpu quantity.
    MilliCpu,
    "millicores"
);
amount!(
    /// Bytes of memory or storage.
    Bytes,
    "bytes"
);
amount!(
    /// Whole GPUs.
    Gpus,
    "GPUs"
);

/// Which figures of a [`Triple`] were withheld (reported as 0) because the document's number
/// was untrusted, and whether its allocatable was the "unbounded" -1.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags(u8);

impl Flags {
    pub const ALLOCATABLE_WITHHELD: Flags = Flags(1);
    pub const ALLOCATED_WITHHELD: Flags = Flags(2);
    pub const AVAILABLE_WITHHELD: Flags = Flags(4);
    /// An allocatable of -1: no limit. It adds nothing to allocatable or available.
    pub const UNBOUNDED: Flags = Flags(8);
    /// Every flag: flags read back may hold no others.
    pub const ALL: Flags = Flags(15);

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    pub fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }
    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    /// The flags of `bits`, when it holds no unknown bit.
    pub fn from_bits(bits: u8) -> Option<Flags> {
        (bits & !Flags::ALL.0 == 0).then_some(Flags(bits))
    }
    /// The names of the withheld figures, in triple order.
    pub fn withheld(self) -> impl Iterator<Item = &'static str> {
        [
            (Flags::ALLOCATABLE_WITHHELD, "allocatable"),
            (Flags::ALLOCATED_WITHHELD, "allocated"),
            (Flags::AVAILABLE_WITHHELD, "available"),
        ]
        .into_iter()
        .filter(move |(flag, _)| self.contains(*flag))
        .map(|(_, name)| name)
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.withheld().collect();
        if self.contains(Flags::UNBOUNDED) {
            names.push("unbounded");
        }
        write!(f, "Flags({})", names.join("|"))
    }
}

/// Allocatable, allocated and available of one resource, from trusted numbers only.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Triple<A> {
    pub allocatable: A,
    pub allocated: A,
    pub available: A,
    pub flags: Flags,
}

impl<A: Amount> Triple<A> {
    pub fn new(allocatable: A, allocated: A, available: A) -> Self {
        Triple {
            allocatable,
            allocated,
            available,
            flags: Flags::default(),
        }
    }

    /// Adds another node's figures; withheld figures and unbounded limits carry over.
    pub fn add(&mut self, other: &Triple<A>) {
        self.allocatable = self.allocatable.saturating_add(other.allocatable);
        self.allocated = self.allocated.saturating_add(other.allocated);
        self.available = self.available.saturating_add(other.available);
        self.flags.insert(other.flags);
    }

    /// The same figures in another unit: the walker settles plain numbers, the report types them.
    pub fn cast<B: Amount>(&self) -> Triple<B> {
        Triple {
            allocatable: B::new(self.allocatable.get()),
            allocated: B::new(self.allocated.get()),
            available: B::new(self.available.get()),
            flags: self.flags,
        }
    }

    /// Each figure with its name, to bound them one by one.
    pub fn fields_mut(&mut self) -> [(&'static str, &mut A); 3] {
        [
            ("allocatable", &mut self.allocatable),
            ("allocated", &mut self.allocated),
            ("available", &mut self.available),
        ]
    }
}

impl Amount for i64 {
    const UNIT: &'static str = "";
    fn new(value: i64) -> Self {
        value
    }
    fn get(self) -> i64 {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_takes_only_what_is_there() {
        let max = Gpus::new(i64::MAX);
        assert_eq!(max.saturating_add(Gpus::new(1)), max);
        assert_eq!(Gpus::new(8).checked_take(Gpus::new(3)), Some(Gpus::new(5)));
        assert_eq!(Gpus::new(2).checked_take(Gpus::new(3)), None);
        assert_eq!(Gpus::new(i64::MIN).checked_take(Gpus::new(1)), None);
        assert_eq!(MilliCpu::checked_from(1 << 63), None);
        assert_eq!(Bytes::checked_from(-1), Some(Bytes::new(-1)));
    }

    #[test]
    fn flags_name_what_was_withheld() {
        let mut flags = Flags::default();
        flags.insert(Flags::AVAILABLE_WITHHELD);
        flags.insert(Flags::UNBOUNDED);
        assert_eq!(flags.withheld().collect::<Vec<_>>(), ["available"]);
        assert!(flags.contains(Flags::UNBOUNDED));
        assert!(!Flags::default().contains(Flags::default()));
    }
}
