//! One pass over a status document of any shape: classify every number, keep one record per
//! node, and (when sanitizing) collect byte-range edits; the report is built from the records.
//!
//! The document is pulled token by token with `jiter`; keys are matched as bytes and values
//! read in place. Of a key given twice the last value counts, as in Go's decoder: a number or
//! an array is replaced, an object is merged key by key. Every untrusted number is zeroed when
//! sanitizing unless a rule replaced it, so validate and sanitize can never disagree.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

mod classify;
pub(crate) mod cursor;
mod document;
mod edits;
mod gpu;
mod inventory;
mod legacy;
mod paths;
mod rules;
mod totals;
mod v1;

pub use edits::Edit;

use self::classify::{classify, describe, is_integer_token, Check, Parsed, Spelling, Trust};
use self::cursor::Result;
use self::edits::{EditLog, PendingEdit};
use self::rules::{Replacement, Sink};
use crate::error::DocumentError;
use crate::policy::Policy;
use crate::quantity::{parse_int, Scale};
use crate::report::{Code, Counters, FindingValue, Node, Reservations, Schema, StorageClassTotal};
use jiter::{Jiter, JiterErrorType, JsonErrorType, Peek};

/// Stands in a message for the name of its field ("gpu allocatable"), filled in once the
/// field's path is known.
pub(crate) const FIELD: &str = "\u{1}";

/// Where a finding or an edit points: the value starting at byte `at`, then `suffix` (dotted
/// keys below it, for a field that is missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub at: usize,
    pub suffix: &'static str,
}

impl Place {
    pub fn at(at: usize) -> Place {
        Place { at, suffix: "" }
    }

    pub fn below(at: usize, suffix: &'static str) -> Place {
        Place { at, suffix }
    }
}

/// One number as read: its exact value when trusted, and where its token is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    pub value: i64,
    pub trust: Trust,
    /// The token's byte span (what an edit replaces).
    pub start: usize,
    pub end: usize,
    /// Where its path points: the token, or the key holding a protojson `{"string": ...}`.
    pub at: usize,
    pub spelling: Spelling,
}

impl Reading {
    pub const ABSENT: Reading = Reading {
        value: 0,
        trust: Trust::Absent,
        start: 0,
        end: 0,
        at: 0,
        spelling: Spelling::Integer,
    };

    /// The value to count: absent counts as 0; untrusted and unbounded count as nothing.
    pub fn trusted(&self) -> Option<i64> {
        match self.trust {
            Trust::Trusted => Some(self.value),
            Trust::Absent => Some(0),
            _ => None,
        }
    }

    pub fn untrusted_code(&self) -> Option<Code> {
        match self.trust {
            Trust::Untrusted(code) => Some(code),
            _ => None,
        }
    }

    pub fn present(&self) -> bool {
        self.trust != Trust::Absent
    }
}

/// The four node resources and how each is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Res {
    Cpu,
    Memory,
    Gpu,
    Ephemeral,
}

impl Res {
    pub const ALL: [Res; 4] = [Res::Cpu, Res::Memory, Res::Gpu, Res::Ephemeral];

    pub fn name(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
            Res::Gpu => "gpu",
            Res::Ephemeral => "ephemeral_storage",
        }
    }

    pub fn legacy_key(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
            Res::Gpu => "gpu",
            Res::Ephemeral => "storage_ephemeral",
        }
    }

    pub fn from_legacy_key(key: &[u8]) -> Option<Res> {
        // A match on the bytes compiles to a switch on length: this runs for every legacy key.
        match key {
            b"cpu" => Some(Res::Cpu),
            b"memory" => Some(Res::Memory),
            b"gpu" => Some(Res::Gpu),
            b"storage_ephemeral" => Some(Res::Ephemeral),
            _ => None,
        }
    }

    pub fn cap(self, policy: &Policy) -> i64 {
        match self {
            Res::Cpu => policy.caps.cpu_millis,
            Res::Memory => policy.caps.memory_bytes,
            Res::Gpu => policy.caps.gpu,
            Res::Ephemeral => policy.caps.ephemeral_storage_bytes,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Res::Cpu => "millicores",
            Res::Memory | Res::Ephemeral => "bytes",
            Res::Gpu => "GPUs",
        }
    }

    pub fn scale(self) -> Scale {
        if self == Res::Cpu {
            Scale::Milli
        } else {
            Scale::Unit
        }
    }
}

/// Known keys of one object already read, to report a key given twice.
#[derive(Default)]
pub(crate) struct Seen(u32);

impl Seen {
    /// `true` the first time `bit` is seen.
    #[inline]
    pub fn first(&mut self, bit: u32) -> bool {
        let mask = 1u32 << (bit & 31);
        let first = self.0 & mask == 0;
        self.0 |= mask;
        first
    }
}

pub(crate) struct PendingFinding {
    pub code: Code,
    pub place: Place,
    pub resource: Option<&'static str>,
    pub value: FindingValue,
    pub message: String,
    pub node: Option<String>,
}

/// The node records of the document's node array. A second array replaces the first, as in
/// Go (its findings and edits stay: they describe the document).
#[derive(Default)]
pub(crate) struct NodeList {
    /// Where the array starts, for findings about all of its nodes.
    pub at: usize,
    pub nodes: Vec<Node>,
    /// Where each node's name is (or the node, when it has none), for `duplicate-node`.
    pub name_places: Vec<Place>,
    /// Sums of the nodes' numbers as written (trusted ones), for the inventory totals check.
    pub sums: totals::ReadingSums,
}

/// Counters, reservations and names the provider publishes besides its nodes.
#[derive(Default)]
pub(crate) struct Extras {
    pub counters: Counters,
    pub reservations: Option<totals::ReservationSums>,
    pub hostnames: Vec<String>,
    pub address: Option<String>,
    pub inventory_error: Option<String>,
    pub leased_ips: Option<crate::units::Triple<i64>>,
}

struct Walker<'a, 'p> {
    data: &'a [u8],
    jiter: Jiter<'a>,
    /// Skip without recursion: the document nests deeper than jiter's skip allows.
    deep: bool,
    /// The last key given to an `object` closure was not one it reads (see `unknown`).
    unclaimed: bool,
    policy: &'p Policy,
    /// The shape being read: asked for, or detected from the first evidence.
    schema: Option<Schema>,
    forced: bool,
    /// A key of the forced shape was seen.
    fits: bool,
    /// Evidence of another shape than the one asked for.
    foreign: Option<Schema>,
    /// Weak evidence (`bidengine` spelling, `leases` type) for documents without an inventory.
    hint: Option<Schema>,
    findings: Vec<PendingFinding>,
    edits: Option<EditLog>,
    node_list: Option<NodeList>,
    kinds: gpu::DeviceKinds,
    /// Persistent storage pools by class, from the document's one source of them.
    pools: Vec<(String, totals::Sums)>,
    pools_seen: bool,
    reported: inventory::ReportedTotals,
    extras: Extras,
}

/// Reads `data` and returns its report, plus edits when `sanitize` is set.
pub fn read(
    data: &[u8],
    schema: Option<Schema>,
    policy: &Policy,
    sanitize: bool,
) -> std::result::Result<(crate::report::Report, Vec<Edit>), DocumentError> {
    let first = match read_once(data, schema, policy, sanitize, false) {
        // Nesting deeper than jiter's recursive skip: read again, skipping without recursion.
        Err(error)
            if error.error_type
                == JiterErrorType::JsonError(JsonErrorType::RecursionLimitExceeded) =>
        {
            read_once(data, schema, policy, sanitize, true)
        }
        other => other,
    };
    match first {
        Err(error) => Err(malformed(data, &error)),
        Ok(Err(Failure::Document(error))) => Err(error),
        Ok(Ok(result)) => Ok(result),
    }
}

enum Failure {
    Document(DocumentError),
}

fn malformed(data: &[u8], error: &jiter::JiterError) -> DocumentError {
    let message = match &error.error_type {
        JiterErrorType::JsonError(JsonErrorType::RecursionLimitExceeded) => {
            format!("nesting deeper than {} levels", crate::error::MAX_DEPTH)
        }
        other => other.to_string(),
    };
    DocumentError::malformed(data, error.index, message)
}

type Read = std::result::Result<(crate::report::Report, Vec<Edit>), Failure>;

fn read_once(
    data: &[u8],
    schema: Option<Schema>,
    policy: &Policy,
    sanitize: bool,
    deep: bool,
) -> std::result::Result<Read, jiter::JiterError> {
    let mut walker = Walker {
        data,
        jiter: Jiter::new(data),
        deep,
        unclaimed: false,
        policy,
        schema,
        forced: schema.is_some(),
        fits: false,
        foreign: None,
        hint: None,
        findings: Vec::new(),
        edits: sanitize.then(EditLog::default),
        node_list: None,
        kinds: gpu::DeviceKinds::default(),
        pools: Vec::new(),
        pools_seen: false,
        reported: inventory::ReportedTotals::default(),
        extras: Extras::default(),
    };
    if !walker.document()? {
        return Ok(Err(Failure::Document(DocumentError::UnknownShape {
            detail: "the top level is not a JSON object".to_owned(),
        })));
    }
    Ok(walker
        .shape()
        .map_err(Failure::Document)
        .map(|schema| walker.finish(schema)))
}

impl<'a> Walker<'a, '_> {
    /// Records evidence of a shape; `false` when the document is read as another.
    pub(crate) fn dialect(&mut self, schema: Schema) -> bool {
        match self.schema {
            None => {
                self.schema = Some(schema);
                true
            }
            Some(current) if current == schema => {
                self.fits = true;
                true
            }
            Some(_) => {
                if self.forced {
                    self.foreign.get_or_insert(schema);
                }
                false
            }
        }
    }

    /// The shape read: detected, or asked for and fitting.
    fn shape(&self) -> std::result::Result<Schema, DocumentError> {
        match (self.forced, self.schema) {
            (true, Some(asked)) if self.fits || self.hint == Some(asked) => Ok(asked),
            (true, Some(asked)) => {
                let looks = match self.foreign.or(self.hint) {
                    Some(other) => format!("; it looks like a {} document", other.name()),
                    None => String::new(),
                };
                Err(DocumentError::UnknownShape {
                    detail: format!(
                        "it does not fit the {} shape asked for{looks}",
                        asked.name()
                    ),
                })
            }
            (_, detected) => detected.or(self.hint).ok_or(DocumentError::UnknownShape {
                detail: "no cluster.inventory and no nodes".to_owned(),
            }),
        }
    }

    /// `node has no {field}`, placed below the node at `at`.
    pub(crate) fn missing(&mut self, at: usize, field: &'static str) {
        let message = format!("node has no {field}");
        self.finding(
            Code::MissingField,
            Place::below(at, field),
            None,
            FindingValue::None,
            message,
        );
    }

    pub(crate) fn finding(
        &mut self,
        code: Code,
        place: Place,
        resource: Option<&'static str>,
        value: FindingValue,
        message: String,
    ) {
        self.findings.push(PendingFinding {
            code,
            place,
            resource,
            value,
            message,
            node: None,
        });
    }

    /// A known key given twice: reported; its last value counts.
    pub(crate) fn repeated(&mut self) -> Result<()> {
        self.jiter.peek()?;
        let at = self.index();
        self.finding(
            Code::DuplicateKey,
            Place::at(at),
            None,
            FindingValue::None,
            format!(
                "{FIELD} is given twice: the last one counts, as for the provider's Go decoder"
            ),
        );
        Ok(())
    }

    fn note_untrusted(&mut self, reading: &Reading, code: Code) {
        if let Some(edits) = self.edits.as_mut() {
            edits.note_untrusted(
                (reading.start, reading.end),
                Place::at(reading.at),
                reading.spelling,
                code,
            );
        }
    }

    /// Reads and classifies the next value; reports any finding at its place.
    pub(crate) fn number(&mut self, spelling: Spelling, check: &Check) -> Result<Reading> {
        let peek = self.jiter.peek()?;
        let start = self.index();
        let parsed: Parsed = match (peek, spelling) {
            (p, _) if p.is_num() => {
                let text = self.jiter.known_number_bytes(p)?;
                match (spelling, crate::quantity::parse_digits(text)) {
                    // Plain digits: nearly every legacy number.
                    (Spelling::Integer, Some(value)) => Ok((i128::from(value), false)),
                    // Go decodes a uint64 from a JSON integer only.
                    (Spelling::Integer, None) if !is_integer_token(text) => Ok((0, true)),
                    _ => parse_int(text, spelling.scale())
                        .map(|v| (v, false))
                        .map_err(|e| e.kind),
                }
            }
            (Peek::String, Spelling::Quantity(scale)) => {
                parse_int(self.jiter.known_bytes()?, scale)
                    .map(|v| (v, false))
                    .map_err(|e| e.kind)
            }
            (Peek::Object, Spelling::Quantity(_)) => {
                return self.protojson_quantity(spelling, check, start)
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
                return self.wrong_number(expected, spelling, check, start);
            }
        };
        let end = self.index();
        Ok(self.classified(parsed, spelling, check, (start, end), start))
    }

    /// A number of the wrong JSON type: reported, and untrusted.
    fn wrong_number(
        &mut self,
        expected: &str,
        spelling: Spelling,
        check: &Check,
        at: usize,
    ) -> Result<Reading> {
        let (start, end) = self.wrong_type_at(expected, Some(check.resource), at)?;
        let reading = Reading {
            value: 0,
            trust: Trust::Untrusted(Code::WrongType),
            start,
            end,
            at,
            spelling,
        };
        self.note_untrusted(&reading, Code::WrongType);
        Ok(reading)
    }

    /// protojson's `{"string": "16Gi"}`; `{}` is an empty (zero) quantity. The path stays at
    /// the quantity's own key, as Go's JSON would name it.
    fn protojson_quantity(
        &mut self,
        spelling: Spelling,
        check: &Check,
        at: usize,
    ) -> Result<Reading> {
        let mut reading = Reading::ABSENT;
        let mut seen = Seen::default();
        self.object(|w, key| {
            if key != b"string" {
                return w.unknown();
            }
            if !seen.first(0) {
                w.repeated()?;
            }
            reading = if w.jiter.peek()? == Peek::String {
                let start = w.index();
                let parsed = parse_int(w.jiter.known_bytes()?, spelling.scale())
                    .map(|v| (v, false))
                    .map_err(|e| e.kind);
                let end = w.index();
                w.classified(parsed, spelling, check, (start, end), at)
            } else {
                w.wrong_number("a quantity string", spelling, check, at)?
            };
            Ok(())
        })?;
        Ok(reading)
    }

    #[inline(always)]
    fn classified(
        &mut self,
        parsed: Parsed,
        spelling: Spelling,
        check: &Check,
        (start, end): (usize, usize),
        at: usize,
    ) -> Reading {
        let largest = self.policy.largest();
        let (value, trust) = classify(parsed, spelling.scale(), check, largest);
        let reading = Reading {
            value,
            trust,
            start,
            end,
            at,
            spelling,
        };
        if let Trust::Untrusted(code) = trust {
            // Words are built only for the rare value that has a finding.
            let text = String::from_utf8_lossy(&self.data[start..end]);
            let (value, message) = describe(code, parsed, FIELD, &text, check, largest);
            self.finding(code, Place::at(at), Some(check.resource), value, message);
            self.note_untrusted(&reading, code);
        }
        reading
    }

    /// A number with no cross-field rule (a counter, a reservation, a storage size): read,
    /// reported if untrusted (and then zeroed when sanitizing).
    pub(crate) fn lone(&mut self, spelling: Spelling, check: &Check) -> Result<Reading> {
        self.number(spelling, check)
    }

    /// A uint32 counter (leases, orders, deployments, count): its value when trusted.
    pub(crate) fn counter(&mut self, name: &'static str) -> Result<Option<i64>> {
        let check = Check {
            resource: name,
            cap: Some(i64::from(u32::MAX)),
            unbounded_ok: false,
            unit: "",
        };
        let reading = self.number(Spelling::Integer, &check)?;
        Ok(reading.trusted().filter(|_| reading.present()))
    }

    /// The original value of a token for a finding: an exact integer when it is one, else its
    /// text as written.
    pub(crate) fn original(&self, reading: &Reading) -> FindingValue {
        let raw = &self.data[reading.start..reading.end];
        let text = raw
            .strip_prefix(b"\"")
            .and_then(|r| r.strip_suffix(b"\""))
            .unwrap_or(raw);
        match parse_int(text, reading.spelling.scale()) {
            Ok(value) if text == raw => FindingValue::Int(value),
            _ => self.quoted(reading.start, reading.end),
        }
    }

    /// Sets the node name on the findings made since `first`, and orders them: those about a
    /// value in document order, then those about a missing part.
    pub(crate) fn close_node_findings(&mut self, first: usize, name: Option<&str>) {
        let findings = &mut self.findings[first..];
        if let Some(name) = name {
            for finding in findings.iter_mut() {
                finding.node = Some(name.to_owned());
            }
        }
        findings.sort_by_key(|f| (!f.place.suffix.is_empty(), f.place.at));
    }

    /// The node list for an array about to be read: a second array replaces the first.
    pub(crate) fn start_node_list(&mut self) -> Result<()> {
        if self.node_list.is_some() {
            self.repeated()?;
        }
        self.jiter.peek()?;
        self.node_list = Some(NodeList {
            at: self.index(),
            ..NodeList::default()
        });
        Ok(())
    }

    pub(crate) fn push_node(&mut self, node: Node, name_place: Place) {
        let list = self.node_list.get_or_insert_with(NodeList::default);
        list.nodes.push(node);
        list.name_places.push(name_place);
    }

    /// Pools come from one array (or map) of the document: a second one replaces the first.
    pub(crate) fn start_pools(&mut self) -> Result<()> {
        if self.pools_seen {
            self.repeated()?;
            self.pools.clear();
        }
        self.pools_seen = true;
        Ok(())
    }

    pub(crate) fn pool(&mut self, class: &str) -> &mut totals::Sums {
        let index = match self.pools.iter().position(|(c, _)| c == class) {
            Some(index) => index,
            None => {
                self.pools.push((class.to_owned(), totals::Sums::default()));
                self.pools.len().saturating_sub(1)
            }
        };
        &mut self.pools[index].1
    }

    fn finish(mut self, schema: Schema) -> (crate::report::Report, Vec<Edit>) {
        let list = self.node_list.take().unwrap_or_default();
        if schema == Schema::Inventory {
            self.check_reported_totals(&list);
        }
        let devices = self.kinds.devices(self.data);
        let mut totals = crate::report::Totals::default();
        let mut over = totals::Saturated::default();
        let largest = self.policy.largest();
        totals.resources = totals::node_totals(&list.nodes, largest, &mut over);
        totals.storage = std::mem::take(&mut self.pools)
            .into_iter()
            .map(|(class, sums)| StorageClassTotal {
                bytes: sums.bounded(
                    largest,
                    || format!("storage class {class:?}"),
                    "storage",
                    &mut over,
                ),
                class,
            })
            .collect();
        let gpus = totals::gpu_groups(&list.nodes, &devices, largest, &mut over);
        let reservations = self
            .extras
            .reservations
            .take()
            .map(|sums| sums.bounded(largest, &mut over));
        self.duplicate_nodes(&list);
        self.saturated(over, list.at);
        let (findings, edits) = self.resolved();
        let extras = std::mem::take(&mut self.extras);
        let report = crate::report::Report {
            schema,
            findings,
            nodes: list.nodes,
            totals,
            gpus,
            gpu_devices: devices,
            inventory_ready: extras.inventory_error.is_none(),
            inventory_error: extras.inventory_error,
            counters: extras.counters,
            reservations: reservations.map(|(pending, active)| Reservations { pending, active }),
            public_hostnames: extras.hostnames,
            address: extras.address,
            leased_ips: extras.leased_ips,
        };
        (report, edits)
    }

    /// Findings and edits with their paths: one more pass over the document, only when there
    /// is something to name.
    fn resolved(&mut self) -> (Vec<crate::report::Finding>, Vec<Edit>) {
        let pending_edits: Vec<(usize, PendingEdit)> = self
            .edits
            .take()
            .map(|log| log.finish().collect())
            .unwrap_or_default();
        let mut offsets: Vec<usize> = self
            .findings
            .iter()
            .map(|f| f.place.at)
            .chain(pending_edits.iter().map(|(_, e)| e.place.at))
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        let found = if offsets.is_empty() {
            std::collections::HashMap::new()
        } else {
            paths::resolve(self.data, &offsets)
        };
        let none = Vec::new();
        let segments = |place: &Place| found.get(&place.at).unwrap_or(&none);
        let findings = std::mem::take(&mut self.findings)
            .into_iter()
            .map(|f| {
                let segs = segments(&f.place);
                let message = if f.message.contains(FIELD) {
                    f.message
                        .replace(FIELD, &paths::field_name(segs, f.place.suffix))
                } else {
                    f.message
                };
                // A resource outside the table would not read back from a pickled report.
                debug_assert!(f.resource.is_none_or(|r| crate::RESOURCES.contains(&r)));
                crate::report::Finding {
                    code: f.code,
                    severity: self.policy.severity(f.code),
                    path: paths::format(segs, f.place.suffix),
                    node: f.node,
                    resource: f.resource,
                    value: f.value,
                    message,
                }
            })
            .collect();
        let edits = pending_edits
            .into_iter()
            .map(|(start, e)| Edit {
                start,
                end: e.end,
                path: paths::format(segments(&e.place), e.place.suffix),
                original: String::from_utf8_lossy(&self.data[start..e.end]).into_owned(),
                replacement: e.replacement,
                reason: e.reason,
            })
            .collect();
        (findings, edits)
    }
}

impl Sink for Walker<'_, '_> {
    fn finding(
        &mut self,
        code: Code,
        at: &Reading,
        resource: &'static str,
        value: i64,
        message: String,
    ) {
        Walker::finding(
            self,
            code,
            Place::at(at.at),
            Some(resource),
            FindingValue::Int(i128::from(value)),
            message,
        );
    }

    fn replace(&mut self, target: &Reading, with: Replacement<'_>, reason: Code) {
        if self.edits.is_none() || !target.present() || target.end <= target.start {
            return;
        }
        let replacement = match with {
            Replacement::Zero => target.spelling.zero().to_owned(),
            Replacement::Value(value) => value.to_string(),
            // As a JSON string: a bare-number quantity (`64`) is copied as `"64"`, since the
            // place it goes to may be protojson's `{"string": ...}`, which holds only strings.
            Replacement::CopyOf(source) => {
                let raw = String::from_utf8_lossy(&self.data[source.start..source.end]);
                if raw.starts_with('"') {
                    raw.into_owned()
                } else {
                    format!("\"{raw}\"")
                }
            }
        };
        if self.data[target.start..target.end] == *replacement.as_bytes() {
            return;
        }
        if let Some(edits) = self.edits.as_mut() {
            edits.push(
                target.start,
                PendingEdit {
                    end: target.end,
                    replacement,
                    place: Place::at(target.at),
                    reason,
                },
            );
        }
    }
}
