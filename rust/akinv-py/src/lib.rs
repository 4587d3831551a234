//! The `akinv._akinv` extension module: extract, release the GIL, call the core, map errors.
//!
//! Reports stay Rust data inside their Python objects; Python values are built only when an
//! attribute is read, so a batch of reports costs no Python allocation per number.
#![forbid(unsafe_code)]

use akinv_core as core;
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::collections::HashMap;
use std::sync::Arc;

/// Reports are built on rayon threads and freed on Python's: glibc made freeing a batch of
/// them cost 6% of validating it (3.3 ms of 54 ms for the 20 MB corpus).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pyo3::import_exception!(akinv.errors, QuantityError);
pyo3::import_exception!(akinv.errors, PayloadError);

fn scale(milli: bool) -> core::Scale {
    if milli {
        core::Scale::Milli
    } else {
        core::Scale::Unit
    }
}

fn quantity_error(text: &[u8], error: core::QuantityError, index: Option<usize>) -> PyErr {
    let shown = String::from_utf8_lossy(text);
    let reason = error.reason(text);
    match index {
        Some(i) => {
            QuantityError::new_err(format!("texts[{i}]: invalid quantity {shown:?}: {reason}"))
        }
        None => QuantityError::new_err(format!("invalid quantity {shown:?}: {reason}")),
    }
}

/// A quantity's text; a str that is not Unicode text (a lone surrogate) is an invalid quantity.
fn quantity_text<'a>(text: &'a Bound<'_, PyString>, index: Option<usize>) -> PyResult<&'a str> {
    text.to_str().map_err(|_| {
        let shown = text.repr().map(|r| r.to_string()).unwrap_or_default();
        let place = index.map(|i| format!("texts[{i}]: ")).unwrap_or_default();
        QuantityError::new_err(format!(
            "{place}invalid quantity {shown}: not Unicode text (a lone surrogate)"
        ))
    })
}

/// The one mapping from core document errors to Python exceptions.
fn payload_error(error: &core::DocumentError) -> PyErr {
    let message = error.to_string();
    match error {
        core::DocumentError::Json { line, column, .. } => {
            PayloadError::new_err((message, *line, *column))
        }
        core::DocumentError::UnknownShape { .. } | core::DocumentError::TooLarge { .. } => {
            PayloadError::new_err((message,))
        }
    }
}

/// Input bytes held across a GIL release without copying immutable buffers.
enum Input {
    Bytes(PyBackedBytes),
    Str(PyBackedStr),
    /// A str that is not Unicode text (a lone surrogate, as json.loads makes of "\ud800"): no
    /// bytes could stand for it, so it is refused whole, as a PayloadError with this message.
    NotText(String),
}

impl Input {
    fn refused(&self) -> Option<PyErr> {
        match self {
            Input::NotText(message) => Some(PayloadError::new_err((message.clone(),))),
            _ => None,
        }
    }
}

impl AsRef<[u8]> for Input {
    fn as_ref(&self) -> &[u8] {
        match self {
            Input::Bytes(b) => b.as_ref(),
            Input::Str(s) => s.as_bytes(),
            // Never read: refused before the core runs, or its result replaced.
            Input::NotText(_) => b"",
        }
    }
}

fn extract_input(value: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Ok(bytes) = value.extract::<PyBackedBytes>() {
        // bytearray is copied by this extraction, so later mutation cannot race the core.
        return Ok(Input::Bytes(bytes));
    }
    if let Ok(text) = value.extract::<PyBackedStr>() {
        return Ok(Input::Str(text));
    }
    if let Ok(text) = value.cast::<PyString>() {
        let reason = match text.to_str() {
            Err(error) => error.value(value.py()).to_string(),
            Ok(_) => String::from("unreadable"),
        };
        return Ok(Input::NotText(format!(
            "the document is a str that is not Unicode text: {reason}"
        )));
    }
    if let Ok(view) = value.cast::<pyo3::types::PyMemoryView>() {
        let copied = PyBytes::new(
            value.py(),
            &view.call_method0("tobytes")?.extract::<Vec<u8>>()?,
        );
        return Ok(Input::Bytes(copied.extract::<PyBackedBytes>()?));
    }
    Err(PyTypeError::new_err(format!(
        "a status document must be bytes, bytearray, memoryview, str or dict, not {}",
        value.get_type().name()?
    )))
}

/// A cap is a count a node could hold, so it fits an int64 column like every number akinv
/// reports: above that, sums of capped values could not be stored.
fn cap_arg(name: &str, value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i128>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let cap = match value.extract::<i128>() {
        Ok(cap) => Some(cap),
        Err(error) if error.is_instance_of::<PyOverflowError>(value.py()) => None,
        Err(error) => return Err(error),
    };
    match cap {
        Some(cap) if (0..core::INT64_LIMIT).contains(&cap) => Ok(Some(cap)),
        _ => Err(PyValueError::new_err(format!(
            "cap {name} must be between 0 and 2**63 - 1, got {value}"
        ))),
    }
}

fn schema_arg(schema: Option<&str>) -> PyResult<Option<core::Schema>> {
    schema
        .map(|name| {
            core::Schema::from_name(name).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "schema must be 'legacy', 'v1' or 'inventory', not {name:?}"
                ))
            })
        })
        .transpose()
}

fn policy_arg(policy: Option<&Policy>) -> Arc<core::Policy> {
    policy.map_or_else(|| Arc::new(core::Policy::default()), |p| p.inner.clone())
}

fn finding_value(py: Python<'_>, value: &core::FindingValue) -> PyResult<Py<PyAny>> {
    Ok(match value {
        core::FindingValue::None => py.None(),
        core::FindingValue::Int(v) => v.into_pyobject(py)?.into_any().unbind(),
        core::FindingValue::Text(t) => t.into_pyobject(py)?.into_any().unbind(),
    })
}

#[pyclass(module = "akinv", frozen, name = "Policy")]
struct Policy {
    inner: Arc<core::Policy>,
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (*, gpu=None, cpu_millis=None, memory_bytes=None, ephemeral_storage_bytes=None, storage_bytes=None, int_limit=None, severity=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        gpu: Option<&Bound<'_, PyAny>>,
        cpu_millis: Option<&Bound<'_, PyAny>>,
        memory_bytes: Option<&Bound<'_, PyAny>>,
        ephemeral_storage_bytes: Option<&Bound<'_, PyAny>>,
        storage_bytes: Option<&Bound<'_, PyAny>>,
        int_limit: Option<&Bound<'_, PyAny>>,
        severity: Option<HashMap<String, String>>,
    ) -> PyResult<Self> {
        let mut policy = core::Policy::default();
        let caps = &mut policy.caps;
        for (slot, value, name) in [
            (&mut caps.gpu, gpu, "gpu"),
            (&mut caps.cpu_millis, cpu_millis, "cpu_millis"),
            (&mut caps.memory_bytes, memory_bytes, "memory_bytes"),
            (
                &mut caps.ephemeral_storage_bytes,
                ephemeral_storage_bytes,
                "ephemeral_storage_bytes",
            ),
            (&mut caps.storage_bytes, storage_bytes, "storage_bytes"),
        ] {
            if let Some(value) = cap_arg(name, value)? {
                *slot = value;
            }
        }
        if let Some(limit) = int_limit {
            policy.int_limit = if let Ok(name) = limit.extract::<String>() {
                match name.as_str() {
                    "int64" => core::INT64_LIMIT,
                    "js" => core::JS_LIMIT,
                    _ => {
                        return Err(PyValueError::new_err(format!(
                            "int_limit must be 'int64', 'js' or an int, not {name:?}"
                        )))
                    }
                }
            } else {
                // A custom bound: the largest allowed integer, so the exclusive limit is one more.
                let largest: i128 = limit.extract()?;
                if !(0..core::INT64_LIMIT).contains(&largest) {
                    return Err(PyValueError::new_err(format!(
                        "int_limit must be between 0 and 2**63 - 1, got {largest}"
                    )));
                }
                largest + 1
            };
        }
        for (code, level) in severity.unwrap_or_default() {
            let code_value = core::Code::from_name(&code)
                .ok_or_else(|| PyValueError::new_err(format!("unknown finding code {code:?}")))?;
            let level_value = core::Severity::from_name(&level).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "severity must be 'error' or 'warning', not {level:?}"
                ))
            })?;
            policy.set_severity(code_value, level_value);
        }
        Ok(Policy {
            inner: Arc::new(policy),
        })
    }

    #[getter]
    fn gpu(&self) -> i128 {
        self.inner.caps.gpu
    }
    #[getter]
    fn cpu_millis(&self) -> i128 {
        self.inner.caps.cpu_millis
    }
    #[getter]
    fn memory_bytes(&self) -> i128 {
        self.inner.caps.memory_bytes
    }
    #[getter]
    fn ephemeral_storage_bytes(&self) -> i128 {
        self.inner.caps.ephemeral_storage_bytes
    }
    #[getter]
    fn storage_bytes(&self) -> i128 {
        self.inner.caps.storage_bytes
    }
    /// The largest integer a sanitized document may hold.
    #[getter]
    fn int_limit(&self) -> i128 {
        self.inner.int_limit - 1
    }
    fn severity(&self, code: &str) -> PyResult<&'static str> {
        let code = core::Code::from_name(code)
            .ok_or_else(|| PyValueError::new_err(format!("unknown finding code {code:?}")))?;
        Ok(self.inner.severity(code).name())
    }
}

#[pyclass(module = "akinv", frozen, name = "Finding")]
struct Finding {
    inner: core::Finding,
}

#[pymethods]
impl Finding {
    #[getter]
    fn code(&self) -> &'static str {
        self.inner.code.name()
    }
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity.name()
    }
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }
    #[getter]
    fn node(&self) -> Option<&str> {
        self.inner.node.as_deref()
    }
    #[getter]
    fn resource(&self) -> Option<&'static str> {
        self.inner.resource
    }
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        finding_value(py, &self.inner.value)
    }
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("code", self.code())?;
        dict.set_item("severity", self.severity())?;
        dict.set_item("path", self.path())?;
        dict.set_item("node", self.node())?;
        dict.set_item("resource", self.resource())?;
        dict.set_item("value", self.value(py)?)?;
        dict.set_item("message", self.message())?;
        Ok(dict)
    }
    fn __repr__(&self) -> String {
        format!(
            "Finding({} at {}: {})",
            self.inner.code.name(),
            self.inner.path,
            self.inner.message
        )
    }
}

/// Allocatable, allocated and available amounts of one resource.
#[pyclass(module = "akinv", frozen, name = "Usage")]
struct Usage {
    inner: core::Triple,
}

#[pymethods]
impl Usage {
    #[getter]
    fn allocatable(&self) -> i128 {
        self.inner.allocatable
    }
    #[getter]
    fn allocated(&self) -> i128 {
        self.inner.allocated
    }
    #[getter]
    fn available(&self) -> i128 {
        self.inner.available
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        usage_dict(py, &self.inner)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyRef<'_, Usage>>()
            .is_ok_and(|o| o.inner == self.inner)
    }
    fn __repr__(&self) -> String {
        let t = &self.inner;
        format!(
            "Usage(allocatable={}, allocated={}, available={})",
            t.allocatable, t.allocated, t.available
        )
    }
}

fn usage_dict<'py>(py: Python<'py>, triple: &core::Triple) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("allocatable", triple.allocatable)?;
    dict.set_item("allocated", triple.allocated)?;
    dict.set_item("available", triple.available)?;
    Ok(dict)
}

fn usage(py: Python<'_>, triple: core::Triple) -> PyResult<Py<Usage>> {
    Py::new(py, Usage { inner: triple })
}

fn resources_dict<'py>(
    py: Python<'py>,
    r: &core::Resources,
    dict: &Bound<'py, PyDict>,
) -> PyResult<()> {
    dict.set_item("cpu_millis", usage_dict(py, &r.cpu_millis)?)?;
    dict.set_item("memory_bytes", usage_dict(py, &r.memory_bytes)?)?;
    dict.set_item("gpu", usage_dict(py, &r.gpu)?)?;
    dict.set_item(
        "ephemeral_storage_bytes",
        usage_dict(py, &r.ephemeral_storage_bytes)?,
    )?;
    Ok(())
}

/// Capacity of one node, from trusted numbers only.
#[pyclass(module = "akinv", frozen, name = "NodeSummary")]
struct NodeSummary {
    inner: core::NodeSummary,
}

#[pymethods]
impl NodeSummary {
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
    #[getter]
    fn cpu_millis(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.cpu_millis)
    }
    #[getter]
    fn memory_bytes(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.memory_bytes)
    }
    #[getter]
    fn gpu(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.gpu)
    }
    #[getter]
    fn ephemeral_storage_bytes(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.ephemeral_storage_bytes)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("name", self.name())?;
        resources_dict(py, &self.inner.resources, &dict)?;
        Ok(dict)
    }
    fn __repr__(&self) -> String {
        format!("NodeSummary(name={:?})", self.inner.name)
    }
}

/// Cluster totals: the sums of the nodes, plus persistent storage per class.
#[pyclass(module = "akinv", frozen, name = "Totals")]
struct Totals {
    inner: core::Totals,
}

#[pymethods]
impl Totals {
    #[getter]
    fn cpu_millis(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.cpu_millis)
    }
    #[getter]
    fn memory_bytes(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.memory_bytes)
    }
    #[getter]
    fn gpu(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.gpu)
    }
    #[getter]
    fn ephemeral_storage_bytes(&self, py: Python<'_>) -> PyResult<Py<Usage>> {
        usage(py, self.inner.resources.ephemeral_storage_bytes)
    }
    #[getter]
    fn storage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for class in &self.inner.storage {
            dict.set_item(&class.class, usage(py, class.bytes)?)?;
        }
        Ok(dict)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        totals_dict(py, &self.inner)
    }
}

fn totals_dict<'py>(py: Python<'py>, totals: &core::Totals) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    resources_dict(py, &totals.resources, &dict)?;
    let storage = PyDict::new(py);
    for class in &totals.storage {
        storage.set_item(&class.class, usage_dict(py, &class.bytes)?)?;
    }
    dict.set_item("storage", storage)?;
    Ok(dict)
}

/// GPUs of one (vendor, model, memory size, interface).
#[pyclass(module = "akinv", frozen, name = "GpuGroup")]
struct GpuGroup {
    inner: core::GpuGroup,
}

#[pymethods]
impl GpuGroup {
    #[getter]
    fn vendor(&self) -> &str {
        &self.inner.key.vendor
    }
    #[getter]
    fn model(&self) -> &str {
        &self.inner.key.model
    }
    #[getter]
    fn memory_size(&self) -> &str {
        &self.inner.key.memory_size
    }
    #[getter]
    fn interface(&self) -> &str {
        &self.inner.key.interface
    }
    #[getter]
    fn allocatable(&self) -> i128 {
        self.inner.allocatable
    }
    #[getter]
    fn available(&self) -> i128 {
        self.inner.available
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        gpu_dict(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let k = &self.inner.key;
        format!(
            "GpuGroup({}/{}/{}/{}: allocatable={}, available={})",
            k.vendor,
            k.model,
            k.memory_size,
            k.interface,
            self.inner.allocatable,
            self.inner.available
        )
    }
}

fn gpu_dict<'py>(py: Python<'py>, group: &core::GpuGroup) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("vendor", &group.key.vendor)?;
    dict.set_item("model", &group.key.model)?;
    dict.set_item("memory_size", &group.key.memory_size)?;
    dict.set_item("interface", &group.key.interface)?;
    dict.set_item("allocatable", group.allocatable)?;
    dict.set_item("available", group.available)?;
    Ok(dict)
}

/// What akinv found in one document.
#[pyclass(module = "akinv", frozen, name = "Report")]
struct Report {
    inner: core::Report,
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
    #[getter]
    fn inventory_ready(&self) -> bool {
        self.inner.inventory_ready
    }
    #[getter]
    fn findings(&self, py: Python<'_>) -> PyResult<Vec<Py<Finding>>> {
        self.inner
            .findings
            .iter()
            .map(|f| Py::new(py, Finding { inner: f.clone() }))
            .collect()
    }
    #[getter]
    fn nodes(&self, py: Python<'_>) -> PyResult<Vec<Py<NodeSummary>>> {
        self.inner
            .nodes
            .iter()
            .map(|n| Py::new(py, NodeSummary { inner: n.clone() }))
            .collect()
    }
    #[getter]
    fn totals(&self, py: Python<'_>) -> PyResult<Py<Totals>> {
        Py::new(
            py,
            Totals {
                inner: self.inner.totals.clone(),
            },
        )
    }
    #[getter]
    fn gpus(&self, py: Python<'_>) -> PyResult<Vec<Py<GpuGroup>>> {
        self.inner
            .gpus
            .iter()
            .map(|g| Py::new(py, GpuGroup { inner: g.clone() }))
            .collect()
    }
    /// Counts of findings by code.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for code in core::Code::ALL {
            let n = self
                .inner
                .findings
                .iter()
                .filter(|f| f.code == code)
                .count();
            if n > 0 {
                dict.set_item(code.name(), n)?;
            }
        }
        Ok(dict)
    }
    /// Plain JSON-ready data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let report = &self.inner;
        let dict = PyDict::new(py);
        dict.set_item("schema", self.schema())?;
        dict.set_item("ok", report.ok())?;
        dict.set_item("inventory_ready", report.inventory_ready)?;
        let findings = PyList::empty(py);
        for f in &report.findings {
            findings.append(Finding { inner: f.clone() }.to_dict(py)?)?;
        }
        dict.set_item("findings", findings)?;
        let nodes = PyList::empty(py);
        for n in &report.nodes {
            nodes.append(NodeSummary { inner: n.clone() }.to_dict(py)?)?;
        }
        dict.set_item("nodes", nodes)?;
        dict.set_item("totals", totals_dict(py, &report.totals)?)?;
        let gpus = PyList::empty(py);
        for g in &report.gpus {
            gpus.append(gpu_dict(py, g)?)?;
        }
        dict.set_item("gpus", gpus)?;
        Ok(dict)
    }
    fn __repr__(&self) -> String {
        format!(
            "Report(schema={:?}, ok={}, findings={}, nodes={})",
            self.inner.schema.name(),
            self.inner.ok(),
            self.inner.findings.len(),
            self.inner.nodes.len()
        )
    }
}

/// One replacement made by sanitizing.
#[pyclass(module = "akinv", frozen, name = "Change")]
struct Change {
    inner: core::Edit,
}

#[pymethods]
impl Change {
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }
    #[getter]
    fn original(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        finding_value(py, &self.inner.original)
    }
    #[getter]
    fn replacement(&self) -> &str {
        &self.inner.replacement
    }
    #[getter]
    fn reason(&self) -> &'static str {
        self.inner.reason.name()
    }
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
        dict.set_item("path", self.path())?;
        dict.set_item("original", self.original(py)?)?;
        dict.set_item("replacement", self.replacement())?;
        dict.set_item("reason", self.reason())?;
        Ok(dict)
    }
    fn __repr__(&self) -> String {
        format!(
            "Change({}: {} -> {} ({}))",
            self.inner.path,
            self.inner.original,
            self.inner.replacement,
            self.reason()
        )
    }
}

/// A sanitized document with the report of its input and the list of changes.
#[pyclass(module = "akinv", frozen, name = "Sanitized")]
struct Sanitized {
    data: Py<PyBytes>,
    report: Py<Report>,
    changes: Vec<core::Edit>,
}

#[pymethods]
impl Sanitized {
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }
    #[getter]
    fn report(&self, py: Python<'_>) -> Py<Report> {
        self.report.clone_ref(py)
    }
    #[getter]
    fn changes(&self, py: Python<'_>) -> PyResult<Vec<Py<Change>>> {
        self.changes
            .iter()
            .map(|e| Py::new(py, Change { inner: e.clone() }))
            .collect()
    }
    fn __repr__(&self) -> String {
        format!("Sanitized(changes={})", self.changes.len())
    }
}

fn to_sanitized(py: Python<'_>, s: core::Sanitized) -> PyResult<Sanitized> {
    Ok(Sanitized {
        data: PyBytes::new(py, &s.data).unbind(),
        report: Py::new(py, Report { inner: s.report })?,
        changes: s.changes,
    })
}

/// The most worker threads a call may ask for: far more than any machine's cores.
const MAX_THREADS: i64 = 1024;

fn threads_arg(threads: Option<i64>) -> PyResult<Option<usize>> {
    match threads {
        None => Ok(None),
        Some(n @ 1..=MAX_THREADS) => Ok(usize::try_from(n).ok()),
        Some(n) => Err(PyValueError::new_err(format!(
            "threads must be between 1 and {MAX_THREADS}, not {n}"
        ))),
    }
}

/// `start..end` of `chunk`, checked.
fn line_span(chunk: &[u8], start: usize, end: Option<usize>) -> PyResult<std::ops::Range<usize>> {
    let end = end.unwrap_or(chunk.len());
    if start > end || end > chunk.len() {
        return Err(PyValueError::new_err(format!(
            "start {start} and end {end} do not fit a chunk of {} bytes",
            chunk.len()
        )));
    }
    Ok(start..end)
}

/// A sanitized line: its number, the result, and the original text when it could not be read.
type SanitizedLine<'py> = (usize, Py<PyAny>, Option<Bound<'py, PyBytes>>);

type BatchJob<T> = fn(
    &[Input],
    Option<usize>,
    Option<core::Schema>,
    &core::Policy,
) -> Vec<Result<T, core::DocumentError>>;

/// Quantity texts parsed per step in `parse_quantities`: small enough that the copied texts
/// and their values stay in cache (one buffer for a million texts cost page faults).
const QUANTITY_CHUNK: usize = 1024;
/// Chunks between the thread that reads Python strings and the parser thread.
const CHUNKS_IN_FLIGHT: usize = 3;

/// Texts copied out of Python strings, and what parsing them gave.
#[derive(Default)]
struct TextChunk {
    /// Index of the first text in the whole batch, for error messages.
    first: usize,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    values: Vec<i128>,
    failed: Option<(usize, core::QuantityError)>,
}

impl TextChunk {
    /// Copies up to `QUANTITY_CHUNK` texts; false when there were none left.
    fn fill<'py>(
        &mut self,
        items: &mut impl Iterator<Item = Bound<'py, PyAny>>,
        first: usize,
    ) -> PyResult<bool> {
        self.first = first;
        self.bytes.clear();
        self.ends.clear();
        for item in items.take(QUANTITY_CHUNK) {
            let text = item.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "quantities must be str, not {}",
                    item.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            let index = self.first + self.ends.len();
            self.bytes
                .extend_from_slice(quantity_text(text, Some(index))?.as_bytes());
            self.ends.push(self.bytes.len());
        }
        Ok(!self.ends.is_empty())
    }

    fn text(&self, index: usize) -> &[u8] {
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        &self.bytes[start..self.ends[index]]
    }

    /// Runs without the GIL: touches only its own buffers.
    fn parse(&mut self, scale: core::Scale) {
        self.values.clear();
        self.failed = None;
        let mut start = 0;
        for (index, &end) in self.ends.iter().enumerate() {
            match core::parse_int(&self.bytes[start..end], scale) {
                Ok(value) => self.values.push(value),
                Err(error) => {
                    self.failed = Some((index, error));
                    return;
                }
            }
            start = end;
        }
    }

    /// The parsed values as Python ints, or the first bad text as a QuantityError.
    fn drain<'py>(&self, py: Python<'py>, into: &mut Vec<Bound<'py, PyAny>>) -> PyResult<()> {
        if let Some((index, error)) = self.failed {
            let position = self.first.saturating_add(index);
            return Err(quantity_error(self.text(index), error, Some(position)));
        }
        // Nearly every value fits an i64, which converts to a Python int far faster.
        into.extend(self.values.iter().map(|&value| {
            let Ok(int) = match i64::try_from(value) {
                Ok(small) => small.into_pyobject(py),
                Err(_) => value.into_pyobject(py),
            };
            int.into_any()
        }));
        Ok(())
    }
}

/// Parses every text of `list`. Reading Python strings and making Python ints need the GIL,
/// parsing does not: for large lists a second thread parses one chunk while this one copies
/// the next and converts the last, so the parse overlaps the work that needs the GIL.
fn parse_quantity_list<'py>(
    py: Python<'py>,
    list: &Bound<'py, PyList>,
    scale: core::Scale,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let mut values = Vec::with_capacity(list.len());
    let mut items = list.iter();
    let mut taken = 0;
    if list.len() <= QUANTITY_CHUNK * 4 {
        // Too few to pay for a thread.
        let mut chunk = TextChunk::default();
        while chunk.fill(&mut items, taken)? {
            taken += chunk.ends.len();
            py.detach(|| chunk.parse(scale));
            chunk.drain(py, &mut values)?;
        }
        return Ok(values);
    }
    std::thread::scope(|scope| {
        let (to_parser, parser_input) =
            std::sync::mpsc::sync_channel::<TextChunk>(CHUNKS_IN_FLIGHT);
        let (parser_output, from_parser) = std::sync::mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        // A Receiver is not Sync; waiting on it with the GIL released needs a shareable one.
        let from_parser = std::sync::Mutex::new(from_parser);
        scope.spawn(move || {
            for mut chunk in parser_input {
                chunk.parse(scale);
                // The reader returned early (an error): stop.
                if parser_output.send(chunk).is_err() {
                    break;
                }
            }
        });
        let mut spare: Vec<TextChunk> = std::iter::repeat_with(TextChunk::default)
            .take(CHUNKS_IN_FLIGHT)
            .collect();
        let mut in_flight = 0;
        loop {
            while let Some(mut chunk) = spare.pop() {
                if !chunk.fill(&mut items, taken)? {
                    spare.push(chunk);
                    break;
                }
                taken += chunk.ends.len();
                // Never blocks: the channel holds every chunk there is.
                to_parser
                    .send(chunk)
                    .map_err(|_| PyRuntimeError::new_err("quantity parser thread stopped"))?;
                in_flight += 1;
            }
            if in_flight == 0 {
                return Ok(values);
            }
            let chunk = py
                .detach(|| from_parser.lock().ok()?.recv().ok())
                .ok_or_else(|| PyRuntimeError::new_err("quantity parser thread stopped"))?;
            in_flight -= 1;
            chunk.drain(py, &mut values)?;
            spare.push(chunk);
        }
    })
}

/// The one path of every batch call: extract the inputs, release the GIL, run the core in
/// parallel, then turn each result into a Python object or a PayloadError item.
fn run_batch<T: Send>(
    py: Python<'_>,
    payloads: &Bound<'_, PyAny>,
    threads: Option<i64>,
    schema: Option<&str>,
    policy: Option<&Policy>,
    job: BatchJob<T>,
    wrap: impl Fn(T) -> PyResult<Py<PyAny>>,
) -> PyResult<Vec<Py<PyAny>>> {
    let inputs = payloads
        .try_iter()?
        .map(|item| extract_input(&item?))
        .collect::<PyResult<Vec<_>>>()?;
    let (threads, schema, policy) = (
        threads_arg(threads)?,
        schema_arg(schema)?,
        policy_arg(policy),
    );
    let results = py.detach(|| job(&inputs, threads, schema, &policy));
    results
        .into_iter()
        .zip(&inputs)
        .map(|(result, input)| match input.refused() {
            Some(refusal) => Ok(refusal.into_value(py).into_any()),
            None => batch_item(py, result, &wrap),
        })
        .collect()
}

/// Either a report or the error object for one document of a batch.
fn batch_item<T>(
    py: Python<'_>,
    result: Result<T, core::DocumentError>,
    wrap: impl Fn(T) -> PyResult<Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    match result {
        Ok(value) => wrap(value),
        Err(error) => Ok(payload_error(&error).into_value(py).into_any()),
    }
}

#[pymodule]
mod _akinv {
    use super::*;

    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_export]
    use super::{Change, Finding, GpuGroup, NodeSummary, Policy, Report, Sanitized, Totals, Usage};

    /// Parses one Kubernetes quantity exactly (see akinv.parse_quantity).
    #[pyfunction]
    #[pyo3(signature = (text, /, *, milli = false))]
    fn parse_quantity(text: &Bound<'_, PyString>, milli: bool) -> PyResult<i128> {
        let text = quantity_text(text, None)?;
        core::parse_int(text.as_bytes(), scale(milli))
            .map_err(|e| quantity_error(text.as_bytes(), e, None))
    }

    /// Parses many quantities with the GIL released.
    #[pyfunction]
    #[pyo3(signature = (texts, /, *, milli = false))]
    fn parse_quantities<'py>(
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        milli: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        if texts.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "texts must be a sequence of str, not a single str",
            ));
        }
        let list = match texts.cast::<PyList>() {
            Ok(list) => list.clone(),
            Err(_) => PyList::new(py, texts.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
        };
        PyList::new(py, parse_quantity_list(py, &list, scale(milli))?)
    }

    /// Validates one document (bytes or str).
    #[pyfunction]
    #[pyo3(signature = (payload, /, *, schema = None, policy = None))]
    fn validate(
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Report> {
        let input = extract_input(payload)?;
        if let Some(refusal) = input.refused() {
            return Err(refusal);
        }
        let (schema, policy) = (schema_arg(schema)?, policy_arg(policy));
        let report = py
            .detach(|| core::validate(input.as_ref(), schema, &policy))
            .map_err(|e| payload_error(&e))?;
        Ok(Report { inner: report })
    }

    /// Sanitizes one document (bytes or str).
    #[pyfunction]
    #[pyo3(signature = (payload, /, *, schema = None, policy = None))]
    fn sanitize(
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Sanitized> {
        let input = extract_input(payload)?;
        if let Some(refusal) = input.refused() {
            return Err(refusal);
        }
        let (schema, policy) = (schema_arg(schema)?, policy_arg(policy));
        let sanitized = py
            .detach(|| core::sanitize(input.as_ref(), schema, &policy))
            .map_err(|e| payload_error(&e))?;
        to_sanitized(py, sanitized)
    }

    /// How many lines end in `chunk[start:end]`: where the next block's line numbers start.
    #[pyfunction]
    #[pyo3(signature = (chunk, /, *, start = 0, end = None))]
    fn lines_ended(chunk: PyBackedBytes, start: usize, end: Option<usize>) -> PyResult<usize> {
        Ok(core::lines_ended(&chunk[line_span(&chunk, start, end)?]))
    }

    /// Validates the documents of whole JSON Lines, `chunk[start:end]`, in parallel with the GIL
    /// released: `[(line, Report | PayloadError)]`, numbered from `first_line`, blank lines
    /// skipped. The offsets let a reader pass a block it read without slicing (copying) it.
    #[pyfunction]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, not a Rust API
    #[pyo3(signature = (chunk, /, *, first_line = 1, start = 0, end = None, threads = None, schema = None, policy = None))]
    fn validate_lines(
        py: Python<'_>,
        chunk: PyBackedBytes,
        first_line: usize,
        start: usize,
        end: Option<usize>,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Vec<(usize, Py<PyAny>)>> {
        let (threads, schema, policy) = (
            threads_arg(threads)?,
            schema_arg(schema)?,
            policy_arg(policy),
        );
        let span = line_span(&chunk, start, end)?;
        let (numbers, results) = py.detach(|| {
            let lines = core::json_lines(&chunk[span]);
            let texts: Vec<&[u8]> = lines.iter().map(|(_, text)| *text).collect();
            let numbers: Vec<usize> = lines
                .iter()
                .map(|(n, _)| first_line.saturating_add(*n))
                .collect();
            (
                numbers,
                core::validate_many(&texts, threads, schema, &policy),
            )
        });
        numbers
            .into_iter()
            .zip(results)
            .map(|(number, result)| {
                let item = batch_item(py, result, |report| {
                    Ok(Py::new(py, Report { inner: report })?.into_any())
                })?;
                Ok((number, item))
            })
            .collect()
    }

    /// Sanitizes the documents of a JSON Lines chunk like `validate_lines`:
    /// `[(line, Sanitized | PayloadError, the original line if it was unreadable)]`.
    #[pyfunction]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments, not a Rust API
    #[pyo3(signature = (chunk, /, *, first_line = 1, start = 0, end = None, threads = None, schema = None, policy = None))]
    fn sanitize_lines<'py>(
        py: Python<'py>,
        chunk: PyBackedBytes,
        first_line: usize,
        start: usize,
        end: Option<usize>,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Vec<SanitizedLine<'py>>> {
        let (threads, schema, policy) = (
            threads_arg(threads)?,
            schema_arg(schema)?,
            policy_arg(policy),
        );
        let span = line_span(&chunk, start, end)?;
        // Splitting is part of the batch: it runs without the GIL too.
        let (lines, results) = py.detach(|| {
            let lines = core::json_lines(&chunk[span]);
            let texts: Vec<&[u8]> = lines.iter().map(|(_, text)| *text).collect();
            let results = core::sanitize_many(&texts, threads, schema, &policy);
            (lines, results)
        });
        lines
            .iter()
            .zip(results)
            .map(|((number, text), result)| {
                let original = result.is_err().then(|| PyBytes::new(py, text));
                let item = batch_item(py, result, |s| {
                    Ok(Py::new(py, to_sanitized(py, s)?)?.into_any())
                })?;
                Ok((first_line.saturating_add(*number), item, original))
            })
            .collect()
    }

    /// Validates many documents in parallel with the GIL released; errors become list items.
    #[pyfunction]
    #[pyo3(signature = (payloads, /, *, threads = None, schema = None, policy = None))]
    fn validate_many(
        py: Python<'_>,
        payloads: &Bound<'_, PyAny>,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        run_batch(
            py,
            payloads,
            threads,
            schema,
            policy,
            core::validate_many,
            |report| Ok(Py::new(py, Report { inner: report })?.into_any()),
        )
    }

    /// Sanitizes many documents in parallel with the GIL released; errors become list items.
    #[pyfunction]
    #[pyo3(signature = (payloads, /, *, threads = None, schema = None, policy = None))]
    fn sanitize_many(
        py: Python<'_>,
        payloads: &Bound<'_, PyAny>,
        threads: Option<i64>,
        schema: Option<&str>,
        policy: Option<&Policy>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        run_batch(
            py,
            payloads,
            threads,
            schema,
            policy,
            core::sanitize_many,
            |sanitized| Ok(Py::new(py, to_sanitized(py, sanitized)?)?.into_any()),
        )
    }
}
