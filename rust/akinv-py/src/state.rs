//! Reports, changes and figures as compact bytes, so that every report class pickles and comes
//! back equal. The bytes start with a format version; state of another version, or cut short,
//! is refused rather than guessed at.

use akinv_core as core;
use core::Amount;
use std::sync::{Mutex, PoisonError};

const VERSION: u8 = 1;

/// State that is not what this version of akinv wrote.
#[derive(Debug)]
pub struct Corrupt;

type Result<T> = std::result::Result<T, Corrupt>;

pub struct Writer(Vec<u8>);

impl Writer {
    pub fn new() -> Writer {
        Writer(vec![VERSION])
    }

    pub fn finish(self) -> Vec<u8> {
        self.0
    }

    fn u8(&mut self, value: u8) {
        self.0.push(value);
    }

    fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    /// LEB128: lengths and counts are small, so most take one byte.
    fn len(&mut self, value: usize) {
        let mut rest = value as u64;
        while rest >= 0x80 {
            self.u8((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        self.u8(rest as u8);
    }

    fn i64(&mut self, value: i64) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn i128(&mut self, value: i128) {
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn str(&mut self, value: &str) {
        self.len(value.len());
        self.0.extend_from_slice(value.as_bytes());
    }

    fn opt<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        self.bool(value.is_some());
        if let Some(value) = value {
            write(self, value);
        }
    }

    fn seq<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Writer, &T)) {
        self.len(items.len());
        for item in items {
            write(self, item);
        }
    }
}

pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Result<Reader<'a>> {
        match data.split_first() {
            Some((&VERSION, rest)) => Ok(Reader { data: rest }),
            _ => Err(Corrupt),
        }
    }

    /// The end of the state: anything left over means it was not written by `Writer`.
    pub fn finish(self) -> Result<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(Corrupt)
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() {
            return Err(Corrupt);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Corrupt),
        }
    }

    fn len(&mut self) -> Result<usize> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return usize::try_from(value).map_err(|_| Corrupt);
            }
        }
        Err(Corrupt)
    }

    fn i64(&mut self) -> Result<i64> {
        let bytes = self.take(8)?.try_into().map_err(|_| Corrupt)?;
        Ok(i64::from_le_bytes(bytes))
    }

    fn i128(&mut self) -> Result<i128> {
        let bytes = self.take(16)?.try_into().map_err(|_| Corrupt)?;
        Ok(i128::from_le_bytes(bytes))
    }

    fn string(&mut self) -> Result<String> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Corrupt)
    }

    fn opt<T>(&mut self, read: impl FnOnce(&mut Reader<'a>) -> Result<T>) -> Result<Option<T>> {
        if self.bool()? {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn seq<T>(&mut self, mut read: impl FnMut(&mut Reader<'a>) -> Result<T>) -> Result<Vec<T>> {
        let n = self.len()?;
        // Each item takes at least a byte: a length beyond what is left is corrupt, and is
        // refused before anything is allocated for it.
        if n > self.data.len() {
            return Err(Corrupt);
        }
        (0..n).map(|_| read(self)).collect()
    }
}

/// Resource names are `&'static str` in the core: a name read back is the core's own when it
/// is one this process has seen, else it is leaked once (names are few: a dozen or so).
fn static_name(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = names.iter().find(|known| **known == name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.push(leaked);
    leaked
}

const FLAGS: [core::Flags; 4] = [
    core::Flags::ALLOCATABLE_WITHHELD,
    core::Flags::ALLOCATED_WITHHELD,
    core::Flags::AVAILABLE_WITHHELD,
    core::Flags::UNBOUNDED,
];

pub fn write_triple<A: Amount>(w: &mut Writer, t: &core::Triple<A>) {
    w.i64(t.allocatable.get());
    w.i64(t.allocated.get());
    w.i64(t.available.get());
    let bits = FLAGS
        .iter()
        .enumerate()
        .filter(|(_, flag)| t.flags.contains(**flag))
        .fold(0u8, |bits, (i, _)| bits | (1 << i));
    w.u8(bits);
}

pub fn read_triple<A: Amount>(r: &mut Reader<'_>) -> Result<core::Triple<A>> {
    let mut triple = core::Triple::new(A::new(r.i64()?), A::new(r.i64()?), A::new(r.i64()?));
    let bits = r.u8()?;
    if bits >> FLAGS.len() != 0 {
        return Err(Corrupt);
    }
    for (i, flag) in FLAGS.iter().enumerate() {
        if bits & (1 << i) != 0 {
            triple.flags.insert(*flag);
        }
    }
    Ok(triple)
}

fn write_resources(w: &mut Writer, r: &core::Resources) {
    write_triple(w, &r.cpu_millis);
    write_triple(w, &r.memory_bytes);
    write_triple(w, &r.gpu);
    write_triple(w, &r.ephemeral_storage_bytes);
}

fn read_resources(r: &mut Reader<'_>) -> Result<core::Resources> {
    Ok(core::Resources {
        cpu_millis: read_triple(r)?,
        memory_bytes: read_triple(r)?,
        gpu: read_triple(r)?,
        ephemeral_storage_bytes: read_triple(r)?,
    })
}

fn write_finding(w: &mut Writer, f: &core::Finding) {
    w.u8(f.code as u8);
    w.bool(f.severity == core::Severity::Warning);
    w.str(&f.path);
    w.opt(f.node.as_deref(), Writer::str);
    w.opt(f.resource, Writer::str);
    match &f.value {
        core::FindingValue::None => w.u8(0),
        core::FindingValue::Int(v) => {
            w.u8(1);
            w.i128(*v);
        }
        core::FindingValue::Text(t) => {
            w.u8(2);
            w.str(t);
        }
    }
    w.str(&f.message);
}

fn read_finding(r: &mut Reader<'_>) -> Result<core::Finding> {
    let code = *core::Code::ALL.get(usize::from(r.u8()?)).ok_or(Corrupt)?;
    let severity = if r.bool()? {
        core::Severity::Warning
    } else {
        core::Severity::Error
    };
    Ok(core::Finding {
        code,
        severity,
        path: r.string()?,
        node: r.opt(Reader::string)?,
        resource: r.opt(|r| r.string().map(|name| static_name(&name)))?,
        value: match r.u8()? {
            0 => core::FindingValue::None,
            1 => core::FindingValue::Int(r.i128()?),
            2 => core::FindingValue::Text(r.string()?),
            _ => return Err(Corrupt),
        },
        message: r.string()?,
    })
}

pub fn write_device(w: &mut Writer, d: &core::GpuDevice) {
    for label in [&d.vendor, &d.model, &d.memory_size, &d.interface] {
        w.str(label);
    }
}

pub fn read_device(r: &mut Reader<'_>) -> Result<core::GpuDevice> {
    Ok(core::GpuDevice {
        vendor: r.string()?,
        model: r.string()?,
        memory_size: r.string()?,
        interface: r.string()?,
    })
}

fn write_node(w: &mut Writer, n: &core::Node) {
    w.opt(n.name.as_deref(), Writer::str);
    w.len(n.index);
    write_resources(w, &n.resources);
    w.seq(&n.devices, |w, run| {
        w.len(run.kind);
        w.len(run.count);
    });
    w.opt(n.storage_classes.as_deref(), |w, classes| {
        w.seq(classes, |w, class| w.str(class));
    });
}

fn read_node(r: &mut Reader<'_>, kinds: usize) -> Result<core::Node> {
    Ok(core::Node {
        name: r.opt(Reader::string)?,
        index: r.len()?,
        resources: read_resources(r)?,
        devices: r.seq(|r| {
            let run = core::DeviceRun {
                kind: r.len()?,
                count: r.len()?,
            };
            // A kind names one of the report's device kinds; any other would panic when read.
            if run.kind < kinds {
                Ok(run)
            } else {
                Err(Corrupt)
            }
        })?,
        storage_classes: r.opt(|r| r.seq(Reader::string))?,
    })
}

fn write_group(w: &mut Writer, g: &core::GpuGroup) {
    for label in [
        &g.key.vendor,
        &g.key.model,
        &g.key.memory_size,
        &g.key.interface,
    ] {
        w.str(label);
    }
    w.i64(g.allocatable.get());
    w.i64(g.available.get());
    w.len(g.devices);
    w.bool(g.withheld);
}

fn read_group(r: &mut Reader<'_>) -> Result<core::GpuGroup> {
    Ok(core::GpuGroup {
        key: core::GpuKey {
            vendor: r.string()?,
            model: r.string()?,
            memory_size: r.string()?,
            interface: r.string()?,
        },
        allocatable: core::Gpus::new(r.i64()?),
        available: core::Gpus::new(r.i64()?),
        devices: r.len()?,
        withheld: r.bool()?,
    })
}

fn write_reserved(w: &mut Writer, x: &core::Reserved) {
    w.i64(x.count);
    w.i64(x.cpu_millis.get());
    w.i64(x.memory_bytes.get());
    w.i64(x.gpu.get());
    w.i64(x.ephemeral_storage_bytes.get());
    w.seq(&x.storage, |w, (class, bytes)| {
        w.str(class);
        w.i64(bytes.get());
    });
}

fn read_reserved(r: &mut Reader<'_>) -> Result<core::Reserved> {
    Ok(core::Reserved {
        count: r.i64()?,
        cpu_millis: core::MilliCpu::new(r.i64()?),
        memory_bytes: core::Bytes::new(r.i64()?),
        gpu: core::Gpus::new(r.i64()?),
        ephemeral_storage_bytes: core::Bytes::new(r.i64()?),
        storage: r.seq(|r| Ok((r.string()?, core::Bytes::new(r.i64()?))))?,
    })
}

pub fn write_report(w: &mut Writer, report: &core::Report) {
    w.u8(report.schema as u8);
    w.seq(&report.findings, write_finding);
    w.seq(&report.gpu_devices, write_device);
    w.seq(&report.nodes, write_node);
    write_resources(w, &report.totals.resources);
    w.seq(&report.totals.storage, |w, class| {
        w.str(&class.class);
        write_triple(w, &class.bytes);
    });
    w.seq(&report.gpus, write_group);
    w.bool(report.inventory_ready);
    w.opt(report.inventory_error.as_deref(), Writer::str);
    let c = &report.counters;
    for counter in [c.leases, c.orders, c.deployments] {
        w.opt(counter, Writer::i64);
    }
    w.opt(report.reservations.as_ref(), |w, x| {
        write_reserved(w, &x.pending);
        write_reserved(w, &x.active);
    });
    w.seq(&report.public_hostnames, |w, name| w.str(name));
    w.opt(report.address.as_deref(), Writer::str);
    w.opt(report.leased_ips.as_ref(), write_triple);
}

pub fn read_report(r: &mut Reader<'_>) -> Result<core::Report> {
    let schema = *core::Schema::ALL.get(usize::from(r.u8()?)).ok_or(Corrupt)?;
    let findings = r.seq(read_finding)?;
    let gpu_devices = r.seq(read_device)?;
    let kinds = gpu_devices.len();
    Ok(core::Report {
        schema,
        findings,
        gpu_devices,
        nodes: r.seq(|r| read_node(r, kinds))?,
        totals: core::Totals {
            resources: read_resources(r)?,
            storage: r.seq(|r| {
                Ok(core::StorageClassTotal {
                    class: r.string()?,
                    bytes: read_triple(r)?,
                })
            })?,
        },
        gpus: r.seq(read_group)?,
        inventory_ready: r.bool()?,
        inventory_error: r.opt(Reader::string)?,
        counters: core::Counters {
            leases: r.opt(Reader::i64)?,
            orders: r.opt(Reader::i64)?,
            deployments: r.opt(Reader::i64)?,
        },
        reservations: r.opt(|r| {
            Ok(core::Reservations {
                pending: read_reserved(r)?,
                active: read_reserved(r)?,
            })
        })?,
        public_hostnames: r.seq(Reader::string)?,
        address: r.opt(Reader::string)?,
        leased_ips: r.opt(read_triple)?,
    })
}

fn write_edit(w: &mut Writer, e: &core::Edit) {
    w.len(e.start);
    w.len(e.end);
    w.str(&e.replacement);
    w.str(&e.path);
    w.str(&e.original);
    w.u8(e.reason as u8);
}

fn read_edit(r: &mut Reader<'_>) -> Result<core::Edit> {
    Ok(core::Edit {
        start: r.len()?,
        end: r.len()?,
        replacement: r.string()?,
        path: r.string()?,
        original: r.string()?,
        reason: *core::Code::ALL.get(usize::from(r.u8()?)).ok_or(Corrupt)?,
    })
}

pub fn write_bytes(w: &mut Writer, data: &[u8]) {
    w.len(data.len());
    w.0.extend_from_slice(data);
}

pub fn read_bytes<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let n = r.len()?;
    r.take(n)
}

pub fn write_edits(w: &mut Writer, edits: &[core::Edit]) {
    w.seq(edits, write_edit);
}

pub fn read_edits(r: &mut Reader<'_>) -> Result<Vec<core::Edit>> {
    r.seq(read_edit)
}
