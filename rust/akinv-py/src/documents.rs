//! validate and sanitize, of one document or many (streams are `stream`'s).

use crate::errors::payload_error;
use crate::gil;
use crate::input::{self, Input};
use crate::policy::{policy_arg, schema_arg, threads_arg, Policy};
use crate::report::{Report, Sanitized};
use akinv_core as core;
use pyo3::prelude::*;

/// Validates one document (bytes or str).
#[pyfunction]
#[pyo3(signature = (payload, /, *, schema = None, policy = None))]
pub fn validate(
    py: Python<'_>,
    payload: &Bound<'_, PyAny>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Report> {
    let input = input::extract(payload)?;
    if let Some(refusal) = input.refused() {
        return Err(refusal);
    }
    let (schema, policy) = (schema_arg(schema)?, policy_arg(policy));
    let report = gil::detached(py, || core::validate(input.as_ref(), schema, &policy))?;
    report.map(Report::new).map_err(|e| payload_error(&e))
}

/// Sanitizes one document (bytes or str).
#[pyfunction]
#[pyo3(signature = (payload, /, *, schema = None, policy = None))]
pub fn sanitize(
    py: Python<'_>,
    payload: &Bound<'_, PyAny>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Sanitized> {
    let input = input::extract(payload)?;
    if let Some(refusal) = input.refused() {
        return Err(refusal);
    }
    let (schema, policy) = (schema_arg(schema)?, policy_arg(policy));
    let sanitized = gil::detached(py, || core::sanitize(input.as_ref(), schema, &policy))?;
    Sanitized::new(py, sanitized.map_err(|e| payload_error(&e))?)
}

/// A document's outcome as a batch item: the object, or its error as a value.
fn item<T>(
    py: Python<'_>,
    result: Result<T, core::DocumentError>,
    wrap: impl Fn(T) -> PyResult<Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    match result {
        Ok(value) => wrap(value),
        Err(error) => Ok(payload_error(&error).into_value(py).into_any()),
    }
}

fn report_item(py: Python<'_>, report: core::Report) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, Report::new(report))?.into_any())
}

fn sanitized_item(py: Python<'_>, sanitized: core::Sanitized) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, Sanitized::new(py, sanitized)?)?.into_any())
}

type Job<T> = fn(
    &[&[u8]],
    Option<usize>,
    Option<core::Schema>,
    &core::Policy,
) -> Vec<Result<T, core::DocumentError>>;

fn validate_job(
    d: &[&[u8]],
    t: Option<usize>,
    s: Option<core::Schema>,
    p: &core::Policy,
) -> Vec<Result<core::Report, core::DocumentError>> {
    core::validate_many(d, t, s, p)
}

fn sanitize_job(
    d: &[&[u8]],
    t: Option<usize>,
    s: Option<core::Schema>,
    p: &core::Policy,
) -> Vec<Result<core::Sanitized, core::DocumentError>> {
    core::sanitize_many(d, t, s, p)
}

/// Every batch call: extract the inputs, run the core in parallel without the GIL (a chunk
/// at a time, stopping on Ctrl-C), then turn each result into an object or an error item.
fn run_batch<T: Send>(
    py: Python<'_>,
    payloads: &Bound<'_, PyAny>,
    (threads, schema, policy): (Option<i64>, Option<&str>, Option<&Policy>),
    job: Job<T>,
    wrap: impl Fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
) -> PyResult<Vec<Py<PyAny>>> {
    let inputs = input::extract_many(payloads)?;
    let (threads, schema, policy) = (
        threads_arg(threads)?,
        schema_arg(schema)?,
        policy_arg(policy),
    );
    let texts: Vec<&[u8]> = inputs.iter().map(Input::as_ref).collect();
    let results = gil::batched(
        py,
        &texts,
        |t| t.len(),
        |chunk| job(chunk, threads, schema, &policy),
    )?;
    results
        .into_iter()
        .zip(&inputs)
        .map(|(result, input)| match input.refused() {
            Some(refusal) => Ok(refusal.into_value(py).into_any()),
            None => item(py, result, |value| wrap(py, value)),
        })
        .collect()
}

/// Validates many documents in parallel with the GIL released; errors become list items.
#[pyfunction]
#[pyo3(signature = (payloads, /, *, threads = None, schema = None, policy = None))]
pub fn validate_many(
    py: Python<'_>,
    payloads: &Bound<'_, PyAny>,
    threads: Option<i64>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Vec<Py<PyAny>>> {
    run_batch(
        py,
        payloads,
        (threads, schema, policy),
        validate_job,
        report_item,
    )
}

/// Sanitizes many documents in parallel with the GIL released; errors become list items.
#[pyfunction]
#[pyo3(signature = (payloads, /, *, threads = None, schema = None, policy = None))]
pub fn sanitize_many(
    py: Python<'_>,
    payloads: &Bound<'_, PyAny>,
    threads: Option<i64>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Vec<Py<PyAny>>> {
    run_batch(
        py,
        payloads,
        (threads, schema, policy),
        sanitize_job,
        sanitized_item,
    )
}
