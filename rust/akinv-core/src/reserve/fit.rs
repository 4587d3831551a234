//! One replica on one node (`tryAdjust`): CPU, then GPU, then memory (and `ram` volumes),
//! ephemeral storage, and persistent volumes against the node's classes and the cluster's
//! pools. Nothing is taken unless everything fits.

use super::gpu::{allocated_key, GpuRequest};
use super::outcome::{Chosen, NoFit, Why};
use super::{Mode, Options, Overcommit};
use crate::inventory::{Free, Inventory};
use crate::order::{Order, Unit, Volume};
use std::borrow::Cow;

pub(super) enum Fit {
    Placed(Option<Box<Chosen>>),
    /// This node cannot take the replica: why; and the GPU key its devices gave the request
    /// before something else failed (the provider keeps it: its in-place narrowing).
    Node(Why, Option<String>),
    /// No node can: the search ends.
    Cluster(Box<NoFit>),
}

/// A unit's requests after the provider's commit factors.
#[derive(Clone)]
pub(super) struct Committed {
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    /// Each volume's bytes, in the unit's order.
    pub volumes: Vec<i64>,
}

/// `ComputeCommittedResources`: requests divided by `1 + pct/100` (integer division, so only
/// whole hundreds count), rounded, never below 1.
fn committed(pct: u32, value: u64) -> i64 {
    let factor = 1.0 + f64::from(pct / 100);
    let value = i64::try_from(value).unwrap_or(i64::MAX);
    if factor <= 1.0 {
        return value;
    }
    // Go's float64 arithmetic, as the provider computes it.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let scaled = (value as f64 * (1.0 / factor)).round() as i64;
    scaled.max(1)
}

impl Committed {
    fn of(unit: &Unit, overcommit: &Overcommit) -> Committed {
        Committed {
            cpu_millis: committed(overcommit.cpu_pct, unit.cpu_millis),
            memory_bytes: committed(overcommit.memory_pct, unit.memory_bytes),
            volumes: unit
                .storage
                .iter()
                .map(|v| committed(overcommit.storage_pct, v.bytes))
                .collect(),
        }
    }
}

/// The free capacity a reservation leaves, to commit to the inventory.
pub struct Left {
    free: Vec<Free>,
    pools: Vec<i64>,
    ips: Option<i64>,
}

impl Left {
    pub fn commit(self, inventory: &mut Inventory) {
        for (node, free) in inventory.nodes.iter_mut().zip(self.free) {
            node.free = free;
        }
        for (pool, free) in inventory.pools.iter_mut().zip(self.pools) {
            pool.free_bytes = free;
        }
        inventory.free_ips = self.ips;
    }
}

pub(super) struct Work<'i> {
    inventory: &'i Inventory,
    free: Vec<Free>,
    pools: Vec<i64>,
    ips: Option<i64>,
    /// Nodes in the order they are tried.
    pub order: Cow<'i, [usize]>,
    /// Each node's devices in the order they are matched.
    devices: Cow<'i, [Vec<usize>]>,
    overcommit: Overcommit,
    mode: Mode,
    committed: Vec<Committed>,
}

impl<'i> Work<'i> {
    pub fn new(inventory: &'i Inventory, options: &Options) -> Work<'i> {
        // The provider's order is kept with the inventory; the document's own is built only
        // to measure what the sorting changes.
        let (order, devices) = if options.sorted {
            (
                Cow::Borrowed(&inventory.node_order[..]),
                Cow::Borrowed(&inventory.device_order[..]),
            )
        } else {
            let devices = inventory
                .nodes
                .iter()
                .map(|n| (0..n.devices.len()).collect())
                .collect();
            (
                Cow::Owned((0..inventory.nodes.len()).collect()),
                Cow::Owned(devices),
            )
        };
        Work {
            inventory,
            free: inventory.nodes.iter().map(|n| n.free).collect(),
            pools: inventory.pools.iter().map(|p| p.free_bytes).collect(),
            ips: inventory.free_ips,
            order,
            devices,
            overcommit: options.overcommit,
            mode: options.mode,
            committed: Vec::new(),
        }
    }

    /// Leased IPs are checked for the whole group before any node (the provider's inventory
    /// service does it before `Adjust`).
    pub fn check_ips(&mut self, order: &Order) -> Result<(), NoFit> {
        self.committed = order
            .units
            .iter()
            .map(|unit| Committed::of(unit, &self.overcommit))
            .collect();
        let needed: u64 = order.units.iter().map(|u| u64::from(u.ips)).sum();
        if needed == 0 {
            return Ok(());
        }
        match self.ips {
            // Only a v1 document says how many leased IPs there are.
            None if self.inventory.schema != crate::report::Schema::V1 => Ok(()),
            Some(free) if i64::try_from(needed).is_ok_and(|n| n <= free) => {
                self.ips = Some(free.saturating_sub(i64::try_from(needed).unwrap_or(i64::MAX)));
                Ok(())
            }
            free => Err(NoFit::ips(needed, free)),
        }
    }

    /// The order's units as reserved: committed amounts (GPU keys are set by the placements).
    pub fn committed_units(&self, order: &Order) -> Vec<Unit> {
        order
            .units
            .iter()
            .zip(&self.committed)
            .map(|(unit, c)| Unit {
                cpu_millis: u64::try_from(c.cpu_millis).unwrap_or(0),
                memory_bytes: u64::try_from(c.memory_bytes).unwrap_or(0),
                storage: unit
                    .storage
                    .iter()
                    .zip(&c.volumes)
                    .map(|(v, bytes)| Volume {
                        bytes: u64::try_from(*bytes).unwrap_or(0),
                        ..v.clone()
                    })
                    .collect(),
                ..unit.clone()
            })
            .collect()
    }

    /// What is left free once the reservation is made: nodes, pools, leased IPs.
    pub fn left(self) -> Left {
        Left {
            free: self.free,
            pools: self.pools,
            ips: self.ips,
        }
    }

    /// One replica of unit `u` on `node`; `keys` are its GPU keys, which a match concretizes.
    pub fn try_adjust(
        &mut self,
        node: usize,
        u: usize,
        order: &Order,
        request: Result<&GpuRequest, &String>,
    ) -> Fit {
        let unit = &order.units[u];
        let want = &self.committed[u];
        let mut free = self.free[node];
        if !take(&mut free.cpu_millis, want.cpu_millis) {
            let why = short("cpu", want.cpu_millis, self.free[node].cpu_millis, "m");
            return Fit::Node(why, None);
        }
        let chosen = match self.gpu(node, unit, request, &mut free) {
            Ok(chosen) => chosen,
            Err(reason) => return Fit::Node(reason, None),
        };
        let narrowed = || chosen.as_ref().map(|c| c.key.clone());
        if !take(&mut free.memory_bytes, want.memory_bytes) {
            let why = short("memory", want.memory_bytes, free.memory_bytes, " bytes");
            return Fit::Node(why, narrowed());
        }
        let mut pools = self.pools.clone();
        for (index, bytes) in want.volumes.iter().enumerate() {
            match self.volume(node, order, u, index, *bytes, &mut free, &mut pools) {
                Ok(()) => {}
                Err(Fit::Node(why, _)) => return Fit::Node(why, narrowed()),
                Err(fit) => return fit,
            }
        }
        self.free[node] = free;
        self.pools = pools;
        Fit::Placed(chosen)
    }

    fn gpu(
        &self,
        node: usize,
        unit: &Unit,
        request: Result<&GpuRequest, &String>,
        free: &mut Free,
    ) -> Result<Option<Box<Chosen>>, Why> {
        let wanted = i64::try_from(unit.gpu_units).unwrap_or(i64::MAX);
        if wanted == 0 {
            return Ok(None);
        }
        if free.gpus == 0 {
            return Err(Why::NoGpuFree);
        }
        if !self.inventory.has_devices {
            // Counts only: the document does not say which devices there are.
            return match take(&mut free.gpus, wanted) {
                true => Ok(None),
                false => Err(short("gpu", wanted, free.gpus, "")),
            };
        }
        let request = request.map_err(|_| Why::GpuRequest)?;
        let inventory_node = &self.inventory.nodes[node];
        let mut missing = wanted;
        for &d in &self.devices[node] {
            let device = &inventory_node.devices[d];
            let Some(asked) = request.matches(device) else {
                continue;
            };
            missing = missing.saturating_sub(1);
            if missing > 0 {
                continue;
            }
            // The device that completes the count decides the model.
            if !take(&mut free.gpus, wanted) {
                return Err(short("gpu", wanted, free.gpus, ""));
            }
            let key = allocated_key(device, asked);
            return Ok(Some(Box::new(Chosen::new(
                device,
                key,
                inventory_node,
                self.mode,
            ))));
        }
        Err(Why::Matching(wanted.saturating_sub(missing), wanted))
    }

    #[allow(clippy::too_many_arguments)]
    fn volume(
        &self,
        node: usize,
        order: &Order,
        u: usize,
        index: usize,
        bytes: i64,
        free: &mut Free,
        pools: &mut [i64],
    ) -> Result<(), Fit> {
        let volume = &order.units[u].storage[index];
        let class = volume.class.as_deref();
        if !volume.persistent {
            let (slot, what) = match class {
                Some("ram") => (&mut free.memory_bytes, "memory (ram volume)"),
                _ => (&mut free.ephemeral_bytes, "ephemeral storage"),
            };
            let had = *slot;
            return match take(slot, bytes) {
                true => Ok(()),
                false => Err(Fit::Node(short(what, bytes, had, " bytes"), None)),
            };
        }
        let Some(class) = class.filter(|c| *c != "ram") else {
            return Err(Fit::Cluster(Box::new(NoFit::bad_volume(order, u, volume))));
        };
        let supported = self.inventory.nodes[node]
            .storage_classes
            .as_ref()
            .is_none_or(|classes| classes.iter().any(|c| c == class));
        if !supported {
            return Err(Fit::Node(Why::ClassUnsupported(index), None));
        }
        let Some(pool) = self.inventory.pools.iter().position(|p| p.class == class) else {
            return Err(Fit::Cluster(Box::new(NoFit::class_missing(
                order, u, class,
            ))));
        };
        if !take(&mut pools[pool], bytes) {
            return Err(Fit::Cluster(Box::new(NoFit::class_full(
                order,
                u,
                class,
                bytes,
                pools[pool],
            ))));
        }
        Ok(())
    }
}

/// Takes `amount` from `slot` when that leaves it at zero or more.
fn take(slot: &mut i64, amount: i64) -> bool {
    match slot.checked_sub(amount) {
        Some(left) if left >= 0 => {
            *slot = left;
            true
        }
        _ => false,
    }
}

fn short(what: &'static str, needed: i64, free: i64, unit: &'static str) -> Why {
    // Names outside these tables would not read back from a pickled reservation.
    debug_assert!(super::SHORT_OF.contains(&what) && super::UNITS.contains(&unit));
    Why::Short(what, needed, free, unit)
}
