//! Reports as Python objects. A report stays Rust data behind one shared pointer; its parts are
//! views into it, and Python values are built only when an attribute is read, so a batch of
//! reports costs no Python allocation per number.

use crate::pickle::{self, Part, Reduced};
use crate::state::{self, Writer};
use akinv_core as core;
use core::Amount;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::sync::Arc;

/// A string as Python writes it in a repr.
fn py_repr(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_str()?.to_owned())
}

fn py_opt_repr(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    text.map_or_else(|| Ok("None".to_owned()), |t| py_repr(py, t))
}

fn py_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

fn py_list_repr(py: Python<'_>, items: &[String]) -> PyResult<String> {
    let items: Vec<String> = items
        .iter()
        .map(|i| py_repr(py, i))
        .collect::<PyResult<_>>()?;
    Ok(format!("[{}]", items.join(", ")))
}

/// An exact integer as JSON-safe data: beyond int64 it is a string, which every JSON reader
/// keeps exactly (orjson refuses integers past 2^64; JavaScript rounds past 2^53 anyway).
fn json_int(py: Python<'_>, value: i128) -> PyResult<Py<PyAny>> {
    Ok(match i64::try_from(value) {
        Ok(small) => small.into_pyobject(py)?.into_any().unbind(),
        Err(_) => value.to_string().into_pyobject(py)?.into_any().unbind(),
    })
}

fn finding_value(py: Python<'_>, value: &core::FindingValue, json: bool) -> PyResult<Py<PyAny>> {
    Ok(match value {
        core::FindingValue::None => py.None(),
        core::FindingValue::Int(v) if json => json_int(py, *v)?,
        core::FindingValue::Int(v) => v.into_pyobject(py)?.into_any().unbind(),
        core::FindingValue::Text(t) => t.into_pyobject(py)?.into_any().unbind(),
    })
}

#[pyclass(module = "akinv", frozen, name = "Finding")]
pub struct Finding {
    pub(crate) report: Arc<core::Report>,
    pub(crate) index: usize,
}

impl Finding {
    fn get(&self) -> &core::Finding {
        &self.report.findings[self.index]
    }
}

#[pymethods]
impl Finding {
    #[getter]
    fn code(&self) -> &'static str {
        self.get().code.name()
    }
    #[getter]
    fn severity(&self) -> &'static str {
        self.get().severity.name()
    }
    #[getter]
    fn path(&self) -> &str {
        &self.get().path
    }
    #[getter]
    fn node(&self) -> Option<&str> {
        self.get().node.as_deref()
    }
    #[getter]
    fn resource(&self) -> Option<&'static str> {
        self.get().resource
    }
    /// The original value: an exact int in the report's units, or the text as written.
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        finding_value(py, &self.get().value, false)
    }
    #[getter]
    fn message(&self) -> &str {
        &self.get().message
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        finding_dict(py, self.get())
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, Finding>>()
            .is_ok_and(|o| o.get() == self.get())
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let part = pickle::part_of(&self.report, Part::Finding(self.index));
        pickle::reduce(py, "Finding", pickle::report_state(&part))
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let f = self.get();
        let value = match &f.value {
            core::FindingValue::None => "None".to_owned(),
            core::FindingValue::Int(v) => v.to_string(),
            core::FindingValue::Text(t) => py_repr(py, t)?,
        };
        Ok(format!(
            "Finding(code={}, severity={}, path={}, node={}, resource={}, value={value}, message={})",
            py_repr(py, f.code.name())?,
            py_repr(py, f.severity.name())?,
            py_repr(py, &f.path)?,
            py_opt_repr(py, f.node.as_deref())?,
            py_opt_repr(py, f.resource)?,
            py_repr(py, &f.message)?,
        ))
    }
}

fn finding_dict<'py>(py: Python<'py>, f: &core::Finding) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "code"), f.code.name())?;
    dict.set_item(intern!(py, "severity"), f.severity.name())?;
    dict.set_item(intern!(py, "path"), &f.path)?;
    dict.set_item(intern!(py, "node"), f.node.as_deref())?;
    dict.set_item(intern!(py, "resource"), f.resource)?;
    dict.set_item(intern!(py, "value"), finding_value(py, &f.value, true)?)?;
    dict.set_item(intern!(py, "message"), &f.message)?;
    Ok(dict)
}

/// Allocatable, allocated and available amounts of one resource.
#[pyclass(module = "akinv", frozen, eq, name = "Usage")]
#[derive(PartialEq)]
pub struct Usage {
    pub(crate) inner: core::Triple<i64>,
}

impl Usage {
    fn new<A: Amount>(triple: &core::Triple<A>) -> Usage {
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
        let mut w = Writer::new();
        state::write_triple(&mut w, &self.inner);
        pickle::reduce(py, "Usage", w)
    }
    fn __repr__(&self) -> String {
        usage_repr(&self.inner)
    }
}

/// `Usage(allocatable=8, allocated=2, available=6)`, naming withheld figures and no limit.
fn usage_repr<A: Amount>(t: &core::Triple<A>) -> String {
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

fn resources_repr(r: &core::Resources) -> String {
    format!(
        "cpu_millis={}, memory_bytes={}, gpu={}, ephemeral_storage_bytes={}",
        usage_repr(&r.cpu_millis),
        usage_repr(&r.memory_bytes),
        usage_repr(&r.gpu),
        usage_repr(&r.ephemeral_storage_bytes)
    )
}

fn usage_dict<'py, A: Amount>(
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
fn resources_dict<'py>(
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
        let mut w = Writer::new();
        state::write_device(&mut w, &self.inner);
        pickle::reduce(py, "GpuDevice", w)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        device_repr(py, &self.inner)
    }
}

fn device_repr(py: Python<'_>, d: &core::GpuDevice) -> PyResult<String> {
    Ok(format!(
        "GpuDevice(vendor={}, model={}, memory_size={}, interface={})",
        py_repr(py, &d.vendor)?,
        py_repr(py, &d.model)?,
        py_repr(py, &d.memory_size)?,
        py_repr(py, &d.interface)?
    ))
}

fn device_dict<'py>(py: Python<'py>, d: &core::GpuDevice) -> PyResult<Bound<'py, PyDict>> {
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
        pickle::reduce(py, "NodeSummary", pickle::report_state(&part))
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

fn node_dict<'py>(
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
        pickle::reduce(py, "Totals", pickle::report_state(&part))
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

fn totals_dict<'py>(py: Python<'py>, totals: &core::Totals) -> PyResult<Bound<'py, PyDict>> {
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
        pickle::reduce(py, "GpuGroup", pickle::report_state(&part))
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

fn gpu_dict<'py>(py: Python<'py>, group: &core::GpuGroup) -> PyResult<Bound<'py, PyDict>> {
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

fn reserved_dict<'py>(py: Python<'py>, r: &core::Reserved) -> PyResult<Bound<'py, PyDict>> {
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

fn counters_dict<'py>(py: Python<'py>, c: &core::Counters) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(intern!(py, "leases"), c.leases)?;
    dict.set_item(intern!(py, "orders"), c.orders)?;
    dict.set_item(intern!(py, "deployments"), c.deployments)?;
    Ok(dict)
}

/// What akinv found in one document.
#[pyclass(module = "akinv", frozen, name = "Report")]
pub struct Report {
    pub inner: Arc<core::Report>,
}

impl Report {
    pub fn new(report: core::Report) -> Report {
        Report {
            inner: Arc::new(report),
        }
    }
}

#[pymethods]
impl Report {
    #[getter]
    fn schema(&self) -> &'static str {
        self.inner.schema.name()
    }
    #[getter]
    fn ok(&self) -> bool {
        self.inner.ok()
    }
    /// False when a legacy document says `"error": ...`: the provider's inventory is not ready.
    #[getter]
    fn inventory_ready(&self) -> bool {
        self.inner.inventory_ready
    }
    /// What the provider said instead of an inventory, as written.
    #[getter]
    fn inventory_error(&self) -> Option<&str> {
        self.inner.inventory_error.as_deref()
    }
    #[getter]
    fn findings(&self) -> Vec<Finding> {
        (0..self.inner.findings.len())
            .map(|index| Finding {
                report: self.inner.clone(),
                index,
            })
            .collect()
    }
    #[getter]
    fn nodes(&self) -> Vec<NodeSummary> {
        (0..self.inner.nodes.len())
            .map(|index| NodeSummary {
                report: self.inner.clone(),
                index,
            })
            .collect()
    }
    #[getter]
    fn totals(&self) -> Totals {
        Totals {
            report: self.inner.clone(),
        }
    }
    #[getter]
    fn gpus(&self) -> Vec<GpuGroup> {
        (0..self.inner.gpus.len())
            .map(|index| GpuGroup {
                report: self.inner.clone(),
                index,
            })
            .collect()
    }
    /// The provider's counters: `leases`, `orders`, `deployments` (None when not given).
    #[getter]
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        counters_dict(py, &self.inner.counters)
    }
    /// Resources held by pending and active reservations, or None when the document has none.
    #[getter]
    fn reservations<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner
            .reservations
            .as_ref()
            .map(|r| {
                let dict = PyDict::new(py);
                dict.set_item(intern!(py, "pending"), reserved_dict(py, &r.pending)?)?;
                dict.set_item(intern!(py, "active"), reserved_dict(py, &r.active)?)?;
                Ok(dict)
            })
            .transpose()
    }
    #[getter]
    fn public_hostnames(&self) -> Vec<String> {
        self.inner.public_hostnames.clone()
    }
    /// The provider's account, which only the legacy REST handler adds.
    #[getter]
    fn address(&self) -> Option<&str> {
        self.inner.address.as_deref()
    }
    /// Leased IP addresses (v1 `leased_ip`), where the provider runs the IP operator.
    #[getter]
    fn leased_ips(&self) -> Option<Usage> {
        self.inner.leased_ips.as_ref().map(Usage::new)
    }
    /// Counts of findings by code.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (code, n) in self.inner.counts() {
            dict.set_item(code.name(), n)?;
        }
        Ok(dict)
    }
    /// Plain JSON-ready data (integers beyond int64 as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let report = &self.inner;
        let dict = PyDict::new(py);
        dict.set_item(intern!(py, "schema"), self.schema())?;
        dict.set_item(intern!(py, "ok"), report.ok())?;
        dict.set_item(intern!(py, "inventory_ready"), report.inventory_ready)?;
        dict.set_item(
            intern!(py, "inventory_error"),
            report.inventory_error.as_deref(),
        )?;
        dict.set_item(intern!(py, "counts"), self.counts(py)?)?;
        let findings = PyList::empty(py);
        for f in &report.findings {
            findings.append(finding_dict(py, f)?)?;
        }
        dict.set_item(intern!(py, "findings"), findings)?;
        let nodes = PyList::empty(py);
        for n in &report.nodes {
            nodes.append(node_dict(py, report, n)?)?;
        }
        dict.set_item(intern!(py, "nodes"), nodes)?;
        dict.set_item(intern!(py, "totals"), totals_dict(py, &report.totals)?)?;
        let gpus = PyList::empty(py);
        for g in &report.gpus {
            gpus.append(gpu_dict(py, g)?)?;
        }
        dict.set_item(intern!(py, "gpus"), gpus)?;
        dict.set_item(
            intern!(py, "counters"),
            counters_dict(py, &report.counters)?,
        )?;
        dict.set_item(intern!(py, "reservations"), self.reservations(py)?)?;
        dict.set_item(intern!(py, "public_hostnames"), &report.public_hostnames)?;
        dict.set_item(intern!(py, "address"), report.address.as_deref())?;
        let leased = report
            .leased_ips
            .as_ref()
            .map(|t| usage_dict(py, t))
            .transpose()?;
        dict.set_item(intern!(py, "leased_ips"), leased)?;
        Ok(dict)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, Report>>()
            .is_ok_and(|o| o.inner == self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        pickle::reduce(py, "Report", pickle::report_state(&self.inner))
    }
    /// The shape, the verdict, and findings counted by code.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let report = &self.inner;
        let counts: Vec<String> = report
            .counts()
            .into_iter()
            .map(|(code, n)| format!("'{}': {n}", code.name()))
            .collect();
        let ready = match &report.inventory_error {
            Some(error) if !report.inventory_ready => {
                format!(
                    "inventory_ready=False, inventory_error={}",
                    py_repr(py, error)?
                )
            }
            _ => format!("inventory_ready={}", py_bool(report.inventory_ready)),
        };
        Ok(format!(
            "Report(schema='{}', ok={}, {ready}, nodes={}, findings={{{}}})",
            report.schema.name(),
            py_bool(report.ok()),
            report.nodes.len(),
            counts.join(", ")
        ))
    }
}

/// One replacement made by sanitizing.
#[pyclass(module = "akinv", frozen, name = "Change")]
pub struct Change {
    pub(crate) inner: core::Edit,
}

#[pymethods]
impl Change {
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }
    /// The token replaced, exactly as written in the document.
    #[getter]
    fn original(&self) -> &str {
        &self.inner.original
    }
    #[getter]
    fn replacement(&self) -> &str {
        &self.inner.replacement
    }
    #[getter]
    fn reason(&self) -> &'static str {
        self.inner.reason.name()
    }
    /// Byte offsets of the token in the input.
    #[getter]
    fn start(&self) -> usize {
        self.inner.start
    }
    #[getter]
    fn end(&self) -> usize {
        self.inner.end
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item(intern!(py, "path"), self.path())?;
        dict.set_item(intern!(py, "original"), self.original())?;
        dict.set_item(intern!(py, "replacement"), self.replacement())?;
        dict.set_item(intern!(py, "reason"), self.reason())?;
        dict.set_item(intern!(py, "start"), self.inner.start)?;
        dict.set_item(intern!(py, "end"), self.inner.end)?;
        Ok(dict)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, Change>>()
            .is_ok_and(|o| o.inner == self.inner)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let mut w = Writer::new();
        state::write_edits(&mut w, std::slice::from_ref(&self.inner));
        pickle::reduce(py, "Change", w)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let e = &self.inner;
        Ok(format!(
            "Change(path={}, original={}, replacement={}, reason='{}', start={}, end={})",
            py_repr(py, &e.path)?,
            py_repr(py, &e.original)?,
            py_repr(py, &e.replacement)?,
            e.reason.name(),
            e.start,
            e.end
        ))
    }
}

/// A sanitized document with the report of its input and the list of changes.
#[pyclass(module = "akinv", frozen, name = "Sanitized")]
pub struct Sanitized {
    pub(crate) data: Py<pyo3::types::PyBytes>,
    pub(crate) report: Py<Report>,
    pub(crate) changes: Vec<core::Edit>,
}

impl Sanitized {
    pub fn new(py: Python<'_>, s: core::Sanitized) -> PyResult<Sanitized> {
        Ok(Sanitized {
            data: pyo3::types::PyBytes::new(py, &s.data).unbind(),
            report: Py::new(py, Report::new(s.report))?,
            changes: s.changes,
        })
    }
}

#[pymethods]
impl Sanitized {
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<pyo3::types::PyBytes> {
        self.data.clone_ref(py)
    }
    #[getter]
    fn report(&self, py: Python<'_>) -> Py<Report> {
        self.report.clone_ref(py)
    }
    #[getter]
    fn changes(&self) -> Vec<Change> {
        self.changes
            .iter()
            .map(|e| Change { inner: e.clone() })
            .collect()
    }
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> bool {
        other.extract::<PyRef<'_, Sanitized>>().is_ok_and(|o| {
            o.data.as_bytes(py) == self.data.as_bytes(py)
                && o.report.get().inner == self.report.get().inner
                && o.changes == self.changes
        })
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        let mut w = Writer::new();
        state::write_bytes(&mut w, self.data.as_bytes(py));
        state::write_report(&mut w, &self.report.get().inner);
        state::write_edits(&mut w, &self.changes);
        pickle::reduce(py, "Sanitized", w)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Sanitized(data=<{} bytes>, changes={}, report={})",
            self.data.as_bytes(py).len(),
            self.changes.len(),
            self.report.get().__repr__(py)?
        ))
    }
}
