//! Reservation, as the provider does it (`inventory.Adjust`): first fit over the nodes in
//! name order, resource units from the last to the first, replica by replica; a unit's
//! first replica decides its GPU model and every later replica is held to it.
//!
//! `Mode::Provider` is faithful, quirks included (each reported when it changed the
//! outcome); `Mode::Exact` drops the quirks, reports the device's own memory size and
//! interface, and lets a policy pick among the GPU models that fit.

// A NoFit (128 bytes) is made at most once per order and provider: not worth a box.
#![allow(clippy::result_large_err)]

mod exact;
mod fit;
pub mod gpu;
mod outcome;

pub use exact::{exact_quote, reserve_exact, ExactOutcome, ModelOption, Wildcard};
pub use fit::Left;
pub use outcome::{Chosen, NoFit, NoFitKind, Placement, Reservation, Why, SHORT_OF, UNITS};

use crate::inventory::Inventory;
use crate::order::Order;
use fit::{Fit, Work};
use gpu::GpuRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Provider,
    Exact,
}

/// The provider's `--overcommit-pct-*` settings: requests are divided by the commit factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overcommit {
    pub cpu_pct: u32,
    pub memory_pct: u32,
    pub storage_pct: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub overcommit: Overcommit,
    /// Visit nodes in name order and each node's devices in (vendor, name, memory size)
    /// order, as the provider's inventory is sorted (off only to measure what it changes).
    pub sorted: bool,
    /// Narrow a wildcard in place when a node fits CPU and GPU but not the rest (the
    /// provider's side effect; off only to measure what it changes).
    pub narrow_in_place: bool,
    /// Find which provider quirks changed the outcome (two more placements of the order),
    /// and note what the document could not tell.
    pub explain: bool,
}

impl Options {
    pub fn new(mode: Mode) -> Options {
        Options {
            mode,
            overcommit: Overcommit::default(),
            sorted: true,
            narrow_in_place: mode == Mode::Provider,
            explain: mode == Mode::Provider,
        }
    }
}

/// A unit being placed.
struct UnitState {
    remaining: u32,
    /// Its GPU keys: concretized by its first replica (and, in provider mode, narrowed in
    /// place by a node that fit its GPU but not the rest).
    keys: Vec<String>,
    placed: Vec<(usize, u32)>,
    chosen: Option<Chosen>,
}

impl UnitState {
    fn new(unit: &crate::order::Unit) -> UnitState {
        UnitState {
            remaining: unit.count,
            keys: unit.gpu_attributes.clone(),
            placed: Vec::new(),
            chosen: None,
        }
    }

    /// Records a replica placed on `node`; `false` when a later replica resolved to another
    /// GPU key or scheduling than the first (the provider then fails the order).
    fn place(&mut self, node: usize, chosen: Option<Box<Chosen>>) -> bool {
        let first = self.placed.is_empty();
        let same = chosen
            .as_ref()
            .is_none_or(|c| self.keys == [c.key.as_str()])
            && chosen.as_deref().map(Chosen::scheduling)
                == self.chosen.as_ref().map(Chosen::scheduling);
        if !first && !same {
            return false;
        }
        if let Some(chosen) = &chosen {
            self.keys = vec![chosen.key.clone()];
        }
        if self.chosen.is_none() {
            self.chosen = chosen.map(|c| *c);
        }
        match self.placed.last_mut() {
            Some((n, replicas)) if *n == node => *replicas = replicas.saturating_add(1),
            _ => self.placed.push((node, 1)),
        }
        self.remaining = self.remaining.saturating_sub(1);
        true
    }

    fn into_placement(self, unit: usize) -> Placement {
        Placement {
            unit,
            nodes: self.placed,
            gpu: self.chosen,
            gpu_attributes: self.keys,
        }
    }
}

/// Where `order` would go on `inventory`, or why it would not fit; nothing changes.
pub fn plan(inventory: &Inventory, order: &Order, options: &Options) -> Result<Reservation, NoFit> {
    plan_left(inventory, order, options).map(|(reservation, _)| reservation)
}

/// Places `order` on `inventory` and, when `commit` is set, takes what it uses from the
/// inventory's free capacity, as the provider does before it bids.
pub fn reserve(
    inventory: &mut Inventory,
    order: &Order,
    options: &Options,
    commit: bool,
) -> Result<Reservation, NoFit> {
    let (reservation, left) = plan_left(inventory, order, options)?;
    if commit {
        left.commit(inventory);
    }
    Ok(reservation)
}

fn plan_left(
    inventory: &Inventory,
    order: &Order,
    options: &Options,
) -> Result<(Reservation, fit::Left), NoFit> {
    let (mut reservation, left) = match adjust(inventory, order, options) {
        Ok((reservation, work)) => (reservation, work.left()),
        Err(mut no_fit) => {
            if options.explain {
                no_fit.quirks = quirks_that_mattered(inventory, order, options, false);
            }
            return Err(no_fit);
        }
    };
    if options.explain {
        reservation.quirks = quirks_that_mattered(inventory, order, options, true);
    }
    if options.explain {
        reservation.notes = notes(inventory);
    }
    Ok((reservation, left))
}

/// What the document could not tell, which the reservation had to assume.
fn notes(inventory: &Inventory) -> Vec<String> {
    let mut notes = Vec::new();
    if !inventory.has_devices {
        notes.push(format!(
            "a {} document lists no GPU devices: GPUs are reserved by count, and their model is unknown",
            inventory.schema.name()
        ));
    }
    if inventory.nodes.iter().any(|n| n.storage_classes.is_none()) {
        notes.push(
            "the document does not say which storage classes a node supports: every node is taken to support the cluster's classes"
                .to_owned(),
        );
    }
    notes
}

/// The provider's quirks that changed this outcome: the same order placed without each one.
fn quirks_that_mattered(
    inventory: &Inventory,
    order: &Order,
    options: &Options,
    fitted: bool,
) -> Vec<String> {
    let baseline = adjust(inventory, order, options)
        .ok()
        .map(|(r, _)| r.summary());
    let mut quirks = Vec::new();
    let plain = Options {
        explain: false,
        ..*options
    };
    let variants = [
        (
            Options { narrow_in_place: false, ..plain },
            "a node that fit the request's CPU and GPU but not its memory or storage narrowed the GPU wildcard to its own model (the provider's in-place narrowing)",
        ),
        (
            Options { sorted: false, ..plain },
            "the provider visits nodes by name and each node's GPUs by (vendor, model, memory size), not in the document's order",
        ),
    ];
    for (variant, quirk) in variants {
        if variant == plain {
            continue;
        }
        let other = adjust(inventory, order, &variant)
            .ok()
            .map(|(r, _)| r.summary());
        if other != baseline {
            let effect = match (&baseline, &other) {
                (None, Some(_)) if !fitted => "; without it the order would fit",
                _ => "; without it the placement or model would differ",
            };
            quirks.push(format!("{quirk}{effect}"));
        }
    }
    quirks
}

fn adjust<'i>(
    inventory: &'i Inventory,
    order: &Order,
    options: &Options,
) -> Result<(Reservation, Work<'i>), NoFit> {
    let requests = order.gpu_requests();
    let mut work = Work::new(inventory, options);
    work.check_ips(order)?;
    let mut units: Vec<UnitState> = order.units.iter().map(UnitState::new).collect();
    // Units not yet placed; the provider works on the last one until it is done.
    let mut open: Vec<usize> = (0..units.len()).collect();
    let mut why: Vec<(usize, outcome::Why)> = Vec::new();
    'restart: while let Some(&u) = open.last() {
        why.clear();
        'nodes: for slot in 0..work.order.len() {
            let node = work.order[slot];
            let first_visit = units[u].placed.is_empty();
            while units[u].remaining > 0 {
                // The order's own keys are parsed once; concretized ones again.
                let reparsed;
                let request = if units[u].keys == order.units[u].gpu_attributes {
                    requests[u].as_ref()
                } else {
                    reparsed = GpuRequest::parse(&units[u].keys);
                    reparsed.as_ref()
                };
                match work.try_adjust(node, u, order, request) {
                    Fit::Placed(chosen) => {
                        if !units[u].place(node, chosen) {
                            return Err(NoFit::mismatch(order, u));
                        }
                    }
                    Fit::Node(reason, narrowed) => {
                        // The provider's side effect: the unit's own keys stay narrowed.
                        if let (true, true, Some(key)) =
                            (first_visit, options.narrow_in_place, narrowed)
                        {
                            units[u].keys = vec![key];
                        }
                        why.push((node, reason));
                        continue 'nodes;
                    }
                    Fit::Cluster(no_fit) => return Err(*no_fit),
                }
            }
            open.pop();
            continue 'restart;
        }
        return Err(NoFit::capacity(order, u, units[u].remaining, why));
    }
    let placements = units
        .into_iter()
        .enumerate()
        .map(|(unit, state)| state.into_placement(unit))
        .collect();
    Ok((
        Reservation::new(placements, work.committed_units(order)),
        work,
    ))
}
