//! Pickling: every report class reduces to `akinv._akinv._restore(kind, state)`, its state the
//! bytes `state` writes. A part of a report (a finding, a node, a GPU group, the totals) pickles
//! with a report holding only that part, so a list of findings does not carry the whole report
//! once per finding.

use crate::report::{
    Change, Finding, GpuDevice, GpuGroup, NodeSummary, Report, Sanitized, Totals, Usage,
};
use crate::state::{self, Reader, Writer};
use akinv_core as core;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Arc;

/// What `__reduce__` returns: the restoring function and its arguments.
pub type Reduced<'py> = (Bound<'py, PyAny>, (&'static str, Bound<'py, PyBytes>));

pub fn reduce<'py>(py: Python<'py>, kind: &'static str, w: Writer) -> PyResult<Reduced<'py>> {
    let restore = py.import("akinv._akinv")?.getattr("_restore")?;
    Ok((restore, (kind, PyBytes::new(py, &w.finish()))))
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

pub fn report_state(report: &core::Report) -> Writer {
    let mut w = Writer::new();
    state::write_report(&mut w, report);
    w
}

fn corrupt(kind: &str) -> PyErr {
    PyValueError::new_err(format!(
        "cannot unpickle {kind}: its state was not written by this version of akinv"
    ))
}

/// Why a state could not be restored: it is corrupt, or Python failed (out of memory, say).
enum Failure {
    Corrupt,
    Python(PyErr),
}

impl From<state::Corrupt> for Failure {
    fn from(_: state::Corrupt) -> Failure {
        Failure::Corrupt
    }
}

impl From<PyErr> for Failure {
    fn from(error: PyErr) -> Failure {
        Failure::Python(error)
    }
}

/// A report of which exactly one item of a part was pickled.
fn one(
    report: core::Report,
    items: impl Fn(&core::Report) -> usize,
) -> Result<Arc<core::Report>, Failure> {
    if items(&report) == 1 {
        Ok(Arc::new(report))
    } else {
        Err(Failure::Corrupt)
    }
}

fn restore_state(py: Python<'_>, kind: &str, r: &mut Reader<'_>) -> Result<Py<PyAny>, Failure> {
    Ok(match kind {
        "Report" => Py::new(py, Report::new(state::read_report(r)?))?.into_any(),
        "Finding" => {
            let report = one(state::read_report(r)?, |x| x.findings.len())?;
            Py::new(py, Finding { report, index: 0 })?.into_any()
        }
        "NodeSummary" => {
            let report = one(state::read_report(r)?, |x| x.nodes.len())?;
            Py::new(py, NodeSummary { report, index: 0 })?.into_any()
        }
        "GpuGroup" => {
            let report = one(state::read_report(r)?, |x| x.gpus.len())?;
            Py::new(py, GpuGroup { report, index: 0 })?.into_any()
        }
        "Totals" => {
            let report = Arc::new(state::read_report(r)?);
            Py::new(py, Totals { report })?.into_any()
        }
        "Usage" => {
            let inner = state::read_triple(r)?;
            Py::new(py, Usage { inner })?.into_any()
        }
        "GpuDevice" => {
            let inner = state::read_device(r)?;
            Py::new(py, GpuDevice { inner })?.into_any()
        }
        "Change" => {
            let mut edits = state::read_edits(r)?;
            let inner = edits.pop().filter(|_| edits.is_empty());
            let inner = inner.ok_or(Failure::Corrupt)?;
            Py::new(py, Change { inner })?.into_any()
        }
        "Sanitized" => {
            let data = PyBytes::new(py, state::read_bytes(r)?).unbind();
            let report = Py::new(py, Report::new(state::read_report(r)?))?;
            let changes = state::read_edits(r)?;
            Py::new(
                py,
                Sanitized {
                    data,
                    report,
                    changes,
                },
            )?
            .into_any()
        }
        _ => return Err(Failure::Corrupt),
    })
}

/// Rebuilds a report object from the state its `__reduce__` gave.
#[pyfunction]
#[pyo3(name = "_restore", signature = (kind, state, /))]
pub fn restore(py: Python<'_>, kind: &str, state: &[u8]) -> PyResult<Py<PyAny>> {
    let restored = Reader::new(state).map_err(Failure::from).and_then(|mut r| {
        let object = restore_state(py, kind, &mut r)?;
        r.finish()?;
        Ok(object)
    });
    restored.map_err(|failure| match failure {
        Failure::Corrupt => corrupt(kind),
        Failure::Python(error) => error,
    })
}
