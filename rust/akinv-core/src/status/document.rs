//! The top of a status document: which shape it is, and the parts every shape shares (the
//! provider's counters and names). Each shape's own grammar is in its module.

use super::classify::{Check, Spelling};
use super::cursor::Result;
use super::{Seen, Walker};
use crate::report::Schema;
use jiter::Peek;

impl Walker<'_, '_> {
    /// Reads the whole document; `false` when its top level is not an object.
    pub(super) fn document(&mut self) -> Result<bool> {
        let mut seen = Seen::default();
        let is_object = self.object(|w, key| {
            let bit = match key {
                b"cluster" => 0,
                b"nodes" => 1,
                b"total_allocatable" => 2,
                b"total_available" => 3,
                b"bidengine" | b"bidEngine" | b"bid_engine" => 4,
                b"manifest" => 5,
                b"reclamation_window" => 6,
                b"public_hostnames" | b"publicHostnames" | b"cluster_public_hostname" => 7,
                b"address" => 8,
                _ => return w.unknown(),
            };
            // `nodes` says more than "given twice": the node list reports it.
            if bit != 1 && !seen.first(bit) {
                w.repeated()?;
            }
            w.top_level_field(key)
        })?;
        if !is_object {
            // Read to its end, so text after it is malformed JSON, not an unknown shape.
            self.skip()?;
        }
        self.jiter.finish()?;
        Ok(is_object)
    }

    /// One field of the top-level object, once its key is known.
    fn top_level_field(&mut self, key: &[u8]) -> Result<()> {
        match key {
            b"cluster" => self.cluster(),
            b"nodes" if self.dialect(Schema::Inventory) => self.inventory_nodes(),
            b"total_allocatable" if self.dialect(Schema::Inventory) => self.reported_total(true),
            b"total_available" if self.dialect(Schema::Inventory) => self.reported_total(false),
            b"bidengine" => {
                self.hint.get_or_insert(Schema::Legacy);
                self.counter_in(b"orders", "orders", |w, v| w.extras.counters.orders = v)
            }
            b"bidEngine" | b"bid_engine" => {
                self.hint.get_or_insert(Schema::V1);
                self.counter_in(b"orders", "orders", |w, v| w.extras.counters.orders = v)
            }
            b"manifest" => self.counter_in(b"deployments", "deployments", |w, v| {
                w.extras.counters.deployments = v;
            }),
            b"reclamation_window" if self.jiter.peek()?.is_num() => {
                let check = Check {
                    resource: "reclamation_window",
                    cap: None,
                    unbounded_ok: false,
                    unit: "ns",
                };
                self.lone(Spelling::Integer, &check).map(drop)
            }
            b"public_hostnames" | b"publicHostnames" => self.hostnames(),
            b"cluster_public_hostname" => {
                self.extras.hostnames = self.string()?.into_iter().collect();
                if self.extras.hostnames.is_empty() {
                    self.skip()?;
                }
                Ok(())
            }
            b"address" => {
                self.extras.address = self.string()?;
                if self.extras.address.is_none() {
                    self.skip()?;
                }
                Ok(())
            }
            _ => self.skip(),
        }
    }

    /// `{<wanted>: n}`: a counter inside an object; `set` gets its value when trusted.
    fn counter_in(
        &mut self,
        wanted: &'static [u8],
        name: &'static str,
        mut set: impl FnMut(&mut Self, Option<i64>),
    ) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            if key != wanted {
                return w.unknown();
            }
            if !seen.first(0) {
                w.repeated()?;
            }
            let value = w.counter(name)?;
            set(w, value);
            Ok(())
        })
        .map(drop)
    }

    fn hostnames(&mut self) -> Result<()> {
        let mut names = Vec::new();
        self.expect_array(|w, _| {
            if let Some(name) = w.string()? {
                names.push(name);
                Ok(())
            } else {
                w.skip()
            }
        })?;
        self.extras.hostnames = names;
        Ok(())
    }

    fn cluster(&mut self) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| match key {
            b"leases" => {
                if !seen.first(0) {
                    w.repeated()?;
                }
                if w.jiter.peek()? == Peek::Object {
                    w.hint.get_or_insert(Schema::V1);
                    w.counter_in(b"active", "active", |w, v| w.extras.counters.leases = v)
                } else {
                    w.hint.get_or_insert(Schema::Legacy);
                    let value = w.counter("leases")?;
                    w.extras.counters.leases = value;
                    Ok(())
                }
            }
            b"inventory" => {
                if !seen.first(1) {
                    w.repeated()?;
                }
                w.inventory()
            }
            _ => w.unknown(),
        })
        .map(drop)
    }

    fn inventory(&mut self) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            let bit = match key {
                b"active" => 0,
                b"pending" => 1,
                b"available" => 2,
                b"error" => 3,
                b"cluster" => 4,
                b"reservations" => 5,
                b"leased_ip" | b"leasedIp" => 6,
                _ => return w.unknown(),
            };
            // Arrays and the node list report their own repeats.
            if !matches!(bit, 0 | 1) && !seen.first(bit) {
                w.repeated()?;
            }
            match key {
                b"active" if w.dialect(Schema::Legacy) => w.legacy_reservations(false),
                b"pending" if w.dialect(Schema::Legacy) => w.legacy_reservations(true),
                b"available" if w.dialect(Schema::Legacy) => w.legacy_available(),
                b"error" if w.dialect(Schema::Legacy) => {
                    w.jiter.peek()?;
                    let start = w.index();
                    w.skip()?;
                    let text = w.quoted(start, w.index());
                    w.extras.inventory_error = Some(match text {
                        crate::report::FindingValue::Text(text) => text,
                        other => other.to_string(),
                    });
                    Ok(())
                }
                b"cluster" if w.dialect(Schema::V1) => w.v1_cluster(),
                b"reservations" if w.dialect(Schema::V1) => w.v1_reservations(),
                b"leased_ip" | b"leasedIp" if w.dialect(Schema::V1) => {
                    w.extras.leased_ips = Some(w.v1_pair_only("leased_ip")?);
                    Ok(())
                }
                _ => w.skip(),
            }
        })
        .map(drop)
    }
}
