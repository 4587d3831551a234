//! Sums over the node records: exact (in i128) until the end, then bounded by the policy's
//! largest integer, so every number of a report fits an int64 column (or the limit asked
//! for); a sum that had to be bounded becomes a `sum-saturated` warning holding the exact sum.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::{Place, Walker};
use crate::report::{Code, FindingValue, GpuDevice, GpuGroup, Node, Reserved, Resources};
use crate::units::{Amount, Bytes, Flags, Gpus, MilliCpu, Triple};

/// Sums that went over the limit: what, its resource, the exact sum.
#[derive(Default)]
pub(crate) struct Saturated(Vec<(String, &'static str, i128)>);

fn bound(
    value: i128,
    largest: i64,
    over: &mut Saturated,
    what: impl FnOnce() -> (String, &'static str),
) -> i64 {
    if value > i128::from(largest) {
        let (what, resource) = what();
        over.0.push((what, resource, value));
        return largest;
    }
    i64::try_from(value).unwrap_or(i64::MIN)
}

/// Exact sums of one resource's three figures.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sums {
    pub allocatable: i128,
    pub allocated: i128,
    pub available: i128,
    pub flags: Flags,
}

impl Sums {
    pub fn add<A: Amount>(&mut self, triple: &Triple<A>) {
        self.allocatable = self
            .allocatable
            .saturating_add(i128::from(triple.allocatable.get()));
        self.allocated = self
            .allocated
            .saturating_add(i128::from(triple.allocated.get()));
        self.available = self
            .available
            .saturating_add(i128::from(triple.available.get()));
        self.flags.insert(triple.flags);
    }

    /// The figures within `largest`; `what` names them for a finding, made only when needed.
    pub fn bounded<A: Amount>(
        &self,
        largest: i64,
        what: impl Fn() -> String,
        resource: &'static str,
        over: &mut Saturated,
    ) -> Triple<A> {
        let mut figure = |value: i128, field: &str| {
            A::new(bound(value, largest, over, || {
                (format!("{} {field}", what()), resource)
            }))
        };
        Triple {
            allocatable: figure(self.allocatable, "allocatable"),
            allocated: figure(self.allocated, "allocated"),
            available: figure(self.available, "available"),
            flags: self.flags,
        }
    }
}

/// The cluster's resources: the sums of its nodes.
pub(crate) fn node_totals(nodes: &[Node], largest: i64, over: &mut Saturated) -> Resources {
    let mut sums = [Sums::default(); 4];
    for node in nodes {
        let r = &node.resources;
        sums[0].add(&r.cpu_millis);
        sums[1].add(&r.memory_bytes);
        sums[2].add(&r.gpu);
        sums[3].add(&r.ephemeral_storage_bytes);
    }
    Resources {
        cpu_millis: sums[0].bounded::<MilliCpu>(largest, || "cpu".to_owned(), "cpu", over),
        memory_bytes: sums[1].bounded::<Bytes>(largest, || "memory".to_owned(), "memory", over),
        gpu: sums[2].bounded::<Gpus>(largest, || "gpu".to_owned(), "gpu", over),
        ephemeral_storage_bytes: sums[3].bounded::<Bytes>(
            largest,
            || "ephemeral_storage".to_owned(),
            "ephemeral_storage",
            over,
        ),
    }
}

/// GPU groups by normalized kind, sorted by kind, their sums bounded.
pub(crate) fn gpu_groups(
    nodes: &[Node],
    devices: &[GpuDevice],
    largest: i64,
    over: &mut Saturated,
) -> Vec<GpuGroup> {
    let (groups, sums) = super::gpu::group(nodes, devices);
    let mut pairs: Vec<_> = groups.into_iter().zip(sums).collect();
    pairs.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    pairs
        .into_iter()
        .map(|(mut group, sums)| {
            let kind = format!("{} {}", group.key.vendor, group.key.model);
            let what = |field: &str| (format!("GPU group {kind:?} {field}"), "gpu");
            group.allocatable = Gpus::new(bound(sums.allocatable, largest, over, || {
                what("allocatable")
            }));
            group.available = Gpus::new(bound(sums.available, largest, over, || what("available")));
            group
        })
        .collect()
}

/// Sums of the nodes' numbers as written (trusted ones), for the inventory totals check.
pub(crate) struct ReadingSums {
    pub allocatable: [i128; 4],
    pub available: [i128; 4],
    pub allocatable_trusted: [bool; 4],
    pub available_trusted: [bool; 4],
}

impl Default for ReadingSums {
    fn default() -> Self {
        ReadingSums {
            allocatable: [0; 4],
            available: [0; 4],
            allocatable_trusted: [true; 4],
            available_trusted: [true; 4],
        }
    }
}

impl ReadingSums {
    /// Adds one node's reading of a resource (`None` when untrusted).
    pub fn add(&mut self, index: usize, allocatable: Option<Option<i64>>, available: Option<i64>) {
        if let Some(allocatable) = allocatable {
            self.allocatable[index] =
                self.allocatable[index].saturating_add(i128::from(allocatable.unwrap_or(0)));
            self.allocatable_trusted[index] &= allocatable.is_some();
        }
        self.available[index] =
            self.available[index].saturating_add(i128::from(available.unwrap_or(0)));
        self.available_trusted[index] &= available.is_some();
    }
}

/// Exact sums of reserved resources.
#[derive(Default)]
pub(crate) struct ReservedSums {
    pub count: i128,
    pub resources: [i128; 4],
    pub storage: Vec<(String, i128)>,
}

impl ReservedSums {
    pub fn add(&mut self, index: usize, value: i64) {
        self.resources[index] = self.resources[index].saturating_add(i128::from(value));
    }

    pub fn add_storage(&mut self, class: &str, value: i64) {
        let value = i128::from(value);
        match self.storage.iter_mut().find(|(c, _)| c == class) {
            Some((_, sum)) => *sum = sum.saturating_add(value),
            None => self.storage.push((class.to_owned(), value)),
        }
    }

    fn bounded(&self, which: &str, largest: i64, over: &mut Saturated) -> Reserved {
        let mut figure = |value: i128, what: &str, resource: &'static str| {
            bound(value, largest, over, || {
                (format!("{which} reservations' {what}"), resource)
            })
        };
        let r = &self.resources;
        Reserved {
            count: figure(self.count, "count", "count"),
            cpu_millis: MilliCpu::new(figure(r[0], "cpu", "cpu")),
            memory_bytes: Bytes::new(figure(r[1], "memory", "memory")),
            gpu: Gpus::new(figure(r[2], "gpu", "gpu")),
            ephemeral_storage_bytes: Bytes::new(figure(
                r[3],
                "ephemeral_storage",
                "ephemeral_storage",
            )),
            storage: self
                .storage
                .iter()
                .map(|(class, sum)| {
                    // Named only when it went over: nearly never.
                    let value = if *sum > i128::from(largest) {
                        figure(*sum, &format!("storage class {class:?}"), "storage")
                    } else {
                        i64::try_from(*sum).unwrap_or(0)
                    };
                    (class.clone(), Bytes::new(value))
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub(crate) struct ReservationSums {
    pub pending: ReservedSums,
    pub active: ReservedSums,
}

impl ReservationSums {
    pub fn bounded(&self, largest: i64, over: &mut Saturated) -> (Reserved, Reserved) {
        (
            self.pending.bounded("pending", largest, over),
            self.active.bounded("active", largest, over),
        )
    }
}

impl Walker<'_, '_> {
    /// `sum-saturated` warnings for every sum that went over, at the node array.
    pub(crate) fn saturated(&mut self, over: Saturated, at: usize) {
        let largest = self.policy.largest();
        for (what, resource, sum) in over.0 {
            self.finding(
                Code::SumSaturated,
                Place::at(at),
                Some(resource),
                FindingValue::Int(sum),
                format!(
                    "the nodes' {what} sum to {sum}, above {largest}, the largest integer a report holds; reported as {largest}"
                ),
            );
        }
    }

    /// `duplicate-node` for every node whose name an earlier node has.
    pub(crate) fn duplicate_nodes(&mut self, list: &super::NodeList) {
        let nodes = &list.nodes;
        let mut order: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].name.is_some())
            .collect();
        order.sort_by(|&a, &b| nodes[a].name.cmp(&nodes[b].name).then(a.cmp(&b)));
        let mut repeats: Vec<usize> = order
            .windows(2)
            .filter(|pair| nodes[pair[0]].name == nodes[pair[1]].name)
            .map(|pair| pair[1])
            .collect();
        repeats.sort_unstable();
        for index in repeats {
            let name = nodes[index].name.clone().unwrap_or_default();
            let place = list.name_places[index];
            let message = format!("node name {name:?} appears more than once");
            self.findings.push(super::PendingFinding {
                code: Code::DuplicateNode,
                place,
                resource: None,
                value: FindingValue::Text(name.clone()),
                message,
                node: Some(name),
            });
        }
    }
}
