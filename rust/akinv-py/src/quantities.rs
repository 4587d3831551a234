//! Kubernetes quantities from Python strings: one, or many parsed without the GIL.

use crate::errors::{quantity_error, QuantityError};
use crate::gil;
use akinv_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

fn scale(milli: bool) -> core::Scale {
    if milli {
        core::Scale::Milli
    } else {
        core::Scale::Unit
    }
}

/// A quantity's text; a str that is not Unicode text (a lone surrogate) is an invalid quantity.
fn text_of<'a>(text: &'a Bound<'_, PyString>, place: &str) -> PyResult<&'a str> {
    text.to_str().map_err(|_| {
        let shown = text.repr().map(|r| r.to_string()).unwrap_or_default();
        QuantityError::new_err(format!(
            "{place}invalid quantity {shown}: not Unicode text (a lone surrogate)"
        ))
    })
}

/// Parses one Kubernetes quantity exactly (see akinv.parse_quantity).
#[pyfunction]
#[pyo3(signature = (text, /, *, milli = false))]
pub fn parse_quantity(text: &Bound<'_, PyString>, milli: bool) -> PyResult<i128> {
    let text = text_of(text, "")?;
    core::parse_int(text.as_bytes(), scale(milli))
        .map_err(|e| quantity_error(text.as_bytes(), e, ""))
}

/// Parses many quantities: the texts are copied out, parsed in the core without the GIL, and
/// the first bad one raises a QuantityError naming its position (`texts[3]`, 0-based).
#[pyfunction]
#[pyo3(signature = (texts, /, *, milli = false))]
pub fn parse_quantities<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    milli: bool,
) -> PyResult<Bound<'py, PyList>> {
    if texts.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "texts must be a sequence of str, not a single str (wrap it in a list)",
        ));
    }
    // One buffer for every text: one allocation per text cost more than the parse.
    let mut bytes: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (index, item) in texts.try_iter()?.enumerate() {
        let item = item?;
        let text = item.cast::<PyString>().map_err(|_| {
            let kind = item
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            PyTypeError::new_err(format!("texts[{index}] must be a str, not {kind}"))
        })?;
        let start = bytes.len();
        bytes.extend_from_slice(text_of(text, &format!("texts[{index}]: "))?.as_bytes());
        spans.push((start, bytes.len()));
    }
    let scale = scale(milli);
    let parsed = gil::batched(
        py,
        &spans,
        |&(start, end)| end.saturating_sub(start).saturating_add(16),
        |chunk| {
            let texts: Vec<&[u8]> = chunk.iter().map(|&(s, e)| &bytes[s..e]).collect();
            core::quantity::parse_many(&texts, scale)
        },
    )?;
    let mut values = Vec::with_capacity(parsed.len());
    for (index, result) in parsed.into_iter().enumerate() {
        match result {
            // Nearly every value fits an i64, which converts to a Python int far faster.
            Ok(value) => values.push(match i64::try_from(value) {
                Ok(small) => small.into_pyobject(py)?.into_any(),
                Err(_) => value.into_pyobject(py)?.into_any(),
            }),
            Err(error) => {
                let (start, end) = spans[index];
                return Err(quantity_error(
                    &bytes[start..end],
                    error,
                    &format!("texts[{index}]: "),
                ));
            }
        }
    }
    PyList::new(py, values)
}
