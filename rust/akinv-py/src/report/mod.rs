//! Reports as Python objects. A report stays Rust data behind one shared pointer; its parts are
//! views into it, and Python values are built only when an attribute is read, so a batch of
//! reports costs no Python allocation per number.

use crate::pickle::{self, Reduced};
use akinv_core as core;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::sync::Arc;

mod finding;
mod resources;

use finding::finding_dict;
pub use finding::{Change, Finding, Sanitized};
use resources::{counters_dict, gpu_dict, node_dict, reserved_dict, totals_dict, usage_dict};
pub use resources::{GpuDevice, GpuGroup, NodeSummary, Totals, Usage};

/// A string as Python writes it in a repr.
pub(crate) fn py_repr(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_str()?.to_owned())
}

pub(crate) fn py_opt_repr(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    text.map_or_else(|| Ok("None".to_owned()), |t| py_repr(py, t))
}

pub(crate) fn py_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

pub(crate) fn py_list_repr(py: Python<'_>, items: &[String]) -> PyResult<String> {
    let items: Vec<String> = items
        .iter()
        .map(|i| py_repr(py, i))
        .collect::<PyResult<_>>()?;
    Ok(format!("[{}]", items.join(", ")))
}

/// An exact integer as JSON-safe data: beyond int64 it is a string, which every JSON reader
/// keeps exactly (orjson refuses integers past 2^64; JavaScript rounds past 2^53 anyway).
pub(super) fn json_int(py: Python<'_>, value: i128) -> PyResult<Py<PyAny>> {
    Ok(match i64::try_from(value) {
        Ok(small) => small.into_pyobject(py)?.into_any().unbind(),
        Err(_) => value.to_string().into_pyobject(py)?.into_any().unbind(),
    })
}

pub(super) fn finding_value(
    py: Python<'_>,
    value: &core::FindingValue,
    json: bool,
) -> PyResult<Py<PyAny>> {
    Ok(match value {
        core::FindingValue::None => py.None(),
        core::FindingValue::Int(v) if json => json_int(py, *v)?,
        core::FindingValue::Int(v) => v.into_pyobject(py)?.into_any().unbind(),
        core::FindingValue::Text(t) => t.into_pyobject(py)?.into_any().unbind(),
    })
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
        pickle::reduce(py, "Report", &*self.inner)
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
