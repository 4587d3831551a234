//! Findings, and what sanitizing changed.

use super::{finding_value, py_opt_repr, py_repr, Report};
use crate::pickle::{self, Failure, Part, Reduced, Restored};
use akinv_core as core;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

/// One finding: its code and severity, where it is, and the value as the document gave it.
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
        pickle::reduce(py, "Finding", &part)
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

pub(super) fn finding_dict<'py>(
    py: Python<'py>,
    f: &core::Finding,
) -> PyResult<Bound<'py, PyDict>> {
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
        pickle::reduce(py, "Change", &self.inner)
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
    pub(crate) fn restore(py: Python<'_>, state: &[u8]) -> Restored {
        let (data, report, changes): (&serde_bytes::Bytes, core::Report, Vec<core::Edit>) =
            pickle::decode(state)?;
        let sanitized = Sanitized {
            data: pyo3::types::PyBytes::new(py, data).unbind(),
            report: Py::new(py, Report::new(report)).map_err(Failure::from)?,
            changes,
        };
        pickle::new(py, sanitized)
    }

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
        let state = (
            serde_bytes::Bytes::new(self.data.as_bytes(py)),
            &*self.report.get().inner,
            &self.changes,
        );
        pickle::reduce(py, "Sanitized", &state)
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
