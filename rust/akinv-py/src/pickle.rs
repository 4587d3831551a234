//! Pickling, one way for every class of Rust data: `__reduce__` gives
//! `akinv._akinv._restore(kind, state)`, its state what `state` writes of the object's serde
//! form. A part of a report (a finding, a node, a GPU group, the totals) pickles with a report
//! holding only that part, so a list of findings does not carry the whole report once per
//! finding. (Policy, Pricing and OrderCore pickle as the arguments that make them.)

use crate::bidding;
use crate::report::{
    Change, Finding, GpuDevice, GpuGroup, NodeSummary, Report, Sanitized, Totals, Usage,
};
use crate::state::{self, Refused};
use akinv_core as core;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::Serialize;
use std::sync::Arc;

/// What `__reduce__` returns: the restoring function and its arguments.
pub type Reduced<'py> = (Bound<'py, PyAny>, (&'static str, Bound<'py, PyBytes>));

pub fn reduce<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    kind: &'static str,
    value: &T,
) -> PyResult<Reduced<'py>> {
    let state = state::encode(value)
        .map_err(|why| PyValueError::new_err(format!("cannot pickle {kind}: {why}")))?;
    let restore = py.import("akinv._akinv")?.getattr("_restore")?;
    Ok((restore, (kind, PyBytes::new(py, &state))))
}

/// The parts of a report that pickle on their own.
#[derive(Clone, Copy)]
pub enum Part {
    Finding(usize),
    Node(usize),
    Gpu(usize),
    Totals,
}

/// A report holding only `part` of `report` (at index 0), and what every report has.
pub fn part_of(report: &core::Report, part: Part) -> core::Report {
    let mut only = core::Report {
        schema: report.schema,
        findings: Vec::new(),
        nodes: Vec::new(),
        totals: core::Totals::default(),
        gpus: Vec::new(),
        gpu_devices: Vec::new(),
        inventory_ready: report.inventory_ready,
        inventory_error: None,
        counters: core::Counters::default(),
        reservations: None,
        public_hostnames: Vec::new(),
        address: None,
        leased_ips: None,
    };
    match part {
        Part::Finding(i) => only.findings.push(report.findings[i].clone()),
        Part::Node(i) => {
            only.nodes.push(report.nodes[i].clone());
            only.gpu_devices.clone_from(&report.gpu_devices);
        }
        Part::Gpu(i) => only.gpus.push(report.gpus[i].clone()),
        Part::Totals => only.totals.clone_from(&report.totals),
    }
    only
}

/// Why a state could not be restored: it is refused, or Python failed (out of memory, say).
pub enum Failure {
    Refused(Refused),
    Python(PyErr),
}

impl From<Refused> for Failure {
    fn from(refused: Refused) -> Failure {
        Failure::Refused(refused)
    }
}

impl From<PyErr> for Failure {
    fn from(error: PyErr) -> Failure {
        Failure::Python(error)
    }
}

pub type Restored = Result<Py<PyAny>, Failure>;

/// The value of a state, or why it is refused.
pub fn decode<'a, T: serde::Deserialize<'a>>(state: &'a [u8]) -> Result<T, Failure> {
    Ok(state::decode(state)?)
}

/// A Python object of a value read back.
pub fn new<T>(py: Python<'_>, value: T) -> Restored
where
    T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    Ok(Py::new(py, value)?.into_any())
}

/// A report of which exactly one item of a part was pickled.
fn one(state: &[u8], items: impl Fn(&core::Report) -> usize) -> Result<Arc<core::Report>, Failure> {
    let report: core::Report = decode(state)?;
    if items(&report) == 1 {
        Ok(Arc::new(report))
    } else {
        Err(Refused::Kind.into())
    }
}

fn restore_report_kind(py: Python<'_>, kind: &str, state: &[u8]) -> Option<Restored> {
    Some(match kind {
        "Report" => decode(state).and_then(|report| new(py, Report::new(report))),
        "Finding" => one(state, |r| r.findings.len())
            .and_then(|report| new(py, Finding { report, index: 0 })),
        "NodeSummary" => one(state, |r| r.nodes.len())
            .and_then(|report| new(py, NodeSummary { report, index: 0 })),
        "GpuGroup" => {
            one(state, |r| r.gpus.len()).and_then(|report| new(py, GpuGroup { report, index: 0 }))
        }
        "Totals" => one(state, |_| 1).and_then(|report| new(py, Totals { report })),
        "Usage" => decode(state).and_then(|inner| new(py, Usage { inner })),
        "GpuDevice" => decode(state).and_then(|inner| new(py, GpuDevice { inner })),
        "Change" => decode(state).and_then(|inner| new(py, Change { inner })),
        "Sanitized" => Sanitized::restore(py, state),
        _ => return None,
    })
}

/// Rebuilds an object from the state its `__reduce__` gave.
#[pyfunction]
#[pyo3(name = "_restore", signature = (kind, state, /))]
pub fn restore(py: Python<'_>, kind: &str, state: &[u8]) -> PyResult<Py<PyAny>> {
    let restored = restore_report_kind(py, kind, state)
        .or_else(|| bidding::restore(py, kind, state))
        .unwrap_or(Err(Refused::Unknown.into()));
    restored.map_err(|failure| match failure {
        Failure::Refused(why) => PyValueError::new_err(format!("cannot unpickle {kind}: {why}")),
        Failure::Python(error) => error,
    })
}
