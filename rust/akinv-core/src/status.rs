//! One pass over a status document of any shape: classify every number, build the report,
//! and (when sanitizing) collect byte-range edits.
//!
//! The document is pulled token by token with `jiter`; keys are matched as bytes, values are
//! read in place, and nothing of the payload is copied except node names and GPU labels.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use crate::quantity::{parse_int, parse_int_rounded, Quantity, QuantityErrorKind, Scale};
use crate::report::{
    Code, Finding, FindingValue, GpuGroup, GpuKey, NodeSummary, Policy, Report, Resources, Schema,
    Totals, Triple,
};
use jiter::{Jiter, JiterError, LinePosition, Peek};
use std::collections::HashMap;

/// A document that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// Not JSON: what is wrong and where (1-based line and column).
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    /// Valid JSON of none of the three shapes.
    UnknownShape { detail: String },
    /// Larger than akinv reads in one document.
    TooLarge { bytes: usize, limit: usize },
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Json {
                message,
                line,
                column,
            } => {
                write!(
                    f,
                    "malformed JSON at line {line} column {column}: {message}"
                )
            }
            DocumentError::UnknownShape { detail } => write!(
                f,
                "unknown document shape ({detail}); expected a legacy REST /status document \
                 (cluster.inventory.available), an akash.provider.v1.Status document \
                 (cluster.inventory.cluster) or an inventory cluster ({{\"nodes\": [...]}})"
            ),
            DocumentError::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "document of {bytes} bytes is larger than the {limit}-byte limit"
                )
            }
        }
    }
}

impl std::error::Error for DocumentError {}

/// One byte-range replacement made by sanitizing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    pub path: String,
    pub original: FindingValue,
    pub reason: Code,
}

type Result<T> = std::result::Result<T, JiterError>;

#[derive(Debug, Clone, Copy)]
enum Seg {
    Key(&'static str),
    Index(usize),
    /// A map key that is data (a storage class name): its byte range in the input.
    Name(usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    Absent,
    Trusted,
    /// An allocatable of exactly -1: no limit.
    Unbounded,
    Untrusted(Code),
}

/// One number as read: its exact value when trusted, and where its token is.
#[derive(Debug, Clone, Copy)]
struct Reading {
    value: i128,
    trust: Trust,
    start: usize,
    end: usize,
}

impl Reading {
    const ABSENT: Reading = Reading {
        value: 0,
        trust: Trust::Absent,
        start: 0,
        end: 0,
    };

    fn trusted(&self) -> Option<i128> {
        match self.trust {
            Trust::Trusted => Some(self.value),
            Trust::Absent => Some(0),
            _ => None,
        }
    }

    fn untrusted_code(&self) -> Option<Code> {
        match self.trust {
            Trust::Untrusted(code) => Some(code),
            _ => None,
        }
    }

    fn present(&self) -> bool {
        self.trust != Trust::Absent
    }
}

/// The four node resources and how each is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    Cpu,
    Memory,
    Gpu,
    Ephemeral,
}

impl Res {
    const ALL: [Res; 4] = [Res::Cpu, Res::Memory, Res::Gpu, Res::Ephemeral];

    fn name(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
            Res::Gpu => "gpu",
            Res::Ephemeral => "ephemeral_storage",
        }
    }

    fn legacy_key(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
            Res::Gpu => "gpu",
            Res::Ephemeral => "storage_ephemeral",
        }
    }

    fn from_legacy_key(key: &[u8]) -> Option<Res> {
        // A match on the bytes compiles to a switch on length: this runs for every legacy key.
        match key {
            b"cpu" => Some(Res::Cpu),
            b"memory" => Some(Res::Memory),
            b"gpu" => Some(Res::Gpu),
            b"storage_ephemeral" => Some(Res::Ephemeral),
            _ => None,
        }
    }

    fn cap(self, policy: &Policy) -> i128 {
        match self {
            Res::Cpu => policy.caps.cpu_millis,
            Res::Memory => policy.caps.memory_bytes,
            Res::Gpu => policy.caps.gpu,
            Res::Ephemeral => policy.caps.ephemeral_storage_bytes,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Res::Cpu => "millicores",
            Res::Memory | Res::Ephemeral => "bytes",
            Res::Gpu => "GPUs",
        }
    }

    fn get(self, resources: &Resources) -> Triple {
        match self {
            Res::Cpu => resources.cpu_millis,
            Res::Memory => resources.memory_bytes,
            Res::Gpu => resources.gpu,
            Res::Ephemeral => resources.ephemeral_storage_bytes,
        }
    }

    fn triple(self, resources: &mut Resources) -> &mut Triple {
        match self {
            Res::Cpu => &mut resources.cpu_millis,
            Res::Memory => &mut resources.memory_bytes,
            Res::Gpu => &mut resources.gpu,
            Res::Ephemeral => &mut resources.ephemeral_storage_bytes,
        }
    }
}

/// How a value is spelled in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// A JSON integer (legacy documents).
    Integer,
    /// A Kubernetes quantity: a string, `{"string": "..."}`, or a bare number.
    Quantity(Scale),
}

/// What a value is checked against.
#[derive(Debug, Clone, Copy)]
struct Check {
    resource: &'static str,
    cap: Option<i128>,
    /// Allocatable -1 means unbounded.
    unbounded_ok: bool,
    unit: &'static str,
}

const WRAP_CENTER: i128 = 1 << 64;
const WRAP_WINDOW: i128 = 1 << 32;

/// A v1 `ResourcePair` as read, with its path for later findings.
#[derive(Debug, Clone, Copy)]
struct Pair {
    allocatable: Reading,
    allocated: Reading,
    capacity: Reading,
}

impl Pair {
    const EMPTY: Pair = Pair {
        allocatable: Reading::ABSENT,
        allocated: Reading::ABSENT,
        capacity: Reading::ABSENT,
    };
}

/// Index of the memory size in [`RawGpu::fields`].
const MEMORY_SIZE: usize = 2;

/// A GPU `info` entry: byte ranges of (vendor, name, memory_size, interface) in the input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RawGpu {
    fields: [(usize, usize); 4],
}

impl RawGpu {
    /// Whether two devices fall in one group: labels compare without case, as [`RawGpu::key`]
    /// lower-cases them; the memory size exactly, as quantities are case-sensitive (`1m`, `1M`).
    fn same_kind(&self, other: &RawGpu, data: &[u8]) -> bool {
        self.fields
            .iter()
            .zip(&other.fields)
            .enumerate()
            .all(|(i, (a, b))| {
                let (a, b) = (data[a.0..a.1].trim_ascii(), data[b.0..b.1].trim_ascii());
                if i == MEMORY_SIZE {
                    a == b
                } else {
                    a.eq_ignore_ascii_case(b)
                }
            })
    }

    /// The bytes two devices of one kind share ([`RawGpu::same_kind`]): labels trimmed and
    /// lower-cased, the memory size trimmed, each after its length (strings may hold any byte,
    /// so no separator would keep two fields apart).
    fn normalized(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &(start, end)) in self.fields.iter().enumerate() {
            let field = data[start..end].trim_ascii();
            out.extend_from_slice(&field.len().to_le_bytes());
            if i == MEMORY_SIZE {
                out.extend_from_slice(field);
            } else {
                out.extend(field.iter().map(u8::to_ascii_lowercase));
            }
        }
        out
    }

    /// Lower-cased labels (the catalogue mixes "SXM5", "PCIe", "Nothsure") and a normalized size.
    fn key(&self, data: &[u8]) -> GpuKey {
        let text = |i: usize| {
            let (start, end) = self.fields[i];
            String::from_utf8_lossy(data[start..end].trim_ascii()).into_owned()
        };
        GpuKey {
            vendor: text(0).to_ascii_lowercase(),
            model: text(1).to_ascii_lowercase(),
            memory_size: normalize_memory_size(&text(MEMORY_SIZE)),
            interface: text(3).to_ascii_lowercase(),
        }
    }
}

/// Device kinds seen so far, each with a value: found by scanning while there are few (nearly
/// every document: no allocation), by a hash of their normalized labels once there are many, or
/// a document listing thousands of models would take quadratic time (40,000 took 17 s).
struct Kinds<V> {
    entries: Vec<(RawGpu, V)>,
    /// Normalized labels -> index in `entries`, filled once `entries` outgrows a scan.
    hashed: HashMap<Vec<u8>, usize>,
}

impl<V> Default for Kinds<V> {
    fn default() -> Self {
        Kinds {
            entries: Vec::new(),
            hashed: HashMap::new(),
        }
    }
}

impl<V> Kinds<V> {
    const SCANNED: usize = 16;

    fn clear(&mut self) {
        self.entries.clear();
        self.hashed.clear();
    }

    /// The index of the entry of `raw`'s kind, if there is one.
    fn find(&self, raw: &RawGpu, data: &[u8]) -> Option<usize> {
        if self.entries.len() <= Self::SCANNED {
            return self
                .entries
                .iter()
                .position(|(kind, _)| kind.same_kind(raw, data));
        }
        self.hashed.get(&raw.normalized(data)).copied()
    }

    fn push(&mut self, raw: RawGpu, value: V, data: &[u8]) {
        self.entries.push((raw, value));
        match self.entries.len() {
            n if n <= Self::SCANNED => {}
            // Crossing the threshold hashes every entry so far; later ones one by one.
            n if n == Self::SCANNED + 1 => {
                for (index, (kind, _)) in self.entries.iter().enumerate() {
                    self.hashed.entry(kind.normalized(data)).or_insert(index);
                }
            }
            n => {
                self.hashed
                    .entry(raw.normalized(data))
                    .or_insert(n.saturating_sub(1));
            }
        }
    }
}

/// Accumulates one node while its object is read.
#[derive(Default)]
struct NodeState {
    name: Option<String>,
    first_finding: usize,
    resources: Resources,
    /// One entry per listed GPU device, as byte ranges of the input (no copies).
    gpu_devices: Vec<RawGpu>,
    gpu_info_seen: bool,
    // Legacy nodes: allocatable and available objects.
    legacy_allocatable: Option<[Reading; 4]>,
    legacy_available: Option<[Reading; 4]>,
    legacy_flat: Option<[Reading; 4]>,
    saw_resources: bool,
}

/// Inventory `total_*` numbers, checked against the nodes at the end.
#[derive(Default)]
struct ReportedTotals {
    allocatable: Option<[Reading; 4]>,
    available: Option<[Reading; 4]>,
}

struct NodeSums {
    allocatable: [i128; 4],
    available: [i128; 4],
    allocatable_trusted: [bool; 4],
    available_trusted: [bool; 4],
}

impl Default for NodeSums {
    fn default() -> Self {
        NodeSums {
            allocatable: [0; 4],
            available: [0; 4],
            allocatable_trusted: [true; 4],
            available_trusted: [true; 4],
        }
    }
}

pub(crate) struct Walker<'a, 'p> {
    data: &'a [u8],
    jiter: Jiter<'a>,
    policy: &'p Policy,
    path: Vec<Seg>,
    schema: Option<Schema>,
    /// Weak evidence (`bidengine` spelling, `leases` type) for documents without an inventory.
    hint: Option<Schema>,
    findings: Vec<Finding>,
    nodes: Vec<NodeSummary>,
    /// The path of the array holding the nodes, and each node's index in it.
    node_array_path: Option<String>,
    node_indices: Vec<usize>,
    totals: Totals,
    gpus: Vec<GpuGroup>,
    /// Device kinds already grouped in this document, as raw bytes, with their group's index:
    /// providers repeat one model over many nodes, and building a key costs allocations.
    gpu_kinds: Kinds<usize>,
    /// Per-node scratch: each kind of device on the node and how many there are.
    node_gpu_kinds: Kinds<i128>,
    /// `gpus` by key, once there are too many groups to scan.
    gpu_groups: HashMap<GpuKey, usize>,
    inventory_ready: bool,
    edits: Option<Vec<Edit>>,
    reported_totals: ReportedTotals,
    node_sums: NodeSums,
}

/// Reads `data` and returns its report, plus edits when `sanitize` is set.
pub fn read(
    data: &[u8],
    schema: Option<Schema>,
    policy: &Policy,
    sanitize: bool,
) -> std::result::Result<(Report, Vec<Edit>), DocumentError> {
    let mut walker = Walker {
        data,
        jiter: Jiter::new(data),
        policy,
        path: Vec::with_capacity(16),
        schema,
        hint: None,
        findings: Vec::new(),
        nodes: Vec::new(),
        node_array_path: None,
        node_indices: Vec::new(),
        totals: Totals::default(),
        gpus: Vec::new(),
        gpu_kinds: Kinds::default(),
        node_gpu_kinds: Kinds::default(),
        gpu_groups: HashMap::new(),
        inventory_ready: true,
        edits: sanitize.then(Vec::new),
        reported_totals: ReportedTotals::default(),
        node_sums: NodeSums::default(),
    };
    match walker.document() {
        Ok(true) => {}
        Ok(false) => {
            return Err(DocumentError::UnknownShape {
                detail: "the top level is not a JSON object".to_owned(),
            })
        }
        Err(error) => {
            let LinePosition { line, column } = LinePosition::find(data, error.index);
            return Err(DocumentError::Json {
                message: error.error_type.to_string(),
                line,
                column,
            });
        }
    }
    let Some(schema) = walker.schema.or(walker.hint) else {
        return Err(DocumentError::UnknownShape {
            detail: "no cluster.inventory and no nodes".to_owned(),
        });
    };
    walker.finish();
    let mut edits = walker.edits.take().unwrap_or_default();
    edits.sort_by_key(|e| e.start);
    let report = Report {
        schema,
        findings: walker.findings,
        nodes: walker.nodes,
        totals: walker.totals,
        gpus: walker.gpus,
        inventory_ready: walker.inventory_ready,
    };
    Ok((report, edits))
}

/// An object key as the walker matches it: Go and every JSON reader take "\u0067pu" as "gpu",
/// so a key with escapes is matched decoded, or a wrapped count could hide behind an escape.
enum Key {
    /// The key's bytes in the input: it has no escapes (nearly every key).
    InPlace(usize, usize),
    /// The decoded text of a key with escapes.
    Unescaped(String),
}

impl Key {
    fn of(data: &[u8], key: Option<&str>) -> Option<Key> {
        let key = key?;
        Some(match place_in(data, key.as_bytes()) {
            Some((start, end)) => Key::InPlace(start, end),
            // jiter decoded the key into its own buffer.
            None => Key::Unescaped(key.to_owned()),
        })
    }
}

/// `value` bounded by `largest`; the exact value when it had to be.
fn bounded(value: &mut i128, largest: i128) -> Option<i128> {
    (*value > largest).then(|| std::mem::replace(value, largest))
}

/// Where `slice` lies in `data`, when it is a part of it.
fn place_in(data: &[u8], slice: &[u8]) -> Option<(usize, usize)> {
    let start = (slice.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let end = start.checked_add(slice.len())?;
    (end <= data.len()).then_some((start, end))
}

impl<'a> Walker<'a, '_> {
    // ---- tokens ----

    /// Iterates an object's keys if the next value is an object; `false` when it is not.
    fn object(&mut self, mut each: impl FnMut(&mut Self, &[u8]) -> Result<()>) -> Result<bool> {
        if self.jiter.peek()? != Peek::Object {
            return Ok(false);
        }
        let mut key = Key::of(self.data, self.jiter.known_object()?);
        while let Some(found) = key {
            match found {
                Key::InPlace(start, end) => {
                    let data = self.data;
                    each(self, &data[start..end])?;
                }
                Key::Unescaped(text) => each(self, text.as_bytes())?,
            }
            key = Key::of(self.data, self.jiter.next_key()?);
        }
        Ok(true)
    }

    /// The text of the JSON string whose content (quotes excluded) is `span` of `data`, with its
    /// escapes decoded; `None` when it does not decode (a lone surrogate).
    fn unescaped(data: &[u8], span: (usize, usize)) -> Option<String> {
        let quoted = data.get(span.0.checked_sub(1)?..span.1.checked_add(1)?)?;
        Jiter::new(quoted).next_str().ok().map(str::to_owned)
    }

    /// Consumes a `null`, which Go's encoder writes for nil slices, maps and pointers.
    fn null(&mut self) -> Result<bool> {
        if self.jiter.peek()? == Peek::Null {
            self.jiter.known_null()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Where `slice`, which the parser cut from `data`, lies in it: keys are then read from
    /// `data` itself, with no copy and no borrow of the parser.
    fn span_of(data: &[u8], slice: &[u8]) -> (usize, usize) {
        // Not part of the input (never seen): an empty key matches nothing akinv reads.
        place_in(data, slice).unwrap_or((0, 0))
    }

    /// Like [`Walker::object`], reporting `wrong-type` and skipping anything but an object or null.
    fn expect_object(&mut self, each: impl FnMut(&mut Self, &[u8]) -> Result<()>) -> Result<bool> {
        if self.object(each)? {
            return Ok(true);
        }
        if !self.null()? {
            self.wrong_type("an object")?;
        }
        Ok(false)
    }

    fn expect_array(&mut self, mut each: impl FnMut(&mut Self, usize) -> Result<()>) -> Result<()> {
        if self.null()? {
            return Ok(());
        }
        if self.jiter.peek()? != Peek::Array {
            return self.wrong_type("an array");
        }
        let mut item = self.jiter.known_array()?;
        let mut index = 0;
        while item.is_some() {
            self.path.push(Seg::Index(index));
            each(self, index)?;
            self.path.pop();
            index = index.saturating_add(1);
            item = self.jiter.array_step()?;
        }
        Ok(())
    }

    /// Runs `f` with `key` pushed on the path.
    fn at<T>(&mut self, key: &'static str, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.path.push(Seg::Key(key));
        let result = f(self);
        self.path.pop();
        result
    }

    fn skip(&mut self) -> Result<()> {
        self.jiter.next_skip()
    }

    fn json_kind(peek: Peek) -> &'static str {
        match peek {
            Peek::Null => "null",
            Peek::True | Peek::False => "a boolean",
            Peek::String => "a string",
            Peek::Array => "an array",
            Peek::Object => "an object",
            _ => "a number",
        }
    }

    /// Reports the next value as being of the wrong type and skips it.
    fn wrong_type(&mut self, expected: &str) -> Result<()> {
        let peek = self.jiter.peek()?;
        let start = self.jiter.current_index();
        self.jiter.known_skip(peek)?;
        let found = Self::json_kind(peek);
        let raw = self.raw_value(start, self.jiter.current_index());
        let field = self.field_name();
        self.finding(
            Code::WrongType,
            &[],
            None,
            raw,
            format!("{field} must be {expected}, found {found}"),
        );
        Ok(())
    }

    fn raw_value(&self, start: usize, end: usize) -> FindingValue {
        let raw = &self.data[start..end];
        if raw.len() > 200 {
            return FindingValue::Text(format!("{}...", String::from_utf8_lossy(&raw[..200])));
        }
        FindingValue::Text(String::from_utf8_lossy(raw).into_owned())
    }

    // ---- paths and findings ----

    fn path_string(&self, extra: &[Seg]) -> String {
        let mut out = String::with_capacity(64);
        for seg in self.path.iter().chain(extra) {
            match seg {
                Seg::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Seg::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
                Seg::Name(start, end) => {
                    out.push('.');
                    out.push_str(&String::from_utf8_lossy(&self.data[*start..*end]));
                }
            }
        }
        out
    }

    /// The last key of the path, for messages ("gpu allocatable").
    fn field_name(&self) -> String {
        let keys: Vec<std::borrow::Cow<'_, str>> = self
            .path
            .iter()
            .rev()
            .filter_map(|s| match s {
                Seg::Key(k) if *k != "quantity" => Some(std::borrow::Cow::Borrowed(*k)),
                Seg::Name(start, end) => Some(String::from_utf8_lossy(&self.data[*start..*end])),
                _ => None,
            })
            .take(2)
            .collect();
        keys.into_iter().rev().collect::<Vec<_>>().join(" ")
    }

    fn finding(
        &mut self,
        code: Code,
        extra: &[Seg],
        resource: Option<&'static str>,
        value: FindingValue,
        message: String,
    ) {
        let path = self.path_string(extra);
        self.findings.push(Finding {
            code,
            severity: self.policy.severity(code),
            path,
            node: None,
            resource,
            value,
            message,
        });
    }

    fn edit(&mut self, reading: &Reading, replacement: &str, extra: &[Seg], reason: Code) {
        if self.edits.is_none() || !reading.present() || reading.end <= reading.start {
            return;
        }
        // One token gets one edit, the first rule's.
        if self.edits.as_ref().is_some_and(|edits| {
            edits
                .iter()
                .rev()
                .take(16)
                .any(|e| e.start == reading.start)
        }) {
            return;
        }
        let current = &self.data[reading.start..reading.end];
        if current == replacement.as_bytes() {
            return;
        }
        let original = self.original(reading);
        let path = self.path_string(extra);
        if let Some(edits) = self.edits.as_mut() {
            edits.push(Edit {
                start: reading.start,
                end: reading.end,
                replacement: replacement.to_owned(),
                path,
                original,
                reason,
            });
        }
    }

    /// A key given twice: like Go's decoder, the last value counts; an untrusted earlier one
    /// is still zeroed when sanitizing, since other readers may take the first.
    fn keep_last(&mut self, slot: &mut Reading, reading: Reading, zero: &str, key: &'static str) {
        let previous = std::mem::replace(slot, reading);
        if let Some(code) = previous.untrusted_code() {
            self.edit(&previous, zero, &[Seg::Key(key)], code);
        }
    }

    /// The original value of a token: an exact integer when it is one, else its text.
    fn original(&self, reading: &Reading) -> FindingValue {
        let raw = &self.data[reading.start..reading.end];
        let text = raw
            .strip_prefix(b"\"")
            .and_then(|r| r.strip_suffix(b"\""))
            .unwrap_or(raw);
        match Quantity::parse(text).and_then(|q| q.to_int_rounded(Scale::Unit)) {
            Ok((value, false)) if text == raw => FindingValue::Int(value),
            _ => self.raw_value(reading.start, reading.end),
        }
    }

    /// Token text of a trusted reading, to copy over an untrusted one.
    /// As a JSON string: a bare-number quantity (`64`) is copied as `"64"`, since the place it
    /// goes to may be protojson's `{"string": ...}`, which holds only strings.
    fn token_text(&self, reading: &Reading) -> String {
        let raw = String::from_utf8_lossy(&self.data[reading.start..reading.end]);
        if raw.starts_with('"') {
            raw.into_owned()
        } else {
            format!("\"{raw}\"")
        }
    }

    // ---- numbers ----

    /// Reads and classifies the next value; reports any finding at the current path.
    fn number(&mut self, spelling: Spelling, check: Check) -> Result<Reading> {
        let peek = self.jiter.peek()?;
        let start = self.jiter.current_index();
        let parsed: std::result::Result<(i128, bool), QuantityErrorKind>;
        let (token_start, token_end);
        match (peek, spelling) {
            (p, _) if p.is_num() => {
                let text = self.jiter.known_number_bytes(p)?;
                parsed = match spelling {
                    // Integer fields must be exact integers; the rounding flag says they were not.
                    Spelling::Integer => parse_int_rounded(text, Scale::Unit),
                    // A bare number in a quantity field: Go reads it as a quantity, rounding up.
                    Spelling::Quantity(scale) => parse_int(text, scale).map(|v| (v, false)),
                }
                .map_err(|e| e.kind);
                (token_start, token_end) = (start, self.jiter.current_index());
            }
            (Peek::String, Spelling::Quantity(scale)) => {
                let text = self.jiter.known_bytes()?;
                parsed = parse_int(text, scale)
                    .map(|v| (v, false))
                    .map_err(|e| e.kind);
                (token_start, token_end) = (start, self.jiter.current_index());
            }
            (Peek::Object, Spelling::Quantity(_)) => {
                // protojson: {"string": "16Gi"}; `{}` is an empty (zero) quantity.
                let mut reading = Reading::ABSENT;
                self.object(|w, key| match (key, w.jiter.peek()?) {
                    // The path stays at the quantity's own key, as Go's JSON would name it.
                    // Given twice, the last counts, and an untrusted earlier one is zeroed too.
                    (b"string", Peek::String) => {
                        let last = w.number(spelling, check)?;
                        w.keep_last(&mut reading, last, "\"0\"", "string");
                        Ok(())
                    }
                    // protojson's Quantity.string is a string: anything else there is wrong.
                    (b"string", _) => {
                        let start = w.jiter.current_index();
                        w.wrong_type("a quantity string")?;
                        let end = w.jiter.current_index();
                        let trust = Trust::Untrusted(Code::WrongType);
                        let last = Reading {
                            value: 0,
                            trust,
                            start,
                            end,
                        };
                        w.keep_last(&mut reading, last, "\"0\"", "string");
                        Ok(())
                    }
                    _ => w.skip(),
                })?;
                return Ok(reading);
            }
            (Peek::Null, Spelling::Quantity(_)) => {
                self.jiter.known_null()?;
                return Ok(Reading::ABSENT);
            }
            _ => {
                let expected = match spelling {
                    Spelling::Integer => "an integer",
                    Spelling::Quantity(_) => "a quantity string",
                };
                self.wrong_type(expected)?;
                let end = self.jiter.current_index();
                return Ok(Reading {
                    value: 0,
                    trust: Trust::Untrusted(Code::WrongType),
                    start,
                    end,
                });
            }
        }
        let scale = match spelling {
            Spelling::Integer => Scale::Unit,
            Spelling::Quantity(scale) => scale,
        };
        Ok(self.classify(parsed, token_start, token_end, check, scale))
    }

    fn classify(
        &mut self,
        parsed: std::result::Result<(i128, bool), QuantityErrorKind>,
        start: usize,
        end: usize,
        check: Check,
        scale: Scale,
    ) -> Reading {
        // Decide first; words are built only for the rare value that has a finding.
        let code = match parsed {
            Ok((value, false)) => {
                // Unbounded is Value() == -1, so in millicores anything from -1000m to -1m.
                let unbounded = match scale {
                    Scale::Unit => value == -1,
                    Scale::Milli => (-1000..=-1).contains(&value),
                };
                if check.unbounded_ok && unbounded {
                    return Reading {
                        value,
                        trust: Trust::Unbounded,
                        start,
                        end,
                    };
                }
                if (-WRAP_WINDOW..WRAP_WINDOW).contains(&value.saturating_sub(WRAP_CENTER)) {
                    Code::WrappedNegative
                } else if value >= self.policy.int_limit {
                    Code::NotInt64Safe
                } else if value < 0 {
                    Code::Negative
                } else if check.cap.is_some_and(|cap| value > cap) {
                    Code::AboveCap
                } else {
                    return Reading {
                        value,
                        trust: Trust::Trusted,
                        start,
                        end,
                    };
                }
            }
            Ok((_, true)) => Code::Unparsable,
            Err(QuantityErrorKind::TooLarge) => Code::NotInt64Safe,
            Err(_) => Code::Unparsable,
        };
        let (value, message) = self.describe(code, parsed, start, end, check);
        self.finding(code, &[], Some(check.resource), value, message);
        Reading {
            value: 0,
            trust: Trust::Untrusted(code),
            start,
            end,
        }
    }

    /// The finding value and message of a number classified as `code`.
    fn describe(
        &self,
        code: Code,
        parsed: std::result::Result<(i128, bool), QuantityErrorKind>,
        start: usize,
        end: usize,
        check: Check,
    ) -> (FindingValue, String) {
        let field = self.field_name();
        let text = String::from_utf8_lossy(&self.data[start..end]).into_owned();
        let value = match parsed {
            Ok((value, false)) => value,
            Ok((_, true)) => {
                return (
                    FindingValue::Text(text.clone()),
                    format!("{field} {text} is not an integer"),
                )
            }
            Err(QuantityErrorKind::TooLarge) => {
                let message = format!("{field} {text} is far beyond a signed 64-bit integer");
                return (FindingValue::Text(text), message);
            }
            Err(kind) => {
                let reason = crate::quantity::QuantityError { kind }
                    .reason(text.trim_matches('"').as_bytes());
                let message = format!("{field} {text} is not a valid quantity: {reason}");
                return (FindingValue::Text(text), message);
            }
        };
        let distance = value.saturating_sub(WRAP_CENTER);
        let message = match code {
            Code::WrappedNegative if distance < 0 => format!(
                "{field} {value} is a uint64 wraparound of {distance}: allocated exceeded allocatable \
                 (e.g. the GPU device plugin restarted)"
            ),
            Code::WrappedNegative => {
                format!("{field} {value} is just above 2^64: a wrapped count printed through a float, or summed past 2^64")
            }
            Code::NotInt64Safe => format!(
                "{field} {value} does not fit a signed integer column below {}",
                self.policy.int_limit
            ),
            Code::Negative => format!("{field} {value} is negative"),
            _ => format!(
                "{field} {value} {} is above the plausibility cap of {}",
                check.unit,
                check.cap.unwrap_or_default()
            ),
        };
        (FindingValue::Int(value), message)
    }

    /// A uint32 counter (leases, orders, deployments, count).
    fn counter(&mut self, name: &'static str) -> Result<Reading> {
        let check = Check {
            resource: name,
            cap: Some(i128::from(u32::MAX)),
            unbounded_ok: false,
            unit: "",
        };
        let reading = self.number(Spelling::Integer, check)?;
        if reading.untrusted_code().is_some() {
            self.edit(
                &reading,
                "0",
                &[],
                reading.untrusted_code().unwrap_or(Code::WrongType),
            );
        }
        Ok(reading)
    }

    /// A number with no cross-field rule: untrusted values become zero when sanitizing.
    fn lone(&mut self, spelling: Spelling, check: Check) -> Result<Reading> {
        let reading = self.number(spelling, check)?;
        if let Some(code) = reading.untrusted_code() {
            let zero = match spelling {
                Spelling::Integer => "0",
                Spelling::Quantity(_) => "\"0\"",
            };
            self.edit(&reading, zero, &[], code);
        }
        Ok(reading)
    }

    // ---- schema ----

    /// Records evidence of a dialect; `false` when the document was already taken as another.
    fn dialect(&mut self, schema: Schema) -> bool {
        match self.schema {
            None => {
                self.schema = Some(schema);
                true
            }
            Some(current) => current == schema,
        }
    }

    // ---- document ----

    fn document(&mut self) -> Result<bool> {
        let is_object = self.object(|w, key| match key {
            b"cluster" => w.at("cluster", |w| w.cluster()),
            b"nodes" if w.dialect(Schema::Inventory) => w.at("nodes", |w| w.inventory_nodes()),
            b"total_allocatable" if w.dialect(Schema::Inventory) => {
                w.at("total_allocatable", |w| w.reported_total(true))
            }
            b"total_available" if w.dialect(Schema::Inventory) => {
                w.at("total_available", |w| w.reported_total(false))
            }
            b"bidengine" => {
                w.hint.get_or_insert(Schema::Legacy);
                w.at("bidengine", |w| w.counters_object(b"orders", "orders"))
            }
            b"bidEngine" | b"bid_engine" => {
                w.hint.get_or_insert(Schema::V1);
                let key = if key == b"bidEngine" {
                    "bidEngine"
                } else {
                    "bid_engine"
                };
                w.at(key, |w| w.counters_object(b"orders", "orders"))
            }
            b"manifest" => w.at("manifest", |w| {
                w.counters_object(b"deployments", "deployments")
            }),
            b"reclamation_window" if w.jiter.peek()?.is_num() => w.at("reclamation_window", |w| {
                let check = Check {
                    resource: "reclamation_window",
                    cap: None,
                    unbounded_ok: false,
                    unit: "ns",
                };
                w.lone(Spelling::Integer, check).map(drop)
            }),
            _ => w.skip(),
        })?;
        if is_object {
            self.jiter.finish()?;
        }
        Ok(is_object)
    }

    fn counters_object(&mut self, wanted: &'static [u8], name: &'static str) -> Result<()> {
        self.expect_object(|w, key| {
            if key == wanted {
                w.at(name, |w| w.counter(name)).map(drop)
            } else {
                w.skip()
            }
        })
        .map(drop)
    }

    fn cluster(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"leases" => w.at("leases", |w| match w.jiter.peek()? {
                Peek::Object => {
                    w.hint.get_or_insert(Schema::V1);
                    w.counters_object(b"active", "active")
                }
                _ => {
                    w.hint.get_or_insert(Schema::Legacy);
                    w.counter("leases").map(drop)
                }
            }),
            b"inventory" => w.at("inventory", |w| w.inventory()),
            _ => w.skip(),
        })
        .map(drop)
    }

    fn inventory(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"active" if w.dialect(Schema::Legacy) => w.at("active", |w| w.legacy_reservations()),
            b"pending" if w.dialect(Schema::Legacy) => w.at("pending", |w| w.legacy_reservations()),
            b"available" if w.dialect(Schema::Legacy) => {
                w.at("available", |w| w.legacy_available())
            }
            b"error" if w.dialect(Schema::Legacy) => {
                w.inventory_ready = false;
                w.skip()
            }
            b"cluster" if w.dialect(Schema::V1) => w.at("cluster", |w| w.v1_cluster()),
            b"reservations" if w.dialect(Schema::V1) => {
                w.at("reservations", |w| w.v1_reservations())
            }
            b"leased_ip" if w.dialect(Schema::V1) => {
                w.at("leased_ip", |w| w.v1_pair_only("leased_ip"))
            }
            b"leasedIp" if w.dialect(Schema::V1) => {
                w.at("leasedIp", |w| w.v1_pair_only("leased_ip"))
            }
            _ => w.skip(),
        })
        .map(drop)
    }

    // ---- legacy ----

    fn legacy_check(res: Res, policy: &Policy, capped: bool) -> Check {
        Check {
            resource: res.name(),
            cap: capped.then(|| res.cap(policy)),
            unbounded_ok: false,
            unit: res.unit(),
        }
    }

    /// `{cpu, gpu, memory, storage_ephemeral}` numbers; `None` entries are absent.
    fn legacy_resources(
        &mut self,
        capped: bool,
        unbounded_ok: bool,
    ) -> Result<Option<[Reading; 4]>> {
        if self.null()? {
            return Ok(None);
        }
        let mut readings = [Reading::ABSENT; 4];
        let ok = self.expect_object(|w, key| match Res::from_legacy_key(key) {
            Some(res) => {
                let mut check = Self::legacy_check(res, w.policy, capped);
                check.unbounded_ok = unbounded_ok;
                let reading = w.at(res.legacy_key(), |w| w.number(Spelling::Integer, check))?;
                w.keep_last(&mut readings[res as usize], reading, "0", res.legacy_key());
                Ok(())
            }
            None => w.skip(),
        })?;
        if !ok {
            // Reported as wrong-type already; its numbers count as untrusted, not missing.
            let wrong = Reading {
                trust: Trust::Untrusted(Code::WrongType),
                ..Reading::ABSENT
            };
            readings = [wrong; 4];
        }
        Ok(Some(readings))
    }

    fn missing_fields(
        &mut self,
        readings: &[Reading; 4],
        object: &'static str,
        gpu_required: bool,
    ) {
        for res in Res::ALL {
            if !readings[res as usize].present() && (res != Res::Gpu || gpu_required) {
                let message = format!("{object} has no {}", res.legacy_key());
                let extra = [Seg::Key(object), Seg::Key(res.legacy_key())];
                self.finding(
                    Code::MissingField,
                    &extra,
                    Some(res.name()),
                    FindingValue::None,
                    message,
                );
            }
        }
    }

    /// `active[]`/`pending[]`: one entry per reservation.
    fn legacy_reservations(&mut self) -> Result<()> {
        self.expect_array(|w, _| {
            w.expect_object(|w, key| match Res::from_legacy_key(key) {
                Some(res) => {
                    let check = Self::legacy_check(res, w.policy, false);
                    w.at(res.legacy_key(), |w| w.lone(Spelling::Integer, check))
                        .map(drop)
                }
                None if key == b"storage" => w.at("storage", |w| {
                    w.storage_map(Spelling::Integer, |_, _, _| {})
                }),
                None => w.skip(),
            })
            .map(drop)
        })
    }

    /// `{class: bytes}` maps; `record` sees each trusted value.
    fn storage_map(
        &mut self,
        spelling: Spelling,
        mut record: impl FnMut(&mut Self, &str, &Reading),
    ) -> Result<()> {
        if self.null()? {
            return Ok(());
        }
        if self.jiter.peek()? != Peek::Object {
            return self.wrong_type("an object");
        }
        let mut key = self
            .jiter
            .next_object_bytes()?
            .map(|k| Self::span_of(self.data, k));
        while let Some((start, end)) = key {
            let check = Check {
                resource: "storage",
                cap: None,
                unbounded_ok: false,
                unit: "bytes",
            };
            self.path.push(Seg::Name(start, end));
            let reading = self.lone(spelling, check);
            self.path.pop();
            let raw = &self.data[start..end];
            // A class name written with escapes is the name it decodes to, as for keys.
            let class = Some(raw)
                .filter(|raw| raw.contains(&b'\\'))
                .and_then(|_| Self::unescaped(self.data, (start, end)))
                .unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned());
            record(self, &class, &reading?);
            key = self
                .jiter
                .next_key_bytes()?
                .map(|k| Self::span_of(self.data, k));
        }
        Ok(())
    }

    fn legacy_available(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"nodes" => w.at("nodes", |w| w.expect_array(|w, _| w.legacy_node())),
            b"storage" => w.at("storage", |w| w.expect_array(|w, _| w.legacy_storage())),
            _ => w.skip(),
        })
        .map(drop)
    }

    fn legacy_storage(&mut self) -> Result<()> {
        let mut class = None;
        let mut size = Reading::ABSENT;
        self.expect_object(|w, key| match key {
            b"class" if w.jiter.peek()? == Peek::String => {
                class = Some(w.jiter.known_str()?.to_owned());
                Ok(())
            }
            b"size" => {
                let check = Check {
                    resource: "storage",
                    cap: Some(w.policy.caps.storage_bytes),
                    unbounded_ok: false,
                    unit: "bytes",
                };
                size = w.at("size", |w| w.lone(Spelling::Integer, check))?;
                Ok(())
            }
            _ => w.skip(),
        })?;
        if let (Some(class), Some(bytes)) = (class, size.trusted()) {
            let total = self.totals.storage_class(&class);
            total.available = total.available.saturating_add(bytes);
        }
        Ok(())
    }

    /// A node of the legacy `available.nodes[]` or of an inventory cluster.
    fn legacy_node(&mut self) -> Result<()> {
        let mut node = NodeState {
            first_finding: self.findings.len(),
            ..NodeState::default()
        };
        let is_object = self.expect_object(|w, key| match key {
            b"name" => w.node_name(&mut node),
            b"allocatable" => {
                node.legacy_allocatable =
                    w.at("allocatable", |w| w.legacy_resources(true, true))?;
                Ok(())
            }
            b"available" => {
                node.legacy_available = w.at("available", |w| w.legacy_resources(true, false))?;
                Ok(())
            }
            _ => match Res::from_legacy_key(key) {
                // Providers before 0.5 publish a flat node of available values only.
                Some(res) => {
                    let check = Self::legacy_check(res, w.policy, true);
                    let reading = w.at(res.legacy_key(), |w| w.number(Spelling::Integer, check))?;
                    let slot =
                        &mut node.legacy_flat.get_or_insert([Reading::ABSENT; 4])[res as usize];
                    w.keep_last(slot, reading, "0", res.legacy_key());
                    Ok(())
                }
                None => w.skip(),
            },
        })?;
        if is_object {
            self.finish_legacy_node(&mut node);
        }
        Ok(())
    }

    fn node_name(&mut self, node: &mut NodeState) -> Result<()> {
        if self.jiter.peek()? == Peek::String {
            node.name = Some(self.jiter.known_str()?.to_owned());
            Ok(())
        } else {
            self.at("name", |w| w.wrong_type("a string"))
        }
    }

    fn finish_legacy_node(&mut self, node: &mut NodeState) {
        if let Some(flat) = node
            .legacy_flat
            .filter(|_| node.legacy_allocatable.is_none() && node.legacy_available.is_none())
        {
            for res in Res::ALL {
                let reading = flat[res as usize];
                if let Some(code) = reading.untrusted_code() {
                    self.edit(&reading, "0", &[Seg::Key(res.legacy_key())], code);
                }
                Res::triple(res, &mut node.resources).available = reading.trusted().unwrap_or(0);
                let sum = &mut self.node_sums.available[res as usize];
                *sum = sum.saturating_add(reading.trusted().unwrap_or(0));
                self.node_sums.available_trusted[res as usize] &= reading.trusted().is_some();
            }
            self.missing_fields(&flat, "node", false);
            self.push_node(node);
            return;
        }
        let allocatable = node.legacy_allocatable.unwrap_or([Reading::ABSENT; 4]);
        let available = node.legacy_available.unwrap_or([Reading::ABSENT; 4]);
        for (object, readings) in [
            ("allocatable", node.legacy_allocatable),
            ("available", node.legacy_available),
        ] {
            match readings {
                Some(readings) => self.missing_fields(&readings, object, false),
                None => {
                    let message = format!("node has no {object}");
                    self.finding(
                        Code::MissingField,
                        &[Seg::Key(object)],
                        None,
                        FindingValue::None,
                        message,
                    );
                }
            }
        }
        for res in Res::ALL {
            let (a, v) = (allocatable[res as usize], available[res as usize]);
            let triple = self.legacy_pair(res.name(), &a, &v, res.legacy_key());
            *Res::triple(res, &mut node.resources) = triple;
            let sums = &mut self.node_sums;
            sums.allocatable[res as usize] =
                sums.allocatable[res as usize].saturating_add(a.trusted().unwrap_or(0));
            sums.available[res as usize] =
                sums.available[res as usize].saturating_add(v.trusted().unwrap_or(0));
            sums.allocatable_trusted[res as usize] &= a.trusted().is_some();
            sums.available_trusted[res as usize] &= v.trusted().is_some();
        }
        self.push_node(node);
    }

    /// The legacy rule for one resource: allocatable A and available V, published as
    /// numbers. An untrusted side publishes 0 available; V above A is a negative allocation.
    fn legacy_pair(
        &mut self,
        resource: &'static str,
        a: &Reading,
        v: &Reading,
        key: &'static str,
    ) -> Triple {
        let a_path = [Seg::Key("allocatable"), Seg::Key(key)];
        let v_path = [Seg::Key("available"), Seg::Key(key)];
        if let Some(code) = a.untrusted_code() {
            self.edit(a, "0", &a_path, code);
            self.edit(v, "0", &v_path, code);
        }
        if let Some(code) = v.untrusted_code() {
            self.edit(v, "0", &v_path, code);
        }
        if a.trust == Trust::Unbounded {
            return Triple::default();
        }
        if !a.present() {
            // No allocatable (reported as missing): publish what is available, nothing more.
            return Triple {
                allocatable: 0,
                allocated: 0,
                available: v.trusted().unwrap_or(0),
            };
        }
        match (a.trusted(), v.trusted()) {
            (Some(alloc), Some(avail)) if avail > alloc && v.present() => {
                let message = format!(
                    "{resource} available {avail} is above allocatable {alloc}: allocated would be negative"
                );
                self.finding(
                    Code::Negative,
                    &v_path,
                    Some(resource),
                    FindingValue::Int(avail),
                    message,
                );
                self.edit(v, "0", &v_path, Code::Negative);
                Triple {
                    allocatable: alloc,
                    allocated: alloc,
                    available: 0,
                }
            }
            (Some(alloc), Some(avail)) => Triple {
                allocatable: alloc,
                allocated: alloc.saturating_sub(avail),
                available: avail,
            },
            (Some(alloc), None) => Triple {
                allocatable: alloc,
                allocated: alloc,
                available: 0,
            },
            (None, _) => Triple::default(),
        }
    }

    fn push_node(&mut self, node: &mut NodeState) {
        if let Some(name) = &node.name {
            for finding in &mut self.findings[node.first_finding..] {
                finding.node = Some(name.clone());
            }
        }
        self.totals.resources.add(&node.resources);
        self.group_gpus(node);
        if let Some(&Seg::Index(index)) = self.path.last() {
            if self.node_array_path.is_none() {
                let array = self.path.pop();
                self.node_array_path = Some(self.path_string(&[]));
                self.path.extend(array);
            }
            self.node_indices.push(index);
        }
        self.nodes.push(NodeSummary {
            name: node.name.take(),
            resources: node.resources,
        });
    }

    /// Adds a node's GPUs to the (vendor, model, memory, interface) groups.
    fn group_gpus(&mut self, node: &mut NodeState) {
        let gpu = node.resources.gpu;
        if gpu.allocatable == 0 && gpu.available == 0 {
            return;
        }
        // Count devices per kind on raw bytes, in the order the provider lists them.
        let mut kinds = std::mem::take(&mut self.node_gpu_kinds);
        kinds.clear();
        for device in &node.gpu_devices {
            match kinds.find(device, self.data) {
                Some(at) => kinds.entries[at].1 = kinds.entries[at].1.saturating_add(1),
                None => kinds.push(*device, 1, self.data),
            }
        }
        // Available devices are taken in the order the provider lists them; the last kind
        // takes what is left. No device list: all of the node's GPUs go to the unknown kind.
        let mut allocatable_left = gpu.allocatable;
        let mut available_left = gpu.available;
        let last = kinds.entries.len().saturating_sub(1);
        for i in 0..kinds.entries.len().max(1) {
            let (index, count) = match kinds.entries.get(i) {
                Some((raw, count)) => (self.group_of(Some(raw)), *count),
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
            allocatable_left = allocatable_left.saturating_sub(allocatable);
            available_left = available_left.saturating_sub(available);
            if let Some(group) = self.gpus.get_mut(index) {
                group.allocatable = group.allocatable.saturating_add(allocatable);
                group.available = group.available.saturating_add(available);
            }
        }
        self.node_gpu_kinds = kinds;
    }

    /// The index in `gpus` of a device kind's group (`None`: unknown), created when new.
    /// Labels are lower-cased and sizes normalized, so kinds spelled differently can share one.
    fn group_of(&mut self, raw: Option<&RawGpu>) -> usize {
        if let Some(raw) = raw {
            if let Some(at) = self.gpu_kinds.find(raw, self.data) {
                return self.gpu_kinds.entries[at].1;
            }
        }
        let key = match raw {
            Some(raw) => raw.key(self.data),
            None => GpuKey {
                vendor: String::new(),
                model: String::new(),
                memory_size: String::new(),
                interface: String::new(),
            },
        };
        let found = if self.gpus.len() <= Kinds::<usize>::SCANNED {
            self.gpus.iter().position(|g| g.key == key)
        } else {
            if self.gpu_groups.is_empty() {
                for (index, group) in self.gpus.iter().enumerate() {
                    self.gpu_groups.insert(group.key.clone(), index);
                }
            }
            self.gpu_groups.get(&key).copied()
        };
        let index = match found {
            Some(index) => index,
            None => {
                let index = self.gpus.len();
                if !self.gpu_groups.is_empty() {
                    self.gpu_groups.insert(key.clone(), index);
                }
                self.gpus.push(GpuGroup {
                    key,
                    allocatable: 0,
                    available: 0,
                });
                index
            }
        };
        if let Some(raw) = raw {
            self.gpu_kinds.push(*raw, index, self.data);
        }
        index
    }

    // ---- inventory shape ----

    fn inventory_nodes(&mut self) -> Result<()> {
        self.expect_array(|w, _| w.legacy_node())
    }

    fn reported_total(&mut self, allocatable: bool) -> Result<()> {
        let mut readings = [Reading::ABSENT; 4];
        self.expect_object(|w, key| match Res::from_legacy_key(key) {
            Some(res) => {
                let check = Self::legacy_check(res, w.policy, false);
                let reading = w.at(res.legacy_key(), |w| w.number(Spelling::Integer, check))?;
                w.keep_last(&mut readings[res as usize], reading, "0", res.legacy_key());
                Ok(())
            }
            None if key == b"storage" => w.at("storage", |w| {
                w.storage_map(Spelling::Integer, |w, class, reading| {
                    let triple = w.totals.storage_class(class);
                    if let Some(v) = reading.trusted() {
                        if allocatable {
                            triple.allocatable = triple.allocatable.saturating_add(v);
                        } else {
                            triple.available = triple.available.saturating_add(v);
                        }
                        triple.allocated =
                            triple.allocatable.saturating_sub(triple.available).max(0);
                    }
                })
            }),
            None => w.skip(),
        })?;
        let slot = if allocatable {
            &mut self.reported_totals.allocatable
        } else {
            &mut self.reported_totals.available
        };
        // The object given twice: the last counts, an untrusted earlier value is zeroed.
        if let Some(previous) = slot.replace(readings) {
            for reading in previous {
                if let Some(code) = reading.untrusted_code() {
                    self.edit(&reading, "0", &[], code);
                }
            }
        }
        Ok(())
    }

    /// Checks and recomputes the inventory `total_*` numbers against the nodes.
    fn check_reported_totals(&mut self) {
        let sums = std::mem::take(&mut self.node_sums);
        let computed = self.totals.resources;
        for (object, readings, allocatable) in [
            ("total_allocatable", self.reported_totals.allocatable, true),
            ("total_available", self.reported_totals.available, false),
        ] {
            let Some(readings) = readings else { continue };
            for res in Res::ALL {
                let reading = readings[res as usize];
                let path = [Seg::Key(object), Seg::Key(res.legacy_key())];
                let (sum, all_trusted) = if allocatable {
                    (
                        sums.allocatable[res as usize],
                        sums.allocatable_trusted[res as usize],
                    )
                } else {
                    (
                        sums.available[res as usize],
                        sums.available_trusted[res as usize],
                    )
                };
                if let (Some(total), true, true) =
                    (reading.trusted(), all_trusted, reading.present())
                {
                    if total != sum {
                        let message = format!(
                            "{object} {} {total} differs from the sum over nodes, {sum}",
                            res.legacy_key()
                        );
                        self.finding(
                            Code::TotalMismatch,
                            &path,
                            Some(res.name()),
                            FindingValue::Int(total),
                            message,
                        );
                    }
                }
                let triple = res.get(&computed);
                let recomputed = if allocatable {
                    triple.allocatable
                } else {
                    triple.available
                };
                // A sum of safe node values can still pass the integer limit: then it saturates.
                let bounded = recomputed.min(self.policy.int_limit.saturating_sub(1));
                let reason = reading.untrusted_code().unwrap_or(Code::TotalMismatch);
                self.edit(&reading, &bounded.to_string(), &path, reason);
            }
        }
    }

    // ---- v1 ----

    fn v1_cluster(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"nodes" => w.at("nodes", |w| w.expect_array(|w, _| w.v1_node())),
            b"storage" => w.at("storage", |w| w.expect_array(|w, _| w.v1_storage())),
            _ => w.skip(),
        })
        .map(drop)
    }

    fn v1_check(res: Res, policy: &Policy) -> Check {
        Check {
            resource: res.name(),
            cap: Some(res.cap(policy)),
            unbounded_ok: false,
            unit: res.unit(),
        }
    }

    fn v1_scale(res: Res) -> Scale {
        if res == Res::Cpu {
            Scale::Milli
        } else {
            Scale::Unit
        }
    }

    /// A `ResourcePair` (`{allocatable, allocated, capacity, attributes}`), settled at its own
    /// path; `None` when it is not an object.
    fn v1_pair(
        &mut self,
        scale: Scale,
        check: Check,
        resource: &'static str,
    ) -> Result<Option<Triple>> {
        let mut pair = Pair::EMPTY;
        let mut nested = None;
        let is_object = self.expect_object(|w, key| {
            let spelling = Spelling::Quantity(scale);
            match key {
                b"allocatable" => {
                    let check = Check {
                        unbounded_ok: true,
                        ..check
                    };
                    let reading = w.at("allocatable", |w| w.number(spelling, check))?;
                    w.keep_last(&mut pair.allocatable, reading, "\"0\"", "allocatable");
                    Ok(())
                }
                b"allocated" => {
                    let reading = w.at("allocated", |w| w.number(spelling, check))?;
                    w.keep_last(&mut pair.allocated, reading, "\"0\"", "allocated");
                    Ok(())
                }
                b"capacity" => {
                    let reading = w.at("capacity", |w| w.number(spelling, check))?;
                    w.keep_last(&mut pair.capacity, reading, "\"0\"", "capacity");
                    Ok(())
                }
                // Some writers wrap the pair once more: {"quantity": {...}}.
                b"quantity" => {
                    nested = w.at("quantity", |w| w.v1_pair(scale, check, resource))?;
                    Ok(())
                }
                _ => w.skip(),
            }
        })?;
        if !is_object {
            return Ok(None);
        }
        let direct =
            pair.allocatable.present() || pair.allocated.present() || pair.capacity.present();
        match nested {
            Some(triple) if !direct => Ok(Some(triple)),
            _ => Ok(Some(self.settle_pair(&pair, resource))),
        }
    }

    /// Applies the v1 pair rule at the current path and returns the trusted triple.
    ///
    /// Sanitizing: an untrusted side is replaced by the trusted one's text (so allocatable
    /// minus allocated is 0); both untrusted become "0"; over-allocation sets allocated to
    /// allocatable; an untrusted capacity becomes the (sanitized) allocatable.
    fn settle_pair(&mut self, pair: &Pair, resource: &'static str) -> Triple {
        let (a, l) = (&pair.allocatable, &pair.allocated);
        let a_path = [Seg::Key("allocatable")];
        let l_path = [Seg::Key("allocated")];
        let zero = "\"0\"";
        let triple = match (a.trust, a.trusted(), l.trusted()) {
            (Trust::Unbounded, _, allocated) => {
                if let Some(code) = l.untrusted_code() {
                    self.edit(l, zero, &l_path, code);
                }
                Triple {
                    allocatable: 0,
                    allocated: allocated.unwrap_or(0),
                    available: 0,
                }
            }
            (_, Some(alloc), Some(used)) if used > alloc => {
                let message = format!("{resource} allocated {used} exceeds allocatable {alloc}");
                self.finding(
                    Code::OverAllocated,
                    &l_path,
                    Some(resource),
                    FindingValue::Int(used),
                    message,
                );
                let text = if a.present() {
                    self.token_text(a)
                } else {
                    zero.to_owned()
                };
                self.edit(l, &text, &l_path, Code::OverAllocated);
                Triple {
                    allocatable: alloc,
                    allocated: used,
                    available: 0,
                }
            }
            (_, Some(alloc), Some(used)) => Triple {
                allocatable: alloc,
                allocated: used,
                available: alloc.saturating_sub(used),
            },
            (_, Some(alloc), None) => {
                let text = if a.present() {
                    self.token_text(a)
                } else {
                    zero.to_owned()
                };
                self.edit(
                    l,
                    &text,
                    &l_path,
                    l.untrusted_code().unwrap_or(Code::WrongType),
                );
                Triple {
                    allocatable: alloc,
                    allocated: 0,
                    available: 0,
                }
            }
            (_, None, Some(used)) => {
                let text = if l.present() {
                    self.token_text(l)
                } else {
                    zero.to_owned()
                };
                self.edit(
                    a,
                    &text,
                    &a_path,
                    a.untrusted_code().unwrap_or(Code::WrongType),
                );
                Triple {
                    allocatable: 0,
                    allocated: used,
                    available: 0,
                }
            }
            (_, None, None) => {
                self.edit(
                    a,
                    zero,
                    &a_path,
                    a.untrusted_code().unwrap_or(Code::WrongType),
                );
                self.edit(
                    l,
                    zero,
                    &l_path,
                    l.untrusted_code().unwrap_or(Code::WrongType),
                );
                Triple::default()
            }
        };
        if let Some(code) = pair.capacity.untrusted_code() {
            let text = match a.trusted() {
                Some(_) if a.present() => self.token_text(a),
                _ if l.trusted().is_some() && l.present() => self.token_text(l),
                _ => zero.to_owned(),
            };
            self.edit(&pair.capacity, &text, &[Seg::Key("capacity")], code);
        }
        triple
    }

    fn v1_pair_only(&mut self, resource: &'static str) -> Result<()> {
        let check = Check {
            resource,
            cap: None,
            unbounded_ok: false,
            unit: "",
        };
        self.v1_pair(Scale::Unit, check, resource)?;
        Ok(())
    }

    fn v1_node(&mut self) -> Result<()> {
        let mut node = NodeState {
            first_finding: self.findings.len(),
            ..NodeState::default()
        };
        let is_object = self.expect_object(|w, key| match key {
            b"name" => w.node_name(&mut node),
            b"resources" => {
                node.saw_resources = true;
                w.at("resources", |w| w.v1_resources(&mut node))
            }
            _ => w.skip(),
        })?;
        if !is_object {
            return Ok(());
        }
        if node.name.is_none() {
            self.finding(
                Code::MissingField,
                &[Seg::Key("name")],
                None,
                FindingValue::None,
                "node has no name".to_owned(),
            );
        }
        if !node.saw_resources {
            self.finding(
                Code::MissingField,
                &[Seg::Key("resources")],
                None,
                FindingValue::None,
                "node has no resources".to_owned(),
            );
        }
        let devices = i128::try_from(node.gpu_devices.len()).unwrap_or(i128::MAX);
        let allocatable = node.resources.gpu.allocatable;
        if devices != allocatable && (node.gpu_info_seen || allocatable > 0) {
            let message = format!(
                "node lists {devices} GPU devices but {allocatable} allocatable GPUs (device plugin restarting, or an under-report)"
            );
            let extra = [Seg::Key("resources"), Seg::Key("gpu")];
            self.finding(
                Code::GpuInfoMismatch,
                &extra,
                Some("gpu"),
                FindingValue::Int(allocatable),
                message,
            );
        }
        self.push_node(&mut node);
        Ok(())
    }

    fn v1_resources(&mut self, node: &mut NodeState) -> Result<()> {
        self.expect_object(|w, key| {
            let (res, name) = match key {
                b"cpu" => (Some(Res::Cpu), "cpu"),
                b"memory" => (Some(Res::Memory), "memory"),
                b"gpu" => (Some(Res::Gpu), "gpu"),
                b"ephemeral_storage" => (Some(Res::Ephemeral), "ephemeral_storage"),
                b"ephemeralStorage" => (Some(Res::Ephemeral), "ephemeralStorage"),
                b"volumes_attached" => (None, "volumes_attached"),
                b"volumesAttached" => (None, "volumesAttached"),
                b"volumes_mounted" => (None, "volumes_mounted"),
                b"volumesMounted" => (None, "volumesMounted"),
                _ => return w.skip(),
            };
            w.at(name, |w| match res {
                Some(Res::Ephemeral) => {
                    let check = Self::v1_check(Res::Ephemeral, w.policy);
                    if let Some(triple) = w.v1_pair(Scale::Unit, check, "ephemeral_storage")? {
                        *Res::triple(Res::Ephemeral, &mut node.resources) = triple;
                    }
                    Ok(())
                }
                Some(res) => w.v1_resource(res, node),
                None => w.v1_pair_only("volumes"),
            })
        })
        .map(drop)
    }

    /// `{quantity: ResourcePair, info: [...]}` of cpu, memory or gpu.
    fn v1_resource(&mut self, res: Res, node: &mut NodeState) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"quantity" => {
                let check = Self::v1_check(res, w.policy);
                let scale = Self::v1_scale(res);
                if let Some(triple) = w.at("quantity", |w| w.v1_pair(scale, check, res.name()))? {
                    *Res::triple(res, &mut node.resources) = triple;
                }
                Ok(())
            }
            b"info" if res == Res::Gpu => {
                node.gpu_info_seen = true;
                w.at("info", |w| w.expect_array(|w, _| w.gpu_info(node)))
            }
            _ => w.skip(),
        })
        .map(drop)
    }

    fn gpu_info(&mut self, node: &mut NodeState) -> Result<()> {
        let mut device = RawGpu::default();
        let is_object = self.expect_object(|w, field| {
            let slot = match field {
                b"vendor" => 0,
                b"name" => 1,
                b"memory_size" | b"memorySize" => MEMORY_SIZE,
                b"interface" => 3,
                _ => return w.skip(),
            };
            if w.jiter.peek()? == Peek::String {
                // The string's bytes without its quotes, read in place.
                let start = w.jiter.current_index().saturating_add(1);
                w.jiter.known_bytes()?;
                let end = w.jiter.current_index().saturating_sub(1).max(start);
                device.fields[slot] = (start, end);
                Ok(())
            } else {
                w.skip()
            }
        })?;
        if is_object {
            node.gpu_devices.push(device);
        }
        Ok(())
    }

    fn v1_storage(&mut self) -> Result<()> {
        let mut class = String::new();
        let mut triple = None;
        self.expect_object(|w, key| match key {
            b"quantity" => {
                let check = Check {
                    resource: "storage",
                    cap: Some(w.policy.caps.storage_bytes),
                    unbounded_ok: false,
                    unit: "bytes",
                };
                triple = w.at("quantity", |w| w.v1_pair(Scale::Unit, check, "storage"))?;
                Ok(())
            }
            b"info" => w.at("info", |w| {
                w.expect_object(|w, key| {
                    if key == b"class" && w.jiter.peek()? == Peek::String {
                        class = w.jiter.known_str()?.to_owned();
                        Ok(())
                    } else {
                        w.skip()
                    }
                })
                .map(drop)
            }),
            _ => w.skip(),
        })?;
        if let Some(triple) = triple {
            let total = self.totals.storage_class(&class);
            total.allocatable = total.allocatable.saturating_add(triple.allocatable);
            total.allocated = total.allocated.saturating_add(triple.allocated);
            total.available = total.available.saturating_add(triple.available);
        }
        Ok(())
    }

    fn v1_reservations(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"pending" => w.at("pending", |w| w.v1_reservation()),
            b"active" => w.at("active", |w| w.v1_reservation()),
            _ => w.skip(),
        })
        .map(drop)
    }

    fn v1_reservation(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"count" => w.at("count", |w| w.counter("count")).map(drop),
            b"resources" => w.at("resources", |w| {
                w.expect_object(|w, key| {
                    let (res, name) = match key {
                        b"cpu" => (Res::Cpu, "cpu"),
                        b"memory" => (Res::Memory, "memory"),
                        b"gpu" => (Res::Gpu, "gpu"),
                        b"ephemeral_storage" => (Res::Ephemeral, "ephemeral_storage"),
                        b"ephemeralStorage" => (Res::Ephemeral, "ephemeralStorage"),
                        b"storage" => {
                            return w.at("storage", |w| {
                                w.storage_map(Spelling::Quantity(Scale::Unit), |_, _, _| {})
                            })
                        }
                        _ => return w.skip(),
                    };
                    let check = Check {
                        resource: res.name(),
                        cap: None,
                        unbounded_ok: false,
                        unit: res.unit(),
                    };
                    w.at(name, |w| {
                        w.lone(Spelling::Quantity(Self::v1_scale(res)), check)
                    })
                    .map(drop)
                })
                .map(drop)
            }),
            _ => w.skip(),
        })
        .map(drop)
    }

    // ---- whole-document checks ----

    fn finish(&mut self) {
        if self.schema == Some(Schema::Inventory) {
            self.check_reported_totals();
        }
        self.duplicate_nodes();
        self.gpus.sort_by(|a, b| a.key.cmp(&b.key));
        self.saturate_sums();
    }

    /// Sums of trusted node values can pass the integer limit (thousands of nodes at the caps):
    /// every report number must fit an int64 column (or the policy's limit), so a sum above it
    /// is reported as the limit, with a finding holding the exact sum.
    fn saturate_sums(&mut self) {
        let largest = self.policy.int_limit.saturating_sub(1);
        // What went over, described only then: most documents have nothing to describe.
        let mut over: Vec<(String, &'static str, i128)> = Vec::new();
        for res in Res::ALL {
            let triple = Res::triple(res, &mut self.totals.resources);
            for (field, value) in triple.fields_mut() {
                if let Some(sum) = bounded(value, largest) {
                    over.push((format!("{} {field}", res.name()), res.name(), sum));
                }
            }
        }
        for class in &mut self.totals.storage {
            for (field, value) in class.bytes.fields_mut() {
                if let Some(sum) = bounded(value, largest) {
                    let what = format!("storage class {:?} {field}", class.class);
                    over.push((what, "storage", sum));
                }
            }
        }
        for group in &mut self.gpus {
            for (field, value) in [
                ("allocatable", &mut group.allocatable),
                ("available", &mut group.available),
            ] {
                if let Some(sum) = bounded(value, largest) {
                    let kind = format!("{} {}", group.key.vendor, group.key.model);
                    over.push((format!("GPU group {kind:?} {field}"), "gpu", sum));
                }
            }
        }
        for (what, resource, sum) in over {
            self.findings.push(Finding {
                code: Code::SumSaturated,
                severity: self.policy.severity(Code::SumSaturated),
                path: self.node_array_path.clone().unwrap_or_default(),
                node: None,
                resource: Some(resource),
                value: FindingValue::Int(sum),
                message: format!(
                    "the nodes' {what} sum to {sum}, above {largest}, the largest integer a report holds; reported as {largest}"
                ),
            });
        }
    }

    fn duplicate_nodes(&mut self) {
        let mut order: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].name.is_some())
            .collect();
        order.sort_by(|&a, &b| self.nodes[a].name.cmp(&self.nodes[b].name).then(a.cmp(&b)));
        let mut repeats: Vec<usize> = order
            .windows(2)
            .filter(|pair| self.nodes[pair[0]].name == self.nodes[pair[1]].name)
            .map(|pair| pair[1])
            .collect();
        repeats.sort_unstable();
        for index in repeats {
            let name = self.nodes[index].name.clone().unwrap_or_default();
            self.findings.push(Finding {
                code: Code::DuplicateNode,
                severity: self.policy.severity(Code::DuplicateNode),
                path: format!(
                    "{}[{}].name",
                    self.node_array_path.as_deref().unwrap_or_default(),
                    self.node_indices.get(index).copied().unwrap_or(index)
                ),
                node: Some(name.clone()),
                resource: None,
                value: FindingValue::Text(name.clone()),
                message: format!("node name {name:?} appears more than once"),
            });
        }
    }
}

/// `80Gi`, `85899345920` and `80GiB`-free spellings of one size group together.
fn normalize_memory_size(text: &str) -> String {
    match Quantity::parse(text.as_bytes()).and_then(|q| q.to_int(Scale::Unit)) {
        Ok(bytes) if bytes > 0 && bytes % (1 << 30) == 0 => format!("{}Gi", bytes >> 30),
        Ok(bytes) if bytes > 0 && bytes % (1 << 20) == 0 => format!("{}Mi", bytes >> 20),
        Ok(bytes) => bytes.to_string(),
        Err(_) => text.to_owned(),
    }
}
