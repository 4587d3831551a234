//! What a reservation gives: where each unit went and which GPU it got, or why nothing fits.

use super::Mode;
use crate::inventory::{Inventory, InventoryNode};
use crate::order::{Order, Unit, Volume};
use crate::report::{GpuDevice, StaticName};

/// The GPU a unit was given.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// The device that decided the model, labels as the document writes them.
    pub device: GpuDevice,
    /// The attribute key the provider writes into the allocated units and the bid.
    pub key: String,
    /// The node whose device decided it.
    pub node: String,
    /// The node lists more than one model: the provider picks by list order, not by which
    /// devices are free, so the model actually handed out may differ.
    pub uncertain: bool,
}

impl Chosen {
    pub(super) fn new(device: &GpuDevice, key: String, node: &InventoryNode, mode: Mode) -> Chosen {
        let mixed = node
            .devices
            .iter()
            .any(|d| d.vendor != device.vendor || d.model != device.model);
        Chosen {
            device: device.clone(),
            key,
            node: node.name.clone(),
            uncertain: mode == Mode::Exact && mixed,
        }
    }

    /// What the provider's scheduler parameters hold: vendor and model.
    pub(super) fn scheduling(&self) -> (String, &str) {
        (self.device.vendor.to_ascii_lowercase(), &self.device.model)
    }
}

/// Where one unit's replicas went.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub unit: usize,
    /// (inventory node index, replicas), in the order they were placed.
    pub nodes: Vec<(usize, u32)>,
    pub gpu: Option<Chosen>,
    /// Its GPU keys after the reservation (concretized when a GPU was chosen).
    pub gpu_attributes: Vec<String>,
}

/// A unit's (node, replicas) and GPU keys.
pub(super) type Summary = (Vec<(usize, u32)>, Vec<String>);

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub placements: Vec<Placement>,
    /// The units as reserved: committed amounts, concretized GPU keys (what the provider
    /// hands its price script and puts in its bid).
    pub allocated: Vec<Unit>,
    /// Provider quirks that changed this outcome.
    pub quirks: Vec<String>,
    /// What the document could not tell (no device list, no storage classes).
    pub notes: Vec<String>,
}

impl Reservation {
    pub(super) fn new(placements: Vec<Placement>, mut allocated: Vec<Unit>) -> Reservation {
        for (unit, placement) in allocated.iter_mut().zip(&placements) {
            unit.gpu_attributes.clone_from(&placement.gpu_attributes);
        }
        Reservation {
            placements,
            allocated,
            quirks: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// What two reservations are compared on: each unit's nodes and GPU keys.
    pub(super) fn summary(&self) -> Vec<Summary> {
        self.placements
            .iter()
            .map(|p| (p.nodes.clone(), p.gpu_attributes.clone()))
            .collect()
    }
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoFitKind {
    /// No node has room for a replica of a unit.
    Capacity,
    /// A persistent volume's class is not in the cluster.
    StorageClassMissing,
    /// The cluster's pool of a class is too small.
    StorageClassFull,
    /// A persistent volume without a class (or of class `ram`).
    BadVolume,
    /// Replicas of one unit resolved to different models or scheduling parameters.
    GroupResourceMismatch,
    /// Not enough leased IPs.
    LeasedIps,
}

impl NoFitKind {
    pub fn name(&self) -> &'static str {
        match self {
            NoFitKind::Capacity => "insufficient-capacity",
            NoFitKind::StorageClassMissing => "storage-class-missing",
            NoFitKind::StorageClassFull => "storage-class-full",
            NoFitKind::BadVolume => "bad-volume",
            NoFitKind::GroupResourceMismatch => "group-resource-mismatch",
            NoFitKind::LeasedIps => "insufficient-leased-ips",
        }
    }
}

/// What a node can be short of ([`Why::Short`]).
pub const SHORT_OF: [&str; 5] = [
    "cpu",
    "memory",
    "gpu",
    "memory (ram volume)",
    "ephemeral storage",
];
/// The units a shortage is told in.
pub const UNITS: [&str; 3] = ["m", " bytes", ""];

/// Why one node could not take a replica; described only when someone reads it (a network
/// of providers that do not fit would otherwise format a message per node).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Not enough of a resource: (what, needed, free, unit), of [`SHORT_OF`] and [`UNITS`].
    Short(
        #[cfg_attr(feature = "serde", serde(with = "crate::persist::short_of"))] StaticName,
        i64,
        i64,
        #[cfg_attr(feature = "serde", serde(with = "crate::persist::unit"))] StaticName,
    ),
    NoGpuFree,
    /// The request's GPU attributes do not parse (the `NoFit` says why).
    GpuRequest,
    /// Only `matching` of its devices match the request, `needed` needed.
    Matching(i64, i64),
    /// It does not support the storage class of the unit's volume with this index.
    ClassUnsupported(usize),
}

impl Why {
    pub fn describe(&self, unit: &Unit) -> String {
        match *self {
            Why::Short(what, needed, free, unit) => {
                format!("{what}: needs {needed}{unit}, {free}{unit} free")
            }
            Why::NoGpuFree => "gpu: none free".to_owned(),
            Why::GpuRequest => "gpu: the request's attributes do not parse".to_owned(),
            Why::Matching(matching, needed) => {
                format!("gpu: {matching} of its devices match the request, {needed} needed")
            }
            Why::ClassUnsupported(volume) => {
                let class = unit
                    .storage
                    .get(volume)
                    .and_then(|v| v.class.as_deref())
                    .unwrap_or("");
                format!("storage class {class:?}: not supported by this node")
            }
        }
    }
}

/// Why the provider would not bid.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFit {
    pub kind: NoFitKind,
    pub unit: Option<usize>,
    pub class: Option<String>,
    /// For `Capacity`: the replica that found no room (1-based) and the unit's count.
    pub replica: (u32, u32),
    /// For `Capacity`: every node tried (inventory index) and why it could not take it.
    pub nodes: Vec<(usize, Why)>,
    /// What else there is to say (the whole message, for every kind but `Capacity`).
    pub detail: String,
    /// Provider quirks that decided this outcome.
    pub quirks: Vec<String>,
}

impl NoFit {
    fn new(kind: NoFitKind, unit: Option<usize>, detail: String) -> NoFit {
        NoFit {
            kind,
            unit,
            class: None,
            replica: (0, 0),
            nodes: Vec::new(),
            detail,
            quirks: Vec::new(),
        }
    }

    /// Each node tried, by name, and why it could not take the replica.
    pub fn node_reasons(&self, inventory: &Inventory, order: &Order) -> Vec<(String, String)> {
        let Some(unit) = self.unit.map(|u| &order.units[u]) else {
            return Vec::new();
        };
        self.nodes
            .iter()
            .map(|(n, why)| (inventory.nodes[*n].name.clone(), why.describe(unit)))
            .collect()
    }

    /// One line for a person: what did not fit, and where.
    pub fn message(&self, inventory: &Inventory, order: &Order) -> String {
        let (Some(u), NoFitKind::Capacity) = (self.unit, &self.kind) else {
            return self.detail.clone();
        };
        let (replica, count) = self.replica;
        let mut message = format!(
            "no node has room for replica {replica} of {count} of {}",
            order.unit_label(u)
        );
        let reasons = self.node_reasons(inventory, order);
        if reasons.is_empty() {
            message.push_str(": the inventory has no nodes");
        } else {
            let shown: Vec<String> = reasons
                .iter()
                .take(3)
                .map(|(n, r)| format!("{n}: {r}"))
                .collect();
            message.push_str(&format!(" ({}", shown.join("; ")));
            let more = reasons.len().saturating_sub(shown.len());
            if more > 0 {
                message.push_str(&format!("; {more} more nodes"));
            }
            message.push(')');
        }
        if !self.detail.is_empty() {
            message.push_str(&format!("; {}", self.detail));
        }
        message
    }

    pub(super) fn capacity(
        order: &Order,
        u: usize,
        remaining: u32,
        why: Vec<(usize, Why)>,
    ) -> NoFit {
        let count = order.units[u].count;
        let detail = match &order.gpu_requests()[u] {
            Err(error) => format!("its GPU attributes do not parse: {error}"),
            Ok(_) => String::new(),
        };
        NoFit {
            replica: (count.saturating_sub(remaining).saturating_add(1), count),
            nodes: why,
            ..NoFit::new(NoFitKind::Capacity, Some(u), detail)
        }
    }

    pub(super) fn class_missing(order: &Order, u: usize, class: &str) -> NoFit {
        NoFit {
            class: Some(class.to_owned()),
            ..NoFit::new(
                NoFitKind::StorageClassMissing,
                Some(u),
                format!(
                    "{} asks for storage class {class:?}, which the cluster does not have",
                    order.unit_label(u)
                ),
            )
        }
    }

    pub(super) fn class_full(order: &Order, u: usize, class: &str, bytes: i64, free: i64) -> NoFit {
        NoFit {
            class: Some(class.to_owned()),
            ..NoFit::new(
                NoFitKind::StorageClassFull,
                Some(u),
                format!(
                    "{} needs {bytes} bytes of storage class {class:?}, the cluster has {free} free",
                    order.unit_label(u)
                ),
            )
        }
    }

    pub(super) fn bad_volume(order: &Order, u: usize, volume: &Volume) -> NoFit {
        NoFit::new(
            NoFitKind::BadVolume,
            Some(u),
            format!(
                "{}: persistent volume {:?} must name a storage class other than ram",
                order.unit_label(u),
                volume.name
            ),
        )
    }

    pub(super) fn mismatch(order: &Order, u: usize) -> NoFit {
        NoFit::new(
            NoFitKind::GroupResourceMismatch,
            Some(u),
            format!(
                "replicas of {} resolved to different GPUs or scheduling parameters",
                order.unit_label(u)
            ),
        )
    }

    pub(super) fn ips(needed: u64, free: Option<i64>) -> NoFit {
        let message = match free {
            Some(free) => {
                format!("the order needs {needed} leased IPs, the provider has {free} free")
            }
            None => format!("the order needs {needed} leased IPs, and the provider offers none"),
        };
        NoFit::new(NoFitKind::LeasedIps, None, message)
    }
}
