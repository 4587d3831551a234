//! Serde for what a derive cannot say alone (the `serde` feature): a `&'static str` name read
//! back as the core's own or refused (none is leaked), flags with known bits only, a report
//! whose device runs name its own device kinds, and an inventory stored as its report and what
//! reservations left of it. Data read back either holds together or is refused: nothing read
//! can make a later index panic.

use crate::inventory::{Free, Inventory, InventoryNode};
use crate::report::{Report, RESOURCES};
use crate::reserve::{ModelOption, NoFit, Reservation, SHORT_OF, UNITS};
use crate::units::Flags;
use serde::de::{self, Deserializer, Error as _, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A set of names a `&'static str` field holds, and what to call one in an error.
trait Names {
    const ALL: &'static [&'static str];
    const WHAT: &'static str;
}

/// One of `N`'s names, read back as the core's own `&'static str`.
struct Name<N>(&'static str, PhantomData<N>);

impl<'de, N: Names> Visitor<'de> for Name<N> {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(N::WHAT)
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<&'static str, E> {
        N::ALL
            .iter()
            .find(|known| **known == name)
            .copied()
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(name), &self))
    }
}

impl<'de, N: Names> Deserialize<'de> for Name<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(Name::<N>("", PhantomData))
            .map(|name| Name(name, PhantomData))
    }
}

macro_rules! names {
    ($(#[$doc:meta])* $module:ident, $table:ident, $all:expr, $what:literal) => {
        struct $table;

        impl Names for $table {
            const ALL: &'static [&'static str] = &$all;
            const WHAT: &'static str = $what;
        }

        $(#[$doc])*
        pub(crate) mod $module {
            use super::*;

            pub fn serialize<S: Serializer>(name: &&'static str, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(name)
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
                Name::<$table>::deserialize(d).map(|name| name.0)
            }
        }
    };
}

names!(
    /// What a node was short of.
    short_of,
    ShortOf,
    SHORT_OF,
    "a shortage akinv names"
);
names!(
    /// The unit a shortage is told in.
    unit,
    Units,
    UNITS,
    "a unit akinv names"
);

struct Resources;

impl Names for Resources {
    const ALL: &'static [&'static str] = &RESOURCES;
    const WHAT: &'static str = "a resource akinv names";
}

/// A finding's resource.
pub(crate) mod resource {
    use super::*;

    pub fn serialize<S: Serializer>(name: &Option<&'static str>, s: S) -> Result<S::Ok, S::Error> {
        name.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        Ok(Option::<Name<Resources>>::deserialize(d)?.map(|name| name.0))
    }
}

struct Parts;

impl Names for Parts {
    const ALL: &'static [&'static str] = &crate::price::PARTS;
    const WHAT: &'static str = "a part of a quote akinv names";
}

/// A quote's breakdown, by part.
pub(crate) mod parts {
    use super::*;

    pub fn serialize<S: Serializer>(
        parts: &[(&'static str, String)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        parts.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(&'static str, String)>, D::Error> {
        let parts = Vec::<(Name<Parts>, String)>::deserialize(d)?;
        Ok(parts.into_iter().map(|(name, v)| (name.0, v)).collect())
    }
}

impl Serialize for Flags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.bits())
    }
}

impl<'de> Deserialize<'de> for Flags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flags, D::Error> {
        let bits = u8::deserialize(d)?;
        Flags::from_bits(bits).ok_or_else(|| D::Error::custom(format!("unknown flags {bits:#x}")))
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Report::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Report, D::Error> {
        let report = Report::deserialize(d)?;
        let kinds = report.gpu_devices.len();
        let runs = report.nodes.iter().flat_map(|node| &node.devices);
        if runs.into_iter().any(|run| run.kind >= kinds) {
            return Err(D::Error::custom(
                "a node's devices name a device kind its report does not list",
            ));
        }
        Ok(report)
    }
}

/// Each node's free capacity, written without collecting it.
struct FreeOf<'a>(&'a [InventoryNode]);

impl Serialize for FreeOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|node| node.free))
    }
}

/// An inventory as stored: its report, and what reservations have left of it (the rest is
/// built from the report, as when it was read).
#[derive(Serialize)]
struct StoredRef<'a> {
    report: &'a Report,
    free: FreeOf<'a>,
    pools: Vec<i64>,
    free_ips: Option<i64>,
}

#[derive(Deserialize)]
struct Stored {
    report: Report,
    free: Vec<Free>,
    pools: Vec<i64>,
    free_ips: Option<i64>,
}

impl Serialize for Inventory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredRef {
            report: &self.report,
            free: FreeOf(&self.nodes),
            pools: self.pools.iter().map(|pool| pool.free_bytes).collect(),
            free_ips: self.free_ips,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Inventory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Inventory, D::Error> {
        let stored = Stored::deserialize(d)?;
        let mut inventory = Inventory::from_report(Arc::new(stored.report));
        if stored.free.len() != inventory.nodes.len()
            || stored.pools.len() != inventory.pools.len()
            || stored.free_ips.is_some() != inventory.free_ips.is_some()
        {
            return Err(D::Error::custom(
                "an inventory's free capacity does not match its report",
            ));
        }
        for (node, free) in inventory.nodes.iter_mut().zip(stored.free) {
            node.free = free;
        }
        for (pool, free) in inventory.pools.iter_mut().zip(stored.pools) {
            pool.free_bytes = free;
        }
        inventory.free_ips = stored.free_ips;
        Ok(inventory)
    }
}

impl NoFit {
    /// It names only units below `units` and nodes below `nodes` (of its order and inventory).
    pub fn refers_within(&self, units: usize, nodes: usize) -> bool {
        self.unit.is_none_or(|u| u < units) && self.nodes.iter().all(|(n, _)| *n < nodes)
    }
}

impl Reservation {
    /// It names only units below `units` and nodes below `nodes` (of its order and inventory).
    pub fn refers_within(&self, units: usize, nodes: usize) -> bool {
        self.placements.iter().all(|placement| {
            placement.unit < units && placement.nodes.iter().all(|(n, _)| *n < nodes)
        })
    }
}

impl ModelOption {
    /// It names a unit below `units`.
    pub fn refers_within(&self, units: usize) -> bool {
        self.unit < units
    }
}
