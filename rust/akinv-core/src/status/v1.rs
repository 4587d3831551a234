//! The `akash.provider.v1.Status` grammar, as Go's JSON encoder writes it (snake_case,
//! quantities as strings) and as protojson prints it (lowerCamelCase, `{"string": ...}`
//! quantities, zeros omitted): nodes of `ResourcePair`s with GPU devices and storage
//! classes, cluster storage pools, reservations.

#![deny(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::classify::{Check, Spelling};
use super::cursor::Result;
use super::gpu::{push_device, RawGpu, MEMORY_SIZE};
use super::rules::{self, Pair};
use super::{Place, Res, Seen, Walker};
use crate::quantity::Scale;
use crate::report::{Code, DeviceRun, FindingValue, Node, Resources};
use crate::units::Triple;
use jiter::Peek;

/// `{"quantity": ...}` wrappers inside a pair are followed at most this deep.
const MAX_WRAPPERS: usize = 128;

/// A v1 node while its object is read: the last value of each key counts.
struct V1Node {
    name: Option<String>,
    name_at: Option<usize>,
    pairs: [Pair; 4],
    volumes: [Pair; 2],
    saw_resources: bool,
    devices: Vec<DeviceRun>,
    gpu_info_seen: bool,
    storage_classes: Option<Vec<String>>,
}

fn check(res: Res, cap: Option<i64>) -> Check {
    Check {
        resource: res.name(),
        cap,
        unbounded_ok: false,
        unit: res.unit(),
    }
}

impl Walker<'_, '_> {
    pub(super) fn v1_cluster(&mut self) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"nodes" => {
                w.start_node_list()?;
                w.expect_array(|w, index| w.v1_node(index)).map(drop)
            }
            b"storage" => {
                w.start_pools()?;
                w.expect_array(|w, _| w.v1_storage()).map(drop)
            }
            _ => w.unknown(),
        })
        .map(drop)
    }

    /// A `ResourcePair` (`{allocatable, allocated, capacity, attributes}`) read into `pair`:
    /// an object given twice, or wrapped once more in `{"quantity": ...}`, merges into it.
    fn read_pair(
        &mut self,
        pair: &mut Pair,
        scale: Scale,
        check: &Check,
        wrappers: usize,
    ) -> Result<()> {
        if wrappers > MAX_WRAPPERS {
            self.wrong_type(
                "a ResourcePair wrapped in at most 128 quantity objects",
                None,
            )?;
            return Ok(());
        }
        let spelling = Spelling::Quantity(scale);
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            let bit = match key {
                b"allocatable" => 0,
                b"allocated" => 1,
                b"capacity" => 2,
                b"quantity" => 3,
                _ => return w.unknown(),
            };
            if !seen.first(bit) {
                w.repeated()?;
            }
            match key {
                b"allocatable" => {
                    let check = Check {
                        unbounded_ok: true,
                        ..*check
                    };
                    pair.allocatable = w.number(spelling, &check)?;
                }
                b"allocated" => pair.allocated = w.number(spelling, check)?,
                b"capacity" => pair.capacity = w.number(spelling, check)?,
                // Some writers wrap the pair once more: {"quantity": {...}}.
                _ => w.read_pair(pair, scale, check, wrappers.saturating_add(1))?,
            }
            Ok(())
        })
        .map(drop)
    }

    /// A pair read apart from the nodes (leased IPs): settled where it is.
    pub(super) fn v1_pair_only(&mut self, resource: &'static str) -> Result<Triple<i64>> {
        let check = Check {
            resource,
            cap: None,
            unbounded_ok: false,
            unit: "",
        };
        let mut pair = Pair::EMPTY;
        self.read_pair(&mut pair, Scale::Unit, &check, 0)?;
        Ok(rules::v1_pair(resource, &pair, self))
    }

    fn v1_node(&mut self, index: usize) -> Result<()> {
        let first_finding = self.findings.len();
        self.jiter.peek()?;
        let at = self.index();
        let mut node = V1Node {
            name: None,
            name_at: None,
            pairs: [Pair::EMPTY; 4],
            volumes: [Pair::EMPTY; 2],
            saw_resources: false,
            devices: Vec::new(),
            gpu_info_seen: false,
            storage_classes: None,
        };
        let mut seen = Seen::default();
        let is_object = self.expect_object(|w, key| {
            let bit = match key {
                b"name" => 0,
                b"resources" => 1,
                b"capabilities" => 2,
                _ => return w.unknown(),
            };
            if !seen.first(bit) {
                w.repeated()?;
            }
            match key {
                b"name" => w.node_name(&mut node.name, &mut node.name_at),
                b"resources" => {
                    node.saw_resources = true;
                    w.v1_resources(&mut node)
                }
                _ => w.capabilities(&mut node.storage_classes),
            }
        })?;
        if is_object {
            self.finish_v1_node(node, at, index, first_finding);
        }
        Ok(())
    }

    fn finish_v1_node(&mut self, node: V1Node, at: usize, index: usize, first_finding: usize) {
        if node.name.is_none() {
            self.missing(at, "name");
        }
        if !node.saw_resources {
            self.missing(at, "resources");
        }
        let mut triples = [Triple::<i64>::default(); 4];
        for res in Res::ALL {
            triples[res as usize] = rules::v1_pair(res.name(), &node.pairs[res as usize], self);
        }
        for volumes in &node.volumes {
            rules::v1_pair("volumes", volumes, self);
        }
        self.check_device_listing(&node, triples[Res::Gpu as usize].allocatable, at);
        self.close_node_findings(first_finding, node.name.as_deref());
        let name_place = match node.name_at {
            Some(name_at) => Place::at(name_at),
            None => Place::below(at, "name"),
        };
        let record = Node {
            name: node.name,
            index,
            resources: Resources::from_triples(&triples),
            devices: node.devices,
            storage_classes: node.storage_classes,
        };
        self.push_node(record, name_place);
    }

    /// A node whose GPU devices do not match its allocatable count: the device plugin is
    /// restarting, or the count is under-reported.
    fn check_device_listing(&mut self, node: &V1Node, allocatable: i64, at: usize) {
        let devices = node
            .devices
            .iter()
            .fold(0usize, |n, run| n.saturating_add(run.count));
        let listed = i64::try_from(devices).unwrap_or(i64::MAX);
        if listed != allocatable && (node.gpu_info_seen || allocatable > 0) {
            let reading = node.pairs[Res::Gpu as usize].allocatable;
            // The count as the document states it, trusted or not.
            let (value, stated) = match reading.untrusted_code() {
                Some(code) => {
                    let value = self.original(&reading);
                    let text = match &value {
                        FindingValue::Text(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (value, format!("{text} ({code}, so counted as 0)"))
                }
                None => (
                    FindingValue::Int(i128::from(allocatable)),
                    allocatable.to_string(),
                ),
            };
            let message = format!(
                "node lists {devices} GPU devices but {stated} allocatable GPUs (device plugin restarting, or an under-report)"
            );
            self.finding(
                Code::GpuInfoMismatch,
                Place::below(at, "resources.gpu"),
                Some("gpu"),
                value,
                message,
            );
        }
    }

    fn v1_resources(&mut self, node: &mut V1Node) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            let bit = match key {
                b"cpu" => 0,
                b"memory" => 1,
                b"gpu" => 2,
                b"ephemeral_storage" | b"ephemeralStorage" => 3,
                b"volumes_attached" | b"volumesAttached" => 4,
                b"volumes_mounted" | b"volumesMounted" => 5,
                _ => return w.unknown(),
            };
            if !seen.first(bit) {
                w.repeated()?;
            }
            match bit {
                0 => w.v1_resource(Res::Cpu, node),
                1 => w.v1_resource(Res::Memory, node),
                2 => w.v1_resource(Res::Gpu, node),
                3 => {
                    let check = check(Res::Ephemeral, Some(Res::Ephemeral.cap(w.policy)));
                    w.read_pair(
                        &mut node.pairs[Res::Ephemeral as usize],
                        Scale::Unit,
                        &check,
                        0,
                    )
                }
                _ => {
                    let check = Check {
                        resource: "volumes",
                        cap: None,
                        unbounded_ok: false,
                        unit: "",
                    };
                    let slot = usize::from(bit == 5);
                    w.read_pair(&mut node.volumes[slot], Scale::Unit, &check, 0)
                }
            }
        })
        .map(drop)
    }

    /// `{quantity: ResourcePair, info: [...]}` of cpu, memory or gpu.
    fn v1_resource(&mut self, res: Res, node: &mut V1Node) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| match key {
            b"quantity" => {
                if !seen.first(0) {
                    w.repeated()?;
                }
                let check = check(res, Some(res.cap(w.policy)));
                w.read_pair(&mut node.pairs[res as usize], res.scale(), &check, 0)
            }
            b"info" if res == Res::Gpu => {
                if !seen.first(1) {
                    w.repeated()?;
                }
                node.gpu_info_seen = true;
                // A list given twice: the last one counts.
                node.devices.clear();
                w.expect_array(|w, _| w.gpu_info(&mut node.devices))
                    .map(drop)
            }
            _ => w.unknown(),
        })
        .map(drop)
    }

    fn gpu_info(&mut self, devices: &mut Vec<DeviceRun>) -> Result<()> {
        let mut device = RawGpu::default();
        let is_object = self.expect_object(|w, field| {
            let slot = match field {
                b"vendor" => 0,
                b"name" => 1,
                b"memory_size" | b"memorySize" => MEMORY_SIZE,
                b"interface" => 3,
                _ => return w.unknown(),
            };
            if w.jiter.peek()? == Peek::String {
                // The string's bytes without its quotes, read in place.
                device.fields[slot] = w.string_span()?;
                Ok(())
            } else {
                w.skip()
            }
        })?;
        if is_object {
            let kind = self.kinds.intern(device, self.data);
            push_device(devices, kind);
        }
        Ok(())
    }

    /// `{storage_classes: [...]}` (protojson: `storageClasses`).
    fn capabilities(&mut self, classes: &mut Option<Vec<String>>) -> Result<()> {
        self.expect_object(|w, key| match key {
            b"storage_classes" | b"storageClasses" => {
                let mut names = Vec::new();
                w.expect_array(|w, _| {
                    match w.string()? {
                        Some(name) => names.push(name),
                        None => {
                            w.wrong_type("a storage class name", None)?;
                        }
                    }
                    Ok(())
                })?;
                *classes = Some(names);
                Ok(())
            }
            _ => w.unknown(),
        })
        .map(drop)
    }

    fn v1_storage(&mut self) -> Result<()> {
        let mut class = String::new();
        let mut pair = Pair::EMPTY;
        let mut has_quantity = false;
        self.expect_object(|w, key| match key {
            b"quantity" => {
                let check = Check {
                    resource: "storage",
                    cap: Some(w.policy.caps.storage_bytes),
                    unbounded_ok: false,
                    unit: "bytes",
                };
                has_quantity |= w.jiter.peek()? == Peek::Object;
                w.read_pair(&mut pair, Scale::Unit, &check, 0)
            }
            b"info" => w
                .expect_object(|w, key| {
                    if key != b"class" {
                        return w.unknown();
                    }
                    match w.string()? {
                        Some(name) => class = name,
                        None => w.skip()?,
                    }
                    Ok(())
                })
                .map(drop),
            _ => w.unknown(),
        })?;
        if has_quantity {
            let triple = rules::v1_pair("storage", &pair, self);
            self.pool(&class).add(&triple);
        }
        Ok(())
    }

    pub(super) fn v1_reservations(&mut self) -> Result<()> {
        let mut seen = Seen::default();
        self.expect_object(|w, key| {
            let pending = match key {
                b"pending" => true,
                b"active" => false,
                _ => return w.unknown(),
            };
            if !seen.first(u32::from(pending)) {
                w.repeated()?;
            }
            let sums = w.v1_reservation()?;
            let reservations = w.extras.reservations.get_or_insert_with(Default::default);
            if pending {
                reservations.pending = sums;
            } else {
                reservations.active = sums;
            }
            Ok(())
        })
        .map(drop)
    }

    fn v1_reservation(&mut self) -> Result<super::totals::ReservedSums> {
        let mut sums = super::totals::ReservedSums::default();
        self.expect_object(|w, key| match key {
            b"count" => {
                sums.count = i128::from(w.counter("count")?.unwrap_or(0));
                Ok(())
            }
            b"resources" => w
                .expect_object(|w, key| {
                    let res = match key {
                        b"cpu" => Res::Cpu,
                        b"memory" => Res::Memory,
                        b"gpu" => Res::Gpu,
                        b"ephemeral_storage" | b"ephemeralStorage" => Res::Ephemeral,
                        b"storage" => {
                            return w.storage_map(
                                Spelling::Quantity(Scale::Unit),
                                |_, class, reading| {
                                    sums.add_storage(class, reading.trusted().unwrap_or(0));
                                },
                            )
                        }
                        _ => return w.unknown(),
                    };
                    let reading = w.lone(Spelling::Quantity(res.scale()), &check(res, None))?;
                    sums.add(res as usize, reading.trusted().unwrap_or(0));
                    Ok(())
                })
                .map(drop),
            _ => w.unknown(),
        })?;
        Ok(sums)
    }
}
