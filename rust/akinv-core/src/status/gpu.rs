//! GPU devices: each kind a document lists is interned once, by its labels' bytes, and
//! nodes keep runs of kinds in document order; at the end kinds are grouped by their
//! normalized (vendor, model, memory size, interface) and each node's capacity is split over
//! its groups.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::cursor::decoded;
use crate::quantity::{Quantity, Scale};
use crate::report::{DeviceRun, GpuDevice, GpuGroup, GpuKey, Node};
use crate::units::{Amount, Flags, Gpus, Triple};
use std::collections::HashMap;

/// Index of the memory size in [`RawGpu::fields`].
pub(super) const MEMORY_SIZE: usize = 2;

/// A GPU `info` entry: byte ranges of (vendor, name, memory_size, interface) in the input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct RawGpu {
    pub fields: [(usize, usize); 4],
}

impl RawGpu {
    fn field<'d>(&self, data: &'d [u8], i: usize) -> &'d [u8] {
        let (start, end) = self.fields[i];
        data[start..end].trim_ascii()
    }

    fn same(&self, other: &RawGpu, data: &[u8]) -> bool {
        (0..4).all(|i| self.field(data, i) == other.field(data, i))
    }

    /// The labels' bytes, each after its length (labels may hold any byte, so no separator
    /// would keep two fields apart).
    fn hash_key(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..4 {
            let field = self.field(data, i);
            out.extend_from_slice(&field.len().to_le_bytes());
            out.extend_from_slice(field);
        }
        out
    }

    fn device(&self, data: &[u8]) -> GpuDevice {
        let text = |i| decoded(self.field(data, i)).trim().to_owned();
        GpuDevice {
            vendor: text(0),
            model: text(1),
            memory_size: text(MEMORY_SIZE),
            interface: text(3),
        }
    }
}

/// The kinds of device seen in a document, in first-seen order.
#[derive(Default)]
pub(super) struct DeviceKinds {
    kinds: Vec<RawGpu>,
    numbering: FirstSeen<Vec<u8>>,
}

impl DeviceKinds {
    pub fn intern(&mut self, raw: RawGpu, data: &[u8]) -> usize {
        let kinds = &self.kinds;
        let (index, new) = self.numbering.number(
            |i| kinds[i].same(&raw, data),
            |i| kinds[i].hash_key(data),
            || raw.hash_key(data),
        );
        if new {
            self.kinds.push(raw);
        }
        index
    }

    pub fn devices(&self, data: &[u8]) -> Vec<GpuDevice> {
        self.kinds.iter().map(|kind| kind.device(data)).collect()
    }
}

/// Appends one device to a node's runs.
pub(super) fn push_device(runs: &mut Vec<DeviceRun>, kind: usize) {
    match runs.last_mut() {
        Some(run) if run.kind == kind => run.count = run.count.saturating_add(1),
        _ => runs.push(DeviceRun { kind, count: 1 }),
    }
}

/// Lower-cased labels (the catalogue mixes "SXM5", "PCIe", "Nothsure") and a normalized size.
fn key_of(device: &GpuDevice) -> GpuKey {
    GpuKey {
        vendor: device.vendor.to_ascii_lowercase(),
        model: device.model.to_ascii_lowercase(),
        memory_size: normalize_memory_size(&device.memory_size),
        interface: device.interface.to_ascii_lowercase(),
    }
}

/// `80Gi` and `85899345920` are one size; a size that is not a quantity is kept as written,
/// case included (quantities are case-sensitive: `1m` is not `1M`).
pub(crate) fn normalize_memory_size(text: &str) -> String {
    match Quantity::parse(text.as_bytes()).and_then(|q| q.to_int(Scale::Unit)) {
        Ok(bytes) if bytes > 0 && bytes % (1 << 30) == 0 => format!("{}Gi", bytes >> 30),
        Ok(bytes) if bytes > 0 && bytes % (1 << 20) == 0 => format!("{}Mi", bytes >> 20),
        Ok(bytes) => bytes.to_string(),
        Err(_) => text.to_owned(),
    }
}

/// Exact sums of one group before they are bounded.
#[derive(Default)]
pub(super) struct GroupSums {
    pub allocatable: i128,
    pub available: i128,
}

/// First-seen numbering of items: found by scanning while there are few (nearly every
/// document), by hash once there are many, so a document listing thousands of models does
/// not take quadratic time (40,000 took 17 s).
struct FirstSeen<H> {
    count: usize,
    hashed: HashMap<H, usize>,
}

impl<H> Default for FirstSeen<H> {
    fn default() -> Self {
        FirstSeen {
            count: 0,
            hashed: HashMap::new(),
        }
    }
}

impl<H: Eq + std::hash::Hash> FirstSeen<H> {
    const SCANNED: usize = 16;

    /// The number of an item: `is(i)` says whether it equals the i-th seen, `hash(i)` hashes
    /// the i-th seen, `own` hashes the item itself. New items get the next number.
    fn number(
        &mut self,
        is: impl Fn(usize) -> bool,
        hash: impl Fn(usize) -> H,
        own: impl FnOnce() -> H,
    ) -> (usize, bool) {
        if self.count <= Self::SCANNED {
            if let Some(at) = (0..self.count).find(|&i| is(i)) {
                return (at, false);
            }
            if self.count == Self::SCANNED {
                self.hashed = (0..self.count).map(|i| (hash(i), i)).collect();
            }
        }
        if self.count >= Self::SCANNED {
            let key = own();
            if let Some(&at) = self.hashed.get(&key) {
                return (at, false);
            }
            self.hashed.insert(key, self.count);
        }
        self.count = self.count.saturating_add(1);
        (self.count.saturating_sub(1), true)
    }
}

/// On a node, devices are one kind when their labels match without case and their memory
/// size exactly (quantities are case-sensitive). The kind of each device, and how many.
fn exact_kinds(keys: &[GpuKey], devices: &[GpuDevice]) -> (Vec<usize>, usize) {
    let exact = |d: usize| {
        (
            &keys[d].vendor,
            &keys[d].model,
            &keys[d].interface,
            &devices[d].memory_size,
        )
    };
    let owned = |d: usize| {
        let (v, m, i, s) = exact(d);
        (v.clone(), m.clone(), i.clone(), s.clone())
    };
    let mut numbering = FirstSeen::default();
    let mut firsts: Vec<usize> = Vec::new();
    let mut kind_of: Vec<usize> = Vec::with_capacity(devices.len());
    for d in 0..devices.len() {
        let (kind, new) = numbering.number(
            |i| exact(firsts[i]) == exact(d),
            |i| owned(firsts[i]),
            || owned(d),
        );
        if new {
            firsts.push(d);
        }
        kind_of.push(kind);
    }
    (kind_of, firsts.len())
}

/// The groups by key, made as nodes use them, so a kind only a replaced node list named has
/// none; and their exact sums.
#[derive(Default)]
struct Groups {
    groups: Vec<GpuGroup>,
    sums: Vec<GroupSums>,
    by_key: FirstSeen<GpuKey>,
}

impl Groups {
    fn number(&mut self, key: &GpuKey) -> usize {
        let groups = &self.groups;
        let (number, new) = self.by_key.number(
            |i| groups[i].key == *key,
            |i| groups[i].key.clone(),
            || key.clone(),
        );
        if new {
            self.groups.push(GpuGroup {
                key: key.clone(),
                allocatable: Gpus::default(),
                available: Gpus::default(),
                devices: 0,
                withheld: false,
            });
            self.sums.push(GroupSums::default());
        }
        number
    }

    /// Splits a node's capacity over its (group, devices) in order: each takes at most its
    /// device count, the last one what is left.
    fn split(&mut self, gpu: &Triple<Gpus>, on_node: &[(usize, usize, usize)]) {
        let withheld = gpu.flags.contains(Flags::ALLOCATABLE_WITHHELD)
            || gpu.flags.contains(Flags::AVAILABLE_WITHHELD);
        let mut allocatable_left = i128::from(gpu.allocatable.get());
        let mut available_left = i128::from(gpu.available.get());
        let last = on_node.len().saturating_sub(1);
        for (i, &(_, group, count)) in on_node.iter().enumerate() {
            let count = i128::try_from(count).unwrap_or(i128::MAX);
            let (allocatable, available) = if i == last {
                (allocatable_left, available_left)
            } else {
                (count.min(allocatable_left), count.min(available_left))
            };
            allocatable_left = allocatable_left.saturating_sub(allocatable);
            available_left = available_left.saturating_sub(available);
            let sum = &mut self.sums[group];
            sum.allocatable = sum.allocatable.saturating_add(allocatable);
            sum.available = sum.available.saturating_add(available);
            let entry = &mut self.groups[group];
            entry.devices = entry
                .devices
                .saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
            entry.withheld |= withheld;
        }
    }
}

/// Groups every node's GPUs by normalized kind. On a node with several kinds, capacity is
/// split in the order the devices are listed. A node without device info counts under the
/// empty key.
pub(super) fn group(nodes: &[Node], devices: &[GpuDevice]) -> (Vec<GpuGroup>, Vec<GroupSums>) {
    let keys: Vec<GpuKey> = devices.iter().map(key_of).collect();
    let (kind_of, kinds) = exact_kinds(&keys, devices);
    let mut groups = Groups::default();
    // Where each kind is in `on_node`, for the node being grouped (cleared after it).
    let mut slot_of: Vec<Option<usize>> = vec![None; kinds];
    // Per node: (kind, group, devices) in first-seen order.
    let mut on_node: Vec<(usize, usize, usize)> = Vec::new();
    let unknown = GpuKey::default();
    for node in nodes {
        let gpu = &node.resources.gpu;
        for &(kind, _, _) in &on_node {
            if let Some(slot) = slot_of.get_mut(kind) {
                *slot = None;
            }
        }
        on_node.clear();
        for run in &node.devices {
            let kind = kind_of[run.kind];
            match slot_of[kind] {
                Some(slot) => on_node[slot].2 = on_node[slot].2.saturating_add(run.count),
                None => {
                    slot_of[kind] = Some(on_node.len());
                    on_node.push((kind, groups.number(&keys[run.kind]), run.count));
                }
            }
        }
        if on_node.is_empty() {
            if gpu.allocatable.get() == 0 && gpu.available.get() == 0 {
                continue;
            }
            on_node.push((usize::MAX, groups.number(&unknown), 0));
        }
        groups.split(gpu, &on_node);
    }
    (groups.groups, groups.sums)
}
