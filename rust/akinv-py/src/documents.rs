//! validate and sanitize, of one document, many, or the lines of a JSON Lines block.

use crate::errors::payload_error;
use crate::gil;
use crate::input::{self, Input};
use crate::policy::{policy_arg, schema_arg, threads_arg, Policy};
use crate::report::{Report, Sanitized};
use akinv_core as core;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

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

/// A line's number, its outcome, and its text when it could not be read.
type Line<'py> = (usize, Py<PyAny>, Option<Bound<'py, PyBytes>>);

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

/// How many lines end in `chunk[start:end]`: where the next block's line numbers start.
#[pyfunction]
#[pyo3(signature = (chunk, /, *, start = 0, end = None))]
pub fn lines_ended(chunk: PyBackedBytes, start: usize, end: Option<usize>) -> PyResult<usize> {
    Ok(core::lines_ended(&chunk[line_span(&chunk, start, end)?]))
}

/// The documents of whole JSON Lines `chunk[start:end]`, numbered from `first_line`, through
/// `job`: `[(line, result, the line's text when it could not be read)]`. The offsets let a
/// reader pass a block it read without slicing (copying) it.
fn run_lines<'py, T: Send>(
    py: Python<'py>,
    chunk: &PyBackedBytes,
    (first_line, start, end): (usize, usize, Option<usize>),
    (threads, schema, policy): (Option<i64>, Option<&str>, Option<&Policy>),
    job: Job<T>,
    wrap: impl Fn(Python<'_>, T) -> PyResult<Py<PyAny>>,
) -> PyResult<Vec<Line<'py>>> {
    let (threads, schema, policy) = (
        threads_arg(threads)?,
        schema_arg(schema)?,
        policy_arg(policy),
    );
    let span = line_span(chunk, start, end)?;
    // Splitting is part of the batch: it runs without the GIL too.
    let lines = gil::detached(py, || core::numbered_lines(&chunk[span], first_line))?;
    let texts: Vec<&[u8]> = lines.iter().map(|(_, text)| *text).collect();
    let results = gil::batched(
        py,
        &texts,
        |t| t.len(),
        |part| job(part, threads, schema, &policy),
    )?;
    lines
        .iter()
        .zip(results)
        .map(|((number, text), result)| {
            let original = result.is_err().then(|| PyBytes::new(py, text));
            Ok((
                *number,
                item(py, result, |value| wrap(py, value))?,
                original,
            ))
        })
        .collect()
}

/// Validates the documents of whole JSON Lines in parallel with the GIL released:
/// `[(line, Report | PayloadError)]`, numbered from `first_line`, blank lines skipped.
#[pyfunction]
#[allow(clippy::too_many_arguments)] // Python keyword arguments, not a Rust API
#[pyo3(signature = (chunk, /, *, first_line = 1, start = 0, end = None, threads = None, schema = None, policy = None))]
pub fn validate_lines(
    py: Python<'_>,
    chunk: PyBackedBytes,
    first_line: usize,
    start: usize,
    end: Option<usize>,
    threads: Option<i64>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Vec<(usize, Py<PyAny>)>> {
    let lines = run_lines(
        py,
        &chunk,
        (first_line, start, end),
        (threads, schema, policy),
        validate_job,
        report_item,
    )?;
    Ok(lines.into_iter().map(|(n, item, _)| (n, item)).collect())
}

/// Sanitizes the documents of a JSON Lines chunk like `validate_lines`:
/// `[(line, Sanitized | PayloadError, the original line if it was unreadable)]`.
#[pyfunction]
#[allow(clippy::too_many_arguments)] // Python keyword arguments, not a Rust API
#[pyo3(signature = (chunk, /, *, first_line = 1, start = 0, end = None, threads = None, schema = None, policy = None))]
pub fn sanitize_lines<'py>(
    py: Python<'py>,
    chunk: PyBackedBytes,
    first_line: usize,
    start: usize,
    end: Option<usize>,
    threads: Option<i64>,
    schema: Option<&str>,
    policy: Option<&Policy>,
) -> PyResult<Vec<Line<'py>>> {
    run_lines(
        py,
        &chunk,
        (first_line, start, end),
        (threads, schema, policy),
        sanitize_job,
        sanitized_item,
    )
}
