//! The peers' job (benches/peers/rules.py) on v1 documents, as lean as a walker over a parsed
//! tree can be: keys dispatched by `match`, no paths, no report, findings only counted. It
//! measures how close *any* walker on the fastest parsers gets to issue 4's 10x target; it is
//! not akinv's validator (no findings with places, no sanitize edits). Where a document spells
//! a key both ways (`bid_engine` and `bidEngine`) or twice, it reads both, unlike the peers;
//! the corpus has no such document.

use akinv_core::{parse_int, Quantity, Scale};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// What the walker asks of a parsed document.
pub trait Tree<'t> {
    type Node: Copy;
    fn root(&self) -> Self::Node;
    /// Calls `each(key, value)` for every member; nothing when `node` is not an object.
    fn members(&self, node: Self::Node, each: impl FnMut(&'t [u8], Self::Node));
    fn elements(&self, node: Self::Node, each: impl FnMut(Self::Node));
    fn scalar(&self, node: Self::Node) -> Scalar<'t>;
    fn count(&self, node: Self::Node) -> i128 {
        let mut n = 0;
        self.elements(node, |_| n += 1);
        n
    }
}

/// A value as the rules see it.
pub enum Scalar<'t> {
    Object,
    Text(&'t [u8]),
    Int(i128),
    Float,
    Null,
    Other,
}

/// simdjson's DOM tape: one word per value (two for numbers), strings in a side buffer.
#[cfg(feature = "simdjson-cpp")]
pub struct Tape<'t> {
    pub words: &'t [u64],
    pub strings: &'t [u8],
}

const WRAP_LOW: i128 = (1 << 64) - (1 << 32);
const WRAP_HIGH: i128 = (1 << 64) + (1 << 32);
const INT64_LIMIT: i128 = 1 << 63;
const NODE_CAPS: [i128; 4] = [4096 * 1000, 64 << 40, 64, 1 << 50];
const POOL_CAP: i128 = 10 << 50;
const COUNTER_CAP: i128 = u32::MAX as i128;

/// How much of akinv's validate the walker does on top of the peers' job.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// Totals and finding counts, as the peers compute them.
    PeersJob,
    /// Also akinv's nodes, GPU groups and storage-class totals.
    Report,
    /// Also the values akinv checks that the peers do not read: each pair's capacity, and the
    /// volumes_attached and volumes_mounted pairs.
    ReportAndChecks,
}

/// Allocatable, allocated and available of one resource.
#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub struct Triple {
    pub allocatable: i128,
    pub allocated: i128,
    pub available: i128,
}

#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub struct Resources {
    pub cpu_millis: Triple,
    pub memory_bytes: Triple,
    pub gpu: Triple,
    pub ephemeral_storage_bytes: Triple,
}

#[derive(Debug, PartialEq)]
pub struct NodeSummary {
    pub name: Option<String>,
    pub resources: Resources,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GpuKey {
    pub vendor: String,
    pub model: String,
    pub memory_size: String,
    pub interface: String,
}

#[derive(Debug, PartialEq)]
pub struct GpuGroup {
    pub key: GpuKey,
    pub allocatable: i128,
    pub available: i128,
}

#[derive(Debug, PartialEq)]
pub struct StorageClassTotal {
    pub class: String,
    pub bytes: Triple,
}

/// What akinv's report holds besides findings, built the way akinv builds it.
#[derive(Default, Debug, PartialEq)]
pub struct ReportParts {
    // In akinv's order: nodes as listed, GPU groups sorted by key, pools as first seen.
    pub nodes: Vec<NodeSummary>,
    pub gpus: Vec<GpuGroup>,
    pub storage: Vec<StorageClassTotal>,
}

#[derive(Default)]
pub struct Summary {
    /// Per resource (cpu millis, memory, gpu, ephemeral): allocatable, allocated, available.
    pub totals: [[i128; 3]; 4],
    /// wrong-type, unparsable, wrapped, int64, negative, above-cap, over-allocated,
    /// gpu-info-mismatch, duplicate-node.
    pub findings: [u32; 9],
    pub report: ReportParts,
}

/// A value: present and trusted, or not.
type Value = Option<i128>;

#[cfg(feature = "simdjson-cpp")]
impl<'t> Tape<'t> {
    fn kind(&self, at: usize) -> u8 {
        (self.words[at] >> 56) as u8
    }

    fn string(&self, at: usize) -> &'t [u8] {
        let offset = (self.words[at] & 0x00FF_FFFF_FFFF_FFFF) as usize;
        let len = u32::from_le_bytes(self.strings[offset..offset + 4].try_into().unwrap());
        &self.strings[offset + 4..offset + 4 + len as usize]
    }

    /// The word after the value at `at`.
    fn after(&self, at: usize) -> usize {
        match self.kind(at) {
            b'{' | b'[' => (self.words[at] & 0xFFFF_FFFF) as usize,
            b'l' | b'u' | b'd' => at + 2,
            _ => at + 1,
        }
    }
}

#[cfg(feature = "simdjson-cpp")]
impl<'t> Tree<'t> for Tape<'t> {
    type Node = usize;

    fn root(&self) -> usize {
        1
    }

    fn members(&self, at: usize, mut each: impl FnMut(&'t [u8], usize)) {
        if self.kind(at) != b'{' {
            return;
        }
        let end = self.after(at) - 1;
        let mut next = at + 1;
        while next < end {
            each(self.string(next), next + 1);
            next = self.after(next + 1);
        }
    }

    fn elements(&self, at: usize, mut each: impl FnMut(usize)) {
        if self.kind(at) != b'[' {
            return;
        }
        let end = self.after(at) - 1;
        let mut next = at + 1;
        while next < end {
            each(next);
            next = self.after(next);
        }
    }

    fn scalar(&self, at: usize) -> Scalar<'t> {
        match self.kind(at) {
            b'{' => Scalar::Object,
            b'"' => Scalar::Text(self.string(at)),
            b'l' => Scalar::Int(i128::from(self.words[at + 1] as i64)),
            b'u' => Scalar::Int(i128::from(self.words[at + 1])),
            b'd' => Scalar::Float,
            b'n' => Scalar::Null,
            _ => Scalar::Other,
        }
    }
}

/// sonic-rs's DOM (pure Rust).
pub struct Sonic<'t>(pub &'t sonic_rs::Value);

impl<'t> Tree<'t> for Sonic<'t> {
    type Node = &'t sonic_rs::Value;

    fn root(&self) -> Self::Node {
        self.0
    }

    fn members(&self, node: Self::Node, mut each: impl FnMut(&'t [u8], Self::Node)) {
        if let Some(object) = node.as_object() {
            for (key, value) in object.iter() {
                each(key.as_bytes(), value);
            }
        }
    }

    fn elements(&self, node: Self::Node, mut each: impl FnMut(Self::Node)) {
        if let Some(array) = node.as_array() {
            for value in array.iter() {
                each(value);
            }
        }
    }

    fn scalar(&self, node: Self::Node) -> Scalar<'t> {
        use sonic_rs::JsonType;
        match node.get_type() {
            JsonType::Object => Scalar::Object,
            JsonType::String => Scalar::Text(node.as_str().unwrap_or_default().as_bytes()),
            JsonType::Number => match (node.as_i64(), node.as_u64()) {
                (Some(v), _) => Scalar::Int(i128::from(v)),
                (None, Some(v)) => Scalar::Int(i128::from(v)),
                _ => Scalar::Float,
            },
            JsonType::Null => Scalar::Null,
            _ => Scalar::Other,
        }
    }
}

/// Where a pair's allocatable, allocated and capacity are, when present.
type Sides<N> = (Option<N>, Option<N>, Option<N>);

/// A GPU device's (vendor, name, memory size, interface) texts.
type Device<'t> = [&'t [u8]; 4];

struct Job<'s, 't, T: Tree<'t>> {
    tape: &'s T,
    summary: &'s mut Summary,
    names: Vec<&'t [u8]>,
    depth: Depth,
    /// This node's devices; kinds already grouped in this document, with their group.
    devices: Vec<Device<'t>>,
    kinds: Vec<(Device<'t>, usize)>,
}

fn same_kind(a: &Device<'_>, b: &Device<'_>) -> bool {
    a.iter().zip(b).enumerate().all(|(i, (a, b))| {
        let (a, b) = (a.trim_ascii(), b.trim_ascii());
        if i == 2 {
            a == b
        } else {
            a.eq_ignore_ascii_case(b)
        }
    })
}

fn gpu_key(device: &Device<'_>) -> GpuKey {
    let text = |i: usize| String::from_utf8_lossy(device[i].trim_ascii()).into_owned();
    let size = text(2);
    let memory_size = match Quantity::parse(size.as_bytes()).and_then(|q| q.to_int(Scale::Unit)) {
        Ok(bytes) if bytes > 0 && bytes % (1 << 30) == 0 => format!("{}Gi", bytes >> 30),
        Ok(bytes) if bytes > 0 && bytes % (1 << 20) == 0 => format!("{}Mi", bytes >> 20),
        Ok(bytes) => bytes.to_string(),
        Err(_) => size,
    };
    GpuKey {
        vendor: text(0).to_ascii_lowercase(),
        model: text(1).to_ascii_lowercase(),
        memory_size,
        interface: text(3).to_ascii_lowercase(),
    }
}

impl<'t, T: Tree<'t>> Job<'_, 't, T> {
    fn flag(&mut self, code: usize) {
        self.summary.findings[code] += 1;
    }

    fn judge(&mut self, value: i128, cap: Option<i128>, unbounded_ok: bool) -> Value {
        let code = if (WRAP_LOW..WRAP_HIGH).contains(&value) {
            2
        } else if value >= INT64_LIMIT {
            3
        } else if value < 0 && !(unbounded_ok && value == -1) {
            4
        } else if cap.is_some_and(|cap| value > cap) {
            5
        } else {
            return Some(value);
        };
        self.flag(code);
        None
    }

    /// A v1 quantity at `at` (absent: `None` position), bare or protojson-wrapped.
    fn quantity(
        &mut self,
        at: Option<T::Node>,
        scale: Scale,
        cap: Option<i128>,
        unbounded_ok: bool,
    ) -> Value {
        let Some(mut at) = at else { return Some(0) };
        let tape = self.tape;
        if let Scalar::Object = tape.scalar(at) {
            let mut inner = None;
            tape.members(at, |key, value| {
                if key == b"string" {
                    inner = Some(value);
                }
            });
            // protojson's Quantity.string holds a string and nothing else.
            match inner.filter(|&value| matches!(tape.scalar(value), Scalar::Text(_))) {
                Some(value) => at = value,
                None => {
                    self.flag(0);
                    return None;
                }
            }
        }
        let parsed = match tape.scalar(at) {
            Scalar::Text(text) => parse_int(text, scale).ok(),
            Scalar::Int(v) => Some(
                v * if matches!(scale, Scale::Milli) {
                    1000
                } else {
                    1
                },
            ),
            Scalar::Null => return Some(0),
            // The peers read a bare float as a quantity; no tree here keeps its text, and the
            // corpus has none, so it only counts as unparsable.
            Scalar::Float => None,
            _ => {
                self.flag(0);
                return None;
            }
        };
        match parsed {
            Some(value) => self.judge(value, cap, unbounded_ok),
            None => {
                self.flag(1);
                None
            }
        }
    }

    fn counter(&mut self, at: T::Node) {
        match self.tape.scalar(at) {
            Scalar::Int(v) => {
                self.judge(v, Some(COUNTER_CAP), false);
            }
            Scalar::Null => {}
            Scalar::Float => self.flag(1),
            _ => self.flag(0),
        }
    }

    /// (allocatable, allocated) positions of a ResourcePair, bare or in {"quantity": ...}.
    fn pair(&self, at: T::Node) -> (Option<T::Node>, Option<T::Node>) {
        let (allocatable, allocated, _) = self.pair_with_capacity(at);
        (allocatable, allocated)
    }

    /// A pair's (allocatable, allocated, capacity) positions.
    fn pair_with_capacity(&self, at: T::Node) -> Sides<T::Node> {
        let tape = self.tape;
        let mut object = at;
        tape.members(at, |key, value| {
            if key == b"quantity" && matches!(tape.scalar(value), Scalar::Object) {
                object = value;
            }
        });
        let (mut allocatable, mut allocated, mut capacity) = (None, None, None);
        tape.members(object, |key, value| match key {
            b"allocatable" => allocatable = Some(value),
            b"allocated" => allocated = Some(value),
            b"capacity" => capacity = Some(value),
            _ => {}
        });
        (allocatable, allocated, capacity)
    }

    /// akinv reads and classifies a pair's capacity too.
    fn capacity(&mut self, at: Option<T::Node>, scale: Scale, cap: Option<i128>) {
        if self.depth == Depth::ReportAndChecks {
            let capacity = at.and_then(|at| self.pair_with_capacity(at).2);
            self.quantity(capacity, scale, cap, false);
        }
    }

    /// A volumes pair: every side classified, nothing totalled.
    fn volumes(&mut self, at: T::Node) {
        let (allocatable, allocated, capacity) = self.pair_with_capacity(at);
        for side in [allocatable, allocated, capacity] {
            self.quantity(side, Scale::Unit, None, false);
        }
    }

    fn node(&mut self, at: T::Node) {
        let tape = self.tape;
        let (mut name, mut pairs, mut gpu_info, mut volumes) = (None, [None; 4], 0, [None; 2]);
        self.devices.clear();
        tape.members(at, |key, value| match key {
            b"name" => name = Some(value),
            b"resources" => tape.members(value, |key, value| {
                let index = match key {
                    b"cpu" => 0,
                    b"memory" => 1,
                    b"gpu" => {
                        tape.members(value, |key, value| {
                            if key == b"info" {
                                gpu_info = tape.count(value);
                                if self.depth >= Depth::Report {
                                    self.devices.clear();
                                    tape.elements(value, |device| {
                                        let mut fields: Device = [b""; 4];
                                        tape.members(device, |key, value| {
                                            let slot = match key {
                                                b"vendor" => 0,
                                                b"name" => 1,
                                                b"memory_size" | b"memorySize" => 2,
                                                b"interface" => 3,
                                                _ => return,
                                            };
                                            if let Scalar::Text(text) = tape.scalar(value) {
                                                fields[slot] = text;
                                            }
                                        });
                                        self.devices.push(fields);
                                    });
                                }
                            }
                        });
                        2
                    }
                    b"ephemeral_storage" | b"ephemeralStorage" => 3,
                    b"volumes_attached" | b"volumesAttached" => {
                        volumes[0] = Some(value);
                        return;
                    }
                    b"volumes_mounted" | b"volumesMounted" => {
                        volumes[1] = Some(value);
                        return;
                    }
                    _ => return,
                };
                pairs[index] = Some(value);
            }),
            _ => {}
        });
        let name = match name.map(|at| tape.scalar(at)) {
            Some(Scalar::Text(name)) => Some(name),
            _ => None,
        };
        let mut resources = [Triple::default(); 4];
        if let Some(name) = name {
            if self.names.contains(&name) {
                self.flag(8);
            } else {
                self.names.push(name);
            }
        }
        for (index, pair) in pairs.into_iter().enumerate() {
            let (a_at, l_at) = pair.map_or((None, None), |at| self.pair(at));
            let scale = if index == 0 {
                Scale::Milli
            } else {
                Scale::Unit
            };
            let a = self.quantity(a_at, scale, Some(NODE_CAPS[index]), true);
            let used = self.quantity(l_at, scale, Some(NODE_CAPS[index]), false);
            self.capacity(pair, scale, Some(NODE_CAPS[index]));
            let mut triple = Triple::default();
            if let Some(a) = a.filter(|&a| a != -1) {
                match used {
                    Some(used) if used > a => self.flag(6),
                    Some(used) => triple.available = a - used,
                    None => {}
                }
                triple.allocatable = a;
            }
            if let Some(used) = used {
                triple.allocated = used;
            }
            let total = &mut self.summary.totals[index];
            total[0] += triple.allocatable;
            total[1] += triple.allocated;
            total[2] += triple.available;
            resources[index] = triple;
            if index == 2 && gpu_info != a.filter(|&a| a != -1).unwrap_or(0) {
                self.flag(7);
            }
        }
        if self.depth == Depth::ReportAndChecks {
            for at in volumes.into_iter().flatten() {
                self.volumes(at);
            }
        }
        if self.depth >= Depth::Report {
            let [cpu_millis, memory_bytes, gpu, ephemeral_storage_bytes] = resources;
            self.group_gpus(gpu);
            self.summary.report.nodes.push(NodeSummary {
                name: name.map(|name| String::from_utf8_lossy(name).into_owned()),
                resources: Resources {
                    cpu_millis,
                    memory_bytes,
                    gpu,
                    ephemeral_storage_bytes,
                },
            });
        }
    }

    /// akinv's GPU groups: devices counted per kind in the order listed, the last kind taking
    /// what is left; no device list puts the node's GPUs in the unknown kind.
    fn group_gpus(&mut self, gpu: Triple) {
        if gpu.allocatable == 0 && gpu.available == 0 {
            return;
        }
        let mut kinds: Vec<(Device, i128)> = Vec::new();
        for device in &self.devices {
            match kinds.iter_mut().find(|(kind, _)| same_kind(kind, device)) {
                Some((_, n)) => *n += 1,
                None => kinds.push((*device, 1)),
            }
        }
        let (mut allocatable_left, mut available_left) = (gpu.allocatable, gpu.available);
        let last = kinds.len().saturating_sub(1);
        for i in 0..kinds.len().max(1) {
            let (index, count) = match kinds.get(i) {
                Some((device, count)) => (self.group_of(Some(device)), *count),
                None => (self.group_of(None), gpu.allocatable),
            };
            let allocatable = if i == last {
                allocatable_left
            } else {
                count.min(allocatable_left)
            };
            let available = if i == last {
                available_left
            } else {
                count.min(available_left)
            };
            allocatable_left -= allocatable;
            available_left -= available;
            let group = &mut self.summary.report.gpus[index];
            group.allocatable += allocatable;
            group.available += available;
        }
    }

    fn group_of(&mut self, device: Option<&Device<'t>>) -> usize {
        if let Some(device) = device {
            if let Some(&(_, index)) = self.kinds.iter().find(|(kind, _)| same_kind(kind, device)) {
                return index;
            }
        }
        let key = device.map_or_else(|| gpu_key(&[b""; 4]), gpu_key);
        let gpus = &mut self.summary.report.gpus;
        let index = gpus.iter().position(|g| g.key == key).unwrap_or_else(|| {
            gpus.push(GpuGroup {
                key,
                allocatable: 0,
                available: 0,
            });
            gpus.len() - 1
        });
        if let Some(device) = device {
            self.kinds.push((*device, index));
        }
        index
    }

    fn pool(&mut self, at: T::Node) {
        let tape = self.tape;
        let (mut quantity, mut class): (_, &[u8]) = (None, b"");
        tape.members(at, |key, value| match key {
            b"quantity" => quantity = Some(value),
            b"info" => tape.members(value, |key, value| {
                if let (b"class", Scalar::Text(text)) = (key, tape.scalar(value)) {
                    class = text;
                }
            }),
            _ => {}
        });
        let (a_at, l_at) = quantity.map_or((None, None), |at| self.pair(at));
        let a = self.quantity(a_at, Scale::Unit, Some(POOL_CAP), true);
        let used = self.quantity(l_at, Scale::Unit, Some(POOL_CAP), false);
        self.capacity(quantity, Scale::Unit, Some(POOL_CAP));
        if let (Some(a), Some(used)) = (a, used) {
            if a != -1 && used > a {
                self.flag(6);
            }
        }
        if self.depth >= Depth::Report && quantity.is_some() {
            // Clean pools only (the check compares documents without findings).
            let a = a.filter(|&a| a != -1).unwrap_or(0);
            let used = used.unwrap_or(0);
            let class = String::from_utf8_lossy(class);
            let storage = &mut self.summary.report.storage;
            let index = storage
                .iter()
                .position(|s| s.class == class)
                .unwrap_or_else(|| {
                    storage.push(StorageClassTotal {
                        class: class.into_owned(),
                        bytes: Triple::default(),
                    });
                    storage.len() - 1
                });
            let bytes = &mut storage[index].bytes;
            bytes.allocatable += a;
            bytes.allocated += used;
            bytes.available += a - used;
        }
    }

    fn reservation(&mut self, at: T::Node) {
        let tape = self.tape;
        let mut positions = Vec::new();
        tape.members(at, |key, value| match key {
            b"count" => positions.push((value, None)),
            b"resources" => tape.members(value, |key, value| match key {
                b"cpu" => positions.push((value, Some(Scale::Milli))),
                b"memory" | b"gpu" | b"ephemeral_storage" | b"ephemeralStorage" => {
                    positions.push((value, Some(Scale::Unit)))
                }
                b"storage" => {
                    tape.members(value, |_, value| positions.push((value, Some(Scale::Unit))))
                }
                _ => {}
            }),
            _ => {}
        });
        for (at, scale) in positions {
            match scale {
                None => self.counter(at),
                Some(scale) => {
                    self.quantity(Some(at), scale, None, false);
                }
            }
        }
    }

    fn document(&mut self) {
        let tape = self.tape;
        let root = tape.root();
        let (mut nodes, mut pools, mut reservations, mut counters) = (None, None, None, Vec::new());
        tape.members(root, |key, value| match key {
            b"cluster" => tape.members(value, |key, value| match key {
                b"leases" => tape.members(value, |key, value| {
                    if key == b"active" {
                        counters.push(value);
                    }
                }),
                b"inventory" => tape.members(value, |key, value| match key {
                    b"cluster" => tape.members(value, |key, value| match key {
                        b"nodes" => nodes = Some(value),
                        b"storage" => pools = Some(value),
                        _ => {}
                    }),
                    b"reservations" => reservations = Some(value),
                    _ => {}
                }),
                _ => {}
            }),
            b"bid_engine" | b"bidEngine" => tape.members(value, |key, value| {
                if key == b"orders" {
                    counters.push(value);
                }
            }),
            b"manifest" => tape.members(value, |key, value| {
                if key == b"deployments" {
                    counters.push(value);
                }
            }),
            _ => {}
        });
        for at in counters {
            self.counter(at);
        }
        if let Some(nodes) = nodes {
            tape.elements(nodes, |at| self.node(at));
        }
        if let Some(pools) = pools {
            tape.elements(pools, |at| self.pool(at));
        }
        if let Some(reservations) = reservations {
            let mut sides = Vec::new();
            tape.members(reservations, |key, value| {
                if key == b"pending" || key == b"active" {
                    sides.push(value);
                }
            });
            for at in sides {
                self.reservation(at);
            }
        }
    }
}

/// The peers' job on one parsed v1 document, and as much more of akinv's as `depth` says.
pub fn run<'t>(tape: &impl Tree<'t>, depth: Depth) -> Summary {
    let mut summary = Summary::default();
    Job {
        tape,
        summary: &mut summary,
        names: Vec::new(),
        depth,
        devices: Vec::new(),
        kinds: Vec::new(),
    }
    .document();
    summary.report.gpus.sort_by(|a, b| a.key.cmp(&b.key));
    summary
}

impl ReportParts {
    /// The same parts of akinv's own report, for the check before timing.
    pub fn of(report: &akinv_core::Report) -> ReportParts {
        use akinv_core::Amount;
        fn triple<A: Amount>(t: &akinv_core::Triple<A>) -> Triple {
            Triple {
                allocatable: i128::from(t.allocatable.get()),
                allocated: i128::from(t.allocated.get()),
                available: i128::from(t.available.get()),
            }
        }
        ReportParts {
            nodes: report
                .nodes
                .iter()
                .map(|n| NodeSummary {
                    name: n.name.clone(),
                    resources: Resources {
                        cpu_millis: triple(&n.resources.cpu_millis),
                        memory_bytes: triple(&n.resources.memory_bytes),
                        gpu: triple(&n.resources.gpu),
                        ephemeral_storage_bytes: triple(&n.resources.ephemeral_storage_bytes),
                    },
                })
                .collect(),
            gpus: report
                .gpus
                .iter()
                .map(|g| GpuGroup {
                    key: GpuKey {
                        vendor: g.key.vendor.clone(),
                        model: g.key.model.clone(),
                        memory_size: g.key.memory_size.clone(),
                        interface: g.key.interface.clone(),
                    },
                    allocatable: i128::from(g.allocatable.get()),
                    available: i128::from(g.available.get()),
                })
                .collect(),
            storage: report
                .totals
                .storage
                .iter()
                .map(|s| StorageClassTotal {
                    class: s.class.clone(),
                    bytes: triple(&s.bytes),
                })
                .collect(),
        }
    }
}
