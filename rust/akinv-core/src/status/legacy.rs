//! The legacy REST `/status` grammar (provider 0.4 and 0.5): JSON integers from Go `uint64`,
//! nodes `{name, allocatable{...}, available{...}}` (before 0.5 flat, available values only),
//! `available.storage[]` pools, and `active[]`/`pending[]` reservations. Inventory dumps
//! share its node shape.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::classify::{Check, Spelling, Trust};
use super::cursor::Result;
use super::{rules, Place, Reading, Res, Seen, Walker};
use crate::policy::Policy;
use crate::report::{Code, FindingValue, Node, Resources};
use crate::units::{Flags, Triple};

/// `<object>.<resource key>` suffixes, for findings about a field a node lacks.
const MISSING: [[&str; 4]; 3] = [
    [
        "allocatable.cpu",
        "allocatable.memory",
        "allocatable.gpu",
        "allocatable.storage_ephemeral",
    ],
    [
        "available.cpu",
        "available.memory",
        "available.gpu",
        "available.storage_ephemeral",
    ],
    ["cpu", "memory", "gpu", "storage_ephemeral"],
];

/// A legacy node while its object is read: the last value of each key counts.
#[derive(Default)]
struct LegacyNode {
    name: Option<String>,
    name_at: Option<usize>,
    allocatable: Option<[Reading; 4]>,
    available: Option<[Reading; 4]>,
    /// Providers before 0.5 publish a flat node of available values only.
    flat: Option<[Reading; 4]>,
}

pub(super) fn legacy_check(res: Res, policy: &Policy, capped: bool, unbounded_ok: bool) -> Check {
    Check {
        resource: res.name(),
        cap: capped.then(|| res.cap(policy)),
        unbounded_ok,
        unit: res.unit(),
    }
}

impl Walker<'_, '_> {
    /// `{cpu, gpu, memory, storage_ephemeral}` into `slots` (an object given twice merges);
    /// `false` when the value is null (absent).
    fn legacy_resources(
        &mut self,
        slots: &mut Option<[Reading; 4]>,
        capped: bool,
        unbounded_ok: bool,
    ) -> Result<()> {
        if self.null()? {
            return Ok(());
        }
        let readings = slots.get_or_insert([Reading::ABSENT; 4]);
        let mut seen = Seen::default();
        let is_object = self.expect_object(|w, key| match Res::from_legacy_key(key) {
            Some(res) => {
                if !seen.first(res as u32) {
                    w.repeated()?;
                }
                let check = legacy_check(res, w.policy, capped, unbounded_ok);
                readings[res as usize] = w.number(Spelling::Integer, &check)?;
                Ok(())
            }
            None => w.unknown(),
        })?;
        if !is_object {
            // Reported as wrong-type already; its numbers count as untrusted, not missing.
            let wrong = Reading {
                trust: Trust::Untrusted(Code::WrongType),
                ..Reading::ABSENT
            };
            *readings = [wrong; 4];
        }
        Ok(())
    }

    fn missing_fields(&mut self, readings: &[Reading; 4], at: usize, which: usize, object: &str) {
        for res in Res::ALL {
            if !readings[res as usize].present() && res != Res::Gpu {
                let message = format!("{object} has no {}", res.legacy_key());
                self.finding(
                    Code::MissingField,
                    Place::below(at, MISSING[which][res as usize]),
                    Some(res.name()),
                    FindingValue::None,
                    message,
                );
            }
        }
    }

    /// `active[]`/`pending[]`: one entry per reservation.
    pub(super) fn legacy_reservations(&mut self, pending: bool) -> Result<()> {
        let mut count: i128 = 0;
        let mut sums = super::totals::ReservedSums::default();
        self.expect_array(|w, _| {
            count = count.saturating_add(1);
            w.expect_object(|w, key| match Res::from_legacy_key(key) {
                Some(res) => {
                    let check = legacy_check(res, w.policy, false, false);
                    let reading = w.lone(Spelling::Integer, &check)?;
                    sums.add(res as usize, reading.trusted().unwrap_or(0));
                    Ok(())
                }
                None if key == b"storage" => {
                    w.storage_map(Spelling::Integer, |_, class, reading| {
                        sums.add_storage(class, reading.trusted().unwrap_or(0));
                    })
                }
                None => w.unknown(),
            })
            .map(drop)
        })?;
        sums.count = count;
        let reservations = self
            .extras
            .reservations
            .get_or_insert_with(Default::default);
        if pending {
            reservations.pending = sums;
        } else {
            reservations.active = sums;
        }
        Ok(())
    }

    pub(super) fn legacy_available(&mut self) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| match key {
            b"nodes" => {
                w.start_node_list()?;
                w.expect_array(|w, index| w.legacy_node(index)).map(drop)
            }
            b"storage" => {
                if !seen.first(0) {
                    w.repeated()?;
                }
                w.start_pools()?;
                w.expect_array(|w, _| w.legacy_storage()).map(drop)
            }
            _ => w.unknown(),
        })
        .map(drop)
    }

    fn legacy_storage(&mut self) -> Result<()> {
        let mut class = None;
        let mut size = Reading::ABSENT;
        self.expect_object(|w, key| match key {
            b"class" => {
                class = w.string()?;
                if class.is_none() {
                    w.skip()?;
                }
                Ok(())
            }
            b"size" => {
                let check = Check {
                    resource: "storage",
                    cap: Some(w.policy.caps.storage_bytes),
                    unbounded_ok: false,
                    unit: "bytes",
                };
                size = w.lone(Spelling::Integer, &check)?;
                Ok(())
            }
            _ => w.unknown(),
        })?;
        if let (Some(class), Some(bytes)) = (class, size.trusted()) {
            let pool = self.pool(&class);
            pool.available = pool.available.saturating_add(i128::from(bytes));
        }
        Ok(())
    }

    /// A node of the legacy `available.nodes[]` or of an inventory dump.
    pub(super) fn legacy_node(&mut self, index: usize) -> Result<()> {
        let first_finding = self.findings.len();
        self.jiter.peek()?;
        let at = self.index();
        let mut node = LegacyNode::default();
        let mut seen = Seen::default();
        let is_object = self.expect_object(|w, key| {
            let res = Res::from_legacy_key(key);
            let bit = match (key, res) {
                (b"name", _) => 4,
                (b"allocatable", _) => 5,
                (b"available", _) => 6,
                (_, Some(res)) => res as u32,
                _ => return w.unknown(),
            };
            if !seen.first(bit) {
                w.repeated()?;
            }
            match (key, res) {
                (b"name", _) => w.node_name(&mut node.name, &mut node.name_at),
                (b"allocatable", _) => w.legacy_resources(&mut node.allocatable, true, true),
                (b"available", _) => w.legacy_resources(&mut node.available, true, false),
                (_, Some(res)) => {
                    let check = legacy_check(res, w.policy, true, false);
                    let reading = w.number(Spelling::Integer, &check)?;
                    node.flat.get_or_insert([Reading::ABSENT; 4])[res as usize] = reading;
                    Ok(())
                }
                _ => w.skip(),
            }
        })?;
        if is_object {
            self.finish_legacy_node(node, at, index, first_finding);
        }
        Ok(())
    }

    /// A node's name; anything but a string is `wrong-type`.
    pub(super) fn node_name(
        &mut self,
        name: &mut Option<String>,
        name_at: &mut Option<usize>,
    ) -> Result<()> {
        self.jiter.peek()?;
        let at = self.index();
        match self.string()? {
            Some(text) => {
                *name = Some(text);
                *name_at = Some(at);
            }
            None => {
                self.wrong_type_at("a string", None, at)?;
            }
        }
        Ok(())
    }

    fn finish_legacy_node(
        &mut self,
        node: LegacyNode,
        at: usize,
        index: usize,
        first_finding: usize,
    ) {
        let mut triples = [Triple::<i64>::default(); 4];
        match (node.flat, node.allocatable, node.available) {
            // Flat values alone; beside allocatable or available objects they count for
            // nothing, and sanitizing zeroes them if untrusted.
            (Some(flat), None, None) => {
                for res in Res::ALL {
                    let reading = flat[res as usize];
                    let triple = &mut triples[res as usize];
                    triple.available = reading.trusted().unwrap_or(0);
                    triple.flags = Flags::ALLOCATABLE_WITHHELD.union(Flags::ALLOCATED_WITHHELD);
                    if reading.trusted().is_none() {
                        triple.flags.insert(Flags::AVAILABLE_WITHHELD);
                    }
                    self.node_sums().add(res as usize, None, reading.trusted());
                }
                self.missing_fields(&flat, at, 2, "node");
            }
            (_, allocatable, available) => {
                for (which, object, readings) in
                    [(0, "allocatable", allocatable), (1, "available", available)]
                {
                    match readings {
                        Some(readings) => self.missing_fields(&readings, at, which, object),
                        None => self.missing(at, object),
                    }
                }
                let allocatable = allocatable.unwrap_or([Reading::ABSENT; 4]);
                let available = available.unwrap_or([Reading::ABSENT; 4]);
                for res in Res::ALL {
                    let (a, v) = (&allocatable[res as usize], &available[res as usize]);
                    triples[res as usize] = rules::legacy_pair(res.name(), a, v, self);
                    self.node_sums()
                        .add(res as usize, Some(a.trusted()), v.trusted());
                }
            }
        }
        self.close_node_findings(first_finding, node.name.as_deref());
        let name_place = Place::below(
            node.name_at.unwrap_or(at),
            if node.name_at.is_some() { "" } else { "name" },
        );
        let record = Node {
            name: node.name,
            index,
            resources: Resources::from_triples(&triples),
            devices: Vec::new(),
            storage_classes: None,
        };
        self.push_node(record, name_place);
    }

    fn node_sums(&mut self) -> &mut super::totals::ReadingSums {
        &mut self.node_list.get_or_insert_with(Default::default).sums
    }
}
