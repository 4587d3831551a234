//! What validation says about a document: findings, per-node and total capacity, GPU groups.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::fmt;

/// The three document shapes akinv reads.
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
}

impl Code {
    pub const ALL: [Code; 12] = [
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
        }
    }

    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Warnings describe inconsistency; errors describe numbers that must not be trusted.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::GpuInfoMismatch | Code::TotalMismatch | Code::SumSaturated => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// JSON path with the keys as the document spells them.
    pub path: String,
    pub node: Option<String>,
    pub resource: Option<&'static str>,
    pub value: FindingValue,
    pub message: String,
}

/// Plausibility caps per node (and per storage class), in the report's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caps {
    pub gpu: i128,
    pub cpu_millis: i128,
    pub memory_bytes: i128,
    pub ephemeral_storage_bytes: i128,
    pub storage_bytes: i128,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            gpu: 64,
            cpu_millis: 4096 * 1000,
            memory_bytes: 64 << 40,
            ephemeral_storage_bytes: 1 << 50,
            storage_bytes: 10 << 50,
        }
    }
}

/// The largest integer a sanitized document may carry, exclusive.
pub const INT64_LIMIT: i128 = 1 << 63;
/// JavaScript's safe integers: 2^53 - 1 is the largest allowed.
pub const JS_LIMIT: i128 = 1 << 53;

/// How strict validation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub caps: Caps,
    /// Values at or above this are `not-int64-safe` (default 2^63).
    pub int_limit: i128,
    severities: [Severity; Code::ALL.len()],
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            caps: Caps::default(),
            int_limit: INT64_LIMIT,
            severities: Code::ALL.map(Code::default_severity),
        }
    }
}

impl Policy {
    pub fn severity(&self, code: Code) -> Severity {
        self.severities[code.index()]
    }

    pub fn set_severity(&mut self, code: Code, severity: Severity) {
        self.severities[code.index()] = severity;
    }
}

/// Allocatable, allocated and available of one resource, from trusted numbers only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Triple {
    pub allocatable: i128,
    pub allocated: i128,
    pub available: i128,
}

impl Triple {
    /// Each field with its name, to bound them one by one.
    pub(crate) fn fields_mut(&mut self) -> [(&'static str, &mut i128); 3] {
        [
            ("allocatable", &mut self.allocatable),
            ("allocated", &mut self.allocated),
            ("available", &mut self.available),
        ]
    }

    fn add(&mut self, other: &Triple) {
        self.allocatable = self.allocatable.saturating_add(other.allocatable);
        self.allocated = self.allocated.saturating_add(other.allocated);
        self.available = self.available.saturating_add(other.available);
    }
}

/// The four node resources, in the units of their names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: Triple,
    pub memory_bytes: Triple,
    pub gpu: Triple,
    pub ephemeral_storage_bytes: Triple,
}

impl Resources {
    pub fn add(&mut self, other: &Resources) {
        self.cpu_millis.add(&other.cpu_millis);
        self.memory_bytes.add(&other.memory_bytes);
        self.gpu.add(&other.gpu);
        self.ephemeral_storage_bytes
            .add(&other.ephemeral_storage_bytes);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSummary {
    pub name: Option<String>,
    pub resources: Resources,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClassTotal {
    pub class: String,
    pub bytes: Triple,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub resources: Resources,
    pub storage: Vec<StorageClassTotal>,
}

impl Totals {
    pub(crate) fn storage_class(&mut self, class: &str) -> &mut Triple {
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GpuKey {
    pub vendor: String,
    pub model: String,
    pub memory_size: String,
    pub interface: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuGroup {
    pub key: GpuKey,
    pub allocatable: i128,
    pub available: i128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub schema: Schema,
    pub findings: Vec<Finding>,
    pub nodes: Vec<NodeSummary>,
    pub totals: Totals,
    pub gpus: Vec<GpuGroup>,
    /// False when a legacy document says `"error": {}`: the provider's inventory is not ready.
    pub inventory_ready: bool,
}

impl Report {
    /// No finding of severity `error`.
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }
}
