//! What a provider can still allocate, node by node, built from a report's node records (the
//! same walk as validate; no second parse), with validate's trust rules: an untrusted number
//! counts as nothing available.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use crate::report::{GpuDevice, Report, Schema};
use crate::units::{Amount, Flags, Triple};
use std::sync::Arc;

/// What is available of one resource: allocatable minus allocated, from trusted numbers;
/// an unbounded allocatable (-1) leaves everything but what is allocated.
fn available<A: Amount>(triple: &Triple<A>) -> i64 {
    if triple.flags.contains(Flags::UNBOUNDED) {
        return i64::MAX.saturating_sub(triple.allocated.get());
    }
    triple.available.get().max(0)
}

/// A node's free capacity, in the units reservation subtracts.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Free {
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub gpus: i64,
    pub ephemeral_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryNode {
    /// Its name (empty when the document gives none).
    pub name: String,
    /// Its index among the document's nodes.
    pub index: usize,
    pub free: Free,
    /// Its GPU devices in document order.
    pub devices: Vec<GpuDevice>,
    /// The storage classes it supports; `None` when the document does not say (legacy).
    pub storage_classes: Option<Vec<String>>,
}

/// A cluster-wide persistent storage pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub class: String,
    pub free_bytes: i64,
}

/// A provider's inventory, ready for reservations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub schema: Schema,
    pub nodes: Vec<InventoryNode>,
    pub pools: Vec<Pool>,
    /// Leased IPs left, when the document says (v1 with the IP operator).
    pub free_ips: Option<i64>,
    /// Whether nodes list their GPU devices: legacy documents and inventory dumps do not,
    /// so a GPU request is then reserved by counts only and its model is unknown.
    pub has_devices: bool,
    /// The report of the document it was read from.
    pub report: Arc<Report>,
    /// The nodes in the order the provider visits them: by name.
    pub node_order: Vec<usize>,
    /// Each node's devices in the order the provider matches them: by (vendor, model,
    /// memory size), as its inventory sorts them.
    pub device_order: Vec<Vec<usize>>,
}

impl Inventory {
    pub fn from_report(report: Arc<Report>) -> Inventory {
        let nodes: Vec<InventoryNode> = report
            .nodes
            .iter()
            .map(|node| {
                let r = &node.resources;
                InventoryNode {
                    name: node.name.clone().unwrap_or_default(),
                    index: node.index,
                    free: Free {
                        cpu_millis: available(&r.cpu_millis),
                        memory_bytes: available(&r.memory_bytes),
                        gpus: available(&r.gpu),
                        ephemeral_bytes: available(&r.ephemeral_storage_bytes),
                    },
                    devices: node
                        .device_kinds()
                        .map(|kind| report.gpu_devices[kind].clone())
                        .collect(),
                    storage_classes: node.storage_classes.clone(),
                }
            })
            .collect();
        let pools = report
            .totals
            .storage
            .iter()
            .map(|pool| Pool {
                class: pool.class.clone(),
                free_bytes: available(&pool.bytes),
            })
            .collect();
        let mut node_order: Vec<usize> = (0..nodes.len()).collect();
        node_order.sort_by(|&a, &b| nodes[a].name.cmp(&nodes[b].name));
        let device_order = nodes
            .iter()
            .map(|node| {
                let mut order: Vec<usize> = (0..node.devices.len()).collect();
                order.sort_by(|&a, &b| {
                    let (a, b) = (&node.devices[a], &node.devices[b]);
                    (&a.vendor, &a.model, &a.memory_size).cmp(&(
                        &b.vendor,
                        &b.model,
                        &b.memory_size,
                    ))
                });
                order
            })
            .collect();
        Inventory {
            schema: report.schema,
            node_order,
            device_order,
            nodes,
            pools,
            free_ips: report.leased_ips.as_ref().map(available),
            has_devices: report.schema == Schema::V1,
            report,
        }
    }
}
