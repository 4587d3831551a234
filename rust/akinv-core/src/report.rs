//! What validation says about a document: findings, node records, totals, GPU groups, and the
//! provider's own counters.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use crate::units::{Bytes, Gpus, MilliCpu, Triple};
use std::fmt;

/// The three document shapes akinv reads.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// The legacy REST `/status` document (port 8443).
    Legacy,
    /// `akash.provider.v1.Status`, as Go JSON or protojson (port 8444).
    V1,
    /// A bare inventory cluster, `{"nodes": [...]}`, as the provider logs it.
    Inventory,
}

impl Schema {
    pub const ALL: [Schema; 3] = [Schema::Legacy, Schema::V1, Schema::Inventory];

    pub fn name(self) -> &'static str {
        match self {
            Schema::Legacy => "legacy",
            Schema::V1 => "v1",
            Schema::Inventory => "inventory",
        }
    }

    pub fn from_name(name: &str) -> Option<Schema> {
        Schema::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Stable finding codes; their kebab-case names are part of the public API.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    WrappedNegative,
    OverAllocated,
    Negative,
    AboveCap,
    Unparsable,
    NotInt64Safe,
    WrongType,
    MissingField,
    GpuInfoMismatch,
    DuplicateNode,
    TotalMismatch,
    SumSaturated,
    DuplicateKey,
}

impl Code {
    pub const ALL: [Code; 13] = [
        Code::WrappedNegative,
        Code::OverAllocated,
        Code::Negative,
        Code::AboveCap,
        Code::Unparsable,
        Code::NotInt64Safe,
        Code::WrongType,
        Code::MissingField,
        Code::GpuInfoMismatch,
        Code::DuplicateNode,
        Code::TotalMismatch,
        Code::SumSaturated,
        Code::DuplicateKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Code::WrappedNegative => "wrapped-negative",
            Code::OverAllocated => "over-allocated",
            Code::Negative => "negative",
            Code::AboveCap => "above-cap",
            Code::Unparsable => "unparsable",
            Code::NotInt64Safe => "not-int64-safe",
            Code::WrongType => "wrong-type",
            Code::MissingField => "missing-field",
            Code::GpuInfoMismatch => "gpu-info-mismatch",
            Code::DuplicateNode => "duplicate-node",
            Code::TotalMismatch => "total-mismatch",
            Code::SumSaturated => "sum-saturated",
            Code::DuplicateKey => "duplicate-key",
        }
    }

    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Warnings describe inconsistency; errors describe numbers that must not be trusted.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::GpuInfoMismatch
            | Code::TotalMismatch
            | Code::SumSaturated
            | Code::DuplicateKey => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Codes that mark a number as untrusted (it counts as 0 and sanitize replaces it).
    pub fn distrusts_number(self) -> bool {
        matches!(
            self,
            Code::WrappedNegative
                | Code::OverAllocated
                | Code::Negative
                | Code::AboveCap
                | Code::Unparsable
                | Code::NotInt64Safe
                | Code::WrongType
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            _ => None,
        }
    }
}

/// The original value behind a finding: an exact integer, or the text as written.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingValue {
    None,
    Int(i128),
    Text(String),
}

impl fmt::Display for FindingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingValue::None => Ok(()),
            FindingValue::Int(v) => write!(f, "{v}"),
            FindingValue::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// A name of the core's own, for the life of the program. (An alias, so that serde's derive
/// does not take the field for text borrowed from the input: the name is read back into the
/// core's own, see `persist`.)
pub type StaticName = &'static str;

/// Every name a finding's `resource` can hold: the numbers' resources, and the counters'.
pub const RESOURCES: [&str; 13] = [
    "cpu",
    "memory",
    "gpu",
    "ephemeral_storage",
    "storage",
    "volumes",
    "leased_ip",
    "reclamation_window",
    "leases",
    "active",
    "orders",
    "deployments",
    "count",
];

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// JSON path with the keys as the document spells them (escapes decoded).
    pub path: String,
    pub node: Option<String>,
    /// The resource a number belongs to (one of [`RESOURCES`]); `None` for findings about the
    /// document's structure.
    #[cfg_attr(feature = "serde", serde(with = "crate::persist::resource"))]
    pub resource: Option<StaticName>,
    pub value: FindingValue,
    pub message: String,
}

/// The four node resources, each in its own unit.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: Triple<MilliCpu>,
    pub memory_bytes: Triple<Bytes>,
    pub gpu: Triple<Gpus>,
    pub ephemeral_storage_bytes: Triple<Bytes>,
}

impl Resources {
    /// From the walker's plain triples in `Res` order (cpu, memory, gpu, ephemeral storage).
    pub(crate) fn from_triples(triples: &[Triple<i64>; 4]) -> Resources {
        Resources {
            cpu_millis: triples[0].cast(),
            memory_bytes: triples[1].cast(),
            gpu: triples[2].cast(),
            ephemeral_storage_bytes: triples[3].cast(),
        }
    }

    /// One resource's figures as plain numbers, by its index in `from_triples`' order.
    pub(crate) fn by_index(&self, i: usize) -> Triple<i64> {
        match i {
            0 => self.cpu_millis.cast(),
            1 => self.memory_bytes.cast(),
            2 => self.gpu.cast(),
            _ => self.ephemeral_storage_bytes.cast(),
        }
    }

    pub fn add(&mut self, other: &Resources) {
        self.cpu_millis.add(&other.cpu_millis);
        self.memory_bytes.add(&other.memory_bytes);
        self.gpu.add(&other.gpu);
        self.ephemeral_storage_bytes
            .add(&other.ephemeral_storage_bytes);
    }
}

/// One GPU device as the document lists it: labels as written (trimmed), no normalization.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GpuDevice {
    pub vendor: String,
    pub model: String,
    pub memory_size: String,
    pub interface: String,
}

/// Consecutive devices of one kind on a node: `count` of `Report::gpu_devices[kind]`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRun {
    pub kind: usize,
    pub count: usize,
}

/// One node as the document describes it, from trusted numbers only.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: Option<String>,
    /// Its index in the document's node array.
    pub index: usize,
    pub resources: Resources,
    /// Its GPU devices in document order, as runs of one kind (legacy nodes list none).
    pub devices: Vec<DeviceRun>,
    /// The storage classes it supports, where the shape lists them (v1 `capabilities`).
    pub storage_classes: Option<Vec<String>>,
}

impl Node {
    /// Its devices one by one, in document order.
    pub fn device_kinds(&self) -> impl Iterator<Item = usize> + '_ {
        self.devices
            .iter()
            .flat_map(|run| std::iter::repeat_n(run.kind, run.count))
    }

    pub fn device_count(&self) -> usize {
        self.devices
            .iter()
            .fold(0usize, |n, run| n.saturating_add(run.count))
    }
}

/// A cluster-wide persistent storage pool of one class.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClassTotal {
    pub class: String,
    pub bytes: Triple<Bytes>,
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub resources: Resources,
    pub storage: Vec<StorageClassTotal>,
}

impl Totals {
    /// The pool of `class`, created empty when new (pools keep first-seen order).
    pub fn storage_class(&mut self, class: &str) -> &mut Triple<Bytes> {
        let index = match self.storage.iter().position(|s| s.class == class) {
            Some(index) => index,
            None => {
                self.storage.push(StorageClassTotal {
                    class: class.to_owned(),
                    bytes: Triple::default(),
                });
                self.storage.len().saturating_sub(1)
            }
        };
        &mut self.storage[index].bytes
    }
}

/// GPUs of one kind: (vendor, model, memory size, interface), normalized.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GpuKey {
    pub vendor: String,
    pub model: String,
    pub memory_size: String,
    pub interface: String,
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuGroup {
    pub key: GpuKey,
    pub allocatable: Gpus,
    pub available: Gpus,
    /// Devices listed of this kind, whether or not their node's GPU count is trusted.
    pub devices: usize,
    /// Some node's GPU count was untrusted: its devices count here, its GPUs do not.
    pub withheld: bool,
}

/// The provider's own counters; `None` when the document does not give one (or it is untrusted).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub leases: Option<i64>,
    pub orders: Option<i64>,
    pub deployments: Option<i64>,
}

/// Resources held by reservations (bids not yet leased, or leases), summed.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reserved {
    pub count: i64,
    pub cpu_millis: MilliCpu,
    pub memory_bytes: Bytes,
    pub gpu: Gpus,
    pub ephemeral_storage_bytes: Bytes,
    pub storage: Vec<(String, Bytes)>,
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reservations {
    pub pending: Reserved,
    pub active: Reserved,
}

/// With serde, a report read back is checked: each device run names one of its device kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(remote = "Self")
)]
pub struct Report {
    pub schema: Schema,
    pub findings: Vec<Finding>,
    pub nodes: Vec<Node>,
    pub totals: Totals,
    pub gpus: Vec<GpuGroup>,
    /// Each kind of GPU device the document lists, in first-seen order ([`DeviceRun::kind`]).
    pub gpu_devices: Vec<GpuDevice>,
    /// False when a legacy document says `"error": ...`: the provider's inventory is not ready.
    pub inventory_ready: bool,
    /// What the provider said instead of an inventory (the `error` value as written).
    pub inventory_error: Option<String>,
    pub counters: Counters,
    pub reservations: Option<Reservations>,
    pub public_hostnames: Vec<String>,
    /// The provider's account, which only the legacy REST handler adds.
    pub address: Option<String>,
    /// Leased IP addresses (v1 `leased_ip`), when the provider runs the IP operator.
    pub leased_ips: Option<Triple<i64>>,
}

impl Report {
    /// No finding of severity `error`.
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    /// How many findings of each code, in code order; codes without findings are left out.
    pub fn counts(&self) -> Vec<(Code, usize)> {
        let mut counts = [0usize; Code::ALL.len()];
        for finding in &self.findings {
            let slot = &mut counts[finding.code as usize];
            *slot = slot.saturating_add(1);
        }
        Code::ALL
            .into_iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
