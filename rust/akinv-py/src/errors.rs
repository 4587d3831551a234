//! The one mapping from core errors to the exceptions of `akinv.errors`.

use akinv_core as core;
use pyo3::prelude::*;

pyo3::import_exception!(akinv.errors, QuantityError);
pyo3::import_exception!(akinv.errors, PayloadError);
pyo3::import_exception!(akinv.errors, MalformedJSONError);
pyo3::import_exception!(akinv.errors, UnknownShapeError);
pyo3::import_exception!(akinv.errors, PayloadTooLargeError);

/// A document that cannot be read, as its exception (every kind has its own type).
pub fn payload_error(error: &core::DocumentError) -> PyErr {
    let message = error.to_string();
    match error {
        core::DocumentError::Malformed { line, column, .. } => {
            MalformedJSONError::new_err((message, *line, *column))
        }
        core::DocumentError::UnknownShape { .. } => UnknownShapeError::new_err((message,)),
        core::DocumentError::TooLarge { .. } => PayloadTooLargeError::new_err((message,)),
    }
}

/// A quantity Kubernetes would reject; `place` names it for the person who wrote it.
pub fn quantity_error(text: &[u8], error: core::QuantityError, place: &str) -> PyErr {
    let shown = String::from_utf8_lossy(text);
    let reason = error.reason(text);
    QuantityError::new_err(format!("{place}invalid quantity {shown:?}: {reason}"))
}

/// A TypeError saying what was expected and what was given: "{expected}, not bytes".
pub fn type_error(expected: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let kind = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    pyo3::exceptions::PyTypeError::new_err(format!("{expected}, not {kind}"))
}

pub fn policy_error(error: core::PolicyError) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(error.0)
}
