//! Kubernetes quantities from Python strings: one, or many parsed without the GIL.

use crate::errors::{quantity_error, type_error, QuantityError};
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
/// `place` names it in the error, built only then.
fn text_of<'a>(text: &'a Bound<'_, PyString>, place: impl FnOnce() -> String) -> PyResult<&'a str> {
    text.to_str().map_err(|_| {
        let shown = text.repr().map(|r| r.to_string()).unwrap_or_default();
        QuantityError::new_err(format!(
            "{}invalid quantity {shown}: not Unicode text (a lone surrogate)",
            place()
        ))
    })
}

/// Parses one Kubernetes quantity exactly (see akinv.parse_quantity).
#[pyfunction]
#[pyo3(signature = (text, /, *, milli = false))]
pub fn parse_quantity(text: &Bound<'_, PyString>, milli: bool) -> PyResult<i128> {
    let text = text_of(text, String::new)?;
    core::parse_int(text.as_bytes(), scale(milli))
        .map_err(|e| quantity_error(text.as_bytes(), e, ""))
}

/// Texts copied out of Python and parsed per step: few enough that the copies and their values
/// stay in cache (one buffer for a million texts ran at half the speed).
const CHUNK: usize = 4096;

/// Parses many quantities, a chunk at a time: the texts are copied out with the GIL, parsed in
/// the core without it, and the first bad one raises a QuantityError naming its position
/// (`texts[3]`, 0-based).
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
    let scale = scale(milli);
    // A list is walked by index, far faster than Python's iterator protocol.
    let list = match texts.cast::<PyList>() {
        Ok(list) => list.clone(),
        Err(_) => PyList::new(py, texts.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
    };
    let mut values: Vec<Bound<'py, PyAny>> = Vec::with_capacity(list.len());
    let mut items = list.iter().map(Ok::<_, PyErr>);
    let (mut bytes, mut ends, mut parsed) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        bytes.clear();
        ends.clear();
        for item in items.by_ref().take(CHUNK) {
            let item = item?;
            let index = values.len() + ends.len();
            let text = item
                .cast::<PyString>()
                .map_err(|_| type_error(&format!("texts[{index}] must be a str"), &item))?;
            bytes.extend_from_slice(text_of(text, || format!("texts[{index}]: "))?.as_bytes());
            ends.push(bytes.len());
        }
        if ends.is_empty() {
            return PyList::new(py, values);
        }
        gil::detached(py, || {
            parsed.clear();
            let mut start = 0;
            for &end in &ends {
                parsed.push(core::parse_int(&bytes[start..end], scale));
                start = end;
            }
        })?;
        let mut start = 0;
        for (&end, result) in ends.iter().zip(&parsed) {
            match result {
                // Nearly every value fits an i64, which converts to a Python int far faster.
                Ok(value) => values.push(match i64::try_from(*value) {
                    Ok(small) => small.into_pyobject(py)?.into_any(),
                    Err(_) => value.into_pyobject(py)?.into_any(),
                }),
                Err(error) => {
                    let place = format!("texts[{}]: ", values.len());
                    return Err(quantity_error(&bytes[start..end], *error, &place));
                }
            }
            start = end;
        }
    }
}
