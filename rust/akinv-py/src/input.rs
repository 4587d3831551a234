//! Documents as the core reads them: bytes held across a GIL release without copying
//! immutable buffers; mutable ones (bytearray, memoryview) are copied first.

use crate::errors::{type_error, MalformedJSONError};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

pub enum Input {
    Bytes(PyBackedBytes),
    Str(PyBackedStr),
    /// A str that is not Unicode text (a lone surrogate, as json.loads makes of "\ud800"): no
    /// bytes could stand for it, so it is refused whole, with this message.
    NotText(String),
}

impl Input {
    /// The error for an input the core never sees.
    pub fn refused(&self) -> Option<PyErr> {
        match self {
            Input::NotText(message) => Some(MalformedJSONError::new_err((message.clone(),))),
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

pub fn extract(value: &Bound<'_, PyAny>) -> PyResult<Input> {
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
    if let Ok(view) = value.cast::<PyMemoryView>() {
        let copied = PyBytes::new(
            value.py(),
            &view.call_method0("tobytes")?.extract::<Vec<u8>>()?,
        );
        return Ok(Input::Bytes(copied.extract::<PyBackedBytes>()?));
    }
    Err(type_error(
        "a status document must be bytes, bytearray, memoryview, str or dict",
        value,
    ))
}

/// Every document of an iterable; a single document given where many are expected is a
/// TypeError that says so (iterating bytes would give ints).
pub fn extract_many(payloads: &Bound<'_, PyAny>) -> PyResult<Vec<Input>> {
    if payloads.is_instance_of::<PyBytes>()
        || payloads.is_instance_of::<PyString>()
        || payloads.is_instance_of::<PyByteArray>()
        || payloads.is_instance_of::<PyMemoryView>()
    {
        return Err(PyTypeError::new_err(format!(
            "payloads must be an iterable of documents, not a single {} (wrap it in a list)",
            payloads.get_type().name()?
        )));
    }
    payloads.try_iter()?.map(|item| extract(&item?)).collect()
}
