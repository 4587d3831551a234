//! Figures: usage triples, GPU devices and groups, nodes and totals.

use super::{py_list_repr, py_opt_repr, py_repr};
use crate::pickle::{self, Part, Reduced};
use akinv_core as core;
use core::Amount;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::Arc;

/// Allocatable, allocated and available amounts of one resource.
#[pyclass(module = "akinv", frozen, eq, name = "Usage")]
#[derive(PartialEq)]
pub struct Usage {
    pub(crate) inner: core::Triple<i64>,
}

impl Usage {
    pub(super) fn new<A: Amount>(triple: &core::Triple<A>) -> Usage {
        Usage {
            inner: triple.cast(),
        }
    }
}

#[pymethods]
impl Usage {
    #[getter]
    fn allocatable(&self) -> i64 {
        self.inner.allocatable
    }
    #[getter]
    fn allocated(&self) -> i64 {
        self.inner.allocated
    }
    #[getter]
    fn available(&self) -> i64 {
        self.inner.available
    }
    /// The figures reported as 0 because the document's number for them was untrusted.
    #[getter]
    fn withheld(&self) -> Vec<&'static str> {
        self.inner.flags.withheld().collect()
    }
    /// The document gave allocatable as -1: no limit (it adds nothing to the figures).
    #[getter]
    fn unbounded(&self) -> bool {
        self.inner.flags.contains(core::Flags::UNBOUNDED)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        usage_dict(py, &self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Usage", &self.inner)
    }
    fn __repr__(&self) -> String {
        usage_repr(&self.inner)
    }
}

/// `Usage(allocatable=8, allocated=2, available=6)`, naming withheld figures and no limit.
pub(super) fn usage_repr<A: Amount>(t: &core::Triple<A>) -> String {
    let mut extra = String::new();
    let withheld: Vec<String> = t.flags.withheld().map(|w| format!("'{w}'")).collect();
    if !withheld.is_empty() {
        extra = format!(", withheld=[{}]", withheld.join(", "));
    }
    if t.flags.contains(core::Flags::UNBOUNDED) {
        extra.push_str(", unbounded=True");
    }
    format!(
        "Usage(allocatable={}, allocated={}, available={}{extra})",
        t.allocatable.get(),
        t.allocated.get(),
        t.available.get()
    )
}

pub(super) fn resources_repr(r: &core::Resources) -> String {
    format!(
        "cpu_millis={}, memory_bytes={}, gpu={}, ephemeral_storage_bytes={}",
        usage_repr(&r.cpu_millis),
        usage_repr(&r.memory_bytes),
        usage_repr(&r.gpu),
        usage_repr(&r.ephemeral_storage_bytes)
    )
}

pub(super) fn usage_dict<'py, A: Amount>(
    py: Python<'py>,
    t: &core::Triple<A>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "allocatable"), t.allocatable.get())?;
    dict.set_item(intern!(py, "allocated"), t.allocated.get())?;
    dict.set_item(intern!(py, "available"), t.available.get())?;
    Ok(dict)
}

/// The four resources' figures, and beside them which were withheld (reported as 0 because
/// the document's number was untrusted) and which are unbounded; both maps name only the
/// resources concerned, so they are empty for a clean document.
pub(super) fn resources_dict<'py>(
    py: Python<'py>,
    r: &core::Resources,
    dict: &Bound<'py, PyDict>,
) -> PyResult<()> {
    let flags = [
        ("cpu_millis", r.cpu_millis.flags),
        ("memory_bytes", r.memory_bytes.flags),
        ("gpu", r.gpu.flags),
        ("ephemeral_storage_bytes", r.ephemeral_storage_bytes.flags),
    ];
    dict.set_item(intern!(py, "cpu_millis"), usage_dict(py, &r.cpu_millis)?)?;
    dict.set_item(
        intern!(py, "memory_bytes"),
        usage_dict(py, &r.memory_bytes)?,
    )?;
    dict.set_item(intern!(py, "gpu"), usage_dict(py, &r.gpu)?)?;
    dict.set_item(
        intern!(py, "ephemeral_storage_bytes"),
        usage_dict(py, &r.ephemeral_storage_bytes)?,
    )?;
    let withheld = PyDict::new(py);
    let mut unbounded = Vec::new();
    for (name, flags) in flags {
        let figures: Vec<&str> = flags.withheld().collect();
        if !figures.is_empty() {
            withheld.set_item(name, figures)?;
        }
        if flags.contains(core::Flags::UNBOUNDED) {
            unbounded.push(name);
        }
    }
    dict.set_item(intern!(py, "withheld"), withheld)?;
    dict.set_item(intern!(py, "unbounded"), unbounded)?;
    Ok(())
}

/// One GPU device as the document lists it (labels as written).
#[pyclass(module = "akinv", frozen, eq, hash, name = "GpuDevice")]
#[derive(PartialEq, Hash)]
pub struct GpuDevice {
    pub(crate) inner: core::GpuDevice,
}

#[pymethods]
impl GpuDevice {
    #[getter]
    fn vendor(&self) -> &str {
        &self.inner.vendor
    }
    #[getter]
    fn model(&self) -> &str {
        &self.inner.model
    }
    #[getter]
    fn memory_size(&self) -> &str {
        &self.inner.memory_size
    }
    #[getter]
    fn interface(&self) -> &str {
        &self.inner.interface
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        device_dict(py, &self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "GpuDevice", &self.inner)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        device_repr(py, &self.inner)
    }
}

pub(super) fn device_repr(py: Python<'_>, d: &core::GpuDevice) -> PyResult<String> {
    Ok(format!(
        "GpuDevice(vendor={}, model={}, memory_size={}, interface={})",
        py_repr(py, &d.vendor)?,
        py_repr(py, &d.model)?,
        py_repr(py, &d.memory_size)?,
        py_repr(py, &d.interface)?
    ))
}

pub(super) fn device_dict<'py>(
    py: Python<'py>,
    d: &core::GpuDevice,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "vendor"), &d.vendor)?;
    dict.set_item(intern!(py, "model"), &d.model)?;
    dict.set_item(intern!(py, "memory_size"), &d.memory_size)?;
    dict.set_item(intern!(py, "interface"), &d.interface)?;
    Ok(dict)
}

/// One node, from trusted numbers only, with its GPU devices and storage classes.
#[pyclass(module = "akinv", frozen, name = "NodeSummary")]
pub struct NodeSummary {
    pub(crate) report: Arc<core::Report>,
    pub(crate) index: usize,
}

impl NodeSummary {
    fn get(&self) -> &core::Node {
        &self.report.nodes[self.index]
    }
}

#[pymethods]
impl NodeSummary {
    #[getter]
    fn name(&self) -> Option<&str> {
        self.get().name.as_deref()
    }
    /// Its index in the document's node array.
    #[getter]
    fn index(&self) -> usize {
        self.get().index
    }
    #[getter]
    fn cpu_millis(&self) -> Usage {
        Usage::new(&self.get().resources.cpu_millis)
    }
    #[getter]
    fn memory_bytes(&self) -> Usage {
        Usage::new(&self.get().resources.memory_bytes)
    }
    #[getter]
    fn gpu(&self) -> Usage {
        Usage::new(&self.get().resources.gpu)
    }
    #[getter]
    fn ephemeral_storage_bytes(&self) -> Usage {
        Usage::new(&self.get().resources.ephemeral_storage_bytes)
    }
    /// Its GPU devices in document order (legacy documents list none).
    #[getter]
    fn gpu_devices(&self) -> Vec<GpuDevice> {
        self.get()
            .device_kinds()
            .map(|kind| GpuDevice {
                inner: self.report.gpu_devices[kind].clone(),
            })
            .collect()
    }
    /// The storage classes it supports, where the document says (v1); else None.
    #[getter]
    fn storage_classes(&self) -> Option<Vec<String>> {
        self.get().storage_classes.clone()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        node_dict(py, &self.report, self.get())
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let part = pickle::part_of(&self.report, Part::Node(self.index));
        pickle::reduce(py, "NodeSummary", &part)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let node = self.get();
        // Devices as runs of one kind: `[GpuDevice(...)] * 8`, as Python would build the list.
        let runs: Vec<String> = node
            .devices
            .iter()
            .map(|run| {
                let device = device_repr(py, &self.report.gpu_devices[run.kind])?;
                Ok(format!("[{device}] * {}", run.count))
            })
            .collect::<PyResult<_>>()?;
        let devices = if runs.is_empty() {
            "[]".to_owned()
        } else {
            runs.join(" + ")
        };
        let classes = match &node.storage_classes {
            Some(classes) => py_list_repr(py, classes)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "NodeSummary(name={}, index={}, {}, gpu_devices={devices}, storage_classes={classes})",
            py_opt_repr(py, node.name.as_deref())?,
            node.index,
            resources_repr(&node.resources)
        ))
    }
}

pub(super) fn node_dict<'py>(
    py: Python<'py>,
    report: &core::Report,
    node: &core::Node,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "name"), node.name.as_deref())?;
    dict.set_item(intern!(py, "index"), node.index)?;
    resources_dict(py, &node.resources, &dict)?;
    let devices = PyList::empty(py);
    for kind in node.device_kinds() {
        devices.append(device_dict(py, &report.gpu_devices[kind])?)?;
    }
    dict.set_item(intern!(py, "gpu_devices"), devices)?;
    dict.set_item(intern!(py, "storage_classes"), node.storage_classes.clone())?;
    Ok(dict)
}

/// Cluster totals: the sums of the nodes, plus persistent storage pools per class.
#[pyclass(module = "akinv", frozen, name = "Totals")]
pub struct Totals {
    pub(crate) report: Arc<core::Report>,
}

#[pymethods]
impl Totals {
    #[getter]
    fn cpu_millis(&self) -> Usage {
        Usage::new(&self.report.totals.resources.cpu_millis)
    }
    #[getter]
    fn memory_bytes(&self) -> Usage {
        Usage::new(&self.report.totals.resources.memory_bytes)
    }
    #[getter]
    fn gpu(&self) -> Usage {
        Usage::new(&self.report.totals.resources.gpu)
    }
    #[getter]
    fn ephemeral_storage_bytes(&self) -> Usage {
        Usage::new(&self.report.totals.resources.ephemeral_storage_bytes)
    }
    #[getter]
    fn storage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for class in &self.report.totals.storage {
            dict.set_item(&class.class, Usage::new(&class.bytes))?;
        }
        Ok(dict)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        totals_dict(py, &self.report.totals)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let part = pickle::part_of(&self.report, Part::Totals);
        pickle::reduce(py, "Totals", &part)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let totals = &self.report.totals;
        let storage: Vec<String> = totals
            .storage
            .iter()
            .map(|class| {
                Ok(format!(
                    "{}: {}",
                    py_repr(py, &class.class)?,
                    usage_repr(&class.bytes)
                ))
            })
            .collect::<PyResult<_>>()?;
        Ok(format!(
            "Totals({}, storage={{{}}})",
            resources_repr(&totals.resources),
            storage.join(", ")
        ))
    }
}

pub(super) fn totals_dict<'py>(
    py: Python<'py>,
    totals: &core::Totals,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    resources_dict(py, &totals.resources, &dict)?;
    let storage = PyDict::new(py);
    for class in &totals.storage {
        storage.set_item(&class.class, usage_dict(py, &class.bytes)?)?;
    }
    dict.set_item(intern!(py, "storage"), storage)?;
    Ok(dict)
}

/// GPUs of one (vendor, model, memory size, interface), normalized.
#[pyclass(module = "akinv", frozen, name = "GpuGroup")]
pub struct GpuGroup {
    pub(crate) report: Arc<core::Report>,
    pub(crate) index: usize,
}

impl GpuGroup {
    fn get(&self) -> &core::GpuGroup {
        &self.report.gpus[self.index]
    }
}

#[pymethods]
impl GpuGroup {
    #[getter]
    fn vendor(&self) -> &str {
        &self.get().key.vendor
    }
    #[getter]
    fn model(&self) -> &str {
        &self.get().key.model
    }
    #[getter]
    fn memory_size(&self) -> &str {
        &self.get().key.memory_size
    }
    #[getter]
    fn interface(&self) -> &str {
        &self.get().key.interface
    }
    #[getter]
    fn allocatable(&self) -> i64 {
        self.get().allocatable.get()
    }
    #[getter]
    fn available(&self) -> i64 {
        self.get().available.get()
    }
    /// Devices of this kind listed by the nodes.
    #[getter]
    fn devices(&self) -> usize {
        self.get().devices
    }
    /// Some node's GPU count was untrusted: its devices count here, its GPUs do not.
    #[getter]
    fn withheld(&self) -> bool {
        self.get().withheld
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        gpu_dict(py, self.get())
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let part = pickle::part_of(&self.report, Part::Gpu(self.index));
        pickle::reduce(py, "GpuGroup", &part)
    }
    /// A label the document did not give (legacy nodes list no devices) shows as `?`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let g = self.get();
        let k = &g.key;
        let label = |text: &str| {
            if text.is_empty() {
                Ok("?".to_owned())
            } else {
                py_repr(py, text)
            }
        };
        let withheld = if g.withheld { ", withheld=True" } else { "" };
        Ok(format!(
            "GpuGroup(vendor={}, model={}, memory_size={}, interface={}, allocatable={}, available={}, devices={}{withheld})",
            label(&k.vendor)?,
            label(&k.model)?,
            label(&k.memory_size)?,
            label(&k.interface)?,
            g.allocatable.get(),
            g.available.get(),
            g.devices
        ))
    }
}

pub(super) fn gpu_dict<'py>(
    py: Python<'py>,
    group: &core::GpuGroup,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "vendor"), &group.key.vendor)?;
    dict.set_item(intern!(py, "model"), &group.key.model)?;
    dict.set_item(intern!(py, "memory_size"), &group.key.memory_size)?;
    dict.set_item(intern!(py, "interface"), &group.key.interface)?;
    dict.set_item(intern!(py, "allocatable"), group.allocatable.get())?;
    dict.set_item(intern!(py, "available"), group.available.get())?;
    dict.set_item(intern!(py, "devices"), group.devices)?;
    dict.set_item(intern!(py, "withheld"), group.withheld)?;
    Ok(dict)
}

pub(super) fn reserved_dict<'py>(
    py: Python<'py>,
    r: &core::Reserved,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "count"), r.count)?;
    dict.set_item(intern!(py, "cpu_millis"), r.cpu_millis.get())?;
    dict.set_item(intern!(py, "memory_bytes"), r.memory_bytes.get())?;
    dict.set_item(intern!(py, "gpu"), r.gpu.get())?;
    dict.set_item(
        intern!(py, "ephemeral_storage_bytes"),
        r.ephemeral_storage_bytes.get(),
    )?;
    let storage = PyDict::new(py);
    for (class, bytes) in &r.storage {
        storage.set_item(class, bytes.get())?;
    }
    dict.set_item(intern!(py, "storage"), storage)?;
    Ok(dict)
}

pub(super) fn counters_dict<'py>(
    py: Python<'py>,
    c: &core::Counters,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "leases"), c.leases)?;
    dict.set_item(intern!(py, "orders"), c.orders)?;
    dict.set_item(intern!(py, "deployments"), c.deployments)?;
    Ok(dict)
}
